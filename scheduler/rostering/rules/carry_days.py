"""Hard: ``max_consecutive_days`` and ``min_consecutive_days_off`` across the boundary with the previous week.

The carry-in (``PlanConfig.carry_in``) says how many days in a row the agent worked, or had off after a worked
day, up to the day before the week. A run of ``r`` worked days lets the week's first ``limit - r`` days be
worked in a row but not the next one too (days of leave counted as worked, ``time_off_counts_as: worked_day``,
count in the run as in ``max_consecutive_days``); a run of ``o`` days off, shorter than the minimum ``m``,
leaves the week's first ``m - o`` days off (working one would end a run of days off that is too short).
Without a carry-in the rule adds nothing; no aggregate rows (see ``carry_rest``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import DAYS, AgentWeek, Aspect, LabourRule, agent_week


def leading_window(agent: AgentWeek) -> int | None:
    """How many of the week's first days cannot all be worked (or counted leave) after the carried run, or
    None when the run does not limit the week."""
    carry = agent.config.carry_in
    if carry is None:
        return None
    run = carry.of(agent.agent.agent_id).worked_run_days
    window = max(1, agent.contract.max_consecutive_days - run + 1)  # a run already too long: day 0 stays off
    return window if run > 0 and window <= DAYS else None


def days_kept_off(agent: AgentWeek) -> int:
    """How many of the week's first days must stay off to finish the carried run of days off."""
    carry = agent.config.carry_in
    if carry is None:
        return 0
    off = carry.of(agent.agent.agent_id).off_run_days
    least = agent.contract.min_consecutive_days_off
    return 0 if off is None or off == 0 or off >= least else min(DAYS, least - off)


def _counted(agent: AgentWeek) -> tuple[int, ...]:
    return tuple(int(off and agent.leave_counts_as_worked) for off in agent.leave)


class CarryDays(LabourRule):
    name = "consecutive_days_across_weeks"
    reads = Aspect.DAYS

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps_days(self, agent: AgentWeek, worked: Sequence[bool]) -> bool:
        if any(worked[d] for d in range(days_kept_off(agent))):
            return False
        window, counted = leading_window(agent), _counted(agent)
        if window is None:
            return True
        days = range(window)
        return not (all(worked[d] or counted[d] for d in days) and any(worked[d] for d in days))

    def restricts_days(self, agent: AgentWeek) -> bool:
        return leading_window(agent) is not None or days_kept_off(agent) > 0

    def signature(self, agent: AgentWeek) -> Hashable:
        return leading_window(agent), days_kept_off(agent)

    def describe(self, agent: AgentWeek) -> str:
        carry = agent.config.carry_in
        state = carry.of(agent.agent.agent_id) if carry is not None else None
        before = "" if state is None else (f" ({state.worked_run_days} day(s) worked, "
                                           f"{state.off_run_days or 0} off before the week)")
        return (f"max_consecutive_days {agent.contract.max_consecutive_days} and min_consecutive_days_off "
                f"{agent.contract.min_consecutive_days_off} across the week boundary{before}")


RULE = CarryDays()


def build(model: RosterModel) -> list[PenaltyTerm]:
    if model.config.carry_in is None:
        return []
    for agent in model.agents:
        facts = agent_week(model.config, model.week, agent)
        days = model.days_of(agent)
        for d in range(days_kept_off(facts)):
            model.cp.add(days[d].works() == 0)
        window, counted = leading_window(facts), _counted(facts)
        if window is not None:
            model.cp.add(cp_model.LinearExpr.sum([days[d].works() for d in range(window)])
                         <= max(0, window - 1 - sum(counted[:window])))
    return []
