"""Hard: at most the contract's ``max_late_shifts_per_week`` late shifts in the week, a late shift being one
that starts at or after ``late_shift_start_minute`` (minutes after midnight of its day). ``None``: no limit.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.domain.clock import minute_to_clock
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import AgentShifts, AgentWeek, Aspect, LabourRule, agent_week


def is_late(agent: AgentWeek, start_minute: int) -> bool:
    return start_minute >= agent.contract.late_shift_start_minute


class MaxLateShifts(LabourRule):
    name = "max_late_shifts"
    reads = Aspect.DAYS | Aspect.TIMES

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps(self, agent: AgentWeek, shifts: AgentShifts) -> bool:
        limit = agent.contract.max_late_shifts_per_week
        return limit is None or sum(1 for s in shifts if s is not None and is_late(agent, s.start_minute)) <= limit

    def describe(self, agent: AgentWeek) -> str:
        return (f"max_late_shifts_per_week {agent.contract.max_late_shifts_per_week} "
                f"(starting at or after {minute_to_clock(agent.contract.late_shift_start_minute)})")


RULE = MaxLateShifts()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        facts = agent_week(model.config, model.week, agent)
        limit = facts.contract.max_late_shifts_per_week
        if limit is None:
            continue
        late = [var for d in model.days_of(agent) for o, var in zip(d.options, d.shift_vars, strict=True)
                if is_late(facts, o.start_minute)]
        if len(late) > limit:
            model.cp.add(cp_model.LinearExpr.sum(late) <= limit)
    return []
