"""How much column generation over agents' weeks raises the aggregate LP's bound, and at what CPU cost.

    python benchmarks/week_columns.py --agents 150 --seeds 805556 224053 861146 --rounds 60

For each generator seed's centre (`wfm example --agents N --queues Q --seed S`, requirements as `wfm plan`
computes them) it prints one JSON line: the LP's bound (``lp``), the bound of ``search.week_column_bound`` at the
LP's duals (``first``) and the best after at most ``--rounds`` rounds of master solve and pricing (``bound``), the
master's last value (``master``: the bound the loop would reach with no round limit, when the pricing is exact),
the rise in objective units and in percent of the LP, rounds, columns, priced weeks the rules rejected, and the
CPU seconds (``time.process_time``, this process) of the LP and of the column generation. Each centre runs in a
fresh process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile

from quality_seeds import centre  # the script beside this one (its folder is on the path when run)

from scheduler.rostering.search.week_column_bound import week_column_bound


def run_one(job: tuple[int, int, int, int]) -> dict:
    agents, queues, seed, rounds = job
    with tempfile.TemporaryDirectory() as folder:
        instance = centre(agents, queues, seed, folder, 60.0)
    row: dict = {"agents": agents, "queues": queues, "seed": seed, "rounds_limit": rounds}
    result = week_column_bound(instance, rounds=rounds)
    if result is None:
        return {**row, "bound": None}
    rise = result.bound - result.lp_bound
    return {**row, "lp": round(result.lp_bound, 2), "first": round(result.first_bound, 2),
            "bound": round(result.bound, 2), "master": round(result.master_value, 2), "rise": round(rise, 2),
            "rise_pct_of_lp": round(100 * rise / result.lp_bound, 3) if result.lp_bound else None,
            "rounds": result.rounds, "columns": result.columns, "rejected_weeks": result.rejected_weeks,
            "lp_cpu_s": round(result.lp_cpu_seconds, 1), "cg_cpu_s": round(result.cg_cpu_seconds, 1),
            "history": [round(v, 1) for v in result.history[::10]],
            "master_history": [round(v, 1) for v in result.master_history[::10]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="generator seeds")
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--queues", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=60, help="rounds of master solve and pricing at most")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    for seed in args.seeds:
        with context.Pool(1) as pool:
            row = pool.apply(run_one, ((args.agents, args.queues, seed, args.rounds),))
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
