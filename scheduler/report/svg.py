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


def _path(values: np.ndarray, scale: float, step: bool, fill: bool) -> str:
    """Path data in data units (y scaled by ``scale`` and rounded to integers)."""
    ys = np.where(np.isfinite(values), np.rint(np.nan_to_num(values) * scale), 0).astype(int)
    parts = []
    for start, end in _runs(values):
        if step:
            cmds = [f"M{start} {0 if fill else ys[start]}"]
            if fill:
                cmds.append(f"V{ys[start]}")
            prev = ys[start]
            for i in range(start + 1, end):
                if ys[i] != prev:
                    cmds.append(f"H{i}V{ys[i]}")
                    prev = ys[i]
            cmds.append(f"H{end}")
            if fill:
                cmds.append("V0Z")
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


def week_chart(series: Sequence[Series], *, slots_per_day: int, days: int = 7, y_max: float | None = None,
               percent: bool = False, hlines: Sequence[tuple[float, str, str]] = (),
               vlines: Sequence[tuple[int, str]] = (), day_labels: Sequence[str] | None = None,
               title: str = "") -> str:
    """An SVG chart of per-slot series over ``days`` days; ``hlines`` are ``(value, color, label)`` reference
    lines (a target), ``vlines`` are ``(slot, label)`` markers (where the forecast starts)."""
    slots = slots_per_day * days
    top = max((float(np.nanmax(s.values)) for s in series if np.isfinite(s.values).any()), default=0.0)
    top = max([top] + [v for v, _, _ in hlines])
    y_max = y_max if y_max is not None else _nice_max(top * 1.05)
    scale = 1000 / y_max  # y in the inner viewBox runs 0..1000
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
           f'aria-label="{escape(title)}">']
    for k in range(5):
        value = y_max * k / 4
        y = TOP + plot_h - plot_h * k / 4
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:g}" y2="{y:g}"/>'
                   f'<text class="ytick" x="{LEFT - 4}" y="{y + 3:g}">{_tick(value, percent)}</text>')
    names = day_labels or [DAY_NAMES[d % 7] for d in range(days)]
    for d in range(days):
        x = LEFT + plot_w * d / days
        out.append(f'<line class="day" x1="{x:g}" x2="{x:g}" y1="{TOP}" y2="{TOP + plot_h}"/>'
                   f'<text class="xtick" x="{x + plot_w / days / 2:g}" y="{HEIGHT - 6}">{escape(names[d])}</text>')
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
