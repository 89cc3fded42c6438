"""Is a worst seed's gap its roster's days off? The roster solved again on the days off of a whole-days MIP (issue 17).

    python benchmarks/days_mip_start.py --seeds 596245 184958 --mip-seconds 300 --seconds 60

For each generator seed's centre (`wfm example --agents N --queues Q --seed S`, requirements as `wfm plan`
computes them):

1. the aggregate LP (``search.lower_bound``) with one whole count per agent class and set of worked days
   (how many of the class's agents work exactly those days; everything else fractional) goes to HiGHS for
   ``--mip-seconds`` of wall time (a relaxation of the roster problem: its proven bound is a bound);
2. its best point's sets of days are dealt to the class's agents (who are interchangeable for the LP) in the
   config's order, and each agent's availability is closed on its days off (agents with time off in the week are
   left as they are: their leave may count by availability);
3. the library solves that restricted centre at ``--seconds`` (deterministic budget, completed); every agent's week
   of its roster is checked by every hard rule of the *original* centre and the roster is costed there
   (``solve.evaluate``), to set beside the library's own roster of the original centre at the same ``--seconds``
   (``quality_seeds.py``).

A roster from step 3 is a roster of the original centre, so if it costs less, the original roster's gap is (at
least that much) its days-off patterns' (the roster's), not the bound's. Each centre runs in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from collections import defaultdict
from dataclasses import replace

from ortools.linear_solver import pywraplp
from quality_seeds import centre  # the script beside this one (its folder is on the path when run)

from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.search.integer_bound import _reported, _standard_output
from scheduler.rostering.search.lower_bound import _AggregateLp
from scheduler.rostering.search.lp_start import keeps_own_rules


def days_mip(instance: Instance, seconds: float) -> tuple[dict, dict[str, tuple[bool, ...]]]:
    """The whole-days MIP's figures and the worked days it deals to each agent."""
    cpu = time.process_time()
    solver = pywraplp.Solver.CreateSolver("HIGHS")
    lp = _AggregateLp(instance, solver)
    counts = []
    for agent_class, patterns, mix, _ in lp.classes:
        grouped: dict[tuple[bool, ...], list[pywraplp.Variable]] = defaultdict(list)
        for pattern, var in zip(patterns, mix, strict=True):
            grouped[tuple(t is not None for t in pattern)].append(var)
        for days, variables in grouped.items():
            count = solver.IntVar(0, solver.infinity(), "")
            row = solver.Constraint(0, 0)
            row.SetCoefficient(count, -1)
            for var in variables:
                row.SetCoefficient(var, 1)
            counts.append((agent_class, days, count))
    solver.SetTimeLimit(max(1, int(seconds * 1000)))
    solver.EnableOutput()
    with _standard_output() as report:
        status = solver.Solve()
    found = status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
    bound = solver.Objective().BestBound() if found else _reported(report.text, "Dual bound")
    figures = {"optimal": status == pywraplp.Solver.OPTIMAL, "bound": round(bound + lp.constant, 1),
               "best": round(solver.Objective().Value() + lp.constant, 1) if found else None,
               "whole_columns": len(counts), "cpu_s": round(time.process_time() - cpu, 1)}
    dealt: dict[str, tuple[bool, ...]] = {}
    if found:
        queue: dict[tuple, list[str]] = {}
        for agent_class, days, count in counts:
            agents = queue.setdefault(agent_class.agent_ids, list(agent_class.agent_ids))
            for _ in range(round(count.solution_value())):
                if agents:
                    dealt[agents.pop(0)] = days
    return figures, dealt


def restricted(instance: Instance, dealt: dict[str, tuple[bool, ...]]) -> Instance:
    """``instance`` with each dealt agent's availability closed on its days off."""
    week = instance.week
    agents = []
    for agent in instance.config.agents:
        days = dealt.get(agent.agent_id)
        if days is None or any(week.day(0) <= d <= week.day(week.day_count - 1) for d in agent.time_off):
            agents.append(agent)
            continue
        availability = list(agent.availability)
        for d, works in enumerate(days):
            if not works:
                availability[week.day(d).weekday()] = None
        agents.append(replace(agent, availability=tuple(availability)))
    return replace(instance, config=replace(instance.config, agents=tuple(agents)))


def run_one(job: tuple[int, int, int, float, float, str]) -> dict:
    agents, queues, seed, seconds, mip_seconds, folder = job
    instance = centre(agents, queues, seed, folder, seconds)
    figures, dealt = days_mip(instance, mip_seconds)
    row: dict = {"seed": seed, "mip": figures, "dealt": len(dealt)}
    if not dealt:
        return row
    cpu = time.process_time()
    result = solve.solve_roster(restricted(instance, dealt), progress=None)
    roster = result.roster
    broken = [a.agent_id for a in instance.config.agents
              if not keeps_own_rules(instance, a.agent_id, tuple(s for s in roster.shifts if s.agent_id == a.agent_id))]
    row["restricted"] = {"objective_there": round(result.stats.objective, 1),
                         "bound_there": round(result.stats.best_bound, 1),
                         "cost_on_original": round(solve._total(solve.evaluate(instance, roster)), 1),
                         "agents_breaking_original_rules": broken, "cpu_s": round(time.process_time() - cpu, 1)}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="generator seeds")
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--queues", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0, help="the library's solves")
    parser.add_argument("--mip-seconds", type=float, default=300.0, help="HiGHS on the whole-days MIP (wall)")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            with context.Pool(1) as pool:
                row = pool.apply(run_one, ((args.agents, args.queues, seed, args.seconds, args.mip_seconds,
                                            folder),))
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
