"""The CI quality gate of ``wfm check``: regressions against a baseline kpis.json, tolerances, bad files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from scheduler.errors import InputError
from scheduler.validation.check import (
    GateRow,
    Tolerances,
    compare,
    format_gate,
    load_kpis,
    parse_tolerances,
    run_check,
)

KPIS: dict[str, Any] = {
    "week_start": "2026-03-30",
    "agents": 60,
    "shifts": 281,
    "hard_violations": 0,
    "service_level": {"overall": 0.871, "by_queue": {"sales": 0.88, "service": 0.86, "chat": 0.90}},
    "service_level_target": {"sales": 0.8, "service": 0.8, "chat": 0.8},
    "worst_interval_service_level": {"sales": 0.52, "service": 0.61, "chat": 0.7},
    "understaffed_agent_hours": 1.25,
    "overstaffed_agent_hours": 100.5,
    "paid_hours": 2000.0,
    "cost": 44000.0,
    "penalties": {"understaffing": {"amount": 5.0, "unit": "agent-interval", "weight": 1000, "penalty": 5000.0}},
    "solver": {
        "status": "FEASIBLE",
        "objective": 25996.0,
        "best_bound": 21820.0,
        "gap": 0.16,
        "seconds": 40.1,
        "seed": 0,
        "workers": 1,
        "deterministic": True,
        "ortools_version": "9.15.6755",
    },
    "versions": {"wfm": "0.1.0", "ortools": "9.15.6755"},
}
DEFAULTS = Tolerances()


def kpis(**changes: Any) -> dict[str, Any]:
    """A deep copy of ``KPIS`` with dotted key paths replaced, e.g. ``kpis(**{"solver.gap": 0.2})``."""
    result = copy.deepcopy(KPIS)
    for key_path, value in changes.items():
        *parents, last = key_path.split(".")
        node = result
        for part in parents:
            node = node[part]
        node[last] = value
    return result


def row(rows: list[GateRow], metric: str) -> GateRow:
    (found,) = (r for r in rows if r.metric == metric)
    return found


def write(path: Path, content: Any) -> Path:
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_identical_files_pass(tmp_path: Path) -> None:
    current = write(tmp_path / "kpis.json", KPIS)
    baseline = write(tmp_path / "baseline.json", KPIS)
    passed, report = run_check(current, baseline, Tolerances(gap_growth=0.0, paid_hours_growth=0.0))
    assert passed
    lines = report.splitlines()
    assert lines[-1] == "quality gate passed"
    assert lines[0].split() == ["metric", "baseline", "current", "change", "allowed", "result"]
    # overall, 3 queues, understaffing, hard violations, gap, paid hours
    assert len(lines) == 1 + 8 + 1
    assert all(line.endswith("PASS") for line in lines[1:-1])


@pytest.mark.parametrize(
    ("key", "value", "passed"),
    [
        ("service_level.overall", 0.866, True),  # exactly the allowed 0.005 drop
        ("service_level.overall", 0.8655, False),
        ("service_level.by_queue.chat", 0.896, True),
        ("service_level.by_queue.chat", 0.89, False),
        ("service_level.by_queue.chat", 0.99, True),  # improvements always pass
    ],
)
def test_service_level_drop(key: str, value: float, passed: bool) -> None:
    rows = compare(kpis(**{key: value}), KPIS, DEFAULTS)
    metric = "service_level (overall)" if key.endswith("overall") else "service_level (chat)"
    assert row(rows, metric).passed is passed
    assert sum(not r.passed for r in rows) == (0 if passed else 1)


def test_service_level_tolerance_is_configurable() -> None:
    current = kpis(**{"service_level.overall": 0.85})
    assert not all(r.passed for r in compare(current, KPIS, DEFAULTS))
    assert all(r.passed for r in compare(current, KPIS, Tolerances(service_level_drop=0.03)))


@pytest.mark.parametrize(
    ("baseline_hours", "current_hours", "passed"),
    [
        (1.25, 1.5625, True),  # 1.25 * 1.05 + 0.25
        (1.25, 1.6, False),
        (0.0, 0.25, True),  # the absolute slack keeps a zero baseline from being brittle
        (0.0, 0.5, False),
        (10.0, 10.75, True),
        (10.0, 11.0, False),
    ],
)
def test_understaffing_growth(baseline_hours: float, current_hours: float, passed: bool) -> None:
    rows = compare(
        kpis(understaffed_agent_hours=current_hours), kpis(understaffed_agent_hours=baseline_hours), DEFAULTS
    )
    assert row(rows, "understaffed_agent_hours").passed is passed


def test_hard_violation_fails_even_when_baseline_had_one() -> None:
    rows = compare(kpis(hard_violations=1), kpis(hard_violations=1), DEFAULTS)
    gate = row(rows, "hard_violations")
    assert (gate.baseline, gate.current, gate.passed) == (1, 1, False)
    assert row(compare(KPIS, kpis(hard_violations=3), DEFAULTS), "hard_violations").passed


def test_missing_queue_fails() -> None:
    rows = compare(kpis(**{"service_level.by_queue": {"sales": 0.88, "service": 0.86}}), KPIS, DEFAULTS)
    gate = row(rows, "service_level (chat)")
    assert not gate.passed
    report = format_gate(rows)
    assert "missing" in report
    assert report.splitlines()[-1] == "quality gate FAILED: 1 regression(s)"


def test_new_queue_in_current_is_not_gated() -> None:
    current = kpis(**{"service_level.by_queue": {**KPIS["service_level"]["by_queue"], "email": 0.1}})
    rows = compare(current, KPIS, DEFAULTS)
    assert all(r.passed for r in rows)
    assert not any("email" in r.metric for r in rows)


def test_optional_gates_only_when_set() -> None:
    current = kpis(**{"solver.gap": 0.3, "paid_hours": 2200.0})
    assert all(r.passed for r in compare(current, KPIS, DEFAULTS))
    rows = compare(current, KPIS, Tolerances(gap_growth=0.1, paid_hours_growth=0.05))
    assert not row(rows, "solver.gap").passed  # 0.3 > 0.16 + 0.1
    assert not row(rows, "paid_hours").passed  # 2200 > 2000 * 1.05
    rows = compare(current, KPIS, Tolerances(gap_growth=0.2, paid_hours_growth=0.1))
    assert all(r.passed for r in rows)


def test_format_gate_aligns_columns_and_counts_failures() -> None:
    rows = compare(kpis(hard_violations=2, **{"service_level.overall": 0.8}), KPIS, DEFAULTS)
    lines = format_gate(rows).splitlines()
    assert lines[-1] == "quality gate FAILED: 2 regression(s)"
    header, body = lines[0], lines[1:-1]
    # the result column starts, and the right-aligned baseline column ends, at the same place on every line
    assert {line.rindex(" ") + 1 for line in body} == {header.index("result")}
    end = header.index("baseline") + len("baseline")
    assert all(line[end - 1] != " " and line[end] == " " for line in body)
    overall = next(line for line in body if line.startswith("service_level (overall)"))
    assert overall.split()[-1] == "FAIL"
    assert "-0.071" in overall
    assert ">= 0.866" in overall


def test_parse_tolerances_good() -> None:
    parsed = parse_tolerances(["service_level=0.01", "understaffing=0.1", "gap=0.02", "paid_hours = 0.03"], DEFAULTS)
    assert parsed == Tolerances(0.01, 0.1, 0.02, 0.03)
    assert parse_tolerances([], DEFAULTS) == DEFAULTS
    assert parse_tolerances(["gap=none"], Tolerances(gap_growth=0.1)).gap_growth is None
    assert parse_tolerances(["service_level=0.01", "service_level=0.02"], DEFAULTS).service_level_drop == 0.02


@pytest.mark.parametrize(
    ("item", "named"),
    [
        ("latency=0.1", "unknown key 'latency'"),
        ("service_level", "must be KEY=VALUE"),
        ("=0.1", "must be KEY=VALUE"),
        ("service_level=abc", "service_level must be a number in [0, 1], got 'abc'"),
        ("service_level=1.5", "service_level must be a number in [0, 1], got '1.5'"),
        ("understaffing=-0.1", "understaffing must be a number >= 0, got '-0.1'"),
        ("understaffing=none", "understaffing must be a number >= 0, got 'none'"),
        ("gap=nan", "gap must be a number >= 0 or none, got 'nan'"),
        ("paid_hours=", "paid_hours must be a number >= 0 or none, got ''"),
    ],
)
def test_parse_tolerances_bad(item: str, named: str) -> None:
    with pytest.raises(InputError, match="^--tolerance ") as caught:
        parse_tolerances([item], DEFAULTS)
    assert named in str(caught.value)
    assert "\n" not in str(caught.value)


def test_load_kpis_reads_a_good_file(tmp_path: Path) -> None:
    assert load_kpis(write(tmp_path / "kpis.json", KPIS)) == KPIS


def test_load_kpis_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.json: file not found"):
        load_kpis(tmp_path / "nope.json")


def test_load_kpis_invalid_json(tmp_path: Path) -> None:
    path = write(tmp_path / "kpis.json", '{"hard_violations": 0,')
    with pytest.raises(InputError, match=r"kpis\.json: invalid JSON at line 1") as caught:
        load_kpis(path)
    assert str(caught.value).startswith(str(path))


def drop(key_path: str) -> dict[str, Any]:
    result = copy.deepcopy(KPIS)
    *parents, last = key_path.split(".")
    node = result
    for part in parents:
        node = node[part]
    del node[last]
    return result


@pytest.mark.parametrize(
    "key_path",
    ["service_level", "service_level.by_queue", "service_level.overall", "understaffed_agent_hours", "hard_violations"],
)
def test_load_kpis_missing_key(tmp_path: Path, key_path: str) -> None:
    path = write(tmp_path / "kpis.json", drop(key_path))
    expected = "service_level.overall" if key_path == "service_level" else key_path
    with pytest.raises(InputError) as caught:
        load_kpis(path)
    assert str(caught.value) == f"{path}: missing key {expected}"


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ([1, 2], "top level must be a JSON object"),
        (kpis(**{"service_level.overall": "high"}), "service_level.overall must be a number in [0, 1], got 'high'"),
        (kpis(**{"service_level.by_queue.chat": 1.2}), "service_level.by_queue.chat must be a number in [0, 1]"),
        (kpis(**{"service_level.by_queue": [0.9]}), "service_level.by_queue must be a mapping"),
        (kpis(hard_violations=True), "hard_violations must be a whole number >= 0, got True"),
        (kpis(understaffed_agent_hours=-1), "understaffed_agent_hours must be a number >= 0, got -1"),
    ],
)
def test_load_kpis_bad_values(tmp_path: Path, content: Any, named: str) -> None:
    path = write(tmp_path / "kpis.json", content)
    with pytest.raises(InputError) as caught:
        load_kpis(path)
    assert str(caught.value) == f"{path}: {named}" or str(caught.value).startswith(f"{path}: {named}")


def test_run_check_needs_gap_when_gap_is_gated(tmp_path: Path) -> None:
    current = write(tmp_path / "kpis.json", drop("solver.gap"))
    baseline = write(tmp_path / "baseline.json", KPIS)
    assert run_check(current, baseline, DEFAULTS)[0]
    with pytest.raises(InputError) as caught:
        run_check(current, baseline, Tolerances(gap_growth=0.01))
    assert str(caught.value) == f"{current}: missing key solver.gap"


def test_run_check_reports_regression(tmp_path: Path) -> None:
    current = write(tmp_path / "kpis.json", kpis(understaffed_agent_hours=5.0))
    baseline = write(tmp_path / "baseline.json", KPIS)
    passed, report = run_check(current, baseline, DEFAULTS)
    assert not passed
    assert report.splitlines()[-1] == "quality gate FAILED: 1 regression(s)"
