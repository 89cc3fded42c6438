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
from scheduler.domain import PlanConfig, ShiftTemplate
from scheduler.model import AgentDay, PenaltyTerm, RosterModel
from scheduler.roster import BreakAssignment, Roster, ShiftAssignment
from scheduler.rules import RULES
from scheduler.week import Week

# Deterministic work units CP-SAT spends per wall-clock second on this class of machine (measured on the
# 2-core CI machine); used to turn the configured seconds into a reproducible deterministic-time budget.
DETERMINISTIC_UNITS_PER_SECOND = 0.25


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
    config: PlanConfig, week: Week, requirements: np.ndarray, *, with_breaks: bool = True
) -> tuple[RosterModel, list[PenaltyTerm], int]:
    """The model with every rule and its objective; returns the objective's integer scale too."""
    model = RosterModel(config, week, requirements, with_breaks=with_breaks)
    terms: list[PenaltyTerm] = []
    for _name, rule in RULES:
        terms.extend(rule(model))
    scale = math.lcm(*(t.divisor for t in terms))
    model.cp.minimize(cp_model.LinearExpr.sum([t.expression * (t.weight * scale // t.divisor) for t in terms]))
    return model, terms, scale


# Share of the budget spent on the shift-only relaxation (first roster and lower bound).
RELAXATION_SHARE = 0.5
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
    solver = new_solver(RELAXATION_SHARE)
    status = solver.solve(relaxation.cp)
    budget.charge(solver)
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError("no roster satisfies the hard rules together (contracts, availability, time off, "
                              "templates); check each agent's contract against their availability")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise InfeasibleError(f"no roster found within {limit:g} s (status {solver.status_name(status)}); "
                              "raise solver.time_limit_seconds")
    bound = solver.best_objective_bound / scale
    report("shifts", solver.objective_value / scale, bound)

    model, terms, scale = build_model(config, week, requirements)
    objective_proto = model.cp.proto.objective
    # The relaxation's bound is proven for the full model too: tell CP-SAT, so it stops once it meets it.
    objective_proto.domain.extend([math.ceil(bound * scale - objective_proto.offset - 1e-6), 2**62])
    current = _hint_from_shifts(model, relaxation, solver)
    variables = _decision_variables(model)

    # Phase 2: breaks with the shifts fixed.
    fixed = [v for agent_day in model.all_agent_days() for v in agent_day.shift_vars]
    best, objective = _solve_fixed(model, new_solver(0.2), fixed, current, budget)
    if best is None:
        raise InfeasibleError("breaks cannot be placed inside their windows for the chosen shifts")
    current = {v.index: best.value(v) for v in variables}
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
        model.cp.add_hint(model.cp.get_bool_var_from_proto_index(index), bool(value))
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


def _hint_from_shifts(model: RosterModel, shift_model: RosterModel, solver: cp_model.CpSolver) -> dict[int, int]:
    """A full assignment: the relaxation's shifts, and breaks staggered inside their windows."""
    interval = model.config.interval_minutes
    values: dict[int, int] = {}
    for number, (key, agent_day) in enumerate(model.agent_days.items()):
        chosen = [solver.boolean_value(v) for v in shift_model.agent_days[key].shift_vars]
        for var, value in zip(agent_day.shift_vars, chosen, strict=True):
            values[var.index] = int(value)
        picked = next((o for o, c in zip(agent_day.options, chosen, strict=True) if c), None)
        for template_id, slots in agent_day.breaks.items():
            offsets = (_staggered_break_offsets(picked.template, number, interval)
                       if picked and picked.template.template_id == template_id else None)
            for k, slot in enumerate(slots):
                target = None if offsets is None else picked.start_minute + offsets[k]
                for minute, var in slot.starts.items():
                    values[var.index] = int(minute == target)
    return values


def _staggered_break_offsets(template: ShiftTemplate, number: int, interval: int) -> list[int]:
    """Break offsets from the shift start inside their windows, spaced, and varied by ``number`` so that
    agents starting together do not all break together."""
    latest: list[int] = [0] * len(template.breaks)
    limit = None
    for k in range(len(template.breaks) - 1, -1, -1):
        rule = template.breaks[k]
        latest[k] = rule.latest_after_start_minutes if limit is None else min(rule.latest_after_start_minutes, limit)
        limit = latest[k] - template.min_break_gap_minutes - (template.breaks[k - 1].minutes if k else 0)
    offsets, earliest = [], 0
    for k, rule in enumerate(template.breaks):
        low = max(rule.earliest_after_start_minutes, earliest)
        choices = list(range(low, latest[k] + 1, interval)) or [low]
        offsets.append(choices[(number + k) % len(choices)])
        earliest = offsets[-1] + rule.minutes + template.min_break_gap_minutes
    return offsets


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
