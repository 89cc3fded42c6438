"""The report page of a plan over several weeks: the horizon's key figures, one row per week, and a week
selector opening each week's own report (``weeks/YYYY-MM-DD/report.html``, the single-week page). One
self-contained file: inline CSS, a few lines of inline script, no network."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape
from pathlib import Path

from scheduler.validation.kpis import Kpis

WEEKS_FOLDER = "weeks"  # each week's own plan folder, weeks/YYYY-MM-DD/

_STYLE = ("body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2em;color:#222}"
          "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
          "th:first-child,td:first-child{text-align:left}select{font-size:1em}")


def _row(label: str, link: str | None, kpis: Kpis) -> str:
    name = f'<a href="{escape(link)}">{escape(label)}</a>' if link else escape(label)
    return (f"<tr><td>{name}</td><td>{kpis.service_level.overall:.1%}</td>"
            f"<td>{kpis.understaffed_agent_hours:,.1f}</td><td>{kpis.overstaffed_agent_hours:,.1f}</td>"
            f"<td>{kpis.paid_hours:,.1f}</td><td>{kpis.cost:,.2f}</td><td>{kpis.shifts}</td>"
            f"<td>{kpis.solver.gap:.2%}</td></tr>")


def horizon_page(title: str, horizon: Kpis, weeks: Sequence[tuple[date, Kpis]], folder: str) -> str:
    """The page's HTML; ``weeks`` are each week's start and figures, ``folder`` holds the weekly reports."""
    first, last = weeks[0][0], weeks[-1][0] + timedelta(days=6)
    links = [(f"{folder}/{start.isoformat()}/report.html", f"week of {start.isoformat()}") for start, _ in weeks]
    options = "".join(f'<option value="{escape(href)}">{escape(text)}</option>' for href, text in links)
    rows = "".join(_row(text, href, kpis) for (href, text), (_, kpis) in zip(links, weeks, strict=True))
    rows += _row(f"all {len(weeks)} weeks", None, horizon)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}: {first}..{last}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>{len(weeks)} weeks, {first} to {last}; hard-rule violations: "
        f"{horizon.hard_violations}; solver gap over the horizon {horizon.solver.gap:.2%} (against the sum of "
        "the weeks' bounds without carry-in).</p>"
        "<p><label>Week: <select id=\"week\" onchange=\"if(this.value)location.href=this.value\">"
        f"<option value=\"\">choose a week</option>{options}</select></label></p>"
        "<table><thead><tr><th>week</th><th>service level</th><th>understaffed h</th><th>overstaffed h</th>"
        f"<th>paid h</th><th>cost</th><th>shifts</th><th>gap</th></tr></thead><tbody>{rows}</tbody></table>"
        "<p>Each week's report shows its cover, net staffing and every agent's week; roster.xlsx and "
        "roster_grid.csv hold the whole horizon.</p></body></html>\n"
    )


def rebuild_horizon(plan_dir: Path, config: Path | None = None) -> str | None:
    """For ``wfm report DIR`` on a plan over several weeks (a ``weeks/`` folder of weekly plan folders): rebuild
    each week's report in place and return the horizon page; None for a single-week plan folder."""
    from scheduler.report import write_report
    from scheduler.validation.kpis import read_kpis

    folder = plan_dir / WEEKS_FOLDER
    if not folder.is_dir():
        return None
    weeks = []
    for week_dir in sorted(p for p in folder.iterdir() if p.is_dir() and (p / "kpis.json").is_file()):
        write_report(week_dir, config)
        weeks.append((date.fromisoformat(week_dir.name), read_kpis(week_dir / "kpis.json")))
    if not weeks:
        return None
    from scheduler.io.config import load_config
    from scheduler.report.data import config_path_of
    from scheduler.validation.kpis import read_kpis_object

    horizon = read_kpis(plan_dir / "kpis.json")
    title = load_config(config_path_of(plan_dir, read_kpis_object(plan_dir / "kpis.json"), config)).name
    return horizon_page(title, horizon, weeks, WEEKS_FOLDER)
