"""Which country's public holidays a contact history follows, told from its unusual days.

A centre is shut or quiet on its country's public holidays, or busy (an e-commerce service line after
National Day), and those move from year to year (Easter, the Jewish and Chinese lunisolar holidays), so
a forecast needs the calendar. When the planner does not name one (``--holidays auto``, the default of
``wfm forecast`` and ``wfm backtest``), the history itself says which calendar fits: the days it was
closed, quiet or busy are the holidays of one country far more often than chance allows. Method, over the
sum of all queues:

1. *Open weekdays*: weekdays with a row on at least half of their dates. Only their dates are scored
   (a holiday on a weekend of a weekday-only centre says nothing).
2. *Quiet days*: a scored date's ratio is its total (0 without a row) over the median total of the same
   weekday's open days within ``BASELINE_WEEKS`` weeks on either side, itself left out; it needs at least
   ``BASELINE_MIN_DAYS`` such days. Below ``QUIET_RATIO`` the date is quiet, above ``BUSY_RATIO`` busy.
3. *Evidence* for a country, in each of two *directions* (quiet, busy):
   of its holidays on scored dates, ``hits`` went that direction out of ``holidays``; the log-likelihood
   ratio of "a holiday goes that way with probability ``HOLIDAY_QUIET_PROBABILITY``" against "with the
   base rate" (the share of scored dates that go that way, with one pseudo-date each way, so never 0 or
   1): ``hits x log(q / base) + (holidays - hits) x log((1 - q) / (1 - base))``. The country's evidence
   is that of its best direction: a centre closed on its holidays keeps the power of the quiet test (busy
   days elsewhere do not dilute it), one busy on them is found by the busy test. Mixing the directions
   (some holidays quiet, others busy) was tried and refused: on a real bank history a country whose
   Holy Week met two quiet and three busy days passed the evidence bar by chance.
4. The country with the most evidence (ties: the alphabetically first code) is chosen when it has at
   least ``MIN_QUIET_HOLIDAYS`` hits, at least ``MIN_QUIET_SHARE`` of its holidays were hits (in its best
   direction), and its evidence is at least ``MIN_EVIDENCE`` (odds of 1000:1, strict enough that chance matches among
   the ~250 calendars of the ``holidays`` package are refused); otherwise no country is chosen.

Candidates are every country of the ``holidays`` package (national holidays, no subdivisions), or the
codes given. Deterministic; calendars are cached per country and year.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from forecasting.history import History

BASELINE_WEEKS = 4
BASELINE_MIN_DAYS = 3
QUIET_RATIO = 0.6
BUSY_RATIO = 1.3
OPEN_WEEKDAY_SHARE = 0.5
HOLIDAY_QUIET_PROBABILITY = 0.8
MIN_QUIET_HOLIDAYS = 3
MIN_QUIET_SHARE = 0.6
MIN_EVIDENCE = math.log(1000.0)
DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class CalendarEvidence:
    """How well one country's holidays match the unusual days of a history (module docstring)."""

    country: str
    holidays: int
    quiet: int
    evidence: float
    quiet_dates: tuple[date, ...]
    busy: int = 0
    busy_dates: tuple[date, ...] = ()
    hits: int = -1  # holidays that went the best direction (module docstring, step 3); -1: ``quiet``

    @property
    def unusual(self) -> int:
        return self.quiet if self.hits < 0 else self.hits

    def describe(self) -> str:
        parts = []
        for count, days, word in ((self.quiet, self.quiet_dates, "closed or quiet"), (self.busy, self.busy_dates,
                                                                                      "busy")):
            if count:
                shown = ", ".join(day.isoformat() for day in days[:4]) + (", ..." if len(days) > 4 else "")
                parts.append(f"{count} {word} ({shown})")
        return f"of {self.holidays} {self.country} public holidays on open days, {' and '.join(parts)}"


def detect_holiday_country(history: History, candidates: Sequence[str] | None = None) -> CalendarEvidence | None:
    """The country with the most evidence among those passing the thresholds of the module docstring
    (step 4), or None. (A country can lead on evidence yet fail the share, as one whose many holidays
    include a few busy ones by chance; it does not hide a country that passes.)"""
    for found in rank_countries(history, candidates):
        if (
            found.unusual >= MIN_QUIET_HOLIDAYS
            and found.unusual >= MIN_QUIET_SHARE * found.holidays
            and found.evidence >= MIN_EVIDENCE
        ):
            return found
    return None


