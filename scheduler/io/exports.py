"""Roster exports for agents and planners: one iCalendar file per agent, an XLSX workbook and the agent x date
grid as CSV (``roster_grid.csv``, ``scheduler.io.roster_grid``).

All are built from the roster CSV's rows (``agent_id, date, activity, start, end``, local wall-clock times), so
every segment of roster.csv appears once in each export, unchanged. Both are deterministic: the same roster gives
the same bytes (no "now" timestamps; fixed zip dates in the workbook).
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import pandas as pd
import xlsxwriter

from forecasting.untrusted import error_summary, regular_file
from scheduler.domain.plan import PlanConfig, ShiftTemplate
from scheduler.domain.roster import ROSTER_COLUMNS
from scheduler.errors import InputError
from scheduler.io.daily_totals import CENTRE, DAILY_COLUMNS, DailyTotal, daily_totals
from scheduler.io.roster_grid import (
    GRID_FILE,
    LEAVE,
    AgentDay,
    AgentProfile,
    agent_days,
    agent_profiles,
    cell_text,
    grid_columns,
    note_text,
    profile_cells,
    roster_grid_csv,
    week_days,
    with_roster_agents,
)

CALENDAR_FOLDER = "calendars"
PRODUCT_ID = "-//wfm-optimizer//roster export//EN"
UID_DOMAIN = "wfm-optimizer"
SUMMARIES = {"shift": "Shift", "break": "Break", "lunch": "Lunch"}
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
COVERAGE_SHEET = "coverage"
ROSTER_SHEET, DAILY_SHEET = "roster", "daily"
WEEKEND_FILL, OFF_FILL, LEAVE_FILL, HEADER_FILL = "#EEF2F6", "#F5F5F5", "#FFF4D6", "#DDE3EA"
OFF_FONT = "#7B8794"
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


def _clean(value: str) -> str:
    """Control characters other than a line break, which RFC 5545 does not allow in a content line, become
    U+FFFD (ids with them are refused at load; this keeps the export total for any roster it is given)."""
    return "".join("\ufffd" if unicodedata.category(c) == "Cc" and c != "\n" else c for c in value)


def _escape(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11) escaped as icalendar 7's ``vText.to_ical`` does, in the same order: a
    written ``\\N`` is read as a line break first, then backslash, ``;``, ``,`` and line breaks are escaped."""
    return (_clean(value).replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """A content line folded as icalendar 7 folds it: a CRLF and a space before the character that would
    take the line to 75 octets, and never right after a backslash or ``^`` (an escape is not split)."""
    if len(line) < 75 and line.isascii():
        return line
    parts: list[str] = []
    current: list[str] = []
    count = 0
    for char in line:
        size = len(char.encode("utf-8"))
        if current and count + size >= 75:
            carried = current.pop() if len(current) > 1 and current[-1] in "\\^" else ""
            parts.append("".join(current))
            current = [carried] if carried else []
            count = len(carried)
        current.append(char)
        count += size
    if current:
        parts.append("".join(current))
    return "\r\n ".join(parts)


def _date_time(value: datetime) -> str:
    """A DATE-TIME's digits as icalendar writes them (``20260330T080000``; the zone is said around them)."""
    return (f"{value.year:04}{value.month:02}{value.day:02}"
            f"T{value.hour:02}{value.minute:02}{value.second:02}")


@functools.lru_cache(maxsize=8)
def _time_format(timezone: str) -> tuple[str, str]:
    """The parameters and the suffix of a DTSTART local to ``timezone`` (``;TZID=Europe/Dublin`` and ``""``;
    ``""`` and ``Z`` for UTC), read from the content line icalendar itself writes for one."""
    event = icalendar.Event()
    sample = datetime(2000, 1, 1, 12, tzinfo=_zone(timezone))
    event.add("dtstart", sample)
    line = event.content_line("DTSTART", event["DTSTART"]).removeprefix("DTSTART")
    params, value = line.rsplit(":", 1)
    stamp = _date_time(sample)
    if not value.startswith(stamp):
        raise AssertionError(f"unexpected DTSTART form {line!r}")
    return params, value.removeprefix(stamp)


def agent_calendar(agent_id: str, segments: Sequence[Segment], timezone: str, stamp: datetime) -> bytes:
    """An iCalendar (RFC 5545) file of one agent's week: one VEVENT per roster segment, local times in
    ``timezone`` (with its VTIMEZONE). ``stamp`` (UTC) is the DTSTAMP of every event, fixed so output is stable.

    The lines are written here, byte for byte as icalendar 7's ``Calendar.to_ical`` writes the same calendar
    (its property order, TEXT escaping and folding; the VTIMEZONE is icalendar's own, made once per export):
    its serializer was the largest single cost of a 4-week plan's outputs (tests/test_exports.py compares
    both writers' bytes)."""
    params, suffix = _time_format(timezone)
    stamp_params, stamp_suffix = _time_format(str(stamp.tzinfo))
    agent = _escape(agent_id)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_escape(PRODUCT_ID)}",
             f"X-WR-CALNAME:{_escape(f'Roster {agent_id}')}", f"X-WR-TIMEZONE:{_escape(timezone)}"]
    dtstamp = f"DTSTAMP{stamp_params}:{_date_time(stamp)}{stamp_suffix}"
    for number, segment in enumerate(segments):
        activity = _escape(segment.activity)
        summary = SUMMARIES.get(segment.activity, segment.activity.replace("_", " ").capitalize())
        uid = _escape(f"{agent_id}-{segment.start:%Y%m%dT%H%M}-{segment.activity}-{number}@{UID_DOMAIN}")
        lines += ["BEGIN:VEVENT", f"SUMMARY:{_escape(summary)}",
                  f"DTSTART{params}:{_date_time(segment.start)}{suffix}",
                  f"DTEND{params}:{_date_time(segment.end)}{suffix}", dtstamp, f"UID:{uid}",
                  f"CATEGORIES:{activity}",
                  f"TRANSP:{'TRANSPARENT' if segment.activity in ('break', 'lunch') else 'OPAQUE'}",
                  f"X-WFM-ACTIVITY:{activity}", f"X-WFM-AGENT:{agent}",
                  f"X-WFM-DATE:{segment.day.isoformat()}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    folded = [_fold(line) for line in lines]
    if segments and (zones := _timezone_lines(timezone, min(s.day for s in segments).year)):
        folded.insert(5, zones)  # a VTIMEZONE covering only the roster's own year keeps each file small
    return "".join(line + "\r\n" for line in folded).encode("utf-8")


@functools.lru_cache(maxsize=8)
def _timezone_lines(timezone: str, year: int) -> str:
    """The VTIMEZONE components of ``_timezones`` as icalendar writes them (lines already folded, joined by CRLF,
    without the last one)."""
    return b"".join(c.to_ical() for c in _timezones(timezone, year)).decode("utf-8").removesuffix("\r\n")


@functools.lru_cache(maxsize=8)
def _timezones(timezone: str, year: int) -> tuple[icalendar.Timezone, ...]:
    """The VTIMEZONE components an agent's calendar of ``year`` in ``timezone`` needs (none for UTC), as
    ``add_missing_timezones`` makes them: computed once per export, not once per agent (a tenth of the
    calendars' time)."""
    calendar = icalendar.Calendar()
    event = icalendar.Event()
    event.add("dtstart", datetime(year, 1, 2, tzinfo=_zone(timezone)))
    calendar.add_component(event)
    calendar.add_missing_timezones(first_date=date(year, 1, 1), last_date=date(year + 2, 1, 1))
    return tuple(calendar.timezones)


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


def _roster_sheet(book: xlsxwriter.Workbook, profiles: Sequence[AgentProfile],
                  days: dict[tuple[str, date], tuple[AgentDay, ...]], dates: Sequence[date]) -> None:
    """The ``roster`` sheet: one row per agent (``grid_columns``), one column per date; a cell holds the shift
    (``09:00-17:30``) with its breaks, activities and paid hours in a note, or ``off`` / ``leave``; weekend
    columns shaded; the week's paid hours last."""
    sheet = book.add_worksheet(ROSTER_SHEET)
    columns = grid_columns(profiles)
    header = book.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1})
    weekend_header = book.add_format({"bold": True, "bg_color": WEEKEND_FILL, "border": 1})
    formats = {(weekend, kind): book.add_format({
        "bg_color": (LEAVE_FILL if kind == "leave" else OFF_FILL if kind == "off" else
                     WEEKEND_FILL if weekend else "#FFFFFF"),
        "font_color": OFF_FONT if kind != "shift" else "#1F2933", "italic": kind != "shift",
        "align": "center", "border": 1, "border_color": "#D9E2EC"})
        for weekend in (False, True) for kind in ("shift", "off", "leave")}
    hours = book.add_format({"num_format": "0.00"})
    sheet.write_row(0, 0, columns, header)
    for col, day in enumerate(dates, start=len(columns)):
        sheet.write_string(0, col, f"{day:%a} {day.isoformat()}", weekend_header if day.weekday() >= 5 else header)
    sheet.write_string(0, len(columns) + len(dates), "paid hours", header)
    sheet.set_column(0, len(columns) - 1, 14)
    sheet.set_column(len(columns), len(columns) + len(dates) - 1, 15)
    sheet.set_column(len(columns) + len(dates), len(columns) + len(dates), 10)
    sheet.freeze_panes(1, len(columns))
    for row, profile in enumerate(profiles, start=1):
        for col, value in enumerate(profile_cells(profile, columns)):
            sheet.write_string(row, col, value)
        paid = 0
        for col, day in enumerate(dates, start=len(columns)):
            shifts = days.get((profile.agent_id, day), ())
            text = cell_text(shifts, day in profile.time_off)
            kind = "shift" if shifts else ("leave" if text == LEAVE else "off")
            sheet.write_string(row, col, text, formats[day.weekday() >= 5, kind])
            if shifts:
                sheet.write_comment(row, col, note_text(shifts), {"x_scale": 1.6, "y_scale": 0.8})
            paid += sum(s.paid_minutes for s in shifts)
        sheet.write_number(row, len(columns) + len(dates), paid / 60, hours)
    if profiles:
        sheet.autofilter(0, 0, len(profiles), len(columns) + len(dates))


