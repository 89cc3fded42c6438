"""Hard: an agent works at most one shift a day, and only one of the day's candidates.

Availability and approved time off are applied earlier, when candidate shifts are enumerated
(``scheduler.domain.shifts``): a day the agent cannot work simply has no candidates. The fast check asks
whether each day's shift is one of its candidates (template of the contract, weekday, availability, time off,
a re-plan's pin).
"""

from __future__ import annotations

from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import AgentShifts, AgentWeek, Aspect, LabourRule


class OneShiftPerDay(LabourRule):
    name = "one_shift_per_day"
    reads = Aspect.DAYS | Aspect.TIMES | Aspect.PAY

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps(self, agent: AgentWeek, shifts: AgentShifts) -> bool:
        candidates, must_work = agent.candidates, agent.must_work
        return len(shifts) == len(candidates) and all(
            (s.template_id, s.start_minute) in candidates[d] if s is not None else not must_work[d]
            for d, s in enumerate(shifts))

    def keeps_change(self, agent: AgentWeek, shifts: AgentShifts, day: int) -> bool:
        shift = shifts[day]
        return ((shift.template_id, shift.start_minute) in agent.candidates[day] if shift is not None
                else not agent.must_work[day])


RULE = OneShiftPerDay()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent_day in model.all_agent_days():
        if len(agent_day.shift_vars) > 1:
            model.cp.add_at_most_one(agent_day.shift_vars)
    return []
