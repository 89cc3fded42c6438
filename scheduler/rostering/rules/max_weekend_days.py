"""Hard: an agent works at most the contract's ``max_weekend_days`` of the week's Saturday and Sunday."""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel

SATURDAY = 5  # date.weekday() of Saturday; Sunday is 6


def build(model: RosterModel) -> list[PenaltyTerm]:
    weekend = [d for d in range(7) if model.week.day(d).weekday() >= SATURDAY]
    for agent in model.agents:
        limit = model.config.contract(agent.contract_id).max_weekend_days
        if limit < len(weekend):
            days = model.days_of(agent)
            model.cp.add(cp_model.LinearExpr.sum([days[d].works() for d in weekend]) <= limit)
    return []
