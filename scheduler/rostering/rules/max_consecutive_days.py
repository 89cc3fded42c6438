"""Hard: no more than the contract's ``max_consecutive_days`` working days in a row within the week.

The week is planned on its own: days worked in the previous week are not known to the model. With
``time_off_counts_as: worked_day`` a day of approved leave counts as a working day of the run, if the agent
could have worked that day (``base.leave_counts_on``); leave on a day it could not work ends a run like a day off.
"""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import DAYS, AgentWeek, Aspect, ClassRows, LabourRule, agent_week


def _counted(agent: AgentWeek) -> tuple[int, ...]:
    """Per day, 1 where leave counts as a working day of a run."""
    return tuple(int(off and agent.leave_counts_as_worked) for off in agent.leave)


class MaxConsecutiveDays(LabourRule):
    name = "max_consecutive_days"
    reads = Aspect.DAYS

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps_days(self, agent: AgentWeek, worked: Sequence[bool]) -> bool:
        """No ``limit + 1`` days in a row all worked or counted leave with a worked day among them (leave
        alone breaks nothing)."""
        limit, counted = agent.contract.max_consecutive_days, _counted(agent)
        for first in range(0, DAYS - limit):
            window = range(first, first + limit + 1)
            if all(worked[d] or counted[d] for d in window) and any(worked[d] for d in window):
                return False
        return True

    def restricts_days(self, agent: AgentWeek) -> bool:
        return agent.contract.max_consecutive_days < DAYS

    def aggregate(self, agent: AgentWeek, rows: ClassRows) -> None:
        if not rows.summed:
            return
        limit, counted = agent.contract.max_consecutive_days, _counted(agent)
        for first in range(0, DAYS - limit):
            rows.bounded(-rows.infinity, rows.size * max(0, limit - sum(counted[first:first + limit + 1])),
                         [t for d in range(first, first + limit + 1) for t in rows.works(d)])

    def describe(self, agent: AgentWeek) -> str:
        return f"max_consecutive_days {agent.contract.max_consecutive_days}"


RULE = MaxConsecutiveDays()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        facts = agent_week(model.config, model.week, agent)
        limit, counted = facts.contract.max_consecutive_days, _counted(facts)
        days = model.days_of(agent)
        for first in range(0, DAYS - limit):
            window = days[first:first + limit + 1]
            model.cp.add(cp_model.LinearExpr.sum([d.works() for d in window])
                         <= max(0, limit - sum(counted[first:first + limit + 1])))
    return []
