"""Weekly back-test of our interval forecast against seasonal naive and statsforecast peers (WAPE, seconds).

    python benchmarks/forecast.py                      # both series, last 8 origins
    python benchmarks/forecast.py --series bank2003 --origins 4 --skip-mstl
    python benchmarks/forecast.py --skip-mstl --end 1999-08-02 --series bank1999  # earlier cut

statsforecast is a peer, not a project dependency: run this script in a separate virtual environment with the
peers from benchmarks/requirements-peers.txt and this package installed (there: ``pip install -r
benchmarks/requirements-peers.txt`` then ``pip install -e .``). Without it the
script says so and still reports our model and seasonal naive.

Data: ``../shared/data/<series>/history.csv`` beside the checkout (``--data`` to point elsewhere); a
series whose file is absent is skipped with a printed reason. Nothing is copied into the repository.

Protocol, per series:

- *Origins.* The last ``--origins`` Mondays whose whole week is inside the file: every weekday the file
  is ever open on (has a row) falls on or before its last day. Each model sees ``History.before(origin)``
  only and forecasts the 7 days from the origin.
- *WAPE* = sum |actual - forecast| / sum actual, pooled over every interval of every origin's week and
  every queue. Both sides are outer-joined on (queue, interval_start): an actual interval the model did
  not forecast counts as forecast 0, a forecast interval with no actual row counts against actual 0
  (so forecasting a holiday that the file leaves out costs its whole forecast, for every model alike).
- *Median WAPE* (``wape_median``): the same with every model's forecast replaced by the median of a
  Poisson count with that mean (``forecasting.intervals.poisson_median``), for every model alike. WAPE
  is an absolute error, whose best point forecast is the median; staffing needs the mean (Erlang), so
  the product's ``contacts`` stay the mean and this column is reported beside it, not instead of it.
- *Earlier cuts* (``--end DATE``): the file is first cut to the days before DATE, so the origins are the
  last weeks before DATE. Settings are checked on such cuts, not only on the last weeks of the file.
- *Seconds per forecast* = mean wall time of one origin's fit + predict, including the statsforecast
  input frame construction, in this process, one model after the other. statsforecast runs with
  ``n_jobs=1``; its numba compilation is paid by a warm-up call on a tiny series before timing.

Models:

- ``ours``: what ``wfm forecast`` does with its defaults (``forecasting.service.forecast_history``): the
  ``SmoothedProfileForecaster`` (``forecasting.smoothed``) with the holiday calendar detected from the
  training history (``--holidays auto``, ``forecasting.holiday_detection``; none when no country's
  holidays clearly match its quiet or busy days) and, with a calendar, the learned holiday effects of
  ``forecasting.day_effects``. The calendar detected at each origin is printed and in the JSON.
- ``ours-no-calendar``: ``SmoothedProfileForecaster()`` with no calendar at all (``--holidays none``).
- ``ours+holidays``: the same with the public holidays of the series' country named by hand
  (``SERIES_COUNTRY``: bank2003 US; bank1999 IL, since its Friday/Saturday weekend and its quiet days
  are Israeli, not US, holidays). Peers get no calendar.
- ``lowrank``: ``LowRankProfileForecaster()`` (``forecasting.lowrank``, Shen & Huang 2008), no calendar.
- ``auto``: ``AutoForecaster()`` (per queue, the lowest back-test WAPE over the 4 weeks before each origin).
- ``weekly_profile``: ``WeeklyProfileForecaster()``, the previous default.
- ``seasonal_naive``: ``forecasting.seasonal.seasonal_naive`` (same interval one week earlier).
- ``MSTL``: ``statsforecast.models.MSTL(season_length=[day, week])`` in intervals, trend forecaster
  its default ``AutoETS(model="ZZN")``.
- ``AutoETS``: ``statsforecast.models.AutoETS(season_length=day)``. Note: statsforecast's ETS core
  supports seasonal periods of at most 24, so with 169 or 240 intervals a day AutoETS falls back to a
  non-seasonal model (a flat line at the current level); it is reported as asked, as a floor. On the
  full history it took about 190 s per forecast on bank2003 (one origin, for a flat line), so it trains on
  the last ``--ets-weeks`` (default 4) open weeks of the series only; MSTL and ours use all history.

How the statsforecast models see the data. Intraday call data is closed at night and (for bank2003) at
weekends; the standard practice, used here, is to concatenate the *open* intervals only into one regular
series indexed 0, 1, 2, ... (no calendar frequency). The open grid is learnt from the training history:
open weekdays are those with any row, open intervals of day are the minutes of day with any row. The
series runs over every calendar day of an open weekday from the first to the last training day, times
every open interval of day, so one day is always ``day`` steps and one week ``week`` steps and the
seasonal phase never slips. Cells of that grid with no row (a holiday missing from the file, a missing
interval) are imputed with the value one week earlier (then one week later, then 0) rather than dropped,
so that a missing day does not shift the phase. The forecast covers the open grid of the 7 forecast days
and is mapped back to timestamps; negative forecasts are clipped to 0, as our model does.
Seasonal lengths: bank2003 has 169 intervals x 5 open weekdays (day 169, week 845); bank1999 has 240
intervals x 7 days (day 240, week 1680).

Output: a table (series x model: WAPE, seconds per forecast, WAPE and time as a ratio to ours) and, last,
one JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.auto import AutoForecaster
from forecasting.calendar import country_holidays
from forecasting.history import History, load_history
from forecasting.intervals import poisson_median
from forecasting.lowrank import LowRankProfileForecaster
from forecasting.seasonal import WeeklyProfileForecaster, seasonal_naive
from forecasting.service import DETECT_HOLIDAYS, choose_holidays, forecast_history
from forecasting.smoothed import SmoothedProfileForecaster
from scheduler.errors import InputError

DEFAULT_SERIES: tuple[str, ...] = ("bank2003", "bank1999")
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DAYS_PER_WEEK = 7
MINUTES_PER_DAY = 24 * 60
OURS = "ours"
OURS_NO_CALENDAR = "ours-no-calendar"
SERIES_COUNTRY = {"bank2003": "US", "bank1999": "IL"}

# A forecaster takes the training history and the origin and returns rows (queue, interval_start, contacts).
Forecaster = Callable[[History, date], pd.DataFrame]


@dataclass(frozen=True)
class ModelResult:
    """Back-test figures of one model on one series."""

    series: str
    model: str
    wape: float
    seconds_per_forecast: float
    origins: int
    abs_error_contacts: float
    actual_contacts: float
    wape_median: float = float("nan")
    error: str | None = None


def ours(history: History, origin: date) -> pd.DataFrame:
    return forecast_history(history, origin, DAYS_PER_WEEK)


def ours_no_calendar(history: History, origin: date) -> pd.DataFrame:
    return SmoothedProfileForecaster().fit(history).predict(origin, DAYS_PER_WEEK)


def ours_with_holidays(country: str) -> Forecaster:
    def forecast(history: History, origin: date) -> pd.DataFrame:
        holidays = country_holidays(country, history.first_date, origin + timedelta(days=DAYS_PER_WEEK))
        return SmoothedProfileForecaster(holiday_dates=holidays).fit(history).predict(origin, DAYS_PER_WEEK)

    return forecast


def lowrank(history: History, origin: date) -> pd.DataFrame:
    return LowRankProfileForecaster().fit(history).predict(origin, DAYS_PER_WEEK)


def auto(history: History, origin: date) -> pd.DataFrame:
    return AutoForecaster().fit(history).predict(origin, DAYS_PER_WEEK)


def weekly_profile(history: History, origin: date) -> pd.DataFrame:
    return WeeklyProfileForecaster().fit(history).predict(origin, DAYS_PER_WEEK)


def naive(history: History, origin: date) -> pd.DataFrame:
    return seasonal_naive(history, origin, DAYS_PER_WEEK)


@dataclass(frozen=True)
class OpenGrid:
    """The open intervals of a queue: weekdays (0 = Monday) and minutes of day that ever had a row."""

    weekdays: tuple[int, ...]
    minute_of_day: np.ndarray
    interval_minutes: int

    @property
    def day_length(self) -> int:
        return len(self.minute_of_day)

    @property
    def week_length(self) -> int:
        return self.day_length * len(self.weekdays)

    def days(self, first: date, last: date) -> list[date]:
        """Calendar days from ``first`` to ``last`` (inclusive) that fall on an open weekday."""
        count = (last - first).days + 1
        return [d for d in (first + timedelta(days=i) for i in range(count)) if d.weekday() in self.weekdays]

    def timestamps(self, days: list[date]) -> np.ndarray:
        """``datetime64[ns]`` of every open interval of ``days``, day-major, shape (len(days) * day_length,)."""
        midnights = np.array([np.datetime64(d.isoformat(), "ns") for d in days], dtype="datetime64[ns]")
        offsets = self.minute_of_day.astype("timedelta64[m]").astype("timedelta64[ns]")
        return (midnights[:, None] + offsets[None, :]).ravel()


def open_grid(rows: pd.DataFrame, interval_minutes: int) -> OpenGrid:
    starts = rows["interval_start"]
    minute = ((starts - starts.dt.normalize()).dt.total_seconds() // 60).astype(np.int64)
    return OpenGrid(
        weekdays=tuple(sorted(int(d) for d in starts.dt.weekday.unique())),
        minute_of_day=np.sort(minute.unique()),
        interval_minutes=interval_minutes,
    )


def regular_series(rows: pd.DataFrame, grid: OpenGrid) -> np.ndarray:
    """Contacts of one queue on its open grid, shape (n_days * day_length,); gaps imputed (see docstring)."""
    first, last = rows["interval_start"].min().date(), rows["interval_start"].max().date()
    days = grid.days(first, last)
    stamps = grid.timestamps(days)
    values = rows.set_index("interval_start")["contacts"].reindex(stamps).to_numpy(dtype=float)
    week = grid.week_length
    index = np.arange(len(values))
    weeks = len(values) // week + 1
    for shift in [k * week for k in range(1, weeks + 1)] + [-k * week for k in range(1, weeks + 1)]:
        missing = np.isnan(values)
        if not missing.any():
            break
        source = index - shift
        usable = missing & (source >= 0) & (source < len(values))
        values[usable] = values[source[usable]]
    return np.nan_to_num(values, nan=0.0)


def statsforecast_model(
    name: str, make_model: Callable[[OpenGrid], object], train_weeks: int | None = None
) -> Forecaster:
    from statsforecast import StatsForecast

    def forecast(history: History, origin: date) -> pd.DataFrame:
        parts: list[pd.DataFrame] = []
        for queue, rows in history.frame.groupby("queue", sort=True):
            grid = open_grid(rows, history.interval_minutes)
            y = regular_series(rows, grid)
            if train_weeks is not None:
                y = y[-train_weeks * grid.week_length :]
            future_days = grid.days(origin, origin + timedelta(days=DAYS_PER_WEEK - 1))
            horizon = len(future_days) * grid.day_length
            if horizon == 0:
                continue
            frame = pd.DataFrame({"unique_id": str(queue), "ds": np.arange(len(y), dtype=np.int64), "y": y})
            engine = StatsForecast(models=[make_model(grid)], freq=1, n_jobs=1)
            predicted = engine.forecast(df=frame, h=horizon)[name].to_numpy(dtype=float)
            parts.append(
                pd.DataFrame(
                    {
                        "queue": str(queue),
                        "interval_start": grid.timestamps(future_days),
                        "contacts": np.maximum(predicted, 0.0),
                    }
                )
            )
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["queue", "interval_start"])

    return forecast


def peer_models(skip_mstl: bool, ets_weeks: int) -> dict[str, Forecaster]:
    """statsforecast models by name; empty (with a printed reason) when statsforecast is not importable."""
    try:
        import statsforecast
        from statsforecast.models import MSTL, AutoETS
    except ImportError as error:
        print(
            f"statsforecast not importable ({error}); reporting ours and seasonal naive only. "
            "Install it in a separate virtual environment: "
            "pip install -r benchmarks/requirements-peers.txt && pip install -e .",
            file=sys.stderr,
        )
        return {}
    _warm_up()
    print(f"statsforecast {statsforecast.__version__}", file=sys.stderr)
    models: dict[str, Forecaster] = {}
    if not skip_mstl:
        models["MSTL"] = statsforecast_model(
            "MSTL", lambda grid: MSTL(season_length=[grid.day_length, grid.week_length])
        )
    models["AutoETS"] = statsforecast_model(
        "AutoETS", lambda grid: AutoETS(season_length=grid.day_length), train_weeks=ets_weeks
    )
    return models


def _warm_up() -> None:
    """Pay numba's compilation before timing: one tiny fit of each model."""
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS

    y = 10 + np.tile(np.arange(6, dtype=float), 8)
    frame = pd.DataFrame({"unique_id": "w", "ds": np.arange(len(y)), "y": y})
    StatsForecast(models=[MSTL(season_length=[3, 6]), AutoETS(season_length=3)], freq=1, n_jobs=1).forecast(
        df=frame, h=6
    )


