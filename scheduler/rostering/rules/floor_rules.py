"""Who is on the floor: ``floor_rules[]`` (at least N agents of a level or above, or of a list, on the floor)
and ``ratio_rules[]`` (at most K juniors per senior on the floor), in every interval in which the centre, or
one of the rule's queues, is open. Hard, or soft with a weight per agent-interval short.

Both are one linear count per rule and interval: ``sum_a coefficient[a] * on_floor[a, slot] >= needed``
(``FloorCount``): a floor rule counts its agents (coefficient 1) against N; a ratio rule counts each senior
as K and each junior as -1 against 0. The shortfall ``max(0, needed - count)`` is what a soft rule pays for.

A centre-wide rule (no one agent's week breaks it alone). Its faces:

- ``build``: in a model of every agent, a hard rule is a constraint per interval; in a neighbourhood model
  (some agents, the others' counts given as constants by ``RosterModel.fixed_floor_counts``) a hard rule is
  elastic, its shortfall paid at ``HARD_WEIGHT`` (a neighbourhood cannot always repair what the others break);
  a neighbourhood without those constants leaves the rule out (it cannot count it);
- ``FloorState``: the fast count the local search keeps and scores one agent's move with (vectorised);
- ``shortfall`` / ``costs``: a roster's shortfall per rule and interval, and its objective terms;
- ``short_hard_counts``: the hard rules a roster breaks and where, for the repair of a rounded start
  (``search.floor_repair``: CP-SAT on the rule's agents);
- ``reachable_conflicts``: the pre-check, per hard floor rule, of intervals where too few of its agents could
  be on the floor at all;
- ``presence_rows`` / ``signature``: its rows in the aggregate LP (``search.lower_bound``): per hard floor
  rule and interval, at least N of its agents on shift (being on the floor implies being on shift, so every
  roster keeping the rule keeps the row and the bound stays proven; agent classes are split by the rules that
  count them). Ratio and soft rules add no rows, which only widens the relaxation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from scheduler.domain.plan import MINUTES_PER_DAY, Agent, FloorRule, PlanConfig
from scheduler.domain.roster import ActivityAssignment, BreakAssignment, Roster, ShiftAssignment
from scheduler.domain.shifts import previous_night_minutes, shift_options
from scheduler.domain.week import Week
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules import carry_days, floor_weekends, horizon_weekends
from scheduler.rostering.rules.base import LabourRule, agent_week

# Penalty per agent-interval short of a hard rule wherever the search meets it elastically (local search,
# neighbourhoods, rosters compared): a thousand under-staffed agent-intervals at the default weights, so no
# cover gain pays for it. A returned roster keeps every hard rule, so this never appears in its objective.
HARD_WEIGHT = 1_000_000
HARD_TERM, SOFT_TERM = "floor_rules_hard", "floor_rules"


@dataclass(frozen=True)
class FloorCount:
    """One rule as a count: ``sum_a coefficients[a] * on_floor[a, slot] >= needed`` in each of ``slots``."""

    key: str  # "floor_rules[0] lead_on_floor", the key path a planner changes
    coefficients: tuple[tuple[str, int], ...]  # (agent_id, coefficient)
    needed: int
    slots: tuple[int, ...]  # week slots in which the rule holds
    hard: bool
    weight: int  # per agent-interval short (soft rules)

    def coefficient(self, agent_id: str) -> int:
        return dict(self.coefficients).get(agent_id, 0)


def active(config: PlanConfig) -> bool:
    """Whether the config has any floor or ratio rule."""
    return bool(config.floor_rules or config.ratio_rules)


def open_slots(config: PlanConfig, week: Week, queue_ids: Sequence[str]) -> tuple[int, ...]:
    """Week slots in which the centre (``queue_ids`` empty) or any of the queues is open, but for the first day's
    slots that only the previous week's night shifts reach (``previous_night_minutes``; ``first_hours`` counts
    them when the shifts before the week are known)."""
    carried = week.slot(0, previous_night_minutes(config, week))
    return tuple(sorted(s for s in _opened(config, week, queue_ids) if s >= carried))


def _opened(config: PlanConfig, week: Week, queue_ids: Sequence[str]) -> set[int]:
    hours = [config.opening_hours] if not queue_ids else [config.queue(q).opening_hours for q in queue_ids]
    slots: set[int] = set()
    for day in range(7):
        weekday = week.day(day).weekday()
        for opening in hours:
            window = opening.window(weekday)
            if window is not None:
                slots.update(range(week.slot(day, window.start_minute),
                                   week.slot(day, min(window.end_minute, MINUTES_PER_DAY))))
    return slots


def first_hours(config: PlanConfig, week: Week, key: str, members: Sequence[str],
                rule: FloorRule) -> tuple[FloorCount, ...]:
    """The floor rule in the week's first hours (which ``open_slots`` leaves to the week before) when the shifts
    before the week are known (``CarryIn.shifts_known``: a later week of ``--weeks``, or ``--previous``): the
    members those shifts leave on the floor there (``AgentCarry.floor_slots``: a lead on Sunday night, off the
    floor in its breaks) count, and the week's own shifts make up the rest in the open slots that a template of a
    member's contract running on the first day spans (its earliest start to its latest end). Where none does, the
    hours stay the week before's: nothing of this week can be there. One count per number still needed (a count
    has one ``needed``), keyed ``KEY (first hours, N more than the shifts before)``; none where the carried members
    suffice."""
    carry = config.carry_in
    first = week.slot(0, previous_night_minutes(config, week))
    if carry is None or not carry.shifts_known or not first:
        return ()
    carried = np.zeros(first, dtype=np.int64)
    for member in members:
        for slot in carry.of(member).floor_slots:
            if slot < first:
                carried[slot] += 1
    by_id = {a.agent_id: a for a in config.agents}
    allowed = {t for m in members if m in by_id for t in config.contract(by_id[m].contract_id).template_ids}
    weekday = week.day(0).weekday()
    reach = np.zeros(first, dtype=bool)
    for template in config.templates:
        if template.template_id in allowed and weekday in template.weekdays:
            reach[week.slot(0, template.earliest_start_minute):week.slot(0, template.last_end_minute)] = True
    needs: dict[int, list[int]] = {}
    for slot in sorted(s for s in _opened(config, week, rule.queue_ids) if s < first):
        need = rule.min_agents - int(carried[slot])
        if need > 0 and reach[slot]:
            needs.setdefault(need, []).append(slot)
    coefficients = tuple((m, 1) for m in sorted(members))
    return tuple(FloorCount(f"{key} (first hours, {need} more than the shifts before)", coefficients, need,
                            tuple(slots), rule.hard, rule.weight) for need, slots in sorted(needs.items()))


def _members(config: PlanConfig, rule: FloorRule) -> list[str]:
    if rule.level is not None:
        least = config.level_rank(rule.level)
        return [a.agent_id for a in config.agents if a.level is not None and config.level_rank(a.level) >= least]
    return list(rule.agent_ids)


def floor_counts(config: PlanConfig, week: Week) -> tuple[FloorCount, ...]:
    """Every floor and ratio rule of the config as a count."""
    counts = []
    for index, rule in enumerate(config.floor_rules):
        members = _members(config, rule)
        key = f"floor_rules[{index}] {rule.rule_id}"
        counts.append(FloorCount(key, tuple((m, 1) for m in sorted(members)), rule.min_agents,
                                 open_slots(config, week, rule.queue_ids), rule.hard, rule.weight))
        counts.extend(first_hours(config, week, key, members, rule))
    for index, ratio in enumerate(config.ratio_rules):
        junior, senior = config.level_rank(ratio.junior_level), config.level_rank(ratio.senior_level)
        coefficients = []
        for agent in sorted(config.agents, key=lambda a: a.agent_id):
            rank = config.level_rank(agent.level)
            if rank >= senior and agent.level is not None:
                coefficients.append((agent.agent_id, ratio.max_per_senior))
            elif rank <= junior:
                coefficients.append((agent.agent_id, -1))
        counts.append(FloorCount(f"ratio_rules[{index}] {ratio.rule_id}", tuple(coefficients), 0,
                                 open_slots(config, week, ratio.queue_ids), ratio.hard, ratio.weight))
    return tuple(counts)


def weekend_caps(config: PlanConfig, week: Week) -> tuple[floor_weekends.WeekendCap, ...]:
    """The hard floor rules' caps on their agents working this weekend, so that the later weekends keep enough of
    them (``floor_weekends``)."""
    return floor_weekends.caps(config, week, lambda: _hard_rules(config))


def _hard_rules(config: PlanConfig) -> list[floor_weekends.RuleSlots]:
    """The hard floor rules as ``floor_weekends`` reads them: key, agents, agents needed, open slots of a week."""
    def slots_of(queue_ids: Sequence[str]) -> Callable[[Week], Sequence[int]]:
        return lambda later: open_slots(config, later, queue_ids)

    return [(f"floor_rules[{index}] {rule.rule_id}", tuple(sorted(_members(config, rule))), rule.min_agents,
             slots_of(rule.queue_ids)) for index, rule in enumerate(config.floor_rules) if rule.hard]


def _cap_key(index: int) -> str:
    return f"weekend_cap[{index}]"


def presence_rows(config: PlanConfig, week: Week) -> tuple[FloorCount, ...]:
    """The rules the aggregate LP holds as shift-presence rows: the hard floor rules (no negative coefficient)."""
    return tuple(c for c in floor_counts(config, week) if c.hard and all(k >= 0 for _, k in c.coefficients))


def signature(counts: Sequence[FloorCount], agent_id: str) -> tuple[int, ...]:
    """The agent's coefficient in each of ``counts``: agents of one LP class must share it."""
    return tuple(c.coefficient(agent_id) for c in counts)


