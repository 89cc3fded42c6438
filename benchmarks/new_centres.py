"""Centres never seen before, run as a new user would: ``wfm example`` with random options, ``wfm plan`` with a
random time limit, then ``wfm validate`` and a check of every output file.

    python benchmarks/new_centres.py --count 25                      # seeds drawn now with random.sample
    python benchmarks/new_centres.py --seeds 123 456 --extras 2      # given seeds; simulate and sweep on 2

Each seed draws: agents 10-300, either 1-10 queues or 1-6 channels (voice, chat with a bot, email, social,
backoffice), levels with a lead on the floor or not, 3-12 weeks of history, 1-4 planned weeks, extra leave
(1-5 days for about a tenth of the agents, over the planned weeks) or not, and a time limit of 20-90 s. One
JSON line per centre, then a Markdown table: ``exit`` of ``wfm plan``, ``traceback`` (any Python traceback on
stderr), ``wall_s`` (the whole command) against ``limit_s`` and the documented overhead (README "Time limit":
``within_promise``), ``solve_s``, ``stopped_by``, ``valid`` (``wfm validate``'s exit code is 0), ``outputs``
(coverage.csv has every queue x interval row, kpis.json reads back, report.html, roster.xlsx and roster_grid.csv
name every agent, one calendar per rostered agent) and the load average when the plan ended (the machine is
shared: wall times grow with it; rosters do not, the budget is deterministic). ``--extras K`` also runs
``wfm simulate`` and a three-scenario ``wfm sweep`` on the first K centres that planned.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import yaml

from scheduler.app.overhead import documented_overhead_s

ROOT = Path(__file__).resolve().parents[1]
CHANNELS = ("voice", "chat", "email", "social", "backoffice")


def _wfm(*args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scheduler.app.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def draw(seed: int, *, agents: tuple[int, int] = (10, 300), queues: int = 10, channels: int = 6,
         levels: float = 0.4, history_weeks: tuple[int, ...] = (3, 6, 12), limit_s: tuple[int, int] = (20, 90)) -> dict:
    """The options of the centre of ``seed``: what a new user might pick (``benchmarks/planner_rules.py`` draws
    from narrower ranges)."""
    rng = random.Random(seed)
    options: dict = {"seed": seed, "agents": rng.randint(*agents)}
    if rng.random() < 0.5:
        options["queues"] = rng.randint(1, queues)
    else:
        options["channels"] = [rng.choice(CHANNELS) for _ in range(rng.randint(1, channels))]
    options["levels"] = rng.random() < levels
    options["history_weeks"] = rng.choice(history_weeks)
    options["weeks"] = rng.choice((1, 1, 2, 3, 4))
    options["leave"] = rng.random() < 0.4
    options["limit_s"] = rng.randint(*limit_s)
    return options


def label(options: dict) -> str:
    queues = ",".join(options["channels"]) if "channels" in options else f"{options['queues']}q"
    extras = [name for name in ("levels", "leave") if options[name]]
    return " ".join([f"{options['agents']}a", queues, f"{options['weeks']}w", f"h{options['history_weeks']}",
                     *extras])


def _add_leave(agents_csv: Path, week_start: date, weeks: int, seed: int) -> int:
    """Give about a tenth of the agents 1-5 more days of leave inside the planned weeks; the days added."""
    rng = random.Random(seed)
    rows = list(csv.DictReader(io.StringIO(agents_csv.read_text())))
    added = 0
    for row in rows:
        if rng.random() >= 0.1:
            continue
        days = {week_start + timedelta(days=rng.randrange(7 * weeks)) for _ in range(rng.randint(1, 5))}
        old = {d for d in (row.get("time_off") or "").split(";") if d}
        new = sorted(old | {d.isoformat() for d in days})
        added += len(new) - len(old)
        row["time_off"] = ";".join(new)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    agents_csv.write_text(out.getvalue())
    return added


def _outputs(out: Path, plan: dict, agents: int, weeks: int) -> list[str]:
    """What is missing or incomplete among the plan folder's outputs (empty: all there)."""
    problems = []
    for name in ("forecast.csv", "requirements.csv", "roster.csv", "coverage.csv", "kpis.json", "report.html",
                 "roster.xlsx", "roster_grid.csv", "surplus.csv"):
        if not (out / name).is_file() or (out / name).stat().st_size == 0:
            problems.append(f"no {name}")
    if problems:
        return problems
    import pandas as pd

    from scheduler.validation.kpis import read_kpis

    read_kpis(out / "kpis.json")
    requirements = pd.read_csv(out / "requirements.csv")
    coverage = pd.read_csv(out / "coverage.csv")
    if len(coverage) != len(requirements) or coverage[["required", "scheduled"]].isna().any().any():
        problems.append(f"coverage {len(coverage)} rows, requirements {len(requirements)}")
    days = {d for d in pd.read_csv(out / "requirements.csv")["interval_start"].str[:10]}
    if len(days) != 7 * weeks:
        problems.append(f"requirements cover {len(days)} days, not {7 * weeks}")
    roster = pd.read_csv(out / "roster.csv", dtype=str)
    grid = pd.read_csv(out / "roster_grid.csv", dtype=str)
    if len(grid) != agents:
        problems.append(f"roster_grid {len(grid)} agents of {agents}")
    if len(grid.columns) < 7 * weeks:
        problems.append("roster_grid lacks dates")
    calendars = list((out / "calendars").glob("*.ics"))
    rostered = roster["agent_id"].nunique()
    if len(calendars) < rostered:
        problems.append(f"{len(calendars)} calendars for {rostered} rostered agents")
    from openpyxl import load_workbook

    sheet = load_workbook(out / "roster.xlsx", read_only=True)["roster"]
    if sheet.max_row - 1 != agents:
        problems.append(f"roster.xlsx {sheet.max_row - 1} rows of {agents}")
    html = (out / "report.html").read_text()
    if not html.rstrip().endswith("</html>"):
        problems.append("report.html truncated")
    return problems


