"""Rolling weekly back-tests of interval forecasters, and the per-queue model choice they imply.

Protocol. *Origins* are the last ``weeks`` Mondays whose whole week lies inside the history: every
weekday the history is ever open on (has a row) falls on or before its last day. At each origin every
model is fitted on ``History.before(origin)`` and forecasts the 7 days from the origin. Actual and
forecast are outer-joined per (queue, interval_start); a side without a row counts as 0 contacts (a
forecast for a day the history leaves out costs its whole forecast).

Scores, per model and queue, pooled over all origins:

- ``wape`` = sum |actual - forecast| / sum actual;
- ``mase`` = mean |actual - forecast| over the joined intervals / the in-sample MAE of the seasonal
  naive forecast at lag one week (same interval 7 days earlier, over the intervals present both times)
  on the history before the first origin;
- ``bias`` = sum (forecast - actual) / sum actual (positive: over-forecast);
- ``daily_wape`` = sum over days of |actual day total - forecast day total| / sum actual: what the
  day's staffing budget sees, where interval errors within a day cancel;
- ``special_wape`` and ``ordinary_wape``: the interval WAPE over the *special days* (holidays, event dates
  and make-up days of the calendar, ``special_dates``) and over the other days, so a planner sees how the
  model does where it matters; ``special_days`` counts the special days in the test weeks (NaN WAPE
  without any).

The automatic choice for a queue is the model with the lowest WAPE (ties: the first in ``models``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import numpy as np
import pandas as pd

from forecasting.errors import InputError
from forecasting.history import History
from forecasting.lowrank import LowRankProfileForecaster
from forecasting.seasonal import DAYS_PER_WEEK, WeeklyProfileForecaster, seasonal_naive
from forecasting.smoothed import SmoothedProfileForecaster

KEYS: tuple[str, str] = ("queue", "interval_start")


class Forecaster(Protocol):
    """What the back-test needs: ``fit(history)`` returning itself, ``predict(start, days)`` a forecast frame."""

    def fit(self, history: History) -> Forecaster: ...

    def predict(self, start: date, days: int) -> pd.DataFrame: ...


ForecasterFactory = Callable[[], Forecaster]


class SeasonalNaiveForecaster:
    """``seasonal_naive`` behind the fit/predict API: each interval repeats the latest same weekday."""

    def fit(self, history: History) -> SeasonalNaiveForecaster:
        self.history_ = history
        return self

    def predict(self, start: date, days: int) -> pd.DataFrame:
        if not hasattr(self, "history_"):
            raise RuntimeError("SeasonalNaiveForecaster.predict called before fit")
        return seasonal_naive(self.history_, start, days)


def candidate_models(holiday_dates: Sequence[date] = (), holiday_effects: bool = True) -> dict[str, ForecasterFactory]:
    """The models the automatic choice picks from, by name, in order of preference on ties.
    ``holiday_effects`` False: ``smoothed_profile`` forecasts every day as ordinary (``forecasting.day_effects``)."""
    holidays = tuple(holiday_dates)
    return {
        "smoothed_profile": lambda: SmoothedProfileForecaster(holiday_dates=holidays, holiday_effects=holiday_effects),
        "lowrank": lambda: LowRankProfileForecaster(holiday_dates=holidays),
        "weekly_profile": lambda: WeeklyProfileForecaster(holiday_dates=holidays),
        "seasonal_naive": SeasonalNaiveForecaster,
    }


@dataclass(frozen=True)
class Score:
    """Back-test figures of one model on one queue (see the module docstring)."""

    model: str
    queue: str
    wape: float
    mase: float
    bias: float
    actual_contacts: float
    abs_error_contacts: float
    seconds_per_forecast: float
    daily_wape: float = float("nan")
    special_wape: float = float("nan")
    ordinary_wape: float = float("nan")
    special_days: int = 0


@dataclass(frozen=True)
class BacktestResult:
    """All scores, the origins used, and the model the automatic choice picks per queue."""

    origins: tuple[date, ...]
    scores: tuple[Score, ...]
    chosen: Mapping[str, str]

    def to_json_dict(self) -> dict[str, object]:
        """Origins (ISO dates), choice per queue, and scores; NaN figures become ``None`` (valid JSON)."""

        def clean(value: object) -> object:
            return None if isinstance(value, float) and not np.isfinite(value) else value

        return {
            "origins": [origin.isoformat() for origin in self.origins],
            "chosen": dict(self.chosen),
            "scores": [{key: clean(value) for key, value in score.__dict__.items()} for score in self.scores],
        }

    def frame(self) -> pd.DataFrame:
        """One row per (model, queue) with the ``Score`` fields and ``chosen`` (bool)."""
        rows = [
            {**score.__dict__, "chosen": self.chosen.get(score.queue) == score.model} for score in self.scores
        ]
        return pd.DataFrame(rows)


def weekly_origins(history: History, count: int) -> list[date]:
    """The last ``count`` Mondays whose week's open weekdays all fall inside ``history``, oldest first.

    An origin needs at least one week of history before it. May return fewer than ``count``.
    """
    weekdays = set(int(d) for d in history.frame["interval_start"].dt.day_of_week.unique())
    last_open_offset = max(weekdays)
    first, last = history.first_date, history.last_date
    monday = last - timedelta(days=last.weekday())
    origins: list[date] = []
    while len(origins) < count and monday > first + timedelta(days=DAYS_PER_WEEK):
        if monday + timedelta(days=last_open_offset) <= last:
            origins.append(monday)
        monday -= timedelta(days=DAYS_PER_WEEK)
    return sorted(origins)


def backtest(
    history: History,
    models: Mapping[str, ForecasterFactory] | None = None,
    weeks: int = 8,
    special_dates: Collection[date] = (),
) -> BacktestResult:
    """Score every model on every queue over the last ``weeks`` weekly origins (module docstring).

    ``models`` maps names to factories of unfitted forecasters (default ``candidate_models()``);
    ``special_dates`` are scored apart (``special_wape``). Raises
    ``InputError`` when ``weeks < 1`` or the history holds no complete week after its first.
    """
    if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or weeks < 1:
        raise InputError(f"weeks must be a whole number >= 1, got {weeks!r}")
    models = candidate_models() if models is None else models
    origins = weekly_origins(history, int(weeks))
    if not origins:
        raise InputError(
            f"{history.path}: no complete week to back-test on: the history ({history.first_date.isoformat()} to "
            f"{history.last_date.isoformat()}) needs a week of training and a whole week after it"
        )
    actuals = [_week(history, origin) for origin in origins]
    training = [history.before(origin) for origin in origins]
    scale = _naive_scale(training[0])
    tested = {origin + timedelta(days=k) for origin in origins for k in range(DAYS_PER_WEEK)}
    special_count = len(tested & set(special_dates))
    queues = history.queues
    scores: list[Score] = []
    for name, factory in models.items():
        abs_error = dict.fromkeys(queues, 0.0)
        signed = dict.fromkeys(queues, 0.0)
        actual_sum = dict.fromkeys(queues, 0.0)
        count = dict.fromkeys(queues, 0)
        day_error = dict.fromkeys(queues, 0.0)
        split = {queue: np.zeros(4) for queue in queues}  # |error| and actual on special, then ordinary days
        seconds = 0.0
        for origin, train, actual in zip(origins, training, actuals, strict=True):
            started = time.perf_counter()
            forecast = factory().fit(train).predict(origin, DAYS_PER_WEEK)
            seconds += time.perf_counter() - started
            joined = _join(actual, forecast)
            difference = joined["forecast"] - joined["actual"]
            for queue, part in difference.groupby(joined["queue"]):
                key = str(queue)
                abs_error[key] += float(part.abs().sum())
                signed[key] += float(part.sum())
                count[key] += len(part)
            _add_day_scores(joined, set(special_dates), day_error, split)
            for queue, rows in actual.groupby("queue"):
                actual_sum[str(queue)] += float(rows["contacts"].sum())
        for queue in queues:
            total = actual_sum[queue]
            mae = abs_error[queue] / count[queue] if count[queue] else float("nan")
            queue_scale = scale.get(queue, float("nan"))
            scores.append(
                Score(
                    model=name,
                    queue=queue,
                    wape=abs_error[queue] / total if total > 0 else float("nan"),
                    mase=mae / queue_scale if queue_scale > 0 else float("nan"),
                    bias=signed[queue] / total if total > 0 else float("nan"),
                    actual_contacts=total,
                    abs_error_contacts=abs_error[queue],
                    seconds_per_forecast=seconds / len(origins),
                    daily_wape=day_error[queue] / total if total > 0 else float("nan"),
                    special_wape=_ratio(split[queue][0], split[queue][1]),
                    ordinary_wape=_ratio(split[queue][2], split[queue][3]),
                    special_days=special_count,
                )
            )
    return BacktestResult(origins=tuple(origins), scores=tuple(scores), chosen=choose(scores, list(models)))


def _add_day_scores(
    joined: pd.DataFrame, special: set[date], day_error: dict[str, float], split: dict[str, np.ndarray]
) -> None:
    """Add one origin's day-total errors and its special / ordinary interval errors per queue."""
    day = joined["interval_start"].dt.date
    on_special = day.isin(special).to_numpy() if special else np.zeros(len(joined), dtype=bool)
    error = (joined["forecast"] - joined["actual"]).abs().to_numpy()
    actual = joined["actual"].to_numpy()
    for queue, positions in joined.groupby("queue").indices.items():
        key = str(queue)
        sums = joined.iloc[positions].groupby(day.iloc[positions])[["actual", "forecast"]].sum()
        day_error[key] += float((sums["forecast"] - sums["actual"]).abs().sum())
        mask = on_special[positions]
        split[key] += [
            error[positions][mask].sum(), actual[positions][mask].sum(),
            error[positions][~mask].sum(), actual[positions][~mask].sum(),
        ]


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator > 0 else float("nan")


