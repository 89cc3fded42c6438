"""Synthetic contact histories shared by the forecasting tests (not a test module itself)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.history import History, load_history

FIRST_DAY = date(2024, 1, 1)  # a Monday
INTERVAL_MINUTES = 15
OPEN_MINUTES = (8 * 60, 20 * 60)
WEEKDAY_TOTAL = {0: 2400.0, 1: 2200.0, 2: 2100.0, 3: 2100.0, 4: 2000.0, 5: 900.0}  # closed on Sunday


def shape(minutes: np.ndarray) -> np.ndarray:
    """A morning and an afternoon peak; shares sum to 1 over ``minutes``."""
    hours = minutes / 60
    weight = 0.3 + np.exp(-(((hours - 10.5) / 1.2) ** 2)) + 0.7 * np.exp(-(((hours - 14.5) / 1.5) ** 2))
    return weight / weight.sum()


def expected(
    first_day: date,
    days: int,
    factor: Callable[[date], float] = lambda day: 1.0,
    queue: str = "voice",
    closed: frozenset[date] = frozenset(),
) -> pd.DataFrame:
    """Noise-free expected contacts per open interval: ``WEEKDAY_TOTAL x factor(day) x shape``."""
    minutes = np.arange(*OPEN_MINUTES, INTERVAL_MINUTES)
    parts = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day.weekday() not in WEEKDAY_TOTAL or day in closed:
            continue
        midnight = pd.Timestamp(day)
        parts.append(
            pd.DataFrame(
                {
                    "interval_start": midnight + pd.to_timedelta(minutes, unit="min"),
                    "queue": queue,
                    "contacts": WEEKDAY_TOTAL[day.weekday()] * factor(day) * shape(minutes),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def poisson(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return frame.assign(contacts=rng.poisson(frame["contacts"].to_numpy()).astype(float))


def write(tmp_path: Path, frame: pd.DataFrame, name: str = "history.csv") -> History:
    path = tmp_path / name
    out = frame.assign(interval_start=frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    out.to_csv(path, index=False)
    return load_history(path)


def day_totals(forecast: pd.DataFrame) -> pd.Series:
    return forecast.groupby(forecast["interval_start"].dt.date)["contacts"].sum()
