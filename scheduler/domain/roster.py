"""The roster as typed objects, and its CSV form (one row per segment, ``docs/formats.md``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

ROSTER_COLUMNS = ("agent_id", "date", "activity", "start", "end")


@dataclass(frozen=True)
class BreakAssignment:
    """A break or lunch taken at ``start_minute`` (minutes after midnight of the shift's date)."""

    kind: str
    start_minute: int
    minutes: int


@dataclass(frozen=True)
class ActivityAssignment:
    """An activity (``PlanConfig.activities``) taken at ``start_minute`` (minutes after midnight of the shift's
    date): paid, off the floor."""

    activity_id: str
    start_minute: int
    minutes: int


@dataclass(frozen=True)
class ShiftAssignment:
    """One agent's shift on one date, with its breaks in the order taken and its activities by start."""

    agent_id: str
    date: date
    template_id: str
    start_minute: int
    length_minutes: int
    paid_minutes: int
    breaks: tuple[BreakAssignment, ...]
    activities: tuple[ActivityAssignment, ...] = ()

    @property
    def end_minute(self) -> int:
        return self.start_minute + self.length_minutes


@dataclass(frozen=True)
class Roster:
    """Every shift of the week, sorted by agent then date."""

    shifts: tuple[ShiftAssignment, ...]


def _stamp(day: date, minute: int) -> str:
    return (datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)).isoformat(timespec="seconds")


def roster_csv(roster: Roster) -> str:
    """The roster as CSV text: a ``shift`` row then its breaks and activities by start (a break before an
    activity at the same start), agents and dates in order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ROSTER_COLUMNS)
    for shift in sorted(roster.shifts, key=lambda s: (s.agent_id, s.date)):
        day = shift.date.isoformat()
        writer.writerow([shift.agent_id, day, "shift", _stamp(shift.date, shift.start_minute),
                         _stamp(shift.date, shift.end_minute)])
        segments = [(b.start_minute, 0, b.kind, b.minutes) for b in shift.breaks]
        segments += [(a.start_minute, 1, a.activity_id, a.minutes) for a in shift.activities]
        for start_minute, _order, name, minutes in sorted(segments):
            writer.writerow([shift.agent_id, day, name, _stamp(shift.date, start_minute),
                             _stamp(shift.date, start_minute + minutes)])
    return out.getvalue()
