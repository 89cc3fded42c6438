"""Hard: a floor rule's agents kept for the later weekends (the look-ahead of ``floor_rules`` across the seams).

The horizon is rostered a week at a time. With every other weekend off (``max_consecutive_weekends: 1``, or a
paced ``max_weekends_in_horizon``) and a hard floor rule ("a lead on the floor every open interval"), a week that
puts most leads on its weekend leaves the next weekend too few of them, and the next week has no roster (exit 3).
This rule caps, per hard floor rule and per later weekend of the horizon (and of one ordinary week after it, as
``next_week`` looks at), how many of the rule's *at-risk* agents may work this week's weekend: those who may work
that later weekend if they keep this one off but not if they work it.

For a later weekend ``W`` (of week ``k``) and a rule needing ``N`` of its agents on the floor:

- ``needed``: per day ``D`` of ``W``, the fewest shifts starting on ``D`` that put ``N`` on shift in every open
  interval of the rule on ``D`` that a shift of ``D`` can reach and the day before's shifts cannot (the union of
  the agents' candidate shifts on ``D``; a greedy interval multi-cover, exact for intervals: the leftmost interval
  short is covered by the shifts reaching furthest right), and at least those intervals times ``N`` over the most
  of them one shift can be on the floor in (its span's, less its breaks' whole intervals); then the most of those
  over the days, and their sum over the most weekend days one of the rule's agents may work
  (``max_weekend_days``), rounded up;
- ``kept``: the rule's agents with a candidate shift on ``W`` (availability, leave, templates) who may work it
  whatever this week does, or who cannot work this week's weekend anyway;
- ``at risk``: the others with a candidate on ``W`` who may work it only if this week's weekend is kept off.

Then at most ``kept + at_risk - needed`` of the at-risk agents may work this weekend.

Why it never refuses a week that could be completed. Take a real completion: this week and later weeks each keeping
every hard rule. On each day ``D`` of ``W`` its roster keeps the rule with shifts starting on ``D`` in the intervals
only they reach, one shift an agent a day, so at least ``shifts(D)`` of the rule's agents work ``D`` (being on the
floor implies being on shift, no shift is on the floor in more intervals than its span less its breaks, and the
union of everyone's candidates needs no more shifts than the real agents'); each works at most ``max_weekend_days``
days of ``W``, so at least ``needed`` distinct agents work ``W``. Each of them has a candidate on ``W`` and works
week ``k``'s weekend after this week's real choice, which the weekend rules
(``horizon_weekends.weekend_allowed_after``, the same pacing week by week, with any choice of the weeks in between)
then allow: it is kept, or at risk and off this weekend. So ``needed <= kept + (at risk and off)``, which is the
cap. The rules left out (days in a row, hours, rest, the other later weekends) only let more agents count. A cap
below zero (``W`` cannot be kept whatever this week does) adds nothing: that week says so itself; nor does a cap
below the at-risk agents a re-plan pins to this weekend (planned as before, as ``next_week`` does), nor one for the
ordinary week after the plan that this week's own weekend cannot keep together with it (the plan ends before that
week; inside the horizon the pre-check ``conflicts`` says so before solving). ``tests/test_floor_weekends.py``
checks the argument by brute force over random small horizons.

Faces: ``floor_rules`` asks ``caps`` in its CP-SAT build (a cardinality constraint on the at-risk agents' "works
this weekend" literals; elastic in a neighbourhood, with the others' count as a constant), in ``FloorState`` (the
local search's count of at-risk agents on the weekend, a move over a cap paid at ``HARD_WEIGHT``), in its costs,
its repair's short counts and its exit-3 lines (``over``, ``describe``), and in its pre-check (``conflicts``).
Every face reads "works this weekend" the one way the weekend rules and the validator do: a shift starting on the
week's Saturday or Sunday (``working``; ``FloorState`` is told each shift's start day), not its slots on the floor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

import numpy as np
from ortools.sat.python import cp_model

from scheduler.domain.horizon import NO_CARRY
from scheduler.domain.plan import MINUTES_PER_DAY, WEEKEND_WEEKDAYS, Agent, Contract, PlanConfig
from scheduler.domain.roster import ShiftAssignment
from scheduler.domain.shifts import ShiftOption, free_shift_options, shift_options
from scheduler.domain.week import Week
from scheduler.rostering.held import held_for
from scheduler.rostering.rules.base import agent_week
from scheduler.rostering.rules.horizon_weekends import weekend_allowed, weekend_allowed_after

DAYS = 7


@dataclass(frozen=True)
class WeekendCap:
    """At most ``cap`` of ``agent_ids`` may work this week's weekend, or the later weekend is left without
    ``needed`` of the rule's agents."""

    key: str  # the floor rule's key path, "floor_rules[0] lead_on_floor"
    later: str  # the later weekend, "the weekend of Sat 2026-04-11"
    agent_ids: tuple[str, ...]  # the at-risk agents (sorted)
    cap: int
    needed: int  # shifts the later day needs of the rule's agents, at least
    kept: int  # of the rule's agents, those the later day keeps whatever this week does
    keys: str  # the at-risk agents' weekend keys, "max_consecutive_weekends 1, max_weekend_days 1"

    def over(self, working: int) -> int:
        """How far ``working`` at-risk agents on this weekend are over the cap."""
        return max(0, working - self.cap)


