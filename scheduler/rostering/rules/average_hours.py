"""Hard: paid hours averaged over the horizon — ``average_weekly_hours`` (± ``average_tolerance_hours``).

Each week keeps the contract's weekly minimum and maximum (``weekly_hours``); over the ``N`` weeks of the
horizon the paid minutes add up to ``N x average`` within ``N x tolerance``. Rostered a week at a time, week
``k`` may pay only totals from which the weeks left can still reach the average: a week's achievable totals are
the sums of up to ``max_days_per_week`` of the contract's shift templates' paid minutes
inside the weekly range (``week_totals``), and week ``k``'s total plus some sum of ``N - k`` achievable totals
must land in the target window after the paid minutes of the earlier weeks (``PlanConfig.carry_in``).
With ``time_off_counts_as: worked_day`` each day of approved leave in the horizon on a day the agent could have
worked (``base.leave_counts_on``) counts ``average_weekly_minutes // max_days_per_week`` paid minutes towards the
average, and a week with leave can
pay only what its shortened range and days allow (``weekly_hours.contract_paid_range``), as planners count
leave as paid time; with ``credit_minimum`` leave is not credited (the hours are made up in other weeks).
The weeks' totals alone do not say whether the later weeks can still make up the average: that also depends on
how this week ends (a weekend worked, a run of days at its end), so each of this week's day patterns may pay only
what ``rules.week_patterns.reach_after`` leaves reachable after it (checked alongside the totals; in CP-SAT a table of
the allowed patterns and totals, added only where it forbids something the totals allow).
``average_conflicts`` names a contract whose average no sequence of weeks can meet (the plan is refused before
solving). Without the key the rule adds nothing; no aggregate rows (see ``carry_rest``).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import timedelta
from functools import lru_cache

from ortools.sat.python import cp_model

from scheduler.domain.horizon import NO_CARRY
from scheduler.domain.plan import Contract, PlanConfig
from scheduler.rostering.held import held_for
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import DAYS, AgentShifts, AgentWeek, Aspect, LabourRule, agent_week
from scheduler.rostering.rules.week_patterns import Reach, end_state, reach_after
from scheduler.rostering.rules.weekly_hours import contract_paid_range


def week_totals(config: PlanConfig, contract: Contract, leave_days: int = 0) -> frozenset[int]:
    """Paid minutes one week of the contract's templates can add up to, inside its weekly range, in a week with
    ``leave_days`` days of approved leave."""
    paid = tuple(sorted({config.template(t).paid_minutes for t in contract.template_ids}))
    low, high = contract_paid_range(contract, leave_days)
    most_days = (max(0, contract.max_days_per_week - leave_days) if contract.time_off_counts_as == "worked_day"
                 else min(contract.max_days_per_week, DAYS - leave_days))
    # from no day worked up: leave may make fewer days than min_days_per_week a valid week
    return _totals(paid, 0, most_days, low, high)


def leave_credit_minutes(contract: Contract) -> int:
    """Paid minutes one day of approved leave counts towards the average (none with ``credit_minimum``)."""
    if (contract.average_weekly_minutes is None or contract.time_off_counts_as != "worked_day"
            or not contract.max_days_per_week):
        return 0
    return contract.average_weekly_minutes // contract.max_days_per_week


def leave_by_week(agent: AgentWeek, week_number: int, weeks: int) -> tuple[int, ...]:
    """Days of counted leave in each week of the horizon, the agent's week being week ``week_number``."""
    monday = agent.week.start - timedelta(days=DAYS * (week_number - 1))
    return tuple(sum(1 for d in agent.agent.time_off
                     if monday + timedelta(days=DAYS * k) <= d < monday + timedelta(days=DAYS * (k + 1))
                     and agent.leave_on(d))
                 for k in range(weeks))


@lru_cache(maxsize=256)
def _totals(paid: tuple[int, ...], least_days: int, most_days: int, low: int, high: int) -> frozenset[int]:
    reached, found = {0}, set()
    for days in range(most_days + 1):
        if days >= least_days:
            found |= {t for t in reached if low <= t <= high}
        reached = {t + p for t in reached for p in paid if t + p <= high}
    return frozenset(found)


@lru_cache(maxsize=256)
def _sums_of(weeks: tuple[frozenset[int], ...]) -> frozenset[int]:
    """Every sum of one total from each week."""
    sums = frozenset({0})
    for totals in weeks:
        sums = frozenset(s + t for s in sums for t in totals)
    return sums


def target_window(contract: Contract, weeks: int) -> tuple[int, int] | None:
    """The least and most paid minutes over the horizon, or None without an average."""
    if contract.average_weekly_minutes is None:
        return None
    return (weeks * (contract.average_weekly_minutes - contract.average_tolerance_minutes),
            weeks * (contract.average_weekly_minutes + contract.average_tolerance_minutes))


def _horizon(agent: AgentWeek) -> tuple[int, int, tuple[int, int], tuple[int, ...], int] | None:
    """The agent's week number, the horizon's weeks, its paid-minute window, the days of leave in each week and
    the minutes already counted towards the window (earlier weeks, leave credits); None without an average."""
    carry = agent.config.carry_in
    weeks = agent.config.weeks if carry is None else carry.weeks
    number = 1 if carry is None else carry.week_number
    window = target_window(agent.contract, weeks)
    if window is None:
        return None
    state = NO_CARRY if carry is None else carry.of(agent.agent.agent_id)
    leave = leave_by_week(agent, number, weeks)
    return number, weeks, window, leave, state.paid_minutes + sum(leave) * leave_credit_minutes(agent.contract)


