"""A planner's own rules on centres never seen: ``wfm example``, then plan.yaml edited as a planner would (contract
keys, new templates, fairness, activities, holidays, queue targets, objective weights), ``wfm plan``, ``wfm
validate`` and a check of every output file.

    python benchmarks/planner_rules.py --count 25 --keep /tmp/rules     # seeds drawn now with random.sample
    python benchmarks/planner_rules.py --seeds 123 456                  # given seeds

Each seed draws a centre (20-200 agents, 1-6 queues or channels, levels or not, 6 or 12 weeks of history, 1-4
planned weeks, extra leave or not, a time limit of 20-60 s) as ``benchmarks/new_centres.py`` does, then a set of
edits from what docs/config.md documents (``EDITS``: each applied with its own probability, its parameters drawn
from the seed). One JSON line per centre (the edits applied, the exit code, any traceback, the last stderr line
on an error, the wall time against the documented promise, ``wfm validate``'s verdict, the outputs' check and
the load average), then a Markdown table. The edits are round 2's: round 1 (this file at commit b12e065) also drew
rules that no agent of some kinds can keep (4 days in a row for Monday-to-Friday full-timers, part-timers' shifts
ending by 18:00 or 19:00, an exact average), each ending in a correct exit 3.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.new_centres import draw as new_centres_draw  # noqa: E402
from benchmarks.new_centres import run as new_centres_run  # noqa: E402

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Edit = Callable[[dict, dict, random.Random], str]


def draw(seed: int) -> dict:
    """The centre of ``seed`` before the planner's edits (``new_centres.draw`` in narrower ranges)."""
    return new_centres_draw(seed, agents=(20, 200), queues=6, channels=5, levels=0.3, history_weeks=(6, 12),
                            limit_s=(20, 60))


def _contract(plan: dict, contract_id: str) -> dict:
    return next(c for c in plan["contracts"] if c["id"] == contract_id)


def rest(plan: dict, options: dict, rng: random.Random) -> str:
    hours = rng.choice((8, 9, 10, 12))
    for contract in plan["contracts"]:
        contract["min_rest_hours"] = hours
    return f"rest{hours}"


def runs(plan: dict, options: dict, rng: random.Random) -> str:
    days = rng.choice((5, 6))  # (round 1 drew 4 too: a Monday-to-Friday full-timer then cannot work 36 h)
    full = _contract(plan, "full_time")
    full["max_consecutive_days"] = days
    full["min_consecutive_days_off"] = 2
    return f"consec{days}+off2"


def weekends(plan: dict, options: dict, rng: random.Random) -> str:
    full = _contract(plan, "full_time")
    full["max_weekend_days"] = 1
    if options["weeks"] > 1 and rng.random() < 0.6:
        full["max_consecutive_weekends"] = 1
        full["max_weekends_in_horizon"] = (options["weeks"] + 1) // 2
        return "weekend1+every_other"
    return "weekend1"


def hours_window(plan: dict, options: dict, rng: random.Random) -> str:
    # (round 1 ended part-timers' shifts by 18:00 or 19:00: every evening part-timer's contract then failed)
    full = _contract(plan, "full_time")
    full["earliest_start"] = "08:00"
    full["latest_end"] = rng.choice(("20:00", "20:30"))
    return f"full_end{full['latest_end']}"


def late_cap(plan: dict, options: dict, rng: random.Random) -> str:
    cap = rng.choice((1, 2, 3))
    full = _contract(plan, "full_time")
    full["max_late_shifts_per_week"] = cap
    full["late_shift_start"] = "12:00"
    return f"late<={cap}"


def min_days(plan: dict, options: dict, rng: random.Random) -> str:
    part = _contract(plan, "part_time")
    part["min_days_per_week"] = 3
    full = _contract(plan, "full_time")
    full["min_days_per_week"] = 4
    return "min_days"


def averaged(plan: dict, options: dict, rng: random.Random) -> str:
    if options["weeks"] < 2:
        return ""
    full = _contract(plan, "full_time")
    full.update({"min_weekly_hours": 30, "max_weekly_hours": 46, "average_weekly_hours": 38,
                 "average_tolerance_hours": rng.choice((1, 2))})  # (round 1: 0 too)
    return f"avg38±{full['average_tolerance_hours']}"