def run(options: dict, work: Path, edit: Callable[[dict, dict], list[str]] | None = None) -> dict:
    """Plan the centre of ``options`` in ``work`` and check it. ``edit`` (``benchmarks/planner_rules.py``) changes
    the generated plan (a dict) as a planner would before it is planned, returning what it did (``row["edits"]``)."""
    seed = options["seed"]
    folder = work / f"c{seed}"
    args = ["--agents", str(options["agents"]), "--weeks", str(options["history_weeks"]), "--seed", str(seed)]
    if "channels" in options:
        args += ["--channels", ",".join(options["channels"])]
    else:
        args += ["--queues", str(options["queues"])]
    if options["levels"]:
        args.append("--levels")
    made = _wfm("example", *args, "--out", str(folder))
    row: dict = {"centre": seed, "options": label(options), "limit_s": options["limit_s"]}
    if made.returncode != 0:
        return {**row, "exit": f"example {made.returncode}", "traceback": "Traceback" in made.stderr,
                "error": made.stderr.strip()[-300:]}
    plan_path = folder / "plan.yaml"
    plan = yaml.safe_load(plan_path.read_text())
    if options["leave"]:
        row["leave_days_added"] = _add_leave(folder / "agents.csv", date.fromisoformat(str(
            plan["forecast"]["week_start"])), options["weeks"], seed)
    if edit is not None:
        row["edits"] = edit(plan, options)
        plan_path.write_text(yaml.safe_dump(plan, sort_keys=False))
    out = work / f"o{seed}"
    weeks = str(options["weeks"])
    started = time.monotonic()
    done = _wfm("plan", str(plan_path), "--out", str(out), "--time-limit", str(options["limit_s"]), "--weeks", weeks)
    wall = time.monotonic() - started
    queues = len(plan["queues"])
    allowed = options["limit_s"] + documented_overhead_s(options["agents"], queues, options["weeks"])
    row.update({"exit": done.returncode, "traceback": "Traceback" in done.stderr, "wall_s": round(wall, 1),
                "allowed_s": round(allowed, 1), "within_promise": wall <= allowed,
                "load": round(os.getloadavg()[0], 1)})
    if done.returncode != 0:  # the last line that is not progress: the one-line error
        lines = [line for line in done.stderr.strip().splitlines() if not line.startswith("[")]
        return {**row, "error": lines[-1][:400] if lines else "", "out": str(out), "plan": str(plan_path)}
    solver = json.loads((out / "kpis.json").read_text())["solver"]
    row.update({"solve_s": solver["seconds"], "stopped_by": solver["stopped_by"], "gap": solver["gap"]})
    checked = _wfm("validate", str(plan_path), str(out / "roster.csv"), "--weeks", weeks)
    row["valid"] = checked.returncode == 0
    if checked.returncode != 0:
        row["validate"] = checked.stdout.strip()[-300:] + checked.stderr.strip()[-300:]
    try:
        missing = _outputs(out, plan, options["agents"], options["weeks"])
    except Exception as error:  # a file that does not read back is a finding, not a crash of the benchmark
        missing = [f"{type(error).__name__}: {error}"]
    row["outputs"] = "complete" if not missing else "; ".join(missing)
    row["out"] = str(out)
    row["plan"] = str(plan_path)
    return row


