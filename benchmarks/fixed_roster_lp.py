"""How much of a roster's gap the aggregate LP keeps once the roster's own choices are fixed in it (issue 17).

    python benchmarks/fixed_roster_lp.py --seeds 596245 184958 --seconds 60

For each generator seed's centre (`wfm example --agents N --queues Q --seed S`, requirements as `wfm plan`
computes them) the library's roster at ``--seconds`` (deterministic budget, completed) is read back into the
aggregate LP (``search.lower_bound``, the solve's bound), which is solved again with more and more of the roster
fixed, per agent class (agents the LP cannot tell apart):

- ``lp``: nothing fixed, the solve's bound;
- ``days``: how many of the class's agents work each set of days (its days-off patterns), as in the roster;
- ``patterns``: how many work each weekly pattern (template or day off per day), as in the roster;
- ``shifts``: how many take each shift (day, template, start), as in the roster; breaks, floor heads and their
  allocation to queues stay fractional.

Each level is a relaxation of the roster problem restricted to the roster's choice at that level, so
``lp <= days <= patterns <= shifts <= roster``. ``days - lp`` is what the roster's days-off patterns cost even with
fractional times (moving work between days could gain at most it, and it may be the integer patterns' own
price); ``shifts - patterns`` what its templates' starts cost; ``roster - shifts`` what its whole breaks and heads
cost given its shifts. Per level it prints the value, the paid hours and the over- and under-staffed
agent-intervals, each day's paid hours, and the CPU seconds. Each centre runs in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from collections import Counter, defaultdict

import numpy as np
from ortools.linear_solver import pywraplp
from quality_seeds import centre  # the script beside this one (its folder is on the path when run)
from weekday_gap import add_cover_and_breaks  # (the script beside this one)

from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.search.integer_bound import _reported, _standard_output
from scheduler.rostering.search.lower_bound import _AggregateLp

LEVELS = ("lp", "days", "patterns", "shifts")


def _fix(lp: _AggregateLp, level: str, weeks: dict[str, tuple[tuple[str, int] | None, ...]]) -> list[str]:
    """Fix the roster's choices at ``level`` in ``lp``; the classes whose roster weeks are not among its patterns."""
    solver, unknown = lp.solver, []
    for agent_class, patterns, mix, day_vars in lp.classes:
        rostered = [weeks[agent_id] for agent_id in agent_class.agent_ids]
        if level == "shifts":
            for d, variables in enumerate(day_vars):
                taken = Counter(week[d] for week in rostered if week[d] is not None)
                for option, var in variables:
                    count = taken.pop((option.template.template_id, option.start_minute), 0)
                    var.SetBounds(count, count)
                if taken:
                    unknown.append(f"{agent_class.contract_id} day {d} {dict(taken)}")
            continue
        if level == "lp":
            continue
        key = (lambda week: tuple(s is not None for s in week)) if level == "days" else \
            (lambda week: tuple(None if s is None else s[0] for s in week))
        wanted = Counter(key(week) for week in rostered)
        if patterns:
            grouped: dict[tuple, list[pywraplp.Variable]] = defaultdict(list)
            for pattern, var in zip(patterns, mix, strict=True):
                grouped[key(tuple(None if t is None else (t, 0) for t in pattern))].append(var)
            for group, variables in grouped.items():
                row = solver.Constraint(wanted.get(group, 0), wanted.get(group, 0))
                for var in variables:
                    row.SetCoefficient(var, 1)
            missing = set(wanted) - set(grouped)
            if missing:
                unknown.append(f"{agent_class.contract_id} {sorted(map(str, missing))}")
        else:  # a class with its rules summed: per day, its worked shifts (per template with ``patterns``)
            for d, variables in enumerate(day_vars):
                per: dict[object, list[pywraplp.Variable]] = defaultdict(list)
                for option, var in variables:
                    per[True if level == "days" else option.template.template_id].append(var)
                for group, group_vars in per.items():
                    count = sum(1 for week in rostered if week[d] is not None
                                and (level == "days" or week[d][0] == group))
                    row = solver.Constraint(count, count)
                    for var in group_vars:
                        row.SetCoefficient(var, 1)
    return unknown


def _solved(instance: Instance, level: str, weeks: dict) -> dict:
    config, week = instance.config, instance.week
    cpu = time.process_time()
    solver = pywraplp.Solver.CreateSolver("GLOP")
    lp = _AggregateLp(instance, solver)
    unknown = _fix(lp, level, weeks)
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        return {"level": level, "status": status, "unknown": unknown}
    paid = np.zeros(week.day_count)
    on_shift, on_break, covered = (np.zeros(week.slot_count) for _ in range(3))
    break_minutes: dict[tuple[str, int], int] = {}
    worked: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(week.day_count))
    for agent_class, _, _, day_vars in lp.classes:
        for day, variables in enumerate(day_vars):
            for option, var in variables:
                for k, rule in enumerate(option.template.breaks):
                    break_minutes[option.template.template_id, k] = rule.minutes
                if (value := var.solution_value()) > 1e-9:
                    worked[agent_class.contract_id][day] += value
                    paid[day] += value * option.paid_minutes / 60
                    for minute in range(option.start_minute, option.start_minute + option.template.length_minutes,
                                        config.interval_minutes):
                        on_shift[week.slot(day, minute)] += value
    add_cover_and_breaks(solver, instance, break_minutes, covered, on_break)
    return {"level": level, "value": round(solver.Objective().Value() + lp.constant, 1),
            "paid_hours": round(float(paid.sum()), 1),
            "over": round(float((on_shift - on_break - covered).sum()), 1),
            "under": round(float((instance.requirements.sum(axis=0) - covered).sum()), 1),
            "paid_by_day": [round(float(x), 1) for x in paid],
            "worked_by_contract": {c: [round(float(x), 1) for x in worked[c]] for c in sorted(worked)},
            "unknown": unknown,
            "cpu_s": round(time.process_time() - cpu, 1)}


