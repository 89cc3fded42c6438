"""What the days before a week leave to it (``scheduler.domain.horizon.CarryIn``), from the shifts worked
before it: the horizon's earlier weeks and the published roster given with ``--previous``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import numpy as np

from scheduler.domain.horizon import AgentCarry, CarryIn
from scheduler.domain.plan import WEEKEND_WEEKDAYS, PlanConfig
from scheduler.domain.roster import ActivityAssignment, BreakAssignment, ShiftAssignment
from scheduler.domain.week import Week
from scheduler.rostering.rules import agent_week

SECONDS_PER_MINUTE = 60


@dataclass(frozen=True)
class PastShift:
    """A shift worked before the planned week; ``in_horizon`` False for the previous roster's. ``off_floor``: its
    breaks and activities as ``(start, end)`` (``carried_cover`` reads them where the shift reaches into the week)."""

    agent_id: str
    day: date
    start: datetime
    end: datetime
    paid_minutes: int
    in_horizon: bool
    off_floor: tuple[tuple[datetime, datetime], ...] = ()


def past_shifts(shifts: Iterable[ShiftAssignment]) -> list[PastShift]:
    """The horizon's rostered shifts as past shifts."""
    out = []
    for s in shifts:
        midnight = datetime.combine(s.date, datetime.min.time())
        segments: tuple[BreakAssignment | ActivityAssignment, ...] = (*s.breaks, *s.activities)
        off = tuple((midnight + timedelta(minutes=a.start_minute),
                     midnight + timedelta(minutes=a.start_minute + a.minutes)) for a in segments)
        out.append(PastShift(s.agent_id, s.date, midnight + timedelta(minutes=s.start_minute),
                             midnight + timedelta(minutes=s.end_minute), s.paid_minutes, True, off))
    return out


def carry_in(config: PlanConfig, week: Week, week_number: int, known_from: date,
             past: Iterable[PastShift]) -> CarryIn:
    """The state of every agent at the start of ``week`` (week ``week_number`` of ``config.weeks``), from
    ``past``, the shifts worked from ``known_from`` (the first day whose shifts are known) up to the week."""
    by_agent: dict[str, list[PastShift]] = defaultdict(list)
    for shift in past:
        if shift.day < week.start:
            by_agent[shift.agent_id].append(shift)
    late_after = None if config.fairness is None else config.fairness.late_end_minute
    states = {}
    for agent in config.agents:
        shifts = by_agent.get(agent.agent_id, [])
        facts = agent_week(config, week, agent)
        counted = {d for d in agent.time_off
                   if facts.leave_counts_as_worked and known_from <= d < week.start and facts.leave_on(d)}
        states[agent.agent_id] = replace(_state(week.start, known_from, shifts, counted, late_after),
                                         floor_slots=tuple(np.flatnonzero(on_floor(week, shifts)).tolist()))
    return CarryIn(week_number, config.weeks, states, known_from < week.start)


def on_floor(week: Week, shifts: Iterable[PastShift]) -> np.ndarray:
    """Heads on the floor per slot of ``week`` (``slot_count`` long) from the shifts dated before it that end
    inside it (a Sunday night into Monday), their breaks and activities off the floor; a slot counts a head when
    it falls in the shift's span and in none of its breaks, as ``coverage`` cuts a roster's minutes. A time off the
    week's grid (a ``--previous`` roster of another interval) counts the head only in slots it is on the floor
    throughout (a break 02:45-03:15 takes it off at 02:30 and 03:00), so the validator, which reads the rows at each
    slot's start, never finds a head missing that the floor rules counted (``floor_rules.first_hours``)."""
    monday = datetime.combine(week.start, datetime.min.time())
    last = week.slot_start(week.slot_count)
    heads = np.zeros(week.slot_count, dtype=np.int64)
    for shift in shifts:
        if shift.day >= week.start or shift.end <= monday:
            continue
        present = np.zeros(week.slot_count, dtype=np.int64)
        present[_slot_from(week, max(shift.start, monday)):week.slot_of(min(shift.end, last))] = 1
        for begin, end in shift.off_floor:
            if end > monday:
                present[week.slot_of(max(begin, monday)):_slot_from(week, min(end, last))] = 0
        heads += present
    return heads


def _slot_from(week: Week, moment: datetime) -> int:
    """The first slot starting at or after ``moment`` (``Week.slot_of`` rounded up)."""
    return -(-(moment - datetime.combine(week.start, datetime.min.time())) // timedelta(minutes=week.interval_minutes))


def _state(start: date, known_from: date, shifts: list[PastShift], counted: set[date],
           late_after: int | None) -> AgentCarry:
    monday = datetime.combine(start, datetime.min.time())
    worked = {s.day for s in shifts}
    last_end = max((s.end for s in shifts), default=None)
    # the run of worked days and counted leave up to the week, a run of leave alone included: with the week's worked
    # days it makes one run (leave on Sunday, worked Monday to Friday: six days), as the validator counts it
    day, run = start - timedelta(days=1), 0
    while day >= known_from and (day in worked or day in counted):
        run, day = run + 1, day - timedelta(days=1)
    day, off = start - timedelta(days=1), 0
    while day >= known_from and day not in worked:
        off, day = off + 1, day - timedelta(days=1)
    saturday, weekend_run = start - timedelta(days=2), 0
    while saturday + timedelta(days=1) >= known_from and (saturday in worked or saturday + timedelta(days=1) in worked):
        weekend_run, saturday = weekend_run + 1, saturday - timedelta(days=7)
    horizon = [s for s in shifts if s.in_horizon]
    weekends = {s.day - timedelta(days=s.day.weekday() - 5) for s in horizon if s.day.weekday() in WEEKEND_WEEKDAYS}
    return AgentCarry(
        last_end_minute=None if last_end is None else int((last_end - monday).total_seconds() // SECONDS_PER_MINUTE),
        worked_run_days=run,
        off_run_days=off if day >= known_from else None,
        weekend_run=weekend_run,
        weekends_worked=len(weekends),
        paid_minutes=sum(s.paid_minutes for s in horizon),
        weekend_days=sum(1 for s in horizon if s.day.weekday() in WEEKEND_WEEKDAYS),
        late_shifts=0 if late_after is None else sum(
            1 for s in horizon
            if (s.end - datetime.combine(s.day, datetime.min.time())).total_seconds() // 60 > late_after),
    )
