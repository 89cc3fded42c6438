"""Hard: every run of days off lying wholly inside the week is at least ``min_consecutive_days_off`` long.

A run of days off that includes the week's first or last day is not constrained: the days next to it in the
neighbouring weeks are unknown to the model. So a shorter run is one between two worked days: for every
pair of days ``i < j`` with ``j - i - 1`` below the minimum, working both ``i`` and ``j`` needs a worked day
between them (``works(i) + works(j) - sum(works(between)) <= 1``). Days of approved leave are days off here,
whatever ``time_off_counts_as`` says (a rest run is about days without a shift).
"""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import AgentWeek, Aspect, LabourRule, agent_week


def off_runs_keep(worked: Sequence[bool], least: int) -> bool:
    """Whether every run of days off between two worked days of ``worked`` is at least ``least`` days long."""
    work_days = [d for d, w in enumerate(worked) if w]
    return all(b - a - 1 == 0 or b - a - 1 >= least for a, b in zip(work_days, work_days[1:], strict=False))


class MinConsecutiveDaysOff(LabourRule):
    name = "min_consecutive_days_off"
    reads = Aspect.DAYS

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps_days(self, agent: AgentWeek, worked: Sequence[bool]) -> bool:
        return off_runs_keep(worked, agent.contract.min_consecutive_days_off)

    def restricts_days(self, agent: AgentWeek) -> bool:
        return agent.contract.min_consecutive_days_off > 1

    def describe(self, agent: AgentWeek) -> str:
        return f"min_consecutive_days_off {agent.contract.min_consecutive_days_off}"


RULE = MinConsecutiveDaysOff()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        least = agent_week(model.config, model.week, agent).contract.min_consecutive_days_off
        days = model.days_of(agent)
        for first in range(7):
            for last in range(first + 2, min(first + least + 1, 7)):  # 1 .. least - 1 days off between
                between = [d.works() for d in days[first + 1:last]]
                model.cp.add(days[first].works() + days[last].works() - cp_model.LinearExpr.sum(between) <= 1)
    return []
