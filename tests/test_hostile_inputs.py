"""Hostile inputs (issue 14): every case the fuzz run found is a one-line error with exit 2 (or a plan, where the
input is legitimate), never a traceback or a run without end; and a hypothesis fuzz of the loaders.

The fuzz drives the CLI in-process through commands that load without solving (``validate`` for the plan YAML
and agents CSV, ``staff`` for forecasts, ``check`` for kpis.json) and the library loaders of the history and
requirements CSVs, with a fixed example budget, so it stays deterministic and quick.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasting.history import load_history
from scheduler.app.pipeline import read_requirements
from scheduler.demo.example import generate_example
from scheduler.domain.week import Week
from scheduler.errors import InputError
from scheduler.io.config import load_config
from scheduler.rostering.replan import parse_pin_days
from tests.test_cli_plan import explain, wfm

# WFM_FUZZ_EXAMPLES raises the budget for a longer hunt; the default keeps the file well under a minute.
FUZZ_EXAMPLES = int(os.environ.get("WFM_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def assert_clean(result: Result, allowed: tuple[int, ...]) -> None:
    """Exit code in ``allowed``; never an uncaught exception; exit 2 is exactly one ``error:`` line."""
    if os.environ.get("WFM_FUZZ_LOG"):
        with open(os.environ["WFM_FUZZ_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{result.exit_code}\t{(result.output.strip().splitlines() or [''])[-1][:150]}\n")
    assert result.exit_code in allowed, explain(result)
    assert result.exception is None or isinstance(result.exception, SystemExit), explain(result)
    assert "Traceback" not in result.output, explain(result)
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, explain(result)
        assert result.stderr.startswith("error: "), explain(result)


def one_line_error(result: Result) -> str:
    assert_clean(result, (2,))
    return next(line for line in result.output.splitlines() if line.startswith("error:"))


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated centre: plan.yaml, agents.csv, history.csv."""
    return generate_example(tmp_path_factory.mktemp("hostile") / "centre", agents=8, queues=2, weeks=3, seed=5,
                            time_limit_seconds=3)


def copy_centre(centre: Path, target: Path) -> Path:
    shutil.copytree(centre.parent, target)
    return target / "plan.yaml"


def plan_data(centre: Path) -> dict[str, Any]:
    return yaml.safe_load(centre.read_text(encoding="utf-8"))


# --- the cases of the issue ----------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "named"), [
    (("--contacts", "1e20", "--aht", "300"), "contacts"),
    (("--contacts", "100", "--aht", "300", "--max-occupancy", "1e-320"), "max_occupancy"),
    (("--contacts", "100", "--aht", "300", "--period", "0.0000001s"), "--period"),
    (("--contacts", "1e7", "--aht", "86400", "--period", "1s"), "load_erlangs"),
    (("--contacts", "100", "--aht", "300", "--patience", "1e300"), "patience_seconds"),
    (("--contacts", "100", "--aht", "300", "--concurrency", "0"), "concurrency"),
    (("--contacts", "nan", "--aht", "300"), "contacts"),
])
def test_erlang_refuses_out_of_range_options(args: tuple[str, ...], named: str) -> None:
    assert named in one_line_error(wfm("erlang", *args))


def test_erlang_search_is_bounded_at_the_caps() -> None:
    """The largest load the range allows still answers (the search walks O(sqrt(load)) steps)."""
    result = wfm("erlang", "--contacts", "1e7", "--aht", "18", "--period", "1800s", "--json")
    assert_clean(result, (0,))
    assert json.loads(result.output)["agents"] > 100_000


