"""Seasonal interval forecasts: the classic WFM weekly profile, and the seasonal naive baseline.

Weekly profile model (``WeeklyProfileForecaster``), for every queue and weekday separately:

1. *Window.* The last ``history_weeks`` calendar dates of that weekday up to the last day of history
   (the last day any queue has a row).
   A date with no row for the queue is a closed day (see ``forecasting.history``); a weekday with no open
   date in its window is forecast closed (no rows).
2. *Day totals.* An open day missing some intervals that other days of the window have is scaled up to a
   full day: its total is ``observed contacts / share of the intraday shape it observed`` (the shape of
   step 4, first estimated from the complete days).
3. *Clean days.* Left out of the estimates: configured ``holiday_dates``; days that observed less than
   ``MIN_DAY_COVERAGE`` of the intraday shape; and anomalous days whose total is below
   ``ANOMALY_FRACTION`` of the median total of the window's open non-holiday days. If that leaves no day,
   all open days of the window are used. ``excluded_days_`` lists what was left out and why.
4. *Level.* The daily total is the recency-weighted mean of the clean days' totals, weight
   ``RECENCY_DECAY ** weeks_back`` (1 for the latest week).
5. *Shape.* The share of the day's contacts per interval of day is the recency-weighted mean over the
   clean days of ``contacts / day total`` (over the days that observed that interval), lightly smoothed
   with a centred [1, 2, 1] kernel over neighbouring open intervals, and renormalised to sum to 1.
   Intervals of day never seen on a clean day are closed.
6. *Forecast.* ``contacts = level x share`` for every open interval of every forecast day.
7. *Handle time.* ``aht_seconds`` per queue x weekday x interval of day is the contact-weighted mean of
   the historical AHT over the clean days; where that interval has no AHT, the queue's weekday mean over
   the same days; then the queue's mean over all its history; NaN when the queue has no AHT at all.

Configured holidays inside the forecast horizon are forecast as ordinary days: special-day adjustments
are the planner's call. Everything is deterministic; no randomness is used.

``seasonal_naive`` is the benchmark baseline: each forecast interval repeats the same interval on the
latest day of history with the same weekday (one week earlier, or whole weeks earlier for horizons
beyond a week); a closed source day gives a closed forecast day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from forecasting.errors import InputError
from forecasting.history import History

FORECAST_COLUMNS: tuple[str, ...] = ("interval_start", "queue", "contacts", "aht_seconds")
DAYS_PER_WEEK = 7
MINUTES_PER_DAY = 24 * 60
ANOMALY_FRACTION = 0.5
MIN_DAY_COVERAGE = 0.5
RECENCY_DECAY = 0.9
SMOOTHING_KERNEL: tuple[float, float, float] = (0.25, 0.5, 0.25)


@dataclass(frozen=True)
class _WeekdayProfile:
    """What the model learned for one queue and weekday.

    ``minute_of_day`` has shape (n_slots,) and lists the open intervals; ``share`` and ``aht_seconds``
    are aligned with it; ``share`` sums to 1.
    """

    level_contacts: float
    minute_of_day: np.ndarray
    share: np.ndarray
    aht_seconds: np.ndarray
    days_used: int


class WeeklyProfileForecaster:
    """Daily level x intraday shape per queue and weekday (see the module docstring for the model).

    ``history_weeks``: how many recent same weekdays feed each estimate (>= 1).
    ``holiday_dates``: dates left out of the estimates (known special days in the history).

    Learned state after ``fit``: ``levels_`` (columns ``queue, weekday, contacts_per_day, days_used``;
    weekday 0 = Monday), ``intraday_`` (``queue, weekday, minute_of_day, share, aht_seconds``),
    ``excluded_days_`` (``queue, date, reason``), ``interval_minutes_``, ``last_date_``, ``queues_``, and
    ``profiles_`` (the same per (queue, weekday), as arrays).
    """

    def __init__(self, history_weeks: int = 8, holiday_dates: Sequence[date] = ()) -> None:
        self.history_weeks = history_weeks
        self.holiday_dates = holiday_dates

    def fit(self, history: History) -> WeeklyProfileForecaster:
        """Learn the level, shape and handle time of every queue and weekday from ``history``."""
        weeks = self.history_weeks
        if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or weeks < 1:
            raise InputError(f"history_weeks must be a whole number >= 1, got {self.history_weeks!r}")
        holidays = np.array(sorted({_as_date(day) for day in self.holiday_dates}), dtype="datetime64[D]")
        frame = history.frame
        last_date = history.last_date
        profiles: dict[tuple[str, int], _WeekdayProfile] = {}
        excluded: list[tuple[str, date, str]] = []
        for queue, rows in frame.groupby("queue", sort=True):
            queue_mean_aht = _weighted_mean(rows["aht_seconds"].to_numpy(), rows["contacts"].to_numpy())
            days = rows["interval_start"].dt.normalize()
            minute = ((rows["interval_start"] - days).dt.total_seconds() // 60).astype(np.int64).to_numpy()
            day_values = days.to_numpy().astype("datetime64[D]")
            for weekday in range(DAYS_PER_WEEK):
                window = _window_dates(last_date, weekday, int(weeks))
                in_window = np.isin(day_values, window)
                if not in_window.any():
                    continue
                profile, dropped = _fit_weekday(
                    window=window,
                    day=day_values[in_window],
                    minute=minute[in_window],
                    contacts=rows["contacts"].to_numpy()[in_window],
                    aht_seconds=rows["aht_seconds"].to_numpy()[in_window],
                    holidays=holidays,
                    queue_mean_aht=queue_mean_aht,
                    interval_minutes=history.interval_minutes,
                )
                excluded.extend((str(queue), pd.Timestamp(day).date(), reason) for day, reason in dropped)
                if profile is not None:
                    profiles[(str(queue), weekday)] = profile

        self.profiles_ = profiles
        self.interval_minutes_ = history.interval_minutes
        self.last_date_ = last_date
        self.queues_ = history.queues
        self.levels_ = pd.DataFrame(
            {
                "queue": pd.Series([key[0] for key in profiles], dtype=str),
                "weekday": np.array([key[1] for key in profiles], dtype=np.int64),
                "contacts_per_day": np.array([p.level_contacts for p in profiles.values()], dtype=float),
                "days_used": np.array([p.days_used for p in profiles.values()], dtype=np.int64),
            }
        )
        self.intraday_ = pd.DataFrame(
            {
                "queue": pd.Series([key[0] for key, p in profiles.items() for _ in p.share], dtype=str),
                "weekday": np.array([key[1] for key, p in profiles.items() for _ in p.share], dtype=np.int64),
                "minute_of_day": _concat([p.minute_of_day for p in profiles.values()], np.int64),
                "share": _concat([p.share for p in profiles.values()], float),
                "aht_seconds": _concat([p.aht_seconds for p in profiles.values()], float),
            }
        )
        self.excluded_days_ = pd.DataFrame(
            {
                "queue": pd.Series([item[0] for item in excluded], dtype=str),
                "date": pd.Series([item[1] for item in excluded], dtype=object),
                "reason": pd.Series([item[2] for item in excluded], dtype=str),
            }
        ).sort_values(["queue", "date"], kind="stable", ignore_index=True)
        return self

    def predict(self, start: date, days: int) -> pd.DataFrame:
        """Interval forecast of every queue for the ``days`` days from ``start`` (local dates).

        Returns a frame with the columns ``interval_start`` (``datetime64[ns]``), ``queue`` (str),
        ``contacts`` (float >= 0) and ``aht_seconds`` (float, NaN without AHT history); one row per open
        interval, sorted by queue then interval_start. Raises ``InputError`` when ``start`` is not after
        the history or ``days < 1``.
        """
        if not hasattr(self, "profiles_"):
            raise RuntimeError("WeeklyProfileForecaster.predict called before fit")
        horizon = _horizon(start, days, self.last_date_)
        parts: list[pd.DataFrame] = []
        for queue in self.queues_:
            for day in horizon:
                profile = self.profiles_.get((queue, day.weekday()))
                if profile is None:
                    continue
                parts.append(
                    _rows(
                        queue,
                        day,
                        profile.minute_of_day,
                        profile.level_contacts * profile.share,
                        profile.aht_seconds,
                    )
                )
        return _forecast_frame(parts)


def seasonal_naive(history: History, start: date, days: int) -> pd.DataFrame:
    """Seasonal naive baseline: each interval repeats the latest same-weekday day of ``history``.

    Same output as ``WeeklyProfileForecaster.predict``. A closed source day (no rows for the queue)
    gives no rows. Raises ``InputError`` when ``start`` is not after the history or ``days < 1``.
    """
    last_date = history.last_date
    horizon = _horizon(start, days, last_date)
    frame = history.frame
    day_of_row = frame["interval_start"].dt.normalize()
    parts: list[pd.DataFrame] = []
    for queue, rows in frame.groupby("queue", sort=True):
        row_days = day_of_row.loc[rows.index]
        for day in horizon:
            source = pd.Timestamp(_window_dates(last_date, day.weekday(), 1)[0])
            same = rows.loc[row_days == source]
            if same.empty:
                continue
            minute = ((same["interval_start"] - source).dt.total_seconds() // 60).astype(np.int64)
            parts.append(
                _rows(
                    str(queue),
                    day,
                    minute.to_numpy(),
                    same["contacts"].to_numpy(),
                    same["aht_seconds"].to_numpy(),
                )
            )
    return _forecast_frame(parts)


def _fit_weekday(
    *,
    window: np.ndarray,
    day: np.ndarray,
    minute: np.ndarray,
    contacts: np.ndarray,
    aht_seconds: np.ndarray,
    holidays: np.ndarray,
    queue_mean_aht: float,
    interval_minutes: int,
) -> tuple[_WeekdayProfile | None, list[tuple[np.datetime64, str]]]:
    """Fit one queue x weekday from its rows inside the window (steps 2 to 7 of the module docstring).

    ``window`` holds the window's dates (``datetime64[D]``, latest first); ``day`` (``datetime64[D]``),
    ``minute`` (minute of day), ``contacts`` and ``aht_seconds`` have shape (n_rows,). Returns the profile
    (``None`` when no interval is open) and the excluded days with their reasons.
    """
    open_days, day_index = np.unique(day, return_inverse=True)
    slots, slot_index = np.unique(minute, return_inverse=True)
    volume = np.full((len(open_days), len(slots)), np.nan)
    volume[day_index, slot_index] = contacts
    handle = np.full_like(volume, np.nan)
    handle[day_index, slot_index] = aht_seconds
    weeks_back = (window[0] - open_days).astype(np.int64) / DAYS_PER_WEEK
    weight = RECENCY_DECAY**weeks_back
    observed = ~np.isnan(volume)

    complete = observed.all(axis=1)
    first_shape = _mean_shares(volume, weight, complete if complete.any() else np.ones(len(open_days), bool))
    coverage = np.where(observed, first_shape, 0.0).sum(axis=1)
    observed_total = np.nansum(volume, axis=1)
    total = np.divide(observed_total, coverage, out=observed_total.copy(), where=coverage > 0)

    holiday = np.isin(open_days, holidays)
    regular = ~holiday
    median_total = float(np.median(total[regular])) if regular.any() else 0.0
    incomplete = coverage < MIN_DAY_COVERAGE
    anomalous = regular & ~incomplete & (total < ANOMALY_FRACTION * median_total)
    reasons = np.where(holiday, "holiday", np.where(incomplete, "incomplete", np.where(anomalous, "low volume", "")))
    clean = reasons == ""
    if not clean.any():
        clean = np.ones(len(open_days), dtype=bool)
    dropped = [(d, str(r)) for d, r, c in zip(open_days, reasons, clean, strict=True) if not c]

    used_slots = (observed & clean[:, None]).any(axis=0)
    if not used_slots.any():
        return None, dropped
    share = _mean_shares(volume, weight, clean, total=total)[used_slots]
    share = _smooth(share, slots[used_slots], interval_minutes)
    level = float(np.average(total[clean], weights=weight[clean]))

    slot_aht = _slot_aht(volume[clean][:, used_slots], handle[clean][:, used_slots])
    weekday_aht = _weighted_mean(handle[clean], volume[clean])
    fallback = weekday_aht if np.isfinite(weekday_aht) else queue_mean_aht
    slot_aht = np.where(np.isfinite(slot_aht), slot_aht, fallback)
    profile = _WeekdayProfile(
        level_contacts=level,
        minute_of_day=slots[used_slots],
        share=share,
        aht_seconds=slot_aht,
        days_used=int(clean.sum()),
    )
    return profile, dropped


def weighted_share(
    volume: np.ndarray, weight: np.ndarray, total: np.ndarray, use: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean of ``volume / total`` per interval over the days ``use`` (all when None) that saw it,
    shape (n_slots,), and the weight behind each interval (0 where no used day saw it)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = volume / total[:, None]
    seen = ~np.isnan(shares) if use is None else ~np.isnan(shares) & use[:, None]
    day_weight = np.where(seen, weight[:, None], 0.0)
    weight_sum = day_weight.sum(axis=0)
    mean = np.divide(
        (np.where(seen, shares, 0.0) * day_weight).sum(axis=0),
        weight_sum,
        out=np.zeros(volume.shape[1]),
        where=weight_sum > 0,
    )
    return mean, weight_sum


def _mean_shares(
    volume: np.ndarray, weight: np.ndarray, use: np.ndarray, total: np.ndarray | None = None
) -> np.ndarray:
    """Weighted mean over the days ``use`` of each interval's share of its day, shape (n_slots,).

    ``volume`` (n_days, n_slots) has NaN where an interval is unknown; a day's total is ``total`` or,
    when not given, the sum of what it observed. Intervals no used day observed get share 0; the result
    sums to 1 (or is all zero when the used days saw no contacts).
    """
    day_total = np.nansum(volume, axis=1) if total is None else total
    mean, _ = weighted_share(volume, weight, day_total, use)
    mean_sum = mean.sum()
    return mean / mean_sum if mean_sum > 0 else mean


def _smooth(share: np.ndarray, minute_of_day: np.ndarray, interval_minutes: int) -> np.ndarray:
    """Centred [1, 2, 1] smoothing over neighbouring open intervals, renormalised to sum 1.

    ``share`` and ``minute_of_day`` have shape (n_slots,). Intervals are neighbours when they are
    ``interval_minutes`` apart; at the edge of an open span the kernel is renormalised over the neighbours
    that exist.
    """
    if len(share) < 2 or share.sum() <= 0:
        return share
    steps = np.diff(minute_of_day)
    step = interval_minutes
    left_kernel, centre_kernel, right_kernel = SMOOTHING_KERNEL
    has_left = np.r_[False, steps == step]
    has_right = np.r_[steps == step, False]
    left = np.r_[0.0, share[:-1]]
    right = np.r_[share[1:], 0.0]
    weighted = centre_kernel * share + left_kernel * has_left * left + right_kernel * has_right * right
    norm = centre_kernel + left_kernel * has_left + right_kernel * has_right
    smoothed = weighted / norm
    return smoothed / smoothed.sum()


def _slot_aht(volume: np.ndarray, handle: np.ndarray) -> np.ndarray:
    """Contact-weighted mean AHT per interval of day, shape (n_slots,); NaN where none is known."""
    known = np.isfinite(handle) & np.isfinite(volume) & (volume > 0)
    weight = np.where(known, volume, 0.0)
    numerator = np.where(known, handle * volume, 0.0).sum(axis=0)
    denominator = weight.sum(axis=0)
    return np.divide(numerator, denominator, out=np.full(volume.shape[1], np.nan), where=denominator > 0)


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Contact-weighted mean of the known ``values``; NaN when there is none."""
    known = np.isfinite(values) & np.isfinite(weights) & (weights > 0)
    if not known.any():
        return float("nan")
    return float(np.average(values[known], weights=weights[known]))


