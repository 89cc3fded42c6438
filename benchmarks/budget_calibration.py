"""Calibration of the deterministic work budget: the solve's CPU time against its time limit, per centre and phase.

    python benchmarks/budget_calibration.py            # 7 centres, about 6 minutes of CPU on the 2-core machine
    python benchmarks/budget_calibration.py --quick    # 3 centres at 20-s limits, about 1.5 minutes

Each centre is planned in a fresh process (``wfm plan``'s library call, ``run_plan``) with the deterministic
budget only: no wall-clock cap, one worker, so the solve does the same work whatever the machine's load. The
solve's CPU time (``time.process_time`` around ``solve_roster``: single-threaded in deterministic mode) is
divided by the limit: the budget (``solve.DETERMINISTIC_UNITS_PER_SECOND`` x ``BUDGET_SHARE_OF_LIMIT`` x the
limit) is meant to end a completed run inside the limit on an idle machine, at about 0.7 of it (median) and
never above 0.85. Per phase (the aggregate LP, the agent-by-agent build, the local search, the neighbourhoods,
the rest) the CPU seconds are set against the seconds its charges stand for (units / units per second): a phase
whose ``cpu/charged`` is far above the others is under-charged (its rate in ``solve.py``, ``sequential.py`` or
``polish.py`` is too low). CPU time grows on a loaded machine too (caches and memory bandwidth are shared):
the load average is printed; calibrate on an idle machine.

Centres: the bundled example (its own 45-s limit), generated centres of 60-150 agents with 3 and 8 queues and
several seeds, one with five channels (voice, voice, chat, email, social) and one with agent levels.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

# name, generator options (None: the bundled example), time limit in seconds (None: the plan's own)
CENTRES: tuple[tuple[str, tuple[str, ...] | None, float | None], ...] = (
    ("example", None, None),
    ("60x3-s1", ("--agents", "60", "--queues", "3", "--seed", "1"), 30),
    ("100x8-s2", ("--agents", "100", "--queues", "8", "--seed", "2"), 45),
    ("150x3-s3", ("--agents", "150", "--queues", "3", "--seed", "3"), 60),
    ("150x8-s4", ("--agents", "150", "--queues", "8", "--seed", "4"), 60),
    ("80-channels-s5", ("--agents", "80", "--channels", "voice,voice,chat,email,social", "--seed", "5"), 45),
    ("80-levels-s6", ("--agents", "80", "--queues", "3", "--levels", "--seed", "6"), 45),
)
QUICK: tuple[tuple[str, tuple[str, ...] | None, float | None], ...] = (
    ("example@20", None, 20),
    ("60x3-s1@20", ("--agents", "60", "--queues", "3", "--seed", "1"), 20),
    ("100x8-s2@20", ("--agents", "100", "--queues", "8", "--seed", "2"), 20),
)
# The neighbourhoods' CP-SAT solves (model building, hint, solve, read) are a part of "neighbourhoods".
PHASES = ("lp", "weighted_bound", "cover_rounding", "floor_repair", "build", "polish", "neighbourhoods",
          "neighbourhood_solves", "other")


def measure(plan: Path, limit: float | None, out: Path) -> dict:
    """In this process: plan ``plan`` with the deterministic budget only, timing the solve and its phases."""
    from scheduler.app import pipeline
    from scheduler.rostering import solve as solve_module

    rate = solve_module.DETERMINISTIC_UNITS_PER_SECOND
    state: dict = {}
    # phase -> [CPU seconds, units charged]; the neighbourhoods' model solves apart from the rest of their loop
    parts: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    budget_init = solve_module._Budget.__init__

    def init(self, *args, **kwargs) -> None:
        budget_init(self, *args, **kwargs)
        state["budget"] = self

    def timed(name: str, phase: str, extra_units=lambda result: 0.0, module=solve_module) -> None:
        inner = getattr(module, name)

        def wrapped(*args, **kwargs):
            budget = state["budget"]
            units, cpu = budget.used, time.process_time()
            if phase == "neighbourhoods" and "lns" not in state:
                state["lns"] = (cpu, units)  # the neighbourhoods run last: from the first to the end
            result = inner(*args, **kwargs)
            key = "neighbourhood_solves" if phase == "neighbourhoods" else phase  # (within the neighbourhoods)
            parts[key][0] += time.process_time() - cpu
            parts[key][1] += budget.used - units + extra_units(result)
            return result

        setattr(module, name, wrapped)

    solve_module._Budget.__init__ = init
    timed("solve_charged", "lp")  # charges the budget itself (``lower_bound.solve_charged``)
    timed("solve_merged", "lp")
    timed("weighted_bound", "weighted_bound")
    timed("cover_weeks", "cover_rounding", module=solve_module.cover_rounding)
    timed("_repair_floor", "floor_repair")
    timed("sequential_roster", "build")
    timed("polish", "polish")
    timed("_solve_neighbourhood", "neighbourhoods")
    solve_roster = pipeline.solve_roster

    def whole(*args, **kwargs):
        state["start"] = time.process_time()
        result = solve_roster(*args, **kwargs)
        state["end"], state["units"], state["result"] = time.process_time(), state["budget"].used, result
        return result

    pipeline.solve_roster = whole
    pipeline.run_plan(plan, out, time_limit_seconds=limit, workers=1, progress=None)
    cpu, units = state["end"] - state["start"], state["units"]
    solves = parts.pop("neighbourhood_solves", [0.0, 0.0])
    phases = dict(parts)
    if "lns" in state:  # the neighbourhoods: from the first one to the end of the solve
        phases["neighbourhoods"] = [state["end"] - state["lns"][0], units - state["lns"][1]]
    phases["other"] = [cpu - sum(v[0] for v in phases.values()), units - sum(v[1] for v in phases.values())]
    phases["neighbourhood_solves"] = solves
    stats = state["result"].stats
    return {"cpu_s": cpu, "units": units, "budget_units": state["budget"].total, "rate": rate,
            "phases": phases, "objective": stats.objective, "stopped_by": stats.stopped_by}


def _child(plan: str, limit: str, out: str) -> None:
    print(json.dumps(measure(Path(plan), float(limit), Path(out))))


def run(name: str, options: tuple[str, ...] | None, limit: float | None, work: Path) -> dict:
    if options is None:
        plan = ROOT / "configs" / "example.yaml"
    else:
        folder = work / name.split("@")[0]
        if not (folder / "plan.yaml").exists():
            subprocess.run([sys.executable, "-m", "scheduler.app.cli", "example", *options, "--out", str(folder)],
                           check=True, capture_output=True, cwd=ROOT)
        plan = folder / "plan.yaml"
    if limit is None:
        limit = float(yaml.safe_load(plan.read_text())["solver"]["time_limit_seconds"])
    load = os.getloadavg()[0]
    completed = subprocess.run([sys.executable, __file__, "--child", str(plan), str(limit), str(work / f"o-{name}")],
                               capture_output=True, text=True, cwd=ROOT, check=True)
    child = json.loads(completed.stdout.strip().splitlines()[-1])
    row = {"centre": name, "limit_s": limit, "cpu_s": round(child["cpu_s"], 1),
           "ratio": round(child["cpu_s"] / limit, 3), "budget_used": round(child["units"] / child["budget_units"], 2),
           "stopped_by": child["stopped_by"], "objective": child["objective"], "load": round(load, 1)}
    phases, rate = child["phases"], child["rate"]
    for phase in PHASES:
        cpu, units = phases.get(phase, [0.0, 0.0])
        charged = units / rate
        row[f"{phase}_cpu_s"] = round(cpu, 1)
        row[f"{phase}_cpu/charged"] = round(cpu / charged, 2) if charged > 0.05 else None
    return row


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 centres at 20-s limits (about 1.5 minutes)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these centres (names as printed)")
    args = parser.parse_args()
    centres = [c for c in (QUICK if args.quick else CENTRES) if not args.only or c[0] in args.only]
    rows = []
    with tempfile.TemporaryDirectory(prefix="wfm-calibration-") as folder:
        for name, options, limit in centres:
            row = run(name, options, limit, Path(folder))
            rows.append(row)
            print(json.dumps(row), flush=True)
    ratios = [r["ratio"] for r in rows]
    print(f"CPU/limit over {len(ratios)} centres: median {statistics.median(ratios):.2f}, worst {max(ratios):.2f} "
          f"(aim: median about 0.7, worst <= 0.85)")


if __name__ == "__main__":
    main()
