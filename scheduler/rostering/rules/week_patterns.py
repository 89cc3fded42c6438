"""Which of this week's day patterns keep averaged hours reachable in the horizon's later weeks.

The horizon is rostered a week at a time, so ``average_weekly_hours`` must leave the later weeks able to make up
the average. Their reach depends on how this week *ends*, not only on its total: a full-timer who works this
weekend may have to take the next one off (``max_consecutive_weekends``) and, after a run of worked days, start
next week with days off (``max_consecutive_days``), so next week may pay at most four weekdays. Planned on its
total alone, week 1 could pay 32 h over Wednesday to Sunday and leave week 2 needing 40 h it cannot work (a
40-agent two-week plan was refused in week 2 that way).

``reach_after`` answers, per end state of this week (the run of days worked at its end, the run of weekends
worked, the weekends worked in the horizon), which totals the later weeks can add up to, by dynamic programming
over their day patterns: each later week's shift options per day (availability, leave, the templates'
weekdays), at most ``max_days_per_week`` days (fewer with leave counted as worked), ``max_consecutive_days``
across the seams, the weekend rules as ``rules.horizon_weekends`` paces them, and the week's paid range
(``weekly_hours.contract_paid_range``). Rules it leaves out (rest, minimum days, leave counted in a run of
worked days) only make a later week reach more, so the answer never refuses a week that could be completed:
it is a superset of what the later weeks can really pay. Totals are sets of paid minutes held as bits of a
Python int on the grid of the templates' paid minutes (``gcd``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce

from scheduler.domain.horizon import NO_CARRY
from scheduler.domain.shifts import free_shift_options
from scheduler.domain.week import Week
from scheduler.rostering.held import held_for
from scheduler.rostering.rules.base import DAYS, AgentWeek
from scheduler.rostering.rules.horizon_weekends import weekend_allowed_after
from scheduler.rostering.rules.weekly_hours import contract_paid_range

# (run of days worked at the week's end, run of weekends worked, weekends worked in the horizon)
EndState = tuple[int, int, int]


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


def end_state(agent: AgentWeek, worked: Iterable[bool]) -> EndState:
    """The state a week worked on the marked days leaves for the next week."""
    days = list(worked)
    carry = agent.config.carry_in
    state = NO_CARRY if carry is None else carry.of(agent.agent.agent_id)
    run = 0
    for day in reversed(days):
        if not day:
            break
        run += 1
    if run == DAYS:
        run += state.worked_run_days
    on_weekend = any(days[d] for d in agent.weekend)
    return (run, state.weekend_run + 1 if on_weekend else 0, state.weekends_worked + on_weekend)


def reach_after(agent: AgentWeek, credited_minutes: int, window: tuple[int, int]) -> Reach:
    """The later weeks' reach per end state of this week; ``window`` the horizon's paid-minute window and
    ``credited_minutes`` what earlier weeks and leave credits already count towards it."""
    config, contract = agent.config, agent.contract
    carry = config.carry_in
    number, weeks = (1, config.weeks) if carry is None else (carry.week_number, carry.weeks)
    later = [Week(agent.week.start + timedelta(days=DAYS * k), config.interval_minutes)
             for k in range(1, weeks - number + 1)]
    day_paid = [[frozenset(o.paid_minutes for o in free_shift_options(config, agent.agent, week, d))
                 for d in range(DAYS)] for week in later]
    grid = reduce(math.gcd, {p for week in day_paid for day in week for p in day} | {contract.max_weekly_minutes},
                  0) or 1
    top = window[1] // grid  # no later total above the window is of use
    # agents alike in what the later weeks offer them share the programme's answers (a 1,000-agent centre has a
    # few contracts and availabilities)
    key = (contract.contract_id, agent.agent.availability, agent.week.start, agent.weekend,
           frozenset(d for d in agent.agent.time_off if later and later[0].start <= d and agent.leave_on(d)), top)
    memo: dict[tuple[int, EndState], int] = held_for(_MEMOS, config, key, dict, 1024)

    def reach(k: int, state: EndState) -> int:
        """Bits of the totals weeks ``k``.. of ``later`` can pay from ``state``."""
        if k == len(later):
            return 1
        if (k, state) in memo:
            return memo[k, state]
        run, weekend_run, weekends = state
        week = later[k]
        leave = sum(1 for d in range(DAYS) if agent.leave_on(week.day(d)))  # counted leave (``leave_counts_on``)
        most_days = (max(0, contract.max_days_per_week - leave) if contract.time_off_counts_as == "worked_day"
                     else contract.max_days_per_week)
        low, high = contract_paid_range(contract, leave)
        weekend_ok = weekend_allowed_after(contract, number + k + 1, weeks, weekend_run, weekends)
        found = 0
        for pattern in range(1 << DAYS):
            days = [bool(pattern >> d & 1) for d in range(DAYS)]
            if (sum(days) > most_days or any(days[d] and not day_paid[k][d] for d in range(DAYS))
                    or not _runs_keep(days, run, contract.max_consecutive_days)
                    or (not weekend_ok and any(days[d] for d in agent.weekend))):
                continue
            totals = _week_totals(tuple(day_paid[k][d] for d in range(DAYS) if days[d]), grid, low, high)
            if not totals:
                continue
            on_weekend = any(days[d] for d in agent.weekend)
            tail = next((DAYS - d - 1 for d in reversed(range(DAYS)) if not days[d]), DAYS)
            nxt = (tail + run if tail == DAYS else tail, weekend_run + 1 if on_weekend else 0, weekends + on_weekend)
            rest = reach(k + 1, nxt)
            found |= _sumset(totals, rest, top)
        memo[k, state] = found
        return found

    state = NO_CARRY if carry is None else carry.of(agent.agent.agent_id)
    ends = {(run, weekend_run, state.weekends_worked + (weekend_run > 0))
            for run in (*range(DAYS), DAYS + state.worked_run_days) for weekend_run in (0, state.weekend_run + 1)}
    return Reach(grid, window[0] - credited_minutes, window[1] - credited_minutes,
                 {end: reach(0, end) for end in ends})


_MEMOS: dict = {}


def _runs_keep(days: list[bool], run_before: int, longest: int) -> bool:
    """Whether no run of worked days (the first one continuing ``run_before``) is longer than ``longest``."""
    run = run_before
    for day in days:
        run = run + 1 if day else 0
        if run > longest:
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
