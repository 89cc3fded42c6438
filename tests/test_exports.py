"""The roster exports round-trip roster.csv exactly: every segment appears once as an iCalendar event in its
agent's calendars/AGENT.ics and once as a row of its day's sheet in roster.xlsx; the coverage sheet matches
coverage.csv. Files are read back with independent parsers (icalendar, openpyxl)."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime
from pathlib import Path

import icalendar
import pytest

from scheduler.app.pipeline import run_plan
from scheduler.demo.example import generate_example
from scheduler.io.exports import write_exports

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (test extra) reads the workbook back")


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    centre = tmp_path_factory.mktemp("centre")
    config = generate_example(centre, agents=12, weeks=4, seed=3)
    out = tmp_path_factory.mktemp("plan") / "out"
    run_plan(config, out, time_limit_seconds=6, progress=None)
    return out


def roster_rows(plan_dir: Path) -> list[tuple[str, str, str, str, str]]:
    with (plan_dir / "roster.csv").open(encoding="utf-8", newline="") as handle:
        return [(r["agent_id"], r["date"], r["activity"], r["start"], r["end"]) for r in csv.DictReader(handle)]


def test_one_calendar_per_agent(plan_dir: Path) -> None:
    names = sorted(p.name for p in (plan_dir / "calendars").iterdir())
    assert names == [f"A{i:03d}.ics" for i in range(1, 13)]


def test_calendar_events_match_roster_rows_exactly(plan_dir: Path) -> None:
    events = []
    for path in sorted((plan_dir / "calendars").glob("*.ics")):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        assert calendar.get("version") == "2.0"
        for event in calendar.walk("VEVENT"):
            start, end = event.decoded("dtstart"), event.decoded("dtend")
            assert str(start.tzinfo) == "Europe/Dublin" == str(end.tzinfo)
            agent = str(event.get("x-wfm-agent"))
            assert agent == path.stem
            events.append((agent, str(event.get("x-wfm-date")), str(event.get("x-wfm-activity")),
                           start.replace(tzinfo=None).isoformat(), end.replace(tzinfo=None).isoformat()))
    rows = roster_rows(plan_dir)
    assert rows and Counter(events) == Counter(rows)
    uids = [str(e.get("uid")) for p in (plan_dir / "calendars").glob("*.ics")
            for e in icalendar.Calendar.from_ical(p.read_bytes()).walk("VEVENT")]
    assert len(set(uids)) == len(uids)


def test_workbook_day_sheets_match_roster_rows_exactly(plan_dir: Path) -> None:
    book = openpyxl.load_workbook(plan_dir / "roster.xlsx", read_only=True)
    assert book.sheetnames[-1] == "coverage"
    assert len(book.sheetnames) == 8
    seen = []
    for name in book.sheetnames[:-1]:
        values = list(book[name].iter_rows(values_only=True))
        assert values[0] == ("agent_id", "date", "activity", "start", "end")
        for agent, day, activity, start, end in values[1:]:
            assert name.endswith(day)
            assert isinstance(start, datetime) and isinstance(end, datetime)
            seen.append((agent, day, activity, start.isoformat(), end.isoformat()))
    # The sheets run day by day, each in roster.csv's order within that day: the same rows, re-grouped.
    assert seen == sorted(roster_rows(plan_dir), key=lambda row: row[1])


def test_workbook_coverage_sheet_matches_coverage_csv(plan_dir: Path) -> None:
    book = openpyxl.load_workbook(plan_dir / "roster.xlsx", read_only=True)
    values = list(book["coverage"].iter_rows(values_only=True))
    with (plan_dir / "coverage.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert list(values[0]) == rows[0]
    assert len(values) == len(rows)
    for got, want in zip(values[1:], rows[1:], strict=True):
        assert got[0].isoformat() == want[0] and got[1] == want[1]
        assert [float(v) for v in got[2:]] == [float(v) for v in want[2:]]


def test_exports_are_byte_identical_when_rebuilt(plan_dir: Path, tmp_path: Path) -> None:
    for name in ("roster.csv", "coverage.csv"):
        (tmp_path / name).write_bytes((plan_dir / name).read_bytes())
    agents = [p.stem for p in (plan_dir / "calendars").glob("*.ics")]
    week_start = datetime.fromisoformat(roster_rows(plan_dir)[0][1]).date()
    week_start = week_start.fromordinal(week_start.toordinal() - week_start.weekday())
    write_exports(tmp_path, agents, "Europe/Dublin", week_start)
    assert (tmp_path / "roster.xlsx").read_bytes() == (plan_dir / "roster.xlsx").read_bytes()
    for path in (plan_dir / "calendars").glob("*.ics"):
        assert (tmp_path / "calendars" / path.name).read_bytes() == path.read_bytes()
