"""Which of this week's day patterns keep the later weeks possible: the weekly minimums and averaged hours.

The horizon is rostered a week at a time, and a week planned alone is followed by another, so how this week
*ends* limits what the next can do: a full-timer who works this weekend may have to take the next one off
(``max_consecutive_weekends``) and, after a run of worked days, start next week with days off
(``max_consecutive_days``, then ``min_consecutive_days_off`` together), so next week may pay at most three or four
weekdays. Planned on its own, week 1 could end working Wednesday to Sunday and leave week 2 unable to pay its
36-h minimum (a one-week plan followed by ``--previous`` was refused in week 2 that way), or pay 32 h and leave
week 2 needing 40 h for the average.

``reach_after`` answers, per end state of this week (the run of days worked at its end, the run of weekends
worked, the weekends worked in the horizon, the days off at its end), which totals the later weeks can add up
to, by dynamic programming over their day patterns: each later week's shift options per day (availability,
leave, the templates' weekdays), at least ``min_days_per_week`` and at most ``max_days_per_week`` days (fewer
with leave counted as worked), ``max_consecutive_days`` and ``min_consecutive_days_off`` within each week and
across the seams, the weekend rules as ``rules.horizon_weekends`` paces them, and the week's paid range
(``weekly_hours.contract_paid_range``). After the horizon's last week (or a one-week plan) comes one more
ordinary week: the same contract, availability and templates, no leave, its weekend allowed as the first week
of a new horizon (the loosest pacing of any horizon); it counts towards no average. That week is a requirement
by design (a plan should leave a next week possible), checked with the same filters; an agent whose ordinary
week is impossible even from a fresh start is not held to it (that is not this week's doing).

Why it never refuses a week that could be completed. Take a real continuation: later weeks (and the ordinary week)
each keeping every hard rule after this week. Each of its weeks' worked days pass every filter above, as each filter
is one of the hard rules (a worked day needs a candidate shift, which the week's options hold; the week's total is a
sum of its shifts' paid minutes, each in its day's options; the seam filters are ``carry_days``' and
``horizon_weekends``' own). The end state the programme passes on is the real one or a looser one: the run of days
worked is capped at ``max_consecutive_days`` and the days off at ``min_consecutive_days_off`` (past the cap they
constrain the same). Leave counted as worked (``time_off_counts_as: worked_day``, on a day the agent could have
worked) is a day of the run, as ``max_consecutive_days``, ``carry_days`` and the carry-in count it: no run of days
worked or on leave with a worked day in it may be longer than the limit, while a run of leave alone may (the end
state says whether its run holds a worked day; the carry-in does not say, so the run carried into the week is taken
as leave alone, which only allows more). Before, leave ended a run here: after a week ending with two days worked,
Tuesday's leave and Wednesday to Friday seemed a week of four shifts where the rule allows three, so a week's end
the next week could not follow was allowed and the next week was refused (exit 3). By induction from the last week,
the continuation is a path of the programme, so its total's bit is set. The rules left out (rest, the weekend-days
cap, the shift window, pins) only let it reach more: the answer is a superset of what the later weeks can really
pay, and an end state it finds empty has no real continuation. Totals are sets of paid minutes held as bits of a
Python int on the grid of the templates' paid minutes (``gcd``); asked for reachability alone (``window`` None)
every total is bit 0.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce

from scheduler.domain.horizon import NO_CARRY, AgentCarry
from scheduler.domain.plan import Contract
from scheduler.domain.shifts import free_shift_options, shift_options
from scheduler.domain.week import Week
from scheduler.rostering.held import held_for
from scheduler.rostering.rules.base import DAYS, AgentWeek
from scheduler.rostering.rules.horizon_weekends import weekend_allowed, weekend_allowed_after
from scheduler.rostering.rules.min_consecutive_days_off import off_runs_keep
from scheduler.rostering.rules.weekly_hours import contract_paid_range

# (run of days worked or of counted leave at the week's end (at most max_consecutive_days), run of weekends worked,
# weekends worked in the horizon, days off at the week's end after a worked day (at most min_consecutive_days_off,
# which also stands for "no worked day known"), whether that run holds a worked day (then a day of leave may not
# take it past max_consecutive_days either; a run of leave alone may run on))
EndState = tuple[int, int, int, int, bool]
NO_LEAVE = (False,) * DAYS


@dataclass(frozen=True)
class Reach:
    """What the later weeks can pay after this week, per end state, on a grid of ``grid_minutes``."""

    grid_minutes: int
    low_minutes: int  # the horizon's window for this week's total plus the later weeks', after what is credited
    high_minutes: int
    by_end: dict[EndState, int]  # end state -> bits of the later weeks' reachable totals (bit i: i x grid)

    def allows(self, end: EndState, total_minutes: int) -> bool:
        """Whether a week paying ``total_minutes`` and ending in ``end`` leaves the window reachable."""
        bits = self.by_end.get(end)
        if bits is None:
            return False
        low = max(0, math.ceil((self.low_minutes - total_minutes) / self.grid_minutes))
        high = math.floor((self.high_minutes - total_minutes) / self.grid_minutes)
        return high >= low and (bits >> low) & ((1 << (high - low + 1)) - 1) != 0

    def reaches(self, end: EndState) -> bool:
        """Whether the later weeks can be worked at all after a week ending in ``end``."""
        return bool(self.by_end.get(end))


def _start(agent: AgentWeek) -> EndState:
    """The state the days before the week leave (the carry-in), as an end state of the week before."""
    carry = agent.config.carry_in
    state: AgentCarry = NO_CARRY if carry is None else carry.of(agent.agent.agent_id)
    contract = agent.contract
    least_off = contract.min_consecutive_days_off
    off = least_off if state.off_run_days is None else min(least_off, state.off_run_days)
    # whether the carried run holds a worked day is not carried: taken as not, which only allows more
    return (min(contract.max_consecutive_days, state.worked_run_days), state.weekend_run, state.weekends_worked, off,
            False)


def _after(contract: Contract, weekend: Sequence[int], state: EndState, days: Sequence[bool],
           counted: Sequence[bool] = NO_LEAVE) -> EndState:
    """The end state a week worked on the marked days (and on counted leave on the ``counted`` days) leaves after
    starting in ``state``."""
    run, weekend_run, weekends, off, run_worked = state
    on_weekend = any(days[d] for d in weekend)
    # the run at the end: days worked or of counted leave, as ``max_consecutive_days`` and the carry-in count it
    tail = next((DAYS - d - 1 for d in reversed(range(DAYS)) if not (days[d] or counted[d])), DAYS)
    rest = next((DAYS - d - 1 for d in reversed(range(DAYS)) if days[d]), DAYS)  # leave is a day off here
    least_off = contract.min_consecutive_days_off
    worked_in_tail = rest < tail or (tail == DAYS and (rest < DAYS or run_worked))
    return (min(contract.max_consecutive_days, tail + run if tail == DAYS else tail),
            weekend_run + 1 if on_weekend else 0, weekends + on_weekend,
            0 if not rest else min(least_off, off + DAYS if rest == DAYS else rest), worked_in_tail)


def _keeps_runs(contract: Contract, state: EndState, days: Sequence[bool],
                counted: Sequence[bool] = NO_LEAVE) -> bool:
    """``max_consecutive_days`` and ``min_consecutive_days_off`` within the week and across its start."""
    run, _weekend_run, _weekends, off, run_worked = state
    if not _runs_keep(list(days), run, contract.max_consecutive_days, counted, run_worked):
        return False
    least_off = contract.min_consecutive_days_off
    first = next((d for d in range(DAYS) if days[d]), None)
    if first is not None and 0 < off + first < least_off:  # a run of days off across the seam, too short
        return False
    return off_runs_keep(days, least_off)


def end_state(agent: AgentWeek, worked: Iterable[bool]) -> EndState:
    """The state a week worked on the marked days leaves for the next week."""
    return _after(agent.contract, agent.weekend, _start(agent), list(worked), _counted(agent))


def _counted(agent: AgentWeek) -> tuple[bool, ...]:
    """Per day of the agent's week, whether leave counts there as a worked day of a run."""
    return tuple(off and agent.leave_counts_as_worked for off in agent.leave)


