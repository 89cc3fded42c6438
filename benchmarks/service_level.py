"""Predicted against simulated weekly service level per queue, and the speed of ``wfm simulate``.

    python benchmarks/service_level.py                                  # example, 60, 150 and 400 agents
    python benchmarks/service_level.py --centres example 150 --time-limit 30 --reps 40
    python benchmarks/service_level.py --mode weekly --agents 60 --time-limit 30   # weekly target vs per-interval
    python benchmarks/service_level.py --mode weekly --agents 60 --paid-bound     # ... and each mode's paid-hours bound
    python benchmarks/service_level.py --mode level --agents 60 --levels 0.8 0.85  # at levels planners run
    python benchmarks/service_level.py --mode level --agents 150 --queues 8 --levels 0.8   # more queues

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
import dataclasses
import json
import math
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from scheduler.app.pipeline import (  # noqa: E402
    queue_targets,
    read_requirements,
    requirement_array,
    weekly_instance,
)
from scheduler.domain.week import Week  # noqa: E402
from scheduler.io.config import load_config  # noqa: E402
from scheduler.rostering.instance import Instance  # noqa: E402
from scheduler.rostering.search import weekly_start  # noqa: E402
from scheduler.rostering.search.lower_bound import GLOP, HIGHS_IPM, solve_aggregate  # noqa: E402
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
    parser.add_argument("--mode", choices=("predict", "weekly", "level"), default="predict",
                        help="predict: predicted vs simulated (default); weekly: weekly-target mode vs per-interval "
                             "at the level the per-interval roster delivers; level: the weekly mode at each --levels "
                             "target vs the per-interval mode whose target is lowered until it delivers the same "
                             "simulated weekly level.")
    parser.add_argument("--levels", type=float, nargs="+", default=[0.8, 0.85],
                        help="level mode: the weekly targets (every queue).")
    parser.add_argument("--weekly-floor", choices=("tangent", "level"), default="tangent",
                        help="level mode: the weekly mode's objective.weekly_floor.")
    parser.add_argument("--weekly-start", choices=("envelope", "level"), default="envelope",
                        help="level mode: objective.weekly_start of the weekly runs (with --weekly-floor level).")
    parser.add_argument("--label", default="",
                        help="level mode: appended to the weekly runs' folder names in --work, so two versions of the "
                             "code share one work folder (the per-interval rosters planned once).")
    parser.add_argument("--bisect-steps", type=int, default=3,
                        help="level mode: per-interval targets tried at most per level.")
    parser.add_argument("--agents", type=int, default=60, help="weekly mode: agents per generated centre.")
    parser.add_argument("--queues", type=int, default=3, help="weekly and level modes: queues per generated centre.")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(WEEKLY_SEEDS),
                        help="weekly mode: generator seeds (default: three drawn at random once).")
    parser.add_argument("--floor", type=float, default=0.5, help="weekly mode: min_interval_service_level.")
    parser.add_argument("--wall-limit", type=float, default=None,
                        help="weekly mode: each plan's --wall-limit (default 30 x --time-limit); the budget is "
                             "deterministic, so a loose wall limit keeps the rosters independent of the load.")
    parser.add_argument("--paid-bound", action="store_true",
                        help="weekly and level modes: also each mode's proven lower bound on paid hours (the aggregate "
                             "LP with over-staffing unpriced); level mode: and that of the weekly start's LP.")
    args = parser.parse_args()
    if args.mode == "weekly":
        weekly_benchmark(args)
        return
    if args.mode == "level":
        level_benchmark(args)
        return
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


# Generator seeds of the weekly-mode comparison, drawn with ``secrets.randbelow(10_000)`` when it was written.
WEEKLY_SEEDS = (2298, 1271, 101)


def _flexible(source: Path, target: Path, edit: dict[str, object], targets: dict[str, float] | None = None) -> None:
    """The generated plan with every contract's weekly minimum at half its maximum (contracts that leave room),
    ``edit`` merged into ``objective:``, and each queue's ``service_level_target`` from ``targets``."""
    plan = yaml.safe_load(source.read_text())
    for contract in plan["contracts"]:
        contract["min_weekly_hours"] = contract["max_weekly_hours"] / 2
    plan.setdefault("objective", {}).update(edit)
    for queue in plan["queues"]:
        if targets is not None:
            queue["service_level_target"] = round(min(targets[queue["id"]], 0.999), 4)
    target.write_text(yaml.safe_dump(plan, sort_keys=False))