def totals(count: FloorCount, on_floor: Mapping[str, np.ndarray], slot_count: int) -> np.ndarray:
    """The rule's count per week slot, from each agent's on-floor row (agents missing count 0)."""
    total = np.zeros(slot_count, dtype=np.int64)
    for agent_id, coefficient in count.coefficients:
        if agent_id in on_floor:
            total += coefficient * on_floor[agent_id]
    return total


def shortfall(count: FloorCount, on_floor: Mapping[str, np.ndarray], slot_count: int) -> np.ndarray:
    """Per week slot, how far the count falls short of the rule (0 outside its slots)."""
    short = np.zeros(slot_count, dtype=np.int64)
    slots = np.array(count.slots, dtype=np.int64)
    if len(slots):
        short[slots] = np.maximum(count.needed - totals(count, on_floor, slot_count)[slots], 0)
    return short


def short_hard_counts(config: PlanConfig, week: Week, on_floor: Mapping[str, np.ndarray],
                      shifts: Iterable[ShiftAssignment]) -> list[tuple[FloorCount, np.ndarray]]:
    """The hard rules whose count falls short with ``on_floor`` (each agent's on-floor row; ``shifts`` the roster
    they come from, whose start days say who works the weekend), each with its short week slots (sorted): what a
    repair must cover (``search.floor_repair``)."""
    found = []
    for count in floor_counts(config, week):
        if count.hard:
            short = np.flatnonzero(shortfall(count, on_floor, week.slot_count))
            if len(short):
                found.append((count, short))
    caps = weekend_caps(config, week)
    if caps:
        weekend_dates = {week.day(d) for d in floor_weekends.weekend_days(week)}
        weekend = [s for s in shifts if s.date in weekend_dates]
        on_weekend = floor_weekends.working(week, weekend)
        for cap, _working in floor_weekends.over(caps, on_weekend):
            # the cap as a count of its at-risk agents, short on the slots of the weekend days they work
            days = sorted({week.day_index(s.date) for s in weekend if s.agent_id in cap.agent_ids})
            slots = np.concatenate([np.arange(week.slot(d, 0), week.slot(d + 1, 0)) for d in days])
            found.append((FloorCount(cap.key, tuple((a, 1) for a in cap.agent_ids), 0, tuple(slots.tolist()), True,
                                     0), slots))
    return found


