"""The typed ``kpis.json`` (scheduler.validation.kpis): round trip, the published key order, one-line errors,
and ``wfm plan`` loading its config once."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import click.testing
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.app import cli
from scheduler.errors import InputError
from scheduler.validation.kpis import Kpis, Penalty, ServiceLevels, SolverKpis, read_kpis

KPIS = Kpis(
    week_start="2026-03-30", config="configs/example.yaml", agents=3, shifts=12, hard_violations=0,
    service_level=ServiceLevels(overall=0.871234, by_queue={"sales": 0.88, "chat": 1.0}),
    service_level_target={"sales": 0.8, "chat": 0.85},
    worst_interval_service_level={"sales": 0.52, "chat": 0.7},
    understaffed_agent_hours=1.25, overstaffed_agent_hours=10.5, paid_hours=96.0, cost=0,
    penalties={"understaffing": Penalty(amount=5.0, unit="agent-interval", weight=1000, penalty=5000.0),
               "overstaffing": Penalty(amount=42, unit="agent-interval", weight=1, penalty=42)},
    solver=SolverKpis(status="FEASIBLE", objective=5042.0, best_bound=4900.5, gap=0.028251, seconds=3.2,
                      first_roster_seconds=None, budget_completed=True, stopped_by="budget", seed=0, workers=1,
                      deterministic=True, ortools_version="9.15.6755"),
    versions={"wfm": "0.1.0", "ortools": "9.15.6755"},
    warnings=("queue chat: no contacts all week",),
)

# The key paths of kpis.json, in the order every release so far wrote them; changing them breaks CI baselines
# and dashboards that read the file.
PUBLISHED_KEYS = [
    "week_start", "config", "agents", "shifts", "hard_violations",
    "service_level", "service_level.overall", "service_level.by_queue",
    "service_level_target", "worst_interval_service_level", "understaffed_agent_hours", "overstaffed_agent_hours",
    "paid_hours", "cost", "penalties",
    "solver", "solver.status", "solver.objective", "solver.best_bound", "solver.gap", "solver.seconds",
    "solver.first_roster_seconds", "solver.budget_completed", "solver.stopped_by", "solver.seed", "solver.workers",
    "solver.deterministic", "solver.ortools_version",
    "versions", "warnings",
]
HOSTILE = st.sampled_from([-1, 0, 2**63, 1e308, float("nan"), float("inf"), "abc", "", None, [], {}, [[1]], True,
                           "2026-02-30", "x" * 500, "\n", 0.5, {"q": "x" * 500}, {"x" * 500: 1}])
PENALTY_KEYS = ["amount", "unit", "weight", "penalty"]
# Maps keyed by queue id, rule or package: their keys are data, not schema.
DATA_KEYED = ("service_level.by_queue", "service_level_target", "worst_interval_service_level", "penalties",
              "versions")


def key_paths(data: dict[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, value in data.items():
        path = prefix + key
        paths.append(path)
        if isinstance(value, dict) and path not in DATA_KEYED:
            paths += key_paths(value, path + ".")
    return paths


def test_round_trip_gives_the_same_object_and_the_same_bytes() -> None:
    text = KPIS.to_json()
    assert Kpis.from_json(text) == KPIS
    assert Kpis.from_json(text).to_json() == text
    assert json.loads(text)["cost"] == 0 and '"cost": 0,' in text  # an int stays an int: same bytes as before


def test_to_json_writes_the_published_keys_in_order() -> None:
    data = json.loads(KPIS.to_json())
    assert key_paths(data) == PUBLISHED_KEYS
    assert all(list(p) == PENALTY_KEYS for p in data["penalties"].values())
    assert KPIS.to_json().endswith("}\n") and KPIS.to_json().startswith('{\n  "week_start": ')


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d.pop("cost"), "missing key cost"),
        (lambda d: d["solver"].pop("gap"), "missing key solver.gap"),
        (lambda d: d["service_level"].update(overall="high"), "service_level.overall must be a number in [0, 1]"),
        (lambda d: d["service_level"]["by_queue"].update(chat=1.5), "service_level.by_queue.chat must be a number"),
        (lambda d: d.update(shifts=True), "shifts must be a whole number >= 0, got True"),
        (lambda d: d["penalties"].update(x=[1]), "penalties.x must be an object"),
        (lambda d: d["penalties"]["understaffing"].update(weight=0.5), "penalties.understaffing.weight must be"),
        (lambda d: d["solver"].update(deterministic="yes"), "solver.deterministic must be true or false"),
        (lambda d: d.update(warnings="none"), "warnings must be a list"),
        (lambda d: d["versions"].update(wfm=1), "versions.wfm must be text"),
    ],
)
def test_from_json_names_the_file_and_the_key_in_one_line(tmp_path: Path, change: Any, named: str) -> None:
    data = json.loads(KPIS.to_json())
    change(data)
    path = tmp_path / "kpis.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_kpis(path)
    assert str(caught.value).startswith(f"{path}: {named}") and "\n" not in str(caught.value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_from_json_of_a_damaged_file_is_an_object_or_one_line_error(data: st.DataObject) -> None:
    document = json.loads(KPIS.to_json())
    for _ in range(data.draw(st.integers(1, 3))):
        node, path = document, data.draw(st.sampled_from(PUBLISHED_KEYS)).split(".")
        for key in path[:-1]:
            node = node[key] if isinstance(node.get(key), dict) else {}
        # a copy: sampled_from hands out the same {} or [] each time, which a later step could nest in itself
        node[path[-1]] = copy.deepcopy(data.draw(HOSTILE))
    try:
        loaded = Kpis.from_json(json.dumps(document))
    except InputError as error:
        assert "\n" not in str(error) and len(str(error)) < 400
    else:
        assert Kpis.from_json(loaded.to_json()) == loaded


def test_from_json_accepts_a_file_from_before_warnings_and_the_stop_fields() -> None:
    data = json.loads(KPIS.to_json())
    del data["warnings"]
    for key in ("first_roster_seconds", "budget_completed", "stopped_by"):
        del data["solver"][key]
    loaded = Kpis.from_dict(data)
    assert loaded.warnings == () and loaded.solver.stopped_by == "budget" and loaded.solver.budget_completed


def test_bad_json_is_one_line() -> None:
    with pytest.raises(InputError, match=r"^baseline\.json: invalid JSON at line 1"):
        Kpis.from_json('{"agents": ', "baseline.json")
    with pytest.raises(InputError, match="top level must be a JSON object"):
        Kpis.from_json("[]")


def test_plan_loads_the_config_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The CLI loads the YAML once and hands the loaded config to the pipeline (stopped before any solving)."""
    import scheduler.app.pipeline as pipeline
    import scheduler.io.config as config_module

    loads: list[Path] = []
    real_load = config_module.load_config

    def counting_load(path: Path) -> Any:
        loads.append(path)
        return real_load(path)

    class Stopped(Exception):
        pass

    def stop_after_history(*args: Any, **kwargs: Any) -> Any:
        raise Stopped

    # The progress bar (which needs the config's budget) is drawn only on a terminal.
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True)
    monkeypatch.setattr(config_module, "load_config", counting_load)
    monkeypatch.setattr(pipeline, "load_config", counting_load)
    monkeypatch.setattr(pipeline, "load_history", stop_after_history)
    config = Path(__file__).resolve().parents[1] / "configs" / "example.yaml"
    result = CliRunner().invoke(cli.main, ["plan", str(config), "--out", str(tmp_path / "out")])
    assert isinstance(result.exception, Stopped), result.output
    assert loads == [config]