def rank_countries(history: History, candidates: Sequence[str] | None = None) -> list[CalendarEvidence]:
    """Evidence of every candidate country with at least one holiday on a scored date, best first."""
    ratio = quiet_ratios(history)
    if ratio.empty:
        return []
    quiet = (ratio < QUIET_RATIO).to_numpy()
    busy = (ratio > BUSY_RATIO).to_numpy()
    gains = [_gains(int(flags.sum()), len(ratio)) for flags in (quiet, busy)]
    dates = pd.DatetimeIndex(ratio.index).date
    position = {day: k for k, day in enumerate(dates)}
    years = range(history.first_date.year, history.last_date.year + 1)
    ranked: list[CalendarEvidence] = []
    for code in sorted(candidates if candidates is not None else _country_codes()):
        days = sorted(day for year in years for day in _holidays(code, year) if day in position)
        if not days:
            continue
        quiet_days = tuple(day for day in days if quiet[position[day]])
        busy_days = tuple(day for day in days if busy[position[day]])
        counts = (len(quiet_days), len(busy_days))
        scored = [
            (hits * gain_hit + (len(days) - hits) * gain_miss, hits)
            for hits, (gain_hit, gain_miss) in zip(counts, gains, strict=True)
        ]
        evidence, hits = max(scored)
        ranked.append(
            CalendarEvidence(code, len(days), len(quiet_days), evidence, quiet_days, len(busy_days), busy_days, hits)
        )
    ranked.sort(key=lambda item: (-item.evidence, item.country))
    return ranked


def quiet_ratios(history: History) -> pd.Series:
    """Total of all queues over the local same-weekday median, per scored date (module docstring, steps
    1 and 2); a ``Series`` indexed by day (``Timestamp``), 0 on open weekdays without a row."""
    frame = history.frame
    totals = frame.groupby(frame["interval_start"].dt.normalize())["contacts"].sum()
    days = pd.date_range(totals.index.min(), totals.index.max(), freq="D")
    total = totals.reindex(days).to_numpy(dtype=float)  # NaN: no row
    weekday = days.day_of_week.to_numpy()
    opened = ~np.isnan(total)
    open_weekdays = [
        w for w in range(DAYS_PER_WEEK) if (weekday == w).any() and opened[weekday == w].mean() >= OPEN_WEEKDAY_SHARE
    ]
    ratios: dict[pd.Timestamp, float] = {}
    for w in open_weekdays:
        positions = np.flatnonzero(weekday == w)
        for rank, position in enumerate(positions):
            window = positions[max(rank - BASELINE_WEEKS, 0) : rank + BASELINE_WEEKS + 1]
            neighbours = total[window[(window != position) & opened[window]]]
            if len(neighbours) < BASELINE_MIN_DAYS:
                continue
            baseline = float(np.median(neighbours))
            if baseline <= 0:
                continue
            value = total[position] if opened[position] else 0.0
            ratios[days[int(position)]] = value / baseline
    return pd.Series(ratios, dtype=float).sort_index()


def _gains(hits: int, scored: int) -> tuple[float, float]:
    """Log-likelihood gains of one holiday that goes / does not go a direction whose base count is
    ``hits`` of ``scored`` dates (module docstring, step 3)."""
    base = (hits + 1) / (scored + 2)
    q = HOLIDAY_QUIET_PROBABILITY
    return math.log(q / base), math.log((1 - q) / (1 - base))


@lru_cache(maxsize=1)
def _country_codes() -> tuple[str, ...]:
    import holidays

    return tuple(sorted(holidays.list_supported_countries(include_aliases=False)))


@lru_cache(maxsize=4096)
def _holidays(code: str, year: int) -> frozenset[date]:
    import holidays

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "available only from ..." for years outside a calendar's range
        try:
            return frozenset(holidays.country_holidays(code, years=year))
        except (NotImplementedError, KeyError, ValueError):
            return frozenset()
