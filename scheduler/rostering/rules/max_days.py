"""Hard: an agent works at most the contract's ``max_days_per_week`` days.

With ``time_off_counts_as: worked_day`` each day of approved leave counts as one of those days, if the agent could
have worked that day (``base.leave_counts_on``: leave on a day outside its availability or its templates' weekdays
counts for nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import DAYS, AgentWeek, Aspect, ClassRows, LabourRule, agent_week


def most_days(agent: AgentWeek) -> int:
    """Working days the agent may still work this week (leave taken off when it counts as worked)."""
    limit = agent.contract.max_days_per_week
    return max(0, limit - agent.leave_days) if agent.leave_counts_as_worked else limit


class MaxDays(LabourRule):
    name = "max_days"
    reads = Aspect.DAYS

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps_days(self, agent: AgentWeek, worked: Sequence[bool]) -> bool:
        return sum(worked) <= most_days(agent)

    def restricts_days(self, agent: AgentWeek) -> bool:
        return most_days(agent) < DAYS

    def aggregate(self, agent: AgentWeek, rows: ClassRows) -> None:
        if rows.summed:
            rows.bounded(-rows.infinity, rows.size * most_days(agent),
                         [t for d in range(DAYS) for t in rows.works(d)])

    def describe(self, agent: AgentWeek) -> str:
        return f"max_days_per_week {agent.contract.max_days_per_week}"


RULE = MaxDays()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        limit = most_days(agent_week(model.config, model.week, agent))
        if limit < DAYS:
            model.cp.add(cp_model.LinearExpr.sum([d.works() for d in model.days_of(agent)]) <= limit)
    return []
