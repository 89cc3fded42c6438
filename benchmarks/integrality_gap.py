"""How far the aggregate LP bound lies below the integer optimum, on centres small enough to tell.

    python benchmarks/integrality_gap.py --agents 30 --seeds 11 12 --mip-seconds 120 --cp-seconds 180

For each generator seed's centre (`wfm example --agents N --queues Q --seed S`, requirements as `wfm plan`
computes them) it prints, in objective units:

- ``lp``: the aggregate LP's proven bound (``search.lower_bound``), as the solver reports it;
- ``int_bound`` / ``int_best``: the same aggregate model with every count integer (shifts, weekly patterns,
  floor heads, breaks; ``search.integer_bound``), solved by a MIP solver (HiGHS) for ``--mip-seconds``: its
  proven bound, and its best integer point. The integer aggregate is itself a relaxation of the roster problem,
  so ``int_bound`` bounds every roster; ``int_best - lp`` is at most the aggregate's integrality gap,
  ``int_bound - lp`` at least;
- ``cp_bound`` / ``cp_best``: CP-SAT on the full roster model (every rule, soft ones included) for
  ``--cp-seconds`` with ``--cp-workers`` workers: its proven bound and its best roster;
- ``roster``: the library's solve at ``--seconds`` (deterministic budget, completed).

CPU seconds (``time.process_time``, this process only; CP-SAT's and the MIP solver's threads included) per step. Each
centre runs in a fresh process, one after the other.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import tempfile
import time

from quality_seeds import centre  # the script beside this one (its folder is on the path when run)

from scheduler.rostering.instance import Instance
from scheduler.rostering.search.integer_bound import integer_aggregate
from scheduler.rostering.search.lower_bound import solve_aggregate
from scheduler.rostering.solve import build_model, solve_roster
from scheduler.rostering.stopping import new_solver


def full_model(instance: Instance, seconds: float, workers: int) -> tuple[float, float, str]:
    """CP-SAT on the whole roster model within ``seconds``: (proven bound, best roster, status)."""
    model, _, scale = build_model(instance)
    solver = new_solver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    status = solver.solve(model.cp)
    best = solver.objective_value / scale if solver.status_name(status) in ("OPTIMAL", "FEASIBLE") else math.inf
    return solver.best_objective_bound / scale, best, solver.status_name(status)


def run_one(job: tuple[int, int, int, dict]) -> dict:
    agents, queues, seed, options = job
    with tempfile.TemporaryDirectory() as folder:
        instance = centre(agents, queues, seed, folder, options["seconds"])
    row: dict = {"agents": agents, "queues": queues, "seed": seed}
    cpu = time.process_time()
    aggregate = solve_aggregate(instance)
    row["lp"] = None if aggregate is None else round(aggregate.bound, 2)
    row["lp_cpu_s"] = round(time.process_time() - cpu, 1)
    if options["mip_seconds"] > 0:
        cpu = time.process_time()
        whole = integer_aggregate(instance, options["mip_seconds"], options["mip_solver"])
        if whole is not None:
            row.update(int_bound=round(whole.bound, 2), int_best=round(whole.best, 2), int_optimal=whole.optimal)
        row["int_cpu_s"] = round(time.process_time() - cpu, 1)
    if options["cp_seconds"] > 0:
        cpu = time.process_time()
        bound, best, status = full_model(instance, options["cp_seconds"], options["cp_workers"])
        row.update(cp_bound=round(bound, 2), cp_best=round(best, 2), cp_status=status,
                   cp_cpu_s=round(time.process_time() - cpu, 1))
    if options["seconds"] > 0:
        cpu = time.process_time()
        stats = solve_roster(instance).stats
        row.update(roster=round(stats.objective, 2), roster_bound=round(stats.best_bound, 2),
                   roster_gap=round(stats.gap, 4), roster_cpu_s=round(time.process_time() - cpu, 1))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="generator seeds")
    parser.add_argument("--agents", type=int, default=30)
    parser.add_argument("--queues", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0, help="the library's solve (0: skip)")
    parser.add_argument("--mip-seconds", type=float, default=120.0, help="SCIP on the integer aggregate (0: skip)")
    parser.add_argument("--cp-seconds", type=float, default=0.0, help="CP-SAT on the full model (0: skip)")
    parser.add_argument("--cp-workers", type=int, default=2)
    parser.add_argument("--mip-solver", default="HIGHS", help="HIGHS or SCIP (OR-Tools' names)")
    args = parser.parse_args()
    options = {"seconds": args.seconds, "mip_seconds": args.mip_seconds, "cp_seconds": args.cp_seconds,
               "cp_workers": args.cp_workers, "mip_solver": args.mip_solver}
    context = multiprocessing.get_context("spawn")
    for seed in args.seeds:
        with context.Pool(1) as pool:
            row = pool.apply(run_one, ((args.agents, args.queues, seed, options),))
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
