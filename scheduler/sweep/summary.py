"""A sweep's summary: ``summary.csv`` (one row per scenario) and ``summary.html`` (the scenarios side by side,
one self-contained page: inline CSS and SVG, no script, no network), and ``headcount.csv`` (every plan of a
headcount search). Wall times are left out, so the same plans give the same bytes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from html import escape

from scheduler.sweep.headcount import TARGET_TOLERANCE
from scheduler.sweep.headcount import meets_targets as meets
from scheduler.validation.kpis import Kpis

FIXED_COLUMNS = ("id", "status", "service_level")
FIGURE_COLUMNS = ("understaffed_agent_hours", "overstaffed_agent_hours", "paid_hours", "cost", "gap")
EXTRA_COLUMNS = ("agents", "agents_added", "budget_completed", "meets_target", "site", "scenario", "error")
CURVE_COLUMNS = ("id", "agents_added", "service_level")
TARGET_NOT_MET = "target_not_met"


@dataclass(frozen=True)
class CurvePoint:
    """One plan of a headcount search."""

    added: int
    kpis: Kpis


@dataclass(frozen=True)
class SummaryRow:
    key: str
    scenario: str
    site: str | None
    status: str  # ok, target_not_met, rejected, infeasible or failed
    kpis: Kpis | None
    error: str = ""
    added: int = 0
    curve: tuple[CurvePoint, ...] = ()  # the plans of a headcount search, by count


def queue_ids(rows: list[SummaryRow]) -> list[str]:
    """Every queue of every scenario, in order of first appearance (sites may have different queues)."""
    seen: dict[str, None] = {}
    for row in rows:
        if row.kpis is not None:
            for queue in row.kpis.service_level.by_queue:
                seen.setdefault(queue, None)
    return list(seen)


def _number(value: float) -> str:
    return repr(float(value))


def _figures(kpis: Kpis, queues: list[str]) -> list[str]:
    by_queue = kpis.service_level.by_queue
    return [_number(kpis.service_level.overall), *(_number(by_queue[q]) if q in by_queue else "" for q in queues),
            _number(kpis.understaffed_agent_hours), _number(kpis.overstaffed_agent_hours), _number(kpis.paid_hours),
            _number(kpis.cost), _number(kpis.solver.gap)]


def summary_csv(rows: list[SummaryRow]) -> str:
    """``id, status, service_level, service_level_<queue>..., understaffed_agent_hours,
    overstaffed_agent_hours, paid_hours, cost, gap`` and then ``agents, agents_added, budget_completed,
    meets_target, site, scenario, error``; figures are empty for a scenario without a plan."""
    queues = queue_ids(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*FIXED_COLUMNS, *(f"service_level_{q}" for q in queues), *FIGURE_COLUMNS, *EXTRA_COLUMNS])
    for row in rows:
        kpis = row.kpis
        figures = _figures(kpis, queues) if kpis is not None else [""] * (len(queues) + 1 + len(FIGURE_COLUMNS))
        writer.writerow([
            row.key, row.status, *figures,
            kpis.agents if kpis is not None else "", row.added,
            "" if kpis is None else str(kpis.solver.budget_completed).lower(),
            "" if kpis is None else str(meets(kpis)).lower(),
            row.site or "", row.scenario, row.error,
        ])
    return out.getvalue()


def headcount_csv(rows: list[SummaryRow]) -> str:
    """Every plan of every headcount search: ``id, agents_added, service_level, service_level_<queue>...,
    understaffed_agent_hours, overstaffed_agent_hours, paid_hours, cost, gap, meets_target``."""
    searched = [row for row in rows if row.curve]
    queues = queue_ids(searched)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CURVE_COLUMNS, *(f"service_level_{q}" for q in queues), *FIGURE_COLUMNS, "meets_target"])
    for row in searched:
        for point in row.curve:
            writer.writerow([row.key, point.added, *_figures(point.kpis, queues), str(meets(point.kpis)).lower()])
    return out.getvalue()


STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2733;max-width:1200px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}p.note{color:#55606d;margin:4px 0}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;width:100%}
th,td{padding:4px 6px;border-bottom:1px solid #dde3ea;text-align:right;white-space:nowrap}
th{white-space:normal;vertical-align:bottom}tr.note td{border-bottom:1px solid #dde3ea;padding-top:0}
th{background:#f3f6f9;position:sticky;top:0}td.id,th.id,td.text{text-align:left}
td.error{text-align:left;white-space:normal;color:#a3261b;font-size:13px}
.ok{color:#1c7c3c}.bad{color:#a3261b;font-weight:600}.warn{color:#9a6700}
span.bar{display:inline-block;height:8px;background:#4c78a8;vertical-align:middle;margin-left:6px}
svg.curve{background:#fbfcfd;border:1px solid #dde3ea;margin:4px 16px 12px 0}
svg text{font:11px system-ui,sans-serif;fill:#1d2733}
"""
PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d")


