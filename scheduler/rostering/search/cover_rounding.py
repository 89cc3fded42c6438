"""A rounding of the aggregate LP that keeps its cover: one small integer program per day (``search.lp_start``'s
steps 2 and 3 replaced).

The plain rounding rounds each class's start weights for one template and day on their own and then places
breaks greedily; on 150-agent centres its roster was 65-78% above the LP bound, almost all of it 45-100
under-staffed agent-intervals (about three quarters of them from the breaks: the rounded starts leave the
breaks no room the LP's fractional starts had), which the local search then spends most of its run repairing.

Here the weekly patterns are dealt exactly as before (``lp_start.dealt_patterns``: who works which template on
which day, so paid hours, days and day-pattern rules are the plain rounding's), and each day one integer program
chooses, in whole agents, how many of a class's agents on a template start at each time and how many of those
take each break at each offset, maximising the agent-intervals covered (cover allocated to queues by skill, as
in the LP; on-floor heads are fixed by the patterns, so more cover means less under- and over-staffing alike),
within the centre-wide break cap. The starts a class may use are the LP's support for that template and day and
their neighbours on the start grid. Each chosen start's breaks are dealt to its shifts in sorted order per
break (which keeps the gap between consecutive breaks whenever any dealing does), and the agents are matched
to starts as in ``lp_start`` (latest to latest, for the rest rule). A shift whose start the matching changed,
or whose dealt breaks miss the gap, keeps the greedy breaks. Deterministic (HiGHS, one thread, a node limit:
``mip_highs``).

The patterns themselves (how many of a class's agents work each of the LP's weekly patterns) are rounded first, each
count to its floor or ceiling: by one small integer program over all classes that keeps the paid minutes per skill
set, day and template (and per class) nearest the LP's (``_dealt_exactly``), or greedily (``_dealt_to_cover``,
the fall-back).

Used only for plain interval cover (no deadline queues, no weekly service-level mode, no proficiency weights,
no activities): the other objectives are not counted here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from ortools.linear_solver import pywraplp

from scheduler.domain.plan import ShiftTemplate
from scheduler.domain.roster import BreakAssignment, ShiftAssignment
from scheduler.domain.shifts import ShiftOption
from scheduler.rostering import effective_cover
from scheduler.rostering.break_placement import latest_break_offsets
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import break_cap
from scheduler.rostering.search.lower_bound import AggregateSolution, ClassPlan
from scheduler.rostering.search.lp_start import dealt_patterns, lp_weeks, round_to_total
from scheduler.rostering.search.mip_highs import solve_highs_mip
from scheduler.rostering.stopping import NO_STOP, Stop

# LP weights below this count as zero (GLOP's values carry rounding noise).
EPSILON = 1e-9
# Neighbours on the start grid (each side) a class may use beside the LP's own starts for a template and day.
NEIGHBOUR_STARTS = 1
# The day's integer program and the exact dealing go to HiGHS (``mip_highs``: one thread, a node limit, the same
# solve for the same model every time). They went to SCIP, whose run depends on where its data sits in memory (the
# same model gave another node count or another optimal solution from one process to the next); HiGHS closed the
# same days at their root (README, "Same input, same roster: the day programs on HiGHS"). CP-SAT with one worker
# took 0.5-1.9 deterministic units per weekday to prove what SCIP found in 0.5-1.2 s of CPU (150 agents).
# Building the model: a ``pywraplp`` solver (its back end is never run; its model proto goes to HiGHS).
MIP_SOLVER = "SCIP"
# Branch-and-bound nodes per day at most, a deterministic limit: most days close at the root; one day of 150-agent
# seed 846566 took SCIP 500 nodes (20 s of CPU) to close its last agent-interval, 20 nodes about 1 s.
NODE_LIMIT = 20
# Days whose model would have more variables than this keep the plain rounding (a guard for very large centres).
MAX_VARIABLES_PER_DAY = 30_000
# Building and solving one day's model, charged per variable and constraint in budget units (CPU seconds x 0.33,
# measured with ``time.process_time`` on 150-agent centres: 5.5e-5 fitted with 3 queues charged the 8-queue centre
# of ``benchmarks/budget_calibration.py`` 1.6 times below its CPU time, so the larger models' rate).
UNITS_PER_ROW = 8.8e-5
# and per branch-and-bound node beyond the root (deterministic), for the days that branch (846566's: 0.1-0.2 s of
# CPU per node)
UNITS_PER_NODE = 0.06

# Whether step 1 deals the patterns by one integer program over all classes (``_dealt_exactly``) rather than
# greedily (``_dealt_to_cover``, also the fall-back): the greedy follows the LP's paid minutes per skill set and day
# but cannot undo a choice, and on 150-agent centres left a weekday 13 paid hours under the LP's for the same skill
# set (990776: Tuesday, its 11 short agent-intervals; the day after 18 hours over), which the local search then
# paid for with added part-time shifts (README "An exact dealing of the LP's patterns"). Off for the start: on
# one centre of 26 (805556) the run from the integer dealing stalled with 9 agent-intervals short (gap 24%); the
# solve uses it for every second local-search run instead (``solve.ALTERNATE_DEALING``).
EXACT_DEALING = False
# Weight of a skill set's paid minutes on a day against those of one template (both in the dealing's objective).
DAY_DEVIATION_WEIGHT = 1.0
# Weight of one class's paid minutes on a day and template (its agents' start options and rest are its own).
CLASS_DEVIATION_WEIGHT = 1.0
# Branch-and-bound nodes of the dealing at most (deterministic; it closes at the root or within a few nodes).
DEALING_NODE_LIMIT = 50

# (plan index in ``AggregateSolution.plans``, day index, template id, start minute) -> break offsets (minutes
# after the start, one per break of the template) still to deal, one tuple per shift
_Pools = dict[tuple[int, int, str, int], list[tuple[int, ...]]]


def applies(instance: Instance) -> bool:
    """Whether the instance's cover is the plain per-interval head count this rounding maximises."""
    config = instance.config
    return (not instance.deadlines and instance.service_curves is None and not effective_cover.weighted(config)
            and not config.activities)


