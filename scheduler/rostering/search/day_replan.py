"""Re-plan one whole day of every agent at once (issue 17, README "A whole day of every agent
re-planned at once").

The local search moves one shift at a time and the other neighbourhoods free a few agents; at 150 agents their
local optima are deep. Here CP-SAT re-plans a single day for *every* agent, the other six days fixed (so each
agent's weekly rules become limits on that day's shift: hours left, rest to the neighbouring days, days in a row),
hinted with the current roster: every coordinated change of starts, templates, breaks and who works that day is in
reach. The other days are built pinned (``pinned_except``: one variable per kept shift and break, as a planner's
re-plan pins days); CP-SAT's presolve is switched off (on the whole week built and fixed it spent more than the
budget removing the fixed days; on the pinned build it still costs more than the search): the fixed days then cost
one propagation at the root and the hint is a first solution at once.

Measured (150 agents x 3 queues, the 60-s roster): the weekend days, where the contracts' weekend work leaves
most of the over-staffing, are solved to optimality in a fraction of a unit and improve on the worst seeds; a
weekday is not improved within 10 s (the search does not get past the hint). So days go in order of their
over-staffed agent-intervals, most first, while the budget lasts.

This module chooses the days and runs the loop; ``solve.replan_day`` builds and solves one day's model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from scheduler.domain.plan import PinnedShift, Replan
from scheduler.domain.roster import Roster
from scheduler.rostering import effective_cover
from scheduler.rostering.coverage import allocate, on_floor_by_skills
from scheduler.rostering.instance import Instance

# Whether the solve re-plans whole days before its random neighbourhoods (at ``MIN_AGENTS`` agents or more).
ENABLED = True
# Agents for the day re-plan: below, the random neighbourhoods free a good share of a day's agents already; above,
# not measured (the range itself was measured only at 150 agents; the model grows with the agents: 150 agents'
# week model has about 73,000 variables).
MIN_AGENTS = 100
MAX_AGENTS = 200
# Share of the budget kept back for the day re-plan from the crossover restarts (not from the local-search runs
# from the rounded roster: kept back from those too, it cost 990776 its better second run, 1.78% -> 3.32%): about
# the two weekend days at 150 agents and 60 s (1.3-2.0 units each, build included, of a 15.8-unit budget).
RESERVE_SHARE = 0.2
# Budget of one day's solve, in seconds (deterministic units in deterministic mode, as the neighbourhoods').
SOLVE_SECONDS = 5.0
# Building, hinting and fixing one day's model, in deterministic units per variable and constraint (CPU time of
# the build on 150 x 3 centres, about 1.6e-5 s per row, at 0.33 units per second, with a 1.5x margin for the
# read-back and evaluation; the neighbourhoods' own rate counts a presolve this model does not run).
UNITS_PER_ROW = 8e-6
# Whether the other six days are built pinned (``PlanConfig.replan``'s pins: one variable per worked shift and break
# instead of every candidate, ``pinned_except``) rather than built whole and then fixed: the same model's solutions,
# a fraction of its build.
PIN_OTHER_DAYS = True
# Whether CP-SAT presolves the day's model: with the other days built whole, removing them took presolve longer than
# the budget; with them pinned, presolve still took 16 of the 26 CPU-s of 805556's two day re-plans and found the
# same days (README "A whole day of every agent re-planned at once").
PRESOLVE = False
# Least budget left, in deterministic units (or seconds), to start a day: a weekend day took 0.3-0.8 units of
# CP-SAT and about 1.2 of build at 150 agents.
LEAST_LEFT_UNITS = 1.0


def applies(instance: Instance) -> bool:
    """Whether the solve re-plans whole days: on, between ``MIN_AGENTS`` and ``MAX_AGENTS`` agents, head-count
    cover per interval (not measured in the weighted, deferred-queue or weekly service-level modes: left out)."""
    return (ENABLED and MIN_AGENTS <= len(instance.config.agents) <= MAX_AGENTS
            and not effective_cover.weighted(instance.config) and not instance.deadlines
            and instance.service_curves is None)


def pinned_except(instance: Instance, roster: Roster, day: int) -> Instance:
    """``instance`` with every agent's days other than ``day`` pinned to ``roster`` (a shift with its breaks and
    activities, or a day off), on top of a planner's own re-plan pins. Without a planner's re-plan the re-plan
    costs are off (nothing was published); with one, its published roster and costs stay as they were."""
    config, week = instance.config, instance.week
    own = config.replan
    pinned = dict(own.pinned) if own is not None else {}
    worked = {(s.agent_id, s.date): s for s in roster.shifts}
    for agent in config.agents:
        for other in range(week.day_count):
            date = week.day(other)
            if other == day or (agent.agent_id, date) in pinned:
                continue
            shift = worked.get((agent.agent_id, date))
            pinned[agent.agent_id, date] = None if shift is None else PinnedShift(
                shift.template_id, shift.start_minute, tuple(b.start_minute for b in shift.breaks),
                tuple(sorted((a.activity_id, a.start_minute) for a in shift.activities)))
    if own is None:
        return instance.with_config(replace(config, replan=Replan(pinned, {}),
                                            weights=replace(config.weights, changed_shift=0, moved_break=0)))
    return instance.with_config(replace(config, replan=Replan(pinned, own.published)))


def over_staffed_by_day(instance: Instance, roster: Roster) -> np.ndarray:
    """Over-staffed agent-intervals of ``roster`` per day of the week, shape ``[days]`` (max-flow cover, as
    ``solve.evaluate`` counts them)."""
    config, week = instance.config, instance.week
    on_floor = on_floor_by_skills(config, week, roster)
    scheduled = allocate(instance.requirements, on_floor, list(instance.queue_ids))
    covered = np.minimum(scheduled, instance.requirements).sum(axis=0)
    present = sum((counts for counts in on_floor.values()), np.zeros(week.slot_count, np.int64))
    over = np.asarray(present - covered, np.int64)
    return over.reshape(week.day_count, week.slots_per_day).sum(axis=1)


def days_in_order(instance: Instance, roster: Roster) -> list[int]:
    """The days of the week (0 = the week's first) some agent is free to change on, most over-staffed
    agent-intervals first, ties by day. A day a re-plan pins for every agent is left out: its model would cost a
    whole build and could change nothing."""
    over = over_staffed_by_day(instance, roster)
    config, week = instance.config, instance.week
    open_days = [day for day in range(week.day_count)
                 if not all(config.pinned(a.agent_id, week.day(day))[0] for a in config.agents)]
    return sorted(open_days, key=lambda day: (-int(over[day]), day))


def replan(days: list[int], replan_one: Callable[[int], bool], left: Callable[[], float]) -> int:
    """Re-plan ``days`` in turn with ``replan_one`` (which keeps a better roster and says whether it found one)
    while ``left()`` (budget units) is at least ``LEAST_LEFT_UNITS``; returns how many days improved."""
    improved = 0
    for day in days:
        if left() < LEAST_LEFT_UNITS:
            break
        improved += replan_one(day)
    return improved