def summary_html(rows: list[SummaryRow], title: str) -> str:
    """The scenarios side by side: status, service level (overall and per queue against target), hours, cost,
    gap; a scenario's error or warning on a line of its own below it; then one chart per headcount search of
    service level against agents added."""
    queues = queue_ids(rows)
    sites = any(row.site for row in rows)
    failed = sum(row.status not in ("ok", TARGET_NOT_MET) for row in rows)
    cut = sum(row.kpis is not None and not row.kpis.solver.budget_completed for row in rows)
    head = ["<th class=id>scenario</th>", "<th class=id>site</th>" if sites else "",
            "<th>status</th><th>service level</th>", *(f"<th>{escape(q)}</th>" for q in queues),
            "<th>under&shy;staffed h</th><th>over&shy;staffed h</th><th>paid h</th><th>cost</th><th>gap</th>"
            "<th>agents</th><th>added</th>"]
    columns = 11 + len(queues) - (0 if sites else 1)
    body = [_html_row(row, queues, sites, columns) for row in rows]
    notes = [f"{len(rows)} scenario(s); {failed} without a published plan." if failed else
             f"{len(rows)} scenario(s), every one planned."]
    if cut:
        notes.append(f"{cut} plan(s) stopped by the wall-clock cap before their work budget completed: those are "
                     "not reproducible (raise --wall-limit).")
    curves = [_curve_svg(row) for row in rows if row.curve]
    return "\n".join([
        "<!DOCTYPE html>", "<html lang=en><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width, initial-scale=1'>",
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>", *(f"<p class=note>{escape(n)}</p>" for n in notes),
        "<table id=scenarios><thead><tr>", *head, "</tr></thead><tbody>", *body, "</tbody></table>",
        *(["<h2>Headcount searches</h2>", "<div id=curves>", *curves, "</div>"] if curves else []),
        "</body></html>", ""])


def _html_row(row: SummaryRow, queues: list[str], sites: bool, columns: int) -> str:
    kpis = row.kpis
    status_class = "ok" if row.status == "ok" else "warn" if row.status == TARGET_NOT_MET else "bad"
    cells = [f"<td class=id>{escape(row.scenario)}</td>", f"<td class=text>{escape(row.site or '')}</td>"
             if sites else "", f"<td class={status_class}>{escape(row.status)}</td>"]
    if kpis is None:
        cells.append(f"<td colspan={columns - (3 if sites else 2)}></td>")
    else:
        overall = kpis.service_level.overall
        cells.append(f"<td>{overall:.1%}<span class=bar style='width:{round(overall * 40)}px'></span></td>")
        for queue in queues:
            if queue not in kpis.service_level.by_queue:
                cells.append("<td></td>")
                continue
            level, target = kpis.service_level.by_queue[queue], kpis.service_level_target[queue]
            mark = "ok" if level + TARGET_TOLERANCE >= target else "bad"
            cells.append(f"<td class={mark} title='target {target:.0%}'>{level:.1%}</td>")
        cells += [f"<td>{kpis.understaffed_agent_hours:,.1f}</td>", f"<td>{kpis.overstaffed_agent_hours:,.1f}</td>",
                  f"<td>{kpis.paid_hours:,.1f}</td>", f"<td>{kpis.cost:,.2f}</td>", f"<td>{kpis.solver.gap:.2%}</td>",
                  f"<td>{kpis.agents}</td>", f"<td>{row.added or ''}</td>"]
    note = row.error or ("" if kpis is None or kpis.solver.budget_completed
                         else "stopped by the wall clock before its work budget completed: not reproducible")
    line = f"<tr data-status='{escape(row.status)}'>{''.join(cells)}</tr>"
    if note:
        line += f"<tr class=note><td></td><td colspan={columns - 1} class=error>{escape(note)}</td></tr>"
    return line


def _curve_svg(row: SummaryRow, width: int = 420, height: int = 220) -> str:
    """Service level per queue against agents added, with each queue's target as a dashed line."""
    left, right, top, bottom = 44, 110, 14, 30
    points = sorted(row.curve, key=lambda p: p.added)
    xs = [p.added for p in points]
    low_x, high_x = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    queues = list(points[0].kpis.service_level.by_queue)
    values = [p.kpis.service_level.by_queue[q] for p in points for q in queues]
    values += [points[0].kpis.service_level_target[q] for q in queues]
    low_y, high_y = min(0.5, min(values)), 1.0

    def x(value: float) -> float:
        return left + (value - low_x) / (high_x - low_x) * (width - left - right)

    def y(value: float) -> float:
        return top + (high_y - value) / (high_y - low_y) * (height - top - bottom)

    parts = [f"<svg class=curve data-id='{escape(row.key)}' width={width} height={height} "
             f"viewBox='0 0 {width} {height}' xmlns='http://www.w3.org/2000/svg' role=img>",
             f"<title>{escape(row.key)}: service level against agents added</title>",
             f"<line x1={left} y1={y(low_y):.1f} x2={width - right} y2={y(low_y):.1f} stroke='#8895a3'/>",
             f"<text x={left - 4} y={y(high_y) + 4:.1f} text-anchor=end>{high_y:.0%}</text>",
             f"<text x={left - 4} y={y(low_y) + 4:.1f} text-anchor=end>{low_y:.0%}</text>"]
    for point in points:
        parts.append(f"<text x={x(point.added):.1f} y={height - 10} text-anchor=middle>+{point.added}</text>")
    for i, queue in enumerate(queues):
        colour = PALETTE[i % len(PALETTE)]
        target = points[0].kpis.service_level_target[queue]
        path = " ".join(f"{'M' if j == 0 else 'L'}{x(p.added):.1f},{y(p.kpis.service_level.by_queue[queue]):.1f}"
                        for j, p in enumerate(points))
        parts += [f"<line class=target x1={left} y1={y(target):.1f} x2={width - right} y2={y(target):.1f} "
                  f"stroke='{colour}' stroke-dasharray='4 3'/>",
                  f"<path class=series d='{path}' fill=none stroke='{colour}' stroke-width='2'/>",
                  *(f"<circle cx={x(p.added):.1f} cy={y(p.kpis.service_level.by_queue[queue]):.1f} r=3 "
                    f"fill='{colour}'/>" for p in points),
                  f"<text x={width - right + 6} y={top + 14 * (i + 1)} fill='{colour}'>{escape(queue)}</text>"]
    answer = f"answer +{row.added}" if row.status == "ok" else "target not met"
    parts += [f"<text x={width - right + 6} y={height - bottom}>{escape(answer)}</text>", "</svg>"]
    return "".join(parts)
