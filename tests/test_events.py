"""Events, special days and make-up-day hours in plan.yaml and on the command line: loading, and every bad
input one line naming the key (exit 2)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from forecasting.day_effects import Event
from forecasting.events import load_events, parse_events
from scheduler.app.cli import main
from scheduler.app.pipeline import opening_weekday
from scheduler.demo.example import generate_example
from scheduler.errors import InputError
from scheduler.io.config import load_config

DOUBLE_11 = {"name": "double_11", "every_year": "11-11", "before_days": 3, "after_days": 1, "multiplier": 1.8}

BAD_EVENTS: list[tuple[list[Any], str]] = [
    ([{"name": "sale"}], "events[0] (sale) has no dates"),
    ([{"name": "sale", "dates": []}], "events[0] (sale) has no dates"),
    ([{"name": "sale", "dates": ["2025-13-01"]}], "events[0].dates[0] must be a date"),
    ([{"name": "sale", "every_year": "11/11"}], "events[0].every_year must be a month and day"),
    ([{"name": "sale", "dates": ["2025-11-11"], "before_days": 10, "after_days": 4}], "at most 14 days, got 15"),
    ([{"name": "sale", "dates": ["2025-11-11"], "after_days": -1}], "events[0].after_days must be a whole number"),
    ([{"name": "sale", "dates": ["2025-11-11"], "multiplier": 0}], "events[0].multiplier must be a number > 0"),
    ([{"name": "sale", "dates": ["2025-11-11"], "multiplier": -2}], "events[0].multiplier must be a number > 0"),
    ([{"name": "sale", "dates": ["2025-11-11"], "when": 1}], "events[0]: unknown key 'when'"),
    ([DOUBLE_11, {"name": "launch", "dates": ["2026-11-11"], "multiplier": 1.2}],
     "events[1].multiplier 1.2 conflicts with events[0] (double_11, multiplier 1.8) on 2026-11-11"),
    ([DOUBLE_11, {**DOUBLE_11}], "events[1].name 'double_11' is used twice"),
    ({"name": "sale"}, "events must be a list of events"),
]


@pytest.mark.parametrize(("raw", "rule"), BAD_EVENTS, ids=[rule[:40] for _, rule in BAD_EVENTS])
def test_bad_events_name_the_key(raw: Any, rule: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_events(raw, "plan.yaml: events")
    assert rule in str(caught.value) and "\n" not in str(caught.value)


def test_events_parse() -> None:
    events = parse_events([DOUBLE_11, {"name": "black friday", "dates": [date(2025, 11, 28), "2026-11-27"]},
                           {"name": "launch", "dates": ["2026-11-11"], "multiplier": 1.8}])
    double_11, black_friday, launch = events
    assert date(2024, 11, 11) in double_11.dates and date(2030, 11, 11) in double_11.dates
    assert (double_11.before_days, double_11.after_days, double_11.multiplier) == (3, 1, 1.8)
    assert black_friday == Event("black friday", (date(2025, 11, 28), date(2026, 11, 27)))
    assert launch.multiplier == 1.8  # the same multiplier as double_11 on a shared date is no conflict


@pytest.fixture(scope="module")
def example_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory.mktemp("example") / "c", agents=10, weeks=3)


def _plan_with(example_plan: Path, tmp_path: Path, **changes: Any) -> Path:
    plan = yaml.safe_load(example_plan.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if key == "make_up_days":
            plan["centre"]["make_up_days"] = value
        else:
            plan[key] = value
    for name in ("agents", "history"):
        plan[name] = str(example_plan.parent / plan[name])
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    return path


def test_plan_takes_events_special_days_and_make_up_hours(example_plan: Path, tmp_path: Path) -> None:
    config = load_config(example_plan)
    assert (config.events, config.special_days, config.make_up_day_hours) == ((), (), "weekday")
    path = _plan_with(example_plan, tmp_path, events=[DOUBLE_11], make_up_days="weekend",
                      special_days={"2026-04-06": "closed", "2026-04-07": 0.6})
    config = load_config(path)
    assert [event.name for event in config.events] == ["double_11"]
    assert config.special_days == ((date(2026, 4, 6), 0.0), (date(2026, 4, 7), 0.6))
    assert config.make_up_day_hours == "weekend"
    (tmp_path / "special.csv").write_text("date,effect\n2026-04-08,closed\n", encoding="utf-8")
    assert load_config(_plan_with(example_plan, tmp_path, special_days="special.csv")).special_days == (
        (date(2026, 4, 8), 0.0),
    )


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"make_up_days": "sometimes"}, "plan.yaml: centre.make_up_days must be weekday or weekend"),
        ({"events": [{"name": "sale", "dates": ["2026-04-07"], "multiplier": 0}]},
         "plan.yaml: events[0].multiplier must be a number > 0"),
        ({"special_days": {"2026-04-07": -1}}, "plan.yaml: special_days.2026-04-07 must be >= 0"),
        ({"special_days": {"April": 0.5}}, "plan.yaml: special_days.April must be a date"),
        ({"special_days": [1, 2]}, "plan.yaml: special_days must map dates"),
    ],
)
def test_bad_calendar_keys_in_the_plan(example_plan: Path, tmp_path: Path, changes: dict[str, Any],
                                       rule: str) -> None:
    with pytest.raises(InputError) as caught:
        load_config(_plan_with(example_plan, tmp_path, **changes))
    assert rule in str(caught.value)


def test_events_file_on_the_command_line(example_plan: Path, tmp_path: Path) -> None:
    history = str(example_plan.parent / "history.csv")
    bad = tmp_path / "bad.yaml"
    bad.write_text("events:\n  - {name: sale, dates: [2026-04-07], before_days: 20}\n", encoding="utf-8")
    args = ["forecast", history, "--start", "2026-04-06", "--days", "2", "--out", str(tmp_path / "f.csv")]
    result = CliRunner().invoke(main, [*args, "--events", str(bad)])
    assert result.exit_code == 2 and "bad.yaml: events[0].after_days" in result.output
    assert len(result.output.strip().splitlines()) == 1
    good = tmp_path / "events.yaml"
    good.write_text("events:\n  - {name: launch, dates: [2026-04-07], multiplier: 2}\n", encoding="utf-8")
    plain = CliRunner().invoke(main, [*args, "--holidays", "none"])
    assert plain.exit_code == 0, plain.output
    totals = pd.read_csv(tmp_path / "f.csv", parse_dates=["interval_start"]).groupby(
        lambda i: 0)["contacts"].sum()
    launched = CliRunner().invoke(main, [*args, "--holidays", "none", "--events", str(good)])
    assert launched.exit_code == 0, launched.output
    frame = pd.read_csv(tmp_path / "f.csv", parse_dates=["interval_start"])
    assert frame["contacts"].sum() > 1.2 * float(totals.iloc[0]) * 0.9  # the launch day doubled
    assert load_events(good)[0].multiplier == 2.0


def test_make_up_days_open_with_the_weekday_they_replace() -> None:
    starts = pd.Series(pd.to_datetime(["2024-10-12 09:00", "2024-10-13 09:00", "2024-10-14 09:00"]))
    assert opening_weekday(starts, {date(2024, 10, 12): 0}).tolist() == [0, 6, 0]
    assert opening_weekday(starts, {}).tolist() == [5, 6, 0]


def test_plan_special_days_and_events_shape_the_week(example_plan: Path, tmp_path: Path) -> None:
    from forecasting.history import load_history
    from scheduler.app.pipeline import forecast_week, planned_week

    plain = load_config(example_plan)
    history = load_history(plain.history_path, plain.interval_minutes)
    week = planned_week(plain, history)
    closed, launch = week.start, week.start + pd.Timedelta(days=1).to_pytimedelta()
    shaped = load_config(_plan_with(example_plan, tmp_path, special_days={closed.isoformat(): "closed"},
                                    events=[{"name": "launch", "dates": [launch.isoformat()], "multiplier": 2}]))
    before, after = (forecast_week(config, history, week) for config in (plain, shaped))
    day_before, day_after = (frame.groupby(frame["interval_start"].dt.date)["contacts"].sum()
                             for frame in (before, after))
    assert closed in day_before and closed not in day_after
    assert day_after[launch] == pytest.approx(2 * day_before[launch])
    assert day_after.drop(launch).equals(day_before.drop([closed, launch]))
