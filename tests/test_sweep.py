"""``wfm sweep``: the scenario file's merge rules, bad input (exit 2, nothing written), the local executor
against ``wfm plan`` and against Ray (byte for byte), a failed scenario, the headcount search, sites, Ctrl-C,
and the summary page in Chromium.

The centre is the smallest realistic one the example generator writes (8 agents, 2 queues, 3 weeks of
history: a sweep runs ``wfm plan``, which needs a history), planned with a 1-second deterministic budget that
completes well inside the sweep's default wall-clock cap, so every plan is reproducible."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scheduler.app.cli import main
from scheduler.demo.example import generate_example
from scheduler.errors import InputError
from scheduler.io.config import load_config
from scheduler.sweep.headcount import HeadcountSearch
from scheduler.sweep.jobs import OK, JobOutcome
from scheduler.sweep.run import WALL_EXTRA_SECONDS, WALL_FACTOR
from scheduler.sweep.scenarios import deep_merge
from scheduler.validation.kpis import ServiceLevels, read_kpis
from tests.test_report import ARTIFACTS, DevTools, needs_chromium

TIME_LIMIT = "1"
THREE = """base: centre/plan.yaml
scenarios:
  - id: base
  - id: volume_up
    volume_factor: 1.2
  - id: hire
    add_agents: {like: A004, count: 2}
"""
WALL_TIMES = ("seconds", "first_roster_seconds")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``centre/`` (plan.yaml, agents.csv, history.csv) and ``three.yaml``."""
    root = tmp_path_factory.mktemp("sweep")
    generate_example(root / "centre", agents=8, queues=2, weeks=3, seed=1)
    (root / "three.yaml").write_text(THREE, encoding="utf-8")
    return root


def _sweep(folder: Path, *args: str) -> Any:
    """``wfm sweep`` run from ``folder`` (paths in the outputs are as given, so runs compare byte for byte)."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, ["sweep", *args, "--time-limit", TIME_LIMIT], prog_name="wfm")
    finally:
        os.chdir(before)


@pytest.fixture(scope="module")
def local_three(work: Path) -> tuple[Path, Any]:
    run = work / "local"
    run.mkdir()
    result = _sweep(run, "../three.yaml", "--out", "out", "--workers", "2")
    return run / "out", result


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _without_wall_times(data: bytes) -> dict[str, Any]:
    kpis = json.loads(data)
    for key in WALL_TIMES:
        kpis["solver"].pop(key)
    return kpis


def assert_same_plans(first: Path, second: Path) -> None:
    """Every file byte for byte, but kpis.json's two wall times (which ``wfm plan`` itself never repeats)."""
    one, two = _files(first), _files(second)
    assert sorted(one) == sorted(two)
    for name in one:
        if name.endswith("kpis.json"):
            assert _without_wall_times(one[name]) == _without_wall_times(two[name]), name
            assert one[name].splitlines()[:70] == two[name].splitlines()[:70], name
        else:
            assert one[name] == two[name], name


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


# --- the merge rules ---------------------------------------------------------------------------------------


def test_deep_merge_merges_mappings_recursively_and_leaves_the_base_alone() -> None:
    base = {"solver": {"seed": 0, "time_limit_seconds": 60}, "shrinkage": 0.1}
    merged = deep_merge(base, {"solver": {"seed": 7}, "fairness": {"fair_late_shifts": 2}})
    assert merged == {"solver": {"seed": 7, "time_limit_seconds": 60}, "shrinkage": 0.1,
                      "fairness": {"fair_late_shifts": 2}}
    assert base == {"solver": {"seed": 0, "time_limit_seconds": 60}, "shrinkage": 0.1}


def test_deep_merge_matches_list_items_by_id_and_keeps_the_base_order() -> None:
    base = {"queues": [{"id": "voice", "service_level_target": 0.8, "answer_seconds": 20},
                       {"id": "chat", "service_level_target": 0.8}]}
    merged = deep_merge(base, {"queues": [{"id": "chat", "service_level_target": 0.9},
                                          {"id": "voice", "answer_seconds": 30}]})
    assert merged["queues"] == [{"id": "voice", "service_level_target": 0.8, "answer_seconds": 30},
                                {"id": "chat", "service_level_target": 0.9}]


def test_deep_merge_replaces_lists_without_ids() -> None:
    base = {"holidays": ["2026-03-17"], "shift_templates": [{"id": "day", "days": ["mon", "tue"]}]}
    merged = deep_merge(base, {"holidays": ["2026-12-25"], "shift_templates": [{"id": "day", "days": ["sat"]}]})
    assert merged == {"holidays": ["2026-12-25"], "shift_templates": [{"id": "day", "days": ["sat"]}]}