def _window_dates(last_date: date, weekday: int, weeks: int) -> np.ndarray:
    """The ``weeks`` latest dates with ``weekday`` on or before ``last_date``, latest first (``datetime64[D]``)."""
    latest = np.datetime64(last_date, "D") - (last_date.weekday() - weekday) % DAYS_PER_WEEK
    return latest - DAYS_PER_WEEK * np.arange(weeks)


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _horizon(start: date, days: int, last_date: date) -> list[date]:
    if isinstance(days, bool) or not isinstance(days, int | np.integer) or days < 1:
        raise InputError(f"days must be a whole number >= 1, got {days!r}")
    start = _as_date(start)
    if start <= last_date:
        raise InputError(
            f"forecast start {start.isoformat()} is inside the history, which ends {last_date.isoformat()}; "
            "start must be a later day"
        )
    return [start + timedelta(days=offset) for offset in range(int(days))]


def _rows(queue: str, day: date, minute_of_day: np.ndarray, contacts: np.ndarray, aht: np.ndarray) -> pd.DataFrame:
    midnight = np.datetime64(day.isoformat(), "ns")
    return pd.DataFrame(
        {
            "interval_start": midnight + minute_of_day.astype("timedelta64[m]").astype("timedelta64[ns]"),
            "queue": queue,
            "contacts": np.maximum(np.asarray(contacts, dtype=float), 0.0),
            "aht_seconds": np.asarray(aht, dtype=float),
        }
    )


def _forecast_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(
            {
                "interval_start": pd.Series(dtype="datetime64[ns]"),
                "queue": pd.Series(dtype=str),
                "contacts": pd.Series(dtype=float),
                "aht_seconds": pd.Series(dtype=float),
            }
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["queue"] = frame["queue"].astype(str)
    return frame.sort_values(["queue", "interval_start"], kind="stable", ignore_index=True)[list(FORECAST_COLUMNS)]


def _concat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype) if arrays else np.array([], dtype=dtype)
