"""Hard: no more than the contract's ``max_consecutive_days`` working days in a row within the week.

The week is planned on its own: days worked in the previous week are not known to the model.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        limit = model.config.contract(agent.contract_id).max_consecutive_days
        days = model.days_of(agent)
        for first in range(0, 7 - limit):
            window = days[first:first + limit + 1]
            model.cp.add(cp_model.LinearExpr.sum([d.works() for d in window]) <= limit)
    return []
