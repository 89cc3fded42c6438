"""Local search on a complete roster: one shift changed at a time while the objective falls.

CP-SAT neighbourhoods re-think whole weeks but spend a second each; most of a rounded roster's faults (a head
short at 10:15 while the queue has two spare at 10:45) are fixed by moving one break or sliding one shift,
which this module tries by the thousand per second. Moves of one shift:

- **break**: one break to another start inside its window, or all breaks together by one or two intervals,
  keeping their order and spacing, clear of the shift's activities and within the centre's break cap;
- **start**: another start of the same template the agent may work that day; breaks keep their offsets, or
  their times;
- **day swap**: the shift to one of the agent's days off (same template, any allowed start);
- **repair** (where cover still falls short): a day off gets a shift, or a worked day another template or start,
  that covers the short interval, paid hours counted (the weekly mode: ``search.weekly_repair``, a shortlist scored
  exactly within the budget); **trim**: a shift whose pay and over-staffing cost more than the cover it gives is
  dropped.
- **template** (``search.template_moves``, off unless ``TEMPLATE_MOVES``): a shift without an improving move in
  its template becomes another template the agent may work that day, paid hours counted;
- **chain** (``search.chain_repair``): an interval the repair left short is covered by a change that uncovers
  others, which the repair then covers in turn, kept where the two together lower the objective.

Every move of every kind is legal only when the agent's week with it keeps every hard rule of the agent's own,
asked through the rules' registry (``rostering.rules.keeps_week``, each rule's fast exact check); a move of one
day asks each rule incrementally (``keeps_change``: the week kept the rule before), and a move that changes
only some aspects of the week (a break move: where breaks lie) asks only the rules that read them.
The centre-wide break cap is counted here against ``break_cap.cap``. Shifts carrying activities, and days a
re-plan keeps, stay.

Each move is scored exactly: cover in a slot is the max-flow of the skill groups on the floor into the queues,
kept per slot and repaired one agent at a time (``search.cover_flow``); whether one head more or fewer of the
moved agent's group changes it is known per slot, so a move's cover change over the slots it touches is
vectorised and the work does not grow as ``2**queues``. Soft rules (preferences, start changes, re-plan changes,
fairness) are per agent, so their change is the moved agent's.
Shifts are visited in a seeded order; each takes its best improving move, or else (plateau walk) a random move
that costs nothing. Deterministic for a seed.

Where the cover is the exact head count and no floor rule or weekly target is scored, a move's cover change is
read from prefix sums of the flags over its shift and breaks (``search.interval_scores``), and the agent's rules
are asked only of the moves worth taking (the best improving first; the ones that cost nothing only when none
improves); a move within a day repairs only the slots whose floor changed. The roster found is the same; a run
takes about half the CPU (README "Quality on unseen centres").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np

from scheduler.domain.plan import MINUTES_PER_DAY, PlanConfig
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment
from scheduler.domain.shifts import ShiftOption
from scheduler.rostering.break_placement import latest_break_offsets
from scheduler.rostering.effective_cover import WeightedCoverState, weighted
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import (
    AGENT_RULES,
    SOFT_RULE_MODULES,
    AgentWeek,
    Aspect,
    LabourRule,
    agent_week,
    allowed_options,
    break_cap,
    floor_rules,
    floor_weekends,
    keeps_change,
    keeps_week,
    max_days,
    rules_reading,
    weekly_hours,
    weekly_service_level,
)
from scheduler.rostering.search import (  # (they read this module's helpers at call time)
    weekly_exchange,
    weekly_repair,
)
from scheduler.rostering.search.chain_repair import chain_repair
from scheduler.rostering.search.cover_flow import CoverState
from scheduler.rostering.search.interval_scores import window_deltas
from scheduler.rostering.search.template_moves import best_template_change

# The rules a break move (breaks only) and a start move (times and breaks) can break.
BREAK_MOVE_RULES = rules_reading(Aspect.BREAKS)
START_MOVE_RULES = rules_reading(Aspect.TIMES | Aspect.BREAKS)

# Deterministic work units charged per move scored (generating it, checking the agent's rules, scoring its
# window), per slot whose cover flags were searched again and per slot whose flow a taken move repaired, each
# plus a share per element of the skill graph (groups, queues, edges) the search may visit
# (``CoverState.search_work``, ``change_work``): the CPU time of each, measured with ``time.process_time`` on the
# 2-core CI machine from 3 to 16 queues, at ``solve.DETERMINISTIC_UNITS_PER_SECOND``. The cover terms grow with
# the skill graph, so the charge follows the work as queues are added.
UNITS_PER_MOVE = 8.6e-6
UNITS_PER_SEARCH = 9.8e-6
UNITS_PER_SEARCH_ELEMENT = 2.3e-7
UNITS_PER_CHANGED_SLOT = 1.04e-6
UNITS_PER_CHANGED_ELEMENT = 1.27e-8
# With the exact head-count cover and neither floor rules nor the weekly mode, a move is scored by prefix sums
# (``search.interval_scores``) and checked against the agent's rules only if worth taking (``_step``): units
# per move scored so, and per move checked, measured the same way on 150 x 3 centres (a run's CPU about halved).
UNITS_PER_FAST_MOVE = 5.0e-6
UNITS_PER_RULE_CHECK = 2.0e-6
# Chance that a shift without an improving move takes a move that costs nothing (plateau walk), and the sweeps
# in a row without an improvement after which the search stops.
PLATEAU = 1.0
STALL_SWEEPS = 6
# Improving day swaps (per shift) and repairs (per short slot) checked against the agent's rules at most, and
# the units charged per check.
SWAP_CHECKS = 3
REPAIR_CHECKS = 10
SWAP_CHECK_UNITS = 0.003
# Whether a shift without an improving move within its template tries the other templates of its day
# (``search.template_moves``) before a day swap. Off: on 150-agent centres at 60 s the first run took 30-50% more
# CPU and ended worse on all 5 unseen seeds measured (README "Moves beyond one shift's template").
TEMPLATE_MOVES = False
# Whether intervals still short when the sweeps end get two-link chains (``search.chain_repair``); only then, so
# a search that ends with every interval covered runs as without them; they stop when the budget is spent
# (README "Moves beyond one shift's template").
CHAIN_REPAIR = True
# Whether moves with the exact head-count cover are scored by prefix sums (``search.interval_scores``) rather
# than by rows of slots: the same scores (a test compares them), for a fraction of the CPU.
FAST_SCORES = True


_Cover = CoverState  # the exact cover, one agent at a time (``search.cover_flow``)


class _Polisher:
    def __init__(self, instance: Instance, roster: Roster, head_count_cover: bool = False) -> None:
        config, week = instance.config, instance.week
        self.config, self.week = config, week
        self.interval = config.interval_minutes
        self.slots_per_day, self.slot_count = week.slots_per_day, week.slot_count
        self.day_of = {day: index for index, day in enumerate(week.days())}
        self.weeks: dict[str, dict[int, ShiftAssignment]] = {a.agent_id: {} for a in config.agents}
        # proficiencies: the weighted cover (``rostering.effective_cover``), same interface
        self.cover = WeightedCoverState(config, instance.requirements) if weighted(config) and not (
            head_count_cover) else _Cover(config, instance.requirements)
        self.weekly: weekly_service_level.WeeklyState | None = None  # (built below, once the start's shifts are in)
        self.floor = floor_rules.FloorState(config, week) if floor_rules.active(config) else None
        self.weekend_days = frozenset(floor_weekends.weekend_days(week))
        self.by_key: dict[tuple[str, int], ShiftAssignment] = {}
        self.on_break = np.zeros(week.slot_count, dtype=np.int64)
        cap = break_cap.cap(config)
        self.cap = np.iinfo(np.int64).max // 2 if cap is None else cap
        self.uncapped = cap is None
        fast = type(self.cover) is CoverState and instance.service_curves is None and self.floor is None
        self.units_per_move = UNITS_PER_FAST_MOVE if FAST_SCORES and fast else UNITS_PER_MOVE
        for shift in roster.shifts:
            self.put(shift)
        if instance.service_curves is not None:
            # the weekly scoring counts each slot of the whole roster once: put shift by shift, it recounted the
            # slots of every shift under each partial roster (65,380 allocations instead of 3,360 at 150 x 3,
            # half the 30-s budget's local search: README issue 18)
            self.weekly = weekly_service_level.WeeklyState(instance.service_curves, config, self.cover.groups,
                                                           self.cover.floor)
        self.agents = {a.agent_id: a for a in config.agents}
        self._options: dict[tuple[str, int], list[ShiftOption]] = {}
        self.facts: dict[str, AgentWeek] = {a.agent_id: agent_week(config, week, a) for a in config.agents}
        self.soft = {a.agent_id: [(m, m.weight(config)) for m in SOFT_RULE_MODULES
                                  if m.weight(config) and _may_cost(m, config, a)] for a in config.agents}
        # the soft rules that read where breaks lie (a re-plan's moved breaks): the only ones a break move can cost
        self.soft_on_breaks = {agent_id: [(m, w) for m, w in soft if getattr(m, "READS_BREAKS", False)]
                               for agent_id, soft in self.soft.items()}

    # -- the roster's arrays -------------------------------------------------------------------------------

    def options(self, agent_id: str, day: int) -> list[ShiftOption]:
        """The agent's candidate shifts that day that every rule allows on its own (cached)."""
        if (agent_id, day) not in self._options:
            self._options[agent_id, day] = list(allowed_options(self.config, self.week, self.agents[agent_id], day,
                                                                self.facts[agent_id]))
        return self._options[agent_id, day]

    def week_with(self, agent_id: str, day: int, shift: ShiftAssignment | None) -> list[ShiftAssignment | None]:
        """The agent's week by day index with ``shift`` (or a day off) on ``day``."""
        worked = self.weeks[agent_id]
        shifts = [worked.get(d) for d in range(7)]
        shifts[day] = shift
        return shifts

    def keeps(self, agent_id: str, day: int, shift: ShiftAssignment | None,
              rules: Sequence[LabourRule] = AGENT_RULES) -> bool:
        """Whether the agent's week with ``shift`` on ``day`` keeps ``rules`` (default: every hard rule of
        the agent's own)."""
        return keeps_week(self.facts[agent_id], self.week_with(agent_id, day, shift), rules)

    def put(self, shift: ShiftAssignment) -> None:
        day = self.day_of[shift.date]
        self.by_key[shift.agent_id, day] = shift
        self.weeks[shift.agent_id][day] = shift
        self._apply(shift, +1)

    def take(self, shift: ShiftAssignment) -> None:
        day = self.day_of[shift.date]
        del self.by_key[shift.agent_id, day]
        del self.weeks[shift.agent_id][day]
        self._apply(shift, -1)

    def move(self, old: ShiftAssignment, new: ShiftAssignment) -> None:
        """``old`` becomes ``new``: with the exact head-count cover and both on one day, only the slots whose
        floor changes are touched (a break move changes two to four of a shift's thirty-odd slots; taking the
        shift and putting it back repaired every slot's flow twice). The cover's value and flags do not depend
        on which maximum flow a slot holds, so scores and moves are as with ``take`` then ``put``."""
        if type(self.cover) is not CoverState or old.date != new.date or old.agent_id != new.agent_id:
            self.take(old)
            self.put(new)
            return
        day = self.day_of[new.date]
        self.by_key[new.agent_id, day] = new
        self.weeks[new.agent_id][day] = new
        first, last = self._window(day, [old, new])
        if last <= first:
            return
        present, on_break = self._rows([old, new], day * self.slots_per_day - first, last - first)
        change = present[1] - present[0]
        group = self.cover.group_of[new.agent_id]
        for sign in (-1, 1):
            self.cover.change(group, first, change == sign, sign)
            if self.floor is not None:  # (a shift moved within its day: the weekend worked or not as before)
                self.floor.change(new.agent_id, first, (change == sign).astype(np.int64), sign, 0)
        if self.weekly is not None:
            self.weekly.refresh(first, last)
        self.on_break[first:last] += on_break[1] - on_break[0]

    def _window(self, day: int, shifts) -> tuple[int, int]:
        """The week slots ``[first, last)`` the shifts of ``day`` span."""
        base = day * self.slots_per_day
        low = min(s.start_minute for s in shifts) // self.interval
        high = max(s.start_minute + s.length_minutes for s in shifts) // self.interval
        return max(0, base + low), min(self.slot_count, base + high)

    def _apply(self, shift: ShiftAssignment, sign: int) -> None:
        day = self.day_of[shift.date]
        first, last = self._window(day, [shift])
        if last <= first:
            return
        present, on_break = self._rows([shift], day * self.slots_per_day - first, last - first)
        self.cover.change(self.cover.group_of[shift.agent_id], first, present[0], sign)
        if self.weekly is not None:
            self.weekly.refresh(first, last)
        if self.floor is not None:
            self.floor.change(shift.agent_id, first, present[0], sign, int(day in self.weekend_days))
        self.on_break[first:last] += sign * on_break[0]

    # -- scoring -------------------------------------------------------------------------------------------

    def deltas(self, old: ShiftAssignment, candidates: list[ShiftAssignment]) -> list[float | None]:
        """The change of the cover cost if ``old`` became each candidate (same day); ``None`` where the break cap
        breaks."""
        return self._window_deltas(old.agent_id, self.day_of[old.date], old, candidates)

    def _window_deltas(self, agent_id: str, day: int, current: ShiftAssignment | None,
                       candidates: list[ShiftAssignment], same_weekend: bool = False) -> list[float | None]:
        """The change of the cover cost if the agent's shift on ``day`` (``current``, or none) became each
        candidate (all on ``day``), vectorised over one window of slots; ``None`` where the break cap breaks.
        Soft rules are left to the caller. ``same_weekend``: half of a move between the weekend's two days (its
        weekend shifts unchanged: ``swap_deltas``)."""
        if not candidates:
            return []
        base = day * self.slots_per_day
        first, last = self._window(day, candidates if current is None else (current, *candidates))
        if last <= first:
            return [0] * len(candidates)
        width = last - first

        now, now_break = self._rows([] if current is None else [current], base - first, width)
        if FAST_SCORES and type(self.cover) is CoverState and self.weekly is None and self.floor is None:
            fast = window_deltas(self.cover, self.cover.group_of[agent_id], first, base - first, self.interval,
                                 now[0], now_break[0], candidates,
                                 None if self.uncapped else self.cap - self.on_break[first:last])
            if fast is not None:  # (``search.interval_scores``: the same scores, without rows of slots)
                return fast
        present, breaks = self._rows(candidates, base - first, width)
        change = present - now  # [candidate, slot]
        scored = self.cover.deltas(self.cover.group_of[agent_id], first, change)
        if self.weekly is not None:
            scored = scored + self.weekly.deltas(self.cover.group_of[agent_id], first, change)
        if self.floor is not None:
            scored = scored + self.floor.deltas(agent_id, first, change, 0 if same_weekend else self._weekend_shifts(
                day, current, candidates))
        totals = scored.tolist()
        over_cap = ((breaks - now_break) > self.cap - self.on_break[first:last]).any(axis=1).tolist()
        return [None if refused else total for refused, total in zip(over_cap, totals, strict=True)]

    def _weekend_shifts(self, day: int, current: ShiftAssignment | None,
                        candidates: list[ShiftAssignment]) -> np.ndarray | int:
        """Per candidate, the change in the agent's shifts starting on this weekend if it replaced ``current`` on
        ``day`` (a candidate of no minutes is a day off)."""
        if day not in self.weekend_days:
            return 0
        now = int(current is not None and current.length_minutes > 0)
        return np.array([int(c.length_minutes > 0) - now for c in candidates], dtype=np.int64)

    def _rows(self, shifts: list[ShiftAssignment], offset: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Per shift, on the floor and on break in each slot of a window (``offset`` slots from the day's
        first to the window's): two ``[shift, slot]`` arrays (one row of zeros when there is no shift)."""
        if not shifts:
            return np.zeros((1, width), np.int64), np.zeros((1, width), np.int64)
        slot = np.arange(width)
        step = self.interval

        def inside(starts: list[int], ends: list[int]) -> np.ndarray:
            first = np.array(starts)[:, None] // step + offset
            last = np.array(ends)[:, None] // step + offset
            return (slot >= first) & (slot < last)

        present = inside([s.start_minute for s in shifts], [s.end_minute for s in shifts])
        on_break = np.zeros_like(present)
        if len({len(s.breaks) for s in shifts}) == 1 and len({s.activities for s in shifts}) == 1:
            for k in range(len(shifts[0].breaks)):
                on_break |= inside([s.breaks[k].start_minute for s in shifts],
                                   [s.breaks[k].start_minute + s.breaks[k].minutes for s in shifts])
            busy = np.zeros(width, bool)
            for a in shifts[0].activities:
                busy |= inside([a.start_minute], [a.start_minute + a.minutes])[0]
        else:  # templates differ: one row at a time
            busy = np.zeros_like(present)
            for row, shift in enumerate(shifts):
                for b in shift.breaks:
                    on_break[row] |= inside([b.start_minute], [b.start_minute + b.minutes])[0]
                for a in shift.activities:
                    busy[row] |= inside([a.start_minute], [a.start_minute + a.minutes])[0]
        return (present & ~on_break & ~busy).astype(np.int64), on_break.astype(np.int64)

    def short_slots(self) -> list[int]:
        """Slots where the cover falls short of the requirement, or a floor or ratio rule of its count."""
        short = self.cover.covered < self.cover.required_total
        if self.floor is not None:
            short |= self.floor.short_slots()
        if self.weekly is not None:  # a queue short of its weekly target: where it has fewer heads than usual
            short |= self.weekly.wanting()
        return np.flatnonzero(short).tolist()

    def is_short(self, slot: int) -> bool:
        return bool(self.cover.covered[slot] < self.cover.required_total[slot]) or (
            self.floor is not None and self.floor.is_short(slot)) or (
            self.weekly is not None and self.weekly.wants(slot))

    def floor_short(self) -> bool:
        """Whether a floor or ratio rule falls short anywhere."""
        return self.floor is not None and bool(self.floor.short_slots().any())

    def week_soft(self, agent_id: str, day: int, shift: ShiftAssignment | None) -> float:
        """The agent's soft-rule cost with ``shift`` (or a day off) on ``day``."""
        if not self.soft[agent_id]:
            return 0.0
        shifts = [s for d, s in self.weeks[agent_id].items() if d != day] + ([] if shift is None else [shift])
        return sum(module.amount(self.config, self.week, shifts) * weight / module.DIVISOR
                   for module, weight in self.soft[agent_id])

    def with_soft(self, old: ShiftAssignment, candidates: list[ShiftAssignment],
                  deltas: list[float | None]) -> list[float | None]:
        """``deltas`` plus the agent's soft-rule change of each candidate: all soft rules for a candidate that moves
        the start or the day, those reading breaks (``READS_BREAKS``) for one that only moves breaks."""
        soft, on_breaks = self.soft[old.agent_id], self.soft_on_breaks[old.agent_id]
        if not soft:
            return deltas
        now = self._soft(old, old, soft)
        now_breaks = self._soft(old, old, on_breaks) if on_breaks else 0.0
        return [d if d is None
                else (d + self._soft(old, c, on_breaks) - now_breaks if on_breaks else d)
                if (c.start_minute, c.date) == (old.start_minute, old.date)
                else d + self._soft(old, c, soft) - now for c, d in zip(candidates, deltas, strict=True)]

    def _soft(self, old: ShiftAssignment, new: ShiftAssignment, modules: list) -> float:
        """The cost of the agent's soft ``modules`` (module, weight) with ``old`` replaced by ``new``."""
        shifts = [new] + [s for s in self.weeks[old.agent_id].values() if s.date != old.date]
        return sum(module.amount(self.config, self.week, shifts) * weight / module.DIVISOR
                   for module, weight in modules)

    # -- moves ---------------------------------------------------------------------------------------------

    def legal(self, shift: ShiftAssignment, candidates: Sequence[ShiftAssignment],
              rules: Sequence[Sequence[LabourRule]]) -> list[bool]:
        """Whether each candidate (a change of ``shift`` on its day) keeps its rules (``move_candidates``)."""
        day = self.day_of[shift.date]
        facts, week = self.facts[shift.agent_id], self.week_with(shift.agent_id, day, None)
        kept = []
        for candidate, checked in zip(candidates, rules, strict=True):
            week[day] = candidate
            kept.append(keeps_change(facts, week, day, checked))
        return kept

    def move_candidates(self, shift: ShiftAssignment) -> tuple[list[ShiftAssignment], list[Sequence[LabourRule]]]:
        """The shift with one break moved, or with its start moved (breaks keeping their offsets), not yet
        checked against the agent's rules, and per candidate the rules its kind of move can break (break moves:
        those that read where breaks lie; start moves: those that read times or breaks). Checking is left to
        the caller (``legal``), so the local search checks only the moves worth taking."""
        template = self.config.template(shift.template_id)
        busy = [(a.start_minute, a.start_minute + a.minutes) for a in shift.activities]
        candidates = []
        starts = [b.start_minute for b in shift.breaks]
        for k, rule in enumerate(template.breaks):
            low = shift.start_minute + rule.earliest_after_start_minutes
            high = shift.start_minute + rule.latest_after_start_minutes
            if k:
                low = max(low, starts[k - 1] + template.breaks[k - 1].minutes + template.min_break_gap_minutes)
            if k + 1 < len(starts):
                high = min(high, starts[k + 1] - rule.minutes - template.min_break_gap_minutes)
            for minute in range(shift.start_minute + rule.earliest_after_start_minutes, high + 1, self.interval):
                if minute < low or minute == starts[k]:
                    continue
                if any(a < minute + rule.minutes and minute < b for a, b in busy):
                    continue
                moved = list(shift.breaks)
                moved[k] = BreakAssignment(rule.kind, minute, rule.minutes)
                candidates.append(_moved(shift, shift.date, shift.start_minute, tuple(moved)))
        for steps in (-2, -1, 1, 2):  # every break together, which keeps their spacing
            shifted = tuple(BreakAssignment(b.kind, b.start_minute + steps * self.interval, b.minutes)
                            for b in shift.breaks)
            if len(shifted) > 1 and self._breaks_fit(shift, template, shift.start_minute, shifted, busy):
                candidates.append(_moved(shift, shift.date, shift.start_minute, shifted))
        rules: list[Sequence[LabourRule]] = [BREAK_MOVE_RULES] * len(candidates)
        if shift.activities:
            return candidates, rules
        for option in self.options(shift.agent_id, self.day_of[shift.date]):
            start = option.start_minute
            if option.template.template_id != shift.template_id or start == shift.start_minute:
                continue
            offset = start - shift.start_minute
            candidates.append(_moved(shift, shift.date, start, tuple(
                BreakAssignment(b.kind, b.start_minute + offset, b.minutes) for b in shift.breaks)))
            rules.append(START_MOVE_RULES)
            if shift.breaks and self._breaks_fit(shift, template, start, shift.breaks, busy):
                candidates.append(_moved(shift, shift.date, start, shift.breaks))  # breaks stay where they are
                rules.append(START_MOVE_RULES)
        return candidates, rules

    def day_swaps(self, shift: ShiftAssignment) -> list[ShiftAssignment]:
        """The shift moved to one of the agent's days off, at any start of the same template the agent may work
        then (breaks keeping their offsets). Rest, consecutive days and the other day rules are checked by the
        caller (``keeps``, every rule), only for a swap worth taking."""
        if shift.activities:
            return []
        day = self.day_of[shift.date]
        overnight = shift.end_minute > MINUTES_PER_DAY  # its slots reach into the next day
        swaps = []
        for other in range(7):
            if other == day or (shift.agent_id, other) in self.by_key or self.config.pinned(
                    shift.agent_id, self.week.day(other))[0]:
                continue
            if overnight and abs(other - day) == 1:
                continue  # the two days' slots would overlap, and the swap is scored day by day
            for option in self.options(shift.agent_id, other):
                if option.template.template_id != shift.template_id:
                    continue
                offset = option.start_minute - shift.start_minute
                swaps.append(_moved(shift, self.week.day(other), option.start_minute,
                                    tuple(BreakAssignment(b.kind, b.start_minute + offset, b.minutes)
                                          for b in shift.breaks)))
        return swaps

    @staticmethod
    def _breaks_fit(shift: ShiftAssignment, template, start_minute: int, breaks: tuple[BreakAssignment, ...],
                    busy: list[tuple[int, int]]) -> bool:
        """Whether ``breaks`` keep their windows for a shift starting at ``start_minute``, their spacing, and
        clear of the activities."""
        for k, (rule, taken) in enumerate(zip(template.breaks, breaks, strict=True)):
            offset = taken.start_minute - start_minute
            if not rule.earliest_after_start_minutes <= offset <= rule.latest_after_start_minutes:
                return False
            if k and taken.start_minute < breaks[k - 1].start_minute + breaks[k - 1].minutes + \
                    template.min_break_gap_minutes:
                return False
            if any(a < taken.start_minute + taken.minutes and taken.start_minute < b for a, b in busy):
                return False
        return True


def polish(instance: Instance, roster: Roster, *, seed: int = 0,
           max_sweeps: int = 200, stall_sweeps: int = STALL_SWEEPS, plateau: float = PLATEAU, repair: bool = True,
           units_left: Callable[[], float] = lambda: 1.0,
           spend: Callable[[float], None] = lambda units: None,
           stopped: Callable[[], bool] = lambda: False, head_count_cover: bool = False) -> Roster:
    """The roster after sweeps over its shifts in a seeded order, each shift taking its best improving move
    (else, with probability ``plateau``, a random move that costs nothing, to drift along plateaus), until
    ``stall_sweeps`` sweeps in a row improve nothing, ``max_sweeps`` have run or ``units_left()`` falls to
    zero (each scored move is charged ``UNITS_PER_MOVE``, cover searches and repairs their own units) or
    ``stopped()`` says the solve must end (a wall-clock cap, an interrupt). Every move taken costs nothing or
    less, so the result is never worse than ``roster``. ``head_count_cover``: with proficiencies, score the cover
    by heads (fast, for a start) rather than by the weighted cover (``rostering.effective_cover``)."""
    if not roster.shifts:
        return roster
    config = instance.config
    polisher = _Polisher(instance, roster, head_count_cover)
    rng = np.random.default_rng(seed)
    spent = [0.0]

    def charge(units: float) -> None:
        spent[0] += units
        spend(units)

    cover = polisher.cover
    charged_cover = [0.0]

    def charge_cover() -> None:
        """Charge the cover searches and flow repairs done since the last call."""
        work = (cover.searches * UNITS_PER_SEARCH + cover.search_work * UNITS_PER_SEARCH_ELEMENT
                + cover.changed_slots * (UNITS_PER_CHANGED_SLOT + cover.graph_size * UNITS_PER_CHANGED_ELEMENT)
                + (0 if polisher.weekly is None else polisher.weekly.charged_units()))
        charge(work - charged_cover[0])
        charged_cover[0] = work

    def spent_out() -> bool:
        """Whether the solve must end or the budget is spent, the cover's and weekly scoring's work charged first:
        asked between the weekly mode's repairs, trims and exchanges, which score every agent and would otherwise
        run past the budget (README issue 18)."""
        charge_cover()
        return stopped() or units_left() <= 0

    charge_cover()
    stalled = 0
    for _ in range(max_sweeps):
        improved = False
        before = spent[0]
        movable = sorted(key for key, shift in polisher.by_key.items()
                         if not (config.pinned(shift.agent_id, shift.date)[0]))
        for index in rng.permutation(len(movable)).tolist():
            if units_left() <= 0 or stopped():  # (a sweep takes seconds at many queues: the clock is read per step)
                return _roster(polisher)
            improved |= _step(polisher, movable[index], rng, plateau, charge)
            charge_cover()
        if stopped():
            break
        if repair and polisher.weekly is not None and weekly_exchange.SWEEP_TRIM:
            # the weekly mode: shifts not worth their pay dropped after every sweep, not only once the sweeps stall
            improved = _trim(polisher, charge, spent_out) or improved
            charge_cover()
        # repair once the sweeps stall, or now if fewer than two more sweeps fit in the budget left (the weekly mode:
        # two more sweeps and the repair of every slot short now, which the budget stops)
        reserve = 0.0 if polisher.weekly is None else weekly_repair.expected_units(polisher)
        if repair and (not improved and stalled + 1 >= stall_sweeps
                       or units_left() < 2 * (spent[0] - before) + reserve or polisher.floor_short()):
            if polisher.weekly is None:
                # the weighted cover's repair stops with the budget too: on a levels roster short in hundreds of
                # intervals it ran on past ``units_left`` (916253's 23-s week: 5.7 s of CPU, 3.78 units of polish
                # where 1.52 were left); the head-count cover's as before
                repair_stopped = spent_out if isinstance(polisher.cover, WeightedCoverState) else stopped
                improved = (_repair(polisher, charge, repair_stopped) | _trim(polisher, charge)) or improved
            else:  # the weekly mode: a shortlist scored exactly, within the budget (``search.weekly_repair``)
                improved = (weekly_repair.repair(polisher, charge, spent_out)
                            | _trim(polisher, charge, spent_out)) or improved
            charge_cover()
            if polisher.weekly is not None and weekly_exchange.EXCHANGE and units_left() >= 2 * (spent[0] - before):
                # the weekly mode: hours between agents, while two more sweeps fit in the budget left
                improved = weekly_exchange.exchange(polisher, charge, spent_out) or improved
                charge_cover()
        stalled = 0 if improved else stalled + 1
        if stalled >= stall_sweeps:
            break
    # the budget too: chains of a roster short in many intervals add up
    if repair and CHAIN_REPAIR and not spent_out() and polisher.short_slots():
        chain_repair(polisher, charge, spent_out)  # still short where no single change pays: two-link chains
        charge_cover()
    return _roster(polisher)


def _step(polisher: _Polisher, key: tuple[str, int], rng: np.random.Generator,
          plateau: float, spend: Callable[[float], None]) -> bool:
    """The shift at ``key`` takes its best improving move (a day swap if no move within its day improves), else
    maybe a move that costs nothing; returns whether the objective fell."""
    shift = polisher.by_key[key]
    best, best_delta, level = None, 0.0, []
    candidates, rules = polisher.move_candidates(shift)
    spend(len(candidates) * polisher.units_per_move)
    deltas = polisher.with_soft(shift, candidates, polisher.deltas(shift, candidates))
    # the agent's rules asked only of the moves worth taking: the improving ones, best first (ties: the first
    # generated), and, if none keeps them, the ones that cost nothing (the plateau walk draws among them)
    improving = sorted((delta, i) for i, delta in enumerate(deltas) if delta is not None and delta < 0)
    for delta, i in improving:
        spend(UNITS_PER_RULE_CHECK)
        if polisher.legal(shift, [candidates[i]], [rules[i]])[0]:
            best, best_delta = candidates[i], delta
            break
    if best is None:
        flat = [i for i, delta in enumerate(deltas) if delta == 0]
        spend(len(flat) * UNITS_PER_RULE_CHECK)
        level = [candidates[i] for i, kept in zip(flat, polisher.legal(
            shift, [candidates[i] for i in flat], [rules[i] for i in flat]), strict=True) if kept]
    if best is None and TEMPLATE_MOVES:
        best, best_delta = best_template_change(polisher, shift, spend, _with_breaks, UNITS_PER_MOVE, SWAP_CHECK_UNITS)
    if best is None:
        best, best_delta = _best_swap(polisher, shift, spend)
    if best is None and level and rng.random() < plateau:
        best = level[int(rng.integers(len(level)))]
    if best is not None:
        polisher.move(shift, best)
    return best is not None and best_delta < 0


def _best_swap(polisher: _Polisher, shift: ShiftAssignment,
               spend: Callable[[float], None]) -> tuple[ShiftAssignment | None, float]:
    """The best improving move of the shift to a day off that keeps the agent's rules, if any."""
    candidates = polisher.day_swaps(shift)
    spend(len(candidates) * polisher.units_per_move)
    if not candidates:
        return None, 0
    day = polisher.day_of[shift.date]
    deltas = polisher.with_soft(shift, candidates, swap_deltas(polisher, shift, candidates))
    scored = sorted((delta, i) for i, delta in enumerate(deltas) if delta is not None and delta < 0)
    for delta, i in scored[:SWAP_CHECKS]:
        week = polisher.week_with(shift.agent_id, day, None)
        week[polisher.day_of[candidates[i].date]] = candidates[i]
        spend(SWAP_CHECK_UNITS)
        if keeps_week(polisher.facts[shift.agent_id], week):
            return candidates[i], delta
    return None, 0


def swap_deltas(polisher: _Polisher, shift: ShiftAssignment,
                candidates: list[ShiftAssignment]) -> list[float | None]:
    """The cover's change (floor rules included) if ``shift`` moved to each candidate on another day: its removal
    plus the candidate's addition, each scored alone. A move between the weekend's two days leaves the agent's
    weekend shifts as they were, so neither half counts a weekend shift gained or lost (scored alone, the removal
    paid a broken weekend cap back while the Sunday added cost nothing: a swap that changed nothing looked like
    a repair, rv18)."""
    day = polisher.day_of[shift.date]
    off = [replace(shift, length_minutes=0, breaks=())]
    removal = polisher._window_deltas(shift.agent_id, day, shift, off)[0]
    within = polisher._window_deltas(shift.agent_id, day, shift, off, same_weekend=True)[0] if (
        polisher.floor is not None and day in polisher.weekend_days) else removal  # (the shift stays on the weekend)
    deltas: list[float | None] = [None] * len(candidates)
    for other in sorted({c.date for c in candidates}):
        indices = [i for i, c in enumerate(candidates) if c.date == other]
        both = day in polisher.weekend_days and polisher.day_of[other] in polisher.weekend_days
        added = polisher._window_deltas(shift.agent_id, polisher.day_of[other], None, [candidates[i] for i in indices],
                                        same_weekend=both)
        taken = within if both else removal
        for i, delta in zip(indices, added, strict=True):
            deltas[i] = None if delta is None or taken is None else taken + delta
    return deltas


def covering_candidates(polisher: _Polisher, agent_id: str, day: int, minute: int) -> list[ShiftAssignment]:
    """The agent's shifts that day (breaks placed) on shift at ``minute`` within the agent's most days and most
    paid minutes of the week; none when the day is pinned or holds an activity."""
    return day_candidates(polisher, agent_id, day, lambda o: o.start_minute <= minute < o.end_minute)


def day_candidates(polisher: _Polisher, agent_id: str, day: int,
                   wanted: Callable[[ShiftOption], bool]) -> list[ShiftAssignment]:
    """The agent's ``wanted`` shift options that day (breaks placed) in place of what the day holds now, within
    the agent's most days and most paid minutes of the week; none when the day is pinned or holds an activity.
    Shared by the repair's ``covering_candidates`` and the weekly exchange's additions."""
    day_date = polisher.week.day(day)
    return [c for o in day_options(polisher, agent_id, day, wanted) for c in _with_breaks(agent_id, day_date, o)]


def day_options(polisher: _Polisher, agent_id: str, day: int,
                wanted: Callable[[ShiftOption], bool]) -> list[ShiftOption]:
    """``day_candidates`` before their breaks are placed: the agent's ``wanted`` options that day within its most
    days and most paid minutes of the week (none on a pinned day or one holding an activity)."""
    config, week = polisher.config, polisher.week
    current = polisher.by_key.get((agent_id, day))
    if config.pinned(agent_id, week.day(day))[0] or (current is not None and current.activities):
        return []
    facts = polisher.facts[agent_id]
    worked = polisher.weeks[agent_id]
    if current is None and len(worked) >= max_days.most_days(facts):
        return []
    room = weekly_hours.paid_range(facts)[1] - sum(s.paid_minutes for s in worked.values()) + (
        0 if current is None else current.paid_minutes)
    return [o for o in polisher.options(agent_id, day) if wanted(o) and o.paid_minutes <= room]


def day_change_deltas(polisher: _Polisher, agent_id: str, day: int, current: ShiftAssignment | None,
                      candidates: list[ShiftAssignment], paid_weight: float
                      ) -> list[tuple[int, ShiftAssignment, float]]:
    """Each candidate shift for ``agent_id`` on ``day`` in place of ``current`` (``None``: a day off) with the
    objective's change, cover, paid hours (``paid_weight`` per hour) and soft rules: ``(index, candidate,
    delta)``, the candidates the cover cannot score left out. Shared by ``_repair`` and the weekly exchange."""
    deltas = polisher._window_deltas(agent_id, day, current, candidates)
    paid_before = 0 if current is None else current.paid_minutes
    soft_before = polisher.week_soft(agent_id, day, current)
    scored = []
    for index, (candidate, delta) in enumerate(zip(candidates, deltas, strict=True)):
        if delta is None:
            continue
        delta += paid_weight * (candidate.paid_minutes - paid_before) / 60
        if polisher.soft[agent_id]:
            delta += polisher.week_soft(agent_id, day, candidate) - soft_before
        scored.append((index, candidate, delta))
    return scored


def _repair(polisher: _Polisher, spend: Callable[[float], None],
            stopped: Callable[[], bool] = lambda: False, slots: Sequence[int] | None = None,
            agents_for: Callable[[int, int], Iterable[str]] | None = None) -> bool:
    """Cover under-staffed slots with more hours: for each short slot (``slots``, in that order; default: every
    short slot in time order), an agent's day off gets a shift, or a worked day another template or start, that
    covers it, where that lowers the objective (paid hours included) and keeps the agent's rules; the agents tried
    are ``agents_for(day, minute)`` (default: every agent; ``search.weekly_repair`` gives a shortlist). Returns
    whether anything changed."""
    config = polisher.config
    paid_weight = config.weights.paid_hour
    changed = False
    for slot in polisher.short_slots() if slots is None else slots:
        if stopped():
            break
        if not polisher.is_short(slot):  # an earlier repair covered it
            continue
        day, minute = divmod(slot, polisher.slots_per_day)
        minute *= polisher.interval
        scored: list[tuple[float, str, int, ShiftAssignment]] = []
        for agent_id in sorted(polisher.agents) if agents_for is None else agents_for(day, minute):
            current = polisher.by_key.get((agent_id, day))
            candidates = [c for c in covering_candidates(polisher, agent_id, day, minute)
                          if current is None or (c.template_id, c.start_minute) != (current.template_id,
                                                                                      current.start_minute)]
            spend(len(candidates) * UNITS_PER_MOVE)
            scored.extend((delta, agent_id, index, candidate)
                          for index, candidate, delta in day_change_deltas(polisher, agent_id, day, current,
                                                                           candidates, paid_weight)
                          if delta < 0)
        for _, agent_id, _, candidate in sorted(scored, key=lambda item: item[:3])[:REPAIR_CHECKS]:
            current = polisher.by_key.get((agent_id, day))
            spend(SWAP_CHECK_UNITS)
            if polisher.keeps(agent_id, day, candidate):
                if current is not None:
                    polisher.take(current)
                polisher.put(candidate)
                changed = True
                break
    return changed


def _trim(polisher: _Polisher, spend: Callable[[float], None],
          stopped: Callable[[], bool] = lambda: False) -> bool:
    """Drop shifts whose pay and over-staffing cost more than the cover they give, where the agent's rules
    (weekly minimum hours and days) allow, until ``stopped()``. Returns whether anything changed."""
    config = polisher.config
    changed = False
    for key in sorted(polisher.by_key):
        if stopped():
            break
        shift = polisher.by_key[key]
        agent_id, day = key
        if shift.activities or config.pinned(agent_id, shift.date)[0]:
            continue
        spend(UNITS_PER_MOVE)
        delta = polisher._window_deltas(agent_id, day, shift, [replace(shift, length_minutes=0, breaks=())])[0]
        if delta is None:
            continue
        delta -= config.weights.paid_hour * shift.paid_minutes / 60
        delta += polisher.week_soft(agent_id, day, None) - polisher.week_soft(agent_id, day, shift)
        if delta >= 0:
            continue
        spend(SWAP_CHECK_UNITS)
        if polisher.keeps(agent_id, day, None):
            polisher.take(shift)
            changed = True
    return changed


def _with_breaks(agent_id: str, day, option: ShiftOption) -> list[ShiftAssignment]:
    """The option as a shift with its breaks as early, as late, and halfway, as their windows and spacing
    allow (break moves refine them later)."""
    template = option.template
    early, earliest = [], 0
    for rule in template.breaks:
        offset = max(rule.earliest_after_start_minutes, earliest)
        early.append(offset)
        earliest = offset + rule.minutes + template.min_break_gap_minutes
    late = latest_break_offsets(template)
    variants = [tuple(early), tuple(late)]
    if template.breaks:
        step = math.gcd(*(r.earliest_after_start_minutes for r in template.breaks), *late, *early) or 1
        middle = tuple((a + b) // 2 // step * step for a, b in zip(early, late, strict=True))
        variants.append(middle)
    shifts = []
    for offsets in dict.fromkeys(variants):
        if any(b < a + r.minutes + template.min_break_gap_minutes
               for a, b, r in zip(offsets, offsets[1:], template.breaks, strict=False)):
            continue
        if any(not r.earliest_after_start_minutes <= o <= r.latest_after_start_minutes
               for o, r in zip(offsets, template.breaks, strict=True)):
            continue
        shifts.append(ShiftAssignment(agent_id, day, template.template_id, option.start_minute,
                                      template.length_minutes, option.paid_minutes, tuple(
                                          BreakAssignment(r.kind, option.start_minute + o, r.minutes)
                                          for o, r in zip(offsets, template.breaks, strict=True))))
    return shifts


def _moved(shift: ShiftAssignment, day, start_minute: int, breaks: tuple[BreakAssignment, ...]) -> ShiftAssignment:
    """The shift on ``day`` from ``start_minute`` with ``breaks`` (built directly: far faster than ``replace``)."""
    return ShiftAssignment(shift.agent_id, day, shift.template_id, start_minute, shift.length_minutes,
                           shift.paid_minutes, breaks, shift.activities)


def _may_cost(module, config: PlanConfig, agent) -> bool:
    """Whether a soft rule can cost anything for the agent (requests, fairness or a re-plan configured)."""
    name = module.RULE
    if name == "preferences":
        return bool(agent.preferences)
    if name == "fairness":
        return config.fairness is not None
    if name in ("replan_changes", "replan_breaks"):
        return config.replan is not None
    return True


def _roster(polisher: _Polisher) -> Roster:
    return Roster(tuple(sorted(polisher.by_key.values(), key=lambda s: (s.agent_id, s.date))))
