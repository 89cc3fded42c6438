"""Hard: an agent works at most the contract's ``max_weekend_days`` of the week's Saturday and Sunday."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import AgentWeek, Aspect, ClassRows, LabourRule, agent_week


class MaxWeekendDays(LabourRule):
    name = "max_weekend_days"
    reads = Aspect.DAYS

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps_days(self, agent: AgentWeek, worked: Sequence[bool]) -> bool:
        return sum(worked[d] for d in agent.weekend) <= agent.contract.max_weekend_days

    def restricts_days(self, agent: AgentWeek) -> bool:
        return agent.contract.max_weekend_days < len(agent.weekend)

    def aggregate(self, agent: AgentWeek, rows: ClassRows) -> None:
        if rows.summed and self.restricts_days(agent):
            rows.bounded(-rows.infinity, rows.size * agent.contract.max_weekend_days,
                         [t for d in agent.weekend for t in rows.works(d)])

    def describe(self, agent: AgentWeek) -> str:
        return f"max_weekend_days {agent.contract.max_weekend_days}"


RULE = MaxWeekendDays()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        facts = agent_week(model.config, model.week, agent)
        if RULE.restricts_days(facts):
            days = model.days_of(agent)
            model.cp.add(cp_model.LinearExpr.sum([days[d].works() for d in facts.weekend])
                         <= facts.contract.max_weekend_days)
    return []