@pytest.mark.parametrize(("override", "message"), [
    ({"queues": [{"id": "email"}]}, "queues[0].id 'email' matches no item of the base plan's queues (voice, chat)"),
    ({"queues": [{"service_level_target": 0.9}]}, "queues[0] must be a mapping with the id"),
    ({"queues": [{"id": "voice"}, {"id": "voice"}]}, "queues[1].id 'voice' is given twice"),
])
def test_deep_merge_refuses_ids_the_base_does_not_list(override: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=r".*") as error:
        deep_merge({"queues": [{"id": "voice"}, {"id": "chat"}]}, override, "")
    assert message in str(error.value).replace("queues.", "")


@pytest.mark.parametrize("key", ["volume_factor", "aht_factor"])
def test_plan_forecast_factors_are_checked_at_load(work: Path, tmp_path: Path, key: str) -> None:
    text = (work / "centre" / "plan.yaml").read_text(encoding="utf-8")
    (tmp_path / "agents.csv").write_bytes((work / "centre" / "agents.csv").read_bytes())
    (tmp_path / "plan.yaml").write_text(text.replace("forecast:\n", f"forecast:\n  {key}: 0\n"), encoding="utf-8")
    with pytest.raises(InputError, match=rf"plan.yaml: forecast.{key} must be > 0, got 0"):
        load_config(tmp_path / "plan.yaml")
    (tmp_path / "plan.yaml").write_text(text.replace("forecast:\n", f"forecast:\n  {key}: 1.5\n"), encoding="utf-8")
    assert getattr(load_config(tmp_path / "plan.yaml"), key) == 1.5


# --- bad input: exit 2, one line naming the key, nothing written -------------------------------------------


@pytest.mark.parametrize(("text", "needle"), [
    ("base: nowhere.yaml\nscenarios: [{id: a}]\n", "base must name an existing plan YAML"),
    ("base: centre/plan.yaml\nscenarios: [{id: a}, {id: a}]\n", "scenarios[1].id duplicates another scenario id"),
    ("base: centre/plan.yaml\nscenarios: [{id: a, overrides: {queues: [{id: voice, sla: 0.9}]}}]\n",
     "unknown key 'queues[0].sla'"),
    ("base: centre/plan.yaml\nscenarios: [{id: a, overrides: {queues: [{id: email}]}}]\n",
     "scenarios[0].overrides.queues[0].id 'email' matches no item"),
    ("base: centre/plan.yaml\nscenarios: [{id: a, overrides: {solver: {speed: 2}}}]\n", "unknown key 'solver.speed'"),
    ("base: centre/plan.yaml\nscenarios: [{id: a, volume_factor: 0}]\n", "scenarios[0].volume_factor must be > 0"),
    ("base: centre/plan.yaml\nscenarios: [{id: a, aht_factor: -1.5}]\n", "scenarios[0].aht_factor must be > 0"),
    ("base: centre/plan.yaml\nscenarios: [{id: a, add_agents: {like: Z9, count: 2}}]\n",
     "scenarios[0].add_agents.like must name an agent of agents.csv"),
    ("base: centre/plan.yaml\nscenarios: [{id: a, add_agents: {contract: nobody, skills: [voice], count: 1}}]\n",
     "contract"),
    ("base: centre/plan.yaml\nscenarios: [{id: summary.csv}]\n", "scenarios[0].id must be a folder name"),
    ("base: centre/plan.yaml\nscenarios: [{id: a, shrinkage: 1.5}]\n", "scenarios[0].shrinkage must be a number"),
    ("scenarios: [{id: a}]\n", "give either base"),
    ("base: centre/plan.yaml\nscenario: [{id: a}]\n", "unknown key 'scenario'"),
])
def test_bad_scenario_file_exits_2_with_one_line_and_writes_nothing(work: Path, text: str, needle: str) -> None:
    (work / "bad.yaml").write_text(text, encoding="utf-8")
    result = _sweep(work, "bad.yaml", "--out", "bad-out")
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("error: "), result.output
    assert needle in result.output, result.output
    assert not (work / "bad-out").exists()


