"""The level-smoothed weekly profile forecaster (``forecasting.smoothed``)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from forecasting.seasonal import FORECAST_COLUMNS
from forecasting.smoothed import SmoothedProfileForecaster, day_of_month_curve
from scheduler.errors import InputError
from tests.forecast_synthetic import FIRST_DAY, WEEKDAY_TOTAL, day_totals, expected, poisson, write

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
WEEKS = 12
START = FIRST_DAY + timedelta(weeks=WEEKS)


def test_output_contract_and_closed_weekday(tmp_path: Path) -> None:
    history = write(tmp_path, poisson(expected(FIRST_DAY, WEEKS * 7), seed=1))
    forecast = SmoothedProfileForecaster().fit(history).predict(START, 7)
    assert tuple(forecast.columns) == FORECAST_COLUMNS
    assert forecast["interval_start"].dtype == "datetime64[ns]"
    assert (forecast["contacts"] >= 0).all()
    assert forecast.equals(forecast.sort_values(["queue", "interval_start"], ignore_index=True))
    assert 6 not in set(forecast["interval_start"].dt.day_of_week)
    again = SmoothedProfileForecaster().fit(history).predict(START, 7)
    assert forecast.to_csv(index=False) == again.to_csv(index=False)


def test_noise_free_history_gives_the_true_day_totals(tmp_path: Path) -> None:
    history = write(tmp_path, expected(FIRST_DAY, WEEKS * 7))
    totals = day_totals(SmoothedProfileForecaster().fit(history).predict(START, 7))
    for day, total in totals.items():
        assert total == pytest.approx(WEEKDAY_TOTAL[day.weekday()], rel=1e-6)


def test_follows_a_level_shift(tmp_path: Path) -> None:
    shift_day = FIRST_DAY + timedelta(weeks=WEEKS - 6)
    history = write(tmp_path, expected(FIRST_DAY, WEEKS * 7, lambda day: 1.3 if day >= shift_day else 1.0))
    totals = day_totals(SmoothedProfileForecaster().fit(history).predict(START, 7))
    monday = totals[START]
    assert monday == pytest.approx(1.3 * WEEKDAY_TOTAL[0], rel=0.08)


def test_learns_a_first_of_month_effect(tmp_path: Path) -> None:
    history_days = 26 * 7

    def factor(day: date) -> float:
        first_open = (day.day == 1 and day.weekday() != 6) or (day.day == 2 and day.weekday() == 0)
        return 1.4 if first_open else 1.0

    frame = poisson(expected(FIRST_DAY, history_days, factor), seed=3)
    history = write(tmp_path, frame)
    start = FIRST_DAY + timedelta(days=history_days)  # 2024-07-01, a Monday and the first of a month
    totals = day_totals(SmoothedProfileForecaster().fit(history).predict(start, 7))
    assert totals[start] > 1.2 * WEEKDAY_TOTAL[0]
    assert totals[start + timedelta(days=1)] == pytest.approx(WEEKDAY_TOTAL[1], rel=0.08)


def test_closed_past_holidays_make_future_holidays_closed(tmp_path: Path) -> None:
    past = FIRST_DAY + timedelta(weeks=5, days=2)  # a Wednesday
    future = START + timedelta(days=2)
    history = write(tmp_path, expected(FIRST_DAY, WEEKS * 7, closed=frozenset({past})))
    model = SmoothedProfileForecaster(holiday_dates=[past, future]).fit(history)
    totals = day_totals(model.predict(START, 7))
    assert future not in totals.index
    assert totals[START] == pytest.approx(WEEKDAY_TOTAL[0], rel=1e-6)


def test_half_busy_past_holidays_scale_future_holidays(tmp_path: Path) -> None:
    past = [FIRST_DAY + timedelta(weeks=3, days=1), FIRST_DAY + timedelta(weeks=7, days=3)]
    future = START + timedelta(days=1)
    history = write(tmp_path, expected(FIRST_DAY, WEEKS * 7, lambda day: 0.5 if day in past else 1.0))
    model = SmoothedProfileForecaster(holiday_dates=[*past, future]).fit(history)
    totals = day_totals(model.predict(START, 7))
    assert totals[future] == pytest.approx(0.5 * WEEKDAY_TOTAL[1], rel=1e-3)
    assert set(model.excluded_days_["reason"]) == {"holiday"}


def test_a_closed_day_without_a_calendar_is_left_out(tmp_path: Path) -> None:
    past = FIRST_DAY + timedelta(weeks=WEEKS - 1)  # the last Monday, closed
    history = write(tmp_path, expected(FIRST_DAY, WEEKS * 7, closed=frozenset({past})))
    totals = day_totals(SmoothedProfileForecaster().fit(history).predict(START, 7))
    assert totals[START] == pytest.approx(WEEKDAY_TOTAL[0], rel=1e-6)


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    history = write(tmp_path, expected(FIRST_DAY, 3 * 7))
    with pytest.raises(InputError, match="alpha"):
        SmoothedProfileForecaster(alpha=0).fit(history)
    with pytest.raises(InputError, match="window_weeks"):
        SmoothedProfileForecaster(window_weeks=0).fit(history)
    with pytest.raises(RuntimeError):
        SmoothedProfileForecaster().predict(START, 7)
    with pytest.raises(InputError, match="inside the history"):
        SmoothedProfileForecaster().fit(history).predict(FIRST_DAY, 7)



def test_learns_a_holiday_eve_effect(tmp_path: Path) -> None:
    holidays = [FIRST_DAY + timedelta(weeks=w, days=3) for w in (2, 4, 6, 8, 10)]  # Thursdays
    eves = {day - timedelta(days=1) for day in holidays}
    frame = expected(FIRST_DAY, WEEKS * 7, lambda day: 0.4 if day in eves else 1.0, closed=frozenset(holidays))
    history = write(tmp_path, frame)
    future = START + timedelta(days=3)
    model = SmoothedProfileForecaster(holiday_dates=[*holidays, future]).fit(history)
    totals = day_totals(model.predict(START, 7))
    assert future not in totals.index
    assert totals[future - timedelta(days=1)] < 0.6 * WEEKDAY_TOTAL[2]  # shrunk towards 1 from 0.4
    assert totals[START] == pytest.approx(WEEKDAY_TOTAL[0], rel=0.02)
    assert "low volume" not in set(model.excluded_days_["reason"])


def test_learns_that_the_first_three_open_days_of_a_month_are_busy(tmp_path: Path) -> None:
    history_days = 26 * 7

    def factor(day: date) -> float:
        open_days = [d for d in (date(day.year, day.month, k) for k in range(1, 8)) if d.weekday() != 6]
        return 1.4 if day in open_days[:3] else 1.0

    history = write(tmp_path, poisson(expected(FIRST_DAY, history_days, factor), seed=5))
    start = FIRST_DAY + timedelta(days=history_days)  # 2024-07-01, a Monday
    model = SmoothedProfileForecaster().fit(history)
    totals = day_totals(model.predict(start, 7))
    for offset in range(3):
        assert totals[start + timedelta(days=offset)] > 1.2 * WEEKDAY_TOTAL[offset]
    assert totals[start + timedelta(days=3)] == pytest.approx(WEEKDAY_TOTAL[3], rel=0.08)


def test_abnormal_days_are_refitted_out(tmp_path: Path) -> None:
    # An unlisted holiday at 60% (above the 50% low-volume rule) and a flood at 1.8x: both abnormal.
    quiet = FIRST_DAY + timedelta(weeks=WEEKS - 2, days=2)
    flood = FIRST_DAY + timedelta(weeks=WEEKS - 1, days=1)
    factor = {quiet: 0.6, flood: 1.8}
    history = write(tmp_path, expected(FIRST_DAY, WEEKS * 7, lambda day: factor.get(day, 1.0)))
    model = SmoothedProfileForecaster().fit(history)
    reasons = dict(zip(model.excluded_days_["date"], model.excluded_days_["reason"], strict=True))
    assert reasons == {quiet: "abnormal low", flood: "abnormal high"}
    totals = day_totals(model.predict(START, 7))
    for day, total in totals.items():  # left in, the flood alone would lift the level by about 4%
        assert total == pytest.approx(WEEKDAY_TOTAL[day.weekday()], rel=1e-3)


def _month_drift(day: date) -> float:
    """Busy after the first of the month, quiet at its end: 1.2 on day 1 falling linearly to 0.8 on day 30."""
    return 1.2 - 0.4 * (day.day - 1) / 29


def test_learns_a_level_drift_through_the_month(tmp_path: Path) -> None:
    history_days = 26 * 7
    history = write(tmp_path, poisson(expected(FIRST_DAY, history_days, _month_drift), seed=7))
    start = FIRST_DAY + timedelta(days=history_days)  # 2024-07-01, a Monday
    totals = day_totals(SmoothedProfileForecaster().fit(history).predict(start, 28))
    second_monday, fourth_monday = start + timedelta(days=7), start + timedelta(days=21)
    truth = _month_drift(fourth_monday) / _month_drift(second_monday)  # 0.825
    assert totals[fourth_monday] / totals[second_monday] == pytest.approx(truth, abs=0.06)


@pytest.mark.parametrize("seed", [8, 9, 10])
def test_no_month_pattern_gives_a_flat_day_of_month_curve(tmp_path: Path, seed: int) -> None:
    # Empirical Bayes: the 31 day-of-month means spread no more than Poisson noise would, so no curve at all.
    history = write(tmp_path, poisson(expected(FIRST_DAY, 26 * 7), seed=seed))
    model = SmoothedProfileForecaster().fit(history)
    assert (model.models_["voice"].day_of_month_effect == 1.0).all()


def test_equal_residuals_give_no_day_of_month_curve() -> None:
    day = np.tile(np.arange(1, 29), 3)
    curve = day_of_month_curve(np.zeros(len(day)), np.ones(len(day), dtype=bool), day)
    assert np.isfinite(curve).all() and (curve == 0).all()
