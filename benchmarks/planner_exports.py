"""A planner's exports and folders, each on a copy of ``wfm example --agents 20 --queues 2 --weeks 4 --seed 11``
planned with ``wfm plan --time-limit 5`` (README "Centres never seen", *Second sweep*): a BOM, CRLF, ``;``
separators, decimal commas, quoted fields, duplicate rows, UTC offsets, daylight-saving gaps (a 23- and a 25-hour
day in a 24-h centre), missing days, a queue starting late, zero weeks, absurd handle times, unicode, long and
duplicate agent ids, unknown skills, tabs, wrong types, unknown and repeated keys in plan.yaml, and ``--out`` at
an existing file, the config's own folder, a read-only folder. Each must plan (valid) or fail with one line
(exit 2, or 3 for rules in conflict), never a traceback; nothing is written outside ``--out``.

    python benchmarks/planner_exports.py                                  # every case, in a temporary folder
    python benchmarks/planner_exports.py --cases h_bom p_duplicate_key --keep /tmp/exports

One JSON line per case: ``exit``, ``traceback``, the last lines of stderr, ``valid`` and kpis.json's warnings when
planned, ``same_forecast`` (forecast.csv and requirements.csv byte for byte those of the unedited centre) for the
format-only edits, and for the ``--out`` cases the paths made outside the plan folder.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIME_LIMIT = "5"
# edits that change only the file's format: the forecast and requirements must be those of the plain files
FORMAT_ONLY = ("h_bom", "h_crlf", "a_crlf_bom", "h_quoted", "h_space_separator", "h_unsorted", "p_crlf_bom")
OUT_CASES = ("o_existing_file", "o_config_folder", "o_inside_config_folder", "o_existing_plan_failure",
             "o_read_only", "o_read_only_parent")


def wfm(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scheduler.app.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=1800)


def rw(path: Path, fn: Callable[[str], str]) -> None:
    path.write_text(fn(path.read_text()), newline="")


def hist_rows(f: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO((f / "history.csv").read_text())))


def write_rows(f: Path, rows: list[list[str]], name: str = "history.csv", **kw: object) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", **kw).writerows(rows)  # type: ignore[arg-type]
    (f / name).write_text(out.getvalue())


CASES: dict[str, Callable[[Path], None]] = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


@case
def h_bom(f):
    p = f / "history.csv"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())


@case
def h_crlf(f):
    p = f / "history.csv"
    p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))


@case
def a_crlf_bom(f):
    p = f / "agents.csv"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes().replace(b"\n", b"\r\n"))


@case
def h_semicolon(f):
    write_rows(f, hist_rows(f), delimiter=";")


@case
def h_semicolon_decimal_comma(f):
    rows = hist_rows(f)
    rows = [rows[0]] + [[c.replace(".", ",") for c in r] for r in rows[1:]]
    write_rows(f, rows, delimiter=";")


@case
def h_quoted(f):
    write_rows(f, hist_rows(f), quoting=csv.QUOTE_ALL)


@case
def h_duplicate_rows(f):
    rows = hist_rows(f)
    write_rows(f, rows + rows[100:110])


@case
def h_tz_offset(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [[r[0] + "+00:00", *r[1:]] for r in rows[1:]])


@case
def h_tz_z(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [[r[0] + "Z", *r[1:]] for r in rows[1:]])


@case
def h_space_separator(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [[r[0].replace("T", " "), *r[1:]] for r in rows[1:]])


@case
def h_gap_days(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [r for r in rows[1:] if r[0][:10] not in ("2026-03-10", "2026-03-11", "2026-03-12",
                                                                          "2026-03-13")])


@case
def h_gap_last_week(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [r for r in rows[1:] if r[0][:10] < "2026-03-21"])


@case
def h_queue_starts_halfway(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [r for r in rows[1:] if r[1] != "chat" or r[0][:10] >= "2026-03-16"])


@case
def h_queue_starts_last_week(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [r for r in rows[1:] if r[1] != "chat" or r[0][:10] >= "2026-03-23"])


@case
def h_zero_week(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [[r[0], r[1], "0", ""] if "2026-03-09" <= r[0][:10] < "2026-03-16" else r
                               for r in rows[1:]])


@case
def h_zero_last_week(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [[r[0], r[1], "0", ""] if r[0][:10] >= "2026-03-23" else r for r in rows[1:]])


@case
def h_all_zero(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [[r[0], r[1], "0", ""] for r in rows[1:]])


@case
def h_aht_zero(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [[r[0], r[1], r[2], "0"] for r in rows[1:]])


@case
def h_aht_absurd(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [[r[0], r[1], r[2], "36000" if r[2] != "0" else ""] for r in rows[1:]])


@case
def h_aht_absurd_some(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [[r[0], r[1], r[2], "36000" if r[2] != "0" and i % 50 == 0 else r[3]]
                               for i, r in enumerate(rows[1:])])


@case
def h_dst_nonexistent(f):
    rows = hist_rows(f)
    extra = [[f"2026-03-29T01:{m:02d}:00", "voice", "1", "300"] for m in (0, 15, 30, 45)]
    write_rows(f, rows + extra)


@case
def h_contacts_float_text(f):
    rows = hist_rows(f)
    rows[5][2] = "1,234"
    write_rows(f, rows)


def _set_yaml(f, old, new):
    rw(f / "plan.yaml", lambda t: t.replace(old, new, 1))


@case
def p_target_percent(f):
    _set_yaml(f, "service_level_target: 0.8", 'service_level_target: "80%"')


@case
def p_target_80(f):
    _set_yaml(f, "service_level_target: 0.8", "service_level_target: 80")


@case
def p_tabs(f):
    _set_yaml(f, "  timezone: Europe/Dublin", "\ttimezone: Europe/Dublin")


@case
def p_tab_after_colon(f):
    _set_yaml(f, "shrinkage: 0.1", "shrinkage:\t0.1")


@case
def p_unknown_key(f):
    _set_yaml(f, "shrinkage: 0.1", "shrinkage: 0.1\nshrinkgae: 0.2")


@case
def p_unknown_nested_key(f):
    _set_yaml(f, "    max_occupancy: 0.85\n", "    max_occupancy: 0.85\n    max_occupncy: 0.9\n")


@case
def p_crlf_bom(f):
    p = f / "plan.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes().replace(b"\n", b"\r\n"))


@case
def p_string_number(f):
    _set_yaml(f, "shrinkage: 0.1", 'shrinkage: "0.1"')


@case
def p_minutes_string(f):
    _set_yaml(f, "length_minutes: 510", 'length_minutes: "8h30"')


@case
def p_timezone_bad(f):
    _set_yaml(f, "timezone: Europe/Dublin", "timezone: GMT+1")


@case
def p_week_start_sunday(f):
    _set_yaml(f, "week_start: 2026-03-30", "week_start: 2026-03-29")


@case
def p_week_start_far(f):
    _set_yaml(f, "week_start: 2026-03-30", "week_start: 2027-03-29")


@case
def p_week_start_inside_history(f):
    _set_yaml(f, "week_start: 2026-03-30", "week_start: 2026-03-16")


@case
def p_opening_24h(f):
    rw(f / "plan.yaml", lambda t: re.sub(r'(mon|tue|wed|thu|fri|sat|sun): "\d\d:\d\d-\d\d:\d\d"',
                                         r'\1: "00:00-24:00"', t))


def _agents(f):
    return list(csv.DictReader(io.StringIO((f / "agents.csv").read_text())))


def _write_agents(f, rows):
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (f / "agents.csv").write_text(out.getvalue())


@case
def a_unicode(f):
    rows = _agents(f)
    names = ["Zoë Ångström", "李雷", "Ниna", "José María", "Ōtani 翔平", "ﾃｽﾄ", "e\u0301", "😀 agent"]
    for r, name in zip(rows, names, strict=False):
        r["agent_id"] = name
    _write_agents(f, rows)


@case
def a_spaces(f):
    rows = _agents(f)
    rows[0]["agent_id"] = " A001 "
    rows[1]["agent_id"] = "Anna  Maria"
    rows[2]["skills"] = " voice ; chat "
    _write_agents(f, rows)


@case
def a_trailing_space_dup(f):
    rows = _agents(f)
    rows[1]["agent_id"] = rows[0]["agent_id"] + " "
    _write_agents(f, rows)


@case
def a_case_dup(f):
    rows = _agents(f)
    rows[1]["agent_id"] = "a001"
    _write_agents(f, rows)


@case
def a_long_id(f):
    rows = _agents(f)
    rows[0]["agent_id"] = "A" * 300
    rows[1]["agent_id"] = "B" * 5000
    _write_agents(f, rows)


@case
def a_duplicate(f):
    rows = _agents(f)
    rows[1]["agent_id"] = rows[0]["agent_id"]
    _write_agents(f, rows)


@case
def a_unknown_skill(f):
    rows = _agents(f)
    rows[0]["skills"] = "voice;billing"
    _write_agents(f, rows)


@case
def a_only_unknown_skill(f):
    rows = _agents(f)
    rows[0]["skills"] = "billing"
    _write_agents(f, rows)


@case
def a_skill_case(f):
    rows = _agents(f)
    rows[0]["skills"] = "Voice"
    _write_agents(f, rows)


@case
def a_semicolon_file(f):
    text = (f / "agents.csv").read_text()
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    (f / "agents.csv").write_text(out.getvalue())


@case
def a_unknown_contract(f):
    rows = _agents(f)
    rows[0]["contract"] = "fulltime"
    _write_agents(f, rows)


@case
def a_time_off_bad(f):
    rows = _agents(f)
    rows[0]["time_off"] = "31/03/2026"
    _write_agents(f, rows)


@case
def a_time_off_range(f):
    rows = _agents(f)
    rows[0]["time_off"] = "2026-03-30..2026-04-01"
    _write_agents(f, rows)


@case
def a_availability_bad(f):
    rows = _agents(f)
    rows[0]["availability"] = "Mon-Fri 9am-5pm"
    _write_agents(f, rows)


@case
def a_empty_row(f):
    p = f / "agents.csv"
    p.write_text(p.read_text() + ",,,,\n\n")


@case
def a_extra_column(f):
    rows = _agents(f)
    for r in rows:
        r["email"] = "x@example.com"
    _write_agents(f, rows)


def _dst(f, weeks_shift):
    rows = hist_rows(f)
    out = [rows[0]]
    days = set()
    for r in rows[1:]:
        t = datetime.fromisoformat(r[0]) + timedelta(weeks=weeks_shift)
        out.append([t.isoformat(), *r[1:]])
        days.add(t.date())
    for d in sorted(days):
        for q in ("voice", "chat"):
            for h in list(range(0, 8)) + list(range(21 if q == "chat" else 20, 24)):
                for m in (0, 15, 30, 45):
                    t = datetime(d.year, d.month, d.day, h, m)
                    out.append([t.isoformat(), q, "2", "300"])
    write_rows(f, out)
    text = (f / "plan.yaml").read_text()
    text = re.sub(r'(mon|tue|wed|thu|fri|sat|sun): "\d\d:\d\d-\d\d:\d\d"', r'\1: "00:00-24:00"', text)
    text = text.replace("timezone: Europe/Dublin", "timezone: America/New_York")
    week_start = (datetime(2026, 3, 30) + timedelta(weeks=weeks_shift)).date()
    text = re.sub(r"week_start: \S+", f"week_start: {week_start}", text)
    text = text.replace("holidays:\n  - 2026-03-17  # St Patrick's Day: open, about 15% of normal volume\n", "")
    text = text.replace("shift_templates:\n  - id: day8\n", """shift_templates:
  - id: night8
    length_minutes: 480
    earliest_start: "00:00"
    latest_start: "16:00"
    start_step_minutes: 60
    days: [mon, tue, wed, thu, fri, sat, sun]
    min_break_gap_minutes: 60
    breaks:
      - {name: break1, kind: break, minutes: 15, paid: true,
         earliest_after_start_minutes: 90, latest_after_start_minutes: 180}
      - {name: break2, kind: break, minutes: 15, paid: true,
         earliest_after_start_minutes: 300, latest_after_start_minutes: 420}
  - id: day8