def _generated(work: Path, agents: int, queues: int, seed: int) -> Path:
    """The folder of ``wfm example --agents agents --queues queues --seed seed`` in ``work`` (generated once)."""
    folder = work / (f"c{agents}-s{seed}" if queues == 3 else f"c{agents}-q{queues}-s{seed}")
    if not (folder / "plan.yaml").exists():
        subprocess.run([sys.executable, "-m", "scheduler.app.cli", "example", "--agents", str(agents), "--queues",
                        str(queues), "--seed", str(seed), "--out", str(folder)], check=True, capture_output=True,
                       cwd=ROOT)
    return folder


def _run(config: Path, out: Path, time_limit: float, wall_limit: float | None = None) -> dict:
    if not (out / "kpis.json").exists():
        wall = 30 * time_limit if wall_limit is None else wall_limit
        subprocess.run([sys.executable, "-m", "scheduler.app.cli", "plan", str(config), "--out", str(out), "--quiet",
                        "--time-limit", str(time_limit), "--wall-limit", str(wall)], check=True, cwd=ROOT)
    return json.loads((out / "kpis.json").read_text())


def paid_hours_bound(config_path: Path, out: Path, start_lp: bool = False) -> float:
    """A proven lower bound on the paid hours of any roster of the plan that keeps its floor (per-interval mode:
    every interval's requirement; weekly mode: the floor and each queue's weekly target): the aggregate LP of
    ``search.lower_bound`` with over-staffing unpriced, so it minimises paid hours plus under-staffing and
    weekly shortfall at 1,000 each (never worth taking); nan when the LP fails. ``start_lp`` (weekly mode): instead
    the same LP of the requirement the weekly mode's start covers when its own LP is over its share
    (``search.weekly_start.interval_instance``: the fewest heads per queue and interval that reach each weekly
    target), the fewest paid hours of any roster that covers that requirement."""
    config = load_config(config_path)
    config = dataclasses.replace(config, weights=dataclasses.replace(config.weights, overstaffed_agent_interval=0))
    kpis = json.loads((out / "kpis.json").read_text())
    week = Week(date.fromisoformat(kpis["week_start"]), config.interval_minutes)
    required = read_requirements(out / "requirements.csv", config)
    instance = weekly_instance(config, week, required, queue_targets(config)) or Instance(
        config, week, requirement_array(config, week, required))
    if start_lp:
        instance = weekly_start.interval_instance(instance) or instance
    # (the weekly LP by HiGHS's IPM: the same optimum in a quarter of GLOP's time, README issue 18)
    solution = solve_aggregate(instance, method=GLOP if instance.service_curves is None else HIGHS_IPM)
    return math.nan if solution is None else solution.bound


