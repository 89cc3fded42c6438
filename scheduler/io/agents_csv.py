"""Read the agents CSV into ``Agent`` objects.

Columns: ``agent_id, contract, skills, availability, time_off``.
- ``skills``: queue ids separated by ``;`` (at least one), each optionally with a proficiency, ``sales:0.8``
  (greater than 0, at most 5; without one: the level's default proficiency, else 1).
- ``level`` (optional): one of the config's ``levels[]`` ids.
- ``availability``: empty = any time every day; otherwise ``;``-separated entries ``DAYS HH:MM-HH:MM`` where
  DAYS is a weekday (``mon``) or a range (``mon-fri``); weekdays not named are days the agent cannot work.
  A shift must lie wholly inside its day's window.
- ``time_off``: approved whole days off, ISO dates separated by ``;``.
- ``preferences`` (optional): soft requests separated by ``;``, each ``KIND TARGET [xWEIGHT]``:
  ``off fri`` (rather not work Fridays), ``on 2026-04-04 x3`` (rather work that date, weight 3),
  ``start 08:00-10:00`` (rather start between 08:00 and 10:00, every day worked) or ``start mon 08:00-10:00``.

The file may start with a byte-order mark (Excel's "CSV UTF-8"). Blank lines, and lines of empty cells, are
skipped; row numbers in errors are the file's line numbers (header = row 1).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection
from datetime import date
from pathlib import Path

from forecasting.untrusted import (
    MAX_EXCERPT_CHARS,
    UTF8_HINT,
    excerpt,
    id_problem,
    regular_file,
    separator_hint,
    utf16_hint,
)
from scheduler.domain.clock import parse_window
from scheduler.domain.plan import WEEKDAYS, Agent, Preference, TimeWindow
from scheduler.errors import InputError

AGENT_COLUMNS = ("agent_id", "contract", "skills", "availability", "time_off", "preferences", "level")
MAX_PROFICIENCY = 5.0


def parse_skills(text: str, default_proficiency: float = 1.0,
                 queue_ids: Collection[str] = ()) -> tuple[tuple[str, float], ...]:
    """``"sales:0.8; service"`` -> ``(("sales", 0.8), ("service", default_proficiency))``. An entry that is one
    of ``queue_ids`` as it stands is a plain skill (a queue id may hold a colon). Raises ValueError naming the
    bad entry."""
    skills = []
    for entry in (e.strip() for e in text.split(";")):
        if not entry:
            continue
        queue_id, colon, value = (part.strip() for part in entry.rpartition(":"))
        if not colon or entry in queue_ids:
            queue_id, colon = entry, ""
        proficiency = default_proficiency
        if colon:
            try:
                proficiency = float(value)
            except ValueError:
                raise ValueError(f"{excerpt(entry)} is not 'QUEUE' or 'QUEUE:PROFICIENCY'") from None
            if not 0 < proficiency <= MAX_PROFICIENCY:
                raise ValueError(f"proficiency in {excerpt(entry)} must be > 0 and <= {MAX_PROFICIENCY:g}")
        if not queue_id:
            raise ValueError(f"{excerpt(entry)} names no queue")
        skills.append((queue_id, proficiency))
    return tuple(skills)


def parse_preferences(text: str) -> tuple[Preference, ...]:
    """``"off fri; start 08:00-10:00 x2"`` -> preferences. Raises ValueError naming the bad entry."""
    preferences = []
    for entry in (e.strip() for e in text.split(";")):
        if not entry:
            continue
        words = entry.split()
        weight = 1
        if len(words) > 1 and words[-1].lower().startswith("x"):
            try:
                weight = int(words[-1][1:])
            except ValueError:
                raise ValueError(f"weight {excerpt(words[-1])} in {excerpt(entry)} is not xN") from None
            if weight < 1:
                raise ValueError(f"weight in {excerpt(entry)} must be at least x1")
            words = words[:-1]
        kind = words[0].lower() if words else ""
        weekday, day, window = None, None, None
        targets = words[1:]
        if kind == "start" and targets:
            window = parse_window(targets[-1])
            if window is None:
                raise ValueError(f"no time window in {excerpt(entry)}")
            targets = targets[:-1]
        if kind not in ("off", "on", "start") or len(targets) > 1 or (kind != "start" and len(targets) != 1):
            raise ValueError(f"{excerpt(entry)} is not 'off DAY', 'on DAY' or 'start [DAY] HH:MM-HH:MM'")
        if targets:
            target = targets[0].lower()
            if target[:3] in WEEKDAYS and not target[:1].isdigit():
                if target not in WEEKDAYS and target not in _FULL_WEEKDAYS:
                    raise ValueError(f"unknown weekday {excerpt(targets[0])} in {excerpt(entry)}")
                weekday = WEEKDAYS.index(target[:3])
            else:
                try:
                    day = date.fromisoformat(target)
                except ValueError:
                    raise ValueError(
                        f"{excerpt(targets[0])} in {excerpt(entry)} is neither a weekday nor YYYY-MM-DD"
                    ) from None
        preferences.append(Preference(kind, weekday, day, window, weight))
    return tuple(preferences)


_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ISO_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_availability(text: str) -> tuple[TimeWindow | None, ...]:
    """``"mon-fri 08:00-18:00; sat 09:00-13:00"`` -> a window per weekday. Raises ValueError."""
    text = text.strip()
    if not text:
        return tuple(TimeWindow(0, 24 * 60) for _ in WEEKDAYS)
    windows: list[TimeWindow | None] = [None] * 7
    for entry in text.split(";"):
        days_text, _, window_text = entry.strip().partition(" ")
        first, _, last = days_text.lower().partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValueError(f"unknown weekday in {excerpt(entry.strip())}")
        lo = WEEKDAYS.index(first)
        hi = WEEKDAYS.index(last) if last else lo
        if hi < lo:
            raise ValueError(f"weekday range runs backwards in {excerpt(entry.strip())}")
        window = parse_window(window_text)
        if window is None:
            raise ValueError(f"no time window in {excerpt(entry.strip())}")
        for day in range(lo, hi + 1):
            if windows[day] is not None:
                raise ValueError(f"{WEEKDAYS[day]} given twice")
            windows[day] = window
    return tuple(windows)


def load_agents(path: Path, queue_ids: set[str], contract_ids: set[str],
                levels: dict[str, float] | None = None) -> tuple[Agent, ...]:
    """Read and check the agents file; errors name the file, row (header = row 1) and column. ``levels``: the
    config's level ids with their default proficiency."""
    levels = levels or {}
    regular_file(path, "agents file")
    numbered: list[tuple[int, dict[str | None, str | list[str] | None]]] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            reader.fieldnames = header
            if hint := utf16_hint(header):
                raise InputError(f"{path.name}: not UTF-8 text{hint}")
            twice = next((name for i, name in enumerate(header) if name and name in header[:i]), None)
            if twice is not None:  # a dict reader keeps the last of the two silently
                raise InputError(f"{path.name} row 1: column {excerpt(twice)} appears more than once")
            missing = [c for c in AGENT_COLUMNS[:3] if c not in header]
            if missing:
                raise InputError(f"{path.name}: missing column(s) {', '.join(missing)}"
                                 f"{separator_hint(header, AGENT_COLUMNS[:3])}")
            for row in reader:
                cells = [v for k, v in row.items() if k is not None and v is not None]
                if None not in row and not any(v.strip() for v in cells):
                    continue
                numbered.append((reader.line_num, row))
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: not UTF-8 text{UTF8_HINT}") from None
    except csv.Error as exc:
        raise InputError(f"{path.name}: malformed CSV ({exc})") from None
    if not numbered:
        raise InputError(f"{path.name}: no agents")
    agents: list[Agent] = []
    seen: set[str] = set()
    for number, fields in numbered:
        where = f"{path.name} row {number}"
        if None in fields:
            raise InputError(f"{where}: more fields than the header has")
        # Without surplus fields every key is a header name and every value a cell (None where the row is short).
        row = {name: cell for name, cell in fields.items() if isinstance(name, str) and isinstance(cell, str)}
        agent_id = (row.get("agent_id") or "").strip()
        if not agent_id:
            raise InputError(f"{where}: agent_id is empty")
        problem = id_problem(agent_id)
        if problem:
            raise InputError(f"{where}: agent_id {excerpt(agent_id)} {problem}")
        if agent_id in seen:
            raise InputError(f"{where}: agent_id {excerpt(agent_id)} appears twice")
        shown = agent_id if len(agent_id) <= MAX_EXCERPT_CHARS else excerpt(agent_id)
        seen.add(agent_id)
        contract = (row.get("contract") or "").strip()
        if contract not in contract_ids:
            raise InputError(f"{where}: agent {shown} has unknown contract {excerpt(contract)}")
        level = (row.get("level") or "").strip() or None
        if level is not None and level not in levels:
            known = ", ".join(levels) if levels else "none: the config has no levels[]"
            raise InputError(f"{where}: agent {shown} has unknown level {excerpt(level)} (known: {known})")
        try:
            graded = parse_skills(row.get("skills") or "", levels.get(level or "", 1.0), queue_ids)
        except ValueError as exc:
            raise InputError(f"{where}: agent {shown} skills {exc}") from None
        if len({q for q, _ in graded}) < len(set(graded)):
            raise InputError(f"{where}: agent {shown} gives one skill two proficiencies")
        graded = tuple(sorted(set(graded)))
        skills = tuple(q for q, _ in graded)
        if not skills:
            raise InputError(f"{where}: agent {shown} has no skills (is skilled for no queue)")
        for skill in skills:
            if skill not in queue_ids:
                raise InputError(f"{where}: agent {shown} has unknown skill {excerpt(skill)}{_known(skill, queue_ids)}")
        try:
            availability = parse_availability(row.get("availability") or "")
        except ValueError as exc:
            raise InputError(f"{where}: availability {excerpt(row.get('availability'))} is malformed ({exc})") from None
        time_off: set[date] = set()
        for text in (row.get("time_off") or "").split(";"):
            if text.strip():
                try:
                    if not ISO_DATE_PATTERN.match(text.strip()):
                        raise ValueError(text)
                    time_off.add(date.fromisoformat(text.strip()))
                except ValueError:
                    raise InputError(f"{where}: time_off date {excerpt(text.strip())} is not YYYY-MM-DD") from None
        try:
            preferences = parse_preferences(row.get("preferences") or "")
        except ValueError as exc:
            raise InputError(f"{where}: preferences {exc}") from None
        proficiencies = tuple(p for _, p in graded)
        agents.append(Agent(agent_id, contract, skills, availability, frozenset(time_off), preferences, level,
                            () if all(p == 1.0 for p in proficiencies) else proficiencies))
    return tuple(agents)


def _known(skill: str, queue_ids: set[str]) -> str:
    """What an unknown skill could have meant: the queue it matches but for case and spaces (an HR export's
    ``SALES``), else the queues there are."""
    alike = [q for q in sorted(queue_ids) if q.casefold().replace(" ", "") == skill.casefold().replace(" ", "")]
    if alike:
        return f" (the queue is {excerpt(alike[0])}: skills must match the queue ids exactly)"
    shown = ", ".join(excerpt(q) for q in sorted(queue_ids)[:10]) + (", ..." if len(queue_ids) > 10 else "")
    return f" (the queues are {shown})"