def weekly_origins(history: History, count: int) -> list[date]:
    """The last ``count`` Mondays whose open weekdays all fall inside the file (see the module docstring)."""
    weekdays = set(history.frame["interval_start"].dt.weekday.unique())
    last_open_offset = max(weekdays)  # Monday = 0, so the offset of the week's last open day
    first, last = history.first_date, history.last_date
    monday = last - timedelta(days=last.weekday())
    origins: list[date] = []
    while len(origins) < count and monday > first + timedelta(days=DAYS_PER_WEEK):
        if monday + timedelta(days=int(last_open_offset)) <= last:
            origins.append(monday)
        monday -= timedelta(days=DAYS_PER_WEEK)
    return sorted(origins)


def actuals(history: History, origin: date) -> pd.DataFrame:
    start = pd.Timestamp(origin)
    end = start + pd.Timedelta(days=DAYS_PER_WEEK)
    starts = history.frame["interval_start"]
    return history.frame.loc[(starts >= start) & (starts < end), ["queue", "interval_start", "contacts"]]


def absolute_error(actual: pd.DataFrame, forecast: pd.DataFrame) -> float:
    """sum |actual - forecast| over the outer join on (queue, interval_start); a missing side counts as 0."""
    keys = ["queue", "interval_start"]
    joined = actual[keys + ["contacts"]].merge(
        forecast[keys + ["contacts"]], on=keys, how="outer", suffixes=("_actual", "_forecast")
    )
    difference = joined["contacts_actual"].fillna(0.0) - joined["contacts_forecast"].fillna(0.0)
    return float(difference.abs().sum())


