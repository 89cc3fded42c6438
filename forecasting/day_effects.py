"""Learned effects of holidays, events and make-up working days, on top of any interval forecaster.

A public holiday can make a centre quiet (a bank, closed) or busy (an e-commerce service line after
National Day, a travel hotline before Spring Festival), and so can the days around it and a shopping
festival (Double 11, Black Friday). ``CalendarForecaster`` wraps a model and, per queue:

1. *Tags.* Every day gets the tags of the calendar (``DayCalendar``): a holiday's days (a whole run of
   days off, see ``forecasting.calendar.holiday_runs``) are tagged ``(holiday:GROUP, 0)``; the
   ``HOLIDAY_WINDOW_DAYS`` open days before a run ``(holiday:GROUP, -1)``, ``-2``... and after it ``+1``,
   ``+2``...; an event's dates ``(event:NAME, 0)`` and the ``before_days`` / ``after_days`` open days
   around them likewise; a make-up working day ``(make_up_day, 0)``. *Open days* are the queue's open
   weekdays (rows on at least half of their dates) and make-up days, holidays excepted.
2. *Ratios.* For every tagged past day, ``ratio = day total / baseline`` (a day without rows has total 0),
   where the baseline is the median total of the untagged open days with the same weekday within
   ``BASELINE_WEEKS`` weeks either side (at least ``BASELINE_MIN_DAYS`` of them); a make-up day is
   compared with the weekday it replaces.
3. *Effects, with shrinkage.* A holiday group's effect on its days is the mean of its ratios shrunk
   towards the pooled effect of all holidays (the median ratio of every past holiday, robust to a mix of
   closed and open ones): ``(sum of ratios + PRIOR_OCCURRENCES x pooled) / (n + PRIOR_OCCURRENCES)``,
   so a holiday seen once leans on the others and one never seen gets the pooled effect. Every other
   effect is shrunk on the log scale (ratios floored at ``RATIO_FLOOR``, so a closed day is a large finite
   drop): ``log effect = (sum of log ratios + w x prior) / (n + w)``, ``w`` = ``PRIOR_OCCURRENCES`` on an
   event's dates and ``WINDOW_PRIOR_OCCURRENCES`` on the days around a holiday or an event (the weight of
   the previous model's eve and after-holiday effects). The prior of a holiday window day is the pooled
   effect of all holidays at that offset (itself shrunk towards 0 alike); an event's prior is the log of its
   given ``multiplier`` on its dates and 0 elsewhere (no history: the multiplier itself); a make-up day's
   is 0. An effect below ``CLOSED_EFFECT`` closes the day; with no past holiday in the history a holiday
   is closed (the previous rule). A pooled effect around holidays whose occurrences disagree so much
   that their mean log ratio is within one standard error of 0 is 1 (``_apart_from_one``): on bank1999
   the second open day after a holiday went 0.49x to 1.34x, and a pooled 0.93x from that spread moved
   every unseen holiday's second day down (the previous rule, with no such effect, was closer).
4. *Fit.* The wrapped model is fitted with the past holidays, event dates and make-up days as its
   ``holiday_dates`` (left out of its estimates) and made with ``holiday_effects=False``
   (``forecasting.service.calendar_factory``), so it forecasts every future day as an ordinary day.
5. *Forecast.* A make-up day is forecast as the ordinary day of the weekday it replaces (the model's
   forecast for the nearest later untagged date with that weekday, moved onto the make-up day); then
   every day's forecast is multiplied by the effects of its tags (several tags multiply). Days in
   ``overridden`` (the planner's special days) get no effect: the special day decides.

On the real bank histories (``benchmarks/forecast.py``, bank1999 with the Israeli calendar) the default
path scores no worse than the previous holiday rule (median factor, eve and after-holiday effects) on
every cut; the window weight of two occurrences is the previous rule's, one or four moved the WAPE by
under 0.3% either way. On generated busy-holiday centres it is what makes holidays busy
(``benchmarks/calendar_effects.py``). Deterministic; no randomness.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from forecasting.backtest import Forecaster
from forecasting.history import History
from forecasting.seasonal import DAYS_PER_WEEK, _forecast_frame

HOLIDAY_WINDOW_DAYS = 2
MAX_EVENT_WINDOW_DAYS = 14
BASELINE_WEEKS = 4
BASELINE_MIN_DAYS = 2
OPEN_WEEKDAY_SHARE = 0.5
PRIOR_OCCURRENCES = 1.0
WINDOW_PRIOR_OCCURRENCES = 2.0
RATIO_FLOOR = 0.01
CLOSED_EFFECT = 0.05
MAKE_UP_TAG = "make_up_day"
HOLIDAY_PREFIX = "holiday:"
EVENT_PREFIX = "event:"
MAX_PROXY_WEEKS = 8

Tag = tuple[str, int]


@dataclass(frozen=True)
class Event:
    """A named event: its dates (each an occurrence), the open days before and after it that it moves,
    and an optional multiplier of its dates used when the history holds no occurrence (> 0)."""

    name: str
    dates: tuple[date, ...]
    before_days: int = 0
    after_days: int = 0
    multiplier: float | None = None


@dataclass(frozen=True)
class DayCalendar:
    """The calendar a forecast follows. ``holidays``: date -> holiday group; ``make_up_days``: date ->
    the weekday (0 = Monday) it is worked as; ``events``; ``overridden``: dates no effect touches."""

    holidays: Mapping[date, str] = field(default_factory=dict)
    make_up_days: Mapping[date, int] = field(default_factory=dict)
    events: tuple[Event, ...] = ()
    overridden: frozenset[date] = frozenset()

    def is_empty(self) -> bool:
        return not (self.holidays or self.make_up_days or self.events)

    def special_dates(self) -> set[date]:
        """Holidays, event dates and make-up days: the days scored apart and left out of model fits."""
        days = set(self.holidays) | set(self.make_up_days)
        for event in self.events:
            days.update(event.dates)
        return days


def day_tags(days: Sequence[date], open_weekday: np.ndarray, calendar: DayCalendar) -> list[list[Tag]]:
    """The tags of every day of ``days`` (consecutive dates), module docstring step 1; ``open_weekday``
    has shape (7,)."""
    index = {day: position for position, day in enumerate(days)}
    holiday = np.array([day in calendar.holidays for day in days], dtype=bool)
    make_up = np.array([day in calendar.make_up_days for day in days], dtype=bool)
    weekday = np.array([day.weekday() for day in days])
    open_day = (open_weekday[weekday] | make_up) & ~holiday
    tags: list[list[Tag]] = [[] for _ in days]
    for spot in np.flatnonzero(make_up):
        tags[int(spot)].append((MAKE_UP_TAG, 0))
    for spot in np.flatnonzero(holiday):
        position = int(spot)
        day = days[position]
        key = HOLIDAY_PREFIX + calendar.holidays[day]
        tags[position].append((key, 0))
        starts = position == 0 or not holiday[position - 1]
        ends = position == len(days) - 1 or not holiday[position + 1]
        if starts:
            _tag_window(tags, open_day, position, -1, HOLIDAY_WINDOW_DAYS, key)
        if ends:
            _tag_window(tags, open_day, position, +1, HOLIDAY_WINDOW_DAYS, key)
    for event in calendar.events:
        key = EVENT_PREFIX + event.name
        for day in event.dates:
            if day in index:
                tags[index[day]].append((key, 0))
        # Windows reach into the range from event dates just outside it as well.
        for day in event.dates:
            reach = timedelta(days=2 * MAX_EVENT_WINDOW_DAYS)
            if not days or day < days[0] - reach or day > days[-1] + reach:
                continue
            offset = (day - days[0]).days
            _tag_window(tags, open_day, offset, -1, event.before_days, key)
            _tag_window(tags, open_day, offset, +1, event.after_days, key)
    return tags


def _tag_window(tags: list[list[Tag]], open_day: np.ndarray, position: int, step: int, count: int, key: str) -> None:
    """Tag the ``count`` open days before (``step`` -1) or after (+1) ``position`` with ``(key, -k)`` or
    ``(key, +k)``. Days outside the range count as open (so a window cut by the range stays aligned); the
    search gives up ``MAX_EVENT_WINDOW_DAYS`` calendar days beyond the window's length."""
    found, at = 0, position
    while found < count and abs(at - position) < count + MAX_EVENT_WINDOW_DAYS:
        at += step
        inside = 0 <= at < len(tags)
        if inside and not open_day[at]:
            continue
        found += 1
        if inside and (key, 0) not in tags[at]:
            tags[at].append((key, step * found))


