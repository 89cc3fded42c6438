"""Roster exports for agents and planners: one iCalendar file per agent and an XLSX workbook.

Both are built from the roster CSV's rows (``agent_id, date, activity, start, end``, local wall-clock times), so
every segment of roster.csv appears once in each export, unchanged. Both are deterministic: the same roster gives
the same bytes (no "now" timestamps; fixed zip dates in the workbook).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import pandas as pd
import xlsxwriter

from forecasting.untrusted import error_summary, regular_file
from scheduler.domain.roster import ROSTER_COLUMNS
from scheduler.errors import InputError

CALENDAR_FOLDER = "calendars"
PRODUCT_ID = "-//wfm-optimizer//roster export//EN"
UID_DOMAIN = "wfm-optimizer"
SUMMARIES = {"shift": "Shift", "break": "Break", "lunch": "Lunch"}
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
COVERAGE_SHEET = "coverage"
AGENTS_SHEET = "agents"  # each agent's level, for a centre with levels
# Calendar file names: an id made of these characters (starting with a letter or digit) is used as it is.
PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SLUG_CHARS_MAX = 48
HASH_HEX_CHARS = 10
# Names Windows reserves in every folder (with any extension), compared in upper case.
RESERVED_NAMES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                            *(f"LPT{i}" for i in range(10))})


@dataclass(frozen=True)
class Segment:
    """One roster row: an agent's shift, break, lunch or activity on ``day``, ``[start, end)`` local time."""

    agent_id: str
    day: date
    activity: str
    start: datetime
    end: datetime


