"""Hand edits a planner makes to a generated centre, each planned with ``wfm plan``: every one must give a valid
roster (exit 0, ``wfm validate`` clean), a one-line error naming the key (exit 2) or an explanation of the rules in
conflict (exit 3), never a traceback.

    python benchmarks/hand_edits.py                     # every case, into a temporary folder
    python benchmarks/hand_edits.py --cases leave_all mixed_intervals --keep /tmp/edits

One JSON line per case: ``exit``, ``traceback``, ``valid`` (when planned) and the last line of stderr.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TIME_LIMIT = "10"


def _wfm(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scheduler.app.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def _plan(folder: Path) -> dict:
    return yaml.safe_load((folder / "plan.yaml").read_text())


def _write_plan(folder: Path, plan: dict) -> None:
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))


def queue_without_history(folder: Path) -> None:
    plan = _plan(folder)
    plan["queues"].append({**plan["queues"][0], "id": "newq"})
    _write_plan(folder, plan)
    rows = _rows(folder / "agents.csv")
    for row in rows[:5]:
        row["skills"] += ";newq"
    _write_rows(folder / "agents.csv", rows)


def skill_nobody_has(folder: Path) -> None:
    rows = _rows(folder / "agents.csv")
    for row in rows:
        row["skills"] = ";".join([s for s in row["skills"].split(";") if s.split(":")[0] != "chat"] or ["sales"])
    _write_rows(folder / "agents.csv", rows)


def leave_all(folder: Path) -> None:
    start = date.fromisoformat(str(_plan(folder)["forecast"]["week_start"]))
    rows = _rows(folder / "agents.csv")
    rows[0]["time_off"] = ";".join((start + timedelta(days=d)).isoformat() for d in range(7))
    _write_rows(folder / "agents.csv", rows)


def minimum_over_days(folder: Path) -> None:
    plan = _plan(folder)
    plan["contracts"][0].update(min_weekly_hours=45, max_weekly_hours=48)
    _write_plan(folder, plan)


def one_agent(folder: Path) -> None:
    _write_rows(folder / "agents.csv", _rows(folder / "agents.csv")[:1])


def mixed_intervals(folder: Path) -> None:
    """The chat queue's history summed into 30-minute rows, the other queues' left at 15 minutes."""
    out = []
    by_start: dict[str, dict[str, str]] = {}
    for row in _rows(folder / "history.csv"):
        if row["queue"] != "chat":
            out.append(row)
            continue
        start = row["interval_start"]
        half = start[:14] + ("00" if start[14:16] < "30" else "30") + start[16:]
        kept = by_start.setdefault(half, {**row, "interval_start": half, "contacts": "0", "aht_seconds": ""})
        kept["contacts"] = str(int(kept["contacts"]) + int(row["contacts"]))
        if row["aht_seconds"] and not kept["aht_seconds"]:
            kept["aht_seconds"] = row["aht_seconds"]
    out.extend(by_start.values())
    _write_rows(folder / "history.csv", sorted(out, key=lambda r: (r["interval_start"], r["queue"])))


def interval_30(folder: Path) -> None:
    plan = _plan(folder)
    plan["centre"]["interval_minutes"] = 30
    _write_plan(folder, plan)


def deadline_under_interval(folder: Path) -> None:
    plan = _plan(folder)
    for queue in plan["queues"]:
        if queue.get("deadline_minutes"):
            queue["deadline_minutes"] = 10
    _write_plan(folder, plan)


def no_lead(folder: Path) -> None:
    rows = _rows(folder / "agents.csv")
    for row in rows:
        if row.get("level") == "lead":
            row["level"] = "senior"
    _write_rows(folder / "agents.csv", rows)


def every_lead_on_the_floor(folder: Path) -> None:
    plan = _plan(folder)
    leads = sum(1 for row in _rows(folder / "agents.csv") if row.get("level") == "lead")
    for rule in plan.get("floor_rules", []):
        rule["min_agents"] = leads
    _write_plan(folder, plan)


# case -> (the example's extra options, the edit, extra ``wfm plan`` options: "carry" plans 4 weeks after a
# published week moved one week back)
CASES: dict[str, tuple[tuple[str, ...], Callable[[Path], None], str | None]] = {
    "queue_without_history": ((), queue_without_history, None),
    "skill_nobody_has": ((), skill_nobody_has, None),
    "leave_all": ((), leave_all, None),
    "minimum_over_days": ((), minimum_over_days, None),
    "one_agent": ((), one_agent, None),
    "mixed_intervals": ((), mixed_intervals, None),
    "interval_30": ((), interval_30, None),
    "deadline_under_interval": (("--channels", "voice,chat,email,social"), deadline_under_interval, None),
    "no_lead": (("--levels",), no_lead, None),
    "every_lead_on_the_floor": (("--levels",), every_lead_on_the_floor, None),
    "four_weeks_with_carry_in": ((), lambda folder: None, "carry"),
}


def _previous(folder: Path, work: Path) -> Path:
    """A published week (the centre planned once) moved one week back: the roster before the horizon."""
    out = work / "published"
    if not (out / "roster.csv").exists():
        _wfm("plan", folder / "plan.yaml", "--out", out, "--time-limit", TIME_LIMIT, "--quiet")
    rows = _rows(out / "roster.csv")
    for row in rows:
        row["date"] = (date.fromisoformat(row["date"]) - timedelta(days=7)).isoformat()
        for key in ("start", "end"):
            row[key] = (datetime.fromisoformat(row[key]) - timedelta(days=7)).isoformat()
    path = work / "previous.csv"
    _write_rows(path, rows)
    return path


def run(case: str, work: Path) -> dict:
    options, edit, extra = CASES[case]
    base = work / ("base" + "".join(options).replace(",", "-"))
    if not (base / "plan.yaml").exists():
        _wfm("example", "--agents", 20, "--weeks", 4, "--seed", 11, "--out", base, *options)
    folder = work / case
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base, folder)
    edit(folder)
    out = work / f"out-{case}"
    shutil.rmtree(out, ignore_errors=True)
    more: list[object] = []
    if extra == "carry":
        more = ["--weeks", "4", "--previous", _previous(base, work)]
    done = _wfm("plan", folder / "plan.yaml", "--out", out, "--time-limit", TIME_LIMIT, "--quiet", *more)
    lines = done.stderr.strip().splitlines()
    row: dict = {"case": case, "exit": done.returncode, "traceback": "Traceback" in done.stderr,
                 "last": lines[-1][:300] if lines else ""}
    if done.returncode == 0:
        checked = _wfm("validate", folder / "plan.yaml", out / "roster.csv", *more)
        row["valid"] = checked.returncode == 0
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=list(CASES))
    parser.add_argument("--keep", type=Path, default=None, help="keep the centres and plans in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        for case in args.cases:
            print(json.dumps(run(case, work)), flush=True)


if __name__ == "__main__":
    main()
