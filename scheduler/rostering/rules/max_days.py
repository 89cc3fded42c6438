"""Hard: an agent works at most the contract's ``max_days_per_week`` days."""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        limit = model.config.contract(agent.contract_id).max_days_per_week
        if limit < 7:
            model.cp.add(cp_model.LinearExpr.sum([d.works() for d in model.days_of(agent)]) <= limit)
    return []