@pytest.mark.parametrize(("path", "raw", "named"), [
    (("forecast", "week_start"), "2026-02-30", "forecast.week_start"),
    (("holidays",), "[2026-13-01]", "holidays[0]"),
    (("solver", "seed"), "!!int abc", "'abc' is not a valid whole number"),
    (("holidays",), "[" * 1000 + "]" * 1000, "nested"),
    (("contracts", 0, "hourly_cost"), "1.0e+308", "contracts[0].hourly_cost"),
    (("objective", "paid_hour"), "100000000000000000000", "objective.paid_hour"),
    (("queues", 0, "max_occupancy"), "1.0e-300", "queues[0].max_occupancy"),
    (("queues", 0, "answer_seconds"), "1.0e+300", "queues[0].answer_seconds"),
    (("solver", "time_limit_seconds"), ".inf", "solver.time_limit_seconds"),
])
def test_bad_plan_yaml_is_one_line(centre: Path, tmp_path: Path, path: tuple[Any, ...], raw: str,
                                   named: str) -> None:
    """Each value is written into the YAML text as is (so YAML itself reads ``!!int abc`` or the nesting)."""
    config = copy_centre(centre, tmp_path / "c")
    plan = plan_data(config)
    _set(plan, path, "HOSTILE_VALUE")
    config.write_text(yaml.safe_dump(plan).replace("HOSTILE_VALUE", raw), encoding="utf-8")
    result = wfm("plan", config, "--out", tmp_path / "out", "--quiet")
    assert named in one_line_error(result)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("column", "value", "named"), [
    ("contacts", "1e20", "contacts"),
    ("interval_start", "2262-05-01T08:00:00", "1900"),
    ("aht_seconds", "1e9", "aht_seconds"),
])
def test_hostile_history_rows_are_refused_naming_the_row(centre: Path, tmp_path: Path, column: str, value: str,
                                                         named: str) -> None:
    config = copy_centre(centre, tmp_path / "c")
    history = config.with_name("history.csv")
    rows = list(csv.DictReader(history.open(encoding="utf-8")))
    rows[40][column] = value
    if column == "aht_seconds":
        rows[40]["contacts"] = "5"
    with history.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    line = one_line_error(wfm("plan", config, "--out", tmp_path / "out", "--quiet"))
    assert "row 42" in line and named in line, line


@pytest.mark.parametrize(("option", "value", "named"), [
    ("--seed", "-1", "--seed must be >= 0"),
    ("--time-limit", "0", "--time-limit must be > 0"),
    ("--time-limit", "-1", "--time-limit must be > 0"),
    ("--time-limit", "nan", "--time-limit must be a finite number"),
    ("--time-limit", "inf", "--time-limit must be a finite number"),
    ("--workers", "0", "--workers must be >= 1"),
    ("--workers", "-1", "--workers must be >= 1"),
])
def test_options_are_checked_like_their_config_keys(centre: Path, tmp_path: Path, option: str, value: str,
                                                    named: str) -> None:
    line = one_line_error(wfm("plan", centre, "--out", tmp_path / "out", option, value, "--quiet"))
    assert named in line


@pytest.mark.parametrize("out", ["/", "", ".", "/etc", "/usr/share/x", "/dev/null", "/proc", "~"])
def test_out_refuses_system_empty_and_current_folders(centre: Path, out: str) -> None:
    line = one_line_error(wfm("plan", centre, "--out", out, "--quiet"))
    assert "--out" in line


def test_out_refuses_an_existing_file(centre: Path, tmp_path: Path) -> None:
    config = copy_centre(centre, tmp_path / "c")
    line = one_line_error(wfm("plan", config, "--out", config, "--quiet"))
    assert "exists and is not a folder" in line
    assert config.read_text(encoding="utf-8").startswith("#")


def test_pin_days_takes_whole_tokens_and_names_a_bad_one() -> None:
    week = Week(date(2026, 3, 30), 15)
    assert parse_pin_days("mon;tue", week) == {date(2026, 3, 30), date(2026, 3, 31)}
    assert parse_pin_days("monday, 2026-04-01", week) == {date(2026, 3, 30), date(2026, 4, 1)}
    for bad, token in (("monkey", "monkey"), ("mon;tuex", "tuex"), ("2026-02-30", "2026-02-30")):
        with pytest.raises(InputError, match=token):
            parse_pin_days(bad, week)


def _forecast_for_staff(centre: Path, tmp_path: Path) -> Path:
    path = tmp_path / "forecast.csv"
    rows = ["interval_start,queue,contacts,aht_seconds"]
    for queue in (q["id"] for q in plan_data(centre)["queues"]):
        rows += [f"2026-03-30T{h:02d}:00:00,{queue},{10 + h},300" for h in range(8, 12)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("edit", "named"), [
    (lambda lines: [",".join(p for i, p in enumerate(line.split(",")) if i != 1) for line in lines], "queue"),
    (lambda lines: [lines[0], "not-a-time" + lines[1][19:], *lines[2:]], "row 2"),
    (lambda lines: [lines[0], "2262-05-01T08:00:00" + lines[1][19:], *lines[2:]], "row 2"),
    (lambda lines: [lines[0], lines[1].rsplit(",", 2)[0] + ",1e20,300", *lines[2:]], "contacts"),
])
def test_staff_refuses_a_bad_forecast_and_writes_nothing(centre: Path, tmp_path: Path, edit: Any,
                                                         named: str) -> None:
    forecast = _forecast_for_staff(centre, tmp_path)
    forecast.write_text("\n".join(edit(forecast.read_text(encoding="utf-8").splitlines())) + "\n", encoding="utf-8")
    out = tmp_path / "req.csv"
    assert named in one_line_error(wfm("staff", forecast, "--config", centre, "--out", out))
    assert not out.exists()


