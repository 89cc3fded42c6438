"""The report's check of the floor and ratio rules, interval by interval, from the roster rows: per rule, the
intervals it holds in, how many of them keep it, and the first intervals short (a separate section of the
page, and nothing at all for a centre without such rules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

import numpy as np

from scheduler.domain.plan import PlanConfig
from scheduler.domain.week import Week
from scheduler.io.exports import Segment
from scheduler.rostering.rules import floor_rules

SHORT_INTERVALS_SHOWN = 12


@dataclass(frozen=True)
class FloorCheck:
    """One rule's check: ``intervals`` it holds in, ``kept`` of them, and up to ``SHORT_INTERVALS_SHOWN`` short
    ones as ``(interval start, count, needed)`` (for a ratio rule the count is seniors x K - juniors)."""

    key: str
    hard: bool
    intervals: int
    kept: int
    short: tuple[tuple[datetime, int, int], ...]


def floor_checks(config: PlanConfig, week_start: date, segments: Sequence[Segment]) -> tuple[FloorCheck, ...]:
    week = Week(week_start, config.interval_minutes)
    counts = floor_rules.floor_counts(config, week)
    if not counts:
        return ()
    rows: dict[str, np.ndarray] = {}
    for segment in segments:
        day = (segment.day - week_start).days
        if not 0 <= day < 7:
            continue
        row = rows.setdefault(segment.agent_id, np.zeros(week.slot_count, dtype=np.int64))
        first = week.slot(day, segment.start.hour * 60 + segment.start.minute)
        last = first + int((segment.end - segment.start).total_seconds() // 60) // config.interval_minutes
        row[first:min(last, week.slot_count)] += 1 if segment.activity == "shift" else -1
    checks = []
    for count in counts:
        total = floor_rules.totals(count, rows, week.slot_count)
        short = [s for s in count.slots if total[s] < count.needed]
        checks.append(FloorCheck(count.key, count.hard, len(count.slots), len(count.slots) - len(short),
                                 tuple((week.slot_start(s), int(total[s]), count.needed)
                                       for s in short[:SHORT_INTERVALS_SHOWN])))
    return tuple(checks)


def floor_section(checks: Sequence[FloorCheck]) -> str:
    """The page's section (empty without rules)."""
    if not checks:
        return ""
    rows = "".join(
        f"<tr><td>{escape(c.key)}</td><td>{'hard' if c.hard else 'soft'}</td><td>{c.kept:,} of {c.intervals:,}</td>"
        f"<td>{escape(', '.join(f'{start:%a %H:%M} ({have} of {need})' for start, have, need in c.short)) or '-'}"
        f"{' ...' if c.intervals - c.kept > len(c.short) else ''}</td></tr>"
        for c in checks)
    return ('<section id="floor-rules"><h2>Floor rules, interval by interval</h2><table><tr><th>rule</th>'
            f"<th>kind</th><th>intervals kept</th><th>short intervals (count of needed)</th></tr>{rows}</table>"
            "</section>")
