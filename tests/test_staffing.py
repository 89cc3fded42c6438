"""Staffing stage: requirements per queue and interval, shrinkage, chat, validation, coverage service level."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from forecasting.queueing.erlang import required_agents, service_level
from forecasting.queueing.erlang_a import erlang_a_metrics, erlang_a_required_agents
from forecasting.queueing.staffing import (
    ABANDON_COLUMN,
    REQUIREMENTS_COLUMNS,
    SERVICE_LEVEL_TABLE_COLUMNS,
    QueueTarget,
    requirements,
    service_level_for_heads,
    service_level_table,
)
from scheduler.app.pipeline import queue_targets
from scheduler.demo.example import generate_example
from scheduler.errors import InputError
from scheduler.io.config import load_config
from tests.erlang_facts import erlang_rows


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
    rows = [r for r in erlang_rows("published_examples.csv") if r["published_agents_with_shrinkage"]]
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


# --- Erlang A queues (patience), the service-level table, bad input -------------------------------------

def _week(queue: str = "voice", aht: float = 240.0) -> pd.DataFrame:
    counts = (0.0, 0.4, 3.0, 17.5, 44.0, 90.0, 140.0, 230.0, 410.0, 75.0, 12.0, 1.0)
    return _forecast([(f"2024-03-04 {h:02d}:00", queue, c, aht) for h, c in zip(range(7, 19), counts, strict=True)])


def test_patience_staffs_with_erlang_a_and_reports_abandonment() -> None:
    target = _target(max_occupancy=None, patience_seconds=90.0)
    result = requirements(_week(), {"voice": target})
    assert tuple(result.columns) == (*REQUIREMENTS_COLUMNS, ABANDON_COLUMN)
    load = result["contacts"].to_numpy() * 240.0 / 1800.0
    expected = erlang_a_required_agents(load, 240.0, 90.0, 20.0, 0.8)
    assert result["agents_required"].tolist() == list(expected)
    metrics = erlang_a_metrics(expected, load, 240.0, 90.0, 20.0)
    np.testing.assert_allclose(result["service_level"], metrics.answered_within_t_of_all, rtol=1e-12)
    np.testing.assert_allclose(result["abandon_probability"], metrics.abandon_probability, rtol=1e-12)
    assert np.all(result["service_level"] >= 0.8)
    # Abandonment shortens the queue: never more agents than Erlang C, fewer at the peak.
    erlang_c = requirements(_week(), {"voice": _target(max_occupancy=None)})
    assert np.all(result["agents_required"] <= erlang_c["agents_required"])
    assert result["agents_required"].sum() < erlang_c["agents_required"].sum()
    assert ABANDON_COLUMN not in erlang_c.columns
    first = result.iloc[0]
    assert (first["agents_required"], first["service_level"], first["abandon_probability"]) == (0, 1.0, 0.0)


def test_mixed_queues_have_nan_abandonment_for_erlang_c() -> None:
    forecast = pd.concat([_week("voice"), _week("chat", 500.0)], ignore_index=True)
    result = requirements(forecast, {"voice": _target(patience_seconds=120.0),
                                     "chat": _target("chat", concurrency=2, shrinkage=0.2)})
    chat = result[result["queue"] == "chat"]
    assert chat["abandon_probability"].isna().all()
    assert result.loc[result["queue"] == "voice", "abandon_probability"].notna().all()
    alone = requirements(_week("chat", 500.0), {"chat": _target("chat", concurrency=2, shrinkage=0.2)})
    assert chat["agents_required"].tolist() == alone["agents_required"].tolist()


def test_service_level_for_heads_with_patience_matches_requirements() -> None:
    target = _target(max_occupancy=None, patience_seconds=60.0, shrinkage=0.25, concurrency=1)
    result = requirements(_week(), {"voice": target})
    heads = result["agents_required"].to_numpy()
    levels = service_level_for_heads(result["contacts"], result["aht_seconds"], heads, target)
    assert np.all(levels >= 0.8)
    net = np.ceil(heads * 0.75 - 1e-9)  # whole effective heads: the Erlang A level itself
    whole = _target(max_occupancy=None, patience_seconds=60.0)
    direct = service_level_for_heads(result["contacts"], result["aht_seconds"], net, whole)
    load = result["contacts"].to_numpy() * 240.0 / 1800.0
    expected = erlang_a_metrics(net, load, 240.0, 60.0, 20.0).answered_within_t_of_all
    np.testing.assert_allclose(direct, np.where(load == 0, 1.0, expected), rtol=1e-12)
    # Fractional effective heads interpolate between floor and ceil.
    half = service_level_for_heads(100.0, 240.0, 10.5, whole)
    ends = erlang_a_metrics(np.array([10, 11]), 100.0 * 240.0 / 1800.0, 240.0, 60.0, 20.0)
    assert half == pytest.approx(ends.answered_within_t_of_all.mean(), rel=1e-12)


@pytest.mark.parametrize("patience", [None, 45.0])
def test_service_level_table(patience: float | None) -> None:
    target = _target(max_occupancy=None, patience_seconds=patience)
    week = _week()
    table = service_level_table(week["contacts"], week["aht_seconds"], target, around=3)
    assert tuple(table.columns) == SERVICE_LEVEL_TABLE_COLUMNS
    required = requirements(week, {"voice": target})["agents_required"].to_numpy()
    assert table.groupby("interval")["agents_required"].first().tolist() == required.tolist()
    for interval, rows in table.groupby("interval"):
        r = required[interval]
        assert rows["agents"].tolist() == list(range(max(0, r - 3), r + 4))
        assert np.all(np.diff(rows["service_level"].to_numpy()) >= 0)
        at = rows.set_index("agents")["service_level"]
        assert at[r] >= 0.8
        if r > 0:
            assert at[r - 1] < 0.8
    direct = service_level_for_heads(week["contacts"].to_numpy()[table["interval"]],
                                     week["aht_seconds"].to_numpy()[table["interval"]], table["agents"], target)
    np.testing.assert_array_equal(table["service_level"].to_numpy(), direct)


def test_service_level_table_chat_and_shrinkage_meet_target_at_requirement() -> None:
    target = _target("chat", concurrency=3, shrinkage=0.3, max_occupancy=0.9)
    week = _week("chat", 500.0)
    table = service_level_table(week["contacts"], week["aht_seconds"], target, around=0)
    assert table["agents"].tolist() == table["agents_required"].tolist()
    assert np.all(table["service_level"] >= 0.8)


@pytest.mark.parametrize(("call", "message"), [
    (lambda t: service_level_table([1.0, float("nan")], [200.0, 200.0], t), "queue 'voice': contacts must be"),
    (lambda t: service_level_table([1.0, 2.0], [200.0, -1.0], t), "queue 'voice': aht_seconds must be"),
    (lambda t: service_level_table([1.0, 2.0], [200.0, 1.0, 3.0], t), "queue 'voice': inputs must be numbers"),
    (lambda t: service_level_table([1.0], [200.0], t, around=-1), "queue 'voice': around must be"),
    (lambda t: service_level_table([1.0], [200.0], t, around=1.5), "queue 'voice': around must be"),
    (lambda t: service_level_for_heads([1.0, 2.0], [200.0], [1, 2, 3], t), "queue 'voice': inputs must be"),
    (lambda t: _target(patience_seconds=0.0), "queue 'voice': patience_seconds must be in (0, 86400] or None"),
    (lambda t: _target(patience_seconds=float("inf")), "queue 'voice': patience_seconds must be"),
    (lambda t: _target(patience_seconds="soon"), "queue 'voice': patience_seconds must be"),
])
def test_bad_input_is_one_line(call, message: str) -> None:
    target = _target(patience_seconds=60.0)
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        call(target)
    assert "\n" not in str(caught.value)


def test_patience_from_config(tmp_path: Path) -> None:
    folder = generate_example(tmp_path / "c", agents=10, weeks=3)
    plan = yaml.safe_load(folder.read_text(encoding="utf-8"))
    plan["queues"][0]["patience_seconds"] = 75
    folder.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    config = load_config(folder)
    assert config.queues[0].patience_seconds == 75.0
    assert all(q.patience_seconds is None for q in config.queues[1:])
    targets = queue_targets(config)
    assert targets[config.queues[0].queue_id].patience_seconds == 75.0
    for bad, rule in ((0, "must be > 0, got 0"), (-5, "must be > 0, got -5"), ("long", "must be a number")):
        plan["queues"][0]["patience_seconds"] = bad
        folder.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
        with pytest.raises(InputError, match=re.escape(f"plan.yaml: queues[0].patience_seconds {rule}")) as caught:
            load_config(folder)
        assert "\n" not in str(caught.value)
