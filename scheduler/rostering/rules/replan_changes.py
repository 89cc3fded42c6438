"""Soft: when re-planning from a published roster, every agent-day whose shift changes costs
``objective.changed_shift`` (a new shift, a removed one, or another template or start; break moves are free).
Pinned days cannot change at all (``scheduler.domain.shifts`` offers only the kept shift)."""

from __future__ import annotations

from collections.abc import Iterable

from ortools.sat.python import cp_model

from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import ShiftAssignment
from scheduler.domain.week import Week
from scheduler.rostering.model import PenaltyTerm, RosterModel

RULE = "replan_changes"
UNIT = "changed agent-day"
DIVISOR = 1


def weight(config: PlanConfig) -> int:
    return config.weights.changed_shift


def build(model: RosterModel) -> list[PenaltyTerm]:
    replan = model.config.replan
    if replan is None or weight(model.config) == 0:
        return []
    variables: list[cp_model.IntVar] = []
    coefficients: list[int] = []
    constant = 0
    for agent in model.agents:
        for agent_day in model.days_of(agent):
            published = replan.published.get((agent.agent_id, model.week.day(agent_day.day_index)))
            for option, var in zip(agent_day.options, agent_day.shift_vars, strict=True):
                same = published is not None and (option.template.template_id, option.start_minute) == (
                    published.template_id, published.start_minute)
                if same:
                    constant += 1  # changed unless this very shift is kept: 1 - var
                variables.append(var)
                coefficients.append(-1 if same else 1)
            if published is not None and not any(
                (o.template.template_id, o.start_minute) == (published.template_id, published.start_minute)
                for o in agent_day.options
            ):
                constant += 1  # the published shift is no longer possible: changed whatever happens
    expression = cp_model.LinearExpr.weighted_sum(variables, coefficients) + constant
    return [PenaltyTerm(RULE, weight(model.config), expression, UNIT, DIVISOR)]


def amount(config: PlanConfig, week: Week, shifts: Iterable[ShiftAssignment]) -> int:
    """Agent-days whose shift differs from the published roster."""
    if config.replan is None:
        return 0
    now = {(s.agent_id, s.date): (s.template_id, s.start_minute) for s in shifts}
    changed = 0
    for agent in config.agents:
        for day in week.days():
            published = config.replan.published.get((agent.agent_id, day))
            before = None if published is None else (published.template_id, published.start_minute)
            changed += before != now.get((agent.agent_id, day))
    return changed
