"""Night shifts on a generated centre made 24-hour: exit code, validity, gap and the night's cover per seed.

    python benchmarks/night_centre.py --seeds 1 2 --agents 60 --seconds 60

Each seed's centre is `wfm example --agents N --seed S`, then edited as a planner of a 24-hour line would: the
centre and every queue open 00:00-24:00 every day, three templates added to the full-time contract (early8 from
06:00, evening8 from 14:00 to 16:00, night8 22:00-06:00 with a break and a lunch), and the history given night
contacts (22:00-08:00, where the generator has none) at ``--night-share`` of the queue's mean open-hours volume,
drawn from a Poisson law with the seed. `wfm plan` then runs in a fresh process with the deterministic budget
(no wall-clock cap that could stop it early). Per seed it prints the exit code, the hard violations, the objective,
bound and gap, and the night's cover: of the agent-intervals required from 22:00 to 06:00, the share covered,
leaving out Monday 00:00-06:00, which only the previous week's Sunday night could cover (not counted in a
single week: README, "Night shifts").

With ``--weeks N`` the plan runs over N weeks (``wfm plan --weeks N``, the limit shared over them) and each seed
also prints, per week 2..N, the Monday 00:00-06:00 agent-intervals required and short (which the earlier week's
Sunday night shifts carry into) and how many night shifts the week before rostered on its Sunday, each week's
objective (``weeks/*/kpis.json``), the horizon's paid hours and the command's wall and CPU seconds (its children's,
against the limit):

    python benchmarks/night_centre.py --seeds 1 2 --agents 60 --seconds 60 --weeks 2
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from scheduler.demo.example import generate_example

BREAKS = """    min_break_gap_minutes: 60
    breaks:
      - {name: break1, kind: break, minutes: 15, paid: true, earliest_after_start_minutes: 90,
         latest_after_start_minutes: 180}
      - {name: lunch, kind: lunch, minutes: 30, paid: false, earliest_after_start_minutes: 210,
         latest_after_start_minutes: 300}
"""
TEMPLATES = "".join(f"""  - id: {template_id}
    length_minutes: 480
    earliest_start: "{earliest}"
    latest_start: "{latest}"
    start_step_minutes: 30
