"""Rostering at several centre sizes: ours against a naive CP-SAT model, side by side on the same instances.

    python benchmarks/schedule_scale.py                            # 50 and 150 agents, 60 s each
    python benchmarks/schedule_scale.py --agents 50 150 400 1000 --seconds 60 300
    python benchmarks/schedule_scale.py --agents 150 --seconds 300 --weeks 4       # a 4-week horizon, ours only

Instances come from `wfm example --agents N --queues 3 --seed 7` (7 days, 15-minute intervals); requirements
from our forecast and Erlang C. For every size and time limit it prints, for both models: wall time, the exact
objective of the roster (evaluated from the roster itself, `scheduler.rostering.solve.evaluate`), the wall time to the
first complete roster, our lower bound and the gap to it, understaffed agent-hours, hard violations found by the
independent validator, and peak memory (max RSS of a fresh process that ran only that model on that instance).
Ours runs in the instance's deterministic mode (one CP-SAT worker, budget in deterministic units); the naive
model gets `--workers` threads. The bound for both is ours (the larger of the aggregate LP and the relaxation).

The naive model is the textbook one (as in OR-Tools' shift_scheduling_sat example): one Boolean per agent x
day x (template, start), the same hard rules written directly (pairwise clauses for rest), breaks fixed in
the middle of their windows (it cannot move them), and each agent counted towards their first skill only
(no multi-skill allocation). CP-SAT solves it with its default parallel portfolio on `--workers` threads for
the whole time limit. Both rosters are scored by the same exact evaluation and checked by the validator.

With ``--weeks N`` (2-6) the whole plan (``run_plan`` with ``--weeks N`` and the time limit for the horizon,
each week a deterministic share of it, no wall-clock cap) runs in a fresh process, ours only: wall and CPU
seconds, the wall time to the first roster of the last week (when the horizon first has a complete roster),
the horizon's objective, its bound (the sum of the weeks' bounds without carry-in) and gap, understaffed
hours, the horizon validator's hard violations and peak memory; per week (from ``weeks/*/kpis.json``) its gap,
solve seconds, first-roster seconds and whether its deterministic budget completed, and the CPU seconds from the
week's start to its end (its relaxed bound and its solve; ``solve_cpu_s`` is their sum): on a loaded machine
wall seconds grow with the load, CPU seconds do not.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from ortools.sat.python import cp_model

from forecasting.history import load_history
from forecasting.queueing.staffing import requirements as staffing_requirements
from scheduler.app.pipeline import forecast_week, planned_week, queue_targets, requirement_array
from scheduler.demo.example import generate_example
from scheduler.domain.plan import MINUTES_PER_DAY
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment, roster_csv
from scheduler.domain.shifts import shift_options
from scheduler.io.config import load_config
from scheduler.rostering.break_placement import latest_break_offsets
from scheduler.rostering.instance import Instance
from scheduler.rostering.search.lower_bound import aggregate_lower_bound
from scheduler.rostering.solve import evaluate, simple_lower_bound, solve_roster
from scheduler.validation.validate import read_roster, validate_roster


class _FirstSolution(cp_model.CpSolverSolutionCallback):
    """Records the wall time of the first solution."""

    def __init__(self) -> None:
        super().__init__()
        self.started, self.seconds = time.monotonic(), None

    def on_solution_callback(self) -> None:
        if self.seconds is None:
            self.seconds = time.monotonic() - self.started


def naive_roster(instance: Instance, seconds: float, workers: int) -> tuple[Roster, float | None]:
    """The naive model's roster and the wall time to its first solution (from the start of the solve)."""
    config, week, required = instance.config, instance.week, instance.requirements
    model = cp_model.CpModel()
    interval = config.interval_minutes
    queue_index = {q.queue_id: i for i, q in enumerate(config.queues)}
    cover: dict[tuple[int, int], list] = {}
    choices = []
    for agent in config.agents:
        contract = config.contract(agent.contract_id)
        q = queue_index[agent.skills[0]]
        days = []
        for d in range(7):
            options = shift_options(config, agent, week, d)
            literals = [model.new_bool_var(f"x_{agent.agent_id}_{d}_{i}") for i in range(len(options))]
            model.add_at_most_one(literals)
            days.append((options, literals))
            for option, literal in zip(options, literals, strict=True):
                choices.append((agent, d, option, literal))
                offsets = _middle_offsets(option.template)
                off = {option.start_minute + o + m for o, b in zip(offsets, option.template.breaks, strict=True)
                       for m in range(0, b.minutes, interval)}
                for minute in range(option.start_minute, option.end_minute, interval):
                    if minute not in off:
                        cover.setdefault((q, week.slot(d, minute)), []).append(literal)
        paid = sum(o.paid_minutes * x for options, literals in days for o, x in zip(options, literals, strict=True))
        days_off = sum(1 for day in week.days() if day in agent.time_off)
        model.add(paid >= contract.min_weekly_minutes - days_off * contract.time_off_credit_minutes())
        model.add(paid <= contract.max_weekly_minutes)
        worked = [sum(literals) for _, literals in days]
        model.add(sum(worked) <= contract.max_days_per_week)
        for first in range(0, 7 - contract.max_consecutive_days):
            model.add(sum(worked[first:first + contract.max_consecutive_days + 1]) <= contract.max_consecutive_days)
        for (early, early_x), (late, late_x) in zip(days, days[1:], strict=False):
            for o2, x2 in zip(late, late_x, strict=True):
                for o1, x1 in zip(early, early_x, strict=True):
                    if o2.start_minute + MINUTES_PER_DAY - o1.end_minute < contract.min_rest_minutes:
                        model.add_bool_or([x1.Not(), x2.Not()])
    weights = config.weights
    terms = []
    for (q, slot), literals in cover.items():
        need = int(required[q, slot])
        under = model.new_int_var(0, need, "")
        over = model.new_int_var(0, len(literals), "")
        model.add(sum(literals) + under - over == need)
        terms += [under * weights.understaffed_agent_interval * 60, over * weights.overstaffed_agent_interval * 60]
    terms += [o.paid_minutes * weights.paid_hour * x for _a, _d, o, x in choices]
    model.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    first = _FirstSolution()
    if solver.solve(model, first) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Roster(()), first.seconds
    shifts = []
    for agent, d, option, literal in choices:
        if solver.boolean_value(literal):
            breaks = tuple(BreakAssignment(b.kind, option.start_minute + o, b.minutes)
                           for o, b in zip(_middle_offsets(option.template), option.template.breaks, strict=True))
            shifts.append(ShiftAssignment(agent.agent_id, week.day(d), option.template.template_id,
                                          option.start_minute, option.template.length_minutes, option.paid_minutes,
                                          breaks))
    return Roster(tuple(sorted(shifts, key=lambda s: (s.agent_id, s.date)))), first.seconds


