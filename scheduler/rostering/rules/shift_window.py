"""Hard: every shift starts no earlier than the contract's ``earliest_start_minute`` and ends no later than
its ``latest_end_minute`` (e.g. no late finishes for part-timers).

Candidates outside the window are simply switched off, like availability, which the candidates already obey.
"""

from __future__ import annotations

from scheduler.domain.clock import minute_to_clock
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import AgentShifts, AgentWeek, Aspect, LabourRule, agent_week


class ShiftWindow(LabourRule):
    name = "shift_window"
    reads = Aspect.TIMES

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def allows(self, agent: AgentWeek, start_minute: int, end_minute: int) -> bool:
        contract = agent.contract
        if contract.earliest_start_minute is not None and start_minute < contract.earliest_start_minute:
            return False
        return contract.latest_end_minute is None or end_minute <= contract.latest_end_minute

    def keeps(self, agent: AgentWeek, shifts: AgentShifts) -> bool:
        return all(s is None or self.allows(agent, s.start_minute, s.end_minute) for s in shifts)

    def keeps_change(self, agent: AgentWeek, shifts: AgentShifts, day: int) -> bool:
        shift = shifts[day]
        return shift is None or self.allows(agent, shift.start_minute, shift.end_minute)

    def restricts(self, agent: AgentWeek) -> bool:
        return agent.contract.earliest_start_minute is not None or agent.contract.latest_end_minute is not None

    def window_keys(self, agent: AgentWeek) -> list[str]:
        """The contract's keys of this rule that it sets, for a message (``["latest_end 19:00"]``)."""
        contract = agent.contract
        return [f"{key} {minute_to_clock(minute)}" for key, minute in (
            ("earliest_start", contract.earliest_start_minute), ("latest_end", contract.latest_end_minute))
            if minute is not None]


RULE = ShiftWindow()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        facts = agent_week(model.config, model.week, agent)
        if not RULE.restricts(facts):
            continue
        for agent_day in model.days_of(agent):
            for option, var in zip(agent_day.options, agent_day.shift_vars, strict=True):
                if not RULE.allows(facts, option.start_minute, option.end_minute):
                    model.cp.add(var == 0)
    return []
