"""Busy holidays, make-up working days and a shopping festival: the previous holiday rule against the learned
effects (``forecasting.day_effects``), on generated CN e-commerce histories.

    python benchmarks/calendar_effects.py            # seeds 1 2 3
    python benchmarks/calendar_effects.py --seeds 1 2 3 4 5

The history (one queue, open every day 08:00-22:00, 30-minute intervals, Poisson counts, from 2023-01-02):
an ordinary day totals ``WEEKDAY_TOTAL`` (Monday first); on China's public holidays (``holidays`` package)
volume is ``HOLIDAY_LIFT`` times the usual day, the two days after a run of days off ``REBOUND``; a make-up
working day (调休) has its replaced weekday's volume; Double 11 is ``DOUBLE_11`` times, the two days before
it ``PRESALE``. Two forecasts per seed, each from all history before its first day:

- *Golden Week*: 14 days from 2024-09-30 (National Day 1-7 October, the rebound, the make-up Saturday
  12 October);
- *Double 11*: 14 days from 2024-11-04, with ``double_11`` given as an event (``every_year: 11-11``,
  ``before_days: 2``).

``learned, multiplier 1.5`` gives the event a rough multiplier (the generated effect is 1.8): with one
past occurrence the learned effect is shrunk halfway (on the log scale) towards it instead of towards 1.
``previous`` is what ``wfm forecast --holidays CN`` did before the learned effects (the smoothed profile
with the holidays as ``holiday_dates``: the median past-holiday ratio on holidays, eve and after-holiday
effects, make-up days forecast as weekend days, no events); ``learned`` is ``forecast_history`` now.
Reported per forecast: the range of the daily totals' forecast / actual, and the WAPE of the daily totals;
median and worst over the seeds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.calendar import country_calendar, country_holidays
from forecasting.day_effects import Event
from forecasting.history import History, load_history
from forecasting.service import forecast_history
from forecasting.smoothed import SmoothedProfileForecaster

FIRST = date(2023, 1, 2)
WEEKDAY_TOTAL = (3000.0, 2900.0, 2800.0, 2800.0, 2900.0, 2200.0, 2000.0)
HOLIDAY_LIFT = 1.3
REBOUND = (1.25, 1.1)
DOUBLE_11, PRESALE = 1.8, 1.3
OPEN_MINUTES = np.arange(8 * 60, 22 * 60, 30)
CASES = {"golden_week": (date(2024, 9, 30), 14), "double_11": (date(2024, 11, 4), 14)}
ROUGH_MULTIPLIER = 1.5
DOUBLE_11_EVENT = Event("double_11", tuple(date(year, 11, 11) for year in range(2023, 2026)), before_days=2)


def day_factors(last: date) -> dict[date, float]:
    """Volume of each special day as a multiple of its own weekday's ordinary day."""
    found = country_calendar("CN", FIRST, last)
    factor: dict[date, float] = {}
    for day, replaced in found.make_up_days.items():
        factor[day] = WEEKDAY_TOTAL[replaced] / WEEKDAY_TOTAL[day.weekday()]
    for day in found.holidays:
        factor[day] = HOLIDAY_LIFT
        if day + timedelta(days=1) not in found.holidays:
            for step, lift in enumerate(REBOUND, start=1):
                factor.setdefault(day + timedelta(days=step), lift)
    for year in range(FIRST.year, last.year + 1):
        factor[date(year, 11, 11)] = DOUBLE_11
        for step in (1, 2):
            factor[date(year, 11, 11) - timedelta(days=step)] = PRESALE
    return factor


def history(folder: Path, seed: int, last: date) -> History:
    rng = np.random.default_rng(seed)
    weight = np.exp(-(((OPEN_MINUTES / 60 - 14.0) / 4.0) ** 2)) + 0.3
    share = weight / weight.sum()
    factor = day_factors(last)
    days = pd.date_range(FIRST, last, freq="D")
    frames = []
    for stamp in days:
        total = WEEKDAY_TOTAL[stamp.weekday()] * factor.get(stamp.date(), 1.0)
        frames.append(pd.DataFrame({
            "interval_start": (stamp + pd.to_timedelta(OPEN_MINUTES, unit="min")).strftime("%Y-%m-%dT%H:%M:%S"),
            "queue": "service",
            "contacts": rng.poisson(total * share),
        }))
    path = folder / f"history-{seed}.csv"
    pd.concat(frames).to_csv(path, index=False)
    return load_history(path)


def daily(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby(frame["interval_start"].dt.date)["contacts"].sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            whole = history(Path(folder), seed, date(2024, 12, 31))
            for case, (start, days) in CASES.items():
                train = whole.before(start)
                actual = daily(whole.frame.loc[(whole.frame["interval_start"] >= pd.Timestamp(start))
                                               & (whole.frame["interval_start"]
                                                  < pd.Timestamp(start + timedelta(days=days)))])
                holidays = country_holidays("CN", train.first_date, start + timedelta(days=days))
                events = [DOUBLE_11_EVENT] if case == "double_11" else []
                forecasts = {
                    "previous": SmoothedProfileForecaster(holiday_dates=holidays).fit(train).predict(start, days),
                    "learned": forecast_history(train, start, days, holiday_country="CN", events=events),
                }
                if events:  # a planner's rough multiplier (the truth is 1.8) as the prior of the one occurrence
                    rough = [replace(DOUBLE_11_EVENT, multiplier=ROUGH_MULTIPLIER)]
                    forecasts["learned, multiplier 1.5"] = forecast_history(
                        train, start, days, holiday_country="CN", events=rough
                    )
                for name, forecast in forecasts.items():
                    predicted = daily(forecast).reindex(actual.index, fill_value=0.0)
                    ratio = predicted / actual
                    wape = float((predicted - actual).abs().sum() / actual.sum())
                    rows.append({"seed": seed, "case": case, "model": name, "low": float(ratio.min()),
                                 "high": float(ratio.max()), "daily_wape": wape})
    table = pd.DataFrame(rows)
    print(f"{'case':<12} {'model':<24} {'day ratio range (median seed)':>30} {'worst range':>16} "
          f"{'daily WAPE median':>18} {'worst':>7}")
    summary = []
    for (case, model), part in table.groupby(["case", "model"], sort=False):
        low, high = statistics.median(part["low"]), statistics.median(part["high"])
        line = {"case": case, "model": model, "low_median": low, "high_median": high,
                "low_worst": float(part["low"].min()), "high_worst": float(part["high"].max()),
                "daily_wape_median": statistics.median(part["daily_wape"]),
                "daily_wape_worst": float(part["daily_wape"].max())}
        summary.append(line)
        ranges = f"{low:.2f}x .. {high:.2f}x", f"{line['low_worst']:.2f}x .. {line['high_worst']:.2f}x"
        print(f"{case:<12} {model:<24} {ranges[0]:>30} {ranges[1]:>16} "
              f"{line['daily_wape_median']:>18.4f} {line['daily_wape_worst']:>7.4f}")
    print(json.dumps({"benchmark": "calendar_effects", "seeds": args.seeds, "summary": summary}))


if __name__ == "__main__":
    main()
