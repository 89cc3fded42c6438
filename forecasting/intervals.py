"""Prediction intervals for interval forecasts, and re-aggregation to a longer interval.

Quantiles come from the empirical distribution of back-test errors. The model is back-tested over the
last ``weeks`` weekly origins of the history (``forecasting.backtest`` protocol: fit before the origin,
forecast its 7 days). Each actual ``a`` against its forecast ``f`` gives a scaled residual
``r = (a - f) / sqrt(f + 1)``: under a Poisson-like spread the scale is what grows with volume, so one
distribution serves quiet and busy intervals. Residuals are pooled per hour of day (busy hours err
differently from quiet ones); an hour with fewer than ``MIN_RESIDUALS`` residuals uses the pool of all
hours. The ``q`` quantile of a forecast ``f`` is ``max(0, f + Q_hour(q) * sqrt(f + 1))``, column
``contacts_p<100 q>`` (``contacts_p10``, ``contacts_p90``; ``contacts_p2.5`` for 0.025). Where no
back-test week exists (under two weeks of history) the residual quantiles are those of the standard
normal, i.e. a Poisson approximation around the mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

from forecasting.backtest import ForecasterFactory, _join, _week, weekly_origins
from forecasting.errors import InputError
from forecasting.history import History
from forecasting.seasonal import DAYS_PER_WEEK, MINUTES_PER_DAY

MIN_RESIDUALS = 30


def quantile_column(quantile: float) -> str:
    """``contacts_p10`` for 0.1, ``contacts_p2.5`` for 0.025."""
    return f"contacts_p{quantile * 100:g}"


def check_quantiles(quantiles: Sequence[float]) -> tuple[float, ...]:
    """The quantiles sorted and checked to lie strictly between 0 and 1 (``InputError`` otherwise)."""
    for quantile in quantiles:
        if not 0 < quantile < 1:
            raise InputError(f"quantiles must lie strictly between 0 and 1, got {quantile!r}")
    return tuple(sorted(set(quantiles)))


def residuals(
    history: History, factory: ForecasterFactory, weeks: int = 8, interval_minutes: int | None = None
) -> pd.DataFrame:
    """Back-test residuals: columns ``hour`` (0-23), ``residual`` (scaled, see module docstring)."""
    parts: list[pd.DataFrame] = []
    for origin in weekly_origins(history, weeks):
        forecast = factory().fit(history.before(origin)).predict(origin, DAYS_PER_WEEK)
        actual = _week(history, origin)
        if interval_minutes is not None:
            forecast = aggregate(forecast, interval_minutes)
            actual = aggregate(actual.assign(aht_seconds=np.nan), interval_minutes)
        joined = _join(actual, forecast)
        scale = np.sqrt(joined["forecast"].to_numpy() + 1.0)
        parts.append(
            pd.DataFrame(
                {
                    "hour": joined["interval_start"].dt.hour.to_numpy(),
                    "residual": (joined["actual"].to_numpy() - joined["forecast"].to_numpy()) / scale,
                }
            )
        )
    if not parts:
        return pd.DataFrame({"hour": pd.Series(dtype=np.int64), "residual": pd.Series(dtype=float)})
    return pd.concat(parts, ignore_index=True)


def add_quantiles(
    forecast: pd.DataFrame,
    history: History,
    factory: ForecasterFactory,
    quantiles: Sequence[float],
    weeks: int = 8,
    interval_minutes: int | None = None,
) -> pd.DataFrame:
    """``forecast`` with one ``contacts_p..`` column per quantile (module docstring for the method).

    ``factory`` makes the model that produced ``forecast``; ``interval_minutes`` is the interval the
    forecast was aggregated to (``None``: the history's).
    """
    quantiles = check_quantiles(quantiles)
    if not quantiles:
        return forecast
    errors = residuals(history, factory, weeks, interval_minutes)
    pooled = errors["residual"].to_numpy()
    hour_of_error = errors["hour"].to_numpy()
    by_hour = {int(hour): pooled[hour_of_error == hour] for hour in np.unique(hour_of_error)}
    hours = forecast["interval_start"].dt.hour.to_numpy()
    mean = forecast["contacts"].to_numpy(dtype=float)
    scale = np.sqrt(mean + 1.0)
    result = forecast.copy()
    for quantile in quantiles:
        if len(pooled) >= MIN_RESIDUALS:
            pooled_q = float(np.quantile(pooled, quantile))
            table = {
                hour: float(np.quantile(values, quantile)) if len(values) >= MIN_RESIDUALS else pooled_q
                for hour, values in by_hour.items()
            }
            shift = np.array([table.get(int(hour), pooled_q) for hour in hours])
        else:
            shift = np.full(len(mean), NormalDist().inv_cdf(quantile))
        result[quantile_column(quantile)] = np.maximum(mean + shift * scale, 0.0)
    return result


def poisson_median(mean: np.ndarray) -> np.ndarray:
    """The median of a Poisson count with each given mean (any shape, >= 0): ``floor(m + 1/3 - 0.02 / m)``
    (Choi 1994), 0 for ``m = 0``.

    WAPE is an absolute error, whose best point forecast is the median, not the mean: for a quiet
    interval with mean 0.3 contacts the median 0 errs less. Staffing needs the mean (Erlang takes an
    arrival rate), so forecasts keep ``contacts`` as the mean; this is for reporting a median point
    forecast next to it (``benchmarks/forecast.py``). The formula equals the exact median except within
    0.002 contacts of the points where the median steps (checked for means up to 2,000).
    """
    mean = np.asarray(mean, dtype=float)
    if np.any(~np.isfinite(mean)) or np.any(mean < 0):
        raise InputError("poisson_median needs finite means >= 0")
    with np.errstate(divide="ignore"):
        median = np.floor(mean + 1.0 / 3.0 - np.divide(0.02, mean, out=np.full(mean.shape, np.inf), where=mean > 0))
    return np.maximum(median, 0.0)


def aggregate(forecast: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """Sum contacts into ``interval_minutes`` buckets from midnight; AHT is the contact-weighted mean.

    ``interval_minutes`` must divide a day; the caller checks it is a multiple of the source interval.
    Returns the same columns, one row per (queue, bucket) with any source row.
    """
    if interval_minutes <= 0 or MINUTES_PER_DAY % interval_minutes:
        raise InputError(
            f"interval must be a whole divisor of a day in minutes (like 15, 30, 60), got {interval_minutes}"
        )
    bucket = forecast["interval_start"].dt.floor(f"{interval_minutes}min")
    contacts = forecast["contacts"].to_numpy(dtype=float)
    aht = forecast["aht_seconds"].to_numpy(dtype=float)
    known = np.isfinite(aht) & (contacts > 0)
    work = pd.DataFrame(
        {
            "interval_start": bucket,
            "queue": forecast["queue"].astype(str),
            "contacts": contacts,
            "_handle": np.where(known, aht * contacts, 0.0),
            "_weight": np.where(known, contacts, 0.0),
            "_aht": aht,
        }
    )
    grouped = work.groupby(["queue", "interval_start"], sort=True)
    summed = grouped[["contacts", "_handle", "_weight"]].sum()
    plain_aht = grouped["_aht"].mean()
    weighted = np.divide(
        summed["_handle"].to_numpy(),
        summed["_weight"].to_numpy(),
        out=np.full(len(summed), np.nan),
        where=summed["_weight"].to_numpy() > 0,
    )
    aht_out = np.where(np.isfinite(weighted), weighted, plain_aht.to_numpy())
    result = summed.reset_index()
    return pd.DataFrame(
        {
            "interval_start": result["interval_start"].astype("datetime64[ns]"),
            "queue": result["queue"].astype(str),
            "contacts": result["contacts"].astype(float),
            "aht_seconds": aht_out.astype(float),
        }
    )
