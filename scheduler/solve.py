"""Build the roster model from the rules, solve it with CP-SAT, and read the roster back.

Deterministic mode bounds the search by CP-SAT's deterministic time (work units, not wall-clock seconds),
so the same input, seed and worker count give the same roster on any machine load; the wall-clock limit
still applies as a safety net.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from typing import TextIO

import numpy as np
import ortools
from ortools.sat.python import cp_model

from forecasting.errors import InfeasibleError
from scheduler.domain import PlanConfig
from scheduler.model import AgentDay, PenaltyTerm, RosterModel
from scheduler.roster import BreakAssignment, Roster, ShiftAssignment
from scheduler.rules import RULES
from scheduler.week import Week

# Deterministic work units CP-SAT spends per wall-clock second on this class of machine (measured on the
# 2-core CI machine); used to turn the configured seconds into a reproducible deterministic-time budget.
DETERMINISTIC_UNITS_PER_SECOND = 0.4


@dataclass(frozen=True)
class SolveStats:
    """What the solver did: status, objective and proven bound in penalty units, relative gap, wall time."""

    status: str
    objective: float
    best_bound: float
    gap: float
    seconds: float
    seed: int
    workers: int
    deterministic: bool
    ortools_version: str


@dataclass(frozen=True)
class RuleCost:
    rule: str
    amount: float
    unit: str
    weight: int
    penalty: float


@dataclass(frozen=True)
class ScheduleResult:
    roster: Roster
    stats: SolveStats
    costs: tuple[RuleCost, ...]


def _gap(objective: float, bound: float) -> float:
    return 0.0 if objective <= bound else (objective - bound) / max(abs(objective), 1e-9)


def build_model(
    config: PlanConfig, week: Week, requirements: np.ndarray, *, with_breaks: bool = True, break_patterns: int = 0
) -> tuple[RosterModel, list[PenaltyTerm], int]:
    """The model with every rule and its objective; returns the objective's integer scale too."""
    model = RosterModel(config, week, requirements, with_breaks=with_breaks, break_patterns=break_patterns)
    terms: list[PenaltyTerm] = []
    for _name, rule in RULES:
        terms.extend(rule(model))
    scale = math.lcm(*(t.divisor for t in terms))
    model.cp.minimize(cp_model.LinearExpr.sum([t.expression * (t.weight * scale // t.divisor) for t in terms]))
    return model, terms, scale


# Shares of the budget: the no-break relaxation (lower bound), the patterned-break restriction (first roster),
# and placing breaks day by day with the shifts fixed; large-neighbourhood search gets the rest.
BOUND_SHARE = 0.2
PATTERN_SHARE = 0.3
BREAK_PHASE_SHARE = 0.15
# Fixed break placements offered per candidate shift in the restriction.
BREAK_PATTERNS = 3
# Agents freed together in one large-neighbourhood step (share of all agents, at least LNS_MIN_AGENTS).
LNS_AGENT_SHARE = 0.12
LNS_MIN_AGENTS = 4
# Budget of one neighbourhood solve, in seconds (deterministic units in deterministic mode).
LNS_STEP_SECONDS = 2.0


class _Budget:
    """Time left, counted in CP-SAT deterministic units (deterministic mode) or wall-clock seconds."""

    def __init__(self, seconds: float, deterministic: bool) -> None:
        self.deterministic = deterministic
        self.total = seconds * DETERMINISTIC_UNITS_PER_SECOND if deterministic else seconds
        self.used = 0.0
        self._start = time.monotonic()

    def left(self) -> float:
        used = self.used if self.deterministic else time.monotonic() - self._start
        return max(0.0, self.total - used)

    def apply(self, solver: cp_model.CpSolver, share: float) -> None:
        amount = max(0.05, min(self.left(), self.total * share))
        if self.deterministic:
            solver.parameters.max_deterministic_time = amount
            solver.parameters.max_time_in_seconds = 4 * amount / DETERMINISTIC_UNITS_PER_SECOND  # safety net
        else:
            solver.parameters.max_time_in_seconds = amount

    def charge(self, solver: cp_model.CpSolver) -> None:
        self.used += solver.response_proto.deterministic_time


def solve_roster(
    config: PlanConfig,
    week: Week,
    requirements: np.ndarray,
    *,
    time_limit_seconds: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: TextIO | None = sys.stderr,
) -> ScheduleResult:
    """Roster for the week: ``requirements`` is an int array ``[queue, slot]`` (queues in config order).

    1. The shift-only relaxation (no break variables; breaks counted on the floor) picks who works which
       shift. Its proven bound is a valid lower bound of the full problem: breaks only remove cover.
    2. The full model places every break with the shifts fixed.
    3. Large-neighbourhood search: a seeded random set of agents is freed (shifts and breaks), everyone else
       fixed, and CP-SAT re-optimises them; improvements are kept until the budget is spent.
    In deterministic mode every solve is single-threaded and bounded by deterministic time, so the same
    input and seed give the same roster whatever the machine load.
    """
    settings = config.solver
    limit = settings.time_limit_seconds if time_limit_seconds is None else time_limit_seconds
    seed = settings.seed if seed is None else seed
    workers = settings.workers if workers is None else workers
    deterministic = settings.deterministic
    started = time.monotonic()
    budget = _Budget(limit, deterministic)
    threads = 1 if deterministic else workers

    def new_solver(share: float) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = threads
        solver.parameters.random_seed = seed
        budget.apply(solver, share)
        return solver

    def report(phase: str, objective: float, bound: float) -> None:
        if progress is not None:
            print(f"[schedule:{phase}] {time.monotonic() - started:6.1f}s  objective {objective:,.1f}  "
                  f"bound {bound:,.1f}  gap {_gap(objective, bound):.2%}", file=progress, flush=True)

    relaxation, _, scale = build_model(config, week, requirements, with_breaks=False)
    solver = new_solver(BOUND_SHARE)
    status = solver.solve(relaxation.cp)
    budget.charge(solver)
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError("no roster satisfies the hard rules together (contracts, availability, time off, "
                              "templates); check each agent's contract against their availability")
    bound = solver.best_objective_bound / scale if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else -math.inf
    report("bound", solver.objective_value / scale if status != cp_model.UNKNOWN else math.inf, bound)

    patterned, _, _ = build_model(config, week, requirements, with_breaks=False, break_patterns=BREAK_PATTERNS)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        _hint_patterns_from_relaxation(patterned, relaxation, solver)
    solver = new_solver(PATTERN_SHARE)
    status = solver.solve(patterned.cp)
    budget.charge(solver)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise InfeasibleError(f"no roster found within {limit:g} s (status {solver.status_name(status)}); "
                              "raise solver.time_limit_seconds")
    report("shifts", solver.objective_value / scale, bound)

    model, terms, scale = build_model(config, week, requirements)
    objective_proto = model.cp.proto.objective
    # The relaxation's bound is proven for the full model too: tell CP-SAT, so it stops once it meets it.
    if bound > -math.inf:
        objective_proto.domain.extend([math.ceil(bound * scale - objective_proto.offset - 1e-6), 2**62])
    current = _hint_from_shifts(model, patterned, solver)
    # Every variable (allocations included), so each hint below is a complete solution.
    variables = [model.cp.get_int_var_from_proto_index(i) for i in range(len(model.cp.proto.variables))]
    current.update({v.index: 0 for v in variables if v.index not in current})

    # Phase 2: breaks, one day at a time, with every shift fixed.
    all_shift_vars = [v for agent_day in model.all_agent_days() for v in agent_day.shift_vars]
    objective = math.inf
    best = None
    for day in range(7):
        fixed = all_shift_vars + [v for (_a, d), agent_day in model.agent_days.items() if d != day
                                  for v in _agent_day_variables(agent_day)[len(agent_day.shift_vars):]]
        candidate, value = _solve_fixed(model, new_solver(BREAK_PHASE_SHARE / 7), fixed, current, budget)
        if candidate is None:
            if best is None and day == 6:
                raise InfeasibleError("breaks cannot be placed inside their windows for the chosen shifts")
            continue
        best, objective = candidate, value
        current = {v.index: best.value(v) for v in variables}
    if best is None:
        raise InfeasibleError("breaks cannot be placed inside their windows for the chosen shifts")
    report("breaks", objective / scale, bound)

    # Phase 3: large-neighbourhood search over agents.
    rng = np.random.default_rng(seed)
    agent_ids = [a.agent_id for a in config.agents]
    size = min(len(agent_ids), max(LNS_MIN_AGENTS, round(LNS_AGENT_SHARE * len(agent_ids))))
    step_share = LNS_STEP_SECONDS / max(limit, 1e-9)
    while budget.left() > 0.05 * budget.total and objective > bound * scale + 1e-6:
        freed = set(rng.choice(agent_ids, size=size, replace=False).tolist())
        fixed = [v for (agent_id, _d), agent_day in model.agent_days.items() if agent_id not in freed
                 for v in _agent_day_variables(agent_day)]
        candidate, value = _solve_fixed(model, new_solver(step_share), fixed, current, budget)
        if candidate is not None and value < objective - 1e-6:
            best, objective = candidate, value
            current = {v.index: best.value(v) for v in variables}
            report("improve", objective / scale, bound)
        if len(freed) == len(agent_ids):
            break

    objective /= scale
    stats = SolveStats("OPTIMAL" if objective <= bound + 1e-9 else "FEASIBLE", objective, bound,
                       _gap(objective, bound), time.monotonic() - started, seed, threads, deterministic,
                       ortools.__version__)
    return ScheduleResult(_read_roster(model, best), stats, _costs(terms, best))


def _agent_day_variables(agent_day: AgentDay) -> list[cp_model.IntVar]:
    variables = list(agent_day.shift_vars)
    for slots in agent_day.breaks.values():
        for slot in slots:
            variables.extend(slot.starts.values())
    return variables


def _decision_variables(model: RosterModel) -> list[cp_model.IntVar]:
    return [v for agent_day in model.all_agent_days() for v in _agent_day_variables(agent_day)]


def _pin(domain, low: int, high: int) -> None:
    """Set a Boolean variable's proto domain (always two bounds) in place."""
    domain[0] = low
    domain[1] = high


def _solve_fixed(model: RosterModel, solver: cp_model.CpSolver, fixed: list[cp_model.IntVar],
                 values: dict[int, int], budget: _Budget) -> tuple[cp_model.CpSolver | None, float]:
    """Solve with ``fixed`` variables pinned to ``values`` (all others hinted); restores the model after."""
    proto = model.cp.proto
    saved = {v.index: list(proto.variables[v.index].domain) for v in fixed}
    for v in fixed:
        _pin(proto.variables[v.index].domain, values[v.index], values[v.index])
    model.cp.clear_hints()
    for index, value in values.items():
        model.cp.add_hint(model.cp.get_int_var_from_proto_index(index), value)
    try:
        status = solver.solve(model.cp)
    finally:
        for index, domain in saved.items():
            _pin(proto.variables[index].domain, domain[0], domain[1])
    budget.charge(solver)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, math.inf
    return solver, solver.objective_value


def _costs(terms: list[PenaltyTerm], solver: cp_model.CpSolver) -> tuple[RuleCost, ...]:
    return tuple(
        RuleCost(t.rule, solver.value(t.expression) / t.divisor, t.unit, t.weight,
                 t.weight * solver.value(t.expression) / t.divisor)
        for t in terms
    )


def _hint_patterns_from_relaxation(patterned: RosterModel, relaxation: RosterModel, solver: cp_model.CpSolver) -> None:
    """Hint the restriction with the relaxation's shifts, break patterns rotated so breaks are staggered."""
    for number, (key, agent_day) in enumerate(patterned.agent_days.items()):
        source = relaxation.agent_days[key]
        picked = next((o for o, v in zip(source.options, source.shift_vars, strict=True)
                       if solver.boolean_value(v)), None)
        matching = [i for i, o in enumerate(agent_day.options)
                    if picked is not None and (o.template, o.start_minute) == (picked.template, picked.start_minute)]
        chosen = matching[number % len(matching)] if matching else None
        for i, var in enumerate(agent_day.shift_vars):
            patterned.cp.add_hint(var, i == chosen)
    # Allocation variables start at 0 (always feasible), so the hint is complete and CP-SAT starts from it.
    hinted = set(patterned.cp.proto.solution_hint.vars)
    for index in range(len(patterned.cp.proto.variables)):
        if index not in hinted:
            patterned.cp.add_hint(patterned.cp.get_int_var_from_proto_index(index), 0)


def _hint_from_shifts(model: RosterModel, patterned: RosterModel, solver: cp_model.CpSolver) -> dict[int, int]:
    """A full assignment of the full model from the patterned restriction's roster."""
    values: dict[int, int] = {}
    for key, agent_day in model.agent_days.items():
        source = patterned.agent_days[key]
        picked = next((o for o, v in zip(source.options, source.shift_vars, strict=True)
                       if solver.boolean_value(v)), None)
        for option, var in zip(agent_day.options, agent_day.shift_vars, strict=True):
            values[var.index] = int(picked is not None and (option.template, option.start_minute)
                                    == (picked.template, picked.start_minute))
        for template_id, slots in agent_day.breaks.items():
            used = picked is not None and picked.template.template_id == template_id
            for k, slot in enumerate(slots):
                target = picked.start_minute + picked.break_offsets[k] if used else None
                for minute, var in slot.starts.items():
                    values[var.index] = int(minute == target)
    return values


def _read_roster(model: RosterModel, solver: cp_model.CpSolver) -> Roster:
    shifts = []
    for agent_day in model.all_agent_days():
        chosen = [o for o, v in zip(agent_day.options, agent_day.shift_vars, strict=True) if solver.boolean_value(v)]
        if not chosen:
            continue
        option = chosen[0]
        breaks = []
        for slot in agent_day.breaks[option.template.template_id]:
            minute = next(m for m, v in slot.starts.items() if solver.boolean_value(v))
            breaks.append(BreakAssignment(slot.rule.kind, minute, slot.rule.minutes))
        shifts.append(ShiftAssignment(
            agent_id=agent_day.agent.agent_id,
            date=model.week.day(agent_day.day_index),
            template_id=option.template.template_id,
            start_minute=option.start_minute,
            length_minutes=option.template.length_minutes,
            paid_minutes=option.paid_minutes,
            breaks=tuple(breaks),
        ))
    shifts.sort(key=lambda s: (s.agent_id, s.date))
    return Roster(tuple(shifts))
