"""The weekly profile forecaster and the seasonal naive baseline, on synthetic and real history."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasting.history import History, load_history
from forecasting.lowrank import LowRankProfileForecaster
from forecasting.seasonal import FORECAST_COLUMNS, WeeklyProfileForecaster, seasonal_naive
from forecasting.smoothed import SmoothedProfileForecaster
from scheduler.errors import InputError

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
FIRST_DAY = date(2024, 1, 1)  # a Monday
WEEKS = 10
FORECAST_START = FIRST_DAY + timedelta(weeks=WEEKS)  # the Monday after the history
INTERVAL_MINUTES = 15

# Voice: open Monday to Saturday (Saturday mornings only), closed on Sunday; chat: open every day.
VOICE_DAILY = {0: 2400.0, 1: 2200.0, 2: 2100.0, 3: 2100.0, 4: 2000.0, 5: 900.0}
CHAT_DAILY = {day: 300.0 + 20 * day for day in range(7)}
WEEKDAY_HOURS = (8 * 60, 20 * 60)
SATURDAY_HOURS = (9 * 60, 14 * 60)


def opening(queue: str, weekday: int) -> tuple[int, int] | None:
    if queue == "voice" and weekday == 6:
        return None
    if queue == "voice" and weekday == 5:
        return SATURDAY_HOURS
    return WEEKDAY_HOURS


def intraday_shape(minutes: np.ndarray) -> np.ndarray:
    """A morning and an afternoon peak; shares sum to 1 over ``minutes``."""
    hours = minutes / 60
    weight = 0.3 + np.exp(-(((hours - 10.5) / 1.2) ** 2)) + 0.7 * np.exp(-(((hours - 14.5) / 1.5) ** 2))
    return weight / weight.sum()


def true_aht_seconds(minutes: np.ndarray) -> np.ndarray:
    return 240 + 40 * np.sin(minutes / 180)


def expected_frame(first_day: date, days: int) -> pd.DataFrame:
    """Noise-free expected contacts (and true AHT for voice; chat has none) per queue and open interval."""
    parts = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for queue, daily in (("voice", VOICE_DAILY), ("chat", CHAT_DAILY)):
            hours = opening(queue, day.weekday())
            if hours is None:
                continue
            minutes = np.arange(hours[0], hours[1], INTERVAL_MINUTES)
            parts.append(
                pd.DataFrame(
                    {
                        "interval_start": pd.Timestamp(day) + pd.to_timedelta(minutes, unit="min"),
                        "queue": queue,
                        "contacts": daily[day.weekday()] * intraday_shape(minutes),
                        "aht_seconds": true_aht_seconds(minutes) if queue == "voice" else np.nan,
                    }
                )
            )
    return pd.concat(parts, ignore_index=True).sort_values(["queue", "interval_start"], ignore_index=True)


def write_history(tmp_path: Path, frame: pd.DataFrame, name: str = "history.csv") -> History:
    path = tmp_path / name
    frame.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S")
    return load_history(path)


def noisy(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return frame.assign(contacts=rng.poisson(frame["contacts"].to_numpy()).astype(float))


def wape(actual: pd.DataFrame, forecast: pd.DataFrame) -> float:
    """Weighted absolute percentage error over the union of rows (a missing row counts as 0 contacts)."""
    keys = ["interval_start", "queue"]
    both = actual[keys + ["contacts"]].merge(forecast[keys + ["contacts"]], on=keys, how="outer", suffixes=("", "_f"))
    both = both.fillna({"contacts": 0.0, "contacts_f": 0.0})
    return float((both["contacts"] - both["contacts_f"]).abs().sum() / both["contacts"].sum())


def daily_totals(forecast: pd.DataFrame, queue: str) -> pd.Series:
    rows = forecast[forecast["queue"] == queue]
    return rows.groupby(rows["interval_start"].dt.date)["contacts"].sum()


@pytest.fixture(scope="module")
def clean_history(tmp_path_factory: pytest.TempPathFactory) -> History:
    return write_history(tmp_path_factory.mktemp("clean"), expected_frame(FIRST_DAY, WEEKS * 7))


@pytest.fixture(scope="module")
def noisy_history(tmp_path_factory: pytest.TempPathFactory) -> History:
    return write_history(tmp_path_factory.mktemp("noisy"), noisy(expected_frame(FIRST_DAY, WEEKS * 7), seed=7))


# --- output contract ---------------------------------------------------------------------------------


def test_output_columns_order_and_closed_intervals(noisy_history: History) -> None:
    forecast = WeeklyProfileForecaster().fit(noisy_history).predict(FORECAST_START, 7)

    assert tuple(forecast.columns) == FORECAST_COLUMNS
    assert forecast["interval_start"].dtype == "datetime64[ns]"
    assert forecast["contacts"].dtype == float and forecast["aht_seconds"].dtype == float
    assert (forecast["contacts"] >= 0).all()
    assert forecast.equals(forecast.sort_values(["queue", "interval_start"], ignore_index=True))
    assert forecast["queue"].unique().tolist() == ["chat", "voice"]
    assert not forecast.duplicated(["queue", "interval_start"]).any()

    expected = expected_frame(FORECAST_START, 7)
    pd.testing.assert_frame_equal(
        forecast[["interval_start", "queue"]], expected[["interval_start", "queue"]], check_dtype=False
    )
    voice = forecast[forecast["queue"] == "voice"]
    assert 6 not in set(voice["interval_start"].dt.day_of_week)  # closed on Sundays in history
    saturday = voice[voice["interval_start"].dt.day_of_week == 5]["interval_start"]
    assert saturday.dt.hour.min() == 9 and saturday.max().strftime("%H:%M") == "13:45"


def test_forecast_is_deterministic(noisy_history: History) -> None:
    first = WeeklyProfileForecaster(holiday_dates=[date(2024, 2, 5)]).fit(noisy_history).predict(FORECAST_START, 9)
    second = WeeklyProfileForecaster(holiday_dates=[date(2024, 2, 5)]).fit(noisy_history).predict(FORECAST_START, 9)
    assert first.to_csv(index=False) == second.to_csv(index=False)


def test_daily_totals_follow_the_learned_levels(noisy_history: History) -> None:
    model = WeeklyProfileForecaster().fit(noisy_history)
    forecast = model.predict(FORECAST_START, 7)
    levels = model.levels_.set_index(["queue", "weekday"])["contacts_per_day"]
    for day, total in daily_totals(forecast, "voice").items():
        assert total == pytest.approx(levels[("voice", day.weekday())], rel=1e-9)
    shares = model.intraday_.groupby(["queue", "weekday"])["share"].sum()
    np.testing.assert_allclose(shares.to_numpy(), 1.0, rtol=1e-12)


def test_start_inside_history_is_refused(clean_history: History) -> None:
    model = WeeklyProfileForecaster().fit(clean_history)
    last_day = clean_history.last_date
    for start in (last_day, FIRST_DAY + timedelta(days=3)):
        with pytest.raises(InputError, match=r"forecast start .* is inside the history, which ends 2024-03-10"):
            model.predict(start, 7)
        with pytest.raises(InputError, match="inside the history"):
            seasonal_naive(clean_history, start, 7)
    with pytest.raises(InputError, match="days must be a whole number >= 1, got 0"):
        model.predict(FORECAST_START, 0)


def test_bad_settings_are_refused(clean_history: History) -> None:
    with pytest.raises(InputError, match="history_weeks must be a whole number >= 1, got 0"):
        WeeklyProfileForecaster(history_weeks=0).fit(clean_history)


def test_predict_before_fit_is_a_bug() -> None:
    with pytest.raises(RuntimeError, match="before fit"):
        WeeklyProfileForecaster().predict(FORECAST_START, 1)


# --- accuracy ----------------------------------------------------------------------------------------


def test_beats_seasonal_naive_on_a_known_weekly_shape(noisy_history: History) -> None:
    truth = expected_frame(FORECAST_START, 7)
    ours = WeeklyProfileForecaster().fit(noisy_history).predict(FORECAST_START, 7)
    naive = seasonal_naive(noisy_history, FORECAST_START, 7)

    ours_vs_truth, naive_vs_truth = wape(truth, ours), wape(truth, naive)
    # Naive carries one week of Poisson noise; 8 weeks averaged carry about a third of it (measured 0.03 vs 0.15).
    assert ours_vs_truth < 0.4 * naive_vs_truth
    assert ours_vs_truth < 0.06

    actual = noisy(truth, seed=99)
    assert wape(actual, ours) < wape(actual, naive)


def test_noise_free_history_gives_the_true_levels_and_aht(clean_history: History) -> None:
    model = WeeklyProfileForecaster().fit(clean_history)
    forecast = model.predict(FORECAST_START, 7)
    truth = expected_frame(FORECAST_START, 7)
    for day, total in daily_totals(forecast, "voice").items():
        assert total == pytest.approx(VOICE_DAILY[day.weekday()], rel=1e-9)
    assert wape(truth, forecast) < 0.01  # only the light intraday smoothing differs
    np.testing.assert_allclose(forecast["aht_seconds"].to_numpy(), truth["aht_seconds"].to_numpy(), rtol=1e-9)
    assert forecast.loc[forecast["queue"] == "chat", "aht_seconds"].isna().all()
    assert model.excluded_days_.empty


# --- holidays, anomalies, missing data ---------------------------------------------------------------

HOLIDAY = date(2024, 2, 26)  # a Monday inside the last 8 weeks


def history_with_changed_day(tmp_path: Path, day: date, factor: float | None) -> History:
    """Noise-free history where ``day`` of voice is scaled by ``factor`` (``None``: the day is missing)."""
    frame = expected_frame(FIRST_DAY, WEEKS * 7)
    on_day = (frame["interval_start"].dt.date == day) & (frame["queue"] == "voice")
    if factor is None:
        frame = frame.loc[~on_day]
    else:
        frame.loc[on_day, "contacts"] *= factor
    return write_history(tmp_path, frame)


def monday_level(forecast: pd.DataFrame) -> float:
    return float(daily_totals(forecast, "voice")[FORECAST_START])


def test_a_closed_holiday_does_not_drag_the_forecast_down(tmp_path: Path) -> None:
    history = history_with_changed_day(tmp_path, HOLIDAY, None)
    model = WeeklyProfileForecaster().fit(history)
    assert monday_level(model.predict(FORECAST_START, 1)) == pytest.approx(VOICE_DAILY[0], rel=1e-9)
    assert model.levels_.set_index(["queue", "weekday"]).loc[("voice", 0), "days_used"] == 7


def test_a_low_volume_day_is_detected_and_left_out(tmp_path: Path) -> None:
    history = history_with_changed_day(tmp_path, HOLIDAY, 0.3)
    model = WeeklyProfileForecaster().fit(history)
    assert monday_level(model.predict(FORECAST_START, 1)) == pytest.approx(VOICE_DAILY[0], rel=1e-9)
    assert model.excluded_days_.to_dict("records") == [{"queue": "voice", "date": HOLIDAY, "reason": "low volume"}]


def test_configured_holidays_are_left_out(tmp_path: Path) -> None:
    history = history_with_changed_day(tmp_path, HOLIDAY, 0.7)  # too busy for the automatic rule
    plain = monday_level(WeeklyProfileForecaster().fit(history).predict(FORECAST_START, 1))
    assert plain < 0.99 * VOICE_DAILY[0]
    model = WeeklyProfileForecaster(holiday_dates=[HOLIDAY]).fit(history)
    assert monday_level(model.predict(FORECAST_START, 1)) == pytest.approx(VOICE_DAILY[0], rel=1e-9)
    assert model.excluded_days_["reason"].tolist() == ["holiday", "holiday"]  # voice and chat


def test_an_unusually_busy_day_is_kept(tmp_path: Path) -> None:
    history = history_with_changed_day(tmp_path, HOLIDAY, 1.5)
    level = monday_level(WeeklyProfileForecaster().fit(history).predict(FORECAST_START, 1))
    assert level > VOICE_DAILY[0]


def test_a_day_with_lost_intervals_is_scaled_to_a_full_day(tmp_path: Path) -> None:
    frame = expected_frame(FIRST_DAY, WEEKS * 7)
    lost = (frame["interval_start"].dt.date == date(2024, 2, 27)) & (frame["interval_start"].dt.hour >= 17)
    history = write_history(tmp_path, frame.loc[~lost])
    model = WeeklyProfileForecaster().fit(history)
    tuesday = daily_totals(model.predict(FORECAST_START, 2), "voice")[FORECAST_START + timedelta(days=1)]
    assert tuesday == pytest.approx(VOICE_DAILY[1], rel=1e-9)
    assert model.excluded_days_.empty


def test_a_mostly_missing_day_is_left_out(tmp_path: Path) -> None:
    frame = expected_frame(FIRST_DAY, WEEKS * 7)
    lost = (frame["interval_start"].dt.date == date(2024, 2, 27)) & (frame["interval_start"].dt.hour >= 10)
    model = WeeklyProfileForecaster().fit(write_history(tmp_path, frame.loc[~lost]))
    assert model.excluded_days_["reason"].tolist() == ["incomplete", "incomplete"]


def test_aht_falls_back_to_the_weekday_then_the_queue_mean(tmp_path: Path) -> None:
    frame = expected_frame(FIRST_DAY, WEEKS * 7)
    voice = frame["queue"] == "voice"
    noon = frame["interval_start"].dt.strftime("%H:%M") == "12:00"
    saturday = frame["interval_start"].dt.day_of_week == 5
    frame.loc[voice & noon, "aht_seconds"] = np.nan
    frame.loc[voice & saturday, "aht_seconds"] = np.nan
    model = WeeklyProfileForecaster().fit(write_history(tmp_path, frame))
    forecast = model.predict(FORECAST_START, 7)
    rows = forecast[forecast["queue"] == "voice"]

    monday_rows = frame[voice & (frame["interval_start"].dt.date == HOLIDAY) & ~noon]
    monday_mean = np.average(monday_rows["aht_seconds"], weights=monday_rows["contacts"])
    monday_noon = rows[(rows["interval_start"].dt.day_of_week == 0) & (rows["interval_start"].dt.hour == 12)]
    assert monday_noon["aht_seconds"].iloc[0] == pytest.approx(monday_mean, rel=1e-9)

    known = frame[voice & frame["aht_seconds"].notna()]
    queue_mean = np.average(known["aht_seconds"], weights=known["contacts"])
    saturday_aht = rows.loc[rows["interval_start"].dt.day_of_week == 5, "aht_seconds"]
    np.testing.assert_allclose(saturday_aht.to_numpy(), queue_mean, rtol=1e-9)


# --- seasonal naive ----------------------------------------------------------------------------------


def test_seasonal_naive_repeats_the_last_week(noisy_history: History) -> None:
    naive = seasonal_naive(noisy_history, FORECAST_START, 14)
    assert tuple(naive.columns) == FORECAST_COLUMNS
    assert naive.equals(naive.sort_values(["queue", "interval_start"], ignore_index=True))

    history = noisy_history.frame
    last_week = history[history["interval_start"] >= pd.Timestamp(FORECAST_START - timedelta(weeks=1))]
    last_week = last_week.sort_values(["queue", "interval_start"], ignore_index=True)
    for weeks_ahead in (1, 2):
        shifted = last_week.assign(interval_start=last_week["interval_start"] + pd.Timedelta(weeks=weeks_ahead))
        week = naive[
            (naive["interval_start"] >= pd.Timestamp(FORECAST_START + timedelta(weeks=weeks_ahead - 1)))
            & (naive["interval_start"] < pd.Timestamp(FORECAST_START + timedelta(weeks=weeks_ahead)))
        ].reset_index(drop=True)
        pd.testing.assert_frame_equal(week, shifted[list(FORECAST_COLUMNS)], check_dtype=False)


def test_seasonal_naive_keeps_a_closed_day_closed(tmp_path: Path) -> None:
    history = history_with_changed_day(tmp_path, date(2024, 3, 4), None)  # the last Monday
    naive = seasonal_naive(history, FORECAST_START, 1)
    assert naive["queue"].unique().tolist() == ["chat"]


# --- properties --------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    weeks=st.integers(2, 5),
    history_weeks=st.integers(1, 9),
    scale=st.floats(0.0, 50.0),
)
def test_random_histories_give_sound_forecasts(seed: int, weeks: int, history_weeks: int, scale: float) -> None:
    rng = np.random.default_rng(seed)
    starts = pd.date_range(pd.Timestamp(FIRST_DAY), periods=weeks * 7 * 24, freq="h")
    frame = pd.DataFrame({"interval_start": starts, "queue": "q", "aht_seconds": np.nan})
    frame["contacts"] = rng.poisson(scale * rng.random(len(frame))).astype(float)
    frame = frame.loc[rng.random(len(frame)) > 0.2].reset_index(drop=True)  # closed and lost intervals
    history = History(
        frame=frame[["interval_start", "queue", "contacts", "aht_seconds"]],
        interval_minutes=60,
        path=Path("random.csv"),
    )

    start = history.last_date + timedelta(days=1)
    forecast = WeeklyProfileForecaster(history_weeks=history_weeks).fit(history).predict(start, 7)

    assert tuple(forecast.columns) == FORECAST_COLUMNS
    assert np.isfinite(forecast["contacts"]).all() and (forecast["contacts"] >= 0).all()
    assert forecast["aht_seconds"].isna().all()
    seen = set(
        zip(history.frame["interval_start"].dt.day_of_week, history.frame["interval_start"].dt.hour, strict=True)
    )
    assert set(zip(forecast["interval_start"].dt.day_of_week, forecast["interval_start"].dt.hour, strict=True)) <= seen


# --- real data -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [WeeklyProfileForecaster, SmoothedProfileForecaster, LowRankProfileForecaster])
@pytest.mark.parametrize("name", ["bank2003", "bank1999"])
def test_real_history_last_week_beats_seasonal_naive(name: str, model: type) -> None:
    path = DATA_DIR / name / "history.csv"
    if not path.exists():
        pytest.skip(f"real data {path} is absent (it lives beside the checkout, never in the repository)")
    history = load_history(path)
    cutoff = history.last_date - timedelta(days=6)
    train = history.before(cutoff)
    actual = history.frame[history.frame["interval_start"] >= pd.Timestamp(cutoff)]

    ours = wape(actual, model().fit(train).predict(cutoff, 7))
    naive = wape(actual, seasonal_naive(train, cutoff, 7))
    assert ours <= naive, f"{name}: {model.__name__} WAPE {ours:.4f} vs seasonal naive {naive:.4f}"
