"""Weekly plan at several centre sizes: wall time, solver gap, service level, understaffing, violations.

    python benchmarks/plan_scale.py                 # 60 and 150 agents (the README figures)
    python benchmarks/plan_scale.py --agents 60 150 400 --time-limit 120

Each size is generated with `wfm example --agents N --seed 7` (60 agents: the bundled example's seed 0)
into a temporary folder and planned with `wfm plan`; figures are read from kpis.json. Peak memory is the
child process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(agents: int, seed: int, time_limit: float | None, work: Path) -> dict:
    centre, out = work / f"c{agents}", work / f"o{agents}"
    subprocess.run([sys.executable, "-m", "scheduler.app.cli", "example", "--agents", str(agents), "--seed", str(seed),
                    "--out", str(centre)], check=True, capture_output=True)
    command = [sys.executable, "-m", "scheduler.app.cli", "plan", str(centre / "plan.yaml"), "--out", str(out),
               "--quiet"]
    if time_limit is not None:
        command += ["--time-limit", str(time_limit)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True)
    seconds = time.monotonic() - started
    peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    if completed.returncode != 0:
        return {"agents": agents, "exit": completed.returncode, "error": completed.stderr.strip()[-200:]}
    kpis = json.loads((out / "kpis.json").read_text())
    targets = kpis["service_level_target"]
    return {
        "agents": agents,
        "exit": 0,
        "seconds": round(seconds, 1),
        "time_limit": time_limit or "config",
        "hard_violations": kpis["hard_violations"],
        "gap": kpis["solver"]["gap"],
        "service_level": kpis["service_level"]["overall"],
        "queues_at_target": all(kpis["service_level"]["by_queue"][q] >= t for q, t in targets.items()),
        "understaffed_h": kpis["understaffed_agent_hours"],
        "overstaffed_h": kpis["overstaffed_agent_hours"],
        "paid_h": kpis["paid_hours"],
        "peak_mb": round(peak_mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[60, 150])
    parser.add_argument("--time-limit", type=float, default=None, help="override solver.time_limit_seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for agents in args.agents:
            row = run(agents, 0 if agents == 60 else 7, args.time_limit, Path(folder))
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
