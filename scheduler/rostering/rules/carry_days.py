"""Hard: ``max_consecutive_days`` and ``min_consecutive_days_off`` across the boundary with the previous week.

The carry-in (``PlanConfig.carry_in``) says how many days in a row the agent worked, or had off after a worked
day, up to the day before the week. A run of ``r`` worked days lets the week's first ``limit - r`` days be
worked in a row but not the next one too (days of leave counted as worked, ``time_off_counts_as: worked_day``,
count in the run as in ``max_consecutive_days``, so leave filling those first days carries the run on to the
first day after it); a run of ``o`` days off, shorter than the minimum ``m``,
leaves the week's first ``m - o`` days off (working one would end a run of days off that is too short); after a
worked last day (``o = 0``) a run of days off from Monday shorter than ``m`` may not be followed by a worked day
(Sunday worked, Monday off, Tuesday worked is one day off between working days across the boundary).
Looking ahead, a run of ``l`` days of counted leave that starts the horizon's next week (known from the agent's
approved time off, counted only on days the agent could have worked: ``base.leave_counts_on``) lets the week's
last ``limit - l`` days be worked in a row but not the one before them too (the week's own leave just before it
carries that run back the same way).
Without a carry-in the rule adds nothing; no aggregate rows (see ``carry_rest``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import timedelta

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import DAYS, AgentWeek, Aspect, LabourRule, agent_week


def leading_window(agent: AgentWeek) -> int | None:
    """How many of the week's first days cannot all be worked (or counted leave) after the carried run, or
    None when the run does not limit the week."""
    carry = agent.config.carry_in
    if carry is None:
        return None
    # leave alone in the window carries the run on to the first day not on leave: that day worked too long a run
    # (leave Fri-Wed at most 5 in a row: Thursday stays off)
    return _window(agent, carry.of(agent.agent.agent_id).worked_run_days, _counted(agent))


def _window(agent: AgentWeek, run: int, counted: tuple[int, ...]) -> int | None:
    """The days next to a run of ``run`` days worked (or counted leave) that cannot all be worked, widened while
    they are all counted leave (``counted`` from the run's side of the week), or None when the run limits nothing."""
    window = max(1, agent.contract.max_consecutive_days - run + 1)  # a run already too long: the next day stays off
    if run <= 0 or window > DAYS:
        return None
    while window < DAYS and all(counted[:window]):
        window += 1
    return window


def trailing_leave_days(agent: AgentWeek) -> int:
    """Days of leave counted as worked in a row from the Monday after the week, inside the horizon."""
    carry = agent.config.carry_in
    if carry is None or not agent.leave_counts_as_worked:
        return 0
    run, later = 0, DAYS * carry.weeks_left
    while run < later and agent.leave_on(agent.week.start + timedelta(days=DAYS + run)):
        run += 1
    return run


def trailing_window(agent: AgentWeek) -> int | None:
    """How many of the week's last days cannot all be worked (or counted leave) before the leave that starts
    the next week, or None when no such leave limits the week."""
    # the week's own leave just before it carries the run back the same way
    return _window(agent, trailing_leave_days(agent), _counted(agent)[::-1])


def days_kept_off(agent: AgentWeek) -> int:
    """How many of the week's first days must stay off to finish the carried run of days off."""
    carry = agent.config.carry_in
    if carry is None:
        return 0
    off = carry.of(agent.agent.agent_id).off_run_days
    least = agent.contract.min_consecutive_days_off
    return 0 if off is None or off == 0 or off >= least else min(DAYS, least - off)


def leading_off_limit(agent: AgentWeek) -> int:
    """After a worked last day before the week, how many of the week's first days, off from Monday, may not be
    followed by a worked day: ``min_consecutive_days_off - 1`` (0 when the last day was off or is unknown)."""
    carry = agent.config.carry_in
    if carry is None or carry.of(agent.agent.agent_id).off_run_days != 0:
        return 0
    return min(DAYS - 1, agent.contract.min_consecutive_days_off - 1)


def _windows(agent: AgentWeek) -> list[range]:
    """The runs of days at the week's edges that must not all be worked (or counted leave)."""
    leading, trailing = leading_window(agent), trailing_window(agent)
    return ([] if leading is None else [range(leading)]) + ([] if trailing is None else [range(DAYS - trailing, DAYS)])


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
        if any(worked[k] and not any(worked[:k]) for k in range(1, leading_off_limit(agent) + 1)):
            return False
        counted = _counted(agent)
        for days in _windows(agent):
            if all(worked[d] or counted[d] for d in days) and any(worked[d] for d in days):
                return False
        return True

    def restricts_days(self, agent: AgentWeek) -> bool:
        return bool(_windows(agent)) or days_kept_off(agent) > 0 or leading_off_limit(agent) > 0

    def signature(self, agent: AgentWeek) -> Hashable:
        return leading_window(agent), days_kept_off(agent), trailing_window(agent), leading_off_limit(agent)

    def describe(self, agent: AgentWeek) -> str:
        carry = agent.config.carry_in
        state = carry.of(agent.agent.agent_id) if carry is not None else None
        before = "" if state is None else (f" ({state.worked_run_days} day(s) worked, "
                                           f"{state.off_run_days or 0} off before the week)")
        ahead = trailing_leave_days(agent)
        before += f" ({ahead} day(s) of leave after the week)" if ahead else ""
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
        for k in range(1, leading_off_limit(facts) + 1):  # Monday off after a worked Sunday: off long enough
            model.cp.add(days[k].works() <= cp_model.LinearExpr.sum([days[j].works() for j in range(k)]))
        counted = _counted(facts)
        for window in _windows(facts):
            model.cp.add(cp_model.LinearExpr.sum([days[d].works() for d in window])
                         <= max(0, len(window) - 1 - sum(counted[d] for d in window)))
    return []
