"""Learned holiday, event and make-up-day effects (``forecasting.day_effects``) and busy-holiday detection."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.backtest import format_table
from forecasting.calendar import country_calendar, country_holidays
from forecasting.day_effects import HOLIDAY_PREFIX, DayCalendar, Event, _pooled, learn_effects
from forecasting.history import History
from forecasting.holiday_detection import detect_holiday_country
from forecasting.service import backtest_history, day_calendar, forecast_history
from tests.forecast_synthetic import WEEKDAY_TOTAL, day_totals, expected, poisson, write

FIRST = date(2023, 1, 2)  # a Monday
LIFT, REBOUND = 1.4, (1.25, 1.1)  # on the holiday, then the next two open days


def _open_after(day: date, count: int, holidays: set[date]) -> list[date]:
    """The next ``count`` open days (Monday to Saturday, not holidays) after ``day``."""
    found: list[date] = []
    while len(found) < count:
        day += timedelta(days=1)
        if day.weekday() in WEEKDAY_TOTAL and day not in holidays:
            found.append(day)
    return found


def _busy_history(tmp_path: Path, country: str, days: int, seed: int = 3) -> History:
    """Poisson contacts, Monday to Saturday: ``LIFT`` on ``country``'s holidays and ``REBOUND`` after."""
    last = FIRST + timedelta(days=days - 1)
    holidays = set(country_holidays(country, FIRST, last + timedelta(days=30)))
    factor = dict.fromkeys(holidays, LIFT)
    for holiday in holidays:
        for day, lift in zip(_open_after(holiday, 2, holidays), REBOUND, strict=True):
            factor.setdefault(day, lift)
    frame = expected(FIRST, days, lambda day: factor.get(day, 1.0))
    return write(tmp_path, poisson(frame, seed=seed))


def test_a_busy_holiday_and_its_rebound_are_learned_within_a_few_points(tmp_path: Path) -> None:
    history = _busy_history(tmp_path, "US", 2 * 364)
    calendar = day_calendar("US", history.first_date, history.last_date)
    effects = learn_effects(history.frame, history.last_date, calendar)
    pooled = {offset: effects.effect[(HOLIDAY_PREFIX, offset)] for offset in (0, 1, 2, -1)}
    assert pooled[0] == pytest.approx(LIFT, rel=0.05)
    assert pooled[1] == pytest.approx(REBOUND[0], rel=0.05)
    assert pooled[2] == pytest.approx(REBOUND[1], rel=0.05)
    assert pooled[-1] == pytest.approx(1.0, abs=0.05)  # the day before was ordinary
    christmas = effects.effect[(HOLIDAY_PREFIX + "Christmas Day", 0)]
    assert christmas == pytest.approx(LIFT, rel=0.06)  # seen twice, shrunk towards the pooled effect


def test_busy_holidays_are_forecast_busy(tmp_path: Path) -> None:
    history = _busy_history(tmp_path, "US", 2 * 364 - 35)  # ends before Thanksgiving 2024 (28 November)
    start = date(2024, 11, 25)
    forecast = forecast_history(history, start, 7, holiday_country="US")
    total = day_totals(forecast)
    thursday = WEEKDAY_TOTAL[3]
    assert total[date(2024, 11, 28)] == pytest.approx(LIFT * thursday, rel=0.07)
    assert total[date(2024, 11, 29)] == pytest.approx(REBOUND[0] * WEEKDAY_TOTAL[4], rel=0.07)
    assert total[date(2024, 11, 27)] == pytest.approx(WEEKDAY_TOTAL[2], rel=0.07)  # the eve is ordinary
    ignored = day_totals(forecast_history(history, start, 7, holiday_country="none"))
    assert ignored[date(2024, 11, 28)] == pytest.approx(thursday, rel=0.07)
    special = {date(2024, 11, 28): 0.5}  # the planner's special day overrides the learned effect
    overridden = day_totals(forecast_history(history, start, 7, holiday_country="US", special_days=special))
    assert overridden[date(2024, 11, 28)] == pytest.approx(0.5 * thursday, rel=0.07)


def test_a_pooled_window_effect_its_occurrences_disagree_on_is_none() -> None:
    # bank1999's second open day after its holidays: 0.88x, 1.34x, 0.87x, 0.49x; the mean log ratio is
    # within one standard error of 0, so an unseen holiday's second day is forecast ordinary.
    assert _pooled(2, [0.879, 1.34, 0.874, 0.494]) == 1.0
    # The same number of occurrences that agree keep their (shrunk) effect, in either direction.
    assert _pooled(2, [0.9, 0.92, 0.88, 0.91]) == pytest.approx(0.9 ** (4 / 6), abs=0.01)
    assert _pooled(-1, [1.2, 1.25, 1.15, 1.22]) > 1.1
    # A single occurrence has no spread to judge by: the fixed prior weight alone.
    assert _pooled(1, [1.5]) == pytest.approx(1.5 ** (1 / 3))


def test_make_up_days_come_from_the_holidays_package() -> None:
    calendar = country_calendar("CN", date(2024, 1, 1), date(2024, 12, 31))
    assert calendar.make_up_days[date(2024, 10, 12)] == 0  # Saturday worked for Monday 7 October
    assert calendar.make_up_days[date(2024, 9, 29)] == 4  # Sunday worked for Friday 4 October
    assert all(day.weekday() >= 5 for day in calendar.make_up_days)
    assert {calendar.holidays[date(2024, 10, k)] for k in range(1, 8)} == {"National Day"}  # weekend inside
    assert not country_calendar("US", date(2024, 1, 1), date(2024, 12, 31)).make_up_days