# (key, members, needed per interval, the rule's open week slots of a week) of each hard floor rule
RuleSlots = tuple[str, tuple[str, ...], int, Callable[[Week], Sequence[int]]]


def caps(config: PlanConfig, week: Week, rules: Callable[[], Sequence[RuleSlots]]) -> tuple[WeekendCap, ...]:
    """This week's caps (none without a weekend rule on a floor rule's agents); computed once per config and week.
    ``rules()`` gives the hard floor rules (``floor_rules`` passes its own)."""
    return held_for(_CAPS, config, week.start, lambda: _caps(config, week, rules()), 64)


_CAPS: dict = {}


def _paced(contract: Contract) -> bool:
    return contract.max_consecutive_weekends is not None or contract.max_weekends_in_horizon is not None


def _keys(config: PlanConfig, agents: Sequence[Agent]) -> str:
    """The weekend keys the agents' contracts set (``max_weekend_days`` where below both days); with several
    contracts, each named, in the config's order."""
    contracts = [c for c in config.contracts if any(a.contract_id == c.contract_id for a in agents)]
    keys = [", ".join(f"{k} {v}" for k, v in (
        ("max_consecutive_weekends", c.max_consecutive_weekends),
        ("max_weekends_in_horizon", c.max_weekends_in_horizon),
        ("max_weekend_days", c.max_weekend_days if c.max_weekend_days < 2 else None)) if v is not None)
        for c in contracts]
    if len(contracts) == 1:
        return keys[0]
    return "; ".join(f"contract {c.contract_id}: {k}" for c, k in zip(contracts, keys, strict=True))


def _caps(config: PlanConfig, week: Week, rules: Sequence[RuleSlots]) -> tuple[WeekendCap, ...]:
    by_id = {a.agent_id: a for a in config.agents}
    carry = config.carry_in
    number, weeks = (1, config.weeks) if carry is None else (carry.week_number, carry.weeks)
    found: dict[tuple[str, tuple[str, ...]], WeekendCap] = {}
    for key, members, per_interval, slots_of in rules:
        agents = [by_id[m] for m in members if m in by_id]
        if not any(_paced(config.contract(a.contract_id)) for a in agents):
            continue
        this_weekend = {a.agent_id for a in agents if _can_work_weekend(config, week, a)}
        needed_now = _weekend_needed(config, week, agents, set(slots_of(week)), per_interval, False)
        pinned = {a.agent_id for a in agents
                  if any(agent_week(config, week, a).must_work[d] for d in weekend_days(week))}
        for offset in range(1, weeks - number + 2):  # the later weeks, then the ordinary week after the horizon
            ordinary = offset == weeks - number + 1
            later = Week(week.start + timedelta(days=DAYS * offset), config.interval_minutes)
            open_slots = set(slots_of(later))
            days = weekend_days(later)
            needed = _weekend_needed(config, later, agents, open_slots, per_interval, ordinary)
            if needed == 0:
                continue
            able = [a for a in agents if any(_options(config, a, later, day, ordinary) for day in days)]
            risk = sorted(a.agent_id for a in able if a.agent_id in this_weekend
                          and not _later_allowed(config, a, number, weeks, offset, True)
                          and _later_allowed(config, a, number, weeks, offset, False))
            kept = sum(1 for a in able if a.agent_id not in risk and (
                a.agent_id not in this_weekend or _later_allowed(config, a, number, weeks, offset, True)))
            cap = kept + len(risk) - needed
            if not risk or cap < 0 or cap >= len(risk) or cap < sum(a in pinned for a in risk):
                continue
            if ordinary and len(this_weekend) - len(risk) + cap < needed_now:
                continue  # this weekend and the ordinary week's cannot both be kept: not this plan's to refuse
            held = found.get((key, tuple(risk)))
            if held is None or cap < held.cap:
                found[key, tuple(risk)] = WeekendCap(key, f"the weekend of {later.day(days[0]):%a %Y-%m-%d}",
                                                     tuple(risk), cap, needed, kept,
                                                     _keys(config, [by_id[a] for a in risk]))
    return tuple(found.values())


