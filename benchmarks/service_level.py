"""Predicted against simulated weekly service level per queue, and the speed of ``wfm simulate``.

    python benchmarks/service_level.py                                  # example, 60, 150 and 400 agents
    python benchmarks/service_level.py --centres example 150 --time-limit 30 --reps 40

A centre is ``example`` (the bundled ``configs/example.yaml``) or ``N`` agents, generated with
``wfm example --agents N --seed 7`` (3 queues) into the work folder, and planned with ``wfm plan`` (its
``--time-limit``). For each queue the table gives the Erlang-per-queue figure (``kpis.json``'s
``service_level``), the plan's prediction (``predicted_service_level``: the roster simulation inside the
plan, its own seed) and ``wfm simulate`` of the published roster with ``--reps`` replications and another
seed, longest-waiting and skill-order routing (mean ± 95% CI half-width), and predicted minus simulated in
points. The CPU seconds (``process_time`` of this process, so they hold on a busy machine) are those of 30
replications of the week (longest-waiting) and of the replications the plan's prediction runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler.simulation import replications, simulate  # noqa: E402
from scheduler.simulation.plan_folder import load_plan_folder  # noqa: E402
from scheduler.simulation.prediction import prediction_replications  # noqa: E402


def _centre(spec: str, work: Path) -> Path:
    if spec == "example":
        return ROOT / "configs" / "example.yaml"
    folder = work / f"c{spec}"
    if not (folder / "plan.yaml").exists():
        subprocess.run([sys.executable, "-m", "scheduler.app.cli", "example", "--agents", spec, "--seed", "7",
                        "--out", str(folder)], check=True, capture_output=True, cwd=ROOT)
    return folder / "plan.yaml"


def _plan(spec: str, work: Path, time_limit: float) -> tuple[Path, Path]:
    config = _centre(spec, work)
    out = work / f"plan-{spec}"
    if not (out / "kpis.json").exists():
        subprocess.run([sys.executable, "-m", "scheduler.app.cli", "plan", str(config), "--out", str(out), "--quiet",
                        "--time-limit", str(time_limit)], check=True, cwd=ROOT)
    return config, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--centres", nargs="+", default=["example", "60", "150", "400"])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None, help="Folder for centres and plans (kept; reused).")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="wfm-service-level-"))
    work.mkdir(parents=True, exist_ok=True)
    print("| centre | queue | Erlang per queue | predicted (plan) | simulated, longest-waiting | predicted - simulated "
          "(points) | simulated, skill-order | cpu s: simulate 30 reps / in-plan prediction |")
    print("|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for spec in args.centres:
        config, out = _plan(spec, work, args.time_limit)
        kpis = json.loads((out / "kpis.json").read_text())
        _, inp = load_plan_folder(out, config)
        started = time.process_time()
        simulate(inp, reps=30, seed=args.seed + 1, routing="longest-waiting")
        cpu = time.process_time() - started
        started = time.process_time()
        reps = prediction_replications(float(inp.contacts.sum()))
        replications(inp, reps, 0, "longest-waiting", inp.absence_rate)
        predict_cpu = time.process_time() - started
        longest = simulate(inp, reps=args.reps, seed=args.seed, routing="longest-waiting")
        first = simulate(inp, reps=args.reps, seed=args.seed, routing="skill-order")
        name = "example" if spec == "example" else f"{spec} agents"
        rows = [*longest.queues, "overall"]
        for queue in rows:
            sim = longest.overall if queue == "overall" else longest.queues[queue]
            alt = first.overall if queue == "overall" else first.queues[queue]
            erlang = kpis["service_level"]["overall" if queue == "overall" else "by_queue"]
            erlang = erlang if queue == "overall" else erlang[queue]
            pred_block = kpis["predicted_service_level"]
            predicted = pred_block["overall"] if queue == "overall" else pred_block["by_queue"][queue]
            diff = (predicted - sim.service_level.mean) * 100
            worst = max(worst, abs(diff))
            label = f"{name} ({kpis['agents']} agents)" if queue == "overall" and spec == "example" else name
            timing = f"{cpu:.1f} / {predict_cpu:.1f} ({reps} reps)" if queue == "overall" else ""
            print(f"| {label} | {queue} | {erlang:.1%} | {predicted:.1%} | {_pm(sim.service_level)} | {diff:+.2f} | "
                  f"{_pm(alt.service_level)} | {timing} |")
        print(f"<!-- {name}: surplus {kpis['surplus']['agent_hours']} agent-h of {kpis['paid_hours']} paid, "
              f"{kpis['surplus']['block_hours']} h in {kpis['surplus']['blocks']} blocks of 1 h or more -->")
    print(f"\nlargest |predicted - simulated|: {worst:.2f} points")


def _pm(estimate: object) -> str:
    mean = getattr(estimate, "mean")  # noqa: B009
    ci = getattr(estimate, "ci95")  # noqa: B009
    half = 0.0 if ci is None else (ci[1] - ci[0]) / 2
    return f"{mean:.1%} ± {half * 100:.1f}"


if __name__ == "__main__":
    main()
