"""Rostering quality on centres the solver was not tuned on: median and worst gap over generator seeds.

    python benchmarks/quality_seeds.py --seeds 974006 809523 592896 164397 224053 861146 --seconds 60

Each seed's centre comes from `wfm example --agents N --queues Q --seed S` (requirements from our forecast and
Erlang C, as `wfm plan` computes them). The roster is solved by the library in its default deterministic mode with
no wall-clock cap, so the deterministic budget always completes and the figures do not depend on the machine's
load; each seed runs in a fresh process. Per seed it prints the exact objective, the proven bound, the gap, the
CPU seconds of the solve (`time.process_time`, the main process; `workers_cpu_s` its forked local-search workers,
`--workers`) and the wall seconds; then the median and worst gap and
the CPU seconds against the limit (the budget is meant to end inside the limit on an idle machine; CPU time is the
fair measure on a busy one, where wall time is inflated by other jobs).
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from forecasting.history import load_history
from forecasting.queueing.staffing import requirements as staffing_requirements
from scheduler.app.pipeline import forecast_week, planned_week, queue_targets, requirement_array
from scheduler.demo.example import generate_example
from scheduler.io.config import load_config
from scheduler.rostering.instance import Instance
from scheduler.rostering.solve import solve_roster


class _CpuProgress(io.StringIO):
    """Progress lines, each prefixed with the CPU seconds spent so far (to see where the budget goes)."""

    def __init__(self, started: float, echo: bool) -> None:
        super().__init__()
        self.started, self.echo, self.lines = started, echo, []

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                stamped = f"cpu {time.process_time() - self.started:6.1f}s {line}"
                self.lines.append(stamped)
                if self.echo:
                    print(stamped, file=sys.stderr, flush=True)
        return len(text)


def planned_instance(work: Path, seconds: float) -> Instance:
    """The generated centre in ``work`` as `wfm plan` would solve it (our forecast, Erlang C requirements), with
    the solver's limit set to ``seconds``."""
    config = load_config(work / "plan.yaml")
    history = load_history(config.history_path)
    week = planned_week(config, history)
    forecast = forecast_week(config, history, week)
    required = requirement_array(config, week, staffing_requirements(forecast, queue_targets(config)))
    limited = replace(config, solver=replace(config.solver, time_limit_seconds=seconds))
    return Instance(limited, week, required)


def centre(agents: int, queues: int, seed: int, folder: str, seconds: float) -> Instance:
    """The generator's centre for ``seed`` (``wfm example`` into ``folder``), planned as ``planned_instance`` with
    the solver's limit set to ``seconds``."""
    work = Path(folder) / f"a{agents}q{queues}s{seed}"
    generate_example(work, agents=agents, queues=queues, seed=seed)
    return planned_instance(work, seconds)


def run_one(job: tuple[int, int, int, float, str, str, bool, int | None]) -> dict:
    """One seed's centre solved in a fresh process (``workers``: the solver's processes, None: the config's)."""
    agents, queues, seed, seconds, channels, folder, echo, workers = job
    work = Path(folder) / f"a{agents}q{queues}s{seed}{channels.replace(',', '-')}"
    if channels:
        generate_example(work, agents=agents, seed=seed, channels=tuple(channels.split(",")), levels=True)
    else:
        generate_example(work, agents=agents, queues=queues, seed=seed)
    instance = planned_instance(work, seconds)
    cpu, wall, children = time.process_time(), time.monotonic(), _children_cpu()
    progress = _CpuProgress(cpu, echo)
    result = solve_roster(instance, progress=progress, workers=workers)
    stats = result.stats
    return {"agents": agents, "queues": queues if not channels else len(channels.split(",")),
            "channels": channels or None, "seed": seed, "limit_s": seconds,
            "objective": round(stats.objective, 1), "bound": round(stats.best_bound, 1),
            "gap": round(stats.gap, 4), "workers": stats.workers, "cpu_s": round(time.process_time() - cpu, 1),
            "workers_cpu_s": round(_children_cpu() - children, 1),
            "wall_s": round(time.monotonic() - wall, 1), "budget_completed": stats.budget_completed,
            "phases": progress.lines[-3:]}


def _children_cpu() -> float:
    """CPU seconds of the reaped child processes (the solve's local-search workers, ``search.parallel_runs``)."""
    times = os.times()
    return times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="generator seeds")
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--queues", type=int, default=3)
    parser.add_argument("--channels", default="", help="e.g. voice,voice,chat,email,social (with levels)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=None,
                        help="the solver's processes (default: the config's solver.workers)")
    parser.add_argument("--echo", action="store_true", help="print every progress line with its CPU seconds")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            with context.Pool(1) as pool:
                row = pool.apply(run_one, ((args.agents, args.queues, seed, args.seconds, args.channels, folder,
                                            args.echo, args.workers),))
            rows.append(row)
            print(json.dumps(row), flush=True)
    gaps = [r["gap"] for r in rows]
    cpu = [r["cpu_s"] / r["limit_s"] for r in rows]
    print(json.dumps({"seeds": len(rows), "median_gap": round(statistics.median(gaps), 4), "worst_gap": max(gaps),
                      "worst_seed": rows[gaps.index(max(gaps))]["seed"],
                      "median_cpu_over_limit": round(statistics.median(cpu), 2),
                      "worst_cpu_over_limit": round(max(cpu), 2)}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