def test_executor_ray_without_ray_installed_exits_2(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    result = _sweep(work, "three.yaml", "--out", "no-ray", "--executor", "ray")
    assert result.exit_code == 2
    assert "--executor ray needs Ray, which is not installed: pip install 'wfm-optimizer[ray]'" in result.output
    assert not (work / "no-ray").exists()


def test_unreachable_ray_cluster_exits_2(work: Path) -> None:
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'wfm-optimizer[ray]')")
    result = _sweep(work, "three.yaml", "--out", "no-cluster", "--executor", "ray", "--ray-address", "127.0.0.1:1")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: cannot reach the Ray cluster at --ray-address 127.0.0.1:1")
    assert not (work / "no-cluster").exists()


# --- the local executor --------------------------------------------------------------------------------------


def test_local_sweep_writes_a_plan_folder_per_scenario_and_a_summary(local_three: tuple[Path, Any]) -> None:
    out, result = local_three
    assert result.exit_code == 0, result.output
    progress = [line for line in result.output.splitlines() if line.startswith("[sweep]")]
    assert sorted(line.split()[1] for line in progress) == ["1/3", "2/3", "3/3"]
    assert sorted(p.name for p in out.iterdir()) == ["base", "configs", "hire", "summary.csv", "summary.html",
                                                    "volume_up"]
    rows = _rows(out / "summary.csv")
    assert list(rows[0])[:10] == ["id", "status", "service_level", "service_level_voice", "service_level_chat",
                                  "understaffed_agent_hours", "overstaffed_agent_hours", "paid_hours", "cost", "gap"]
    assert [r["id"] for r in rows] == ["base", "volume_up", "hire"]
    for row in rows:
        kpis = read_kpis(out / row["id"] / "kpis.json")
        assert row["status"] == "ok" and row["budget_completed"] == "true"
        assert float(row["service_level"]) == kpis.service_level.overall
        assert float(row["service_level_chat"]) == kpis.service_level.by_queue["chat"]
        assert float(row["cost"]) == kpis.cost and float(row["gap"]) == kpis.solver.gap
        assert int(row["agents"]) == kpis.agents
    by_id = {r["id"]: r for r in rows}
    assert by_id["hire"]["agents"] == "10" and by_id["hire"]["agents_added"] == "2"
    # more volume, same agents: worse service; two more agents: better service
    assert float(by_id["volume_up"]["service_level"]) < float(by_id["base"]["service_level"])
    assert float(by_id["hire"]["service_level"]) > float(by_id["base"]["service_level"])
    forecast = {name: sum(float(r["contacts"]) for r in _rows(out / name / "forecast.csv"))
                for name in ("base", "volume_up")}
    assert forecast["volume_up"] == pytest.approx(1.2 * forecast["base"], rel=1e-3)


def test_scenario_folder_is_what_wfm_plan_writes_for_the_merged_config(local_three: tuple[Path, Any]) -> None:
    out, _ = local_three
    folder = out.parent
    before = Path.cwd()
    os.chdir(folder)
    try:
        # with the sweep's wall-clock cap: a plan cut short by a tighter one is a different plan
        wall = WALL_FACTOR * float(TIME_LIMIT) + WALL_EXTRA_SECONDS
        result = CliRunner().invoke(main, ["plan", "out/configs/hire/plan.yaml", "--out", "by-plan", "--time-limit",
                                           TIME_LIMIT, "--wall-limit", str(wall), "--quiet"], prog_name="wfm")
    finally:
        os.chdir(before)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "hire" / "kpis.json").read_text())["config"] == "out/configs/hire/plan.yaml"
    assert read_kpis(folder / "by-plan" / "kpis.json").solver.budget_completed
    assert_same_plans(out / "hire", folder / "by-plan")


FAILING = """base: centre/plan.yaml
scenarios:
  - id: base
  - id: one_day_weeks
    overrides:
      contracts: [{id: full_time, max_days_per_week: 1}]
  - id: how_many
    add_agents: {contract: part_time, skills: [voice, chat], count: search, max: 2}
"""


@pytest.fixture(scope="module")
def failing(work: Path) -> tuple[Path, Any]:
    (work / "failing.yaml").write_text(FAILING, encoding="utf-8")
    run = work / "failing"
    run.mkdir()
    result = _sweep(run, "../failing.yaml", "--out", "out", "--workers", "2")
    return run / "out", result


