"""Weekly plan at several centre sizes and queue counts: wall time against the limit, first roster, gap, quality.

    python benchmarks/plan_scale.py                                   # example, 150x3, 150x8, 150x30; idle and busy
    python benchmarks/plan_scale.py --centres 150x3 150x8 150x16 150x30 --time-limit 60 --load idle
    python benchmarks/plan_scale.py --centres 60x3 150x3 400x3 --time-limit 120     # sizes (the README figures)
    python benchmarks/plan_scale.py --centres 150x3 150x8 150x16 150x30 --seeds 829 214 --time-limit 60 --load idle
    python benchmarks/plan_scale.py --centres 150x8 --weeks 1 2 4 --time-limit 60 --load idle  # the overhead by weeks

A centre is ``example`` (the bundled ``configs/example.yaml``) or ``AGENTSxQUEUES``, generated with
``wfm example --agents A --queues Q --seed S`` (``--seeds``; by default 7, and 0 at 60 agents) into a temporary
folder, and planned with
``wfm plan``; figures are read from kpis.json. ``--load busy`` runs a busy loop on another core meanwhile (the
machine of a planner who is doing something else). Columns: ``wall_s`` is the whole command (loading, forecast,
staffing, solve, outputs), ``solve_s`` the solver's own seconds, ``limit_s`` the time limit, ``over_s`` how far
the solve ended past the limit (negative: before) and ``overhead_s`` the rest of the command, split into
``before_solve_s`` (starting Python, loading, forecast, staffing, pre-checks) and ``after_solve_s`` (validation,
prediction, report, exports); ``within_promise`` says whether the whole command ended within the limit plus the
documented overhead (``scheduler.app.overhead.documented_overhead_s`` at the centre's agents, queues and planned
``--weeks``, README "Time limit"); ``cpu_s`` is the
command's CPU time (user + system: on a machine shared with other jobs the wall figures grow, the CPU figures
much less); peak memory is the child process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from scheduler.app.overhead import documented_overhead_s

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CENTRES = ("example", "150x3", "150x8", "150x30")
STAGE_LINE = re.compile(r"^\[(\w+)\]\s+([\d.]+)s", re.MULTILINE)  # ``wfm plan``'s progress: stage, seconds


def _busy_loop() -> None:
    while True:
        pass


def _centre(spec: str, work: Path, seed: int | None) -> Path:
    """The plan YAML of a centre spec, generated with ``seed``: ``example``, ``AGENTSxQUEUES``, ``AGENTSxchannels``
    (voice, voice, chat, email and social: deferred queues and a bot) or ``AGENTSxlevels`` (3 queues, levels,
    proficiencies and a lead on the floor)."""
    if spec == "example":
        return ROOT / "configs" / "example.yaml"
    agents_text, kind = spec.lower().split("x")
    agents = int(agents_text)
    options = {"channels": ["--channels", "voice,voice,chat,email,social"],
               "levels": ["--queues", "3", "--levels"]}.get(kind) or ["--queues", str(int(kind))]
    seed = (0 if agents == 60 else 7) if seed is None else seed
    folder = work / f"c{agents}x{kind}-{seed}"
    if not (folder / "plan.yaml").exists():
        subprocess.run([sys.executable, "-m", "scheduler.app.cli", "example", "--agents", str(agents), *options,
                        "--seed", str(seed), "--out", str(folder)],
                       check=True, capture_output=True, cwd=ROOT)
    return folder / "plan.yaml"


def run(spec: str, load: str, time_limit: float | None, work: Path, seed: int | None = None,
        weeks: int = 1) -> dict:
    plan = _centre(spec, work, seed)
    out = work / f"o-{spec}-{seed}-{load}-{weeks}w"
    command = [sys.executable, "-m", "scheduler.app.cli", "plan", str(plan), "--out", str(out), "--weeks", str(weeks)]
    if time_limit is not None:
        command += ["--time-limit", str(time_limit)]
    limit = time_limit if time_limit is not None else yaml.safe_load(plan.read_text())["solver"]["time_limit_seconds"]
    busy = multiprocessing.Process(target=_busy_loop, daemon=True) if load == "busy" else None
    if busy is not None:
        busy.start()
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mb = max(before.ru_maxrss, after.ru_maxrss) / 1024
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    finally:
        if busy is not None:
            busy.terminate()
            busy.join()
    row = {"centre": spec, "seed": seed, "weeks": weeks, "load": load, "limit_s": limit, "exit": completed.returncode}
    if completed.returncode != 0:
        return {**row, "error": completed.stderr.strip()[-200:]}
    kpis = json.loads((out / "kpis.json").read_text())
    solver = kpis["solver"]
    targets = kpis["service_level_target"]
    stages = {m.group(1): float(m.group(2)) for m in STAGE_LINE.finditer(completed.stderr)}
    after = stages["done"] - stages["schedule"]  # validation, prediction, report, exports
    agents = int(kpis["agents"])
    allowed = limit + documented_overhead_s(agents, len(targets), weeks)
    return {
        **row,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "solve_s": solver["seconds"],
        "over_s": round(solver["seconds"] - limit, 1),
        "overhead_s": round(wall - solver["seconds"], 1),
        "before_solve_s": round(wall - solver["seconds"] - after, 1),
        "after_solve_s": round(after, 1),
        "documented_overhead_s": round(allowed - limit, 1),
        "within_promise": wall <= allowed,
        "first_roster_s": solver["first_roster_seconds"],
        "gap": solver["gap"],
        "stopped_by": solver["stopped_by"],
        "objective": solver["objective"],
        "bound": solver["best_bound"],
        "hard_violations": kpis["hard_violations"],
        "service_level": kpis["service_level"]["overall"],
        "queues_at_target": all(kpis["service_level"]["by_queue"][q] >= t for q, t in targets.items()),
        "understaffed_h": kpis["understaffed_agent_hours"],
        "paid_h": kpis["paid_hours"],
        "peak_mb": round(peak_mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--centres", nargs="+", default=list(DEFAULT_CENTRES), metavar="SPEC",
                        help="example, AGENTSxQUEUES, AGENTSxchannels or AGENTSxlevels (default: %(default)s)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[None], metavar="SEED",
                        help="generate each AGENTSxQUEUES centre with these seeds (default: 7, 0 at 60 agents)")
    parser.add_argument("--time-limit", type=float, default=None, help="override solver.time_limit_seconds")
    parser.add_argument("--weeks", nargs="+", type=int, default=[1], help="planned weeks (default: 1)")
    parser.add_argument("--load", choices=("idle", "busy", "both"), default="both",
                        help="run alone, beside a busy loop on another core, or both")
    args = parser.parse_args()
    loads = ("idle", "busy") if args.load == "both" else (args.load,)
    with tempfile.TemporaryDirectory() as folder:
        for spec in args.centres:
            for seed in args.seeds if spec != "example" else [None]:
                for weeks in args.weeks:
                    for load in loads:
                        print(json.dumps(run(spec, load, args.time_limit, Path(folder), seed, weeks)), flush=True)


if __name__ == "__main__":
    main()