def _daily_sheet(book: xlsxwriter.Workbook, daily: Sequence[DailyTotal]) -> None:
    """The ``daily`` sheet: ``DAILY_COLUMNS``, one row per day and queue, then the day's centre row."""
    sheet = book.add_worksheet(DAILY_SHEET)
    header = book.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1})
    number = book.add_format({"num_format": "#,##0.00"})
    percent = book.add_format({"num_format": "0.0%"})
    centre = book.add_format({"bold": True, "num_format": "#,##0.00"})
    sheet.write_row(0, 0, DAILY_COLUMNS, header)
    sheet.freeze_panes(1, 2)
    sheet.set_column(0, 1, 12)
    sheet.set_column(2, len(DAILY_COLUMNS) - 1, 14)
    for row, total in enumerate(daily, start=1):
        values = total.row()
        sheet.write_string(row, 0, str(values[0]))
        sheet.write_string(row, 1, str(values[1]))
        for col, value in enumerate(values[2:], start=2):
            if isinstance(value, float | int):
                fmt = percent if DAILY_COLUMNS[col] == "service_level" else (
                    centre if total.queue == CENTRE else number)
                sheet.write_number(row, col, round(float(value), 4), fmt)


def roster_workbook(segments: Sequence[Segment], coverage: pd.DataFrame, week_start: date, *,
                    profiles: Sequence[AgentProfile] = (), templates: Sequence[ShiftTemplate] = (),
                    daily: Sequence[DailyTotal] = (), horizon_days: int = 7) -> bytes:
    """An XLSX workbook: the ``roster`` grid (one row per agent of ``profiles`` and any other agent of the
    roster, one column per date, ``_roster_sheet``); one sheet per day of the week (the roster rows of that date,
    as in roster.csv, times as Excel date-times); a ``coverage`` sheet (coverage.csv's columns); and, when
    ``daily`` is given, a ``daily`` sheet of the daily totals. ``templates`` tell unpaid breaks apart."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    # A fixed creation date keeps the bytes identical between runs (xlsxwriter fixes the zip dates itself).
    book.set_properties({"title": f"Roster, week of {week_start.isoformat()}", "author": "wfm-optimizer",
                         "created": datetime.combine(week_start, time())})
    header = book.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1})
    stamp = book.add_format({"num_format": DATETIME_FORMAT})
    by_day: dict[date, list[Segment]] = defaultdict(list)
    for segment in segments:
        by_day[segment.day].append(segment)
    days = week_days(week_start, [*by_day, *_horizon(week_start, horizon_days)])
    _roster_sheet(book, with_roster_agents(profiles, (s.agent_id for s in segments)),
                  agent_days(segments, templates), days)
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
    if daily:
        _daily_sheet(book, daily)
    book.close()
    return out.getvalue()


def _horizon(week_start: date, days: int) -> list[date]:
    """Every day of a plan of ``days`` days (a week, or a horizon of weeks)."""
    return [week_start + timedelta(days=d) for d in range(days)]


def write_exports(plan_dir: Path, agent_ids: Iterable[str], timezone: str, week_start: date, *,
                  plan_config: PlanConfig | None = None, days: int = 7) -> None:
    """Write ``calendars/AGENT.ics``, ``roster.xlsx`` and ``roster_grid.csv`` into ``plan_dir`` from its
    roster.csv, coverage.csv and forecast.csv (the pipeline calls this on its staging folder, so the exports are
    moved in with everything else). ``plan_config`` adds the agents' contract, skills, team and level to the
    grid, paid hours by the plan's templates and the ``daily`` sheet; without it the grid has the ids only."""
    agent_ids = list(agent_ids)
    segments = read_segments(plan_dir / "roster.csv")
    write_calendars(segments, agent_ids, plan_dir / CALENDAR_FOLDER, timezone, week_start)
    cover = pd.read_csv(plan_dir / "coverage.csv", parse_dates=["interval_start"])
    profiles: Sequence[AgentProfile] = [AgentProfile(a, "?", ()) for a in agent_ids]
    templates: Sequence[ShiftTemplate] = ()
    daily: Sequence[DailyTotal] = ()
    if plan_config is not None:
        profiles, templates = agent_profiles(plan_config), plan_config.templates
        forecast_path = plan_dir / "forecast.csv"
        forecast = (pd.read_csv(forecast_path, parse_dates=["interval_start"], dtype={"queue": str})
                    if forecast_path.is_file() else pd.DataFrame(columns=["interval_start", "queue", "contacts"]))
        paid: dict[date, int] = defaultdict(int)
        for (_agent, day), shifts in agent_days(segments, templates).items():
            paid[day] += sum(s.paid_minutes for s in shifts)
        daily = daily_totals(cover, forecast, [q.queue_id for q in plan_config.queues], week_start,
                             plan_config.interval_minutes, paid, days=days)
    (plan_dir / "roster.xlsx").write_bytes(roster_workbook(segments, cover, week_start, profiles=profiles,
                                                           templates=templates, daily=daily, horizon_days=days))
    dates = week_days(week_start, [*(s.day for s in segments), *_horizon(week_start, days)])
    grid = roster_grid_csv(with_roster_agents(profiles, (s.agent_id for s in segments)),
                           agent_days(segments, templates), dates)
    (plan_dir / GRID_FILE).write_text(grid, encoding="utf-8", newline="")