def weekend_over(config: PlanConfig, week: Week, shifts: Iterable[ShiftAssignment]) -> list[tuple[
        floor_weekends.WeekendCap, int]]:
    """The weekend caps (``weekend_caps``) the roster's ``shifts`` break, each with how many of its agents work
    the weekend (a shift starting on its Saturday or Sunday: ``floor_weekends.working``)."""
    caps = weekend_caps(config, week)
    return floor_weekends.over(caps, floor_weekends.working(week, shifts)) if caps else []


def on_floor_by_agent(week: Week, roster: Roster) -> dict[str, np.ndarray]:
    """Each agent's on-floor row (1 where on shift and not on break or at an activity), per week slot."""
    rows: dict[str, np.ndarray] = {}
    for shift in roster.shifts:
        day = week.day_index(shift.date)
        row = rows.setdefault(shift.agent_id, np.zeros(week.slot_count, dtype=np.int64))
        row[week.slot(day, shift.start_minute):week.slot(day, shift.end_minute)] += 1
        off_floor: tuple[BreakAssignment | ActivityAssignment, ...] = (*shift.breaks, *shift.activities)
        for segment in off_floor:
            row[week.slot(day, segment.start_minute):week.slot(day, segment.start_minute + segment.minutes)] -= 1
    return rows


