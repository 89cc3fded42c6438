"""Holidays and special days.

*Holidays* come from the ``holidays`` package by country code (``US``, ``GB``, ``IE``, ``CN``, ``IL``...;
for ``CN`` that includes Spring Festival and the National Day Golden Week). The forecasters leave past
holidays out of their estimates and forecast future ones by the rule of ``forecasting.smoothed`` (step 7):
the ordinary day scaled by the queue's median past holiday ratio, closed when that is below 5% or when
the history holds no holiday. That rule belongs to ``SmoothedProfileForecaster`` (the default model):
``weekly_profile`` only leaves holidays out of fitting and forecasts them as ordinary days, and
``seasonal_naive`` ignores them; use special days to close or scale days for those models.

*Special days* are the planner's own list, a CSV file with the header ``date,effect``: ``date`` is
``YYYY-MM-DD``; ``effect`` is ``closed`` (no contacts, no rows) or a multiplier >= 0 (``0.6``) applied
to the forecast of an ordinary day. A special day overrides the holiday rule for that date.
"""

from __future__ import annotations

import csv
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from forecasting.errors import InputError
from forecasting.untrusted import excerpt, regular_file

CLOSED = 0.0


def country_holidays(code: str, first: date, last: date) -> list[date]:
    """Public holidays of country ``code`` from ``first`` to ``last`` (inclusive), sorted.

    Raises ``InputError`` for a code the ``holidays`` package does not know.
    """
    import holidays

    try:
        calendar = holidays.country_holidays(code.upper(), years=range(first.year, last.year + 1))
    except NotImplementedError:
        raise InputError(
            f"unknown holiday country code {code!r}; use an ISO 3166 code the holidays package knows, "
            "like US, GB, IE, CN"
        ) from None
    return sorted(day for day in calendar if first <= day <= last)


@dataclass(frozen=True)
class CountryCalendar:
    """A country's days off and make-up working days between two dates, from the ``holidays`` package.

    ``holidays``: date -> holiday group, the name of the holiday the day belongs to (``National Day``); a
    substituted day off and the weekend days a holiday run spans take the group of their run (see
    ``holiday_runs``). ``make_up_days``: date -> the weekday (0 = Monday) a weekend day worked in exchange
    for a day off replaces (China's 调休): the weekday of the day off it was swapped with.
    """

    country: str
    holidays: Mapping[date, str]
    make_up_days: Mapping[date, int]


_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})|(\d{2})/(\d{2})/(\d{4})")
_SUFFIX = re.compile(r"\s*[(（].*$")
MAX_RUN_GAP_DAYS = 2


def country_calendar(code: str, first: date, last: date) -> CountryCalendar:
    """Holidays grouped by name and make-up working days of country ``code`` from ``first`` to ``last``.

    Make-up days are the package's ``weekend_workdays`` and, for versions without it, the dates its
    substituted days off name ("Day off (substituted from 09/29/2024)"); never a table of our own.
    Raises ``InputError`` for an unknown code.
    """
    import holidays

    country_holidays(code, first, first)  # an unknown code fails here, in one line
    years = range(first.year - 1, last.year + 2)  # a run or a swap may cross the new year
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        named = holidays.country_holidays(code.upper(), years=years, language="en_US")
    names = {day: str(name) for day, name in named.items()}
    swapped: dict[date, int] = {}
    for day, name in names.items():
        found = _DATE_IN_NAME.search(name)
        if found:
            year, month, mday = (found[1], found[2], found[3]) if found[1] else (found[6], found[4], found[5])
            swapped[date(int(year), int(month), int(mday))] = day.weekday()
    for day in getattr(named, "weekend_workdays", set()):
        swapped.setdefault(day, 4 if day.weekday() == 5 else 0)  # no pairing named: the nearest weekday
    make_up = {day: weekday for day, weekday in swapped.items() if day.weekday() >= 5 and day not in names}
    groups = holiday_runs(names, set(make_up))
    return CountryCalendar(
        country=code.upper(),
        holidays={day: group for day, group in sorted(groups.items()) if first <= day <= last},
        make_up_days={day: weekday for day, weekday in sorted(make_up.items()) if first <= day <= last},
    )


def holiday_runs(names: Mapping[date, str], working_weekend_days: set[date]) -> dict[date, str]:
    """Group holidays into runs: dates at most ``MAX_RUN_GAP_DAYS`` weekend days apart (not worked) are one
    run, the weekend days between them included. A run's group is the first of its names that names no
    date (a substituted day off names the day it was swapped with), without a bracketed suffix such as
    ``(observed)``. Returns date -> group for every day of every run."""
    groups: dict[date, str] = {}
    run: list[date] = []
    for day in sorted(names):
        if run:
            gap = [run[-1] + timedelta(days=k) for k in range(1, (day - run[-1]).days)]
            joined = len(gap) <= MAX_RUN_GAP_DAYS and all(
                d.weekday() >= 5 and d not in working_weekend_days for d in gap
            )
            if not joined:
                _name_run(run, names, groups)
                run = []
            else:
                run.extend(gap)
        run.append(day)
    if run:
        _name_run(run, names, groups)
    return groups


def _name_run(run: list[date], names: Mapping[date, str], groups: dict[date, str]) -> None:
    listed = [names[day] for day in run if day in names]
    plain = [name for name in listed if not _DATE_IN_NAME.search(name)]
    group = _SUFFIX.sub("", (plain or listed)[0]).strip() or (plain or listed)[0]
    for day in run:
        groups[day] = group


def load_special_days(path: Path) -> dict[date, float]:
    """Read a special-days CSV (module docstring): date -> multiplier, ``closed`` as 0.

    Raises ``InputError`` naming the file, row (header = row 1) and the bad value.
    """
    path = regular_file(path, "special-days file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            records = [(row, record) for row, record in enumerate(csv.reader(handle), start=1) if any(record)]
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    if not records or [field.strip() for field in records[0][1]] != ["date", "effect"]:
        raise InputError(f"{path} row 1: expected the header date,effect")
    special: dict[date, float] = {}
    for row, record in records[1:]:
        if len(record) != 2:
            raise InputError(f"{path} row {row}: expected 2 fields (date,effect), got {len(record)}")
        text, effect_text = record[0].strip(), record[1].strip()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise InputError(f"{path} row {row}: date must be YYYY-MM-DD, got {excerpt(text)}") from None
        if day in special:
            raise InputError(f"{path} row {row}: date {text} appears more than once")
        special[day] = _effect(effect_text, path, row)
    return special


def apply_special_days(forecast: pd.DataFrame, special: Mapping[date, float]) -> pd.DataFrame:
    """Scale the forecast rows of each special day by its multiplier; drop the rows of closed days.

    ``forecast`` has the columns of ``FORECAST_COLUMNS``; other columns named ``contacts_*`` (quantiles)
    are scaled alike. Returns a new frame with a fresh index.
    """
    if not special:
        return forecast
    day = forecast["interval_start"].dt.date
    factor = day.map(lambda d: special.get(d, 1.0)).astype(float).to_numpy()
    keep = factor > CLOSED
    scaled = forecast.copy()
    for column in [c for c in forecast.columns if c == "contacts" or c.startswith("contacts_")]:
        scaled[column] = scaled[column].to_numpy() * factor
    return scaled.loc[keep].reset_index(drop=True)


def _effect(text: str, path: Path, row: int) -> float:
    if text.lower() == "closed":
        return CLOSED
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InputError(
            f"{path} row {row}: effect must be 'closed' or a multiplier >= 0 like 0.6, got {excerpt(text)}"
        )
    return value
