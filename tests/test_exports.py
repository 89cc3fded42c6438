"""The roster exports round-trip roster.csv exactly: every segment appears once as an iCalendar event in its
agent's calendars/AGENT.ics and once as a row of its day's sheet in roster.xlsx; the coverage sheet matches
coverage.csv. Files are read back with independent parsers (icalendar, openpyxl)."""

from __future__ import annotations

import csv
import json
import unicodedata
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from scheduler.app.pipeline import run_plan
from scheduler.demo.example import generate_example
from scheduler.io.config import load_config
from scheduler.io.exports import PRODUCT_ID, SUMMARIES, UID_DOMAIN, Segment, agent_calendar, write_exports

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (test extra) reads the workbook back")


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    centre = tmp_path_factory.mktemp("centre")
    config = generate_example(centre, agents=12, weeks=4, seed=3)
    out = tmp_path_factory.mktemp("plan") / "out"
    run_plan(config, out, time_limit_seconds=6, progress=None)
    return out


def config_of(plan_dir: Path) -> Path:
    return Path(json.loads((plan_dir / "kpis.json").read_text(encoding="utf-8"))["config"])


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
    assert book.sheetnames[0] == "roster" and book.sheetnames[-2:] == ["coverage", "daily"]
    assert len(book.sheetnames) == 10
    seen = []
    for name in book.sheetnames[1:-2]:
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
    for name in ("forecast.csv",):
        (tmp_path / name).write_bytes((plan_dir / name).read_bytes())
    write_exports(tmp_path, agents, "Europe/Dublin", week_start, plan_config=load_config(config_of(plan_dir)))
    assert (tmp_path / "roster.xlsx").read_bytes() == (plan_dir / "roster.xlsx").read_bytes()
    assert (tmp_path / "roster_grid.csv").read_bytes() == (plan_dir / "roster_grid.csv").read_bytes()
    for path in (plan_dir / "calendars").glob("*.ics"):
        assert (tmp_path / "calendars" / path.name).read_bytes() == path.read_bytes()


def shift_cells(plan_dir: Path) -> dict[tuple[str, str], str]:
    """``(agent_id, date) -> "HH:MM-HH:MM"`` from roster.csv's shift rows, read independently."""
    return {(agent, day): f"{start[11:16]}-{end[11:16]}"
            for agent, day, activity, start, end in roster_rows(plan_dir) if activity == "shift"}


