"""The heads the shifts before a week still put on its floor: a Sunday night of the week before (or of the
``--previous`` roster) working Monday 00:00-06:00 of this week, its breaks and activities after midnight off the
floor (README, "Night shifts", "The end of the plan").

They are fixed cover of the week. ``carried_heads`` allocates them to the live queues once, by the coverage's
max-flow (``coverage.allocate``), and the horizon rosters the week against ``coverage.net_requirements``, the
requirement less those heads: every face of the solver (CP-SAT's cover rows, the local search's scoring, the LP
bounds, the effective cover) reads the week's ``Instance.requirements``, so they cannot disagree about them;
``coverage`` adds the same heads back to what it reports as scheduled. Deferred queues' rows are not lowered (their
cumulative cover is planned over the horizon's backlog).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import numpy as np

from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import BreakAssignment, ShiftAssignment
from scheduler.domain.week import Week
from scheduler.rostering.carry_in import PastShift, on_floor
from scheduler.rostering.coverage import allocate


def carried_on_floor(config: PlanConfig, week: Week, past: Iterable[PastShift]) -> dict[tuple[str, ...], np.ndarray]:
    """Agents on the floor per slot of ``week`` (``week.slot_count`` long), summed per skill set, from the shifts
    dated before the week that end inside it, less their breaks and activities (``carry_in.on_floor``); empty when
    none does. Agents not in ``config`` are left out (their skills are not known)."""
    skills_of = {a.agent_id: a.skills for a in config.agents}
    by_skills: dict[tuple[str, ...], list[PastShift]] = defaultdict(list)
    for shift in past:
        if shift.agent_id in skills_of:
            by_skills[skills_of[shift.agent_id]].append(shift)
    counts = {skills: on_floor(week, shifts) for skills, shifts in sorted(by_skills.items())}
    return {skills: row for skills, row in counts.items() if row.any()}


def carried_heads(config: PlanConfig, week: Week, requirements: np.ndarray,
                  past: Iterable[PastShift]) -> np.ndarray | None:
    """Heads per ``[queue, slot]`` the shifts before the week put on its floor, allocated to the live queues'
    ``requirements`` (``coverage.allocate``: the max-flow cover first, then each skill set's spare heads on its
    live queue with the largest requirement); None when no shift before the week reaches into it."""
    on_floor = carried_on_floor(config, week, past)
    if not on_floor:
        return None
    live = np.array([not q.deferred for q in config.queues], dtype=bool)
    kept = {skills: row for skills, row in on_floor.items()
            if any(live[i] for i, q in enumerate(config.queues) if q.queue_id in skills)}
    if not kept:
        return None
    required = np.where(live[:, None], requirements, 0)
    # spare heads go to a skilled queue of largest requirement; a deferred queue's is 0 here, so any tie with one
    # is broken by queue order; only what covers a live requirement lowers it (``net_requirements``)
    heads = allocate(required, kept, [q.queue_id for q in config.queues])
    heads[~live] = 0
    return heads


def reaching(week: Week, past: Iterable[PastShift]) -> tuple[ShiftAssignment, ...]:
    """The shifts dated the day before the week that end inside it, as roster shifts of that day (their breaks and
    activities as breaks), for the simulation's prediction of the week (``simulation.model.shifts_from_roster``
    counts them from Monday 00:00)."""
    monday = datetime.combine(week.start, datetime.min.time())
    found = []
    for shift in past:
        if shift.day == week.start - timedelta(days=1) and shift.end > monday:
            midnight = datetime.combine(shift.day, datetime.min.time())
            start, length = _minutes(shift.start - midnight), _minutes(shift.end - shift.start)
            breaks = tuple(BreakAssignment("break", _minutes(b - midnight), _minutes(e - b))
                           for b, e in shift.off_floor)
            found.append(ShiftAssignment(shift.agent_id, shift.day, "", start, length, shift.paid_minutes, breaks))
    return tuple(sorted(found, key=lambda s: s.agent_id))


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)