def cover_weeks(instance: Instance, solution: AggregateSolution, *,
                spend: Callable[[float], None] = lambda units: None,
                stop: Stop = NO_STOP, exact: bool | None = None,
                balanced: bool = False) -> dict[str, tuple[ShiftAssignment, ...]]:
    """The LP roster by agent, rounded day by day to keep the LP's cover (module docstring); as
    ``lp_start.lp_weeks``, an agent whose week breaks one of their rules is left out. Each day's model is
    charged to ``spend`` by its size (``UNITS_PER_ROW``, budget units); ``stop`` caps its wall time. ``exact``:
    whether the patterns are dealt by the integer program or greedily (``None``: ``EXACT_DEALING``); ``balanced``:
    the greedy's score (``_dealt_to_cover``)."""
    plans = _dealt_exactly(solution, spend) if (EXACT_DEALING if exact is None else exact) else None
    solution = replace(solution, plans=plans if plans is not None else _dealt_to_cover(solution, balanced))
    chosen: dict[tuple[int, int, str], list[ShiftOption]] = {}
    pools: _Pools = {}
    dealt = {index: dealt_patterns(plan) for index, plan in enumerate(solution.plans) if plan.patterns}
    for day in range(7):
        day_chosen, day_pools = _round_day(instance, solution, dealt, day, spend, stop)
        chosen.update(day_chosen)
        pools.update(day_pools)
    plan_of = {a: index for index, plan in enumerate(solution.plans) for a in plan.agent_class.agent_ids}
    week = instance.week

    def dealt_breaks(shift: ShiftAssignment) -> tuple[BreakAssignment, ...] | None:
        pool = pools.get((plan_of[shift.agent_id], week.day_index(shift.date), shift.template_id,
                          shift.start_minute))
        if not pool:
            return None
        template = instance.config.template(shift.template_id)
        return tuple(BreakAssignment(rule.kind, shift.start_minute + offset, rule.minutes)
                     for rule, offset in zip(template.breaks, pool.pop(0), strict=True))

    return lp_weeks(instance, solution, chosen, dealt_breaks=dealt_breaks)



