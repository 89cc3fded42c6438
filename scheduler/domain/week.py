"""The planned week as a grid of intervals.

A slot is one interval of the week: ``slot = day_index * slots_per_day + minute_of_day // interval_minutes``
with day 0 the week's Monday. The CP-SAT model and the coverage report both index time this way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from scheduler.domain.plan import MINUTES_PER_DAY
from scheduler.domain.roster import ShiftAssignment


@dataclass(frozen=True)
class Week:
    """Seven days from ``start`` (a Monday) cut into ``interval_minutes`` slots (``day_count`` days for a grid
    spanning a horizon of several weeks, e.g. a deferred queue's backlog across week boundaries)."""

    start: date
    interval_minutes: int
    day_count: int = 7

    @property
    def slots_per_day(self) -> int:
        return MINUTES_PER_DAY // self.interval_minutes

    @property
    def slot_count(self) -> int:
        return self.day_count * self.slots_per_day

    @property
    def reach_slot_count(self) -> int:
        """The slots a roster of these days touches: theirs and the next day's, which the last day's night shifts
        reach into (the break cap counts there too; no cover is asked there)."""
        return self.slot_count + self.slots_per_day

    def day(self, day_index: int) -> date:
        return self.start + timedelta(days=day_index)

    def days(self) -> tuple[date, ...]:
        return tuple(self.day(i) for i in range(self.day_count))

    def slot(self, day_index: int, minute_of_day: int) -> int:
        return day_index * self.slots_per_day + minute_of_day // self.interval_minutes

    def slot_start(self, slot: int) -> datetime:
        return datetime.combine(self.start, datetime.min.time()) + timedelta(minutes=slot * self.interval_minutes)

    def slot_of(self, moment: datetime) -> int:
        """The slot an instant inside the week falls in."""
        minutes = (moment - datetime.combine(self.start, datetime.min.time())) // timedelta(minutes=1)
        return int(minutes) // self.interval_minutes

    def day_index(self, day: date) -> int:
        return (day - self.start).days

    def by_day(self, shifts: Iterable[ShiftAssignment]) -> list[ShiftAssignment | None]:
        """One agent's week as the rules read it: per day of the week its shift among ``shifts``, or None."""
        days: list[ShiftAssignment | None] = [None] * 7
        for shift in shifts:
            days[self.day_index(shift.date)] = shift
        return days