def test_a_history_without_contacts_plans_a_roster(centre: Path, tmp_path: Path) -> None:
    """All contacts 0 is legitimate: nothing is required, the contracts' minimum hours still give shifts."""
    config = copy_centre(centre, tmp_path / "c")
    history = config.with_name("history.csv")
    rows = list(csv.DictReader(history.open(encoding="utf-8")))
    for row in rows:
        row["contacts"], row["aht_seconds"] = "0", ""
    with history.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out"
    result = wfm("plan", config, "--out", out, "--quiet", "--time-limit", "3")
    assert_clean(result, (0,))
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["hard_violations"] == 0
    assert kpis["understaffed_agent_hours"] == 0
    assert (out / "report.html").is_file()


# --- fuzz of the loaders ---------------------------------------------------------------------------------

HOSTILE_VALUES = st.sampled_from([
    -1, 0, 1, 2**63, -(2**63), 10**20, 1e308, -1e308, 1e-320, float("nan"), float("inf"), "abc", "", " ", None,
    [], {}, [[[[1]]]], True, "2026-02-30", "2026-13-01", "25:99", "x" * 500, "mon;tue", "../../etc/passwd",
    "=cmd|' /C calc'!A0", "\u0000", "\n", 0.5, 3, 1.0e+300,
])


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path of a YAML document (mappings and lists), shallow ones first."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    """Set the value at ``path`` (a copy, so the shared hostile values never change); a path an earlier
    mutation replaced is left alone."""
    for key in path[:-1]:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(data, dict) or (isinstance(data, list) and isinstance(path[-1], int) and path[-1] < len(data)):
        data[path[-1]] = copy.deepcopy(value)


@pytest.fixture(scope="module")
def roster(centre: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A roster file for ``wfm validate`` (one shift; its violations do not matter, exit 1 is allowed)."""
    path = tmp_path_factory.mktemp("roster") / "roster.csv"
    agent = next(csv.DictReader(centre.with_name("agents.csv").open(encoding="utf-8")))["agent_id"]
    path.write_text("agent_id,date,activity,start,end\n"
                    f"{agent},2026-03-30,shift,2026-03-30T09:00:00,2026-03-30T17:00:00\n", encoding="utf-8")
    return path


@FUZZ
@given(data=st.data())
def test_fuzz_plan_yaml_values(centre: Path, roster: Path, tmp_path_factory: pytest.TempPathFactory,
                               data: st.DataObject) -> None:
    plan = plan_data(centre)
    paths = _paths(plan)
    for _ in range(data.draw(st.integers(1, 3))):
        _set(plan, data.draw(st.sampled_from(paths)), data.draw(HOSTILE_VALUES))
    folder = tmp_path_factory.mktemp("fuzz-yaml")
    for name in ("agents.csv", "history.csv"):
        shutil.copy(centre.with_name(name), folder / name)
    config = folder / "plan.yaml"
    config.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    assert_clean(wfm("validate", config, roster), (0, 1, 2))


@FUZZ
@given(cuts=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 40), st.text(max_size=6)), min_size=1,
                     max_size=3))
def test_fuzz_plan_yaml_text(centre: Path, roster: Path, tmp_path_factory: pytest.TempPathFactory,
                             cuts: list[tuple[int, int, str]]) -> None:
    text = centre.read_text(encoding="utf-8")
    for at, length, insert in cuts:
        at %= len(text)
        text = text[:at] + insert + text[at + length:]
    folder = tmp_path_factory.mktemp("fuzz-text")
    for name in ("agents.csv", "history.csv"):
        shutil.copy(centre.with_name(name), folder / name)
    (folder / "plan.yaml").write_text(text, encoding="utf-8")
    assert_clean(wfm("validate", folder / "plan.yaml", roster), (0, 1, 2))


CELL = st.one_of(st.sampled_from(["", "-1", "1e20", "nan", "inf", "abc", "mon-fri 25:00-26:00", "sat-sun",
                                  "voice;;", "=SUM(1)", "2026-02-30", "x" * 300, "full_time", "part_time",
                                  "A001", "../x", "mon 09:00-08:00"]),
                 st.text(max_size=12))


def _mutate_csv(path: Path, data: st.DataObject) -> None:
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["cell", "cell", "drop-column", "duplicate-row", "short-row"]))
        row = data.draw(st.integers(0, len(rows) - 1))
        if kind == "cell" and rows[row]:
            rows[row][data.draw(st.integers(0, len(rows[row]) - 1))] = data.draw(CELL)
        elif kind == "drop-column" and rows[0]:
            column = data.draw(st.integers(0, len(rows[0]) - 1))
            rows = [r[:column] + r[column + 1:] for r in rows]
        elif kind == "duplicate-row":
            rows.append(list(rows[row]))
        elif kind == "short-row" and rows[row]:
            rows[row] = rows[row][:-1]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


