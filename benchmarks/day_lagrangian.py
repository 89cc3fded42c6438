"""How much the day-by-day Lagrangian bound raises the aggregate LP's, and at what CPU cost.

    python benchmarks/day_lagrangian.py --agents 150 --seeds 990776 399813 --node-limit 20

For each generator seed's centre (`wfm example --agents N --queues Q --seed S`, requirements as `wfm plan`
computes them) it prints one JSON line: the LP's bound (``lp``), the Lagrangian bound of
``search.day_lagrangian_bound`` (``lagrangian``: the LP's duals price the rows that see more than one day, each
day's integer program goes to SCIP with at most ``--node-limit`` branch-and-bound nodes and its proven dual bound
is taken), the rise in objective units and in percent of the LP, the blocks SCIP closed, and the CPU seconds
(``time.process_time``, this process) of the LP and of the day programs. Each centre runs in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile

from quality_seeds import centre  # the script beside this one (its folder is on the path when run)

from scheduler.rostering.search.day_lagrangian_bound import day_lagrangian_bound


def run_one(job: tuple[int, int, int, int]) -> dict:
    agents, queues, seed, node_limit = job
    with tempfile.TemporaryDirectory() as folder:
        instance = centre(agents, queues, seed, folder, 60.0)
    row: dict = {"agents": agents, "queues": queues, "seed": seed, "node_limit": node_limit}
    result = day_lagrangian_bound(instance, node_limit=node_limit)
    if result is None:
        return {**row, "lagrangian": None}
    rise = result.bound - result.lp_bound
    return {**row, "lp": round(result.lp_bound, 2), "lagrangian": round(result.bound, 2), "rise": round(rise, 2),
            "rise_pct_of_lp": round(100 * rise / result.lp_bound, 3) if result.lp_bound else None,
            "blocks": result.blocks, "closed_blocks": result.closed_blocks, "priced_rows": result.priced_rows,
            "lp_cpu_s": round(result.lp_cpu_seconds, 1), "days_cpu_s": round(result.blocks_cpu_seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="generator seeds")
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--queues", type=int, default=3)
    parser.add_argument("--node-limit", type=int, nargs="+", default=[20],
                        help="SCIP's branch-and-bound nodes per day (several: one line each)")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    for seed in args.seeds:
        for node_limit in args.node_limit:
            with context.Pool(1) as pool:
                row = pool.apply(run_one, ((args.agents, args.queues, seed, node_limit),))
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