def extras(row: dict, work: Path) -> dict:
    """``wfm simulate`` and a three-scenario ``wfm sweep`` (20-s plans) of a planned centre."""
    # (the plan folder's recorded config lies outside the current folder: ``wfm simulate`` reads it only if named)
    simulated = _wfm("simulate", row["out"], "--reps", "5", "--json", "--config", row["plan"])
    result = {"centre": row["centre"], "simulate_exit": simulated.returncode,
              "simulate_traceback": "Traceback" in simulated.stderr}
    if simulated.returncode == 0:
        result["simulated_sl"] = round(json.loads(simulated.stdout)["overall"]["service_level"]["mean"], 3)
    else:
        result["simulate_error"] = simulated.stderr.strip()[-300:]
    plan_path = Path(row["plan"])
    agent = next(csv.DictReader(io.StringIO((plan_path.parent / "agents.csv").read_text())))["agent_id"]
    scenarios = {"base": str(plan_path), "scenarios": [
        {"id": "base"}, {"id": "volume_up", "volume_factor": 1.1}, {"id": "hire", "add_agents": {"like": agent,
                                                                                                "count": 2}}]}
    sweep_file = work / f"sweep{row['centre']}.yaml"
    sweep_file.write_text(yaml.safe_dump(scenarios))
    started = time.monotonic()
    swept = _wfm("sweep", str(sweep_file), "--out", str(work / f"s{row['centre']}"), "--time-limit", "20",
                 "--workers", "1", "--quiet")
    result.update({"sweep_exit": swept.returncode, "sweep_traceback": "Traceback" in swept.stderr,
                   "sweep_wall_s": round(time.monotonic() - started, 1)})
    summary = work / f"s{row['centre']}" / "summary.csv"
    if summary.is_file():
        result["sweep_status"] = [r["status"] for r in csv.DictReader(io.StringIO(summary.read_text()))]
    else:
        result["sweep_error"] = swept.stderr.strip()[-300:]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=25, help="centres to draw (default: %(default)s)")
    parser.add_argument("--seeds", nargs="+", type=int, default=None, help="these seeds instead of fresh ones")
    parser.add_argument("--extras", type=int, default=0, help="simulate and sweep the first K centres")
    parser.add_argument("--keep", type=Path, default=None, help="keep the centres and plans in this folder")
    args = parser.parse_args()
    seeds = args.seeds or random.sample(range(10**6), args.count)
    print(json.dumps({"seeds": seeds}), flush=True)
    with tempfile.TemporaryDirectory() as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        rows = []
        for seed in seeds:
            row = run(draw(seed), work)
            rows.append(row)
            print(json.dumps(row), flush=True)
        for row in [r for r in rows if r.get("exit") == 0][:args.extras]:
            print(json.dumps(extras(row, work)), flush=True)
    print("\n| centre | options | limit s | wall s | solve s | exit | traceback | valid | outputs | load |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['centre']} | {r['options']} | {r['limit_s']} | {r.get('wall_s', '')} | {r.get('solve_s', '')} "
              f"| {r['exit']} | {r['traceback']} | {r.get('valid', '')} | {r.get('outputs', r.get('error', ''))} "
              f"| {r.get('load', '')} |")


if __name__ == "__main__":
    main()
