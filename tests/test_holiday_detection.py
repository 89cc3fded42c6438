"""Detecting a history's holiday country from its quiet days (``forecasting.holiday_detection``)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecasting.calendar import country_holidays
from forecasting.history import History
from forecasting.holiday_detection import MIN_EVIDENCE, detect_holiday_country, quiet_ratios, rank_countries
from forecasting.service import DETECT_HOLIDAYS, NO_HOLIDAYS, choose_holidays, forecast_history
from scheduler.app.cli import main
from scheduler.errors import InputError
from tests.forecast_synthetic import day_totals, expected, poisson, write

FIRST = date(2023, 1, 2)  # a Monday
DAYS = 52 * 7


def _history(tmp_path: Path, country: str | None, seed: int, quiet_share: float = 0.0) -> History:
    """A year of Poisson contacts, open Monday to Saturday, closed on ``country``'s public holidays and
    at 40% volume on a random ``quiet_share`` of other days."""
    last = FIRST + timedelta(days=DAYS - 1)
    closed = frozenset(country_holidays(country, FIRST, last)) if country else frozenset()
    rng = np.random.default_rng(seed)
    quiet = {FIRST + timedelta(days=k) for k in range(DAYS) if rng.random() < quiet_share}
    frame = expected(FIRST, DAYS, lambda day: 0.4 if day in quiet else 1.0, closed=closed)
    return write(tmp_path, poisson(frame, seed=seed))


@pytest.mark.parametrize("country", ["IL", "CN", "US", "DE", "IN"])
def test_detects_the_country_whose_holidays_the_centre_closes_on(tmp_path: Path, country: str) -> None:
    found = detect_holiday_country(_history(tmp_path, country, seed=1, quiet_share=0.03))
    assert found is not None and found.country == country
    assert found.quiet >= 3 and found.evidence >= MIN_EVIDENCE
    assert country in found.describe() and "closed or quiet" in found.describe()


@pytest.mark.parametrize("seed", [2, 3, 4, 5])
def test_random_quiet_days_match_no_country(tmp_path: Path, seed: int) -> None:
    history = _history(tmp_path, None, seed=seed, quiet_share=0.05)
    assert detect_holiday_country(history) is None
    ranked = rank_countries(history)
    assert ranked and ranked[0].evidence < 0  # the best chance match is far below the bar


def test_quiet_ratios_score_open_weekdays_only(tmp_path: Path) -> None:
    history = _history(tmp_path, "US", seed=6)
    ratio = quiet_ratios(history)
    assert 6 not in set(ratio.index.day_of_week)  # Sunday is never open
    assert ratio[pd.Timestamp(date(2023, 7, 4))] == 0.0  # closed on Independence Day: no row, ratio 0
    holidays = [pd.Timestamp(d) for d in country_holidays("US", FIRST, FIRST + timedelta(days=DAYS))]
    assert ratio.drop(holidays, errors="ignore").median() == pytest.approx(1.0, abs=0.05)


def test_choose_holidays_resolves_codes(tmp_path: Path) -> None:
    history = _history(tmp_path, "IL", seed=7)
    assert choose_holidays(history, None).country is None
    assert choose_holidays(history, NO_HOLIDAYS).country is None
    assert choose_holidays(history, "us").country == "US"
    detected = choose_holidays(history, DETECT_HOLIDAYS)
    assert detected.country == "IL" and "detected from the history" in detected.describe()
    with pytest.raises(InputError, match="unknown holiday country code"):
        choose_holidays(history, "XX")


def test_default_forecast_closes_detected_holidays(tmp_path: Path) -> None:
    history = _history(tmp_path, "IL", seed=8)
    start = FIRST + timedelta(days=DAYS)  # 2024-01-01
    future = [d for d in country_holidays("IL", start, start + timedelta(days=120)) if d.weekday() != 6]
    assert future, "the test needs an IL holiday on an open weekday in the horizon"
    days = (future[0] - start).days + 7
    default = day_totals(forecast_history(history, start, days))
    plain = day_totals(forecast_history(history, start, days, holiday_country=NO_HOLIDAYS))
    assert future[0] not in default.index  # past holidays were closed: the future one is forecast closed
    assert future[0] in plain.index


def test_cli_says_which_calendar_it_detected(tmp_path: Path) -> None:
    history = _history(tmp_path, "IL", seed=9)
    start = (FIRST + timedelta(days=DAYS)).isoformat()
    args = ["forecast", str(history.path), "--start", start]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "f.csv")])
    assert result.exit_code == 0, result.output
    assert "holidays: IL, detected from the history" in result.output
    quiet = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "g.csv"), "--holidays", "none"])
    assert quiet.exit_code == 0 and "holidays:" not in quiet.output
