"""Hard: an agent works at most one shift a day.

Availability and approved time off are applied earlier, when candidate shifts are enumerated
(``scheduler.domain.shifts``): a day the agent cannot work simply has no candidates.
"""

from __future__ import annotations

from scheduler.rostering.model import PenaltyTerm, RosterModel


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent_day in model.all_agent_days():
        if len(agent_day.shift_vars) > 1:
            model.cp.add_at_most_one(agent_day.shift_vars)
    return []
