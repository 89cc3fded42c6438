"""A proven lower bound on the roster objective: the LP relaxation of the aggregate (class-level) problem.

Agents who are interchangeable for the hard rules (same contract, skills, candidate shifts every day, days
that must be worked, weekly minimum) form a *class*. The relaxation counts, per class, how many of its
agents work each candidate shift on each day, and per skill set how many of those shifts take each break
at each allowed start. Every constraint below holds for any valid roster once its agents are counted this
way, so the LP optimum can only be lower than the best roster's objective:

- a class's agents work at most one shift a day each; pinned working days are worked;
- each class's weekly patterns (template or day off per day) keep every day-pattern rule
  (``LabourRule.keeps_days``) and the weekly paid minutes (``rules.weekly_hours.paid_range``); a class with
  too many patterns gets instead each rule's rows summed over the class (``LabourRule.aggregate`` with
  ``summed``);
- every rule's own aggregate rows (``LabourRule.aggregate``), e.g. min rest per day and end time;
- every break of every worked shift starts once inside its window; the centre-wide break cap
  (``rules.break_cap.cap``) holds;
- cover: agents on the floor (shift minus break) are allocated to queues they are skilled for, each once.
  With more than ``SHARED_BREAKS_ABOVE_SKILL_SETS`` skill sets the breaks are counted for all skill sets
  together (a skill set's cover is bounded by its agents on shift, all cover by the agents on the floor), so
  the LP grows with skill sets x shifts, not skill sets x shifts x break starts.

The rows that stay here rather than in a rule: one shift a day per agent (the class structure itself), the
break rows (their variables are per skill set, shared by every class with those skills, and also feed the cap
and the cover) and the cover rows (the objective's own structure, not a labour rule).

The objective is the model's: under-staffing, over-staffing and paid hours; the soft rules (preferences,
fairness, start changes, re-plan changes) cost at least zero and are left out. Dropped rules (break spacing,
min consecutive days off, per-agent sums) only widen the relaxation, so the bound stays valid.

Solved with GLOP (OR-Tools' simplex), which is deterministic. The LP is usually far tighter than the
relaxation that keeps breaks on the floor, because it sees the cover breaks take away.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from scheduler.domain.plan import Agent, PlanConfig
from scheduler.domain.shifts import ShiftOption
from scheduler.domain.week import Week
from scheduler.rostering import effective_cover
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import (
    AGENT_RULES,
    AgentWeek,
    agent_week,
    allowed_options,
    break_cap,
    deadline_cover,
    floor_rules,
    keeps_days,
    weekly_service_level,
)
from scheduler.rostering.rules.weekly_hours import paid_range
from scheduler.rostering.search.lp_highs import solve_highs_ipm
from scheduler.rostering.stopping import NO_STOP, Stop

# Weekly patterns enumerated per class at most (loose contracts with many templates can have millions).
MAX_PATTERNS_PER_CLASS = 20_000
# Above this many skill sets, break variables are shared by all skill sets (each skill set's cover is bounded by
# its agents on shift, all cover together by the agents on the floor): a weaker bound, but the LP stays small
# as queues and skill sets grow (per skill set, it grows with skill sets x shifts x break starts).
SHARED_BREAKS_ABOVE_SKILL_SETS = 8
# How ``solve_aggregate`` solves the LP: GLOP's simplex (the default), or HiGHS's IPM with crossover
# (``search.lp_highs``; the weekly mode's LP, several times faster there).
GLOP = "GLOP"
HIGHS_IPM = "HIGHS_IPM"
# Relative safety margin taken off the LP optimum for the simplex's feasibility tolerances.
RELATIVE_TOLERANCE = 1e-6
# The same for an LP with the weekly service-level rows (curves priced at the shortfall's 1,000 per contact): GLOP's
# and HiGHS's optima of the same weekly LP differed by 2e-5 relative (README issue 18, 60 x 3), so five times that.
WEEKLY_RELATIVE_TOLERANCE = 1e-4
# CPU seconds per variable to build the LP, and per variable x row to solve it (``lp_work``).
LP_BUILD_SECONDS_PER_VARIABLE = 5e-5
LP_SOLVE_SECONDS_PER_ENTRY = 2.1e-8


@dataclass(frozen=True)
class CoverView:
    """The queues the LP's cover rows see, when not the centre's own: ``queue_ids`` in ``requirements`` row
    order (an int array ``[queue, slot]`` of agents) and each agent skill set's skills among them
    (``skills_of``). ``search.subset_bound`` builds one that merges queues into groups, a relaxation."""

    queue_ids: tuple[str, ...]
    requirements: np.ndarray
    skills_of: Mapping[tuple[str, ...], tuple[str, ...]]
    # each merged queue id -> the centre's queues it stands for (absent: itself), for the weekly mode's rows
    members: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    # merged queue id -> the most agent-intervals it may be allocated over the week (its members' requirement less
    # what each member is short in every roster: ``search.queue_shortage``); absent: no cap
    allocation_caps: Mapping[str, float] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class AgentClass:
    """Agents interchangeable for the hard rules, and how many there are."""

    contract_id: str
    skills: tuple[str, ...]
    options: tuple[tuple[ShiftOption, ...], ...]  # candidate shifts per day of the week
    must_work: tuple[bool, ...]  # per day: a pinned shift that has to be worked
    minimum_minutes: int
    maximum_minutes: int
    agent_ids: tuple[str, ...]
    facts: AgentWeek  # the first agent's: every agent of the class has the same rule parameters


def agent_classes(config: PlanConfig, week: Week, cover: CoverView | None = None) -> list[AgentClass]:
    """The agents grouped into classes, in a fixed order (first agent's order in the config); with ``cover``,
    by their skills in it (agents whose skills differ only outside it share a class)."""
    grouped: dict[tuple, AgentClass] = {}
    counted = floor_rules.presence_rows(config, week)
    for agent in config.agents:
        # (no labour rule reads skills: only the cover rows do, so a coarser cover may merge classes)
        skills = agent.skills if cover is None else cover.skills_of[agent.skills]
        facts = agent_week(config, week, agent)
        options = tuple(allowed_options(config, week, agent, d, facts) for d in range(7))
        must_work = tuple(_must_work(config, agent, week, d) for d in range(7))
        minimum, maximum = paid_range(facts)
        # leave days are in the key: rules may count them (``time_off_counts_as``)
        key = (agent.contract_id, skills, tuple(tuple((o.template.template_id, o.start_minute) for o in day)
                                                       for day in options), must_work, minimum, facts.leave,
               floor_rules.signature(counted, agent.agent_id), tuple(r.signature(facts) for r in AGENT_RULES))
        known = grouped.get(key)
        grouped[key] = (AgentClass(agent.contract_id, skills, options, must_work, minimum, maximum,
                                   (agent.agent_id,), facts)
                        if known is None else dataclasses.replace(known, agent_ids=(*known.agent_ids, agent.agent_id)))
    return list(grouped.values())


def _must_work(config: PlanConfig, agent: Agent, week: Week, day_index: int) -> bool:
    pinned, kept = config.pinned(agent.agent_id, week.day(day_index))
    return pinned and kept is not None


@dataclass(frozen=True)
class ClassPlan:
    """The LP's plan for one class: weight of each weekly pattern, and of each candidate shift per day."""

    agent_class: AgentClass
    patterns: tuple[tuple[str | None, ...], ...]
    pattern_weights: tuple[float, ...]
    shift_weights: tuple[tuple[float, ...], ...]  # per day, aligned with ``agent_class.options[day]``


@dataclass(frozen=True)
class AggregateSolution:
    """The aggregate LP's proven bound (objective units) and its fractional plan per class."""

    bound: float
    plans: tuple[ClassPlan, ...]
    variables: int  # size of the LP, for budgeting
    rows: int = 0
    # heads per slot the LP puts on each deadline queue (``rules.deadline_cover``), by queue index
    deadline_heads: dict[int, np.ndarray] = dataclasses.field(default_factory=dict)
    # the weekly mode's LP: per queue and slot, the heads that answer on Erlang's own curve what its plan answers
    # (``weekly_service_level.lp_heads``); None for every other LP
    weekly_heads: np.ndarray | None = None


def lp_work(variables: int, rows: int) -> float:
    """The work of building and solving an aggregate LP of this size, in CPU seconds of the 2-core CI machine
    (measured with ``time.process_time`` from the example to 150 agents x 30 queues: building grows with the
    variables, GLOP's simplex with variables x rows)."""
    return variables * LP_BUILD_SECONDS_PER_VARIABLE + variables * rows * LP_SOLVE_SECONDS_PER_ENTRY


def solve_aggregate(instance: Instance, seconds: float = math.inf, max_work_seconds: float = math.inf,
                    on_time_out: Callable[[], None] | None = None,
                    cover: CoverView | None = None,
                    on_built: Callable[[int, int], None] | None = None,
                    stop: Stop = NO_STOP, shared_breaks: bool = False,
                    method: str = GLOP) -> AggregateSolution | None:
    """Solve the aggregate LP within ``seconds`` of wall time; ``None`` if it could not be solved in time or
    ``stop`` ended it (then ``on_time_out`` is called: a loaded machine or an interrupt, not the input, decided),
    or when its predicted work (``lp_work``, deterministic) exceeds ``max_work_seconds`` (the caller keeps its
    other bounds). ``cover`` replaces the centre's queues in the cover rows (a relaxation when it merges queues:
    ``search.subset_bound``); ``on_built`` is told the LP's columns and rows once built, before its predicted
    work is checked. GLOP is interrupted as soon as ``stop`` says stop (``Stop.watching``). ``shared_breaks``:
    count breaks for all skill sets together whatever their number (``SHARED_BREAKS_ABOVE_SKILL_SETS``).
    ``method``: GLOP's simplex, or ``HIGHS_IPM`` (``search.lp_highs``: HiGHS's IPM and crossover, the weekly
    mode's LP)."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    if stop.stopped():
        if on_time_out is not None:
            on_time_out()
        return None
    # the build (Python, seconds at a few hundred agents, longer on a loaded machine) counts towards the LP's
    # wall share and stops at the cap like GLOP: a build past either is abandoned
    deadline = time.monotonic() + seconds if math.isfinite(seconds) else math.inf
    try:
        lp = _AggregateLp(instance, solver, cover, shared_breaks,
                          stopped=lambda: stop.stopped() or time.monotonic() >= deadline)
    except _BuildStopped:
        if on_time_out is not None:
            on_time_out()
        return None
    if on_built is not None:
        on_built(solver.NumVariables(), solver.NumConstraints())
    if lp_work(solver.NumVariables(), solver.NumConstraints()) > max_work_seconds:
        return None
    solve_started = time.monotonic()
    left = max(0.0, deadline - solve_started)  # the share less the build (``solver.WallTime()`` counts the build too)
    solved = _solve(solver, method, left, stop)
    if solved is None:
        timed_out = math.isfinite(left) and time.monotonic() - solve_started >= 0.9 * left
        if on_time_out is not None and (timed_out or stop.stopped()):
            on_time_out()
        return None
    objective_value, value_of = solved
    value = objective_value + lp.constant
    margin = RELATIVE_TOLERANCE if instance.service_curves is None else WEEKLY_RELATIVE_TOLERANCE
    value -= margin * abs(value) + 1e-6
    plans = tuple(
        ClassPlan(agent_class, tuple(patterns), tuple(max(0.0, value_of(v)) for v in mix),
                  tuple(tuple(max(0.0, value_of(var)) for _, var in day) for day in day_vars))
        for agent_class, patterns, mix, day_vars in lp.classes
    )
    weekly_heads = weekly_service_level.lp_heads(instance, {
        key: sum(max(0.0, value_of(piece)) * slope for piece, slope in pieces)
        for key, pieces in lp.weekly_pieces.items()}) if lp.weekly_pieces else None
    return AggregateSolution(max(0.0, math.floor(value * 60) / 60), plans, solver.NumVariables(),
                             solver.NumConstraints(), lp.deadlines.heads(), weekly_heads)


def _solve(solver: pywraplp.Solver, method: str, seconds: float,
           stop: Stop) -> tuple[float, Callable[[pywraplp.Variable], float]] | None:
    """The built LP solved by ``method``: its objective (without the constant) and each variable's value; None
    unless optimal (the wall clock ``seconds`` or ``stop`` cut it, or the solver failed)."""
    if method == HIGHS_IPM:
        result = solve_highs_ipm(solver, seconds, stop)
        if result is None:
            return None
        values = result.values
        return result.objective, lambda var: values[var.index()]
    if math.isfinite(seconds):
        solver.SetTimeLimit(max(1, int(seconds * 1000)))
    with stop.watching(solver.InterruptSolve):
        status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        return None
    return solver.Objective().Value(), lambda var: var.solution_value()


def glop_solved(instance: Instance, shared_breaks: bool = False) -> tuple[_AggregateLp, pywraplp.Solver, float] | None:
    """The aggregate LP built and solved by GLOP, kept for its duals and values (the bounds that price its rows:
    ``day_lagrangian_bound``, ``week_column_bound``): the LP, its solver and its optimum (constant included, no
    safety margin taken); None when GLOP is missing or the LP is not optimal."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    lp = _AggregateLp(instance, solver, None, shared_breaks)
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return lp, solver, solver.Objective().Value() + lp.constant


def solve_charged(instance: Instance, max_work_seconds: float, spend_seconds: Callable[[float], None],
                  timed_out: list[bool], *, seconds: float = math.inf, factor: float = 1.0, stop: Stop = NO_STOP,
                  method: str = GLOP) -> AggregateSolution | None:
    """``solve_aggregate`` of an LP whose solve takes ``factor`` times its size's predicted work (``lp_work``),
    within ``max_work_seconds`` of that, its work passed to ``spend_seconds`` in CPU seconds: the solved LP's
    predicted work times ``factor``; an LP built and not solved (found over its share) its build. ``timed_out`` gets
    ``True`` when the wall clock ``seconds`` or ``stop`` cut it; while it holds one, nothing is charged for a build
    (the run is not reproducible anyway)."""
    built: list[int] = []  # the LP's columns, once built
    solution = solve_aggregate(instance, seconds=seconds, max_work_seconds=max_work_seconds / factor,
                               on_time_out=lambda: timed_out.append(True),
                               on_built=lambda columns, rows: built.append(columns), stop=stop, method=method)
    if solution is not None:
        spend_seconds(lp_work(solution.variables, solution.rows) * factor)
    elif built and not timed_out:  # built, found over its share, not solved: the build was work all the same
        spend_seconds(built[0] * LP_BUILD_SECONDS_PER_VARIABLE)
    return solution


def aggregate_lower_bound(instance: Instance) -> float | None:
    """The aggregate LP's optimum (objective units), rounded down to the objective's 1/60 grid; ``None`` if
    the LP could not be solved."""
    solution = solve_aggregate(instance)
    return None if solution is None else solution.bound


class _BuildStopped(Exception):
    """The aggregate LP's build was stopped (its ``stopped`` said so): the wall clock or an interrupt."""


class _AggregateLp:
    """Builds the aggregate LP into ``solver`` (see the module docstring); raises ``_BuildStopped`` as soon as
    ``stopped()`` says so between two agent classes or two shift counts."""

    def __init__(self, instance: Instance, solver: pywraplp.Solver, cover: CoverView | None = None,
                 shared_breaks: bool = False, stopped: Callable[[], bool] = lambda: False) -> None:
        # deadline queues are covered cumulatively (``rules.deadline_cover``), the others interval by interval; a
        # merged ``cover`` (``search.subset_bound``) is built from those live requirements alone
        config, week = instance.config, instance.week
        requirements = deadline_cover.live_requirements(instance) if cover is None else cover.requirements
        self.config, self.week, self.solver = config, week, solver
        self.requirements = requirements
        self.interval = config.interval_minutes
        infinity = solver.infinity()
        weights = config.weights
        objective = solver.Objective()
        objective.SetMinimization()
        self.deadlines = deadline_cover.AggregateDeadlines(instance, solver, objective)
        self.classes: list[tuple[AgentClass, list, list, list]] = []
        # the rows a week's column would meet (``search.week_column_bound`` reads their duals): floor per (skill
        # set, slot), cover per (queue, slot), the break cap per slot, hard floor rules per (count, slot)
        self.floor_rows: dict[tuple[tuple[str, ...], int], pywraplp.Constraint] = {}
        self.cover_rows: dict[tuple[int, int], pywraplp.Constraint] = {}
        self.cap_rows: dict[int, pywraplp.Constraint] = {}
        self.presence_rows: dict[tuple[int, int], pywraplp.Constraint] = {}

        # per skill set: shift counts by (day, option key) and the break variables covering each slot
        shift_count: dict[tuple[tuple[str, ...], int, tuple[str, int]], list] = defaultdict(list)
        option_of: dict[tuple[str, int], ShiftOption] = {}
        for number, agent_class in enumerate(agent_classes(config, week, cover)):
            if stopped():
                raise _BuildStopped
            size = len(agent_class.agent_ids)
            day_vars: list[list[tuple[ShiftOption, pywraplp.Variable]]] = []
            for d, options in enumerate(agent_class.options):
                variables = []
                for o in options:
                    var = solver.NumVar(0, size, f"x{number}_{d}_{o.template.template_id}_{o.start_minute}")
                    variables.append((o, var))
                    shift_count[agent_class.skills, d, (o.template.template_id, o.start_minute)].append(var)
                    option_of[o.template.template_id, o.start_minute] = o
                    objective.SetCoefficient(var, weights.paid_hour * o.paid_minutes / 60)
                day_vars.append(variables)
            patterns, mix = self._class_rules(agent_class, size, day_vars)
            self.classes.append((agent_class, patterns, mix, day_vars))

        self._floor_rows(infinity)
        on_break: dict[int, list[pywraplp.Variable]] = defaultdict(list)
        floor_terms: dict[tuple[tuple[str, ...], int], list[tuple[pywraplp.Variable, int]]] = defaultdict(list)
        # Many skill sets: breaks are counted for all skill sets together (see ``SHARED_BREAKS_ABOVE_SKILL_SETS``).
        shared = shared_breaks or len({skills for skills, _, _ in shift_count}) > SHARED_BREAKS_ABOVE_SKILL_SETS
        counts_of: dict[tuple[int, tuple[str, int]], list[pywraplp.Variable]] = defaultdict(list)
        for (skills, d, key), variables in sorted(shift_count.items(), key=lambda item: (item[0][0], item[0][1],
                                                                                          item[0][2])):
            if stopped():
                raise _BuildStopped
            option = option_of[key]
            count = solver.NumVar(0, infinity, f"y{'_'.join(skills)}_{d}_{key[0]}_{key[1]}")
            total = solver.Constraint(0, 0)
            total.SetCoefficient(count, 1)
            for var in variables:
                total.SetCoefficient(var, -1)
            template = option.template
            floor_intervals = (template.length_minutes - sum(b.minutes for b in template.breaks)) // self.interval
            objective.SetCoefficient(count, weights.overstaffed_agent_interval * floor_intervals)
            for slot in self._slots(d, option.start_minute, template.length_minutes):
                floor_terms[skills, slot].append((count, 1))
            if shared:
                counts_of[d, key].append(count)
                continue
            for k, rule in enumerate(template.breaks):
                once = solver.Constraint(0, 0)
                once.SetCoefficient(count, -1)
                for offset in range(rule.earliest_after_start_minutes, rule.latest_after_start_minutes + 1,
                                    self.interval):
                    start = option.start_minute + offset
                    var = solver.NumVar(0, infinity, f"z{'_'.join(skills)}_{d}_{key[0]}_{key[1]}_{k}_{start}")
                    once.SetCoefficient(var, 1)
                    for slot in self._slots(d, start, rule.minutes):
                        floor_terms[skills, slot].append((var, -1))
                        on_break[slot].append(var)

        floor_total: dict[int, list[tuple[pywraplp.Variable, int]]] = defaultdict(list)
        for (d, key), counts in sorted(counts_of.items()):
            template = option_of[key].template
            for slot in self._slots(d, option_of[key].start_minute, template.length_minutes):
                floor_total[slot].extend((count, 1) for count in counts)
            for k, rule in enumerate(template.breaks):
                once = solver.Constraint(0, 0)
                for count in counts:
                    once.SetCoefficient(count, -1)
                for offset in range(rule.earliest_after_start_minutes, rule.latest_after_start_minutes + 1,
                                    self.interval):
                    start = option_of[key].start_minute + offset
                    var = solver.NumVar(0, infinity, f"z_{d}_{key[0]}_{key[1]}_{k}_{start}")
                    once.SetCoefficient(var, 1)
                    for slot in self._slots(d, start, rule.minutes):
                        floor_total[slot].append((var, -1))
                        on_break[slot].append(var)

        cap = break_cap.cap(config)
        if cap is not None:
            for slot, variables in on_break.items():
                constraint = solver.Constraint(-infinity, cap)
                self.cap_rows[slot] = constraint
                for var in variables:
                    constraint.SetCoefficient(var, 1)

        # cover: allocate each skill set's on-floor agents to its queues; every allocated agent-interval
        # saves one under-staffed and one over-staffed agent-interval
        queue_ids = [q.queue_id for q in config.queues] if cover is None else list(cover.queue_ids)
        saving = weights.understaffed_agent_interval + weights.overstaffed_agent_interval
        worth = effective_cover.best_worth(config)  # proficiencies: a head's average agents (1 without)
        default_worth = 1.0
        if cover is not None:  # a merged cover's skill sets are not the agents': a head is worth the best anywhere
            worth, default_worth = {}, max(worth.values(), default=1.0)
        by_queue_slot: dict[tuple[int, int], list[pywraplp.Variable]] = defaultdict(list)
        weight_of: dict[int, float] = {}  # allocation variable index -> its head's worth
        for (skills, slot), terms in sorted(floor_terms.items()):
            allocations = []
            for q, queue_id in enumerate(queue_ids):
                if queue_id in skills and requirements[q, slot] > 0:
                    var = solver.NumVar(0, float(requirements[q, slot]) / worth.get((skills, q), default_worth),
                                        f"a{'_'.join(skills)}_{slot}_{q}")
                    objective.SetCoefficient(var, -saving * worth.get((skills, q), default_worth))
                    weight_of[var.index()] = worth.get((skills, q), default_worth)
                    allocations.append(var)
                    by_queue_slot[q, slot].append(var)
            allocations.extend(self.deadlines.allocations(skills, slot))
            if allocations:
                constraint = solver.Constraint(-infinity, 0)
                self.floor_rows[skills, slot] = constraint
                for var in allocations:
                    constraint.SetCoefficient(var, 1)
                for var, coefficient in terms:
                    constraint.SetCoefficient(var, constraint.GetCoefficient(var) - coefficient)
        for (q, slot), allocations in sorted(by_queue_slot.items()):
            constraint = solver.Constraint(-infinity, float(requirements[q, slot]))
            self.cover_rows[q, slot] = constraint
            for var in allocations:
                constraint.SetCoefficient(var, weight_of.get(var.index(), 1.0))
        if cover is not None:
            self._allocation_caps(cover, by_queue_slot, weight_of)
        by_slot: dict[int, list[pywraplp.Variable]] = defaultdict(list)
        for (_, slot), allocations in by_queue_slot.items():
            by_slot[slot].extend(allocations)
        for slot, allocations in self.deadlines.by_slot().items():
            by_slot[slot].extend(allocations)
        self.deadlines.add_rows()
        for slot, terms in sorted(floor_total.items()):  # shared breaks: all allocations within the floor
            if by_slot.get(slot):
                constraint = solver.Constraint(-infinity, 0)
                for var in by_slot[slot]:
                    constraint.SetCoefficient(var, 1)
                for var, coefficient in terms:
                    constraint.SetCoefficient(var, constraint.GetCoefficient(var) - coefficient)
        if any(w > 1 for w in worth.values()):  # heads worth more than one: over-staffing stays at least zero
            self._clip_overstaffing(by_slot, weight_of, floor_terms, floor_total, infinity)
        self.constant = float(weights.understaffed_agent_interval * int(requirements.sum()))
        # (the weekly mode's curve increments per queue and slot, for ``AggregateSolution.weekly_heads``)
        self.weekly_pieces: dict[tuple[int, int], list[tuple[pywraplp.Variable, int]]] = {}
        if instance.service_curves is not None:  # the weekly service-level mode: its shortfall rows
            self.constant += weekly_service_level.lp_rows(
                instance, solver, objective, floor_terms, floor_total, members=None if cover is None else cover.members,
                pieces_out=self.weekly_pieces if cover is None else None)

    def _allocation_caps(self, cover: CoverView, by_queue_slot: dict[tuple[int, int], list[pywraplp.Variable]],
                         weight_of: dict[int, float]) -> None:
        """Each capped merged queue's allocations over the week at most its cap (``CoverView.allocation_caps``)."""
        rows = {queue_id: q for q, queue_id in enumerate(cover.queue_ids)}
        of_queue: dict[int, list[pywraplp.Variable]] = defaultdict(list)
        for (q, _), allocations in sorted(by_queue_slot.items()):
            of_queue[q].extend(allocations)
        for queue_id, cap in sorted(cover.allocation_caps.items()):
            terms = of_queue.get(rows[queue_id], [])
            if terms:
                constraint = self.solver.Constraint(-self.solver.infinity(), float(cap))
                for var in terms:
                    constraint.SetCoefficient(var, weight_of.get(var.index(), 1.0))

    def _clip_overstaffing(self, by_slot: dict[int, list[pywraplp.Variable]], weight_of: dict[int, float],
                           floor_terms: dict[tuple[tuple[str, ...], int], list[tuple[pywraplp.Variable, int]]],
                           floor_total: dict[int, list[tuple[pywraplp.Variable, int]]], infinity: float) -> None:
        """With proficiencies above 1 the objective's over-staffing, heads on the floor less the average agents
        they cover, could go negative; the model counts ``max(0, heads - cover)``: per slot, ``clip >= cover -
        heads`` at the over-staffing weight restores it (``rostering.effective_cover``)."""
        heads: dict[int, list[tuple[pywraplp.Variable, int]]] = defaultdict(list)
        if floor_total:
            heads.update(floor_total)
        else:
            for (_, slot), terms in floor_terms.items():
                heads[slot].extend(terms)
        for slot, allocations in sorted(by_slot.items()):
            clip = self.solver.NumVar(0, infinity, f"clip_{slot}")
            self.solver.Objective().SetCoefficient(clip, self.config.weights.overstaffed_agent_interval)
            row = self.solver.Constraint(0, infinity)  # clip - cover + heads >= 0
            row.SetCoefficient(clip, 1)
            for var in allocations:
                row.SetCoefficient(var, -weight_of.get(var.index(), 1.0))
            for var, coefficient in heads.get(slot, []):
                row.SetCoefficient(var, row.GetCoefficient(var) + coefficient)

    def _floor_rows(self, infinity: float) -> None:
        """Per hard floor rule and interval, at least its number of its agents on shift
        (``rules.floor_rules.presence_rows``)."""
        for number, count in enumerate(floor_rules.presence_rows(self.config, self.week)):
            coefficient_of = dict(count.coefficients)
            terms: dict[int, dict[pywraplp.Variable, float]] = defaultdict(dict)
            for agent_class, _, _, day_vars in self.classes:
                coefficient = coefficient_of.get(agent_class.agent_ids[0], 0)
                if coefficient == 0:
                    continue
                for d, variables in enumerate(day_vars):
                    for option, var in variables:
                        for slot in self._slots(d, option.start_minute, option.template.length_minutes):
                            terms[slot][var] = terms[slot].get(var, 0.0) + coefficient
            for slot in count.slots:
                row = self.solver.Constraint(float(count.needed), infinity)
                self.presence_rows[number, slot] = row
                for var, weight in terms[slot].items():
                    row.SetCoefficient(var, weight)

    def _slots(self, day_index: int, start_minute: int, minutes: int) -> list[int]:
        slots = []
        for minute in range(start_minute, start_minute + minutes, self.interval):
            slot = self.week.slot(day_index, minute)
            if 0 <= slot < self.week.slot_count:
                slots.append(slot)
        return slots

    def _class_rows(self, agent_class: AgentClass, size: int, summed: bool,
                    day_vars: list[list[tuple[ShiftOption, pywraplp.Variable]]]) -> None:
        """Each rule's aggregate rows; ``summed`` (no patterns): first at most one shift a day per agent and
        pinned days worked, which the patterns hold otherwise."""
        rows = _Rows(self.solver, size, summed, day_vars)
        for d in range(7 if summed else 0):
            rows.bounded(size if agent_class.must_work[d] else 0, size, rows.works(d))
        for rule in AGENT_RULES:
            rule.aggregate(agent_class.facts, rows)

    def _class_rules(self, agent_class: AgentClass, size: int,
                     day_vars: list[list[tuple[ShiftOption, pywraplp.Variable]]]) -> tuple[list, list]:
        """The class's weekly patterns (which template, or none, each day) and the rules' aggregate rows. A
        class with more than ``MAX_PATTERNS_PER_CLASS`` patterns gets the day rules summed over its agents
        instead (weaker, still valid) and no patterns."""
        solver = self.solver
        patterns = weekly_patterns(self.config, self.week, agent_class, MAX_PATTERNS_PER_CLASS)
        mix = [solver.NumVar(0, size, "") for _ in patterns or ()]
        summed = patterns is None
        if patterns is None:
            patterns = []
        else:
            everyone = solver.Constraint(size, size)
            for var in mix:
                everyone.SetCoefficient(var, 1)
            for d, day in enumerate(day_vars):
                for template_id in sorted({o.template.template_id for o, _ in day}):
                    link = solver.Constraint(0, 0)
                    for o, var in day:
                        if o.template.template_id == template_id:
                            link.SetCoefficient(var, 1)
                    for pattern, var in zip(patterns, mix, strict=True):
                        if pattern[d] == template_id:
                            link.SetCoefficient(var, -1)
        self._class_rows(agent_class, size, summed, day_vars)
        return patterns, mix


class _Rows:
    """One class's view of the aggregate LP for the rules' ``aggregate`` face (``rules.base.ClassRows``)."""

    def __init__(self, solver: pywraplp.Solver, size: int, summed: bool,
                 day_vars: list[list[tuple[ShiftOption, pywraplp.Variable]]]) -> None:
        self.solver, self.size, self.summed, self.day_vars = solver, size, summed, day_vars
        self.infinity = solver.infinity()

    def works(self, day: int) -> list[tuple[pywraplp.Variable, float]]:
        return [(var, 1.0) for _, var in self.day_vars[day]]

    def shifts(self, day: int) -> list[tuple[ShiftOption, pywraplp.Variable]]:
        return self.day_vars[day]

    def bounded(self, low: float, high: float, terms: list[tuple[pywraplp.Variable, float]]) -> None:
        if terms:
            constraint = self.solver.Constraint(low, high)
            for var, coefficient in terms:
                constraint.SetCoefficient(var, constraint.GetCoefficient(var) + coefficient)


class _TooManyPatterns(Exception):
    pass


class _CountCut(Exception):
    pass


# How often ``counted_patterns`` asks its ``max_work`` (nodes).
WORK_CHECK_NODES = 1024


def weekly_patterns(config: PlanConfig, week: Week, agent_class: AgentClass,
                    limit: int | None = None) -> list[tuple[str | None, ...]] | None:
    """Every week one agent of the class may work, as a template id (or ``None``, off) per day, that keeps
    the rules depending on days and templates alone: pinned working days, the weekly paid minutes
    (``rules.weekly_hours``) and every day-pattern rule (``LabourRule.keeps_days``). ``None`` when there
    are more than ``limit``."""
    return counted_patterns(config, week, agent_class, limit).patterns


@dataclass(frozen=True)
class PatternSearch:
    """``weekly_patterns``' answer and the work it took: the partial weeks it visited (``nodes``) and the whole
    weeks it asked the day-pattern rules about (``checks``)."""

    patterns: list[tuple[str | None, ...]] | None
    nodes: int
    checks: int
    cut: bool = False  # stopped at ``max_work``: ``patterns`` is None and says nothing of the limit


def counted_patterns(config: PlanConfig, week: Week, agent_class: AgentClass, limit: int | None = None,
                     max_work: Callable[[int, int], bool] | None = None) -> PatternSearch:
    """``weekly_patterns`` with the work of its enumeration counted (``PatternSearch``); with ``max_work`` (of the
    nodes and checks so far, asked every ``WORK_CHECK_NODES`` nodes) it stops once that says True."""
    facts = agent_class.facts
    least, most = agent_class.minimum_minutes, agent_class.maximum_minutes
    paid = {o.template.template_id: o.paid_minutes for options in agent_class.options for o in options}
    choices = [
        ([] if agent_class.must_work[d] else [None]) + sorted({o.template.template_id for o in options})
        for d, options in enumerate(agent_class.options)
    ]
    most_paid = [max((paid[t] for t in day if t is not None), default=0) for day in choices]
    patterns: list[tuple[str | None, ...]] = []
    work = [0, 0]  # nodes visited, weeks checked

    def extend(prefix: tuple[str | None, ...], minutes: int) -> None:
        work[0] += 1
        if max_work is not None and work[0] % WORK_CHECK_NODES == 0 and max_work(work[0], work[1]):
            raise _CountCut
        d = len(prefix)
        if minutes > most or minutes + sum(most_paid[d:]) < least:
            return
        if d == 7:
            work[1] += 1
            if keeps_days(facts, [t is not None for t in prefix]):
                patterns.append(prefix)
                if limit is not None and len(patterns) > limit:
                    raise _TooManyPatterns
            return
        for choice in choices[d]:
            extend(prefix + (choice,), minutes + (paid[choice] if choice is not None else 0))

    try:
        extend((), 0)
    except _TooManyPatterns:
        return PatternSearch(None, work[0], work[1])
    except _CountCut:
        return PatternSearch(None, work[0], work[1], cut=True)
    return PatternSearch(patterns, work[0], work[1])