def test_roster_sheet_is_an_agent_by_date_grid_of_the_roster(plan_dir: Path) -> None:
    book = openpyxl.load_workbook(plan_dir / "roster.xlsx")  # not read-only: notes and fills are read too
    sheet = book["roster"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["agent_id", "contract", "skills"] and header[-1] == "paid hours"
    dates = [h.split()[1] for h in header[3:-1]]
    assert len(dates) == 7 and all(h.split()[0] == date.fromisoformat(d).strftime("%a")
                                   for h, d in zip(header[3:-1], dates, strict=True))
    cells = shift_cells(plan_dir)
    breaks = Counter((a, d) for a, d, activity, _s, _e in roster_rows(plan_dir) if activity in ("break", "lunch"))
    agents = json.loads((plan_dir / "kpis.json").read_text())["agents"]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == agents
    paid = 0.0
    for row in rows:
        agent = row[0].value
        for cell, day in zip(row[3:-1], dates, strict=True):
            want = cells.get((agent, day))
            if want is None:
                assert cell.value in ("off", "leave") and cell.comment is None
            else:
                assert cell.value == want
                note = cell.comment.text
                assert note.count("break ") + note.count("lunch ") == breaks[agent, day] and "paid " in note
            weekend = date.fromisoformat(day).weekday() >= 5
            assert (cell.fill.fgColor.rgb[-6:] == "EEF2F6") == (weekend and want is not None)
        paid += row[-1].value
    assert paid == pytest.approx(json.loads((plan_dir / "kpis.json").read_text())["paid_hours"])


def test_roster_grid_csv_holds_the_same_grid(plan_dir: Path) -> None:
    book = openpyxl.load_workbook(plan_dir / "roster.xlsx", read_only=True)
    sheet = [list(r) for r in book["roster"].iter_rows(values_only=True)]
    with (plan_dir / "roster_grid.csv").open(encoding="utf-8", newline="") as handle:
        grid = list(csv.reader(handle))
    assert grid[0][:3] == ["agent_id", "contract", "skills"] and grid[0][-1] == "paid_hours"
    assert grid[0][3:-1] == [h.split()[1] for h in sheet[0][3:-1]]
    assert [row[:-1] for row in grid[1:]] == [row[:-1] for row in sheet[1:]]
    assert [float(row[-1]) for row in grid[1:]] == pytest.approx([row[-1] for row in sheet[1:]])


def test_daily_sheet_totals_add_up(plan_dir: Path) -> None:
    book = openpyxl.load_workbook(plan_dir / "roster.xlsx", read_only=True)
    rows = list(book["daily"].iter_rows(values_only=True))
    kpis = json.loads((plan_dir / "kpis.json").read_text())
    queues = list(kpis["service_level"]["by_queue"])
    assert rows[0][:3] == ("date", "queue", "contacts")
    assert len(rows) == 1 + 7 * (len(queues) + 1)
    centre = [r for r in rows[1:] if r[1] == "all queues"]
    assert sum(r[7] for r in centre) == pytest.approx(kpis["paid_hours"])
    with (plan_dir / "forecast.csv").open(encoding="utf-8", newline="") as handle:
        contacts = sum(float(r["contacts"]) for r in csv.DictReader(handle))
    assert sum(r[2] for r in centre) == pytest.approx(contacts, rel=1e-4)
    for day in range(7):
        block = rows[1 + day * (len(queues) + 1): 1 + (day + 1) * (len(queues) + 1)]
        assert [r[1] for r in block] == [*queues, "all queues"]
        assert block[-1][5] == pytest.approx(sum(r[5] for r in block[:-1]))  # required agent-hours


def icalendar_calendar(agent_id: str, segments: list[Segment], timezone: str, stamp: datetime) -> bytes:
    """The calendar as icalendar's ``Calendar.to_ical`` writes it (the export's writer before it wrote its own
    lines): the reference the export must match byte for byte."""
    zone = ZoneInfo(timezone)

    def text(value: str) -> icalendar.vText:
        return icalendar.vText("".join("\ufffd" if unicodedata.category(c) == "Cc" and c != "\n" else c
                                       for c in value))

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", text(f"Roster {agent_id}"))
    calendar.add("x-wr-timezone", timezone)
    for number, segment in enumerate(segments):
        event = icalendar.Event()
        event.add("uid", text(f"{agent_id}-{segment.start:%Y%m%dT%H%M}-{segment.activity}-{number}@{UID_DOMAIN}"))
        event.add("dtstamp", stamp)
        event.add("dtstart", segment.start.replace(tzinfo=zone))
        event.add("dtend", segment.end.replace(tzinfo=zone))
        event.add("summary", text(SUMMARIES.get(segment.activity, segment.activity.replace("_", " ").capitalize())))
        event.add("categories", [text(segment.activity)])
        event.add("x-wfm-agent", text(agent_id))
        event.add("x-wfm-activity", text(segment.activity))
        event.add("x-wfm-date", segment.day.isoformat())
        event.add("transp", "TRANSPARENT" if segment.activity in ("break", "lunch") else "OPAQUE")
        calendar.add_component(event)
    if segments:
        first = min(s.day for s in segments)
        probe = icalendar.Calendar()
        probe_event = icalendar.Event()
        probe_event.add("dtstart", datetime(first.year, 1, 2, tzinfo=zone))
        probe.add_component(probe_event)
        probe.add_missing_timezones(first_date=date(first.year, 1, 1), last_date=date(first.year + 2, 1, 1))
        calendar.subcomponents[:0] = probe.timezones
    return calendar.to_ical()


# Ids and activities that exercise TEXT escaping (a written \N included), control characters, folding at 75
# octets with multi-byte characters and a backslash or ^ at the fold, and long lines.
AWKWARD_IDS = ("A01", "Zoë, Ünal; \\N\\n", "x" * 70, "ü" * 40, "a\\" * 40, "b^" * 40, "tab\there\rcr\nnl",
               "日本語のエージェント" * 3, "A" * 61 + "\\x", "q" * 62 + "^^", "")
AWKWARD_ACTIVITIES = ("shift", "break", "lunch", "team_meeting", "coaching; 1:1, weekly", "é" * 50, "x\\" * 30)


@pytest.mark.parametrize("timezone", ["Europe/Dublin", "UTC", "America/New_York", "Asia/Kolkata",
                                      "Australia/Lord_Howe", "America/Argentina/ComodRivadavia", "Etc/GMT+5"])
def test_calendar_writer_matches_icalendar_byte_for_byte(timezone: str) -> None:
    stamp = datetime(2026, 3, 30, tzinfo=ZoneInfo("UTC"))
    for number, agent_id in enumerate(AWKWARD_IDS):
        day = date(2026, 3, 23) + timedelta(days=number)  # across the spring change in Europe
        segments = [Segment(agent_id, day, activity, datetime.combine(day, time(6 + k)),
                            datetime.combine(day, time(7 + k, 30, 15)))
                    for k, activity in enumerate(AWKWARD_ACTIVITIES)]
        for kept in (segments, segments[:1], []):
            ours = agent_calendar(agent_id, kept, timezone, stamp)
            assert ours == icalendar_calendar(agent_id, kept, timezone, stamp), (agent_id, len(kept))
            events = icalendar.Calendar.from_ical(ours).walk("VEVENT")
            assert [(str(e.get("summary")), e.decoded("dtstart").replace(tzinfo=None),
                     e.decoded("dtend").replace(tzinfo=None)) for e in events] \
                == [(SUMMARIES.get(s.activity, s.activity.replace("_", " ").capitalize()), s.start, s.end)
                    for s in kept]
