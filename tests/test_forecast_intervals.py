"""Prediction quantiles from back-test errors, and aggregation to a longer interval."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.intervals import add_quantiles, aggregate, quantile_column
from forecasting.service import forecast_history
from forecasting.smoothed import SmoothedProfileForecaster
from scheduler.errors import InputError
from tests.forecast_synthetic import FIRST_DAY, expected, poisson, write

WEEKS = 14
TEST_WEEKS = 4


def test_quantile_columns_are_named_by_percent() -> None:
    assert quantile_column(0.1) == "contacts_p10"
    assert quantile_column(0.9) == "contacts_p90"
    assert quantile_column(0.025) == "contacts_p2.5"


def test_empirical_coverage_is_near_nominal(tmp_path: Path) -> None:
    """Fit on 14 weeks of a Poisson series, then count how often 4 later weeks fall outside p10 / p90."""
    truth = expected(FIRST_DAY, (WEEKS + TEST_WEEKS) * 7)
    frame = poisson(truth, seed=11)
    start = FIRST_DAY + timedelta(weeks=WEEKS)
    history = write(tmp_path, frame[frame["interval_start"] < pd.Timestamp(start)])
    forecast = SmoothedProfileForecaster().fit(history).predict(start, TEST_WEEKS * 7)
    banded = add_quantiles(forecast, history, SmoothedProfileForecaster, (0.1, 0.9), weeks=10)
    future = frame[frame["interval_start"] >= pd.Timestamp(start)]
    joined = banded.merge(future, on=["queue", "interval_start"], suffixes=("", "_actual"))
    assert len(joined) == len(future)
    below = float((joined["contacts_actual"] < joined["contacts_p10"]).mean())
    above = float((joined["contacts_actual"] > joined["contacts_p90"]).mean())
    assert below == pytest.approx(0.1, abs=0.04)
    assert above == pytest.approx(0.1, abs=0.04)
    assert (banded["contacts_p10"] <= banded["contacts"]).all()
    assert (banded["contacts"] <= banded["contacts_p90"]).all()


def test_without_backtest_weeks_a_poisson_band_is_used(tmp_path: Path) -> None:
    history = write(tmp_path, expected(FIRST_DAY, 15))
    forecast = SmoothedProfileForecaster().fit(history).predict(history.last_date + timedelta(days=1), 7)
    banded = add_quantiles(forecast, history, SmoothedProfileForecaster, (0.5, 0.9))
    assert banded["contacts_p50"].to_numpy() == pytest.approx(forecast["contacts"].to_numpy())
    scale = np.sqrt(forecast["contacts"].to_numpy() + 1)
    upper = forecast["contacts"].to_numpy() + 1.2816 * scale
    assert banded["contacts_p90"].to_numpy() == pytest.approx(upper, rel=1e-3)
    with pytest.raises(InputError, match="strictly between 0 and 1"):
        add_quantiles(forecast, history, SmoothedProfileForecaster, (1.5,))


def test_aggregate_sums_contacts_and_weights_aht() -> None:
    stamps = pd.to_datetime(["2024-03-11T08:00", "2024-03-11T08:15", "2024-03-11T08:30"])
    forecast = pd.DataFrame(
        {"interval_start": stamps, "queue": "q", "contacts": [10.0, 30.0, 5.0], "aht_seconds": [100.0, 200.0, np.nan]}
    )
    out = aggregate(forecast, 30)
    assert out["interval_start"].dt.strftime("%H:%M").tolist() == ["08:00", "08:30"]
    assert out["contacts"].tolist() == [40.0, 5.0]
    assert out["aht_seconds"].iloc[0] == pytest.approx(175.0)
    assert np.isnan(out["aht_seconds"].iloc[1])


def test_forecast_at_a_longer_interval_keeps_the_daily_total(tmp_path: Path) -> None:
    history = write(tmp_path, poisson(expected(FIRST_DAY, 8 * 7), seed=2))
    start = FIRST_DAY + timedelta(weeks=8)
    fine = forecast_history(history, start, 7)
    coarse = forecast_history(history, start, 7, interval_minutes=60, quantiles=(0.1, 0.9))
    assert coarse["contacts"].sum() == pytest.approx(fine["contacts"].sum())
    assert (coarse["interval_start"].dt.minute == 0).all()
    assert {"contacts_p10", "contacts_p90"} <= set(coarse.columns)
    with pytest.raises(InputError, match="multiple of the history's 15-minute"):
        forecast_history(history, start, 7, interval_minutes=20)


def test_poisson_median() -> None:
    from forecasting.intervals import poisson_median

    # Exact medians: P(X <= m) >= 1/2 at the smallest such m (e.g. mean 0.5: P(0) = 0.61; mean 1: P(X <= 1) = 0.74).
    means = np.array([0.0, 0.3, 0.5, 0.69, 0.7, 1.0, 2.0, 3.7, 10.0, 100.0, 1000.0])
    assert poisson_median(means).tolist() == [0, 0, 0, 0, 1, 1, 2, 4, 10, 100, 1000]
    assert poisson_median(means.reshape(1, -1)).shape == (1, len(means))
    with pytest.raises(InputError, match="poisson_median"):
        poisson_median(np.array([-1.0]))
