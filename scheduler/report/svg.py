"""Deterministic inline SVG charts over a week of intervals.

A chart is an outer SVG in pixels (axes, day grid, labels) around an inner SVG whose viewBox is in data units
(x: slot index, y: value scaled to integers), stretched with ``preserveAspectRatio="none"``; strokes use
``vector-effect: non-scaling-stroke``. Paths therefore hold small integers only, which keeps a week of
15-minute intervals compact. Same arrays in, same bytes out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

WIDTH, HEIGHT = 960, 190
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 22
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Series:
    """One line of a chart: ``values`` per slot (NaN = no value), drawn as a ``step`` or straight ``line``;
    ``fill`` draws the area under it instead of a stroke."""

    label: str
    values: np.ndarray
    color: str
    step: bool = True
    fill: bool = False
    dash: bool = False
    width: float = 1.5


def _runs(values: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` slot runs with finite values."""
    finite = np.isfinite(values)
    runs, start = [], None
    for i, ok in enumerate(finite):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(values)))
    return runs


def _path(values: np.ndarray, scale: float, step: bool, fill: bool, offset: float = 0.0) -> str:
    """Path data in data units (y is ``(value - offset) * scale`` rounded to integers; a ``fill`` closes the
    area down to the value 0)."""
    ys = np.where(np.isfinite(values), np.rint((np.nan_to_num(values) - offset) * scale), 0).astype(int)
    base = round(-offset * scale)
    parts = []
    for start, end in _runs(values):
        if step:
            cmds = [f"M{start} {base if fill else ys[start]}"]
            if fill:
                cmds.append(f"V{ys[start]}")
            prev = ys[start]
            for i in range(start + 1, end):
                if ys[i] != prev:
                    cmds.append(f"H{i}V{ys[i]}")
                    prev = ys[i]
            cmds.append(f"H{end}")
            if fill:
                cmds.append(f"V{base}Z")
        else:
            cmds = [f"M{start} {ys[start]}"] + [f"L{i} {ys[i]}" for i in range(start + 1, end)]
            if end - start == 1:
                cmds.append(f"H{start + 1}")
        parts.append("".join(cmds))
    return "".join(parts)


def _nice_max(value: float) -> float:
    if value <= 0 or not math.isfinite(value):
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _tick(value: float, percent: bool) -> str:
    if percent:
        return f"{value:.0%}"
    return f"{value:g}"


@dataclass(frozen=True)
class DayMark:
    """A day a chart shades: ``day`` counts from the chart's first day; ``kind`` (``holiday``, ``special``)
    picks the CSS class ``mark-KIND``; ``label`` is its tooltip (and its caption on a chart of a week)."""

    day: int
    kind: str
    label: str


def _marks(marks: Sequence[DayMark], days: int, plot_w: float, plot_h: float) -> str:
    """Shaded day columns with a tooltip, drawn under the grid; captioned when the chart is one week long."""
    out = []
    for mark in marks:
        if not 0 <= mark.day < days:
            continue
        x, width = LEFT + plot_w * mark.day / days, plot_w / days
        out.append(f'<rect class="mark mark-{escape(mark.kind)}" x="{x:g}" y="{TOP}" width="{width:g}" '
                   f'height="{plot_h:g}"><title>{escape(mark.label)}</title></rect>')
        if days <= 7:
            caption = mark.label if len(mark.label) <= 24 else mark.label[:23] + "…"
            out.append(f'<text class="mtext" x="{x + 3:g}" y="{TOP + 10}">{escape(caption)}</text>')
    return "".join(out)


def _y_axis(lo: float, hi: float, plot_h: float, percent: bool, ticks: Sequence[float] | None = None) -> list[str]:
    """Grid lines and labels at ``ticks`` (default: five, evenly from ``lo`` to ``hi``)."""
    out = []
    for value in ticks if ticks is not None else [lo + (hi - lo) * k / 4 for k in range(5)]:
        y = TOP + plot_h - plot_h * (value - lo) / (hi - lo)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:g}" y2="{y:g}"/>'
                   f'<text class="ytick" x="{LEFT - 4}" y="{y + 3:g}">{_tick(value, percent)}</text>')
    return out


def _x_axis(days: int, plot_w: float, plot_h: float, day_labels: Sequence[str] | None) -> list[str]:
    out = []
    names = day_labels or [DAY_NAMES[d % 7] for d in range(days)]
    for d in range(days):
        x = LEFT + plot_w * d / days
        out.append(f'<line class="day" x1="{x:g}" x2="{x:g}" y1="{TOP}" y2="{TOP + plot_h}"/>'
                   f'<text class="xtick" x="{x + plot_w / days / 2:g}" y="{HEIGHT - 6}">{escape(names[d])}</text>')
    return out