def credit(plan: dict, options: dict, rng: random.Random) -> str:
    for contract in plan["contracts"]:
        contract["time_off_counts_as"] = "credit_minimum"
    return "credit_minimum"


def _breaks8() -> list[dict]:
    return [{"name": "break1", "minutes": 15, "earliest_after_start_minutes": 90, "latest_after_start_minutes": 180},
            {"name": "lunch", "kind": "lunch", "minutes": 30, "earliest_after_start_minutes": 210,
             "latest_after_start_minutes": 300},
            {"name": "break2", "minutes": 15, "earliest_after_start_minutes": 360, "latest_after_start_minutes": 480}]


def ten_hour(plan: dict, options: dict, rng: random.Random) -> str:
    days = rng.choice((["mon", "tue", "wed", "thu"], ["mon", "tue", "wed", "thu", "fri"]))
    plan["shift_templates"].append({"id": "day10", "length_minutes": 630, "earliest_start": "08:00",
                                    "latest_start": "10:00", "start_step_minutes": 30, "days": days,
                                    "min_break_gap_minutes": 60, "breaks": _breaks8()})
    _contract(plan, "full_time")["shift_templates"].append("day10")
    return f"day10({len(days)}d)"


def evening(plan: dict, options: dict, rng: random.Random) -> str:
    plan["shift_templates"].append({"id": "eve4", "length_minutes": 240, "earliest_start": "16:00",
                                    "latest_start": "17:00", "start_step_minutes": 60,
                                    "days": ["mon", "tue", "wed", "thu", "fri"],
                                    "breaks": [{"minutes": 15, "earliest_after_start_minutes": 90,
                                                "latest_after_start_minutes": 150}]})
    _contract(plan, "part_time")["shift_templates"].append("eve4")
    return "eve4"


def open_24h(plan: dict, options: dict, rng: random.Random) -> str:
    """The centre open round the clock with a night and a late template (none may cross midnight)."""
    hours = {day: "00:00-24:00" for day in WEEKDAYS}
    plan["centre"]["opening_hours"] = hours
    for queue in plan["queues"]:
        if "opening_hours" in queue:
            queue["opening_hours"] = dict(hours)
    plan["shift_templates"] += [
        {"id": "night8", "length_minutes": 480, "earliest_start": "00:00", "latest_start": "00:00",
         "breaks": [{"minutes": 30, "earliest_after_start_minutes": 180, "latest_after_start_minutes": 270}]},
        {"id": "close8", "length_minutes": 480, "earliest_start": "15:00", "latest_start": "16:00",
         "start_step_minutes": 60,
         "breaks": [{"minutes": 30, "earliest_after_start_minutes": 180, "latest_after_start_minutes": 270}]},
        # (round 1 had no early shift: weekend mornings before 09:00 had no template, so no lead could be there)
        {"id": "early8", "length_minutes": 480, "earliest_start": "06:00", "latest_start": "08:00",
         "start_step_minutes": 60,
         "breaks": [{"minutes": 30, "earliest_after_start_minutes": 180, "latest_after_start_minutes": 270}]}]
    _contract(plan, "full_time")["shift_templates"] += ["night8", "close8", "early8"]
    return "24h"


def fairness(plan: dict, options: dict, rng: random.Random) -> str:
    plan["fairness"] = {"late_shift_ends_after": "19:00", "fair_late_shifts": rng.choice((1, 2)),
                        "fair_weekend_days": 1}
    return "fairness"


def activities(plan: dict, options: dict, rng: random.Random) -> str:
    import csv
    import io

    path = Path(options["folder"]) / "agents.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    full = [r["agent_id"] for r in rows if r["contract"] == "full_time"]
    team = rng.sample(full, min(len(full), rng.randint(3, 8)))
    trainees = rng.sample(full, min(len(full), rng.randint(2, 6)))
    plan["activities"] = [
        {"id": "team_meeting", "minutes": 60, "agents": sorted(team), "days": ["tue", "wed", "thu"],
         "earliest": "10:00", "latest_end": "16:00", "together": True},
        {"id": "training", "minutes": 120, "agents": sorted(trainees), "together": False}]
    return f"meeting{len(team)}+training{len(trainees)}"


