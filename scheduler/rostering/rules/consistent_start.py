"""Soft: the same start time from one working day to the next.

For every two consecutive days both worked, the difference between the two start times costs
``objective.start_change_hour`` per hour. ``start_change_hours`` computes the same figure from a roster.
"""

from __future__ import annotations

from collections.abc import Iterable

from ortools.sat.python import cp_model

from scheduler.domain.plan import MINUTES_PER_DAY, PlanConfig
from scheduler.domain.roster import ShiftAssignment
from scheduler.domain.week import Week
from scheduler.rostering.model import PenaltyTerm, RosterModel

RULE = "start_changes"
UNIT = "start change hour"
DIVISOR = 60  # the expression is in minutes, the weight per hour


def weight(config: PlanConfig) -> int:
    return config.weights.start_change_hour


def build(model: RosterModel) -> list[PenaltyTerm]:
    if weight(model.config) == 0:
        return []
    changes = []
    for agent in model.agents:
        days = model.days_of(agent)
        for earlier, later in zip(days, days[1:], strict=False):
            if not earlier.options or not later.options:
                continue
            both = model.cp.new_bool_var(f"both_{agent.agent_id}_{earlier.day_index}")
            model.cp.add(both >= earlier.works() + later.works() - 1)
            start_early = earlier.weighted(lambda o: o.start_minute)
            start_late = later.weighted(lambda o: o.start_minute)
            change = model.cp.new_int_var(0, MINUTES_PER_DAY, f"start_change_{agent.agent_id}_{earlier.day_index}")
            model.cp.add(change >= start_late - start_early).only_enforce_if(both)
            model.cp.add(change >= start_early - start_late).only_enforce_if(both)
            changes.append(change)
    if not changes:
        return []
    return [PenaltyTerm(RULE, weight(model.config), cp_model.LinearExpr.sum(changes), UNIT, DIVISOR)]


def amount(config: PlanConfig, week: Week, shifts: Iterable[ShiftAssignment]) -> int:
    """Minutes of start-time change between consecutive worked days, summed over agents."""
    by_agent: dict[str, dict[int, int]] = {}
    for shift in shifts:
        by_agent.setdefault(shift.agent_id, {})[week.day_index(shift.date)] = shift.start_minute
    total = 0
    for starts in by_agent.values():
        for day, start in starts.items():
            if day + 1 in starts:
                total += abs(starts[day + 1] - start)
    return total