def _scaled_weights(plan: ClassPlan) -> tuple[int, list[float], dict[str, int]]:
    """The class's agents, its pattern weights scaled to sum to them (evenly when the LP left them all zero), and
    each template's paid minutes: what both dealings start from."""
    agents = len(plan.agent_class.agent_ids)
    total = sum(plan.pattern_weights)
    scaled = [w * agents / total if total > EPSILON else agents / len(plan.patterns) for w in plan.pattern_weights]
    paid = {o.template.template_id: o.paid_minutes for day in plan.agent_class.options for o in day}
    return agents, scaled, paid

def _dealt_to_cover(solution: AggregateSolution, balanced: bool = False) -> tuple[ClassPlan, ...]:
    """The plans with each class's pattern weights rounded to whole agents (the weights then are those counts):
    every weight to its floor or its ceiling, the class's agents all dealt, and which patterns go up decided for
    all classes at once, greedily, by the LP's paid minutes per skill set and day that the patterns chosen so far
    leave unworked (the plain rounding decides per class and can leave a day short in every class at once).
    ``balanced``: the pattern that most lowers the squared residual (``2 r.m - m.m``), not the one most aligned with
    it (``r.m``, which favours the longest patterns when the LP spreads a class thinly over many: on one centre the
    weekly LP's plan dealt that way paid 6.2% more than the LP's, README issue 18)."""
    residual: dict[tuple[str, ...], np.ndarray] = defaultdict(lambda: np.zeros(7))
    counts: dict[int, list[int]] = {}
    open_patterns: dict[int, list[tuple[int, float]]] = {}  # per plan: (pattern position, fraction)
    wanted: dict[int, int] = {}
    minutes: dict[int, list[np.ndarray]] = {}
    for index, plan in enumerate(solution.plans):
        if not plan.patterns:
            continue
        agents, scaled, paid = _scaled_weights(plan)
        minutes[index] = [np.array([paid[t] if t is not None else 0 for t in p], dtype=float) for p in plan.patterns]
        counts[index] = [math.floor(w + EPSILON) for w in scaled]
        wanted[index] = agents - sum(counts[index])
        open_patterns[index] = [(i, w - c) for i, (w, c) in enumerate(zip(scaled, counts[index], strict=True))
                                if w - c > EPSILON]
        for i, w in enumerate(scaled):
            residual[plan.agent_class.skills] += (w - counts[index][i]) * minutes[index][i]
    while any(wanted.values()):
        best: tuple[float, float, int, int] | None = None
        for index, left in wanted.items():
            if not left:
                continue
            if not open_patterns[index]:  # (GLOP's noise left the fractions short: any pattern)
                open_patterns[index] = [(i, 0.0) for i in range(len(minutes[index]))]
            skills = solution.plans[index].agent_class.skills
            for position, (i, fraction) in enumerate(open_patterns[index]):
                aligned = float(residual[skills] @ minutes[index][i])
                if balanced:
                    aligned = 2 * aligned - float(minutes[index][i] @ minutes[index][i])
                score = (aligned, fraction, -index, -position)
                if best is None or score > best:
                    best = score
        assert best is not None
        index, position = -best[2], -best[3]
        i, _ = open_patterns[index].pop(position)
        counts[index][i] += 1
        wanted[index] -= 1
        residual[solution.plans[index].agent_class.skills] -= minutes[index][i]
    return tuple(replace(plan, pattern_weights=tuple(float(c) for c in counts[index])) if index in counts else plan
                 for index, plan in enumerate(solution.plans))