@dataclass(frozen=True)
class QueueEffects:
    """What ``learn_effects`` learned for one queue: the multiplier of every tag seen or configured,
    how many past occurrences fed it, and the open weekdays (shape (7,))."""

    effect: Mapping[Tag, float]
    occurrences: Mapping[Tag, int]
    open_weekday: np.ndarray

    def factor(self, tags: Sequence[Tag]) -> float:
        """The product of the effects of ``tags``; an unknown tag counts 1, an unseen holiday group the
        pooled effect of all holidays (none in the history: closed on the day)."""
        value = 1.0
        for tag in tags:
            value *= self.lookup(tag)
        return value

    def lookup(self, tag: Tag) -> float:
        if tag in self.effect:
            return self.effect[tag]
        if tag[0].startswith(HOLIDAY_PREFIX):
            # No holiday in the history: closed on the day (the previous rule), ordinary around it.
            return self.effect.get((HOLIDAY_PREFIX, tag[1]), 0.0 if tag[1] == 0 else 1.0)
        return 1.0


def daily_totals(rows: pd.DataFrame, first: date, last: date) -> tuple[list[date], np.ndarray, np.ndarray]:
    """One queue's days from ``first`` to ``last``, their contact totals and whether they have a row."""
    day = rows["interval_start"].dt.normalize()
    totals = rows.groupby(day)["contacts"].sum()
    index = pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D")
    values = totals.reindex(index)
    return [stamp.date() for stamp in index], values.fillna(0.0).to_numpy(float), values.notna().to_numpy()


