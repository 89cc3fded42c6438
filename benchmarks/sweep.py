"""``wfm sweep`` on one machine: eight scenarios of a 150-agent centre, serial vs ``local`` with 2 workers vs
Ray (a local instance with 2 CPUs), and a paper estimate for a 16-node cluster.

    python benchmarks/sweep.py                                   # 150 agents, 8 scenarios, 10-s budgets
    python benchmarks/sweep.py --agents 60 --time-limit 5 --modes serial local

The centre is `wfm example --agents 150 --queues 3 --seed 0`; the eight scenarios are the base plan, volume
+10% and -10%, AHT +5%, shrinkage 0.2, 90/20 on the voice queues, and 5 and 10 more part-timers. Every mode
plans the same sweep into its own folder (same relative name, so the summaries compare byte for byte).

Per mode it prints the wall time, the speed-up over serial, the summed CPU time of the plans (measured in
each worker, so a busy machine's other jobs do not count) and
the peak memory: the largest sum of the resident sets of this process and all its descendants (workers, Ray's
raylet, GCS and workers), sampled every 0.2 s. For Ray it also measures the start of the local instance and the
round trip of an empty task (the scheduling overhead per task). From the serial per-scenario time and that
overhead it estimates a 200-scenario sweep and a 20-site sweep on a 16-node cluster (``--node-cpus`` plans per
node at once; a deterministic plan uses one CPU).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from scheduler.demo.example import generate_example
from scheduler.sweep import run_sweep

SCENARIOS = """base: centre/plan.yaml
scenarios:
  - id: base
  - id: volume_up_10
    volume_factor: 1.1
  - id: volume_down_10
    volume_factor: 0.9
  - id: aht_up_5
    aht_factor: 1.05
  - id: shrinkage_20
    shrinkage: 0.2
  - id: sl90_voice
    overrides:
      queues: [{id: sales, service_level_target: 0.9}, {id: service, service_level_target: 0.9}]
  - id: hire_5_part_time
    add_agents: {contract: part_time, skills: [sales, service], count: 5}
  - id: hire_10_part_time
    add_agents: {contract: part_time, skills: [sales, service], count: 10}
