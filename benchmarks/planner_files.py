"""A planner's own files (README "A planner's own files: fourth sweep (d22)"): ``wfm example`` centres drawn as
``benchmarks/new_centres.py`` draws them (narrower: 20-80 agents, one planned week, 6 or 12 weeks of history),
their inputs rewritten as real exports look: a history exported by an ACD, an agents file from HR, a plan.yaml
typed by hand. Each case runs ``wfm plan --time-limit 5`` on a copy of one centre (the cases are dealt round the
centres) and, when it plans, ``wfm validate``.

    python benchmarks/planner_files.py --seeds 210074 970179 650547 --keep /tmp/files
    python benchmarks/planner_files.py --seeds 210074 --cases h_offset_utc p_time_unquoted

One JSON line per case: ``exit``, ``traceback``, the one-line error (the last stderr line that is not progress),
the warnings, ``valid``, and ``forecast_ratio``: the plan's forecast contacts over those of the unedited centre
(1.0 for edits of format alone; far from it where the history was misread). Then a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.new_centres import _wfm, draw  # noqa: E402

TIME_LIMIT = "5"
CASES: dict[str, Callable[[Path], str]] = {}


def case(fn: Callable[[Path], str]) -> Callable[[Path], str]:
    CASES[fn.__name__] = fn
    return fn


def _read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _write(path: Path, rows: list[list[str]], newline: str = "\n") -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _queues(f: Path) -> list[str]:
    return [m for m in re.findall(r"^  - id: (\S+)", (f / "plan.yaml").read_text(), re.M)
            if m in {r[1] for r in _read(f / "history.csv")[1:200]}]


def _history(f: Path, edit: Callable[[list[list[str]]], list[list[str]]]) -> None:
    _write(f / "history.csv", edit(_read(f / "history.csv")))


# --- a history exported by an ACD -------------------------------------------------------------------------------

@case
def h_acd_columns(f: Path) -> str:
    """Extra columns an ACD exports (abandoned, answered in SL, a skill group), in another column order."""
    def edit(rows: list[list[str]]) -> list[list[str]]:
        head = ["skill_group", "queue", "interval_start", "offered", "abandoned", "contacts", "aht_seconds"]
        return [head] + [["G1", r[1], r[0], r[2], "0", r[2], r[3]] for r in rows[1:]]
    _history(f, edit)
    return "extra columns, other order"


def _offset(stamp: str, zone: str) -> str:
    from zoneinfo import ZoneInfo
    moment = datetime.fromisoformat(stamp).replace(tzinfo=ZoneInfo(zone))
    return moment.isoformat()


@case
def h_offset_local(f: Path) -> str:
    """Local times with their UTC offset (+00:00 in winter, +01:00 from the spring change inside the history)."""
    zone = re.search(r"timezone: (\S+)", (f / "plan.yaml").read_text()).group(1)  # type: ignore[union-attr]
    _history(f, lambda rows: [rows[0]] + [[_offset(r[0], zone), *r[1:]] for r in rows[1:]])
    return "interval_start 2026-03-02T08:00:00+00:00 ... +01:00 after 29 March"


@case
def h_offset_utc(f: Path) -> str:
    """Times in UTC with a Z, as ACDs store them (an hour off local time after the spring change)."""
    from zoneinfo import ZoneInfo
    zone = re.search(r"timezone: (\S+)", (f / "plan.yaml").read_text()).group(1)  # type: ignore[union-attr]

    def utc(stamp: str) -> str:
        moment = datetime.fromisoformat(stamp).replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    _history(f, lambda rows: [rows[0]] + [[utc(r[0]), *r[1:]] for r in rows[1:]])
    return "interval_start in UTC with Z"


@case
def h_minutes_no_seconds(f: Path) -> str:
    """``2026-03-02 08:00`` (space, no seconds): ISO 8601 as spreadsheets save it."""
    _history(f, lambda rows: [rows[0]] + [[r[0].replace("T", " ")[:16], *r[1:]] for r in rows[1:]])
    return "2026-03-02 08:00"


@case
def h_day_first(f: Path) -> str:
    """``02/03/2026 08:00`` (day first): not ISO 8601."""
    _history(f, lambda rows: [rows[0]] + [[datetime.fromisoformat(r[0]).strftime("%d/%m/%Y %H:%M"), *r[1:]]
                                          for r in rows[1:]])
    return "02/03/2026 08:00"


@case
def h_shuffled_duplicates(f: Path) -> str:
    """Rows out of order (by queue, then time descending) with an export's repeated page of 20 rows."""
    def edit(rows: list[list[str]]) -> list[list[str]]:
        body = sorted(rows[1:], key=lambda r: (r[1], r[0]), reverse=True)
        return [rows[0]] + body + body[500:520]
    _history(f, edit)
    return "out of order, 20 rows twice"


@case
def h_out_of_order(f: Path) -> str:
    _history(f, lambda rows: [rows[0]] + sorted(rows[1:], key=lambda r: (r[1], r[0]), reverse=True))
    return "rows by queue, time descending"


