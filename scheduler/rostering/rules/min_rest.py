"""Hard: at least the contract's ``min_rest_minutes`` between the end of a shift and the next day's start.

Encoded per candidate of the later day: that candidate and every earlier-day candidate ending too late for
it are mutually exclusive (one at-most-one each, which propagates better than a big-M on start times).
In the aggregate LP, for each day and end time ``E``: a class's shifts ending at or after ``E`` plus next-day
shifts starting before ``E + rest - 24 h`` are at most the class's size (no agent can be in both groups).
"""

from __future__ import annotations

from scheduler.domain.plan import MINUTES_PER_DAY
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import DAYS, AgentShifts, AgentWeek, Aspect, ClassRows, LabourRule, agent_week


def rest_minutes(agent: AgentWeek) -> int:
    return agent.contract.min_rest_minutes


def rested(agent: AgentWeek, previous_end_minute: int | None, start_minute: int) -> bool:
    """Whether a shift starting at ``start_minute`` leaves the rest after the previous day's shift ending at
    ``previous_end_minute`` (None: no shift the previous day)."""
    return previous_end_minute is None or start_minute + MINUTES_PER_DAY - previous_end_minute >= rest_minutes(agent)


class MinRest(LabourRule):
    name = "min_rest"
    reads = Aspect.DAYS | Aspect.TIMES

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps(self, agent: AgentWeek, shifts: AgentShifts) -> bool:
        for earlier, later in zip(shifts, shifts[1:], strict=False):
            if earlier is not None and later is not None and not rested(agent, earlier.end_minute,
                                                                        later.start_minute):
                return False
        return True

    def keeps_change(self, agent: AgentWeek, shifts: AgentShifts, day: int) -> bool:
        shift = shifts[day]
        if shift is None:
            return True
        before = shifts[day - 1] if day > 0 else None
        after = shifts[day + 1] if day + 1 < len(shifts) else None
        return (rested(agent, None if before is None else before.end_minute, shift.start_minute)
                and (after is None or rested(agent, shift.end_minute, after.start_minute)))

    def aggregate(self, agent: AgentWeek, rows: ClassRows) -> None:
        rest = rest_minutes(agent)
        for d in range(DAYS - 1):
            today, tomorrow = rows.shifts(d), rows.shifts(d + 1)
            for end in sorted({o.end_minute for o, _ in today}):
                late = [var for o, var in today if o.end_minute >= end]
                early = [var for o, var in tomorrow if o.start_minute + MINUTES_PER_DAY - rest < end]
                if late and early:
                    rows.bounded(-rows.infinity, rows.size, [(var, 1.0) for var in late + early])

    def describe(self, agent: AgentWeek) -> str:
        return f"min_rest_hours {rest_minutes(agent) / 60:g}"


RULE = MinRest()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        rest = rest_minutes(agent_week(model.config, model.week, agent))
        days = model.days_of(agent)
        for earlier, later in zip(days, days[1:], strict=False):
            for option, var in zip(later.options, later.shift_vars, strict=True):
                latest_end = option.start_minute + MINUTES_PER_DAY - rest
                clashing = [v for o, v in zip(earlier.options, earlier.shift_vars, strict=True)
                            if o.end_minute > latest_end]
                if clashing:
                    model.cp.add_at_most_one([var, *clashing])
    return []