@dataclass(frozen=True)
class _WeekShape:
    """What one week offers a day-pattern: its days' paid options and limits."""

    day_paid: tuple[frozenset[int], ...]
    most_days: int
    least_days: int
    low_minutes: int
    high_minutes: int
    counted: tuple[bool, ...] = NO_LEAVE  # per day, counted leave that is a worked day of a run


def _shape(contract: Contract, day_paid: tuple[frozenset[int], ...], leave: Sequence[bool]) -> _WeekShape:
    """The week's shape with counted leave on the marked days (``base.leave_counts_on``)."""
    as_worked = contract.time_off_counts_as == "worked_day"
    days_of_leave = sum(leave)
    most_days = max(0, contract.max_days_per_week - days_of_leave) if as_worked else contract.max_days_per_week
    least_days = max(0, contract.min_days_per_week - days_of_leave) if as_worked else contract.min_days_per_week
    low, high = contract_paid_range(contract, days_of_leave)
    counted = tuple(bool(off) and as_worked for off in leave)
    return _WeekShape(day_paid, most_days, least_days, low, high, counted)


def _patterns(contract: Contract, weekend: Sequence[int], shape: _WeekShape, state: EndState, weekend_ok: bool,
              grid: int, must_work: Sequence[bool] = (False,) * DAYS) -> Iterator[tuple[int, EndState]]:
    """Per day pattern one week can work from ``state`` (working at least the ``must_work`` days): the bits of its
    totals and the state it leaves."""
    for pattern in range(1 << DAYS):
        days = [bool(pattern >> d & 1) for d in range(DAYS)]
        if (not shape.least_days <= sum(days) <= shape.most_days
                or any(must and not day for must, day in zip(must_work, days, strict=True))
                or any(days[d] and not shape.day_paid[d] for d in range(DAYS))
                or (not weekend_ok and any(days[d] for d in weekend))
                or not _keeps_runs(contract, state, days, shape.counted)):
            continue
        totals = _week_totals(tuple(shape.day_paid[d] for d in range(DAYS) if days[d]), grid,
                              shape.low_minutes, shape.high_minutes)
        if totals:
            yield totals, _after(contract, weekend, state, days, shape.counted)