def weekly_benchmark(args: argparse.Namespace) -> None:
    """Per seed: the per-interval mode (every interval at its target) on the flexible-contract centre, then the
    weekly mode with each queue's weekly target set to the level the per-interval roster delivers by Erlang
    (``kpis.json``'s ``service_level.by_queue``), so both are compared at (nearly) the same simulated weekly
    level; paid hours, simulated level (longest-waiting routing), the worst interval's simulated level (pooled
    over the replications, intervals with a forecast contact or more) and validity of both."""
    work = args.work or Path(tempfile.mkdtemp(prefix="wfm-weekly-"))
    work.mkdir(parents=True, exist_ok=True)
    print("| seed | mode | paid hours | simulated weekly SL | Erlang weekly SL (validator) | "
          "worst interval SL (simulated) | valid | paid hours saved |" + (" paid-hours bound |" if args.paid_bound
                                                                        else ""))
    print("|---|---|---|---|---|---|---|---|" + ("---|" if args.paid_bound else ""))
    savings, gaps = [], []
    for seed in args.seeds:
        folder = _generated(work, args.agents, args.queues, seed)
        interval_yaml = folder / "interval.yaml"
        _flexible(folder / "plan.yaml", interval_yaml, {})
        base = _run(interval_yaml, folder / "out-interval", args.time_limit, args.wall_limit)
        weekly_yaml = folder / "weekly.yaml"
        _flexible(folder / "plan.yaml", weekly_yaml, {"service_level": "weekly",
                                                      "min_interval_service_level": args.floor},
                  base["service_level"]["by_queue"])
        weekly = _run(weekly_yaml, folder / "out-weekly", args.time_limit, args.wall_limit)
        sims = {}
        for mode, config in (("interval", interval_yaml), ("weekly", weekly_yaml)):
            _, inp = load_plan_folder(folder / f"out-{mode}", config)
            sims[mode] = simulate(inp, reps=args.reps, seed=args.seed, routing="longest-waiting")
        saved = 1 - weekly["paid_hours"] / base["paid_hours"]
        gap = sims["weekly"].overall.service_level.mean - sims["interval"].overall.service_level.mean
        savings.append(saved)
        gaps.append(gap)
        for mode, kpis in (("per-interval", base), ("weekly", weekly)):
            sim = sims["interval" if mode == "per-interval" else "weekly"]
            erlang = (kpis["weekly_target"]["by_queue"] if "weekly_target" in kpis
                      else kpis["service_level"]["by_queue"])
            shown = ", ".join(f"{q} {v:.1%}" for q, v in erlang.items())
            rows = sim.intervals[sim.intervals["contacts"] >= 1.0]
            worst = float(rows["service_level"].min())  # pooled over the replications, intervals of 1+ contact
            valid = "yes" if kpis["hard_violations"] == 0 else f"{kpis['hard_violations']} violations"
            note = f"{saved:+.1%} (sim {gap * 100:+.2f} pt)" if mode == "weekly" else ""
            bound = ""
            if args.paid_bound:
                name = "interval" if mode == "per-interval" else "weekly"
                bound = f" {paid_hours_bound(folder / f'{name}.yaml', folder / f'out-{name}'):.1f} |"
            print(f"| {seed} | {mode} | {kpis['paid_hours']:.1f} | {_pm(sim.overall.service_level)} | {shown} | "
                  f"{worst:.1%} | {valid} | {note} |{bound}")
    ordered = sorted(savings)
    print(f"\npaid hours saved: median {ordered[len(ordered) // 2]:.1%}, worst {ordered[0]:.1%}; simulated weekly "
          f"SL weekly minus per-interval: median {sorted(gaps)[len(gaps) // 2] * 100:+.2f} pt, "
          f"worst {min(gaps) * 100:+.2f} pt")


def _worst_interval(sim: object) -> float:
    """The lowest simulated interval level, pooled over the replications, of intervals with a contact or more."""
    rows = getattr(sim, "intervals")  # noqa: B009
    return float(rows[rows["contacts"] >= 1.0]["service_level"].min())