def week_chart(series: Sequence[Series], *, slots_per_day: int, days: int = 7, y_max: float | None = None,
               percent: bool = False, hlines: Sequence[tuple[float, str, str]] = (),
               vlines: Sequence[tuple[int, str]] = (), day_labels: Sequence[str] | None = None,
               title: str = "", marks: Sequence[DayMark] = ()) -> str:
    """An SVG chart of per-slot series over ``days`` days; ``hlines`` are ``(value, color, label)`` reference
    lines (a target), ``vlines`` are ``(slot, label)`` markers (where the forecast starts), ``marks`` shade
    holidays and special days."""
    slots = slots_per_day * days
    top = max((float(np.nanmax(s.values)) for s in series if np.isfinite(s.values).any()), default=0.0)
    top = max([top] + [v for v, _, _ in hlines])
    y_max = y_max if y_max is not None else _nice_max(top * 1.05)
    scale = 1000 / y_max  # y in the inner viewBox runs 0..1000
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
           f'aria-label="{escape(title)}">', _marks(marks, days, plot_w, plot_h)]
    out += _y_axis(0.0, y_max, plot_h, percent)
    out += _x_axis(days, plot_w, plot_h, day_labels)
    out.append(f'<svg x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" viewBox="0 0 {slots} 1000" '
               f'preserveAspectRatio="none"><g transform="matrix(1 0 0 -1 0 1000)">')
    for s in series:
        data = _path(s.values, scale, s.step, s.fill)
        if not data:
            continue
        if s.fill:
            out.append(f'<path class="series" d="{data}" fill="{s.color}" fill-opacity="0.35" stroke="none"/>')
        else:
            dash = ' stroke-dasharray="5 3"' if s.dash else ""
            out.append(f'<path class="series" d="{data}" fill="none" stroke="{s.color}" '
                       f'stroke-width="{s.width:g}"{dash}/>')
    for value, color, _ in hlines:
        y = round(value * scale)
        out.append(f'<path class="series" d="M0 {y}H{slots}" stroke="{color}" stroke-width="1.5" '
                   f'stroke-dasharray="6 4" fill="none"/>')
    out.append("</g></svg>")
    for slot, label in vlines:
        x = LEFT + plot_w * slot / slots
        out.append(f'<line class="marker" x1="{x:g}" x2="{x:g}" y1="{TOP}" y2="{TOP + plot_h}"/>'
                   f'<text class="mtext" x="{x + 4:g}" y="{TOP + 10}">{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)


def legend(series: Sequence[Series], extra: Sequence[tuple[str, str]] = ()) -> str:
    items = [(s.label, s.color) for s in series] + list(extra)
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{color}"></i>{escape(label)}</span>' for label, color in items) + "</div>"


def _nice_step(rough: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten (at least 1) not below ``rough``."""
    magnitude = 10 ** math.floor(math.log10(max(rough, 1.0)))
    return next(f * magnitude for f in (1, 2, 5, 10) if rough <= f * magnitude)


def worst_slots(values: np.ndarray, count: int, apart: int = 1) -> list[int]:
    """Up to ``count`` slots of lowest finite value, lowest first (ties: the earlier slot), each at least
    ``apart`` slots from those before it, so one bad hour does not take every mark."""
    finite = np.flatnonzero(np.isfinite(values))
    chosen: list[int] = []
    for slot in finite[np.argsort(values[finite], kind="stable")]:
        if all(abs(int(slot) - c) >= apart for c in chosen):
            chosen.append(int(slot))
            if len(chosen) == count:
                break
    return chosen


def net_chart(values: np.ndarray, *, slots_per_day: int, day_labels: Sequence[str] | None = None,
              marks: Sequence[DayMark] = (), worst: Sequence[tuple[int, str]] = (), title: str = "",
              colors: tuple[str, str] = ("#2f855a", "#c53030")) -> str:
    """Net staffing per slot over a week (scheduled minus required agents; NaN = closed): the surplus filled
    above the zero line in ``colors[0]``, the shortfall below it in ``colors[1]``; ``worst`` marks
    ``(slot, tooltip)`` points with a ringed dot."""
    days = 7
    slots = slots_per_day * days
    finite = values[np.isfinite(values)]
    top = max(float(finite.max()), 0.0) if finite.size else 1.0
    bottom = min(float(finite.min()), 0.0) if finite.size else 0.0
    step = _nice_step(max(top - bottom, 1.0) / 4)
    lo, hi = math.floor(bottom / step) * step, max(math.ceil(top / step) * step, step if bottom == 0 else 0)
    ticks = [lo + k * step for k in range(round((hi - lo) / step) + 1)]
    scale = 1000 / (hi - lo)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out = [f'<svg class="chart net" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
           f'aria-label="{escape(title)}">', _marks(marks, days, plot_w, plot_h)]
    out += _y_axis(lo, hi, plot_h, False, ticks)
    out += _x_axis(days, plot_w, plot_h, day_labels)
    out.append(f'<svg x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" viewBox="0 0 {slots} 1000" '
               f'preserveAspectRatio="none"><g transform="matrix(1 0 0 -1 0 1000)">')
    above = np.where(np.isfinite(values), np.maximum(values, 0), np.nan)
    below = np.where(np.isfinite(values), np.minimum(values, 0), np.nan)
    for part, color in ((above, colors[0]), (below, colors[1])):
        if np.nanmax(np.abs(part), initial=0) > 0:
            out.append(f'<path class="series" d="{_path(part, scale, True, True, lo)}" fill="{color}" '
                       'fill-opacity="0.55" stroke="none"/>')
    zero = round(-lo * scale)
    out.append(f'<path class="series zero" d="M0 {zero}H{slots}" stroke="#52606d" stroke-width="1" fill="none"/>')
    out.append("</g></svg>")
    for rank, (slot, tooltip) in enumerate(worst, start=1):
        x = LEFT + plot_w * (slot + 0.5) / slots
        y = TOP + plot_h - plot_h * (float(values[slot]) - lo) / (hi - lo)
        out.append(f'<g class="worst"><circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="#fff" stroke="{colors[1]}" '
                   f'stroke-width="2"/><text class="wtext" x="{x:.1f}" y="{max(y - 7, TOP + 9):.1f}">{rank}</text>'
                   f"<title>{escape(tooltip)}</title></g>")
    out.append("</svg>")
    return "".join(out)