def _dealt_exactly(solution: AggregateSolution, spend: Callable[[float], None]) -> tuple[ClassPlan, ...] | None:
    """The plans with each class's pattern weights rounded to whole agents, as ``_dealt_to_cover`` (every weight
    to its floor or ceiling, every agent dealt), which patterns go up chosen by one integer program over all
    classes: it minimises the paid minutes the dealt patterns put on each skill set, day and template away from
    the LP's, over or under, plus those per skill set and day (``DAY_DEVIATION_WEIGHT``) and per class, day and
    template (``CLASS_DEVIATION_WEIGHT``). ``None`` when HiGHS
    finds nothing within its node limit (the greedy dealing then). Charged as the day programs."""
    model = pywraplp.Solver.CreateSolver(MIP_SOLVER)
    if model is None:
        return None
    floors: dict[int, list[int]] = {}
    ups: dict[int, list[tuple[int, pywraplp.Variable]]] = {}  # per plan: (pattern position, goes up)
    target: dict[tuple, float] = defaultdict(float)  # (skills, day[, template]) -> the LP's paid minutes
    dealt: dict[tuple, list] = defaultdict(list)  # same keys -> linear terms of the dealt minutes
    for index, plan in enumerate(solution.plans):
        if not plan.patterns:
            continue
        agents, scaled, paid = _scaled_weights(plan)
        floors[index] = [math.floor(w + EPSILON) for w in scaled]
        fractional = [i for i, w in enumerate(scaled) if w - floors[index][i] > EPSILON]
        wanted = agents - sum(floors[index])
        if wanted and not fractional:  # (GLOP's noise left the fractions short: any pattern)
            fractional = list(range(len(scaled)))
        ups[index] = [(i, model.BoolVar("")) for i in fractional]
        model.Add(sum(v for _, v in ups[index]) == wanted)
        up = dict(ups[index])
        skills = plan.agent_class.skills
        for i, pattern in enumerate(plan.patterns):
            for day, template_id in enumerate(pattern):
                if template_id is None:
                    continue
                minutes = paid[template_id]
                for key in ((skills, day, template_id), (skills, day), (index, day, template_id)):
                    target[key] += scaled[i] * minutes
                    dealt[key].append(floors[index][i] * minutes)
                    if i in up:
                        dealt[key].append(minutes * up[i])
    deviations = []
    for key, lp_minutes in target.items():
        deviation = model.NumVar(0, model.infinity(), "")
        model.Add(deviation >= sum(dealt[key]) - lp_minutes)
        model.Add(deviation >= lp_minutes - sum(dealt[key]))
        weight = (DAY_DEVIATION_WEIGHT if len(key) == 2 else CLASS_DEVIATION_WEIGHT if isinstance(key[0], int)
                  else 1.0)
        deviations.append(weight * deviation)
    model.Minimize(sum(deviations))
    spend(UNITS_PER_ROW * (model.NumVariables() + model.NumConstraints()))
    result = solve_highs_mip(model, node_limit=DEALING_NODE_LIMIT)
    if result is None:
        return None
    spend(UNITS_PER_NODE * max(0, result.nodes - 1))
    counts = {index: list(floors[index]) for index in floors}
    for index, chosen in ups.items():
        for i, var in chosen:
            counts[index][i] += round(result.values[var.index()])
    return tuple(replace(plan, pattern_weights=tuple(float(c) for c in counts[index])) if index in counts else plan
                 for index, plan in enumerate(solution.plans))


@dataclass(frozen=True)
class _Group:
    """The agents of one class dealt one template on the day: their candidate starts and LP weights."""

    index: int
    skills: tuple[str, ...]
    template: ShiftTemplate
    workers: int
    options: tuple[ShiftOption, ...]
    weights: tuple[float, ...]


