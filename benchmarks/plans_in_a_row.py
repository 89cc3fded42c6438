"""Several plans in a row, as a planner works week after week, on a centre with a planner's own rules.

    python benchmarks/plans_in_a_row.py --seeds 11 22 --keep /tmp/row

Per seed: ``wfm example`` (40-120 agents, 3 queues, 8 weeks of history) with a planner's rules (11-h rest, 5 days
in a row, two days off together, a team meeting; with ``--every-other-weekend`` also every other weekend off); then

1. ``week1``: plan the first week, ``wfm validate`` it;
2. ``week2``: plan the next week with ``--previous`` week 1's published roster; validate with ``--previous``;
3. ``week2_hand_edit``: week 1 hand-edited after publishing (one agent's Sunday shift moved to end at 23:00),
   week 2 planned from it: the rest across the seam must hold against the edit;
4. ``week2_agent_gone``: an agent of week 1 has left (not in the agents file any more);
5. ``week2_agent_new``: an agent hired for week 2 (no row in week 1's roster);
6. ``week1_sick``: week 1 re-planned on Wednesday (``--pin`` the published roster, ``--pin-days mon,tue``) with an
   agent who works on Wednesday and Thursday calling in sick for both; Monday and Tuesday must stay as published;
7. ``week2_sick``: the same re-plan of week 2 (its published roster to ``--pin``) with ``--previous`` week 1's
   roster: the seam (rest, days in a row, weekends) kept against week 1, validated with ``--previous``;
8. ``sweep``: a three-scenario ``wfm sweep`` on week 2's plan; ``simulate``: ``wfm simulate`` of week 2.

One JSON line per step: exit code, traceback, the last error line, validity, and what the step checks.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.new_centres import _wfm  # noqa: E402

WEEK1, WEEK2 = "2026-03-30", "2026-04-06"


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def _write_rows(path: Path, rows: list[dict]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def _planner_rules(plan: dict, agents: list[dict], rng: random.Random, every_other_weekend: bool) -> None:
    full = next(c for c in plan["contracts"] if c["id"] == "full_time")
    full.update({"min_rest_hours": 11, "max_consecutive_days": 5, "min_consecutive_days_off": 2})
    if every_other_weekend:
        full["max_consecutive_weekends"] = 1
    team = sorted(rng.sample([a["agent_id"] for a in agents if a["contract"] == "full_time"], 5))
    plan["activities"] = [{"id": "team_meeting", "minutes": 60, "agents": team, "days": ["tue", "wed", "thu"],
                           "earliest": "10:00", "latest_end": "16:00", "together": True}]


def _step(name: str, done, **extra) -> dict:
    lines = [line for line in done.stderr.strip().splitlines() if not line.startswith("[")]
    row = {"step": name, "exit": done.returncode, "traceback": "Traceback" in done.stderr, **extra}
    if done.returncode != 0:
        row["error"] = lines[-1][:400] if lines else ""
    return row


def _plan(name: str, plan: Path, out: Path, limit: str, *more: str) -> dict:
    done = _wfm("plan", str(plan), "--out", str(out), "--time-limit", limit, *more)
    row = _step(name, done)
    if done.returncode == 0:
        previous = [more[more.index("--previous") + 1]] if "--previous" in more else []
        checked = _wfm("validate", str(plan), str(out / "roster.csv"),
                       *(["--previous", *previous] if previous else []))
        row["valid"] = checked.returncode == 0
        if checked.returncode:
            row["validate"] = (checked.stdout + checked.stderr).strip()[-400:]
    return row


def _sick_replan(name: str, sick_folder: Path, out: Path, folder: Path, plan_file: Path, roster: Path,
                 agents: list[dict], monday: str, limit: str, *more: str) -> dict:
    """The week of ``monday`` (published as ``roster``) re-planned on Wednesday (``--pin``, ``--pin-days mon,tue``)
    with an agent working Monday, Wednesday and Thursday off sick on Wednesday and Thursday; Monday and Tuesday
    must stay as published."""
    first = date.fromisoformat(monday)
    mon, tue, wed, thu = (str(first + timedelta(days=k)) for k in range(4))
    sick_folder.mkdir(exist_ok=True)
    rows = _rows(roster)
    by_agent: dict[str, set[str]] = {}
    for r in rows:
        if r["activity"] == "shift":
            by_agent.setdefault(r["agent_id"], set()).add(r["date"])
    # (Monday worked too: an agent working Wednesday to Sunday, Monday and Tuesday pinned off, cannot reach the
    # contract's minimum with two days of sick leave)
    sick = next(a for a, days in sorted(by_agent.items()) if {mon, wed, thu} <= days)
    sick_rows = [{**a, "time_off": ";".join(filter(None, [a["time_off"], f"{wed};{thu}"]))}
                 if a["agent_id"] == sick else a for a in agents]
    _write_rows(sick_folder / "agents.csv", sick_rows)
    (sick_folder / "plan.yaml").write_text(plan_file.read_text().replace("history: history.csv",
                                                                          f"history: {folder / 'history.csv'}"))
    row = _plan(name, sick_folder / "plan.yaml", out, limit, "--pin", str(roster), "--pin-days", "mon,tue", *more)
    if row["exit"] == 0:
        before = sorted(tuple(r.values()) for r in rows if r["date"] in (mon, tue))
        after = sorted(tuple(r.values()) for r in _rows(out / "roster.csv") if r["date"] in (mon, tue))
        row["pinned_days_kept"] = before == after
        row["sick_agent_off"] = not any(r["agent_id"] == sick and r["date"] in (wed, thu)
                                        for r in _rows(out / "roster.csv"))
        row["changes"] = len(_rows(out / "changes.csv")) if (out / "changes.csv").is_file() else None
    return {**row, "sick": sick}


def run(seed: int, work: Path, limit: str, every_other_weekend: bool) -> list[dict]:
    rng = random.Random(seed)
    folder = work / f"c{seed}"
    agents_n = rng.randint(40, 120)
    made = _wfm("example", "--agents", str(agents_n), "--queues", "3", "--weeks", "8", "--seed", str(seed),
                "--out", str(folder))
    if made.returncode:
        return [_step("example", made)]
    plan1 = folder / "plan.yaml"
    plan = yaml.safe_load(plan1.read_text())
    agents = _rows(folder / "agents.csv")
    _planner_rules(plan, agents, rng, every_other_weekend)
    plan1.write_text(yaml.safe_dump(plan, sort_keys=False))
    plan["forecast"]["week_start"] = WEEK2
    plan2 = folder / "plan2.yaml"
    plan2.write_text(yaml.safe_dump(plan, sort_keys=False))
    steps = [{"step": "centre", "seed": seed, "agents": agents_n}]
    w1 = work / f"w1_{seed}"
    steps.append(_plan("week1", plan1, w1, limit))
    if steps[-1]["exit"]:
        return steps
    roster = w1 / "roster.csv"
    steps.append(_plan("week2", plan2, work / f"w2_{seed}", limit, "--previous", str(roster)))

    # a hand edit of the published week: an agent's Sunday shift moved to end at 23:00
    rows = _rows(roster)
    sunday = [r for r in rows if r["date"] == "2026-04-05" and r["activity"] == "shift"]
    edited = work / f"edited_{seed}.csv"
    if sunday:
        who = sunday[0]["agent_id"]
        kept = [r for r in rows if not (r["agent_id"] == who and r["date"] == "2026-04-05")]
        kept.append({**sunday[0], "start": "2026-04-05T15:00:00", "end": "2026-04-05T23:00:00"})
        _write_rows(edited, kept)
        row = _plan("week2_hand_edit", plan2, work / f"w2e_{seed}", limit, "--previous", str(edited))
        if row["exit"] == 0:
            first = [r for r in _rows(work / f"w2e_{seed}" / "roster.csv")
                     if r["agent_id"] == who and r["date"] == WEEK2 and r["activity"] == "shift"]
            row["edited_agent_monday_start"] = first[0]["start"][11:16] if first else "off"
        steps.append(row)

    # an agent gone, an agent new: week 2's agents file
    gone_folder = work / f"gone_{seed}"
    gone_folder.mkdir(exist_ok=True)
    worked = {r["agent_id"] for r in rows if r["activity"] == "shift"}
    leaver = next(a["agent_id"] for a in agents if a["agent_id"] in worked and a["agent_id"] not in
                  plan.get("activities", [{}])[0].get("agents", []))
    _write_rows(gone_folder / "agents.csv", [a for a in agents if a["agent_id"] != leaver])
    for name, text in (("plan.yaml", plan2.read_text()),):
        (gone_folder / name).write_text(text.replace("history: history.csv", f"history: {folder / 'history.csv'}"))
    steps.append({**_plan("week2_agent_gone", gone_folder / "plan.yaml", work / f"w2g_{seed}", limit,
                          "--previous", str(roster)), "leaver": leaver})
    new_folder = work / f"new_{seed}"
    new_folder.mkdir(exist_ok=True)
    like = next(a for a in agents if a["contract"] == "full_time")
    _write_rows(new_folder / "agents.csv", [*agents, {**like, "agent_id": "NEW01", "time_off": ""}])
    (new_folder / "plan.yaml").write_text(plan2.read_text().replace("history: history.csv",
                                                                     f"history: {folder / 'history.csv'}"))
    steps.append(_plan("week2_agent_new", new_folder / "plan.yaml", work / f"w2n_{seed}", limit,
                       "--previous", str(roster)))

    # week 1 re-planned on Wednesday: an agent working Wednesday and Thursday calls in sick for both
    steps.append(_sick_replan("week1_sick", work / f"sick_{seed}", work / f"w1s_{seed}", folder, plan1, roster,
                              agents, WEEK1, limit))
    # the same in week 2, whose re-plan must keep the seam with week 1 (``--previous``)
    w2_roster = work / f"w2_{seed}" / "roster.csv"
    if w2_roster.is_file():
        steps.append(_sick_replan("week2_sick", work / f"sick2_{seed}", work / f"w2s_{seed}", folder, plan2,
                                  w2_roster, agents, WEEK2, limit, "--previous", str(roster)))

    # what-if and simulation on week 2
    w2 = work / f"w2_{seed}"
    if (w2 / "roster.csv").is_file():
        scenarios = {"base": str(plan2), "scenarios": [
            {"id": "base"}, {"id": "volume_up", "volume_factor": 1.1},
            {"id": "hire", "add_agents": {"like": like["agent_id"], "count": 2}}]}
        sweep_file = work / f"sweep{seed}.yaml"
        sweep_file.write_text(yaml.safe_dump(scenarios))
        swept = _wfm("sweep", str(sweep_file), "--out", str(work / f"s{seed}"), "--time-limit", limit,
                     "--workers", "1", "--quiet")
        summary = work / f"s{seed}" / "summary.csv"
        steps.append(_step("sweep", swept, status=[r["status"] for r in _rows(summary)] if summary.is_file()
                           else None))
        simulated = _wfm("simulate", str(w2), "--reps", "5", "--json", "--config", str(plan2))
        row = _step("simulate", simulated)
        if simulated.returncode == 0:
            row["service_level"] = round(json.loads(simulated.stdout)["overall"]["service_level"]["mean"], 3)
        steps.append(row)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, required=True)
    parser.add_argument("--time-limit", default="20")
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--every-other-weekend", action="store_true",
                        help="full-timers' max_consecutive_weekends: 1 too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        for seed in args.seeds:
            for step in run(seed, work, args.time_limit, args.every_other_weekend):
                print(json.dumps(step), flush=True)


if __name__ == "__main__":
    main()