def level_benchmark(args: argparse.Namespace) -> None:
    """Koole & van der Sluis's comparison, at the levels planners run. Per seed and weekly level ``X`` (every
    queue's target): the weekly mode (floor ``--floor``), then the per-interval mode with every queue's
    per-interval target lowered by bisection on ``[X - 0.4, X]`` until its roster's simulated weekly level lies
    within the two 95% intervals of the weekly roster's (at most ``--bisect-steps`` targets; the closest is
    kept); paid hours, simulated levels, worst simulated interval and validity of both. Contracts leave room
    (weekly minimum at half the maximum), as in ``weekly_benchmark``."""
    work = args.work or Path(tempfile.mkdtemp(prefix="wfm-level-"))
    work.mkdir(parents=True, exist_ok=True)
    print("| agents | seed | level | paid h per-interval / weekly | saved | per-interval target | simulated SL "
          "per-interval / weekly | within CIs | worst interval (sim.) | valid |"
          + (" paid-hours bound per-interval / weekly / weekly start's LP |" if args.paid_bound else ""))
    print("|---|---|---|---|---|---|---|---|---|---|" + ("---|" if args.paid_bound else ""))
    savings: dict[float, list[float]] = {level: [] for level in args.levels}
    for seed in args.seeds:
        folder = _generated(work, args.agents, args.queues, seed)
        queue_ids = [q["id"] for q in yaml.safe_load((folder / "plan.yaml").read_text())["queues"]]
        for level in args.levels:
            name = f"weekly-{level:.3f}" + ("" if args.weekly_floor == "tangent" else f"-{args.weekly_floor}")
            name += "" if args.weekly_start == "envelope" else f"-start-{args.weekly_start}"
            name += f"-{args.label}" if args.label else ""
            weekly_yaml = folder / f"{name}.yaml"
            edit: dict[str, object] = {"service_level": "weekly", "min_interval_service_level": args.floor}
            if args.weekly_floor != "tangent":
                edit["weekly_floor"] = args.weekly_floor
            if args.weekly_start != "envelope":
                edit["weekly_start"] = args.weekly_start
            _flexible(folder / "plan.yaml", weekly_yaml, edit, {q: level for q in queue_ids})
            weekly = _run(weekly_yaml, folder / f"out-{name}", args.time_limit, args.wall_limit)
            _, inp = load_plan_folder(folder / f"out-{name}", weekly_yaml)
            goal = simulate(inp, reps=args.reps, seed=args.seed, routing="longest-waiting")
            low, high = level - 0.4, level
            tried = []
            for _ in range(args.bisect_steps):
                target = round((low + high) / 2, 4)
                interval_yaml = folder / f"interval-{target:.4f}.yaml"
                _flexible(folder / "plan.yaml", interval_yaml, {}, {q: target for q in queue_ids})
                kpis = _run(interval_yaml, folder / f"out-interval-{target:.4f}", args.time_limit, args.wall_limit)
                _, inp = load_plan_folder(folder / f"out-interval-{target:.4f}", interval_yaml)
                sim = simulate(inp, reps=args.reps, seed=args.seed, routing="longest-waiting")
                gap = sim.overall.service_level.mean - goal.overall.service_level.mean
                within = abs(gap) <= _half(sim.overall.service_level) + _half(goal.overall.service_level)
                tried.append((not within, abs(gap), target, kpis, sim, within))
                if within:
                    break
                low, high = (low, target) if gap > 0 else (target, high)
            _, _, target, base, sim, within = min(tried, key=lambda t: (t[0], t[1]))
            saved = 1 - weekly["paid_hours"] / base["paid_hours"]
            savings[level].append(saved)
            valid = "yes" if base["hard_violations"] == 0 and weekly["hard_violations"] == 0 else (
                f"{base['hard_violations']} / {weekly['hard_violations']} violations")
            bounds = ""
            if args.paid_bound:
                interval_bound = paid_hours_bound(folder / f"interval-{target:.4f}.yaml",
                                                  folder / f"out-interval-{target:.4f}")
                weekly_bound = paid_hours_bound(weekly_yaml, folder / f"out-{name}")
                start_bound = paid_hours_bound(weekly_yaml, folder / f"out-{name}", start_lp=True)
                bounds = f" {interval_bound:.1f} / {weekly_bound:.1f} / {start_bound:.1f} |"
            print(f"| {args.agents} | {seed} | {level:.0%} | {base['paid_hours']:.1f} / {weekly['paid_hours']:.1f} | "
                  f"{saved:+.1%} | {target:.1%} | {_pm(sim.overall.service_level)} / "
                  f"{_pm(goal.overall.service_level)} | {'yes' if within else 'no'} | "
                  f"{_worst_interval(sim):.1%} / {_worst_interval(goal):.1%} | {valid} |"
                  + bounds, flush=True)
    for level, saved in savings.items():
        ordered = sorted(saved)
        print(f"\nlevel {level:.0%}: paid hours saved median {ordered[len(ordered) // 2]:.1%}, worst {ordered[0]:.1%}")


def _half(estimate: object) -> float:
    ci = getattr(estimate, "ci95")  # noqa: B009
    return 0.0 if ci is None else (ci[1] - ci[0]) / 2


def _pm(estimate: object) -> str:
    mean = getattr(estimate, "mean")  # noqa: B009
    ci = getattr(estimate, "ci95")  # noqa: B009
    half = 0.0 if ci is None else (ci[1] - ci[0]) / 2
    return f"{mean:.1%} ± {half * 100:.1f}"


if __name__ == "__main__":
    main()