def test_a_failed_scenario_is_reported_and_the_others_complete(failing: tuple[Path, Any]) -> None:
    out, result = failing
    assert result.exit_code == 1, result.output
    assert "error: 1 of 3 scenario(s) have no plan: one_day_weeks (infeasible)" in result.output
    rows = {r["id"]: r for r in _rows(out / "summary.csv")}
    assert rows["one_day_weeks"]["status"] == "infeasible"
    assert "full_time" in rows["one_day_weeks"]["error"] and rows["one_day_weeks"]["service_level"] == ""
    assert not (out / "one_day_weeks").exists() and (out / "configs" / "one_day_weeks" / "plan.yaml").is_file()
    assert rows["base"]["status"] == rows["how_many"]["status"] == "ok"
    assert (out / "base" / "kpis.json").is_file() and (out / "how_many" / "kpis.json").is_file()


def test_headcount_search_finds_the_smallest_count_meeting_every_target(failing: tuple[Path, Any]) -> None:
    out, _ = failing
    curve = [r for r in _rows(out / "headcount.csv") if r["id"] == "how_many"]
    counts = [int(r["agents_added"]) for r in curve]
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] == 2
    meets = {int(r["agents_added"]): r["meets_target"] == "true" for r in curve}
    answer = int(next(r for r in _rows(out / "summary.csv") if r["id"] == "how_many")["agents_added"])
    assert meets[answer] and (answer == 0 or not meets[answer - 1])  # the bracket closed: the count below was planned
    assert min(c for c, ok in meets.items() if ok) == answer
    kpis = read_kpis(out / "how_many" / "kpis.json")
    assert kpis.agents == 8 + answer
    assert all(kpis.service_level.by_queue[q] >= t for q, t in kpis.service_level_target.items())
    added = (out / "configs" / "how_many" / "agents.csv").read_text().splitlines()[-answer:]
    assert all(line.startswith("NEW") and ",part_time,voice;chat," in line for line in added)


def _fake_outcome(count: int, level: float, template: Any) -> JobOutcome:
    kpis = replace(template, service_level=ServiceLevels(overall=level, by_queue={"voice": level}),
                   service_level_target={"voice": 0.8})
    return JobOutcome(f"s@{count}", OK, kpis=kpis)


@pytest.mark.parametrize(("threshold", "low", "high", "probes", "answer"), [
    (5, 0, 12, [0, 12, 6, 3, 4, 5], 5),
    (0, 0, 12, [0, 12], 0),
    (13, 0, 12, [0, 12], None),
    (3, 2, 4, [2, 4, 3], 3),
])
def test_headcount_bisection_plans_the_counts_it_needs(failing: tuple[Path, Any], threshold: int, low: int,
                                                       high: int, probes: list[int], answer: int | None) -> None:
    template = read_kpis(failing[0] / "base" / "kpis.json")
    search = HeadcountSearch(low, high)
    planned: list[int] = []
    while not search.done:
        counts = search.next_counts()
        assert counts, "the search asked for nothing while not done"
        for count in counts:
            planned.append(count)
            search.record(count, _fake_outcome(count, 0.9 if count >= threshold else 0.7, template))
    assert planned == probes and search.answer == answer
    assert search.shown == (high if answer is None else answer)


# --- the summary page in Chromium -----------------------------------------------------------------------------


@needs_chromium
def test_summary_page_loads_offline_in_chromium(failing: tuple[Path, Any], tmp_path: Path) -> None:
    out, _ = failing
    text = (out / "summary.html").read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and "url(" not in text
    tools = DevTools(tmp_path / "profile")
    try:
        session = tools.open(out / "summary.html", 1100, 700)
        reply = tools.send("Runtime.evaluate", {"returnByValue": True, "expression": """JSON.stringify({
            rows: Array.from(document.querySelectorAll('#scenarios tbody tr[data-status]')).map(r => r.dataset.status),
            notes: document.querySelectorAll('#scenarios tr.note td.error').length,
            first: Array.from(document.querySelectorAll('#scenarios tbody tr:first-child td')).map(
                c => c.textContent),
            curves: Array.from(document.querySelectorAll('svg.curve')).map(s => s.dataset.id),
            paths: Array.from(document.querySelectorAll('svg.curve path.series')).map(
                p => p.getBoundingClientRect().width),
            width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight})"""},
            session=session)
        page = json.loads(reply["result"]["value"])
        shot = tools.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1100, "height": page["height"], "scale": 1}}, session=session)
        events = list(tools.events)
    finally:
        tools.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "sweep-summary.png").write_bytes(base64.b64decode(shot["data"]))
    errors = [e for e in events if e["method"] == "Runtime.exceptionThrown"
              or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert not errors, errors
    urls = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]
    assert urls and all(url.startswith(("file://", "data:")) for url in urls), urls
    assert page["rows"] == ["ok", "infeasible", "ok"]
    base = read_kpis(out / "base" / "kpis.json")
    assert page["first"][:3] == ["base", "ok", f"{base.service_level.overall:.1%}"] and page["notes"] == 1
    assert page["curves"] == ["how_many"] and len(page["paths"]) == 2 and min(page["paths"]) > 50
    assert page["width"] <= 1100, "the page scrolls sideways"