def _middle_offsets(template) -> list[int]:
    latest, offsets, earliest = latest_break_offsets(template), [], 0
    for k, rule in enumerate(template.breaks):
        low = max(rule.earliest_after_start_minutes, earliest)
        offsets.append(low + ((max(low, latest[k]) - low) // 2 // 15) * 15)
        earliest = offsets[-1] + rule.minutes + template.min_break_gap_minutes
    return offsets


def measure(name: str, instance: Instance, roster: Roster, seconds: float, first_seconds: float | None,
            bound: float, work: Path) -> dict:
    config, week = instance.config, instance.week
    costs = evaluate(instance, roster)
    objective = sum(c.penalty for c in costs)
    path = work / f"{name}.csv"
    path.write_text(roster_csv(roster))
    violations = validate_roster(config, read_roster(path), week.start)
    under = next(c.amount for c in costs if c.rule == "understaffing") * config.interval_minutes / 60
    return {"model": name, "seconds": round(seconds, 1),
            "first_roster_s": None if first_seconds is None else round(first_seconds, 1),
            "objective": round(objective, 1), "bound": round(bound, 1),
            "gap": round((objective - bound) / objective, 4) if objective else 0.0, "understaffed_h": under,
            "hard_violations": len(violations), "shifts": len(roster.shifts),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def run_one(job: tuple[str, int, float, int, str]) -> dict:
    """One model on one instance, in a fresh process, so ``peak_mb`` is this run's own peak."""
    name, agents, seconds, workers, folder = job
    work = Path(folder)
    config = load_config(work / f"c{agents}" / "plan.yaml")
    history = load_history(config.history_path)
    week = planned_week(config, history)
    forecast = forecast_week(config, history, week)
    required = requirement_array(config, week, staffing_requirements(forecast, queue_targets(config)))
    instance = Instance(config, week, required)
    started = time.monotonic()
    if name == "ours":
        limited = replace(config, solver=replace(config.solver, time_limit_seconds=seconds))
        result = solve_roster(instance.with_config(limited), progress=None)
        row = measure(name, instance, result.roster, time.monotonic() - started,
                      result.stats.first_roster_seconds, result.stats.best_bound, work)
    else:
        roster, first = naive_roster(instance, seconds, workers)
        elapsed = time.monotonic() - started
        bound = aggregate_lower_bound(instance) or simple_lower_bound(instance)
        row = measure(name, instance, roster, elapsed, first, bound, work)
    return {"agents": agents, "limit_s": seconds, **row}


class _CpuStamps(io.TextIOBase):
    """The progress stream, each line passed on to stderr with this process's CPU seconds at that moment; keeps
    the CPU seconds of the week lines and of the horizon's ``[schedule]`` line (all weeks solved)."""

    def __init__(self) -> None:
        self.cpu_at: dict[str, float] = {}
        self._line = ""

    def write(self, text: str) -> int:
        self._line += text
        while "\n" in self._line:
            line, self._line = self._line.split("\n", 1)
            cpu = time.process_time()
            for mark in ("[week]", "[schedule]"):
                if line.startswith(mark):
                    self.cpu_at.setdefault(f"{mark} {line.split(maxsplit=2)[-1]}", cpu)
            print(f"{line}  [cpu {cpu:.1f}s]", file=sys.stderr, flush=True)
        return len(text)

    def week_solve_cpu(self, weeks: int) -> list[float]:
        """CPU seconds from each week's start line to its ``done`` line (its relaxed bound and its solve)."""
        marks = list(self.cpu_at.items())
        started = {k: cpu for k, cpu in marks if k.startswith("[week]") and "done" not in k}
        done = {k: cpu for k, cpu in marks if k.startswith("[week]") and "done" in k}
        return [round(d - s, 1) for s, d in zip(started.values(), done.values(), strict=True)][:weeks]


def run_horizon(job: tuple[int, float, int, str]) -> dict:
    """The plan over ``weeks`` weeks, in a fresh process (``peak_mb`` is its own)."""
    from scheduler.app.pipeline import run_plan

    agents, seconds, weeks, folder = job
    work = Path(folder)
    config = load_config(work / f"c{agents}" / "plan.yaml")
    started, cpu = time.monotonic(), time.process_time()
    stamps = _CpuStamps()
    # stop=None: the deterministic budget alone decides (a library caller's run), so a loaded machine slows the
    # run down but does not change the roster; compare cpu_s, not seconds, on a busy machine
    result = run_plan(config, work / f"out{agents}-{weeks}w", time_limit_seconds=seconds, progress=stamps,
                      weeks=weeks, stop=None)
    week_cpu = stamps.week_solve_cpu(weeks)
    solver = result.kpis.solver
    week_solvers = [json.loads(path.read_text())["solver"]
                    for path in sorted((work / f"out{agents}-{weeks}w" / "weeks").glob("*/kpis.json"))]
    return {"agents": agents, "weeks": weeks, "limit_s": seconds, "model": "ours",
            "seconds": round(time.monotonic() - started, 1), "cpu_s": round(time.process_time() - cpu, 1),
            "first_roster_s": solver.first_roster_seconds, "solve_s": solver.seconds,
            "objective": solver.objective, "bound": solver.best_bound, "gap": solver.gap,
            "understaffed_h": result.kpis.understaffed_agent_hours, "hard_violations": result.kpis.hard_violations,
            "shifts": result.kpis.shifts, "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "solve_cpu_s": round(sum(week_cpu), 1), "week_cpu_s": week_cpu,
            "week_gaps": [w["gap"] for w in week_solvers], "week_solve_s": [w["seconds"] for w in week_solvers],
            "week_first_roster_s": [w["first_roster_seconds"] for w in week_solvers],
            "week_budget_completed": [w["budget_completed"] for w in week_solvers]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[50, 150])
    parser.add_argument("--seconds", type=float, nargs="+", default=[60.0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=["ours", "naive"], choices=["ours", "naive"])
    parser.add_argument("--weeks", type=int, default=1, help="Weeks planned (2-6: the horizon, ours only).")
    parser.add_argument("--seed", type=int, default=7, help="Generator seed of the centres.")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        for agents in args.agents:
            generate_example(Path(folder) / f"c{agents}", agents=agents, queues=3, seed=args.seed)
            for seconds in args.seconds:
                if args.weeks > 1:
                    with context.Pool(1) as pool:
                        row = pool.apply(run_horizon, ((agents, seconds, args.weeks, folder),))
                    print(json.dumps(row), flush=True)
                    continue
                for name in args.models:
                    with context.Pool(1) as pool:
                        row = pool.apply(run_one, ((name, agents, seconds, args.workers, folder),))
                    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    sys.exit(main())
