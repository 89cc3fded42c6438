"""Proficiency-weighted cover against head counting on centres with levels: median and worst over seeds.

    python benchmarks/proficiency_cover.py --seeds 486051 726115 208528 776891 368995 --agents 70 150

Each seed's centre comes from `wfm example --agents A --seed S --levels`. It is planned twice with
`wfm plan --time-limit T --wall-limit 3000` (T = 20 s at 70 agents, 30 s above, or `--time-limit`; the
deterministic budget completes whatever the machine's load): *heads* with `solver.proficiency_cover: false`,
*weighted* with it true. Per run it
prints the effective under-staffing (average agent-hours, counted by the validator's independent weighted count
``scheduler.validation.effective_cover.weighted_cover`` for both rosters), the simulated service level
(`wfm simulate --reps 20 --json`, agents serving at the handle time divided by their proficiency) with its 95%
confidence half-width, the solver's gap and the CPU seconds of the plan process (its children included).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from scheduler.demo.example import generate_example
from scheduler.io.config import load_config
from scheduler.validation.effective_cover import weighted_cover
from scheduler.validation.validate import read_roster


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _requirements(config_path: Path, out: Path, week_start: date) -> np.ndarray:
    config = load_config(config_path)
    frame = pd.read_csv(out / "requirements.csv", parse_dates=["interval_start"])
    slots = 7 * 24 * 60 // config.interval_minutes
    required = np.zeros((len(config.queues), slots), dtype=np.int64)
    index = {q.queue_id: i for i, q in enumerate(config.queues)}
    start = pd.Timestamp(week_start)
    for row in frame.itertuples():
        slot = int((row.interval_start - start).total_seconds() // 60 // config.interval_minutes)
        required[index[row.queue], slot] = int(row.agents_required)
    return required


def run(folder: Path, agents: int, seed: int, mode: str, seconds: float, reps: int) -> dict:
    centre = folder / f"a{agents}s{seed}"
    if not (centre / "plan.yaml").exists():
        generate_example(centre, agents=agents, seed=seed, levels=True)
    plan = yaml.safe_load((centre / "plan.yaml").read_text(encoding="utf-8"))
    plan.setdefault("solver", {})["proficiency_cover"] = mode == "weighted"
    config_path = centre / f"plan-{mode}.yaml"
    config_path.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    out = centre / f"out-{mode}"
    cpu = _children_cpu()
    subprocess.run([sys.executable, "-m", "scheduler.app.cli", "plan", str(config_path), "--out", str(out),
                    "--time-limit", str(seconds), "--wall-limit", "3000", "--quiet"], check=True)
    cpu = _children_cpu() - cpu
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    week_start = date.fromisoformat(kpis["week_start"])
    config = load_config(config_path)
    required = _requirements(config_path, out, week_start)
    under, over = weighted_cover(config, read_roster(out / "roster.csv"), week_start, required)
    hours = config.interval_minutes / 60
    simulated = subprocess.run([sys.executable, "-m", "scheduler.app.cli", "simulate", str(out), "--config",
                                str(config_path), "--reps", str(reps), "--json"], check=True, capture_output=True,
                               text=True)
    sim = json.loads(simulated.stdout)
    return {"seed": seed, "agents": agents, "mode": mode, "under_eff_h": round(under * hours, 2),
            "over_eff_h": round(over * hours, 2), "sim": sim.get("overall", sim), "gap": kpis["solver"].get("gap"),
            "objective": kpis["solver"].get("objective"), "bound": kpis["solver"].get("best_bound"),
            "paid_h": kpis["paid_hours"], "valid": kpis["hard_violations"] == 0, "cpu_s": round(cpu, 1),
            "completed": kpis["solver"].get("budget_completed")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--agents", type=int, nargs="+", default=[70, 150])
    parser.add_argument("--modes", nargs="+", default=["heads", "weighted"])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds per plan (default: 20 at 70 agents or fewer, 30 above)")
    args = parser.parse_args()
    rows = []
    for agents in args.agents:
        for seed in args.seeds:
            for mode in args.modes:
                seconds = args.time_limit or (20.0 if agents <= 70 else 30.0)
                row = run(args.folder, agents, seed, mode, seconds, args.reps)
                print(json.dumps(row), flush=True)
                rows.append(row)
    for mode in args.modes:
        for agents in args.agents:
            runs = [r for r in rows if r["mode"] == mode and r["agents"] == agents]
            for key in ("objective", "gap", "under_eff_h", "paid_h"):
                values = [r[key] for r in runs]
                print(f"{mode}, {agents} agents: {key} median {statistics.median(values):,.4g} "
                      f"worst {max(values):,.4g}")
            levels = [r["sim"]["service_level"]["mean"] for r in runs]
            print(f"{mode}, {agents} agents: sim. SL median {statistics.median(levels):.2%} worst {min(levels):.2%}")

if __name__ == "__main__":
    main()