def allowed_totals(agent: AgentWeek) -> frozenset[int] | None:
    """The paid minutes this week may add up to, or None when the rule does not apply."""
    horizon = _horizon(agent)
    if horizon is None:
        return None
    number, _weeks, window, leave, credited = horizon
    totals = week_totals(agent.config, agent.contract, leave[number - 1])
    later = _sums_of(tuple(week_totals(agent.config, agent.contract, days) for days in leave[number:]))
    low, high = window[0] - credited, window[1] - credited
    return frozenset(t for t in totals if any(low <= t + s <= high for s in later))


def pattern_reach(agent: AgentWeek) -> Reach | None:
    """What the later weeks can pay after each way this week may end, or None when no week follows (or the rule
    does not apply). Computed once per agent and week (``_REACH``)."""
    horizon = _horizon(agent)
    if horizon is None or horizon[0] >= horizon[1]:
        return None
    _number, _weeks, window, _leave, credited = horizon
    return held_for(_REACH, agent.config, (agent.agent.agent_id, agent.week.start),
                    lambda: reach_after(agent, credited, window), 4096)


_REACH: dict = {}


def _keeps_reach(agent: AgentWeek, worked: list[bool], total_minutes: int) -> bool:
    reach = pattern_reach(agent)
    return reach is None or reach.allows(end_state(agent, worked), total_minutes)


def average_conflicts(config: PlanConfig) -> list[str]:
    """One line per contract whose averaged hours no sequence of ``config.weeks`` weeks can meet."""
    lines = []
    for number, contract in enumerate(config.contracts):
        window = target_window(contract, config.weeks)
        if window is None or contract.average_weekly_minutes is None:
            continue
        sums = _sums_of((week_totals(config, contract),) * config.weeks)
        if not any(window[0] <= s <= window[1] for s in sums):
            nearest = min(sums, key=lambda s: min(abs(s - window[0]), abs(s - window[1])), default=None)
            said = ("no week of its templates fits its weekly hours" if nearest is None else
                    f"the nearest average its templates reach is {nearest / config.weeks / 60:g} h")
            lines.append(f"{config.source.name}: contracts[{number}].average_weekly_hours "
                         f"{contract.average_weekly_minutes / 60:g} (contract {contract.contract_id}) cannot be met "
                         f"over {config.weeks} week(s) within min/max weekly hours: {said}; set "
                         "average_tolerance_hours or change the hours")
    return lines


class AverageHours(LabourRule):
    name = "average_weekly_hours"
    reads = Aspect.DAYS | Aspect.PAY

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps(self, agent: AgentWeek, shifts: AgentShifts) -> bool:
        allowed = allowed_totals(agent)
        if allowed is None:
            return True
        total = sum(s.paid_minutes for s in shifts if s is not None)
        return total in allowed and _keeps_reach(agent, [s is not None for s in shifts], total)

    def signature(self, agent: AgentWeek) -> Hashable:
        reach = pattern_reach(agent)
        return allowed_totals(agent), None if reach is None else tuple(sorted(reach.by_end.items()))

    def describe(self, agent: AgentWeek) -> str:
        allowed = allowed_totals(agent)
        this_week = ("" if not allowed else
                     f"; this week {min(allowed) / 60:g}-{max(allowed) / 60:g} h")
        return f"average_weekly_hours {(agent.contract.average_weekly_minutes or 0) / 60:g}{this_week}"


RULE = AverageHours()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        allowed = allowed_totals(agent_week(model.config, model.week, agent))
        if allowed is None:
            continue
        paid = cp_model.LinearExpr.sum([d.paid_minutes() for d in model.days_of(agent)])
        if allowed:
            model.cp.add_linear_expression_in_domain(paid, cp_model.Domain.from_values(sorted(allowed)))
        else:  # no total keeps the average reachable (an empty domain would not constrain)
            model.cp.add(paid <= -1)
        _build_patterns(model, agent, allowed, paid)
    return []


def _build_patterns(model: RosterModel, agent, allowed: frozenset[int], paid: cp_model.LinearExpr) -> None:
    """The table of this week's allowed (days worked, total) pairs, when the later weeks' reach forbids some
    total the week's own ``allowed`` set keeps for some pattern."""
    facts = agent_week(model.config, model.week, agent)
    if pattern_reach(facts) is None or not allowed:
        return
    days = model.days_of(agent)
    day_paid = [sorted({o.paid_minutes for o in d.options}) for d in days]
    top = max(allowed)
    rows, forbidden = [], False
    for pattern in range(1 << DAYS):
        worked = [bool(pattern >> d & 1) for d in range(DAYS)]
        if any(w and not day_paid[d] for d, w in enumerate(worked)):
            continue
        totals = {0}
        for d in (d for d in range(DAYS) if worked[d]):
            totals = {t + p for t in totals for p in day_paid[d] if t + p <= top}
        for total in sorted(totals & allowed):
            if _keeps_reach(facts, worked, total):
                rows.append((*(int(w) for w in worked), total))
            else:
                forbidden = True
    if not forbidden:
        return
    name = agent.agent_id
    works = [model.cp.new_bool_var(f"avg_works_{name}_{d}") for d in range(DAYS)]
    for var, day in zip(works, days, strict=True):
        model.cp.add(var == day.works())
    total_var = model.cp.new_int_var(0, top, f"avg_paid_{name}")
    model.cp.add(total_var == paid)
    model.cp.add_allowed_assignments([*works, total_var], rows)

