"""Soft: agents' requests — a day off, a day on, a preferred start window — cost their weight when unmet.

Each unmet request counts ``Preference.weight`` units; the objective weight per unit is
``objective.unmet_preference``. ``amount`` computes the same figure from a finished roster, so the
search can score rosters without the model.
"""

from __future__ import annotations

from collections.abc import Iterable

from ortools.sat.python import cp_model

from scheduler.domain.plan import Agent, PlanConfig, Preference
from scheduler.domain.roster import ShiftAssignment
from scheduler.domain.week import Week
from scheduler.rostering.model import PenaltyTerm, RosterModel

RULE = "preferences"
UNIT = "unmet request"
DIVISOR = 1


def weight(config: PlanConfig) -> int:
    return config.weights.unmet_preference


def _requests(agent: Agent, week: Week) -> Iterable[tuple[int, Preference]]:
    for day_index, day in enumerate(week.days()):
        for preference in agent.preferences:
            if preference.applies_to(day):
                yield day_index, preference


def build(model: RosterModel) -> list[PenaltyTerm]:
    variables: list[cp_model.IntVar] = []
    coefficients: list[int] = []
    constant = 0
    for agent in model.agents:
        for day_index, preference in _requests(agent, model.week):
            agent_day = model.agent_days[agent.agent_id, day_index]
            units = preference.weight
            if preference.kind == "off":
                variables.extend(agent_day.shift_vars)
                coefficients.extend([units] * len(agent_day.shift_vars))
            elif preference.kind == "on":
                constant += units
                variables.extend(agent_day.shift_vars)
                coefficients.extend([-units] * len(agent_day.shift_vars))
            elif preference.window is not None:  # a start request (the parser gives it its window)
                window = preference.window
                for option, var in zip(agent_day.options, agent_day.shift_vars, strict=True):
                    if not window.start_minute <= option.start_minute < window.end_minute:
                        variables.append(var)
                        coefficients.append(units)
    if not variables and not constant:
        return []
    expression = cp_model.LinearExpr.weighted_sum(variables, coefficients) + constant
    return [PenaltyTerm(RULE, weight(model.config), expression, UNIT, DIVISOR)]


def amount(config: PlanConfig, week: Week, shifts: Iterable[ShiftAssignment]) -> int:
    """Weighted count of unmet requests in a roster (the model's expression, evaluated on the roster)."""
    by_agent: dict[str, dict[int, ShiftAssignment]] = {}
    for assignment in shifts:
        by_agent.setdefault(assignment.agent_id, {})[week.day_index(assignment.date)] = assignment
    total = 0
    for agent in config.agents:
        if not agent.preferences:
            continue
        worked = by_agent.get(agent.agent_id, {})
        for day_index, preference in _requests(agent, week):
            shift = worked.get(day_index)
            if preference.kind == "off":
                total += preference.weight if shift is not None else 0
            elif preference.kind == "on":
                total += preference.weight if shift is None else 0
            elif shift is not None and preference.window is not None and not (
                preference.window.start_minute <= shift.start_minute < preference.window.end_minute
            ):
                total += preference.weight
    return total
