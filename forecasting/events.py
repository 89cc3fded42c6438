"""Events a forecast should know about: ``events:`` in ``plan.yaml`` or a YAML file for ``--events FILE``.

Each event is a mapping::

    - name: double_11            # required, unique; letters, digits, _ . - and spaces
      every_year: "11-11"        # recurring: this month-day in every year of the history and horizon
      dates: [2025-06-18]        # and/or one-off or irregular dates (Black Friday), YYYY-MM-DD
      before_days: 3             # open days before each date the event moves (default 0)
      after_days: 1              # open days after (default 0); window = before + the day + after <= 14
      multiplier: 1.8            # optional, > 0: the effect on its dates while the history has none

The effects are learned from the history's past occurrences (``forecasting.day_effects``); ``multiplier``
is the prior they are shrunk towards and the effect when there is no occurrence yet. Errors name the key
(``events[1].multiplier must be > 0, got -1``): an event without dates, a window longer than
``MAX_EVENT_WINDOW_DAYS`` days, a multiplier <= 0, and two events on one date with different multipliers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from forecasting.day_effects import MAX_EVENT_WINDOW_DAYS, Event
from forecasting.errors import InputError
from forecasting.untrusted import excerpt, regular_file

EVENT_KEYS = ("name", "every_year", "dates", "before_days", "after_days", "multiplier")
FIRST_YEAR, LAST_YEAR = 1990, 2100
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_NAME = re.compile(r"^[\w][\w .\-]{0,63}$")


def load_events(path: Path) -> tuple[Event, ...]:
    """Events of a YAML file whose top level is ``events:`` (a list, module docstring), for ``--events``."""
    path = regular_file(path, "events file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path}:{where} not valid YAML") from None
    if not isinstance(raw, dict) or set(raw) != {"events"}:
        raise InputError(f"{path}: expected one top-level key, events: (a list of events)")
    return parse_events(raw["events"], f"{path.name}: events")


def parse_events(raw: Any, where: str = "events") -> tuple[Event, ...]:
    """Validate the ``events`` list ``raw`` (parsed YAML); ``where`` names it in errors (``plan.yaml:
    events``). Returns the events in the order given; raises ``InputError`` naming the key."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError(f"{where} must be a list of events, got {type(raw).__name__}")
    events = [_event(item, f"{where}[{index}]") for index, item in enumerate(raw)]
    bare = where.rsplit(": ", 1)[-1]
    seen: dict[str, int] = {}
    for index, event in enumerate(events):
        if event.name in seen:
            raise InputError(f"{where}[{index}].name {event.name!r} is used twice (also {bare}[{seen[event.name]}])")
        seen[event.name] = index
    _check_multipliers(events, where, bare)
    return tuple(events)


def _event(item: Any, key: str) -> Event:
    if not isinstance(item, dict):
        raise InputError(f"{key} must be a mapping with name and dates or every_year, got {type(item).__name__}")
    unknown = sorted(str(name) for name in item if name not in EVENT_KEYS)
    if unknown:
        raise InputError(f"{key}: unknown key {unknown[0]!r}; allowed: {', '.join(EVENT_KEYS)}")
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        raise InputError(f"{key}.name must be a name (letters, digits, _ . - and spaces), got {excerpt(name)}")
    dates = set(_dates(item.get("dates"), f"{key}.dates"))
    every = item.get("every_year")
    if every is not None:
        month, day = _month_day(every, f"{key}.every_year")
        dates.update(_yearly(month, day))
    if not dates:
        raise InputError(f"{key} ({name}) has no dates: give dates: [YYYY-MM-DD, ...] or every_year: MM-DD")
    before = _days(item.get("before_days", 0), f"{key}.before_days")
    after = _days(item.get("after_days", 0), f"{key}.after_days")
    if before + 1 + after > MAX_EVENT_WINDOW_DAYS:
        raise InputError(
            f"{key}.after_days: the window (before_days + the day + after_days) must be at most "
            f"{MAX_EVENT_WINDOW_DAYS} days, got {before + 1 + after}"
        )
    multiplier = item.get("multiplier")
    if multiplier is not None:
        if isinstance(multiplier, bool) or not isinstance(multiplier, int | float) or not math.isfinite(multiplier) \
                or multiplier <= 0:
            raise InputError(f"{key}.multiplier must be a number > 0, got {excerpt(multiplier)}")
        multiplier = float(multiplier)
    return Event(name.strip(), tuple(sorted(dates)), before, after, multiplier)


def _dates(raw: Any, key: str) -> list[date]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raw = [raw]
    days: list[date] = []
    for index, value in enumerate(raw):
        if isinstance(value, date):
            days.append(value)
            continue
        try:
            days.append(date.fromisoformat(str(value).strip()))
        except ValueError:
            raise InputError(f"{key}[{index}] must be a date YYYY-MM-DD, got {excerpt(value)}") from None
    return days


def _month_day(raw: Any, key: str) -> tuple[int, int]:
    found = _MONTH_DAY.match(str(raw).strip())
    if found:
        month, day = int(found[1]), int(found[2])
        try:
            date(2024, month, day)  # a leap year: 02-29 is allowed (it falls in leap years only)
            return month, day
        except ValueError:
            pass
    raise InputError(f'{key} must be a month and day "MM-DD" like "11-11", got {excerpt(raw)}')


def _yearly(month: int, day: int) -> list[date]:
    found = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        try:
            found.append(date(year, month, day))
        except ValueError:
            continue  # 29 February in a common year
    return found


def _days(raw: Any, key: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise InputError(f"{key} must be a whole number of days >= 0, got {excerpt(raw)}")
    return raw


def _check_multipliers(events: Sequence[Event], where: str, bare: str) -> None:
    """Two events sharing a date must not fix different multipliers (which one would hold?)."""
    fixed: dict[date, tuple[int, Event]] = {}
    for index, event in enumerate(events):
        if event.multiplier is None:
            continue
        for day in event.dates:
            if day in fixed and fixed[day][1].multiplier != event.multiplier:
                other_index, other = fixed[day]
                raise InputError(
                    f"{where}[{index}].multiplier {event.multiplier:g} conflicts with {bare}[{other_index}] "
                    f"({other.name}, multiplier {other.multiplier:g}) on {day.isoformat()}: overlapping events "
                    "need one multiplier"
                )
            fixed.setdefault(day, (index, event))
