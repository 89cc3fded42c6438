"""Rolling weekly back-tests, the automatic model choice, and ``wfm backtest``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecasting.auto import AutoForecaster
from forecasting.backtest import SeasonalNaiveForecaster, backtest, format_table, weekly_origins
from forecasting.history import History
from forecasting.seasonal import FORECAST_COLUMNS
from scheduler.app.cli import main
from scheduler.errors import InputError
from tests.forecast_synthetic import FIRST_DAY, expected, poisson, write

WEEKS = 10


class Scaled:
    """Seasonal naive times a constant: a model with a known bias."""

    def __init__(self, factor: float) -> None:
        self.factor = factor

    def fit(self, history: History) -> Scaled:
        self.naive_ = SeasonalNaiveForecaster().fit(history)
        return self

    def predict(self, start: date, days: int) -> pd.DataFrame:
        frame = self.naive_.predict(start, days)
        return frame.assign(contacts=frame["contacts"] * self.factor)


@pytest.fixture(scope="module")
def periodic(tmp_path_factory: pytest.TempPathFactory) -> History:
    return write(tmp_path_factory.mktemp("periodic"), expected(FIRST_DAY, WEEKS * 7))


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> History:
    return write(tmp_path_factory.mktemp("noisy"), poisson(expected(FIRST_DAY, WEEKS * 7), seed=5))


def test_origins_are_the_last_complete_mondays(periodic: History) -> None:
    origins = weekly_origins(periodic, 3)
    assert origins == [FIRST_DAY + timedelta(weeks=w) for w in (7, 8, 9)]
    assert len(weekly_origins(periodic, 100)) == WEEKS - 2  # each origin needs a week before it


def test_exact_model_scores_zero_and_biased_model_shows_its_bias(periodic: History) -> None:
    models = {"double": lambda: Scaled(2.0), "naive": SeasonalNaiveForecaster}
    result = backtest(periodic, models, weeks=4)
    scores = {score.model: score for score in result.scores}
    assert scores["naive"].wape == pytest.approx(0.0, abs=1e-12)
    assert scores["naive"].bias == pytest.approx(0.0, abs=1e-12)
    assert scores["double"].bias == pytest.approx(1.0)
    assert scores["double"].wape == pytest.approx(1.0)
    assert result.chosen == {"voice": "naive"}
    assert len(result.origins) == 4
    assert "*" in format_table(result)


def test_mase_of_seasonal_naive_is_about_one_on_a_stationary_series(noisy: History) -> None:
    result = backtest(noisy, {"naive": SeasonalNaiveForecaster}, weeks=6)
    assert 0.85 < result.scores[0].mase < 1.15


def test_default_candidates_beat_naive_on_noisy_weekly_data(noisy: History) -> None:
    result = backtest(noisy, weeks=4)
    wape = {score.model: score.wape for score in result.scores}
    assert set(wape) == {"smoothed_profile", "lowrank", "weekly_profile", "seasonal_naive"}
    assert wape["smoothed_profile"] < wape["seasonal_naive"]
    assert result.chosen["voice"] != "seasonal_naive"
    frame = result.frame()
    assert frame["chosen"].sum() == 1


def test_too_short_history_is_refused(tmp_path: Path) -> None:
    history = write(tmp_path, expected(FIRST_DAY, 15))
    with pytest.raises(InputError, match="no complete week"):
        backtest(history, weeks=2)
    with pytest.raises(InputError, match="weeks"):
        backtest(history, weeks=0)


def test_auto_forecaster_picks_per_queue(tmp_path: Path) -> None:
    # Queue "flat" is exactly periodic (naive wins over a doubled naive); "rising" grows 10% a week
    # (the doubled naive is still worse, so both pick naive unless ties misbehave). Use a model that
    # is exact for "rising" only: naive x 1.1.
    flat = expected(FIRST_DAY, WEEKS * 7, queue="flat")
    rising = expected(FIRST_DAY, WEEKS * 7, lambda day: 1.1 ** ((day - FIRST_DAY).days // 7), queue="rising")
    history = write(tmp_path, pd.concat([flat, rising], ignore_index=True))
    models = {"naive": SeasonalNaiveForecaster, "growth": lambda: Scaled(1.1)}
    auto = AutoForecaster(selection_weeks=3, models=models).fit(history)
    assert auto.chosen_ == {"flat": "naive", "rising": "growth"}
    forecast = auto.predict(FIRST_DAY + timedelta(weeks=WEEKS), 7)
    assert tuple(forecast.columns) == FORECAST_COLUMNS
    assert set(forecast["queue"]) == {"flat", "rising"}


def test_auto_forecaster_with_default_candidates_runs(noisy: History) -> None:
    auto = AutoForecaster().fit(noisy)
    assert set(auto.chosen_) == {"voice"}
    assert len(auto.predict(FIRST_DAY + timedelta(weeks=WEEKS), 7)) > 0


def test_cli_backtest_table_and_json(noisy: History) -> None:
    runner = CliRunner()
    table = runner.invoke(main, ["backtest", str(noisy.path), "--weeks", "3"])
    assert table.exit_code == 0, table.output
    assert "smoothed_profile" in table.output and "MASE" in table.output
    as_json = runner.invoke(main, ["backtest", str(noisy.path), "--weeks", "3", "--json"])
    assert as_json.exit_code == 0, as_json.output
    payload = json.loads(as_json.output.strip().splitlines()[-1])  # the holiday line goes to stderr first
    assert len(payload["origins"]) == 3
    assert payload["chosen"]["voice"] in {"smoothed_profile", "lowrank", "weekly_profile", "seasonal_naive"}
    assert {"model", "queue", "wape", "mase", "bias"} <= set(payload["scores"][0])


def test_cli_backtest_bad_input_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["backtest", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    assert "file not found" in result.output