def open_weekdays(days: Sequence[date], opened: np.ndarray, calendar: DayCalendar) -> np.ndarray:
    """Weekdays with a row on at least ``OPEN_WEEKDAY_SHARE`` of their non-holiday dates, shape (7,)."""
    weekday = np.array([day.weekday() for day in days])
    plain = np.array([day not in calendar.holidays and day not in calendar.make_up_days for day in days], dtype=bool)
    result = np.zeros(DAYS_PER_WEEK, dtype=bool)
    for w in range(DAYS_PER_WEEK):
        these = plain & (weekday == w)
        result[w] = bool(these.any()) and float(opened[these].mean()) >= OPEN_WEEKDAY_SHARE
    return result


def learn_effects(rows: pd.DataFrame, last_date: date, calendar: DayCalendar) -> QueueEffects:
    """Effects of one queue's history rows (``History.frame`` columns) up to ``last_date``, module
    docstring steps 1 to 3."""
    first = rows["interval_start"].min().date()
    days, total, opened = daily_totals(rows, first, last_date)
    open_weekday = open_weekdays(days, opened, calendar)
    tags = day_tags(days, open_weekday, calendar)
    weekday = np.array([day.weekday() for day in days])
    plain = np.array([not t for t in tags]) & opened & open_weekday[weekday]
    ratios: dict[Tag, list[float]] = defaultdict(list)
    for position, day_tags_ in enumerate(tags):
        if not day_tags_ or days[position] in calendar.overridden:
            continue
        replaced = calendar.make_up_days.get(days[position], weekday[position])
        if not open_weekday[replaced]:
            continue
        baseline = _baseline(position, int(replaced), weekday, plain, total)
        if baseline is None:
            continue
        for tag in day_tags_:
            ratios[tag].append(float(total[position] / baseline))
    return QueueEffects(_shrunk(ratios, calendar), {tag: len(values) for tag, values in ratios.items()}, open_weekday)