@case
def h_queue_renamed(f: Path) -> str:
    """The first queue was called ``<id>_old`` until three weeks before the plan."""
    first = _queues(f)[0]
    _history(f, lambda rows: [rows[0]] + [[r[0], f"{first}_old" if r[1] == first and r[0] < "2026-03-09" else r[1],
                                           *r[2:]] for r in rows[1:]])
    return f"{first} named {first}_old before 9 March"


@case
def h_queue_without_history(f: Path) -> str:
    """A queue of the plan absent from the export."""
    last = _queues(f)[-1]
    _history(f, lambda rows: [r for r in rows if r[1] != last])
    return f"no rows of {last}"


@case
def h_thirty_minutes(f: Path) -> str:
    """The ACD's 30-minute report where the plan has 15."""
    def edit(rows: list[list[str]]) -> list[list[str]]:
        sums: dict[tuple[str, str], list[float]] = {}
        for r in rows[1:]:
            moment = datetime.fromisoformat(r[0])
            key = ((moment - timedelta(minutes=moment.minute % 30)).isoformat(), r[1])
            held = sums.setdefault(key, [0.0, 0.0])
            held[0] += float(r[2])
            held[1] += float(r[2]) * float(r[3] or 0)
        return [rows[0]] + [[t, q, f"{c:g}", f"{w / c:.1f}" if c else ""] for (t, q), (c, w) in sums.items()]
    _history(f, edit)
    return "30-minute rows"


@case
def h_half_last_day(f: Path) -> str:
    """The export taken at noon on its last day: the afternoon has no rows."""
    def edit(rows: list[list[str]]) -> list[list[str]]:
        last = max(r[0][:10] for r in rows[1:])
        return [rows[0]] + [r for r in rows[1:] if not (r[0][:10] == last and r[0][11:16] >= "12:00")]
    _history(f, edit)
    return "last day until 12:00"


@case
def h_closure_weeks(f: Path) -> str:
    """Two weeks of zero volume (a closure) in the middle of the history, every row still there."""
    def edit(rows: list[list[str]]) -> list[list[str]]:
        return [rows[0]] + [[r[0], r[1], "0" if "2026-03-02" <= r[0][:10] < "2026-03-16" else r[2],
                             "" if "2026-03-02" <= r[0][:10] < "2026-03-16" else r[3]] for r in rows[1:]]
    _history(f, edit)
    return "2-16 March all zero"


@case
def h_closure_last_week(f: Path) -> str:
    """The history's last week all zero (a closure just before the planned week)."""
    def edit(rows: list[list[str]]) -> list[list[str]]:
        return [rows[0]] + [[r[0], r[1], "0" if r[0][:10] >= "2026-03-23" else r[2],
                             "" if r[0][:10] >= "2026-03-23" else r[3]] for r in rows[1:]]
    _history(f, edit)
    return "23-29 March all zero"


@case
def h_spike(f: Path) -> str:
    """One day at 10x its volume (an outage's callbacks)."""
    def edit(rows: list[list[str]]) -> list[list[str]]:
        return [rows[0]] + [[r[0], r[1], f"{float(r[2]) * 10:g}" if r[0][:10] == "2026-03-24" else r[2], r[3]]
                            for r in rows[1:]]
    _history(f, edit)
    return "24 March x10"


# --- an agents file from HR --------------------------------------------------------------------------------------

def _agents(f: Path) -> list[list[str]]:
    return _read(f / "agents.csv")


