"""Hard: the contract's ``min_rest_minutes`` also between the last shift before the week and the week's shifts.

The last shift before the week is the carry-in's (``PlanConfig.carry_in``: the horizon's previous week, or the
roster given with ``--previous``); a shift of the week starting less than the rest after its end is not worked.
Without a carry-in the rule adds nothing. It has no aggregate rows: the horizon's proven bound is the sum of
the weeks' bounds without the carry-in (``scheduler.app.horizon``), a relaxation of the cross-week coupling.
"""

from __future__ import annotations

from collections.abc import Hashable

from scheduler.domain.plan import MINUTES_PER_DAY
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import AgentShifts, AgentWeek, Aspect, LabourRule, agent_week


def earliest_start(agent: AgentWeek) -> int | None:
    """The earliest minute after the week's Monday 00:00 a shift may start at, or None (no earlier shift)."""
    carry = agent.config.carry_in
    if carry is None:
        return None
    last_end = carry.of(agent.agent.agent_id).last_end_minute
    return None if last_end is None else last_end + agent.contract.min_rest_minutes


def _rested(earliest: int | None, day: int, start_minute: int) -> bool:
    return earliest is None or day * MINUTES_PER_DAY + start_minute >= earliest


class CarryRest(LabourRule):
    name = "min_rest_across_weeks"
    reads = Aspect.DAYS | Aspect.TIMES

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps(self, agent: AgentWeek, shifts: AgentShifts) -> bool:
        earliest = earliest_start(agent)
        return all(_rested(earliest, d, s.start_minute) for d, s in enumerate(shifts) if s is not None)

    def keeps_change(self, agent: AgentWeek, shifts: AgentShifts, day: int) -> bool:
        shift = shifts[day]
        return shift is None or _rested(earliest_start(agent), day, shift.start_minute)

    def signature(self, agent: AgentWeek) -> Hashable:
        earliest = earliest_start(agent)
        return None if earliest is None or earliest <= 0 else earliest

    def describe(self, agent: AgentWeek) -> str:
        earliest = earliest_start(agent)
        said = "" if earliest is None else f" (no start before minute {earliest} of the week)"
        return f"min_rest_hours {agent.contract.min_rest_minutes / 60:g} after the previous week's last shift{said}"


RULE = CarryRest()


def build(model: RosterModel) -> list[PenaltyTerm]:
    if model.config.carry_in is None:
        return []
    for agent in model.agents:
        earliest = earliest_start(agent_week(model.config, model.week, agent))
        if earliest is None:
            continue
        for day in model.days_of(agent):
            for option, var in zip(day.options, day.shift_vars, strict=True):
                if not _rested(earliest, day.day_index, option.start_minute):
                    model.cp.add(var == 0)
    return []