"""


class PeakMemory:
    """Largest summed RSS (bytes) of this process and its descendants, sampled in a thread."""

    def __init__(self, every_seconds: float = 0.2) -> None:
        self.every, self.peak, self.stop = every_seconds, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            self.peak = max(self.peak, _tree_rss(os.getpid()))


def _tree_rss(root: int) -> int:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip() or 0)
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024 if "VmRSS" in fields else 0
    total = 0
    for pid in rss:
        walker = pid
        for _ in range(20):
            if walker == root:
                total += rss[pid]
                break
            walker = parents.get(walker, 0)
            if walker <= 1:
                break
    return total


def run_mode(mode: str, root: Path, time_limit: float, wall_limit: float | None, workers: int) -> dict[str, Any]:
    folder = root / mode
    folder.mkdir()
    executor, count = {"serial": ("local", 1), "local": ("local", workers), "ray": ("ray", workers)}[mode]
    started = time.monotonic()
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        with PeakMemory() as memory:
            result = run_sweep(root / "sweep.yaml", Path("out"), executor=executor, workers=count,
                               time_limit_seconds=time_limit, wall_limit_seconds=wall_limit, progress=sys.stderr)
    finally:
        os.chdir(cwd)
    wall = time.monotonic() - started
    return {"mode": mode, "executor": executor, "workers": count, "wall_seconds": round(wall, 1),
            "worker_cpu_seconds": round(result.cpu_seconds, 1),
            "peak_memory_mb": round(memory.peak / 2**20), "scenarios": len(result.rows),
            "budgets_completed": sum(bool(r.kpis and r.kpis.solver.budget_completed) for r in result.rows),
            "summary": (folder / "out" / "summary.csv").read_text()}


def ray_overhead(workers: int, tasks: int = 50) -> dict[str, float]:
    """Start-up of a local Ray instance and the mean round trip of an empty task (submitted one at a time)."""
    import ray

    started = time.monotonic()
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    init_seconds = time.monotonic() - started

    @ray.remote
    def empty() -> None:
        return None

    ray.get(empty.remote())  # the first task starts a worker process
    started = time.monotonic()
    for _ in range(tasks):
        ray.get(empty.remote())
    per_task = (time.monotonic() - started) / tasks
    started = time.monotonic()
    ray.shutdown()
    return {"init_seconds": round(init_seconds, 2), "task_round_trip_ms": round(per_task * 1000, 2),
            "shutdown_seconds": round(time.monotonic() - started, 2)}


def estimate(per_scenario_seconds: float, overhead: dict[str, float], jobs: int, nodes: int, node_cpus: int,
             startup_seconds: float) -> float:
    """Waves of ``nodes * node_cpus`` plans, each as long as one plan plus a task round trip, after start-up."""
    slots = nodes * node_cpus
    waves = math.ceil(jobs / slots)
    return startup_seconds + waves * (per_scenario_seconds + overhead["task_round_trip_ms"] / 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--wall-limit", type=float, default=None,
                        help="Wall-clock cap per plan (default: the sweep's, 4 x the time limit + 60 s).")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--modes", nargs="+", default=["serial", "local", "ray"])
    parser.add_argument("--nodes", type=int, default=16)
    parser.add_argument("--node-cpus", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures to this file.")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="wfm-sweep-bench-"))
    generate_example(root / "centre", agents=args.agents, queues=3, seed=0)
    (root / "sweep.yaml").write_text(SCENARIOS, encoding="utf-8")
    overhead = ray_overhead(args.workers) if "ray" in args.modes else {"init_seconds": 0.0,
                                                                        "task_round_trip_ms": 0.0}
    runs = [run_mode(mode, root, args.time_limit, args.wall_limit, args.workers) for mode in args.modes]
    serial = next((r for r in runs if r["mode"] == "serial"), runs[0])
    print(f"\n{args.agents} agents, 3 queues, {serial['scenarios']} scenarios, --time-limit {args.time_limit:g}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'mode':<8} {'workers':>7} {'wall s':>8} {'speed-up':>8} {'worker CPU s':>12} {'peak MB':>8} "
          f"{'budgets':>8} {'same summary':>12}")
    for run in runs:
        cpu = f"{run['worker_cpu_seconds']:.0f}"
        print(f"{run['mode']:<8} {run['workers']:>7} {run['wall_seconds']:>8.0f} "
              f"{serial['wall_seconds'] / run['wall_seconds']:>7.2f}x {cpu:>12} {run['peak_memory_mb']:>8} "
              f"{run['budgets_completed']:>4}/{run['scenarios']:<3} {str(run['summary'] == serial['summary']):>12}")
    per_scenario = serial["wall_seconds"] / serial["scenarios"]
    if "ray" in args.modes:
        print(f"Ray: local instance starts in {overhead['init_seconds']:.1f} s, an empty task's round trip takes "
              f"{overhead['task_round_trip_ms']:.1f} ms")
    for jobs, what in ((200, "200 scenarios"), (20, "20 sites")):
        seconds = estimate(per_scenario, overhead, jobs, args.nodes, args.node_cpus, overhead["init_seconds"])
        print(f"estimate: {what} on {args.nodes} nodes x {args.node_cpus} CPUs: {seconds / 60:.1f} min "
              f"({math.ceil(jobs / (args.nodes * args.node_cpus))} wave(s) of {per_scenario:.0f} s per plan; "
              f"serial here: {jobs * per_scenario / 3600:.1f} h)")
    if args.json is not None:
        args.json.write_text(json.dumps({"runs": [{k: v for k, v in r.items() if k != "summary"} for r in runs],
                                         "ray": overhead, "per_scenario_seconds": per_scenario}, indent=2) + "\n")


if __name__ == "__main__":
    main()