def backtest(series: str, history: History, origins: list[date], models: dict[str, Forecaster]) -> list[ModelResult]:
    results: list[ModelResult] = []
    actual_by_origin = {origin: actuals(history, origin) for origin in origins}
    training = {origin: history.before(origin) for origin in origins}
    total_actual = float(sum(frame["contacts"].sum() for frame in actual_by_origin.values()))
    for name, model in models.items():
        error_sum, median_error_sum, seconds = 0.0, 0.0, 0.0
        try:
            for origin in origins:
                started = time.perf_counter()
                forecast = model(training[origin], origin)
                seconds += time.perf_counter() - started
                error_sum += absolute_error(actual_by_origin[origin], forecast)
                median = forecast.assign(contacts=poisson_median(forecast["contacts"].to_numpy(dtype=float)))
                median_error_sum += absolute_error(actual_by_origin[origin], median)
        except Exception as error:  # a peer failing must not hide the other figures
            results.append(
                ModelResult(
                    series,
                    name,
                    float("nan"),
                    float("nan"),
                    len(origins),
                    float("nan"),
                    total_actual,
                    error=f"{type(error).__name__}: {error}",
                )
            )
            print(f"{series}: {name} failed: {type(error).__name__}: {error}", file=sys.stderr)
            continue
        results.append(
            ModelResult(
                series=series,
                model=name,
                wape=error_sum / total_actual if total_actual > 0 else float("nan"),
                seconds_per_forecast=seconds / len(origins),
                origins=len(origins),
                abs_error_contacts=error_sum,
                actual_contacts=total_actual,
                wape_median=median_error_sum / total_actual if total_actual > 0 else float("nan"),
            )
        )
        print(
            f"{series}: {name} done, WAPE {results[-1].wape:.4f} (median {results[-1].wape_median:.4f}), "
            f"{results[-1].seconds_per_forecast:.2f} s/forecast",
            file=sys.stderr,
        )
    return results