def read_segments(roster_csv: Path) -> tuple[Segment, ...]:
    """The rows of a roster CSV, in file order; errors name the file and row (header = row 1)."""
    try:
        frame = pd.read_csv(regular_file(roster_csv, "roster file"), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{roster_csv.name}: {error_summary(exc)}") from None
    missing = [c for c in ROSTER_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{roster_csv.name}: missing column(s) {', '.join(missing)}")
    segments = []
    for row, (agent, day, activity, start, end) in enumerate(zip(*(frame[c] for c in ROSTER_COLUMNS), strict=True)):
        try:
            segments.append(Segment(agent, date.fromisoformat(day), activity, datetime.fromisoformat(start),
                                    datetime.fromisoformat(end)))
        except ValueError:
            raise InputError(f"{roster_csv.name} row {row + 2}: date, start or end is not ISO 8601") from None
    return tuple(segments)


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {timezone!r} for the calendar export") from None


def _text(value: str) -> icalendar.vText:
    """A TEXT value: line breaks are escaped by icalendar; other control characters, which RFC 5545 does
    not allow in a content line, become U+FFFD (ids with them are refused at load; this keeps the export
    total for any roster it is given)."""
    return icalendar.vText("".join("\ufffd" if unicodedata.category(c) == "Cc" and c != "\n" else c
                                   for c in value))


def agent_calendar(agent_id: str, segments: Sequence[Segment], timezone: str, stamp: datetime) -> bytes:
    """An iCalendar (RFC 5545) file of one agent's week: one VEVENT per roster segment, local times in
    ``timezone`` (with its VTIMEZONE). ``stamp`` (UTC) is the DTSTAMP of every event, fixed so output is stable."""
    zone = _zone(timezone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _text(f"Roster {agent_id}"))
    calendar.add("x-wr-timezone", timezone)
    for number, segment in enumerate(segments):
        event = icalendar.Event()
        event.add("uid", _text(f"{agent_id}-{segment.start:%Y%m%dT%H%M}-{segment.activity}-{number}@{UID_DOMAIN}"))
        event.add("dtstamp", stamp)
        event.add("dtstart", segment.start.replace(tzinfo=zone))
        event.add("dtend", segment.end.replace(tzinfo=zone))
        event.add("summary", _text(SUMMARIES.get(segment.activity,
                                                 segment.activity.replace("_", " ").capitalize())))
        event.add("categories", [_text(segment.activity)])
        event.add("x-wfm-agent", _text(agent_id))
        event.add("x-wfm-activity", _text(segment.activity))
        event.add("x-wfm-date", segment.day.isoformat())
        event.add("transp", "TRANSPARENT" if segment.activity in ("break", "lunch") else "OPAQUE")
        calendar.add_component(event)
    if segments:
        # VTIMEZONE covering only the roster's own year keeps each file small.
        first = min(s.day for s in segments)
        calendar.add_missing_timezones(first_date=date(first.year, 1, 1), last_date=date(first.year + 2, 1, 1))
    return calendar.to_ical()


def calendar_file_names(agent_ids: Iterable[str]) -> dict[str, str]:
    """A file name (``.ics``) per agent id: safe in any folder, unique, at most ~75 characters.

    An id of letters, digits, ``.``, ``_`` and ``-`` (starting with a letter or digit, at most 64
    characters, not a name Windows reserves such as ``CON``) is its own name: ``A01`` -> ``A01.ics``.
    Any other id, and ids that differ only in case (one file on a case-insensitive disk), become
    ``SLUG-HASH.ics``: the id's safe characters (``_`` for the rest, at most 48) and the first
    characters of the SHA-256 of the id, so ``../x`` -> ``x-<10 hex digits>.ics`` and nothing can leave the
    folder. The mapping depends only on the set of ids, so it is the same on every run.
    """
    ids = sorted(set(agent_ids))
    folded: dict[str, int] = defaultdict(int)
    for agent_id in ids:
        folded[agent_id.casefold()] += 1
    names: dict[str, str] = {}
    for agent_id in ids:
        plain = (PLAIN_NAME.match(agent_id) and agent_id.split(".")[0].upper() not in RESERVED_NAMES
                 and folded[agent_id.casefold()] == 1)
        if plain:
            names[agent_id] = f"{agent_id}.ics"
            continue
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", agent_id).strip("._-")[:SLUG_CHARS_MAX] or "agent"
        digest = hashlib.sha256(agent_id.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_HEX_CHARS]
        names[agent_id] = f"{slug}-{digest}.ics"
    return names


def write_calendars(segments: Sequence[Segment], agent_ids: Iterable[str], folder: Path, timezone: str,
                    week_start: date) -> list[Path]:
    """``folder/NAME.ics`` for every agent in ``agent_ids`` (an empty calendar for an agent with no shift),
    NAME from ``calendar_file_names``; every file is checked to land in ``folder`` itself."""
    folder.mkdir(parents=True, exist_ok=True)
    inside = folder.resolve()
    by_agent: dict[str, list[Segment]] = defaultdict(list)
    for segment in segments:
        by_agent[segment.agent_id].append(segment)
    stamp = datetime.combine(week_start, time(), tzinfo=ZoneInfo("UTC"))
    names = calendar_file_names(set(agent_ids) | set(by_agent))
    if len(set(n.casefold() for n in names.values())) != len(names):
        raise AssertionError("calendar file names collide")  # a 40-bit hash clash: not expected to happen
    written = []
    for agent_id, name in sorted(names.items()):
        path = folder / name
        if path.resolve().parent != inside:
            raise AssertionError(f"calendar file {name!r} would leave {folder}")
        path.write_bytes(agent_calendar(agent_id, by_agent[agent_id], timezone, stamp))
        written.append(path)
    return written


def day_sheet_name(day: date) -> str:
    return f"{day:%a} {day.isoformat()}"


def roster_workbook(segments: Sequence[Segment], coverage: pd.DataFrame, week_start: date,
                    levels: Mapping[str, str] | None = None) -> bytes:
    """An XLSX workbook: one sheet per day of the week (the roster rows of that date, as in roster.csv,
    times as Excel date-times) and a ``coverage`` sheet (coverage.csv's columns); with ``levels`` (agent id ->
    level, a centre with ``levels[]``) an ``agents`` sheet of each agent's level too."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    # A fixed creation date keeps the bytes identical between runs (xlsxwriter fixes the zip dates itself).
    book.set_properties({"title": f"Roster, week of {week_start.isoformat()}", "author": "wfm-optimizer",
                         "created": datetime.combine(week_start, time())})
    header = book.add_format({"bold": True, "bg_color": "#DDE3EA", "border": 1})
    stamp = book.add_format({"num_format": DATETIME_FORMAT})
    by_day: dict[date, list[Segment]] = defaultdict(list)
    for segment in segments:
        by_day[segment.day].append(segment)
    days = sorted(set(pd.date_range(week_start, periods=7).date) | set(by_day))
    for day in days:
        sheet = book.add_worksheet(day_sheet_name(day))
        sheet.write_row(0, 0, ROSTER_COLUMNS, header)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, 2, 11)
        sheet.set_column(3, 4, 17)
        for row, segment in enumerate(by_day.get(day, []), start=1):
            sheet.write_string(row, 0, segment.agent_id)
            sheet.write_string(row, 1, segment.day.isoformat())
            sheet.write_string(row, 2, segment.activity)
            sheet.write_datetime(row, 3, segment.start, stamp)
            sheet.write_datetime(row, 4, segment.end, stamp)
        if by_day.get(day):
            sheet.autofilter(0, 0, len(by_day[day]), len(ROSTER_COLUMNS) - 1)
    sheet = book.add_worksheet(COVERAGE_SHEET)
    columns = list(coverage.columns)
    sheet.write_row(0, 0, columns, header)
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 0, 17)
    for row, values in enumerate(coverage.itertuples(index=False), start=1):
        for col, value in enumerate(values):
            if isinstance(value, pd.Timestamp):
                sheet.write_datetime(row, col, value.to_pydatetime(), stamp)
            elif isinstance(value, str):
                sheet.write_string(row, col, value)
            else:
                sheet.write_number(row, col, float(value))
    if levels:
        sheet = book.add_worksheet(AGENTS_SHEET)
        sheet.write_row(0, 0, ("agent_id", "level"), header)
        for row, (agent_id, level) in enumerate(sorted(levels.items()), start=1):
            sheet.write_string(row, 0, agent_id)
            sheet.write_string(row, 1, level)
    book.close()
    return out.getvalue()


def write_exports(plan_dir: Path, agent_ids: Iterable[str], timezone: str, week_start: date,
                  levels: Mapping[str, str] | None = None) -> None:
    """Write ``calendars/AGENT.ics`` and ``roster.xlsx`` into ``plan_dir`` from its roster.csv and coverage.csv
    (the pipeline calls this on its staging folder, so the exports are moved in with everything else)."""
    segments = read_segments(plan_dir / "roster.csv")
    write_calendars(segments, agent_ids, plan_dir / CALENDAR_FOLDER, timezone, week_start)
    cover = pd.read_csv(plan_dir / "coverage.csv", parse_dates=["interval_start"])
    (plan_dir / "roster.xlsx").write_bytes(roster_workbook(segments, cover, week_start, levels))
