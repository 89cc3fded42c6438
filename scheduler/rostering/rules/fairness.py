"""Soft: weekend days and late shifts spread evenly across agents.

Each agent may work up to ``fairness.fair_weekend_days`` weekend days and ``fairness.fair_late_shifts`` late
shifts (ending after ``fairness.late_shift_ends_after``) a week at no cost; each one beyond costs
``objective.unfair_shift``. The rule is off unless the plan has a ``fairness`` section. Because the cost is on
each agent's excess over a fair share, the search prefers giving the next weekend day or late shift to an agent
still under their share, so the load spreads. Over a horizon of weeks the shares add up: week ``k`` costs each
agent's excess over ``k`` fair shares, counting the horizon's earlier weeks (``PlanConfig.carry_in``).
"""

from __future__ import annotations

from collections.abc import Iterable

from ortools.sat.python import cp_model

from scheduler.domain.plan import WEEKEND_WEEKDAYS, PlanConfig
from scheduler.domain.roster import ShiftAssignment
from scheduler.domain.week import Week
from scheduler.rostering.model import PenaltyTerm, RosterModel

RULE = "fairness"
UNIT = "shift over the fair share"
DIVISOR = 1


def weight(config: PlanConfig) -> int:
    return config.weights.unfair_shift if config.fairness is not None else 0


def build(model: RosterModel) -> list[PenaltyTerm]:
    fairness = model.config.fairness
    if fairness is None or weight(model.config) == 0:
        return []
    excesses = []
    for agent in model.agents:
        days = model.days_of(agent)
        weekend = [d.works() for d in days if model.week.day(d.day_index).weekday() in WEEKEND_WEEKDAYS]
        late = [d.weighted(lambda o: int(o.end_minute > fairness.late_end_minute)) for d in days]
        carried_weekend, carried_late, weeks = carried(model.config, agent.agent_id)
        for load, fair, name, before in ((weekend, fairness.fair_weekend_days, "weekend", carried_weekend),
                                         (late, fairness.fair_late_shifts, "late", carried_late)):
            excess = model.cp.new_int_var(0, 7 * weeks, f"unfair_{name}_{agent.agent_id}")
            model.cp.add(excess >= cp_model.LinearExpr.sum(load) + before - fair * weeks)
            excesses.append(excess)
    return [PenaltyTerm(RULE, weight(model.config), cp_model.LinearExpr.sum(excesses), UNIT, DIVISOR)]


def amount(config: PlanConfig, week: Week, shifts: Iterable[ShiftAssignment]) -> int:
    """Weekend days and late shifts beyond each agent's fair share, summed over agents."""
    fairness = config.fairness
    if fairness is None:
        return 0
    weekend: dict[str, int] = {}
    late: dict[str, int] = {}
    for shift in shifts:
        if shift.date.weekday() in WEEKEND_WEEKDAYS:
            weekend[shift.agent_id] = weekend.get(shift.agent_id, 0) + 1
        if shift.end_minute > fairness.late_end_minute:
            late[shift.agent_id] = late.get(shift.agent_id, 0) + 1
    agents = set(weekend) | set(late) | (set(config.carry_in.agents) if config.carry_in is not None else set())
    total = 0
    for agent_id in agents:
        carried_weekend, carried_late, weeks = carried(config, agent_id)
        total += max(0, weekend.get(agent_id, 0) + carried_weekend - fairness.fair_weekend_days * weeks)
        total += max(0, late.get(agent_id, 0) + carried_late - fairness.fair_late_shifts * weeks)
    return total


def carried(config: PlanConfig, agent_id: str) -> tuple[int, int, int]:
    """Over a horizon of weeks (``PlanConfig.carry_in``): the agent's weekend days and late shifts in the
    horizon's earlier weeks, and the weeks whose fair shares add up so far (this one included); (0, 0, 1) for a
    week on its own."""
    if config.carry_in is None:
        return 0, 0, 1
    state = config.carry_in.of(agent_id)
    return state.weekend_days, state.late_shifts, config.carry_in.week_number