def _groups(solution: AggregateSolution, dealt: dict[int, list[tuple[str | None, ...]]], day: int) -> list[_Group]:
    groups = []
    for index, patterns in dealt.items():
        agent_class = solution.plans[index].agent_class
        options, weights = agent_class.options[day], solution.plans[index].shift_weights[day]
        for template_id in sorted({t for p in patterns if (t := p[day]) is not None}):
            same = sorted(((o, w) for o, w in zip(options, weights, strict=True)
                           if o.template.template_id == template_id), key=lambda ow: ow[0].start_minute)
            used = [i for i, (_, w) in enumerate(same) if w > EPSILON]
            keep = (sorted({j for i in used for j in range(i - NEIGHBOUR_STARTS, i + NEIGHBOUR_STARTS + 1)
                            if 0 <= j < len(same)}) if used else range(len(same)))
            groups.append(_Group(index, agent_class.skills, same[0][0].template,
                                 sum(p[day] == template_id for p in patterns),
                                 tuple(same[j][0] for j in keep), tuple(same[j][1] for j in keep)))
    return groups


def _break_offsets(template: ShiftTemplate, interval: int) -> list[list[int]]:
    """Per break, its possible offsets from the shift start on the interval grid (window, room for the breaks
    before and after it)."""
    latest = latest_break_offsets(template)
    earliest, offsets = 0, []
    for k, rule in enumerate(template.breaks):
        low = max(rule.earliest_after_start_minutes, earliest)
        offsets.append(list(range(low, max(low, latest[k]) + 1, interval)))
        earliest = low + rule.minutes + template.min_break_gap_minutes
    return offsets