def _baseline(position: int, weekday: int, weekdays: np.ndarray, plain: np.ndarray, total: np.ndarray) -> float | None:
    """Median total of the plain days of ``weekday`` within ``BASELINE_WEEKS`` weeks of ``position``."""
    shift = weekday - int(weekdays[position])
    centre = position + shift
    lags = [centre + DAYS_PER_WEEK * k for k in range(-BASELINE_WEEKS, BASELINE_WEEKS + 1)]
    values = [total[lag] for lag in lags if 0 <= lag < len(total) and lag != position and plain[lag]]
    if len(values) < BASELINE_MIN_DAYS:
        return None
    baseline = float(np.median(values))
    return baseline if baseline > 0 else None


def _shrunk(ratios: Mapping[Tag, list[float]], calendar: DayCalendar) -> dict[Tag, float]:
    """Module docstring step 3: shrunk effects per tag; the pooled holiday effects under ``(holiday:, k)``."""
    pooled_ratios: dict[int, list[float]] = defaultdict(list)
    for (key, offset), values in ratios.items():
        if key.startswith(HOLIDAY_PREFIX):
            pooled_ratios[offset].extend(values)
    pooled = {offset: _pooled(offset, values) for offset, values in pooled_ratios.items()}
    given = {EVENT_PREFIX + event.name: event.multiplier for event in calendar.events if event.multiplier}
    effects: dict[Tag, float] = {(HOLIDAY_PREFIX, offset): _closed_below(value) for offset, value in pooled.items()}
    for (key, offset), values in ratios.items():
        weight = _prior(offset)
        if key.startswith(HOLIDAY_PREFIX) and offset == 0:
            # Holidays themselves are shrunk in ratio space, where a closed day is simply 0.
            value = (sum(values) + weight * pooled[0]) / (len(values) + weight)
        else:
            prior = 0.0
            if key.startswith(HOLIDAY_PREFIX):
                prior = math.log(max(pooled[offset], RATIO_FLOOR))
            elif offset == 0 and given.get(key):
                prior = math.log(float(given[key] or 1.0))
            value = math.exp((sum(_logs(values)) + weight * prior) / (len(values) + weight))
        effects[(key, offset)] = _closed_below(value)
    for key, multiplier in given.items():
        effects.setdefault((key, 0), float(multiplier or 1.0))
    return effects


def _pooled(offset: int, values: list[float]) -> float:
    """The effect of all holidays at ``offset``: on the day, the median ratio (robust to a mix of closed and
    open holidays); around it, the geometric mean shrunk towards 1, or 1 itself where the occurrences do not
    tell it apart from 1 (``_apart_from_one``)."""
    if offset == 0:
        return float(np.median(values))
    logs = _logs(values)
    if not _apart_from_one(logs):
        return 1.0
    return math.exp(sum(logs) / (len(logs) + _prior(offset)))


def _apart_from_one(logs: list[float]) -> bool:
    """Whether log ratios tell their effect apart from 1: ``|mean| > se``, ``se`` the standard error of the
    mean from the spread of the occurrences. This is where the empirical-Bayes estimate of the effects'
    prior variance (``mean^2 - se^2``, by moments, as in positive-part James-Stein) is positive; where it
    is not, the posterior effect is 1. With fewer than two occurrences there is no spread to judge by, and
    the fixed prior weight alone shrinks the effect."""
    if len(logs) < 2:
        return True
    mean = float(np.mean(logs))
    standard_error = math.sqrt(float(np.var(logs, ddof=1)) / len(logs))
    return abs(mean) > standard_error


def _logs(values: list[float]) -> list[float]:
    return [math.log(max(value, RATIO_FLOOR)) for value in values]


def _prior(offset: int) -> float:
    """Weight of the prior, in occurrences: ``PRIOR_OCCURRENCES`` on the day, ``WINDOW_PRIOR_OCCURRENCES``
    around it."""
    return PRIOR_OCCURRENCES if offset == 0 else WINDOW_PRIOR_OCCURRENCES