# --- sites ---------------------------------------------------------------------------------------------------


def test_sites_are_planned_in_one_sweep_with_one_summary(work: Path) -> None:
    generate_example(work / "south", agents=6, queues=1, weeks=3, seed=2)
    (work / "sites.yaml").write_text("sites:\n  - {id: north, base: centre/plan.yaml}\n"
                                     "  - {id: south, base: south/plan.yaml}\n", encoding="utf-8")
    result = _sweep(work, "sites.yaml", "--out", "sites-out", "--workers", "2")
    assert result.exit_code == 0, result.output
    rows = _rows(work / "sites-out" / "summary.csv")
    assert [(r["id"], r["site"]) for r in rows] == [("north", "north"), ("south", "south")]
    assert "service_level_chat" in rows[0] and rows[1]["service_level_chat"] == ""  # south has no chat queue
    assert read_kpis(work / "sites-out" / "south" / "kpis.json").agents == 6


# --- Ray -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_session() -> Iterator[Any]:
    """One local Ray instance for the module (starting one costs seconds)."""
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'wfm-optimizer[ray]')")
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    except Exception as error:  # noqa: BLE001 - any reason Ray cannot start here is a reason to skip
        pytest.skip(f"Ray cannot start a local instance here: {type(error).__name__}: {error}")
    yield ray
    ray.shutdown()


def test_ray_and_local_sweeps_give_the_same_bytes(ray_session: Any, work: Path,
                                                  local_three: tuple[Path, Any]) -> None:
    local_out, _ = local_three
    run = work / "ray"
    run.mkdir()
    result = _sweep(run, "../three.yaml", "--out", "out", "--executor", "ray")
    assert result.exit_code == 0, result.output
    assert_same_plans(local_out, run / "out")
    for name in ("summary.csv", "summary.html"):
        assert (run / "out" / name).read_bytes() == (local_out / name).read_bytes(), name


# --- Ctrl-C --------------------------------------------------------------------------------------------------


def test_ctrl_c_stops_the_workers_and_leaves_nothing_half_done(work: Path) -> None:
    (work / "slow.yaml").write_text("base: centre/plan.yaml\nscenarios:\n" + "".join(
        f"  - {{id: s{i}, volume_factor: {1 + i / 10}}}\n" for i in range(4)), encoding="utf-8")
    out = work / "slow-out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                          os.environ.get("PYTHONPATH", "")])}
    # Ctrl-C as from a terminal: the sweep starts with SIGINT's default action even when the test run itself was
    # started in the background by a shell without job control, which ignores SIGINT for it and its children
    # (Python then never raises KeyboardInterrupt, and the sweep runs on to the end).
    process = subprocess.Popen([sys.executable, "-m", "scheduler.app.cli", "sweep", "slow.yaml", "--out", str(out),
                                "--time-limit", "120", "--workers", "2"], cwd=work, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    children: list[int] = []
    deadline = time.monotonic() + 60
    while len(children) < 2 and time.monotonic() < deadline:  # both workers are planning
        time.sleep(0.2)
        children = _workers_of(process.pid)
    assert len(children) == 2, "the sweep never started two workers"
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted: the workers were stopped" in stderr and "Traceback" not in stderr
    assert not (out / "summary.csv").exists()
    assert all(_gone(pid) for pid in children), children
    left = [p.name for p in work.iterdir() if p.name.startswith((".slow-out", "wfm-sweep-"))]
    assert not left, left
    for folder in (out.iterdir() if out.exists() else []):  # whatever finished is whole
        if folder.name != "configs":
            assert (folder / "kpis.json").is_file() and (folder / "report.html").is_file(), folder


def _processes() -> dict[int, tuple[int, bytes]]:
    """pid -> (parent pid, command line) of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parent = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))
            found[int(entry.name)] = (parent, cmdline)
    return found


def _workers_of(pid: int) -> list[int]:
    """The worker processes of the sweep ``pid``: the children of its forkserver process."""
    processes = _processes()
    servers = {p for p, (parent, cmdline) in processes.items() if parent == pid and b"forkserver" in cmdline}
    return [p for p, (parent, _) in processes.items() if parent in servers]


def _gone(pid: int) -> bool:
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