def costs(config: PlanConfig, week: Week, roster: Roster) -> tuple[tuple[str, float, str, int], ...]:
    """The roster's objective terms of these rules as ``(rule, amount, unit, weight)``: the weighted shortfall
    of the soft rules, and the shortfall of the hard ones (at ``HARD_WEIGHT``); none without rules."""
    counts = floor_counts(config, week)
    if not counts:
        return ()
    on_floor = on_floor_by_agent(week, roster)
    hard = sum(int(shortfall(c, on_floor, week.slot_count).sum()) for c in counts if c.hard) + sum(
        cap.over(n) for cap, n in weekend_over(config, week, roster.shifts))
    soft = sum(c.weight * int(shortfall(c, on_floor, week.slot_count).sum()) for c in counts if not c.hard)
    terms = []
    if any(c.hard for c in counts):
        terms.append((HARD_TERM, float(hard), "agent-interval", HARD_WEIGHT))
    if any(not c.hard for c in counts):
        terms.append((SOFT_TERM, float(soft), "weighted agent-interval", 1))
    return tuple(terms)


def broken(config: PlanConfig, week: Week, roster: Roster) -> list[str]:
    """One line per hard rule the roster breaks, naming the intervals short (the first few)."""
    on_floor = on_floor_by_agent(week, roster)
    lines = []
    for count in floor_counts(config, week):
        short = shortfall(count, on_floor, week.slot_count) if count.hard else np.zeros(0)
        if short.any():
            slots = np.flatnonzero(short).tolist()
            seam = _seam(config, week, count, slots)
            lines.append(f"{count.key}: {describe_slots(week, slots)} short of the rule{seam}")
    lines.extend(floor_weekends.describe(cap, n) for cap, n in weekend_over(config, week, roster.shifts))
    return lines