def _closed_below(value: float) -> float:
    return 0.0 if value < CLOSED_EFFECT else value


ModelFactory = Callable[[Sequence[date]], Forecaster]


class CalendarForecaster:
    """A model forecasting ordinary days, times the learned calendar effects (module docstring).

    ``model_factory(holiday_dates)`` makes an unfitted forecaster (``fit(history)``, ``predict(start,
    days)``) that leaves ``holiday_dates`` out of its estimates. Learned state: ``model_`` (fitted),
    ``effects_`` (queue -> ``QueueEffects``), ``last_date_``.
    """

    def __init__(self, model_factory: ModelFactory, calendar: DayCalendar) -> None:
        self.model_factory = model_factory
        self.calendar = calendar

    def fit(self, history: History) -> CalendarForecaster:
        last = history.last_date
        past = sorted(day for day in self.calendar.special_dates() if day <= last)
        self.model_ = self.model_factory(past)
        self.model_.fit(history)
        self.last_date_ = last
        frame = history.frame
        self.effects_ = {
            str(queue): learn_effects(rows, last, self.calendar) for queue, rows in frame.groupby("queue", sort=True)
        }
        return self

    def predict(self, start: date, days: int) -> pd.DataFrame:
        """The wrapped model's forecast frame with make-up days and effects applied (step 5)."""
        if not hasattr(self, "model_"):
            raise RuntimeError("CalendarForecaster.predict called before fit")
        frame = self.model_.predict(start, days)
        if self.calendar.is_empty() or frame.empty and not self.calendar.make_up_days:
            return frame
        horizon = [start + timedelta(days=k) for k in range(int(days))]
        make_up = [day for day in horizon if day in self.calendar.make_up_days]
        if make_up:
            frame = self._with_make_up_days(frame, make_up)
        span = [horizon[0] - timedelta(days=MAX_EVENT_WINDOW_DAYS) + timedelta(days=k)
                for k in range(len(horizon) + 2 * MAX_EVENT_WINDOW_DAYS)]
        factor_of: dict[tuple[str, date], float] = {}
        for queue, effects in self.effects_.items():
            tags = day_tags(span, effects.open_weekday, self.calendar)
            for day, day_tags_ in zip(span, tags, strict=True):
                if day_tags_ and day not in self.calendar.overridden and horizon[0] <= day <= horizon[-1]:
                    factor_of[(queue, day)] = effects.factor(day_tags_)
        if not factor_of:
            return frame
        day = frame["interval_start"].dt.date
        factor = np.array([factor_of.get(key, 1.0) for key in zip(frame["queue"], day, strict=True)], dtype=float)
        scaled = frame.copy()
        for column in [c for c in frame.columns if c == "contacts" or c.startswith("contacts_")]:
            scaled[column] = scaled[column].to_numpy() * factor
        return scaled.loc[factor > 0].reset_index(drop=True)

    def _with_make_up_days(self, frame: pd.DataFrame, make_up: Collection[date]) -> pd.DataFrame:
        """Replace each make-up day's rows by the model's forecast of a later ordinary day of the weekday it
        replaces, moved onto it."""
        special = self.calendar.special_dates()
        day = frame["interval_start"].dt.date
        parts = [frame.loc[~day.isin(set(make_up))]]
        for target in sorted(make_up):
            weekday = self.calendar.make_up_days[target]
            proxy = target + timedelta(days=(weekday - target.weekday()) % DAYS_PER_WEEK)
            for _ in range(MAX_PROXY_WEEKS):
                if proxy > self.last_date_ and proxy not in special:
                    break
                proxy += timedelta(days=DAYS_PER_WEEK)
            rows = self.model_.predict(proxy, 1)
            shifted = rows.assign(interval_start=rows["interval_start"] + pd.Timedelta(days=(target - proxy).days))
            parts.append(shifted)
        return _forecast_frame([part for part in parts if len(part)])