def holidays(plan: dict, options: dict, rng: random.Random) -> str:
    # Good Friday and Easter Monday 2026 lie in the first two planned weeks
    plan["holidays"] = rng.choice((["2026-03-17", "2026-04-03", "2026-04-06"], "IE"))
    return "holidays" if isinstance(plan["holidays"], list) else "holidays IE"


def targets(plan: dict, options: dict, rng: random.Random) -> str:
    done = []
    for queue in plan["queues"]:
        if "deadline_minutes" in queue:
            if queue["channel"] == "email" and rng.random() < 0.6:
                queue["deadline_minutes"] = rng.choice((240, 480))
                queue["deadline_clock"] = "open_hours"
                done.append(f"{queue['id']} {queue['deadline_minutes']}min")
            continue
        if rng.random() < 0.5:
            queue["service_level_target"] = 0.9
            done.append(f"{queue['id']} 90%")
        if rng.random() < 0.4:
            queue["patience_seconds"] = rng.choice((60, 120, 300))
            done.append(f"{queue['id']} patience")
        if queue["channel"] == "chat" and rng.random() < 0.6:
            queue["concurrency"] = 3
            done.append("chat x3")
        if rng.random() < 0.3:
            queue["max_occupancy"] = 0.8
    return "targets(" + ",".join(done) + ")" if done else ""


def objective(plan: dict, options: dict, rng: random.Random) -> str:
    plan.setdefault("objective", {})
    plan["objective"]["start_change_hour"] = 5
    plan["objective"]["overstaffed_agent_interval"] = rng.choice((5, 20))
    if rng.random() < 0.35:
        plan["objective"]["service_level"] = "weekly"
        return "weekly"
    return "weights"


def shrinkage(plan: dict, options: dict, rng: random.Random) -> str:
    plan["shrinkage"] = rng.choice((0.2, 0.3))
    if rng.random() < 0.4:
        plan["centre"]["max_agents_on_break"] = max(2, options["agents"] // 8)
        return f"shrink{plan['shrinkage']}+break_cap"
    return f"shrink{plan['shrinkage']}"


EDITS: tuple[tuple[Edit, float], ...] = (
    (rest, 0.5), (runs, 0.4), (weekends, 0.35), (hours_window, 0.3), (late_cap, 0.3), (min_days, 0.25),
    (averaged, 0.4), (credit, 0.2), (ten_hour, 0.3), (evening, 0.3), (open_24h, 0.12), (fairness, 0.35),
    (activities, 0.35), (holidays, 0.3), (targets, 0.5), (objective, 0.4), (shrinkage, 0.3))


def edit(plan: dict, options: dict, seed: int) -> list[str]:
    """Apply the planner's edits drawn for ``seed`` to ``plan`` in place; their labels."""
    rng = random.Random(seed * 7919 + 1)
    done = []
    for function, probability in EDITS:
        if rng.random() < probability:
            text = function(plan, options, rng)
            if text:
                done.append(text)
    return done


def run(options: dict, work: Path) -> dict:
    """``new_centres.run`` with the planner's edits (``edit``) applied to the generated plan."""
    options["folder"] = str(work / f"c{options['seed']}")
    return new_centres_run(options, work, edit=lambda plan, drawn: edit(plan, drawn, drawn["seed"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=25, help="centres to draw (default: %(default)s)")
    parser.add_argument("--seeds", nargs="+", type=int, default=None, help="these seeds instead of fresh ones")
    parser.add_argument("--keep", type=Path, default=None, help="keep the centres and plans in this folder")
    args = parser.parse_args()
    seeds = args.seeds or random.sample(range(10**6), args.count)
    print(json.dumps({"seeds": seeds}), flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        for seed in seeds:
            row = run(draw(seed), work)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\n| centre | options | edits | limit s | wall s (promise) | solve s | exit | traceback | valid | outputs "
          "or error | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['centre']} | {r['options']} | {' '.join(r.get('edits', []))} | {r['limit_s']} "
              f"| {r.get('wall_s', '')} ({r.get('allowed_s', '')}) | {r.get('solve_s', '')} | {r['exit']} "
              f"| {r['traceback']} | {r.get('valid', '')} | {r.get('outputs', r.get('error', ''))} "
              f"| {r.get('load', '')} |")


if __name__ == "__main__":
    main()