""" + BREAKS for template_id, earliest, latest in (("early8", "06:00", "07:00"), ("evening8", "14:00", "16:00"),
                                                   ("night8", "22:00", "22:00")))
NIGHT_FIRST_MINUTE, NIGHT_LAST_MINUTE = 22 * 60, 6 * 60  # the night whose cover is reported


def make_24_hour(folder: Path, seed: int, night_share: float) -> None:
    """Edit the generated centre in ``folder`` in place (see the module docstring)."""
    plan = folder / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    text = re.sub(r'(\n\s+(mon|tue|wed|thu|fri|sat|sun): )"[^"\n]*"', r'\1"00:00-24:00"', text)
    text = text.replace("contracts:\n", TEMPLATES + "contracts:\n", 1)
    text = re.sub(r"(  - id: full_time\n(?:    .*\n)*?    shift_templates: \[)", r"\1early8, evening8, night8, ", text,
                  count=1)
    plan.write_text(text, encoding="utf-8")
    history = pd.read_csv(folder / "history.csv", parse_dates=["interval_start"])
    rng = np.random.default_rng(seed)
    days = sorted(history["interval_start"].dt.normalize().unique())
    step = pd.Timedelta(minutes=15)
    rows = []
    for queue, frame in history.groupby("queue"):
        mean, aht = float(frame["contacts"].mean()), float(frame["aht_seconds"].mean())
        for day in days:
            moment = pd.Timestamp(day) + pd.Timedelta(hours=22)
            while moment < pd.Timestamp(day) + pd.Timedelta(hours=32):
                rows.append((moment, queue, int(rng.poisson(night_share * mean)), round(aht, 1)))
                moment += step
    night = pd.DataFrame(rows, columns=["interval_start", "queue", "contacts", "aht_seconds"])
    seen = set(zip(history["interval_start"], history["queue"], strict=True))
    night = night[[key not in seen for key in zip(night["interval_start"], night["queue"], strict=True)]]
    night = night[night["interval_start"] <= history["interval_start"].max()]
    timezone = re.search(r"timezone: (\S+)", text)
    if timezone:  # no row in the hour the clocks skip at the spring change (the history reader refuses it)
        local = night["interval_start"].dt.tz_localize(timezone.group(1), nonexistent="NaT", ambiguous=True)
        night = night[local.notna().to_numpy()]
    merged = pd.concat([history, night]).sort_values(["interval_start", "queue"], kind="stable")
    merged["interval_start"] = merged["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    merged.to_csv(folder / "history.csv", index=False)


def night_cover(out: Path) -> tuple[float, int, int]:
    """(share covered, agent-intervals required, agent-intervals short) from 22:00 to 06:00, Monday's early
    hours left out."""
    cover = pd.read_csv(out / "coverage.csv", parse_dates=["interval_start"])
    start = cover["interval_start"]
    minute = start.dt.hour * 60 + start.dt.minute
    first_monday = start.min().normalize()
    night = (minute >= NIGHT_FIRST_MINUTE) | (minute < NIGHT_LAST_MINUTE)
    night &= ~((start.dt.normalize() == first_monday) & (minute < NIGHT_LAST_MINUTE))
    rows = cover[night]
    required = int(rows["required"].sum())
    short = int((rows["required"] - rows["scheduled"]).clip(lower=0).sum())
    return (1.0 - short / required if required else 1.0), required, short


def monday_mornings(out: Path) -> list[tuple[int, int]]:
    """Per week after the first: (agent-intervals required, short) on its Monday from 00:00 to 06:00."""
    cover = pd.read_csv(out / "coverage.csv", parse_dates=["interval_start"])
    start = cover["interval_start"]
    minute = start.dt.hour * 60 + start.dt.minute
    first_monday = start.min().normalize()
    found = []
    for mondays in sorted({d for d in start.dt.normalize().unique() if d > first_monday and d.weekday() == 0}):
        rows = cover[(start.dt.normalize() == mondays) & (minute < NIGHT_LAST_MINUTE)]
        found.append((int(rows["required"].sum()), int((rows["required"] - rows["scheduled"]).clip(lower=0).sum())))
    return found


def run_one(seed: int, agents: int, seconds: float, night_share: float, work: Path, weeks: int = 1) -> dict:
    folder = work / f"seed{seed}"
    generate_example(folder, agents=agents, seed=seed)
    make_24_hour(folder, seed, night_share)
    out = work / f"out{seed}"
    command = [sys.executable, "-m", "scheduler.app.cli", "plan", str(folder / "plan.yaml"), "--out", str(out),
               "--time-limit", str(seconds), "--wall-limit", str(50 * seconds), "--quiet"]
    before, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    done = subprocess.run(command + (["--weeks", str(weeks)] if weeks > 1 else []),
                          capture_output=True, text=True, check=False)
    wall, after = time.monotonic() - wall, resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict = {"seed": seed, "agents": agents, "exit": done.returncode}
    if weeks > 1:
        result.update(weeks=weeks, limit_s=seconds, wall_s=round(wall, 1), cpu_s=round(
            after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1))
    if done.returncode != 0:
        result["error"] = (done.stderr.strip().splitlines() or [""])[-1]
        return result
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    roster = pd.read_csv(out / "roster.csv")
    shifts = roster[roster["activity"] == "shift"]
    nights = int((pd.to_datetime(shifts["end"]).dt.normalize() > pd.to_datetime(shifts["date"])).sum())
    share, required, short = night_cover(out)
    result.update(hard_violations=kpis["hard_violations"], objective=kpis["solver"]["objective"],
                  bound=kpis["solver"]["best_bound"], gap=kpis["solver"]["gap"], night_shifts=nights,
                  shifts=len(shifts), night_required=required, night_short=short, night_covered=round(share, 4),
                  service_level=kpis["service_level"]["overall"])
    if weeks > 1:
        mornings = monday_mornings(out)
        days, ends = pd.to_datetime(shifts["date"]), pd.to_datetime(shifts["end"]).dt.normalize()
        first = pd.Timestamp(json.loads((out / "kpis.json").read_text(encoding="utf-8"))["week_start"])
        sundays = [first + pd.Timedelta(days=7 * k - 1) for k in range(1, weeks)]
        result.update(sunday_nights=[int(((days == d) & (ends > d)).sum()) for d in sundays],
                      paid_hours=kpis["paid_hours"], monday_required=[r for r, _ in mornings],
                      monday_short=[s for _, s in mornings], week_objectives=[
                          json.loads(k.read_text(encoding="utf-8"))["solver"]["objective"]
                          for k in sorted((out / "weeks").glob("*/kpis.json"))])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--agents", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--night-share", type=float, default=0.25)
    parser.add_argument("--weeks", type=int, default=1, help="plan this many weeks (wfm plan --weeks)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="night_centre_") as tmp:
        for seed in args.seeds:
            results.append(run_one(seed, args.agents, args.seconds, args.night_share, Path(tmp), args.weeks))
            print(json.dumps(results[-1]), flush=True)
    gaps = [r["gap"] for r in results if "gap" in r]
    covered = [r["night_covered"] for r in results if "night_covered" in r]
    print(json.dumps({"seeds": len(results), "all_exit_0": all(r["exit"] == 0 for r in results),
                      "all_valid": all(r.get("hard_violations", 1) == 0 for r in results),
                      "median_gap": statistics.median(gaps) if gaps else None, "worst_gap": max(gaps, default=None),
                      "median_night_covered": statistics.median(covered) if covered else None,
                      "worst_night_covered": min(covered, default=None)}))


if __name__ == "__main__":
    main()