def _seam(config: PlanConfig, week: Week, count: FloorCount, slots: Sequence[int]) -> str:
    """Where the weeks before bar some of the rule's agents on the short days (a weekend after a weekend worked,
    days off finishing a run), how many: the rolling horizon plans each week alone and does not pace them (week 1
    putting every lead on its weekend leaves week 2's weekend too few)."""
    if config.carry_in is None:
        return ""
    days = {int(s) // week.slots_per_day for s in slots}
    by_id = {a.agent_id: a for a in config.agents}
    members = [a for a, k in count.coefficients if k > 0 and a in by_id]
    barred = [a for a in members if _barred_days(config, week, by_id[a]) & days]
    if not barred:
        return ""
    return (f"; the weeks before leave {len(barred)} of its {len(members)} agents off on those days (a weekend "
            "after a weekend worked, days off finishing a run), which a week planned alone does not pace")


def describe_slots(week: Week, slots: Sequence[int], shown: int = 3) -> str:
    """``"4 intervals (Mon 2026-03-30 07:00, Mon 2026-03-30 07:15, ...)"``."""
    names = [f"{week.slot_start(s):%a %Y-%m-%d %H:%M}" for s in slots[:shown]]
    more = ", ..." if len(slots) > shown else ""
    return f"{len(slots)} interval{'s' if len(slots) != 1 else ''} ({', '.join(names)}{more})"


def reachable_conflicts(config: PlanConfig, week: Week) -> list[str]:
    """Per hard floor rule (non-negative counts), the intervals where even every one of its agents who has a
    candidate shift covering the interval would be too few: no roster can keep the rule there."""
    from scheduler.diagnose.prechecks import days_no_week_works  # the exact day-pattern check (imports the rules)
    lines = []
    for count in floor_counts(config, week):
        if not count.hard or any(c < 0 for _, c in count.coefficients):
            continue
        reach = np.zeros(week.slot_count, dtype=np.int64)
        by_id = {a.agent_id: a for a in config.agents}
        barred_any: set[int] = set()  # days the weeks before bar some of the rule's agents
        closed_by: dict[int, list[str]] = {}  # per day, the day rules that close it to some of the rule's agents
        for agent_id, coefficient in count.coefficients:
            row = np.zeros(week.slot_count, dtype=bool)
            barred = _barred_days(config, week, by_id[agent_id])
            barred_any |= barred
            closed, blame = days_no_week_works(config, week, by_id[agent_id])
            for day in closed:
                named = closed_by.setdefault(day, [])
                text = f"contract {config.contract(by_id[agent_id].contract_id).contract_id}: {blame}"
                if text not in named:
                    named.append(text)
            for day in range(7):
                if day in barred or day in closed:
                    continue
                for option in shift_options(config, by_id[agent_id], week, day):
                    row[week.slot(day, option.start_minute):week.slot(day, option.end_minute)] = True
            reach += coefficient * row
        slots = [s for s in count.slots if reach[s] < count.needed]
        if slots:
            # the weeks before are named only where they bar one of the rule's agents on a short day
            short_days = sorted({int(s) // week.slots_per_day for s in slots})
            before = WEEKS_BEFORE if any(d in barred_any for d in short_days) else ""
            rules = [text for d in short_days for text in closed_by.get(d, [])]
            days_rules = (f"; on {', '.join(f'{week.day(d):%a}' for d in short_days if d in closed_by)} the day "
                          f"rules leave some of them no week that works it ({'; '.join(dict.fromkeys(rules))})"
                          ) if rules else ""
            lines.append(f"{count.key} needs {count.needed} of its agents on the floor in every open interval, but "
                         f"in {describe_slots(week, slots)} fewer of them could work at all (availability, time "
                         f"off, shift templates{before}){days_rules}; add such agents or relax the rule")
    return lines + floor_weekends.conflicts(config, week, lambda: _hard_rules(config))


WEEKS_BEFORE = ", the weekends and days off the weeks before leave them"


def _barred_days(config: PlanConfig, week: Week, agent: Agent) -> set[int]:
    """Days the weeks before bar the agent from whatever else the week holds: a weekend after as many weekends
    worked in a row as the contract allows (``horizon_weekends``), and the first days that finish a run of days
    off (``carry_days``). Empty without a carry-in."""
    if config.carry_in is None:
        return set()
    facts = agent_week(config, week, agent)
    barred = set(range(carry_days.days_kept_off(facts)))
    if not horizon_weekends.weekend_allowed(facts):
        barred.update(facts.weekend)
    return barred


class FloorState:
    """Each rule's count per week slot for the local search, kept up to date one shift at a time, and the
    penalty change of a move (hard rules at ``HARD_WEIGHT``)."""

    def __init__(self, config: PlanConfig, week: Week) -> None:
        self.counts = floor_counts(config, week)
        self.total = np.zeros((len(self.counts), week.slot_count), dtype=np.int64)
        self.needed = np.full((len(self.counts), week.slot_count), np.iinfo(np.int32).min, dtype=np.int64)
        for r, count in enumerate(self.counts):
            self.needed[r, list(count.slots)] = count.needed
        self.weight = np.array([HARD_WEIGHT if c.hard else c.weight for c in self.counts], dtype=np.int64)
        self.coefficients: dict[str, np.ndarray] = {}
        for r, count in enumerate(self.counts):
            for agent_id, coefficient in count.coefficients:
                self.coefficients.setdefault(agent_id, np.zeros(len(self.counts), dtype=np.int64))[r] = coefficient
        # the weekend caps: each at-risk agent's shifts starting on this weekend, and each cap's agents working it
        # (the start's slot values and the short slots read the weekend's slots past Friday's nights: guidance)
        self.caps = weekend_caps(config, week)
        self.weekend = floor_weekends.weekend_mask(config, week).astype(np.int64)
        self.on_weekend: dict[str, int] = {a: 0 for cap in self.caps for a in cap.agent_ids}
        self.caps_of: dict[str, list[int]] = {}
        for c, cap in enumerate(self.caps):
            for agent_id in cap.agent_ids:
                self.caps_of.setdefault(agent_id, []).append(c)
        self.working = np.zeros(len(self.caps), dtype=np.int64)

    def short_slots(self) -> np.ndarray:
        """Per week slot, whether any rule's count falls short there (a weekend cap broken: the weekend's)."""
        short = np.asarray((self.total < self.needed).any(axis=0))
        return short | (self.weekend > 0) if self.caps_over() else short

    def is_short(self, slot: int) -> bool:
        """``short_slots()`` at one slot, without computing every slot's."""
        return bool((self.total[:, slot] < self.needed[:, slot]).any()) or (
            bool(self.weekend[slot]) and self.caps_over())

    def caps_over(self) -> bool:
        """Whether more of a weekend cap's agents work this weekend than it allows."""
        return any(cap.over(int(n)) for cap, n in zip(self.caps, self.working, strict=True))

    def slot_values(self, agent_id: str) -> np.ndarray:
        """Per week slot, what one more head of the agent on the floor is worth (the penalty it saves; negative
        where it adds to a shortfall, a junior beyond a ratio), for the agent-by-agent start."""
        coefficients = self.coefficients.get(agent_id)
        if coefficients is None:
            return np.zeros(self.total.shape[1], dtype=np.int64)
        gap = self.needed - self.total
        saved = np.maximum(gap, 0) - np.maximum(gap - coefficients[:, None], 0)
        values = np.asarray((saved * self.weight[:, None]).sum(axis=0), dtype=np.int64)
        working = self.on_weekend.get(agent_id, 0) > 0
        if any(self.working[c] - working >= self.caps[c].cap for c in self.caps_of.get(agent_id, ())):
            values = values - HARD_WEIGHT * self.weekend  # a cap full without the agent: its weekend breaks it
        return values

    def change(self, agent_id: str, first: int, row: np.ndarray, sign: int, weekend_shifts: int) -> None:
        """``sign`` times the agent's on-floor ``row`` on the slots from ``first``, the row of shifts of which
        ``weekend_shifts`` start on this week's Saturday or Sunday (0 for a shift moved within its day): working
        the weekend is counted by the shifts' start days, as CP-SAT and the validator count it."""
        coefficients = self.coefficients.get(agent_id)
        if coefficients is not None:
            self.total[:, first:first + len(row)] += sign * coefficients[:, None] * row[None, :]
        if weekend_shifts and agent_id in self.on_weekend:
            before = self.on_weekend[agent_id] > 0
            self.on_weekend[agent_id] += sign * weekend_shifts
            after = self.on_weekend[agent_id] > 0
            for c in self.caps_of[agent_id]:
                self.working[c] += int(after) - int(before)

    def deltas(self, agent_id: str, first: int, change: np.ndarray, weekend_shifts: np.ndarray | int) -> np.ndarray:
        """Penalty change per row of ``change`` (``[candidate, slot]`` on-floor change from slot ``first``);
        ``weekend_shifts``: per row (or for all), the change in the agent's shifts starting on this weekend."""
        coefficients = self.coefficients.get(agent_id)
        if coefficients is None:
            return np.zeros(change.shape[0], dtype=np.int64)
        last = first + change.shape[1]
        now = self.total[:, first:last]
        needed = self.needed[:, first:last]
        before = np.maximum(needed - now, 0).sum(axis=1)  # [rule]
        after = np.maximum(needed[None] - (now[None] + coefficients[None, :, None] * change[:, None, :]), 0)
        delta = ((after.sum(axis=2) - before[None, :]) * self.weight[None, :]).sum(axis=1)
        if agent_id in self.on_weekend:
            was = int(self.on_weekend[agent_id] > 0)
            works = (self.on_weekend[agent_id] + np.broadcast_to(weekend_shifts, change.shape[:1]) > 0).astype(
                np.int64)
            for c in self.caps_of[agent_id]:
                cap, n = self.caps[c], int(self.working[c])
                delta = delta + HARD_WEIGHT * (np.maximum(n - was + works - cap.cap, 0) - cap.over(n))
        return delta


def fixed_counts(config: PlanConfig, week: Week, on_floor: Mapping[str, np.ndarray],
                 excluded: Sequence[str] | set[str], shifts: Iterable[ShiftAssignment]) -> dict[str, np.ndarray]:
    """Per rule key, the count of the agents not in ``excluded`` (the constants of a neighbourhood model; each
    agent's on-floor row, from the roster's ``shifts``), and per weekend cap (``weekend_cap[i]``) how many of its
    agents not in ``excluded`` work this weekend (by the shifts' start days)."""
    kept = {a: row for a, row in on_floor.items() if a not in excluded}
    fixed = {c.key: totals(c, kept, week.slot_count) for c in floor_counts(config, week)}
    caps = weekend_caps(config, week)
    if caps:
        on_weekend = floor_weekends.working(week, (s for s in shifts if s.agent_id not in excluded))
        for index, cap in enumerate(caps):  # the agents not freed who work the weekend, per cap
            fixed[_cap_key(index)] = np.array([sum(1 for a in cap.agent_ids if a in on_weekend)], dtype=np.int64)
    return fixed


class FloorRules(LabourRule):
    name = "floor_rules"
    per_agent = False

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def describe(self, agent: object) -> str:
        return "floor_rules and ratio_rules"


RULE = FloorRules()


def build(model: RosterModel) -> list[PenaltyTerm]:
    counts = floor_counts(model.config, model.week)
    whole = len(model.agents) == len(model.config.agents)
    fixed = model.fixed_floor_counts
    if not counts or (not whole and fixed is None):
        return []
    terms: dict[int, tuple[list[cp_model.IntVar], list[int]]] = {}
    hard_short: list[cp_model.IntVar] = []
    soft_short: list[tuple[cp_model.IntVar, int]] = []
    for count in counts:
        weights = dict(count.coefficients)
        per_slot: dict[int, tuple[list[cp_model.IntVar], list[int]]] = {}
        for agent_day in model.all_agent_days():
            coefficient = weights.get(agent_day.agent.agent_id, 0)
            if coefficient == 0 or not agent_day.options:
                continue
            terms = model.presence_terms(agent_day)
            for slot, (variables, coefficients) in terms.items():
                vs, cs = per_slot.setdefault(slot, ([], []))
                vs.extend(variables)
                cs.extend(coefficient * c for c in coefficients)
        constant = np.zeros(model.week.slot_count, dtype=np.int64) if fixed is None else fixed[count.key]
        for slot in count.slots:
            if slot not in per_slot and not whole:
                continue  # a constant in a neighbourhood: nothing here can change it
            variables, coefficients = per_slot.get(slot, ([], []))
            expression = cp_model.LinearExpr.weighted_sum(variables, coefficients) + int(constant[slot])
            if count.hard and whole:
                model.cp.add(expression >= count.needed)
                continue
            short = model.cp.new_int_var(0, max(count.needed - min(0, int(constant[slot])), 0) + sum(
                abs(c) for c in coefficients), f"floor_short_{count.key}_{slot}")
            model.cp.add(short >= count.needed - expression)
            (hard_short.append(short) if count.hard else soft_short.append((short, count.weight)))
    hard_short.extend(_build_caps(model, whole, fixed))
    penalties = []
    if hard_short:
        penalties.append(PenaltyTerm(HARD_TERM, HARD_WEIGHT, cp_model.LinearExpr.sum(hard_short), "agent-interval"))
    if soft_short:
        penalties.append(PenaltyTerm(SOFT_TERM, 1, cp_model.LinearExpr.weighted_sum(
            [v for v, _ in soft_short], [w for _, w in soft_short]), "weighted agent-interval"))
    return penalties


def _build_caps(model: RosterModel, whole: bool, fixed: Mapping[str, np.ndarray] | None) -> list[cp_model.IntVar]:
    """The weekend caps (``weekend_caps``): at most ``cap`` of the at-risk agents work this weekend; in a
    neighbourhood elastic, the agents not freed counted as a constant. Returns the elastic excesses."""
    excesses = []
    days = floor_weekends.weekend_days(model.week)
    for index, cap in enumerate(weekend_caps(model.config, model.week)):
        at_risk = set(cap.agent_ids)
        literals = []
        for agent in model.agents:
            if agent.agent_id not in at_risk:
                continue
            works = model.cp.new_bool_var(f"weekend_cap_{index}_{agent.agent_id}")
            for day in days:
                model.cp.add(works >= model.days_of(agent)[day].works())
            literals.append(works)
        if not literals:
            continue
        if whole:
            model.cp.add(cp_model.LinearExpr.sum(literals) <= cap.cap)
            continue
        held = None if fixed is None else fixed.get(_cap_key(index))
        constant = 0 if held is None else int(held[0])
        excess = model.cp.new_int_var(0, len(literals) + constant, f"weekend_cap_over_{index}")
        model.cp.add(excess >= cp_model.LinearExpr.sum(literals) + constant - cap.cap)
        excesses.append(excess)
    return excesses