def test_a_make_up_saturday_is_forecast_like_the_weekday_it_replaces(tmp_path: Path) -> None:
    """A CN centre open Monday to Saturday, closed on holidays, working make-up days as their weekday."""
    last = date(2024, 10, 6)
    found = country_calendar("CN", FIRST, last + timedelta(days=30))
    closed = frozenset(found.holidays)

    def factor(day: date) -> float:
        replaced = found.make_up_days.get(day)
        return 1.0 if replaced is None else WEEKDAY_TOTAL[replaced] / WEEKDAY_TOTAL.get(day.weekday(), 1.0)

    frame = expected(FIRST, (last - FIRST).days + 1, factor, closed=closed)
    # The generator has no Sunday: a make-up Sunday gets the next Monday's rows, scaled and moved back a day.
    sundays = [
        expected(day + timedelta(days=1), 1, lambda _, w=weekday: WEEKDAY_TOTAL[w] / WEEKDAY_TOTAL[0])
        for day, weekday in found.make_up_days.items()
        if day.weekday() == 6 and day <= last
    ]
    frame = pd.concat([frame, *(part.assign(interval_start=part["interval_start"] - pd.Timedelta(days=1))
                                for part in sundays)], ignore_index=True)
    history = write(tmp_path, poisson(frame, seed=5))
    total = day_totals(forecast_history(history, date(2024, 10, 7), 7, holiday_country="CN"))
    assert date(2024, 10, 7) not in total  # a day off of National Day: closed like the past ones
    assert total[date(2024, 10, 12)] == pytest.approx(WEEKDAY_TOTAL[0], rel=0.08)  # like a Monday
    plain = day_totals(forecast_history(history, date(2024, 10, 14), 7, holiday_country="CN"))
    assert plain[date(2024, 10, 19)] == pytest.approx(WEEKDAY_TOTAL[5], rel=0.08)  # an ordinary Saturday


def test_an_event_is_learned_from_its_past_dates_or_given(tmp_path: Path) -> None:
    days = 2 * 364
    singles = [date(2023, 11, 11), date(2024, 11, 11)]
    presale = {day - timedelta(days=1) for day in singles}
    frame = expected(FIRST, days, lambda day: 1.8 if day in singles else 1.3 if day in presale else 1.0)
    history = write(tmp_path, poisson(frame, seed=7).loc[lambda f: f["interval_start"] < "2024-11-01"])
    double_11 = Event("double_11", (*singles, date(2025, 11, 11)), before_days=1, after_days=0)
    calendar = DayCalendar(events=(double_11,))
    effects = learn_effects(history.frame, history.last_date, calendar)
    assert effects.occurrences[("event:double_11", 0)] == 1
    assert effects.effect[("event:double_11", 0)] == pytest.approx(np.sqrt(1.8), rel=0.05)  # one, half-shrunk
    total = day_totals(forecast_history(history, date(2024, 11, 4), 14, holiday_country="none", events=[double_11]))
    assert total[date(2024, 11, 11)] > 1.25 * WEEKDAY_TOTAL[0]
    assert total[date(2024, 11, 9)] > 1.1 * WEEKDAY_TOTAL[5]  # the Saturday before: the presale day's window
    fresh = Event("launch", (date(2024, 11, 6),), multiplier=2.0)
    launch = day_totals(forecast_history(history, date(2024, 11, 4), 7, holiday_country="none", events=[fresh]))
    assert launch[date(2024, 11, 6)] == pytest.approx(2.0 * WEEKDAY_TOTAL[2], rel=0.07)


def test_backtest_scores_day_totals_and_special_days_apart(tmp_path: Path) -> None:
    history = _busy_history(tmp_path, "US", 364 + 7 * 28)  # tested weeks: Juneteenth, 4 July
    result = backtest_history(history, 4, "US")
    smoothed = next(s for s in result.scores if s.model == "smoothed_profile")
    assert smoothed.special_days >= 2
    assert 0 <= smoothed.daily_wape <= smoothed.wape
    assert smoothed.special_wape < 0.15  # the busy holidays are forecast busy
    table = format_table(result)
    assert "daily" in table and "special" in table and "2 holiday, event and make-up days" in table
    bare = backtest_history(history, 4, "none")
    plain = next(s for s in bare.scores if s.model == "smoothed_profile")
    assert np.isnan(plain.special_wape) and plain.special_days == 0


@pytest.mark.parametrize("country", ["CN", "US"])
def test_busy_holiday_centres_are_detected(tmp_path: Path, country: str) -> None:
    found = detect_holiday_country(_busy_history(tmp_path, country, 364))
    assert found is not None and found.country == country
    assert found.busy >= 3 and "busy" in found.describe()


@pytest.mark.parametrize("seed", [1, 2])
def test_random_busy_and_quiet_days_match_no_country(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    odd = {FIRST + timedelta(days=k): float(rng.choice([0.4, 1.6])) for k in range(364) if rng.random() < 0.06}
    frame = expected(FIRST, 364, lambda day: odd.get(day, 1.0))
    assert detect_holiday_country(write(tmp_path, poisson(frame, seed=seed))) is None