def choose(scores: Sequence[Score], order: Sequence[str]) -> dict[str, str]:
    """Per queue, the model with the lowest WAPE; NaN WAPE never wins; ties go to the earlier in ``order``."""
    best: dict[str, tuple[float, int, str]] = {}
    for score in scores:
        wape = score.wape if np.isfinite(score.wape) else float("inf")
        key = (wape, order.index(score.model), score.model)
        if score.queue not in best or key < best[score.queue]:
            best[score.queue] = key
    return {queue: key[2] for queue, key in sorted(best.items())}


def format_table(result: BacktestResult) -> str:
    """A plain-text table: one line per queue and model, the automatic choice marked with ``*``."""
    lines = [
        f"origins: {len(result.origins)} weeks, {result.origins[0].isoformat()} .. {result.origins[-1].isoformat()}",
        f"{'queue':<16} {'model':<18} {'WAPE':>7} {'daily':>7} {'special':>7} {'other':>7} {'MASE':>7} "
        f"{'bias':>8} {'s/fcst':>7}  auto",
    ]
    special = max((score.special_days for score in result.scores), default=0)
    lines.insert(1, f"daily: WAPE of day totals; special: WAPE on the {special} holiday, event and make-up days "
                    "of the test weeks; other: on the other days")
    for score in sorted(result.scores, key=lambda s: (s.queue, s.wape if np.isfinite(s.wape) else np.inf)):
        mark = "*" if result.chosen.get(score.queue) == score.model else ""
        lines.append(
            f"{score.queue:<16} {score.model:<18} {score.wape:>7.4f} {score.daily_wape:>7.4f} "
            f"{score.special_wape:>7.4f} {score.ordinary_wape:>7.4f} {score.mase:>7.3f} {score.bias:>+8.4f} "
            f"{score.seconds_per_forecast:>7.3f}  {mark}"
        )
    return "\n".join(lines)