@case
def a_bom_crlf_spaces(f: Path) -> str:
    """A BOM, CRLF line ends and trailing spaces after every field."""
    rows = _agents(f)
    text = "\r\n".join(",".join(f"{c} " if c else c for c in r) for r in rows) + "\r\n"
    (f / "agents.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    return "BOM, CRLF, 'A001 ,full_time ,sales '"


@case
def a_upper_skills(f: Path) -> str:
    rows = _agents(f)
    _write(f / "agents.csv", [rows[0]] + [[r[0], r[1], r[2].upper(), *r[3:]] for r in rows[1:]])
    return "skills SALES;SERVICE"


@case
def a_empty_lines(f: Path) -> str:
    rows = _agents(f)
    text = "\n".join(",".join(r) for r in rows)
    (f / "agents.csv").write_text(text.replace("\n", "\n\n", 3) + "\n\n\n")
    return "blank lines between rows and at the end"


@case
def a_unknown_skills_only(f: Path) -> str:
    """An agent of another team whose skills the plan does not know."""
    rows = _agents(f)
    rows[2][2] = "hr_payroll"
    _write(f / "agents.csv", rows)
    return f"{rows[2][0]} skills hr_payroll"


@case
def a_no_template_fits(f: Path) -> str:
    """A full-timer available 10:00-12:00 only: no template fits."""
    rows = _agents(f)
    row = next(r for r in rows[1:] if r[1] == "full_time")
    row[3] = "mon-fri 10:00-12:00"
    _write(f / "agents.csv", rows)
    return f"{row[0]} available mon-fri 10:00-12:00"


@case
def a_duplicate_ids(f: Path) -> str:
    rows = _agents(f)
    _write(f / "agents.csv", rows + [rows[3]])
    return f"{rows[3][0]} twice"


# --- plan.yaml typed by hand -------------------------------------------------------------------------------------

def _plan(f: Path, old: str, new: str, count: int = 1) -> None:
    path = f / "plan.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))


@case
def p_tab_indent(f: Path) -> str:
    _plan(f, "\n  timezone:", "\n\ttimezone:")
    return "a tab before timezone:"


@case
def p_key_case(f: Path) -> str:
    _plan(f, "\n  timezone:", "\n  TimeZone:")
    return "TimeZone:"


@case
def p_percent(f: Path) -> str:
    found = re.search(r"service_level_target: (0\.\d+)", (f / "plan.yaml").read_text())
    assert found
    typed = f"{float(found.group(1)) * 100:g}%"
    _plan(f, found.group(0), f"service_level_target: {typed}")
    return f"service_level_target: {typed}"


@case
def p_time_unquoted(f: Path) -> str:
    """``earliest_start: 8:00`` without quotes (YAML 1.1 reads 8:00 as the base-60 number 480)."""
    text = (f / "plan.yaml").read_text()
    found = re.search(r'earliest_start: "0(\d):00"', text)
    assert found, "no earliest_start before 10:00"
    _plan(f, found.group(0), f"earliest_start: {found.group(1)}:00")
    return f"earliest_start: {found.group(1)}:00 (unquoted)"


@case
def p_time_short(f: Path) -> str:
    """``"8:00-20:00"`` opening hours (one hour digit)."""
    _plan(f, 'mon: "08:00-', 'mon: "8:00-')
    return 'mon: "8:00-20:00"'


@case
def p_crlf_tabs_after_values(f: Path) -> str:
    """CRLF line ends and a trailing tab after a value."""
    path = f / "plan.yaml"
    path.write_bytes(path.read_bytes().replace(b"interval_minutes: 15", b"interval_minutes: 15\t").replace(
        b"\n", b"\r\n"))
    return "CRLF, 'interval_minutes: 15<TAB>'"


def run_case(name: str, base: Path, work: Path, plain_contacts: float | None) -> dict:
    folder = work / name
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base, folder)
    what = CASES[name](folder)
    out = work / f"{name}_out"
    shutil.rmtree(out, ignore_errors=True)
    done = _wfm("plan", str(folder / "plan.yaml"), "--out", str(out), "--time-limit", TIME_LIMIT)
    lines = [line for line in done.stderr.strip().splitlines() if not line.startswith("[")]
    row: dict = {"case": name, "centre": base.name, "edit": what, "exit": done.returncode,
                 "traceback": "Traceback" in done.stderr}
    if done.returncode != 0:
        row["error"] = lines[-1][:400] if lines else ""
        return row
    row["warnings"] = [line[:300] for line in lines if line.startswith("warning:")]
    checked = _wfm("validate", str(folder / "plan.yaml"), str(out / "roster.csv"))
    row["valid"] = checked.returncode == 0
    contacts = sum(float(r[2]) for r in _read(out / "forecast.csv")[1:])
    row["forecast_ratio"] = round(contacts / plain_contacts, 3) if plain_contacts else None
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, required=True)
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        centres, plain = [], {}
        for seed in args.seeds:
            options = draw(seed, agents=(20, 80), history_weeks=(6, 12))
            base = work / f"c{seed}"
            if not (base / "plan.yaml").is_file():
                extra = (["--channels", ",".join(options["channels"])] if "channels" in options
                         else ["--queues", str(options["queues"])])
                made = _wfm("example", "--agents", str(options["agents"]), "--weeks", str(options["history_weeks"]),
                            "--seed", str(seed), *extra, "--out", str(base))
                if made.returncode:
                    print(json.dumps({"centre": seed, "example_exit": made.returncode}), flush=True)
                    continue
            done = _wfm("plan", str(base / "plan.yaml"), "--out", str(work / f"c{seed}_out"), "--time-limit",
                        TIME_LIMIT)
            plain[base.name] = (sum(float(r[2]) for r in _read(work / f"c{seed}_out" / "forecast.csv")[1:])
                                if done.returncode == 0 else None)
            print(json.dumps({"centre": seed, "options": options, "plain_exit": done.returncode}), flush=True)
            centres.append(base)
        for number, name in enumerate(args.cases):
            base = centres[number % len(centres)]
            row = run_case(name, base, work, plain[base.name])
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\n| case | centre | edit | exit | traceback | valid | forecast ratio | what the user sees |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        said = row.get("error") or "; ".join(row.get("warnings", [])) or ""
        valid = "" if "valid" not in row else ("yes" if row["valid"] else "no")
        print(f"| {row['case']} | {row['centre']} | {row['edit']} | {row['exit']} | "
              f"{'yes' if row['traceback'] else 'no'} | {valid} | {row.get('forecast_ratio', '')} | {said[:200]} |")


if __name__ == "__main__":
    main()