""")
    text = text.replace("shift_templates: [day8, late8, weekend8, weekend6]",
                        "shift_templates: [night8, day8, late8, weekend8, weekend6]")
    (f / "plan.yaml").write_text(text)


@case
def d_autumn_25h(f):
    _dst(f, 30)


@case
def d_spring_23h(f):
    _dst(f, -4)




@case
def p_duplicate_key(f):
    _set_yaml(f, "shrinkage: 0.1", "shrinkage: 0.1\nshrinkage: 0.3")


@case
def p_duplicate_queue_key(f):
    _set_yaml(f, "    max_occupancy: 0.85\n", "    max_occupancy: 0.85\n    max_occupancy: 0.5\n")


@case
def h_queue_case(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [[r[0], "Voice" if r[1] == "voice" else r[1], *r[2:]] for r in rows[1:]])


@case
def h_extra_queue(f):
    rows = hist_rows(f)
    write_rows(f, rows + [[r[0], "billing", *r[2:]] for r in rows[1:] if r[1] == "voice"])


@case
def a_dup_header(f):
    p = f / "agents.csv"
    lines = p.read_text().splitlines()
    p.write_text("\n".join([lines[0] + ",skills"] + [line + ",chat" for line in lines[1:]]) + "\n")


@case
def h_dup_header(f):
    p = f / "history.csv"
    lines = p.read_text().splitlines()
    p.write_text("\n".join([lines[0] + ",contacts"] + [line + ",1" for line in lines[1:]]) + "\n")


@case
def h_excel_dates(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + [[datetime.fromisoformat(r[0]).strftime("%d/%m/%Y %H:%M"), *r[1:]] for r in rows[1:]])


@case
def h_unsorted(f):
    rows = hist_rows(f)
    write_rows(f, [rows[0]] + rows[1:][::-1])




def _lock(folder: Path) -> bool:
    """Make ``folder`` read-only for this process: mode 0555, or for root the immutable attribute."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return True
    return shutil.which("chattr") is not None and subprocess.run(
        ["chattr", "+i", str(folder)], capture_output=True).returncode == 0


