"""Hard: an agent works at least the contract's ``min_days_per_week`` days.

Approved time off earns no working days: a day off is a day without a shift, whatever the reason.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        least = model.config.contract(agent.contract_id).min_days_per_week
        if least > 0:
            model.cp.add(cp_model.LinearExpr.sum([d.works() for d in model.days_of(agent)]) >= least)
    return []