def this_week_ends(agent: AgentWeek) -> frozenset[EndState]:
    """The end states this week's own day patterns can reach under the same relaxed rules (its options, a
    re-plan's pinned days, days, runs from the carry-in, weekend and paid range)."""
    config, contract = agent.config, agent.contract
    day_paid = tuple(frozenset(o.paid_minutes for o in shift_options(config, agent.agent, agent.week, d))
                     for d in range(DAYS))
    start, weekend_ok, must_work = _start(agent), weekend_allowed(agent), agent.must_work
    # agents alike in contract, options, pins, leave and carry-in share the answer
    key = (contract.contract_id, day_paid, must_work, agent.leave, agent.weekend, start, weekend_ok)

    def ends() -> frozenset[EndState]:
        shape = _shape(contract, day_paid, agent.leave)
        grid = reduce(math.gcd, {p for day in day_paid for p in day}, 0) or 1
        return frozenset(end for _totals, end in _patterns(contract, agent.weekend, shape, start, weekend_ok, grid,
                                                             must_work))

    return held_for(_ENDS, config, key, ends, 4096)


_ENDS: dict = {}


def reach_after(agent: AgentWeek, credited_minutes: int, window: tuple[int, int] | None) -> Reach:
    """The later weeks' reach per end state of this week; ``window`` the horizon's paid-minute window and
    ``credited_minutes`` what earlier weeks and leave credits already count towards it, or ``window`` None to
    ask only whether the later weeks can be worked at all (every total is then bit 0)."""
    config, contract = agent.config, agent.contract
    carry = config.carry_in
    number, weeks = (1, config.weeks) if carry is None else (carry.week_number, carry.weeks)
    later = [Week(agent.week.start + timedelta(days=DAYS * k), config.interval_minutes)
             for k in range(1, weeks - number + 1)]
    day_paid = [tuple(frozenset(o.paid_minutes for o in free_shift_options(config, agent.agent, week, d))
                      for d in range(DAYS)) for week in later]
    ordinary_week = Week(agent.week.start + timedelta(days=DAYS * (weeks - number + 1)), config.interval_minutes)
    fresh = dataclasses.replace(agent.agent, time_off=frozenset())
    ordinary_paid = tuple(frozenset(o.paid_minutes for o in free_shift_options(config, fresh, ordinary_week, d))
                          for d in range(DAYS))
    grid = reduce(math.gcd, {p for week in (*day_paid, ordinary_paid) for day in week for p in day}
                  | {contract.max_weekly_minutes}, 0) or 1
    top = 0 if window is None else window[1] // grid  # no later total above the window is of use
    leave = [tuple(agent.leave_on(week.day(d)) for d in range(DAYS)) for week in later]
    shapes = [_shape(contract, paid, days) for paid, days in zip(day_paid, leave, strict=True)]
    ordinary = _shape(contract, ordinary_paid, NO_LEAVE)
    # agents alike in what the later weeks offer them share the programme's answers (a 1,000-agent centre has a
    # few contracts and availabilities)
    key = (contract.contract_id, agent.agent.availability, agent.week.start, agent.weekend,
           frozenset(d for d in agent.agent.time_off if later and later[0].start <= d and agent.leave_on(d)),
           window is None, top)
    memo: dict[tuple[int, EndState], int] = held_for(_MEMOS, config, key, dict, 1024)

    def ordinary_after(state: EndState) -> bool:
        # the weekend as the first week of a new horizon: most permissive of any horizon's pacing
        weekend_ok = weekend_allowed_after(contract, 1, 1, state[1], 0)
        return next(_patterns(contract, agent.weekend, ordinary, state, weekend_ok, grid), None) is not None

    held_to_ordinary = ordinary_after((0, 0, 0, contract.min_consecutive_days_off, False))

    def reach(k: int, state: EndState) -> int:
        """Bits of the totals weeks ``k``.. of ``later`` can pay from ``state``."""
        if (k, state) in memo:
            return memo[k, state]
        if k == len(later):
            memo[k, state] = int(not held_to_ordinary or ordinary_after(state))
            return memo[k, state]
        weekend_ok = weekend_allowed_after(contract, number + k + 1, weeks, state[1], state[2])
        found = 0
        for totals, nxt in _patterns(contract, agent.weekend, shapes[k], state, weekend_ok, grid):
            rest = reach(k + 1, nxt)
            if rest:
                found |= _sumset(1 if window is None else totals, rest, top)
        memo[k, state] = found
        return found

    start = _start(agent)
    least_off = contract.min_consecutive_days_off
    runs = (*range(1, min(DAYS, contract.max_consecutive_days + 1)),
            min(contract.max_consecutive_days, DAYS + start[0]))
    # a week ending on a worked day has no days off at its end and its run holds a worked day; only one with
    # counted leave can end on it, with both a run (the leave is a day of it) and days off (the leave is a day off
    # for ``min_consecutive_days_off``), and a run of leave alone (only those weeks' ends are computed: the
    # programme's cost grows with them)
    this_leave = any(_counted(agent))
    ends = {(run, weekend_run, start[2] + (weekend_run > 0), off, worked and run > 0)
            for run in (0, *runs) for weekend_run in (0, start[1] + 1)
            for off in (range(1, least_off + 1) if run == 0 else range(least_off + 1) if this_leave else (0,))
            for worked in ((False, True) if this_leave else (True,))}
    low, high = (0, 0) if window is None else window
    return Reach(grid, low - credited_minutes, high - credited_minutes, {end: reach(0, end) for end in ends})