def table(results: list[ModelResult]) -> str:
    lines = [
        f"{'series':<10} {'model':<17} {'WAPE':>7} {'median':>7} {'s/forecast':>11} {'WAPE/ours':>10} {'time/ours':>10}"
    ]
    reference = {r.series: r for r in results if r.model == OURS}
    for r in results:
        base = reference.get(r.series)
        if r.error:
            lines.append(f"{r.series:<10} {r.model:<17} failed: {r.error[:80]}")
            continue
        wape_ratio = r.wape / base.wape if base and base.wape > 0 else float("nan")
        time_ratio = r.seconds_per_forecast / base.seconds_per_forecast if base and base.seconds_per_forecast else 0.0
        lines.append(
            f"{r.series:<10} {r.model:<17} {r.wape:>7.4f} {r.wape_median:>7.4f} {r.seconds_per_forecast:>11.3f} "
            f"{wape_ratio:>10.3f} {time_ratio:>10.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=8, help="number of weekly (Monday) origins, latest first")
    parser.add_argument("--series", nargs="+", default=list(DEFAULT_SERIES), help="folders under --data")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--skip-mstl", action="store_true", help="leave out statsforecast MSTL (the slow one)")
    parser.add_argument(
        "--end", type=date.fromisoformat, default=None, help="cut the files to the days before this date (ISO)"
    )
    parser.add_argument("--ets-weeks", type=int, default=4, help="AutoETS trains on the last N open weeks only")
    args = parser.parse_args()
    if args.origins < 1:
        parser.error(f"--origins must be >= 1, got {args.origins}")

    models: dict[str, Forecaster] = {
        OURS: ours,
        OURS_NO_CALENDAR: ours_no_calendar,
        "lowrank": lowrank,
        "auto": auto,
        "weekly_profile": weekly_profile,
        "seasonal_naive": naive,
    }
    models.update(peer_models(args.skip_mstl, args.ets_weeks))
    results: list[ModelResult] = []
    skipped: dict[str, str] = {}
    origins_used: dict[str, list[str]] = {}
    detected: dict[str, dict[str, str | None]] = {}
    for series in args.series:
        path = args.data / series / "history.csv"
        if not path.is_file():
            skipped[series] = f"{path} not found"
            print(f"skipping {series}: {path} not found (the shared data sits beside the checkout)")
            continue
        try:
            history = load_history(path)
            if args.end is not None:
                history = history.before(args.end)
        except InputError as error:
            skipped[series] = str(error)
            print(f"skipping {series}: {error}")
            continue
        origins = weekly_origins(history, args.origins)
        if not origins:
            skipped[series] = "no complete weekly origin"
            print(f"skipping {series}: no complete weekly origin in {path}")
            continue
        origins_used[series] = [o.isoformat() for o in origins]
        print(
            f"{series}: {history.interval_minutes}-minute intervals, origins {origins[0]} .. {origins[-1]} "
            f"({len(origins)})"
        )
        series_models = dict(models)
        if series in SERIES_COUNTRY:
            by_hand = {f"{OURS}+holidays": ours_with_holidays(SERIES_COUNTRY[series])}
            series_models = {OURS: ours, OURS_NO_CALENDAR: ours_no_calendar, **by_hand} | models
        results.extend(backtest(series, history, origins, series_models))
        # After the back-test, so that ours pays for building the country calendars in its own timing.
        detected[series] = {
            o.isoformat(): choose_holidays(history.before(o), DETECT_HOLIDAYS).country for o in origins
        }
        print(f"{series}: holiday calendar detected at each origin (ours): {detected[series]}")

    print()
    print(table(results))
    print(
        json.dumps(
            {
                "benchmark": "forecast",
                "models": list(models),
                "origins": origins_used,
                "detected_holidays": detected,
                "end": args.end.isoformat() if args.end else None,
                "skipped": skipped,
                "results": [asdict(r) for r in results],
            }
        )
    )


if __name__ == "__main__":
    main()