def _week(history: History, origin: date) -> pd.DataFrame:
    start = pd.Timestamp(origin)
    starts = history.frame["interval_start"]
    inside = (starts >= start) & (starts < start + pd.Timedelta(days=DAYS_PER_WEEK))
    return history.frame.loc[inside, ["queue", "interval_start", "contacts"]]


def _join(actual: pd.DataFrame, forecast: pd.DataFrame) -> pd.DataFrame:
    """Outer join on (queue, interval_start) with columns ``actual`` and ``forecast``; a missing side is 0."""
    keys = list(KEYS)
    joined = actual[keys + ["contacts"]].merge(
        forecast[keys + ["contacts"]], on=keys, how="outer", suffixes=("_actual", "_forecast")
    )
    return pd.DataFrame(
        {
            "queue": joined["queue"].astype(str),
            "interval_start": joined["interval_start"],
            "actual": joined["contacts_actual"].fillna(0.0),
            "forecast": joined["contacts_forecast"].fillna(0.0),
        }
    )


def _naive_scale(history: History) -> dict[str, float]:
    """Per queue, the in-sample MAE of the same interval one week earlier (intervals present both times)."""
    frame = history.frame[["queue", "interval_start", "contacts"]]
    lagged = frame.assign(interval_start=frame["interval_start"] + pd.Timedelta(days=DAYS_PER_WEEK))
    joined = frame.merge(lagged, on=list(KEYS), suffixes=("", "_lag"))
    difference = (joined["contacts"] - joined["contacts_lag"]).abs()
    return {str(queue): float(part.mean()) for queue, part in difference.groupby(joined["queue"])}
