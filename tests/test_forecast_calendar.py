"""Holidays by country code and the planner's special days (``forecasting.calendar``)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from forecasting.calendar import apply_special_days, country_holidays, load_special_days
from forecasting.service import forecast_history
from scheduler.errors import InputError
from tests.forecast_synthetic import FIRST_DAY, WEEKDAY_TOTAL, day_totals, expected, write

WEEKS = 10
START = FIRST_DAY + timedelta(weeks=WEEKS)


def test_country_holidays_know_spring_festival_and_golden_week() -> None:
    china = country_holidays("cn", date(2024, 1, 1), date(2024, 12, 31))
    assert date(2024, 2, 10) in china  # Spring Festival
    assert date(2024, 10, 1) in china and date(2024, 10, 3) in china  # National Day, Golden Week
    assert date(2024, 12, 25) in country_holidays("GB", date(2024, 12, 1), date(2024, 12, 31))
    assert country_holidays("US", date(2024, 7, 1), date(2024, 7, 31)) == [date(2024, 7, 4)]


def test_unknown_country_is_refused() -> None:
    with pytest.raises(InputError, match="unknown holiday country code 'XX'"):
        country_holidays("XX", date(2024, 1, 1), date(2024, 2, 1))


def test_special_days_file_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "special.csv"
    path.write_text("date,effect\n2024-03-11,closed\n2024-03-12,0.6\n", encoding="utf-8")
    assert load_special_days(path) == {date(2024, 3, 11): 0.0, date(2024, 3, 12): 0.6}
    for body, message in [
        ("day,effect\n", "row 1: expected the header"),
        ("date,effect\n2024-13-01,closed\n", "row 2: date must be YYYY-MM-DD"),
        ("date,effect\n2024-03-11,-1\n", "row 2: effect must be 'closed' or a multiplier"),
        ("date,effect\n2024-03-11,half\n", "row 2: effect must be"),
        ("date,effect\n2024-03-11,1\n2024-03-11,2\n", "row 3: date 2024-03-11 appears more than once"),
    ]:
        path.write_text(body, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            load_special_days(path)
    with pytest.raises(InputError, match="file not found"):
        load_special_days(tmp_path / "absent.csv")


def test_apply_special_days_scales_and_closes() -> None:
    stamps = pd.to_datetime(["2024-03-11T08:00", "2024-03-12T08:00", "2024-03-13T08:00"])
    forecast = pd.DataFrame(
        {"interval_start": stamps, "queue": "q", "contacts": [10.0, 10.0, 10.0], "aht_seconds": 200.0}
    ).assign(contacts_p90=[20.0, 20.0, 20.0])
    out = apply_special_days(forecast, {date(2024, 3, 11): 0.0, date(2024, 3, 12): 0.6})
    assert out["interval_start"].dt.day.tolist() == [12, 13]
    assert out["contacts"].tolist() == pytest.approx([6.0, 10.0])
    assert out["contacts_p90"].tolist() == pytest.approx([12.0, 20.0])


def test_forecast_with_country_holidays_and_special_days(tmp_path: Path) -> None:
    # History 2024-01-01 .. 2024-03-10 in GB: New Year's Day (a Monday) is closed in the history.
    history = write(tmp_path, expected(FIRST_DAY, WEEKS * 7, closed=frozenset({date(2024, 1, 1)})))
    # Good Friday 2024-03-29 and Easter Monday 2024-04-01 fall in the horizon.
    forecast = forecast_history(
        history,
        START,
        28,
        holiday_country="GB",
        special_days={date(2024, 3, 12): 0.5, date(2024, 4, 1): 1.0},
    )
    totals = day_totals(forecast)
    assert date(2024, 3, 29) not in totals.index  # holiday, closed like the past one
    assert totals[date(2024, 4, 1)] == pytest.approx(WEEKDAY_TOTAL[0], rel=0.02)  # special day overrides
    assert totals[date(2024, 3, 12)] == pytest.approx(0.5 * WEEKDAY_TOTAL[1], rel=0.02)
    assert totals[date(2024, 3, 13)] == pytest.approx(WEEKDAY_TOTAL[2], rel=0.02)
