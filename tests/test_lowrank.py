"""The low-rank day-profile forecaster (``forecasting.lowrank``)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.backtest import candidate_models
from forecasting.lowrank import LowRankProfileForecaster
from forecasting.seasonal import FORECAST_COLUMNS
from forecasting.service import MODEL_NAMES, forecast_history
from scheduler.errors import InputError
from tests.forecast_synthetic import FIRST_DAY, WEEKDAY_TOTAL, day_totals, expected, poisson, write

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
WEEKS = 12
START = FIRST_DAY + timedelta(weeks=WEEKS)


def planted(
    interval_minutes: int,
    weeks: int = WEEKS,
    open_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5),
    second: float = 0.0,
    queue: str = "voice",
) -> pd.DataFrame:
    """Noise-free contacts whose root ``sqrt(x + 1/4)`` is ``a(weekday) v1 + second x b(weekday) v2``:
    rank 1 when ``second == 0``, rank 2 otherwise (Saturday has a later peak)."""
    minutes = np.arange(8 * 60, 20 * 60, interval_minutes)
    hours = minutes / 60
    v1 = 1.0 + np.exp(-(((hours - 11) / 2.0) ** 2))
    v2 = np.exp(-(((hours - 16) / 1.5) ** 2))
    parts = []
    for offset in range(weeks * 7):
        day = FIRST_DAY + timedelta(days=offset)
        weekday = day.weekday()
        if weekday not in open_weekdays:
            continue
        a = 3.0 + 0.4 * weekday
        b = 2.0 if weekday == 5 else 0.0
        root = a * v1 + second * b * v2
        parts.append(
            pd.DataFrame(
                {
                    "interval_start": pd.Timestamp(day) + pd.to_timedelta(minutes, unit="min"),
                    "queue": queue,
                    "contacts": root**2 - 0.25,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def truth(frame: pd.DataFrame, start: date) -> pd.Series:
    """The planted contacts of the week from ``start`` (same weekday pattern as the history)."""
    later = frame.assign(interval_start=frame["interval_start"] + pd.Timedelta(weeks=WEEKS))
    week = later[(later["interval_start"] >= pd.Timestamp(start))]
    return week.set_index(["queue", "interval_start"])["contacts"]


def error_against_truth(frame: pd.DataFrame, forecast: pd.DataFrame) -> float:
    actual = truth(frame, START)
    predicted = forecast.set_index(["queue", "interval_start"])["contacts"].reindex(actual.index)
    return float(np.abs(predicted - actual).max())


def test_output_contract_determinism_and_closed_weekday(tmp_path: Path) -> None:
    history = write(tmp_path, poisson(expected(FIRST_DAY, WEEKS * 7), seed=1))
    forecast = LowRankProfileForecaster().fit(history).predict(START, 7)
    assert tuple(forecast.columns) == FORECAST_COLUMNS
    assert forecast["interval_start"].dtype == "datetime64[ns]"
    assert (forecast["contacts"] >= 0).all()
    assert forecast.equals(forecast.sort_values(["queue", "interval_start"], ignore_index=True))
    assert 6 not in set(forecast["interval_start"].dt.day_of_week)  # the synthetic centre is closed on Sunday
    again = LowRankProfileForecaster().fit(history).predict(START, 7)
    assert forecast.to_csv(index=False) == again.to_csv(index=False)
    totals = day_totals(forecast)
    for day, total in totals.items():
        assert total == pytest.approx(WEEKDAY_TOTAL[day.weekday()], rel=0.1)


@pytest.mark.parametrize("interval_minutes", [5, 6, 15, 30])
def test_recovers_a_planted_rank_one_structure(tmp_path: Path, interval_minutes: int) -> None:
    frame = planted(interval_minutes)
    history = write(tmp_path, frame)
    assert history.interval_minutes == interval_minutes
    forecast = LowRankProfileForecaster(rank=1).fit(history).predict(START, 7)
    assert error_against_truth(frame, forecast) < 1e-6


def test_recovers_a_planted_rank_two_structure_that_rank_one_misses(tmp_path: Path) -> None:
    frame = planted(15, second=1.0)
    history = write(tmp_path, frame)
    rank_two = LowRankProfileForecaster(rank=2).fit(history)
    assert error_against_truth(frame, rank_two.predict(START, 7)) < 1e-6
    assert rank_two.models_["voice"].profiles.shape == (2, 48)
    rank_one = LowRankProfileForecaster(rank=1).fit(history).predict(START, 7)
    assert error_against_truth(frame, rank_one) > 0.5


def test_weekday_only_centre_and_closed_days(tmp_path: Path) -> None:
    closed = FIRST_DAY + timedelta(weeks=WEEKS - 2, days=2)  # a Wednesday with no rows (unlisted holiday)
    frame = planted(15, open_weekdays=(0, 1, 2, 3, 4))
    frame = frame[frame["interval_start"].dt.normalize() != pd.Timestamp(closed)]
    history = write(tmp_path, frame)
    forecast = LowRankProfileForecaster(rank=1).fit(history).predict(START, 7)
    assert set(forecast["interval_start"].dt.day_of_week) == {0, 1, 2, 3, 4}
    assert error_against_truth(frame, forecast) < 1e-6


def test_abnormal_days_are_left_out(tmp_path: Path) -> None:
    low = FIRST_DAY + timedelta(weeks=WEEKS - 1, days=1)  # the last Tuesday at a fifth of its volume
    high = FIRST_DAY + timedelta(weeks=WEEKS - 3, days=3)  # a Thursday at three times its volume
    factor = {low: 0.2, high: 3.0}
    history = write(tmp_path, expected(FIRST_DAY, WEEKS * 7, lambda day: factor.get(day, 1.0)))
    model = LowRankProfileForecaster().fit(history)
    reasons = dict(zip(model.excluded_days_["date"], model.excluded_days_["reason"], strict=True))
    assert reasons == {low: "low volume", high: "high volume"}
    totals = day_totals(model.predict(START, 7))
    assert totals[START + timedelta(days=1)] == pytest.approx(WEEKDAY_TOTAL[1], rel=0.02)


def test_partial_days_are_imputed(tmp_path: Path) -> None:
    frame = planted(15)
    stamps = frame["interval_start"]
    # Three days lose their afternoon (a feed outage): cells unknown, not zero.
    gaps = [FIRST_DAY + timedelta(weeks=w, days=2) for w in (8, 9, 10)]
    missing = stamps.dt.normalize().isin([pd.Timestamp(d) for d in gaps]) & (stamps.dt.hour >= 14)
    history = write(tmp_path, frame[~missing])
    forecast = LowRankProfileForecaster(rank=1).fit(history).predict(START, 7)
    assert error_against_truth(frame, forecast) < 1e-3


def test_holidays_closed_in_the_past_are_closed_in_the_future(tmp_path: Path) -> None:
    past = FIRST_DAY + timedelta(weeks=5, days=2)
    future = START + timedelta(days=2)
    history = write(tmp_path, expected(FIRST_DAY, WEEKS * 7, closed=frozenset({past})))
    model = LowRankProfileForecaster(holiday_dates=[past, future]).fit(history)
    totals = day_totals(model.predict(START, 7))
    assert future not in totals.index
    assert START in totals.index


def test_handle_time_and_many_queues(tmp_path: Path) -> None:
    voice = expected(FIRST_DAY, WEEKS * 7, queue="voice")
    chat = expected(FIRST_DAY, WEEKS * 7, lambda day: 0.5, queue="chat")
    frame = pd.concat([voice.assign(aht_seconds=240.0), chat.assign(aht_seconds=600.0)], ignore_index=True)
    history = write(tmp_path, frame)
    forecast = LowRankProfileForecaster().fit(history).predict(START, 7)
    assert set(forecast["queue"]) == {"chat", "voice"}
    aht = forecast.groupby("queue")["aht_seconds"].agg(["min", "max"])
    assert aht.loc["voice"].tolist() == pytest.approx([240.0, 240.0])
    assert aht.loc["chat"].tolist() == pytest.approx([600.0, 600.0])
    totals = forecast.groupby("queue")["contacts"].sum()
    assert totals["chat"] == pytest.approx(0.5 * totals["voice"], rel=1e-6)


def test_follows_a_recent_level_shift_in_the_first_days(tmp_path: Path) -> None:
    shift = START - timedelta(days=4)
    history = write(tmp_path, expected(FIRST_DAY, WEEKS * 7, lambda day: 1.4 if day >= shift else 1.0))
    totals = day_totals(LowRankProfileForecaster().fit(history).predict(START, 7))
    assert totals[START] > 1.05 * WEEKDAY_TOTAL[0]


def test_bad_settings_and_calls_are_refused(tmp_path: Path) -> None:
    history = write(tmp_path, expected(FIRST_DAY, 3 * 7))
    for settings, key in (({"rank": 0}, "rank"), ({"rank": True}, "rank"), ({"window_weeks": 1}, "window_weeks")):
        with pytest.raises(InputError, match=key):
            LowRankProfileForecaster(**settings).fit(history)
    with pytest.raises(RuntimeError):
        LowRankProfileForecaster().predict(START, 7)
    with pytest.raises(InputError, match="inside the history"):
        LowRankProfileForecaster().fit(history).predict(FIRST_DAY, 7)
    with pytest.raises(InputError, match="days"):
        LowRankProfileForecaster().fit(history).predict(START, 0)


def test_registered_for_the_service_backtest_and_auto(tmp_path: Path) -> None:
    assert "lowrank" in MODEL_NAMES
    assert "lowrank" in candidate_models()
    history = write(tmp_path, poisson(expected(FIRST_DAY, WEEKS * 7), seed=4))
    forecast = forecast_history(history, START, 7, model="lowrank")
    direct = LowRankProfileForecaster().fit(history).predict(START, 7)
    assert forecast.to_csv(index=False) == direct.to_csv(index=False)
