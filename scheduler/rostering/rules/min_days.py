"""Hard: an agent works at least the contract's ``min_days_per_week`` days.

With ``time_off_counts_as: worked_day`` each day of approved leave on a day the agent could have worked
(``base.leave_counts_on``) counts as one of those days; with
``credit_minimum`` leave earns no working days (a day off is a day without a shift, whatever the reason).
"""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import DAYS, AgentWeek, Aspect, ClassRows, LabourRule, agent_week


def least_days(agent: AgentWeek) -> int:
    """Working days the agent must still work this week."""
    least = agent.contract.min_days_per_week
    return max(0, least - agent.leave_days) if agent.leave_counts_as_worked else least


class MinDays(LabourRule):
    name = "min_days"
    reads = Aspect.DAYS

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps_days(self, agent: AgentWeek, worked: Sequence[bool]) -> bool:
        return sum(worked) >= least_days(agent)

    def restricts_days(self, agent: AgentWeek) -> bool:
        return least_days(agent) > 0

    def aggregate(self, agent: AgentWeek, rows: ClassRows) -> None:
        if rows.summed and least_days(agent) > 0:
            rows.bounded(rows.size * least_days(agent), rows.infinity,
                         [t for d in range(DAYS) for t in rows.works(d)])

    def describe(self, agent: AgentWeek) -> str:
        return f"min_days_per_week {agent.contract.min_days_per_week}"


RULE = MinDays()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        least = least_days(agent_week(model.config, model.week, agent))
        if least > 0:
            model.cp.add(cp_model.LinearExpr.sum([d.works() for d in model.days_of(agent)]) >= least)
    return []