def _unlock(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    folder.chmod(0o755)


def run_case(name: str, base: Path, work: Path) -> dict:
    f = work / name
    shutil.rmtree(f, ignore_errors=True)
    shutil.copytree(base, f)
    out = work / (name + "_out")
    shutil.rmtree(out, ignore_errors=True)
    locked: Path | None = None
    if name in CASES:
        CASES[name](f)
    elif name == "o_existing_file":
        out.write_text("keep me")
    elif name == "o_config_folder":
        out = f
    elif name == "o_inside_config_folder":
        out = f / "out"
    elif name == "o_existing_plan_failure":
        shutil.copytree(work / "base_out", out)
        (out / "notes.txt").write_text("mine")
        rw(f / "plan.yaml", lambda t: t.replace("shrinkage: 0.1", "shrinkage: 2"))
    elif name in ("o_read_only", "o_read_only_parent"):
        out.mkdir()
        (out / "notes.txt").write_text("mine")
        locked = out if name == "o_read_only" else work / "locked"
        if name == "o_read_only_parent":
            locked.mkdir(exist_ok=True)
            out = locked / "out"
            out.mkdir(exist_ok=True)
        if not _lock(locked):
            return {"case": name, "skipped": "no way to make a read-only folder here"}
    before = {str(p) for p in work.rglob("*")}
    started = time.monotonic()
    try:
        done = wfm("plan", f / "plan.yaml", "--out", out, "--time-limit", TIME_LIMIT, "--quiet")
    finally:
        if locked is not None:
            _unlock(locked)
    row: dict = {"case": name, "exit": done.returncode, "traceback": "Traceback" in done.stderr,
                 "s": round(time.monotonic() - started, 1), "stderr": done.stderr.strip().splitlines()[-3:]}
    if done.returncode == 0 and (out / "roster.csv").exists():
        row["valid"] = wfm("validate", f / "plan.yaml", out / "roster.csv").returncode == 0
        kpis = json.loads((out / "kpis.json").read_text())
        row["service_level"] = kpis["service_level"]["overall"]
        row["warnings"] = kpis["warnings"]
        if name in FORMAT_ONLY:
            row["same_forecast"] = all((out / n).read_bytes() == (work / "base_out" / n).read_bytes()
                                       for n in ("forecast.csv", "requirements.csv"))
    if name.startswith("o_"):
        made = {str(p) for p in work.rglob("*")} - before
        row["made_outside_out"] = sorted(p for p in made if not p.startswith(str(out)))[:5]
        row["lost"] = sorted(before - {str(p) for p in work.rglob("*")})[:5]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", choices=[*CASES, *OUT_CASES], default=[*CASES, *OUT_CASES])
    parser.add_argument("--keep", type=Path, default=None, help="keep the centres and plans in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        base = work / "base"
        if not (base / "plan.yaml").exists():
            wfm("example", "--agents", 20, "--queues", 2, "--weeks", 4, "--seed", 11, "--out", base)
        if not (work / "base_out" / "roster.csv").exists():
            wfm("plan", base / "plan.yaml", "--out", work / "base_out", "--time-limit", TIME_LIMIT, "--quiet")
        for name in args.cases:
            print(json.dumps(run_case(name, base, work), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
