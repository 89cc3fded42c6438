"""The agent x date grid (roster.xlsx's ``roster`` sheet, roster_grid.csv) and the daily totals on rosters the plan
accepts but the example never makes: a night shift past midnight, an agent with no shift all week, a day of
leave, a 10,000-character id, CJK ids and teams, unpaid lunches, a week without contacts."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from scheduler.domain.plan import BreakRule, ShiftTemplate
from scheduler.io.daily_totals import CENTRE, daily_totals
from scheduler.io.exports import Segment, roster_workbook
from scheduler.io.roster_grid import (
    AgentProfile,
    agent_days,
    optional_agent_columns,
    roster_grid_csv,
    week_days,
)

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (test extra) reads the workbook back")

MONDAY = date(2026, 3, 30)
LONG_ID = "L" * 10_000
TEMPLATES = (ShiftTemplate("day", 510, 360, 720, 15, tuple(range(7)),
                           (BreakRule("b1", "break", 15, True, 60, 180),
                            BreakRule("lunch", "lunch", 30, False, 180, 300)), 30),
             ShiftTemplate("night", 480, 1320, 1320, 15, tuple(range(7)),
                           (BreakRule("b1", "break", 15, True, 120, 240),), 30))


def at(day: int, minute: int) -> datetime:
    return datetime.combine(MONDAY, datetime.min.time()) + timedelta(days=day, minutes=minute)


def segment(agent: str, day: int, activity: str, start: int, end: int) -> Segment:
    return Segment(agent, MONDAY + timedelta(days=day), activity, at(day, start), at(day, end))


SEGMENTS = (
    segment("王小明", 0, "shift", 9 * 60, 17 * 60 + 30),
    segment("王小明", 0, "break", 10 * 60 + 30, 10 * 60 + 45),
    segment("王小明", 0, "lunch", 13 * 60, 13 * 60 + 30),
    segment("王小明", 0, "coaching", 15 * 60, 16 * 60),
    segment("王小明", 5, "shift", 9 * 60, 17 * 60 + 30),  # a Saturday
    segment("王小明", 5, "break", 10 * 60, 10 * 60 + 15),
    segment("王小明", 5, "lunch", 12 * 60, 12 * 60 + 30),
    segment(LONG_ID, 6, "shift", 22 * 60, 30 * 60),  # Sunday 22:00 to Monday 06:00
    segment(LONG_ID, 6, "break", 25 * 60, 25 * 60 + 15),
)
PROFILES = (AgentProfile("王小明", "full_time", ("sales", "服务"), "销售一组", "senior"),
            AgentProfile(LONG_ID, "night", ("service",), "", "junior"),
            AgentProfile("idle", "part_time", ("sales",), "team B", "", frozenset({MONDAY + timedelta(days=2)})))


def test_agent_days_read_shifts_breaks_activities_and_paid_minutes() -> None:
    days = agent_days(SEGMENTS, TEMPLATES)
    monday = days["王小明", MONDAY][0]
    assert monday.shift_text == "09:00-17:30"
    assert monday.detail_text == "break 10:30-10:45, lunch 13:00-13:30, coaching 15:00-16:00"
    assert monday.paid_minutes == 510 - 30  # the lunch is unpaid, the break and the activity paid
    night = days[LONG_ID, MONDAY + timedelta(days=6)][0]
    assert night.shift_text == "22:00-06:00" and night.end_minute == 30 * 60
    assert night.detail_text == "break 01:00-01:15" and night.paid_minutes == 480
    assert ("idle", MONDAY) not in days


def test_grid_csv_marks_off_and_leave_and_keeps_every_agent() -> None:
    dates = week_days(MONDAY)
    text = roster_grid_csv(PROFILES, agent_days(SEGMENTS, TEMPLATES), dates)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["agent_id", "team", "contract", "level", "skills", *(d.isoformat() for d in dates),
                       "paid_hours"]
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["王小明"][1:5] == ["销售一组", "full_time", "senior", "sales;服务"]
    assert by_id["王小明"][5:12] == ["09:00-17:30", "off", "off", "off", "off", "09:00-17:30", "off"]
    assert by_id["王小明"][-1] == "16"
    assert by_id[LONG_ID][11] == "22:00-06:00" and by_id[LONG_ID][-1] == "8"
    assert by_id["idle"][5:12] == ["off", "off", "leave", "off", "off", "off", "off"] and by_id["idle"][-1] == "0"


def test_grid_without_teams_or_levels_has_no_such_columns() -> None:
    bare = tuple(AgentProfile(p.agent_id, p.contract_id, p.skills) for p in PROFILES)
    header = roster_grid_csv(bare, {}, week_days(MONDAY)).splitlines()[0]
    assert header.startswith("agent_id,contract,skills,2026-03-30")


def test_workbook_of_hostile_ids_opens_and_is_deterministic() -> None:
    cover = pd.DataFrame({"interval_start": pd.to_datetime(["2026-03-30T09:00"]), "queue": ["sales"],
                          "required": [1.0], "scheduled": [1.0], "service_level": [0.9]})
    first = roster_workbook(SEGMENTS, cover, MONDAY, profiles=PROFILES, templates=TEMPLATES)
    assert roster_workbook(SEGMENTS, cover, MONDAY, profiles=PROFILES, templates=TEMPLATES) == first
    book = openpyxl.load_workbook(io.BytesIO(first))
    sheet = book["roster"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(rows) == {"王小明", LONG_ID[:32_767], "idle"}
    assert rows["王小明"][5].comment.text == "break 10:30-10:45, lunch 13:00-13:30, coaching 15:00-16:00\npaid 8 h"
    assert rows["idle"][7].value == "leave" and rows["idle"][-1].value == 0


def test_daily_totals_of_a_week_without_contacts_or_shifts() -> None:
    empty = pd.DataFrame({"interval_start": pd.Series(dtype="datetime64[ns]"), "queue": pd.Series(dtype=str),
                          "required": [], "scheduled": [], "service_level": [], "contacts": []})
    totals = daily_totals(empty, empty, ["sales", "chat"], MONDAY, 15, {})
    assert len(totals) == 7 * 3
    assert all(t.contacts == 0 and t.required_fte == 0 and t.service_level is None for t in totals)
    assert [t.paid_hours for t in totals if t.queue == CENTRE] == [0.0] * 7


def test_optional_columns_read_team_and_level(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text("\ufeffagent_id,contract,skills, team ,level\nA1,ft,q1,销售一组,senior\nA2,ft,q1,,\n",
                    encoding="utf-8")
    assert optional_agent_columns(path) == {"A1": ("销售一组", "senior"), "A2": ("", "")}
    path.write_text('agent_id,contract,skills,team\nA1,ft,q1,"=HYPERLINK(""x"")"\nA2,ft,q1,"a\nb"\nA3,ft,q1,-5\n',
                    encoding="utf-8")
    assert optional_agent_columns(path) == {"A1": ("'=HYPERLINK(\"x\")", ""), "A2": ("a\ufffdb", ""),
                                            "A3": ("-5", "")}
    (tmp_path / "plain.csv").write_text("agent_id,contract,skills\nA1,ft,q1\n", encoding="utf-8")
    assert optional_agent_columns(tmp_path / "plain.csv") == {}
