"""The roster as an agent x date grid, the shape WFM teams hand out and post on the wall.

Built from roster.csv's segments (``scheduler.io.exports.Segment``) and the plan's agents, so the XLSX ``roster``
sheet, ``roster_grid.csv`` and the report's Gantt tooltips all say the same thing about an agent-day:
its shift (``09:00-17:30``; a shift past midnight reads ``22:00-06:00``), the breaks and activities inside it,
and its paid minutes; a day without a shift is ``off``, or ``leave`` on a day of approved time off.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from forecasting.untrusted import id_problem, regular_file
from scheduler.domain.plan import PlanConfig, ShiftTemplate
from scheduler.errors import InputError

if TYPE_CHECKING:  # exports imports this module
    from scheduler.io.exports import Segment

GRID_FILE = "roster_grid.csv"
OFF, LEAVE = "off", "leave"
BREAK_KINDS = ("break", "lunch")
OPTIONAL_AGENT_COLUMNS = ("team", "level")  # read from the agents CSV when it has them


@dataclass(frozen=True)
class AgentProfile:
    """Who an agent is, as the grid and the report's filters show it; ``team`` and ``level`` are ``""`` when
    the agents CSV has no such column (or the cell is empty)."""

    agent_id: str
    contract_id: str
    skills: tuple[str, ...]
    team: str = ""
    level: str = ""
    time_off: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Piece:
    """A break, lunch or activity inside a shift: ``kind`` is the roster's activity name; minutes after the
    shift day's midnight (past 1440 for a piece after midnight)."""

    kind: str
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class AgentDay:
    """One shift of an agent on ``day`` (the roster's date column, the day the shift starts); minutes after that
    day's midnight, so a night shift's end is past 1440. ``paid_minutes``: the shift less its unpaid breaks."""

    agent_id: str
    day: date
    start_minute: int
    end_minute: int
    pieces: tuple[Piece, ...]
    paid_minutes: int

    @property
    def shift_text(self) -> str:
        """``09:00-17:30`` (wall-clock times; a shift past midnight reads ``22:00-06:00``)."""
        return f"{clock(self.start_minute)}-{clock(self.end_minute)}"

    @property
    def detail_text(self) -> str:
        """The breaks and activities in time order: ``break 11:00-11:15, lunch 12:30-13:00``; ``""`` for none."""
        return ", ".join(f"{p.kind} {clock(p.start_minute)}-{clock(p.end_minute)}" for p in self.pieces)


def clock(minute: int) -> str:
    """``HH:MM`` on a 24-hour clock of the minute after midnight (a minute of the next day wraps round)."""
    return f"{minute % 1440 // 60:02d}:{minute % 60:02d}"


def agent_profiles(config: PlanConfig) -> tuple[AgentProfile, ...]:
    """Every configured agent with its optional ``team`` and ``level``: an agent's own ``level`` attribute when
    the domain has one, else the agents CSV's ``level`` column; ``team`` from the CSV's ``team`` column."""
    extra = optional_agent_columns(config.agents_path)
    profiles = []
    for agent in config.agents:
        team, level = extra.get(agent.agent_id, ("", ""))
        own_level = getattr(agent, "level", None)  # levels are an optional part of the agent model
        profiles.append(AgentProfile(agent.agent_id, agent.contract_id, tuple(agent.skills), team,
                                     shown_text(str(own_level)) if own_level else level, agent.time_off))
    return tuple(profiles)


def shown_text(text: str) -> str:
    """A free-text cell (team, level) as the outputs may hold it: control characters and line separators become
    U+FFFD, and a text a spreadsheet would run as a formula (leading ``=``, ``@``, or ``+``/``-`` but not a
    number) gets a leading apostrophe, so it reads as text."""
    text = "".join("\ufffd" if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text.strip())
    return "'" + text if id_problem(text) else text


def optional_agent_columns(path: Path) -> dict[str, tuple[str, str]]:
    """``agent_id -> (team, level)`` from the agents CSV's optional columns (``shown_text``); empty when the file
    has neither or cannot be read (the plan already loaded it, so this is only extra detail for the outputs)."""
    try:
        with regular_file(path, "agents file").open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            if not any(c in header for c in OPTIONAL_AGENT_COLUMNS):
                return {}
            reader.fieldnames = header
            found = {}
            for row in reader:
                cells = {k: v.strip() if isinstance(v, str) else "" for k, v in row.items() if isinstance(k, str)}
                if cells.get("agent_id"):
                    found[cells["agent_id"]] = (shown_text(cells.get("team", "")), shown_text(cells.get("level", "")))
            return found
    except (OSError, UnicodeDecodeError, csv.Error, InputError):
        return {}


