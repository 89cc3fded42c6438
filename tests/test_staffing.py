"""Staffing stage: requirements per queue and interval, shrinkage, chat, validation, coverage service level."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.erlang import required_agents, service_level
from forecasting.errors import InputError
from forecasting.staffing import REQUIREMENTS_COLUMNS, QueueTarget, requirements, service_level_for_heads

ERLANG_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "erlang"


def _target(queue: str = "voice", **overrides) -> QueueTarget:
    settings = {"service_level_target": 0.8, "answer_seconds": 20.0, "max_occupancy": 0.85,
                "interval_minutes": 30, "concurrency": 1, "shrinkage": 0.0}
    return QueueTarget(queue=queue, **(settings | overrides))


def _forecast(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["interval_start", "queue", "contacts", "aht_seconds"])
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    return frame


def test_published_example_with_shrinkage() -> None:
    """100 calls / 30 min, AHT 180 s, 80/20: 14 Erlang agents; with 30 % shrinkage 20 = ceil(14 / 0.7)."""
    result = requirements(_forecast([("2024-03-04 09:00", "voice", 100.0, 180.0)]),
                          {"voice": _target(shrinkage=0.3)})
    row = result.iloc[0]
    assert row["agents_required"] == 20
    assert row["service_level"] == pytest.approx(0.88835, abs=5e-6)
    assert row["occupancy"] == pytest.approx(0.7142857, abs=5e-8)
    assert row["asa_seconds"] == pytest.approx(7.835937, abs=5e-7)


def test_published_agents_with_shrinkage_from_data() -> None:
    if not ERLANG_DATA.is_dir():
        pytest.skip(f"../shared/data/erlang absent: {ERLANG_DATA} holds the published Erlang test vectors")
    with (ERLANG_DATA / "published_examples.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["published_agents_with_shrinkage"]]
    assert rows
    for row in rows:
        period_minutes = int(row["period_s"]) // 60
        target = _target(service_level_target=float(row["target_sl"]), answer_seconds=float(row["target_answer_s"]),
                         max_occupancy=float(row["max_occupancy"]), interval_minutes=period_minutes,
                         shrinkage=float(row["shrinkage"]))
        forecast = _forecast([("2024-03-04 09:00", "voice", float(row["calls"]), float(row["aht_s"]))])
        result = requirements(forecast, {"voice": target})
        assert result["agents_required"].iloc[0] == int(row["published_agents_with_shrinkage"]), row["id"]


def test_columns_order_and_sorting() -> None:
    forecast = _forecast([
        ("2024-03-04 09:30", "voice", 120.0, 200.0),
        ("2024-03-04 09:00", "voice", 80.0, 190.0),
        ("2024-03-04 09:00", "chat", 40.0, 400.0),
    ])
    original = forecast.copy()
    result = requirements(forecast, {"voice": _target(), "chat": _target("chat", concurrency=2)})
    assert tuple(result.columns) == REQUIREMENTS_COLUMNS == (
        "interval_start", "queue", "contacts", "aht_seconds", "agents_required", "service_level", "occupancy",
        "asa_seconds")
    assert list(result["queue"]) == ["chat", "voice", "voice"]
    assert list(result["interval_start"].dt.strftime("%H:%M")) == ["09:00", "09:00", "09:30"]
    assert result["agents_required"].dtype == np.int64
    assert list(result.index) == [0, 1, 2]
    pd.testing.assert_frame_equal(forecast, original)


def test_shrinkage_grosses_up_the_erlang_head_count() -> None:
    forecast = _forecast([(f"2024-03-04 {h:02d}:00", "voice", c, 240.0) for h, c in zip(range(8, 14), range(
        10, 310, 50), strict=True)])
    net = requirements(forecast, {"voice": _target()})
    for shrinkage in (0.1, 0.25, 0.3, 0.35):
        gross = requirements(forecast, {"voice": _target(shrinkage=shrinkage)})
        expected = [math.ceil(round(n / (1 - shrinkage), 9)) for n in net["agents_required"]]
        assert list(gross["agents_required"]) == expected
        # Service figures describe the Erlang (pre-shrinkage) head count, so they do not move.
        pd.testing.assert_series_equal(gross["service_level"], net["service_level"])
    loads = forecast["contacts"] * 240.0 / 1800
    assert list(net["agents_required"]) == list(required_agents(loads.to_numpy(), 240.0, 20.0, 0.8, 0.85))


def test_zero_contact_intervals_need_no_agents() -> None:
    forecast = _forecast([("2024-03-04 07:00", "voice", 0.0, 180.0), ("2024-03-04 07:30", "voice", 0.0, 0.0)])
    result = requirements(forecast, {"voice": _target(shrinkage=0.3)})
    assert list(result["agents_required"]) == [0, 0]
    assert list(result["service_level"]) == [1.0, 1.0]
    assert list(result["occupancy"]) == [0.0, 0.0]
    assert list(result["asa_seconds"]) == [0.0, 0.0]


def test_chat_concurrency_reduces_agents() -> None:
    forecast = _forecast([("2024-03-04 10:00", "chat", 150.0, 420.0)])
    single = requirements(forecast, {"chat": _target("chat", max_occupancy=None)})["agents_required"].iloc[0]
    triple = requirements(forecast, {"chat": _target("chat", max_occupancy=None, concurrency=3)})
    assert triple["agents_required"].iloc[0] == math.ceil(single / 3) < single
    assert triple["service_level"].iloc[0] >= 0.8


def test_empty_forecast_gives_empty_requirements() -> None:
    result = requirements(_forecast([]), {"voice": _target()})
    assert result.empty and tuple(result.columns) == REQUIREMENTS_COLUMNS


@pytest.mark.parametrize(("column", "value"), [("contacts", -1.0), ("contacts", np.nan), ("aht_seconds", np.nan),
                                               ("aht_seconds", -5.0), ("contacts", np.inf)])
def test_bad_forecast_values_raise_with_queue_named(column: str, value: float) -> None:
    forecast = _forecast([("2024-03-04 09:00", "voice", 10.0, 180.0), ("2024-03-04 09:30", "sales", 10.0, 180.0)])
    forecast.loc[1, column] = value
    with pytest.raises(InputError, match=rf"row 2: queue 'sales': {column}") as error:
        requirements(forecast, {"voice": _target(), "sales": _target("sales")})
    assert "\n" not in str(error.value)


def test_forecast_shape_errors() -> None:
    forecast = _forecast([("2024-03-04 09:00", "voice", 10.0, 180.0)])
    with pytest.raises(InputError, match="queue 'voice' has no service target"):
        requirements(forecast, {"chat": _target("chat")})
    with pytest.raises(InputError, match="missing column.*aht_seconds"):
        requirements(forecast.drop(columns="aht_seconds"), {"voice": _target()})
    with pytest.raises(InputError, match="appears twice"):
        requirements(pd.concat([forecast, forecast]), {"voice": _target()})


@pytest.mark.parametrize(("field", "value"), [
    ("service_level_target", 0.0), ("service_level_target", 1.2), ("service_level_target", float("nan")),
    ("answer_seconds", -1.0), ("shrinkage", 1.0), ("shrinkage", -0.1), ("concurrency", 0),
    ("max_occupancy", 0.0), ("max_occupancy", 1.5), ("interval_minutes", 0),
])
def test_bad_targets_raise_with_queue_named(field: str, value: float) -> None:
    with pytest.raises(InputError, match=rf"queue 'sales': {field} must be .*, got {value}"):
        _target("sales", **{field: value})


def test_target_edges_are_accepted() -> None:
    _target(service_level_target=1.0, answer_seconds=0.0, max_occupancy=None, shrinkage=0.0, concurrency=4)


def test_service_level_for_heads() -> None:
    target = _target(shrinkage=0.3)
    heads = np.array([0, 16, 20, 30])
    levels = service_level_for_heads(np.full(4, 100.0), np.full(4, 180.0), heads, target)
    assert levels[0] == 0.0 and np.all(np.diff(levels) > 0)
    assert levels[2] == pytest.approx(0.88835, abs=5e-6)  # 20 heads * 0.7 = 14 effective
    # 21 heads * 0.7 = 14.7 effective agents: linear between 14 and 15.
    expected = 0.3 * service_level(14, 10.0, 180, 20) + 0.7 * service_level(15, 10.0, 180, 20)
    assert service_level_for_heads(100.0, 180.0, 21, target) == pytest.approx(expected, rel=1e-12)
    assert service_level_for_heads([0.0], [180.0], [0], target).tolist() == [1.0]
    chat = _target("chat", concurrency=2, max_occupancy=None)
    assert service_level_for_heads(100.0, 180.0, 7, chat) == pytest.approx(service_level(14, 10.0, 180, 20))
    with pytest.raises(InputError, match="queue 'voice': heads"):
        service_level_for_heads(100.0, 180.0, -1, target)


def test_scheduled_required_heads_meet_the_target() -> None:
    target = _target(shrinkage=0.27, max_occupancy=None)
    forecast = _forecast([(f"2024-03-04 {h:02d}:00", "voice", c, 265.0) for h, c in zip(range(8, 18), (
        3.0, 17.5, 44.0, 90.0, 140.0, 230.0, 410.0, 75.0, 12.0, 1.0), strict=True)])
    result = requirements(forecast, {"voice": target})
    levels = service_level_for_heads(result["contacts"], result["aht_seconds"], result["agents_required"], target)
    assert np.all(levels >= 0.8)
