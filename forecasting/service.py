"""One call per CLI command: forecast a history with calendar, interval and quantile options."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from forecasting.auto import AutoForecaster
from forecasting.backtest import BacktestResult, Forecaster, ForecasterFactory, backtest, candidate_models
from forecasting.calendar import apply_special_days, country_calendar, country_holidays
from forecasting.day_effects import CalendarForecaster, DayCalendar, Event
from forecasting.errors import InputError
from forecasting.history import History
from forecasting.holiday_detection import CalendarEvidence, detect_holiday_country
from forecasting.intervals import add_quantiles, aggregate, check_quantiles
from forecasting.seasonal import WeeklyProfileForecaster

MODEL_NAMES: tuple[str, ...] = ("auto", "smoothed_profile", "lowrank", "weekly_profile", "seasonal_naive")
DETECT_HOLIDAYS = "auto"
NO_HOLIDAYS = "none"


@dataclass(frozen=True)
class HolidayChoice:
    """The holiday calendar a forecast uses: ``country`` (None: no calendar), as asked (``requested``:
    a country code, ``DETECT_HOLIDAYS`` or ``NO_HOLIDAYS``) and, when detected, the evidence."""

    requested: str
    country: str | None
    evidence: CalendarEvidence | None = None

    def describe(self) -> str:
        if self.requested != DETECT_HOLIDAYS:
            return f"holidays: {self.country}" if self.country else "holidays: none"
        if self.evidence is None:
            return (
                "holidays: no country's calendar matches the history's unusual (quiet or busy) days; none used "
                "(--holidays CODE names one)"
            )
        return (
            f"holidays: {self.country}, detected from the history: {self.evidence.describe()} "
            "(--holidays CODE or none overrides)"
        )


def choose_holidays(history: History, holiday_country: str | None) -> HolidayChoice:
    """Resolve ``holiday_country``: a country code is used as given, ``DETECT_HOLIDAYS`` picks the country
    whose holidays match the history's quiet or busy days (``forecasting.holiday_detection``), None or
    ``NO_HOLIDAYS`` means no calendar."""
    requested = (holiday_country or NO_HOLIDAYS).strip()
    if requested.lower() == NO_HOLIDAYS:
        return HolidayChoice(NO_HOLIDAYS, None)
    if requested.lower() == DETECT_HOLIDAYS:
        evidence = detect_holiday_country(history)
        return HolidayChoice(DETECT_HOLIDAYS, evidence.country if evidence else None, evidence)
    country_holidays(requested, history.first_date, history.first_date)  # an unknown code fails here, in one line
    return HolidayChoice(requested, requested.upper())


def model_factory(
    name: str, holiday_dates: Sequence[date] = (), history_weeks: int | None = None, holiday_effects: bool = True
) -> ForecasterFactory:
    """Factory of the model called ``name`` (one of ``MODEL_NAMES``); ``history_weeks`` sets the window of
    ``weekly_profile`` (default 8); ``holiday_effects`` False: no model applies its own holiday effects
    (``forecasting.day_effects`` does)."""
    if name == "auto":
        return lambda: AutoForecaster(holiday_dates=holiday_dates, holiday_effects=holiday_effects)
    if name == "weekly_profile" and history_weeks is not None:
        return lambda: WeeklyProfileForecaster(history_weeks=history_weeks, holiday_dates=holiday_dates)
    models = candidate_models(holiday_dates, holiday_effects)
    if name not in models:
        raise InputError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
    return models[name]


def day_calendar(
    country: str | None,
    first: date,
    last: date,
    *,
    listed_holidays: Sequence[date] = (),
    events: Sequence[Event] = (),
    special_days: Mapping[date, float] | None = None,
) -> DayCalendar:
    """The ``DayCalendar`` from ``first`` to ``last``: the public holidays and make-up days of ``country``
    (None: none), ``listed_holidays`` (grouped by month and day), ``events``; ``special_days`` override them."""
    holidays: dict[date, str] = {}
    make_up: dict[date, int] = {}
    if country:
        found = country_calendar(country, first, last)
        holidays.update(found.holidays)
        make_up.update(found.make_up_days)
    for day in listed_holidays:
        holidays.setdefault(day, f"listed {day:%m-%d}")  # the same date every year is one holiday
    special = set(special_days or {})
    return DayCalendar(
        holidays={day: group for day, group in sorted(holidays.items()) if day not in special},
        make_up_days={day: weekday for day, weekday in sorted(make_up.items()) if day not in special},
        events=tuple(events),
        overridden=frozenset(special),
    )


def calendar_factory(name: str, calendar: DayCalendar, history_weeks: int | None = None) -> ForecasterFactory:
    """Factory of the model ``name`` behind the calendar's learned effects (``forecasting.day_effects``);
    the bare model when the calendar is empty."""
    if calendar.is_empty():
        return model_factory(name, (), history_weeks)
    model_factory(name, (), history_weeks)  # an unknown name fails here

    def make(holiday_dates: Sequence[date]) -> Forecaster:
        return model_factory(name, holiday_dates, history_weeks, holiday_effects=False)()

    return lambda: CalendarForecaster(make, calendar)


def forecast_history(
    history: History,
    start: date,
    days: int,
    *,
    model: str = "smoothed_profile",
    holiday_country: str | None = DETECT_HOLIDAYS,
    special_days: Mapping[date, float] | None = None,
    interval_minutes: int | None = None,
    quantiles: Sequence[float] = (),
    history_weeks: int | None = None,
    events: Sequence[Event] = (),
) -> pd.DataFrame:
    """Interval forecast of every queue (columns ``interval_start, queue, contacts, aht_seconds`` and one
    ``contacts_p..`` column per quantile).

    ``holiday_country``: public holidays and make-up working days of that country (resolved by
    ``choose_holidays``: by default detected from the history) and ``events`` are left out of fitting and
    forecast with their learned effects (``forecasting.day_effects``). ``special_days``: date ->
    multiplier (0 = closed), overriding the calendar on its dates. ``interval_minutes``: aggregate the
    output to this interval, a multiple of the history's. ``quantiles``: prediction quantiles from back-test errors
    (``forecasting.intervals``). ``history_weeks``: window of the ``weekly_profile`` model.
    """
    special = dict(special_days or {})
    quantiles = check_quantiles(quantiles)
    if interval_minutes is not None and (
        interval_minutes < history.interval_minutes or interval_minutes % history.interval_minutes
    ):
        raise InputError(
            f"--interval {interval_minutes} must be a multiple of the history's {history.interval_minutes}-minute "
            "interval"
        )
    country = choose_holidays(history, holiday_country).country
    last = start + timedelta(days=max(int(days), 1))
    calendar = day_calendar(country, history.first_date, last, events=events, special_days=special)
    factory = calendar_factory(model, calendar, history_weeks)
    frame = factory().fit(history).predict(start, days)
    if interval_minutes is not None and interval_minutes != history.interval_minutes:
        frame = aggregate(frame, interval_minutes)
    else:
        interval_minutes = None
    if quantiles:
        frame = add_quantiles(frame, history, factory, quantiles, interval_minutes=interval_minutes)
    return apply_special_days(frame, special)


def backtest_history(
    history: History, weeks: int, holiday_country: str | None = DETECT_HOLIDAYS, events: Sequence[Event] = ()
) -> BacktestResult:
    """Back-test the candidate models (``forecasting.backtest``) over the last ``weeks`` weekly origins, with
    the calendar of ``holiday_country`` (resolved by ``choose_holidays`` on the whole history) and
    ``events``; their days are scored apart."""
    country = choose_holidays(history, holiday_country).country
    calendar = day_calendar(country, history.first_date, history.last_date + timedelta(days=7), events=events)
    models = {name: calendar_factory(name, calendar) for name in candidate_models()}
    return backtest(history, models, weeks=weeks, special_dates=calendar.special_dates())