def _round_day(instance: Instance, solution: AggregateSolution, dealt: dict[int, list[tuple[str | None, ...]]],
               day: int, spend: Callable[[float], None],
               stop: Stop) -> tuple[dict[tuple[int, int, str], list[ShiftOption]], _Pools]:
    config, week = instance.config, instance.week
    interval = config.interval_minutes
    groups = _groups(solution, dealt, day)
    if not groups:
        return {}, {}
    model = pywraplp.Solver.CreateSolver(MIP_SOLVER)
    if model is None:
        return {}, {}
    hints: list[tuple[pywraplp.Variable, float]] = []
    first = week.slot(day, 0)
    last = min(week.slot_count, max(week.slot(day, o.end_minute) for g in groups for o in g.options))
    slots = last - first
    # per skill set and slot of the day: terms of the heads on the floor
    floor: dict[tuple[str, ...], list[list[tuple[pywraplp.Variable, int]]]] = defaultdict(
        lambda: [[] for _ in range(slots)])
    on_break: list[list[pywraplp.Variable]] = [[] for _ in range(slots)]
    starts: list[list[pywraplp.Variable]] = []
    breaks: list[list[list[list[tuple[int, pywraplp.Variable]]]]] = []  # [group][option][break] -> (offset, count)
    for g in groups:
        counts = [model.IntVar(0, g.workers, "") for _ in g.options]
        model.Add(sum(counts) == g.workers)
        hint = round_to_total(g.weights, g.workers)
        for var, value in zip(counts, hint, strict=True):
            hints.append((var, value))
        starts.append(counts)
        offsets = _break_offsets(g.template, interval)
        group_breaks = []
        for option, count, hinted in zip(g.options, counts, hint, strict=True):
            begin = week.slot(day, option.start_minute) - first
            for t in range(begin, min(slots, week.slot(day, option.end_minute) - first)):
                floor[g.skills][t].append((count, 1))
            option_breaks = []
            for rule, choices in zip(g.template.breaks, offsets, strict=True):
                taken = [(offset, model.IntVar(0, g.workers, "")) for offset in choices]
                model.Add(sum(v for _, v in taken) == count)
                for position, (_, var) in enumerate(taken):  # (a complete hint: every break at its earliest)
                    hints.append((var, hinted if position == 0 else 0))
                for offset, var in taken:
                    at = week.slot(day, option.start_minute + offset) - first
                    for t in range(at, min(slots, at + rule.minutes // interval)):
                        floor[g.skills][t].append((var, -1))
                        on_break[t].append(var)
                option_breaks.append(taken)
            # the gap after each break: dealt in sorted order, the k+1-th break's i-th offset must leave the gap
            # after the k-th break's i-th, i.e. no more of the next breaks up to any offset than of this break
            # up to that offset less the gap (Hall's condition for the sorted dealing)
            for rule, taken, later in zip(g.template.breaks, option_breaks, option_breaks[1:], strict=False):
                room = rule.minutes + g.template.min_break_gap_minutes
                for bound, _ in later:
                    model.Add(sum(v for o, v in later if o <= bound) <= sum(v for o, v in taken if o <= bound - room))
            group_breaks.append(option_breaks)
        breaks.append(group_breaks)
    cap = break_cap.cap(config)
    if cap is not None:
        for t in range(slots):
            if on_break[t]:
                model.Add(sum(on_break[t]) <= cap)
    queue_index = {q.queue_id: i for i, q in enumerate(config.queues)}
    required = np.asarray(instance.requirements)[:, first:last]
    covered: list[pywraplp.Variable] = []
    by_queue: dict[tuple[int, int], list[pywraplp.Variable]] = defaultdict(list)
    for skills, terms in floor.items():
        for t, slot_terms in enumerate(terms):
            if not slot_terms:
                continue
            allocated = []
            for queue_id in skills:
                q = queue_index[queue_id]
                if required[q, t] > 0:
                    var = model.NumVar(0, int(required[q, t]), "")
                    allocated.append(var)
                    by_queue[q, t].append(var)
            if allocated:
                model.Add(sum(allocated) <= sum(coefficient * var for var, coefficient in slot_terms))
    for (q, t), allocated in by_queue.items():
        cover = model.NumVar(0, int(required[q, t]), "")
        model.Add(cover <= sum(allocated))
        covered.append(cover)
    model.Maximize(sum(covered))
    spend(UNITS_PER_ROW * (model.NumVariables() + model.NumConstraints()))
    result = None
    if model.NumVariables() <= MAX_VARIABLES_PER_DAY and not stop.stopped():
        # (the wall-clock cap bounds the solve: a run it cuts is not reproducible anyway)
        result = solve_highs_mip(model, node_limit=NODE_LIMIT, hint=hints, stop=stop)
        if result is not None:
            spend(UNITS_PER_NODE * max(0, result.nodes - 1))
    chosen: dict[tuple[int, int, str], list[ShiftOption]] = {}
    pools: _Pools = {}
    found = result is not None
    solved = result.values if result is not None else ()
    for g, counts, group_breaks in zip(groups, starts, breaks, strict=True):
        key = (g.index, day, g.template.template_id)
        values = [round(solved[c.index()]) for c in counts] if found else round_to_total(g.weights, g.workers)
        chosen[key] = [o for o, n in zip(g.options, values, strict=True) for _ in range(n)]
        if not found:
            continue
        for option, n, option_breaks in zip(g.options, values, group_breaks, strict=True):
            per_break = [sorted(o for o, var in taken for _ in range(round(solved[var.index()])))
                         for taken in option_breaks]
            dealt_offsets = [tuple(column) for column in zip(*per_break, strict=True)] if per_break else [()] * n
            pools[(*key, option.start_minute)] = [o for o in dealt_offsets if _keeps_gaps(g.template, o)]
    return chosen, pools


def _keeps_gaps(template: ShiftTemplate, offsets: tuple[int, ...]) -> bool:
    """Whether breaks at these offsets keep the template's gap (end of one to start of the next)."""
    return all(later >= earlier + rule.minutes + template.min_break_gap_minutes
               for earlier, later, rule in zip(offsets, offsets[1:], template.breaks, strict=False))