def _unpaid_minutes(templates: Sequence[ShiftTemplate], length_minutes: int, breaks: Sequence[Piece]) -> int:
    """Unpaid break minutes of a shift: those of the template with this length and these breaks (kind and
    minutes, in order); without one, each break counts as unpaid when some template's break of that kind and
    length is unpaid. roster.csv does not name the template, so it is recovered like this."""
    shape = [(p.kind, p.end_minute - p.start_minute) for p in breaks]
    for template in templates:
        if template.length_minutes == length_minutes and [(b.kind, b.minutes) for b in template.breaks] == shape:
            return template.length_minutes - template.paid_minutes
    unpaid = {(b.kind, b.minutes) for t in templates for b in t.breaks if not b.paid}
    return sum(minutes for kind, minutes in shape if (kind, minutes) in unpaid)


def agent_days(segments: Iterable[Segment], templates: Sequence[ShiftTemplate] = ()) -> dict[
        tuple[str, date], tuple[AgentDay, ...]]:
    """``(agent_id, date) -> shifts`` (usually one) from roster segments; a break or activity belongs to the
    shift of its day that contains its start."""
    by_key: dict[tuple[str, date], list[Segment]] = defaultdict(list)
    for segment in segments:
        by_key[segment.agent_id, segment.day].append(segment)
    days: dict[tuple[str, date], tuple[AgentDay, ...]] = {}
    for (agent_id, day), rows in by_key.items():
        midnight = datetime.combine(day, datetime.min.time())

        def minute(moment: datetime, midnight: datetime = midnight) -> int:
            return int((moment - midnight) / timedelta(minutes=1))

        shifts = sorted((minute(s.start), minute(s.end)) for s in rows if s.activity == "shift")
        pieces = sorted((minute(s.start), minute(s.end), s.activity) for s in rows if s.activity != "shift")
        built = []
        for start, end in shifts:
            inside = tuple(Piece(kind, a, b) for a, b, kind in pieces if start <= a < end)
            unpaid = _unpaid_minutes(templates, end - start, [p for p in inside if p.kind in BREAK_KINDS])
            built.append(AgentDay(agent_id, day, start, end, inside, end - start - unpaid))
        if built:
            days[agent_id, day] = tuple(built)
    return days


def cell_text(shifts: Sequence[AgentDay], on_leave: bool) -> str:
    """The grid cell of an agent-day: ``09:00-17:30`` (two shifts: ``06:00-10:00 / 18:00-22:00``), ``leave``
    on approved time off without a shift, else ``off``."""
    if shifts:
        return " / ".join(s.shift_text for s in shifts)
    return LEAVE if on_leave else OFF


def note_text(shifts: Sequence[AgentDay]) -> str:
    """What a cell's note holds: the breaks and activities, and the paid hours."""
    lines = [s.detail_text for s in shifts if s.detail_text]
    paid = sum(s.paid_minutes for s in shifts)
    return "\n".join([*lines, f"paid {paid / 60:g} h"]) if shifts else ""


def week_days(week_start: date, extra: Iterable[date] = ()) -> list[date]:
    """The week's seven dates, and any other date the roster holds (sorted)."""
    return sorted({week_start + timedelta(days=d) for d in range(7)} | set(extra))


def grid_columns(profiles: Sequence[AgentProfile]) -> list[str]:
    """The agent columns in front of the dates: id, team (if any), contract, level (if any), skills."""
    columns = ["agent_id"]
    if any(p.team for p in profiles):
        columns.append("team")
    columns.append("contract")
    if any(p.level for p in profiles):
        columns.append("level")
    columns.append("skills")
    return columns


def profile_cells(profile: AgentProfile, columns: Sequence[str]) -> list[str]:
    values = {"agent_id": profile.agent_id, "team": profile.team, "contract": profile.contract_id,
              "level": profile.level, "skills": ";".join(profile.skills)}
    return [values[c] for c in columns]


def with_roster_agents(profiles: Sequence[AgentProfile], agent_ids: Iterable[str]) -> tuple[AgentProfile, ...]:
    """``profiles`` plus a bare profile (contract ``?``) for any roster agent the config does not know, by id."""
    known = {p.agent_id: p for p in profiles}
    for agent_id in agent_ids:
        known.setdefault(agent_id, AgentProfile(agent_id, "?", ()))
    return tuple(known[k] for k in sorted(known))


def roster_grid_csv(profiles: Sequence[AgentProfile], days: Mapping[tuple[str, date], Sequence[AgentDay]],
                    dates: Sequence[date]) -> str:
    """``roster_grid.csv``: one row per agent (``grid_columns``), one column per date (``YYYY-MM-DD``) holding
    ``cell_text``, then ``paid_hours`` for the week."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = grid_columns(profiles)
    writer.writerow([*columns, *(d.isoformat() for d in dates), "paid_hours"])
    for profile in profiles:
        shifts = [days.get((profile.agent_id, d), ()) for d in dates]
        paid = sum(s.paid_minutes for day in shifts for s in day)
        writer.writerow([*profile_cells(profile, columns),
                         *(cell_text(s, d in profile.time_off) for s, d in zip(shifts, dates, strict=True)),
                         f"{paid / 60:g}"])
    return out.getvalue()