_MEMOS: dict = {}


def _runs_keep(days: list[bool], run_before: int, longest: int, counted: Sequence[bool] = NO_LEAVE,
               worked_before: bool = False) -> bool:
    """Whether no run of days worked or of counted leave with a worked day in it (the first run continuing
    ``run_before``, which holds a worked day if ``worked_before``) is longer than ``longest``, as
    ``max_consecutive_days`` counts: a run of leave alone breaks nothing, but a worked day may not follow
    ``longest`` days of it, nor ``longest`` days of leave and work follow a worked day."""
    run, worked = run_before, worked_before
    for day, leave in zip(days, counted, strict=True):
        run, worked = (run + 1, worked or day) if day or leave else (0, False)
        if worked and run > longest:
            return False
    return True


def _week_totals(days: tuple[frozenset[int], ...], grid: int, low: int, high: int) -> int:
    """Bits of the totals one shift on each of ``days`` (their paid-minute choices) adds up to in [low, high]."""
    bits = 1
    top = high // grid
    for paid in days:
        grown = 0
        for minutes in paid:
            grown |= bits << (minutes // grid)
        bits = grown & ((1 << (top + 1)) - 1)
    first = math.ceil(low / grid)
    return bits >> first << first


def _sumset(a: int, b: int, top: int) -> int:
    """Bits of every sum of a total in ``a`` and one in ``b``, up to bit ``top``."""
    out, shift = 0, 0
    while a:
        if a & 1:
            out |= b << shift
        a >>= 1
        shift += 1
    return out & ((1 << (top + 1)) - 1) if top >= 0 else 0