def conflicts(config: PlanConfig, week: Week, rules: Callable[[], Sequence[RuleSlots]]) -> list[str]:
    """The pre-check: per cap, whether this week's own weekend needs more of the rule's agents than the cap leaves
    it (those free to work it, and at most ``cap`` of the at-risk ones): then no week keeps both."""
    lines = []
    by_key = {rule[0]: rule for rule in rules()}
    for cap in caps(config, week, rules):
        key, members, per_interval, slots_of = by_key[cap.key]
        agents = [a for a in config.agents if a.agent_id in set(members)]
        free = sum(1 for a in agents if _can_work_weekend(config, week, a) and a.agent_id not in cap.agent_ids)
        needed = _weekend_needed(config, week, agents, set(slots_of(week)), per_interval, False)
        if free + cap.cap < needed:
            lines.append(f"{key} needs {needed} of its agents on this weekend, but at most {free + cap.cap} may work "
                         f"it and leave {cap.later} the {cap.needed} it needs ({free} free to, and {cap.cap} of the "
                         f"{len(cap.agent_ids)} whom it would keep off that weekend: {cap.keys}); add agents the rule "
                         "counts or relax the rule or those keys")
    return lines


def _weekend_needed(config: PlanConfig, week: Week, agents: Sequence[Agent], open_slots: set[int], per_interval: int,
                    ordinary: bool) -> int:
    """At least how many of the agents work the week's weekend if the rule is kept on it (``_fewest_shifts`` per
    day; each agent on at most the most ``max_weekend_days`` of them)."""
    most = max([1, *(min(2, config.contract(a.contract_id).max_weekend_days) for a in agents)])
    shifts = [_fewest_shifts(config, week, day, agents, open_slots, per_interval, ordinary)
              for day in weekend_days(week)]
    return max([*shifts, -(-sum(shifts) // most)]) if shifts else 0


def _options(config: PlanConfig, agent: Agent, week: Week, day: int, ordinary: bool) -> tuple[ShiftOption, ...]:
    """The agent's candidates that day of a later week (the ordinary week: no leave, as ``next_week`` has it)."""
    return free_shift_options(config, replace(agent, time_off=frozenset()) if ordinary else agent, week, day)


def _can_work_weekend(config: PlanConfig, week: Week, agent: Agent) -> bool:
    """Whether the agent has a candidate on this weekend and the weeks before let it work it."""
    return any(shift_options(config, agent, week, d) for d in weekend_days(week)) and weekend_allowed(
        agent_week(config, week, agent))


def weekend_days(week: Week) -> tuple[int, ...]:
    """The week's day indices of Saturday and Sunday."""
    return tuple(d for d in range(DAYS) if week.day(d).weekday() in WEEKEND_WEEKDAYS)


def _later_allowed(config: PlanConfig, agent: Agent, number: int, weeks: int, offset: int, works_now: bool) -> bool:
    """Whether, after this week (week ``number`` of ``weeks``) works its weekend or not, the weekend rules let the
    agent work the weekend ``offset`` weeks later by some choice of the weekends between (past the horizon's last
    week, the ordinary week: the first week of a new horizon, as ``week_patterns`` has it)."""
    contract = config.contract(agent.contract_id)
    carry = config.carry_in
    state = NO_CARRY if carry is None else carry.of(agent.agent_id)
    run, worked = (state.weekend_run + 1, state.weekends_worked + 1) if works_now else (0, state.weekends_worked)
    states = {(run, worked)}
    for between in range(number + 1, number + offset):
        states = {(0, w) for _, w in states} | {(r + 1, w + 1) for r, w in states
                                                 if weekend_allowed_after(contract, between, weeks, r, w)}
    target = number + offset
    if target > weeks:
        return any(weekend_allowed_after(contract, 1, 1, r, 0) for r, _ in states)
    return any(weekend_allowed_after(contract, target, weeks, r, w) for r, w in states)


def _fewest_shifts(config: PlanConfig, week: Week, day: int, agents: Sequence[Agent], open_slots: set[int],
                   per_interval: int, ordinary: bool) -> int:
    """At least how many shifts starting on ``day`` (of the agents' candidates) put ``per_interval`` on the floor in
    every open slot of that day which they reach and the day before's candidates do not: the fewest that put them
    on shift there (the greedy multi-cover), and no fewer than those slots' agent-slots over the most on-floor
    slots one shift has there (its span's, less its breaks' whole slots)."""
    options = {o for a in agents for o in _options(config, a, week, day, ordinary)}
    spans = {(week.slot(day, o.start_minute), week.slot(day, o.end_minute)) for o in options}
    before = 0
    if day > 0:
        before = max((week.slot(day - 1, o.end_minute) for a in agents
                      for o in _options(config, a, week, day - 1, ordinary)
                      if o.end_minute > MINUTES_PER_DAY), default=0)
    first, last = week.slot(day, 0), week.slot(day + 1, 0)
    targets = sorted(s for s in open_slots if first <= s < last and s >= before
                     and any(a <= s < b for a, b in spans))
    cover = dict.fromkeys(targets, 0)
    shifts = 0
    for slot in targets:
        short = per_interval - cover[slot]
        if short <= 0:
            continue
        end = max(b for a, b in spans if a <= slot < b)
        for other in targets:
            if slot <= other < end:
                cover[other] += short
        shifts += short
    if not targets:
        return 0
    columns = tuple(sorted({(week.slot(day, o.start_minute), week.slot(day, o.end_minute), tuple(
        tuple(sorted({(week.slot(day, o.start_minute + m), week.slot(day, o.start_minute + m + r.minutes))
                      for m in range(r.earliest_after_start_minutes, r.latest_after_start_minutes + 1)}))
        for r in o.template.breaks)) for o in options}))
    return max(shifts, _on_floor_shifts(columns, tuple(targets), per_interval))


def _on_floor_shifts(columns: tuple[tuple[int, int, tuple[tuple[tuple[int, int], ...], ...]], ...],
                     targets: tuple[int, ...], per_interval: int) -> int:
    """A lower bound on the shifts that put ``per_interval`` on the floor in every one of ``targets``: a small
    integer programme over ``columns`` (each candidate's slots ``[first, end)`` and, per break, the slot ranges
    ``[a, b)`` it may take off the floor, any minute of its window), counting shifts per column and per break
    range; breaks may overlap and ignore their gaps, which only lowers the answer. The best bound CP-SAT proves
    within a small deterministic budget (the optimum when it finishes). Held per content: the centres' days
    repeat."""
    key = (columns, targets, per_interval)
    held = _ON_FLOOR.get(key)
    if held is None:
        held = _solve_on_floor(columns, targets, per_interval)
        if len(_ON_FLOOR) > 4096:
            _ON_FLOOR.clear()
        _ON_FLOOR[key] = held
    return held


_ON_FLOOR: dict = {}
# Deterministic work (CP-SAT's units) per day's programme; a programme cut short answers its proven bound.
ON_FLOOR_WORK = 0.5


def _solve_on_floor(columns: tuple[tuple[int, int, tuple[tuple[tuple[int, int], ...], ...]], ...],
                    targets: tuple[int, ...], per_interval: int) -> int:
    model = cp_model.CpModel()
    top = per_interval * len(targets)
    floor: dict[int, list[tuple[cp_model.IntVar, int]]] = {t: [] for t in targets}
    counts = []
    for c, (first, end, breaks) in enumerate(columns):
        inside = [t for t in targets if first <= t < end]
        if not inside:
            continue
        count = model.new_int_var(0, top, f"shifts_{c}")
        counts.append(count)
        for t in inside:
            floor[t].append((count, 1))
        for k, ranges in enumerate(breaks):
            placed = []
            anywhere = False  # whether some place of the break leaves every target on the floor
            for r, (a, b) in enumerate(ranges):
                off = [t for t in inside if a <= t < b]
                if not off:
                    anywhere = True
                    continue
                var = model.new_int_var(0, top, f"break_{c}_{k}_{r}")
                placed.append(var)
                for t in off:
                    floor[t].append((var, -1))
            if anywhere:
                model.add(cp_model.LinearExpr.sum(placed) <= count)
            else:
                model.add(cp_model.LinearExpr.sum(placed) == count)  # each shift takes the break somewhere
    for t in targets:
        model.add(cp_model.LinearExpr.weighted_sum([v for v, _ in floor[t]], [k for _, k in floor[t]])
                  >= per_interval)
    model.minimize(cp_model.LinearExpr.sum(counts))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = ON_FLOOR_WORK
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return top + 1  # no shifts of the day keep the rule there: more than any roster has
    if status == cp_model.OPTIMAL:
        return round(solver.objective_value)
    return max(0, math.ceil(solver.best_objective_bound - 1e-6))


def weekend_mask(config: PlanConfig, week: Week) -> np.ndarray:
    """Per week slot, whether it lies on this week's weekend past the reach of a weekday's night shifts: where the
    local search looks when a cap is broken and the slots the agent-by-agent start values down once a cap is full
    (guidance only; whether an agent works the weekend is ``working``'s, by the shifts' start days)."""
    mask = np.zeros(week.slot_count, dtype=bool)
    for day in weekend_days(week):
        before = (week.day(day).weekday() - 1) % 7
        reach = 0 if before in WEEKEND_WEEKDAYS else max(
            (t.last_end_minute - MINUTES_PER_DAY for t in config.templates
             if before in t.weekdays and t.last_end_minute > MINUTES_PER_DAY), default=0)
        mask[week.slot(day, reach):week.slot(day + 1, 0)] = True
    return mask


def working(week: Week, shifts: Iterable[ShiftAssignment]) -> set[str]:
    """The agents of ``shifts`` who work this week's weekend: a shift starting on its Saturday or Sunday. A shift
    belongs to the day it starts on, as for ``max_weekend_days``, ``horizon_weekends``, the carry-in, the
    validator and the caps' CP-SAT literals: a Friday night reaching Saturday is Friday's, a Saturday shift
    inside that reach or wholly off the floor is Saturday's."""
    days = {week.day(d) for d in weekend_days(week)}
    return {s.agent_id for s in shifts if s.date in days}


def weekend_shifts(week: Week, shifts: Iterable[ShiftAssignment]) -> int:
    """How many of ``shifts`` start on this week's weekend (what ``FloorState`` counts per agent)."""
    days = {week.day(d) for d in weekend_days(week)}
    return sum(1 for s in shifts if s.date in days)


def over(found: Sequence[WeekendCap], on_weekend: set[str]) -> list[tuple[WeekendCap, int]]:
    """The caps ``on_weekend`` (the agents working this weekend) break, each with how many of its agents work."""
    counted = [(cap, sum(1 for a in cap.agent_ids if a in on_weekend)) for cap in found]
    return [(cap, n) for cap, n in counted if cap.over(n)]


def describe(cap: WeekendCap, working_count: int) -> str:
    """One exit-3 line: which cap and why."""
    return (f"{cap.key}: {working_count} of its agents work this weekend who could not then work {cap.later}, "
            f"which needs {cap.needed} of them and keeps {cap.kept} whatever this week does; at most {cap.cap} may "
            f"({cap.keys})")