def whole_patterns(instance: Instance, seconds: float, days_only: bool) -> dict:
    """The aggregate model with only each class's weekly-pattern counts whole (``mix``; ``days_only``: only how
    many of its agents work each set of days). Every roster gives whole ones, so it is a relaxation of the roster
    problem. Solved by HiGHS within ``seconds`` of wall time: its proven bound and best point, and the CPU
    seconds."""
    cpu = time.process_time()
    solver = pywraplp.Solver.CreateSolver("HIGHS")
    lp = _AggregateLp(instance, solver)
    whole = 0
    for _, patterns, mix, _ in lp.classes:
        if days_only:  # one whole count per set of worked days, the patterns' weights summed into it
            grouped: dict[tuple[bool, ...], list[pywraplp.Variable]] = defaultdict(list)
            for pattern, var in zip(patterns, mix, strict=True):
                grouped[tuple(t is not None for t in pattern)].append(var)
            for variables in grouped.values():
                count = solver.IntVar(0, solver.infinity(), "")
                row = solver.Constraint(0, 0)
                row.SetCoefficient(count, -1)
                for var in variables:
                    row.SetCoefficient(var, 1)
                whole += 1
            continue
        for var in mix:
            var.SetInteger(True)
            whole += 1
    solver.SetTimeLimit(max(1, int(seconds * 1000)))
    solver.EnableOutput()
    with _standard_output() as report:
        status = solver.Solve()
    if status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        bound, best = solver.Objective().BestBound(), solver.Objective().Value()
    else:
        bound, best = _reported(report.text, "Dual bound"), _reported(report.text, "Primal bound")
    return {"whole_columns": whole, "optimal": status == pywraplp.Solver.OPTIMAL,
            "bound": round(bound + lp.constant, 1), "best": round(best + lp.constant, 1),
            "cpu_s": round(time.process_time() - cpu, 1)}


def _worked(instance: Instance, weeks: dict[str, tuple[tuple[str, int] | None, ...]]) -> dict[str, list[int]]:
    """The roster's agents working each day, per contract."""
    worked: dict[str, list[int]] = defaultdict(lambda: [0] * instance.week.day_count)
    for agent in instance.config.agents:
        for day, shift in enumerate(weeks[agent.agent_id]):
            worked[agent.contract_id][day] += shift is not None
    return {c: worked[c] for c in sorted(worked)}


def run_one(job: tuple[int, int, int, float, str, float, bool]) -> dict:
    agents, queues, seed, seconds, folder, mip_seconds, days_only = job
    instance = centre(agents, queues, seed, folder, seconds)
    if seconds <= 0:
        return {"seed": seed, "whole_patterns": whole_patterns(instance, mip_seconds, days_only)}
    result = solve.solve_roster(instance, progress=None)
    week = instance.week
    weeks: dict[str, list[tuple[str, int] | None]] = {a.agent_id: [None] * week.day_count
                                                      for a in instance.config.agents}
    for shift in result.roster.shifts:
        weeks[shift.agent_id][(shift.date - week.day(0)).days] = (shift.template_id, shift.start_minute)
    frozen = {agent_id: tuple(days) for agent_id, days in weeks.items()}
    from weekday_gap import _roster_plan  # noqa: PLC0415 (the script beside this one)

    plan = _roster_plan(instance, result.roster)
    return {"seed": seed, "seconds": seconds, "objective": round(result.stats.objective, 1),
            "bound": round(result.stats.best_bound, 1), "gap": round(result.stats.gap, 4),
            "roster": {"paid_hours": round(float(plan["paid"].sum()), 1), "over": round(float(plan["over"].sum()), 1),
                       "under": round(float(plan["under"].sum()), 1),
                       "paid_by_day": [round(float(x), 1) for x in plan["paid"]],
                       "worked_by_contract": _worked(instance, frozen)},
            "levels": [_solved(instance, level, frozen) for level in LEVELS],
            **({"whole_patterns": whole_patterns(instance, mip_seconds, days_only)} if mip_seconds > 0 else {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="generator seeds")
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--queues", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0, help="the library's solve (0: skip, and the levels)")
    parser.add_argument("--mip-seconds", type=float, default=0.0,
                        help="HiGHS on the model with whole pattern counts only (0: skip)")
    parser.add_argument("--whole", choices=("patterns", "days"), default="patterns",
                        help="what the MIP makes whole: each weekly pattern's count, or each set of days'")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            with context.Pool(1) as pool:
                row = pool.apply(run_one, ((args.agents, args.queues, seed, args.seconds, folder,
                                            args.mip_seconds, args.whole == "days"),))
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