@FUZZ
@given(data=st.data())
def test_fuzz_agents_csv(centre: Path, roster: Path, tmp_path_factory: pytest.TempPathFactory,
                         data: st.DataObject) -> None:
    folder = tmp_path_factory.mktemp("fuzz-agents")
    shutil.copytree(centre.parent, folder / "c")
    _mutate_csv(folder / "c" / "agents.csv", data)
    assert_clean(wfm("validate", folder / "c" / "plan.yaml", roster), (0, 1, 2))


def _loads_or_one_line(load: Any) -> None:
    """The library loader returns, or raises InputError with a one-line message; nothing else."""
    try:
        load()
    except InputError as error:
        assert "\n" not in str(error), str(error)


@settings(FUZZ, max_examples=max(1, FUZZ_EXAMPLES * 5 // 8))
@given(data=st.data())
def test_fuzz_history_csv(centre: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    path = tmp_path_factory.mktemp("fuzz-history") / "history.csv"
    shutil.copy(centre.with_name("history.csv"), path)
    _mutate_csv(path, data)
    _loads_or_one_line(lambda: load_history(path, 15))


@pytest.fixture(scope="module")
def requirements_file(centre: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("requirements")
    forecast = _forecast_for_staff(centre, folder)
    out = folder / "requirements.csv"
    assert_clean(wfm("staff", forecast, "--config", centre, "--out", out), (0,))
    return out


@FUZZ
@given(data=st.data())
def test_fuzz_requirements_csv(centre: Path, requirements_file: Path, tmp_path_factory: pytest.TempPathFactory,
                               data: st.DataObject) -> None:
    path = tmp_path_factory.mktemp("fuzz-req") / "requirements.csv"
    shutil.copy(requirements_file, path)
    _mutate_csv(path, data)
    config = load_config(centre)
    _loads_or_one_line(lambda: read_requirements(path, config))


@FUZZ
@given(data=st.data())
def test_fuzz_forecast_csv_for_staff(centre: Path, tmp_path_factory: pytest.TempPathFactory,
                                     data: st.DataObject) -> None:
    folder = tmp_path_factory.mktemp("fuzz-staff")
    forecast = _forecast_for_staff(centre, folder)
    _mutate_csv(forecast, data)
    assert_clean(wfm("staff", forecast, "--config", centre, "--out", folder / "req.csv"), (0, 2))


KPIS = {"service_level": {"overall": 0.9}, "understaffed_agent_hours": 1.5, "paid_hours": 300.0,
        "solver": {"gap": 0.01}}


@FUZZ
@given(data=st.data())
def test_fuzz_kpis_json_for_check(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    folder = tmp_path_factory.mktemp("fuzz-kpis")
    baseline = folder / "baseline.json"
    baseline.write_text(json.dumps(KPIS), encoding="utf-8")
    kpis = json.loads(json.dumps(KPIS))
    paths = _paths(kpis)
    for _ in range(data.draw(st.integers(1, 3))):
        _set(kpis, data.draw(st.sampled_from(paths)), data.draw(HOSTILE_VALUES))
    text = json.dumps(kpis)
    if data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.text(max_size=4)) + text[at + 1:]
    (folder / "kpis.json").write_text(text, encoding="utf-8")
    assert_clean(wfm("check", folder / "kpis.json", "--baseline", baseline), (0, 1, 2))


# --- publishing: never worse than what is there ----------------------------------------------------------

def test_a_result_with_hard_violations_never_replaces_the_plan(centre: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import scheduler.app.pipeline as pipeline
    from scheduler.validation.validate import Violation

    config = copy_centre(centre, tmp_path / "c")
    out = tmp_path / "out"
    assert_clean(wfm("plan", config, "--out", out, "--quiet", "--time-limit", "3"), (0,))
    before = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    def broken(*args: Any, **kwargs: Any) -> list[Violation]:
        return [Violation("A001", None, "max_breaks", "a violation planted by the test")]

    monkeypatch.setattr(pipeline, "validate_roster", broken)
    result = wfm("plan", config, "--out", out, "--quiet", "--time-limit", "3")

    assert_clean(result, (1,))
    assert "not published" in result.stderr and "1 hard-rule violation" in result.stderr
    assert {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    siblings = sorted(p.name for p in tmp_path.iterdir())
    rejected = [name for name in siblings if name.startswith("out.rejected-")]
    assert siblings == sorted(["c", "out", *rejected]) and len(rejected) == 1  # no staging folder left
    assert json.loads((tmp_path / rejected[0] / "kpis.json").read_text(encoding="utf-8"))["hard_violations"] == 1
