"""A lower bound on the aggregate LP's size, counted without building it, and the weekly mode's start at many
skill sets.

Building the aggregate LP (``search.lower_bound``) takes CPU seconds at 150 agents (each column a Python call
into the solver); the weekly mode's LP (``rules.weekly_service_level.lp_rows``) is charged
``weekly_start.GLOP_WEEKLY_LP_WORK_FACTOR`` times its size's work, so at 150 agents x 8 queues (16 skill sets) it was
built only to be found over its share (66,389 columns: 10-14% of a 30-s budget for nothing). ``lp_size_floor``
counts, from the agent classes alone (``lower_bound.agent_classes``: hundredths of a second), the columns and
rows the LP's build adds for every centre: the shift variables of each class, the shift counts per skill set,
the break variables, the cover allocations and their rows. It leaves out the weekly patterns, the rules' rows,
the floor and break-cap rows, the deadline queues' rows and the weekly rows, so it never counts more than the
build does: an LP predicted over its share from this floor (``lp_work`` grows with both counts) is over it once
built too, and skipping it changes no run where it fits today.

``merged_lean_start``: when the weekly mode's fallback, the per-interval LP of the lean requirement
(``weekly_start.interval_lp_start``), is over its share too, the default mode's answer at many queues
(``search.subset_bound.solve_merged``: the same LP with queues merged into groups, fewer skill sets) aimed at the
lean requirement, instead of no LP at all (agents one at a time). Its bound is the merged per-interval centre's,
not the weekly mode's, so it is not used as one.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Hashable

from scheduler.domain.plan import PlanConfig
from scheduler.domain.shifts import ShiftOption
from scheduler.domain.week import Week
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import deadline_cover
from scheduler.rostering.search import weekly_start
from scheduler.rostering.search.lower_bound import (
    AGENT_RULES,
    MAX_PATTERNS_PER_CLASS,
    SHARED_BREAKS_ABOVE_SKILL_SETS,
    AgentClass,
    AggregateSolution,
    agent_classes,
    counted_patterns,
    lp_work,
)
from scheduler.rostering.search.subset_bound import solve_merged
from scheduler.rostering.stopping import NO_STOP, Stop

# CPU seconds the weekly patterns' count takes (``lower_bound.counted_patterns``), charged by ``lp_over``: a class
# counted, a partial week visited, a whole week asked of the day-pattern rules. Fitted by least squares on the 187
# classes of the fifth sweep's four levels centres, each class's count timed with ``time.process_time`` (README
# *Levels over several weeks inside the time limit*): charged/CPU 0.81-1.09 per centre (load 4-5). Before, 2e-5 s a
# pattern found: 435513's 89,210 patterns took 3.45 s of CPU for 1.78 s charged.
PATTERN_CLASS_SECONDS = 3.2e-3
PATTERN_NODE_SECONDS = 6e-7
PATTERN_CHECK_SECONDS = 1.2e-5


class PatternCounts:
    """The weekly patterns of each class, counted once for a week's solve and shared by its size floors
    (``lp_size_floor``): the weighted bound's best-member LP and the aimed heads LP count the same classes' patterns
    (their configs differ in the cover alone, which no day-pattern rule reads), and classes that differ only in
    skills have the same patterns (the class's rules are read from its first agent). ``seconds`` is the CPU the
    counts this object made are charged (``PATTERN_*_SECONDS``); a count it already holds costs nothing."""

    def __init__(self) -> None:
        self._held: dict[Hashable, int | None] = {}

    def count(self, config: PlanConfig, week: Week, agent_class: AgentClass,
              max_seconds: float = math.inf) -> tuple[int | None, float, bool]:
        """The class's patterns (None: more than ``MAX_PATTERNS_PER_CLASS``, or cut), the CPU seconds charged
        for counting them now (0 when already counted), and whether the count was cut at ``max_seconds`` of
        charge (then not kept)."""
        facts = agent_class.facts
        key = (agent_class.contract_id, week.start,
               tuple(tuple((o.template.template_id, o.start_minute) for o in day) for day in agent_class.options),
               agent_class.must_work, agent_class.minimum_minutes, agent_class.maximum_minutes, facts.leave,
               facts.weekend, tuple(rule.signature(facts) for rule in AGENT_RULES))
        if key in self._held:
            return self._held[key], 0.0, False
        search = counted_patterns(config, week, agent_class, MAX_PATTERNS_PER_CLASS, None if max_seconds == math.inf
                                  else lambda nodes, checks: _count_seconds(nodes, checks) > max_seconds)
        found = None if search.patterns is None else len(search.patterns)
        if not search.cut:
            self._held[key] = found
        return found, _count_seconds(search.nodes, search.checks), search.cut


def _count_seconds(nodes: int, checks: int) -> float:
    """The CPU seconds charged for one class's count of ``nodes`` partial weeks and ``checks`` whole ones."""
    return PATTERN_CLASS_SECONDS + nodes * PATTERN_NODE_SECONDS + checks * PATTERN_CHECK_SECONDS


@dataclasses.dataclass(frozen=True)
class LpSize:
    """At most the aggregate LP's columns and rows (``lp_size_floor``)."""

    columns: int
    rows: int
    patterns: int = 0  # of the columns, the weekly patterns counted (``lp_size_floor(patterns=True)``)
    count_seconds: float = 0.0  # the CPU seconds charged for counting them (``PatternCounts``)
    cut: bool = False  # the count stopped inside a class, its charge with the size so far over the work given


def lp_size_floor(instance: Instance, shared_breaks: bool = False, patterns: bool = False,
                  max_work_seconds: float = math.inf, counts: PatternCounts | None = None,
                  count_in_work: bool = False) -> LpSize:
    """The columns and rows that ``lower_bound.solve_aggregate(instance, shared_breaks=shared_breaks)`` (no merged
    cover, breaks shared with ``shared_breaks`` or above ``SHARED_BREAKS_ABOVE_SKILL_SETS`` skill sets) builds at
    least (module docstring), counted the same way
    its build creates them: per class, day and candidate shift a variable; per skill set, day and shift a count
    and its row; per break rule and start offset a variable, with a row per break rule; per skill set and slot on
    the floor a variable per queue required there, with a row, and a row per queue and slot. With ``patterns`` also
    each class's weekly patterns (``lower_bound.weekly_patterns``, a column each) and their rows (one for the class,
    one per day and template): most of the LP's columns at 150 agents x 10 queues with levels (36,403 of 60,658),
    counted by ``counts`` (a new ``PatternCounts`` when None; the counting's charge in ``count_seconds``). The
    patterns are counted class by class last, and the
    count stops once the size so far is over ``max_work_seconds`` of predicted work (``lp_work``): still a floor,
    and all ``lp_over`` needs to know (at 103 agents with a 24-hour opening the count took 3.4-4.3 s of CPU for 89,210
    patterns, twice a week, for two LPs over their share; README *A fifth sweep*). With ``count_in_work`` the
    count's own charge is work of the LP too (its build enumerates the same patterns again): the count stops, inside
    a class if need be (``cut``), once the size so far and its charge are over ``max_work_seconds``."""
    config, week = instance.config, instance.week
    interval = config.interval_minutes
    requirements = deadline_cover.live_requirements(instance)
    queue_row = {q.queue_id: i for i, q in enumerate(config.queues)}
    columns = rows = pattern_count = 0
    shift_counts: dict[tuple[tuple[str, ...], int, tuple[str, int]], ShiftOption] = {}
    classes = agent_classes(config, week)
    for agent_class in classes:
        for d, options in enumerate(agent_class.options):
            columns += len(options)
            for o in options:
                shift_counts[agent_class.skills, d, (o.template.template_id, o.start_minute)] = o
    shared = shared_breaks or len({skills for skills, _, _ in shift_counts}) > SHARED_BREAKS_ABOVE_SKILL_SETS
    columns += len(shift_counts)
    rows += len(shift_counts)
    broken: set[tuple[int, tuple[str, int]]] = set()
    floor: dict[tuple[str, ...], set[int]] = {}
    for (skills, d, key), option in shift_counts.items():
        template, start = option.template, option.start_minute
        slots = floor.setdefault(skills, set())
        for minute in range(start, start + template.length_minutes, interval):
            slot = week.slot(d, minute)
            if 0 <= slot < week.slot_count:
                slots.add(slot)
        if shared and (d, key) in broken:
            continue
        broken.add((d, key))
        for rule in template.breaks:
            rows += 1
            columns += len(range(rule.earliest_after_start_minutes, rule.latest_after_start_minutes + 1, interval))
    queue_slots: set[tuple[int, int]] = set()
    for skills, slots in floor.items():
        indices = [queue_row[q] for q in skills if q in queue_row]
        for slot in slots:
            required = [q for q in indices if requirements[q, slot] > 0]
            columns += len(required)
            rows += 1 if required else 0
            queue_slots.update((q, slot) for q in required)
    rows += len(queue_slots)
    counts = PatternCounts() if counts is None else counts
    count_seconds = 0.0
    for agent_class in classes if patterns else ():
        spent = count_seconds if count_in_work else 0.0
        if lp_work(columns, rows) + spent > max_work_seconds:
            break  # over already: the classes left can only add to it
        found, seconds, cut = counts.count(config, week, agent_class, max_work_seconds - lp_work(columns, rows)
                                           - spent if count_in_work else math.inf)
        count_seconds += seconds
        if cut:
            return LpSize(columns, rows, pattern_count, count_seconds, cut=True)
        if found is not None:
            pattern_count += found
            columns += found
            rows += 1 + sum(len({o.template.template_id for o in options}) for options in agent_class.options)
    return LpSize(columns, rows, pattern_count, count_seconds)


def merged_lean_start(instance: Instance, seconds: float = math.inf, max_work_seconds: float = math.inf,
                      max_skill_sets: int | None = None, on_time_out: Callable[[], None] | None = None,
                      spend_seconds: Callable[[float], None] = lambda seconds: None,
                      stop: Stop = NO_STOP) -> AggregateSolution | None:
    """The merged-queue LP (``subset_bound.solve_merged``, at most ``max_skill_sets`` skill sets) of the weekly
    instance's lean requirement (``weekly_start.interval_instance``) as the weekly mode's start, its work passed
    to ``spend_seconds`` in CPU seconds, with no bound (0); None outside the weekly mode or when no grouping is
    solved (over ``max_work_seconds``, the wall clock ``seconds``, ``stop``)."""
    lean = weekly_start.interval_instance(instance)
    if lean is None:
        return None
    solution = solve_merged(lean, seconds=seconds, max_work_seconds=max_work_seconds, on_time_out=on_time_out,
                            max_skill_sets=max_skill_sets, spend_seconds=spend_seconds, stop=stop)
    return None if solution is None else dataclasses.replace(solution, bound=0.0)


def lp_over(instance: Instance, max_work_seconds: float, shared_breaks: bool = False,
            spend_seconds: Callable[[float], None] = lambda seconds: None,
            counts: PatternCounts | None = None, count_in_work: bool = False) -> bool:
    """Whether the aggregate LP of ``instance`` (``shared_breaks`` as ``lower_bound.solve_aggregate``'s) is over
    ``max_work_seconds`` of predicted work (``lp_work``) before it is built: its size's floor with the weekly
    patterns (``lp_size_floor``) already is, so its build would be charged for nothing. Never True where the built
    LP fits. The patterns' count (``counts``, shared by a week's LPs) is passed to ``spend_seconds`` in CPU seconds
    (``PatternCounts``: only the classes counted here for the first time). With ``count_in_work`` (an LP whose
    share is all the CPU it may take, as the horizon's bound without the carry-in) the count's charge is part of
    the predicted work (``lp_size_floor``), so an LP whose patterns alone cost more than its share is over."""
    size = lp_size_floor(instance, shared_breaks, patterns=True, max_work_seconds=max_work_seconds, counts=counts,
                         count_in_work=count_in_work)
    spend_seconds(size.count_seconds)
    return size.cut or lp_work(size.columns, size.rows) + (size.count_seconds if count_in_work else 0.0) > (
        max_work_seconds)


def weekly_lp_over(instance: Instance, max_work_seconds: float) -> bool:
    """Whether the weekly mode's aggregate LP is over ``max_work_seconds`` of predicted work before it is built:
    ``lp_work`` of its size's floor (``lp_size_floor``) times ``weekly_start.lp_work_factor``, as
    ``solve.py``'s ``_charged_lp`` charges it once built. Never True outside the weekly mode (the default mode's
    LP is built and checked as before), nor where the built LP fits."""
    if instance.service_curves is None:
        return False
    size = lp_size_floor(instance)
    return lp_work(size.columns, size.rows) * weekly_start.lp_work_factor(instance) > max_work_seconds
