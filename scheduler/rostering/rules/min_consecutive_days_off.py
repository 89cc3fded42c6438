"""Hard: every run of days off lying wholly inside the week is at least ``min_consecutive_days_off`` long.

A run of days off that includes the week's first or last day is not constrained: the days next to it in the
neighbouring weeks are unknown to the model. So a shorter run is one between two worked days: for every
pair of days ``i < j`` with ``j - i - 1`` below the minimum, working both ``i`` and ``j`` needs a worked day
between them (``works(i) + works(j) - sum(works(between)) <= 1``).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        least = model.config.contract(agent.contract_id).min_consecutive_days_off
        days = model.days_of(agent)
        for first in range(7):
            for last in range(first + 2, min(first + least + 1, 7)):  # 1 .. least - 1 days off between
                between = [d.works() for d in days[first + 1:last]]
                model.cp.add(days[first].works() + days[last].works() - cp_model.LinearExpr.sum(between) <= 1)
    return []
