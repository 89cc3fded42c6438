"""End to end through the ``wfm`` CLI: the weekly job on a small seeded centre, its independent validator,
determinism, coverage consistency, the CI gate, bad input and infeasible rules.

The expensive ``wfm plan`` runs only twice per module (module-scoped fixtures); every other command is
fast. Checks on the outputs are computed here from the CSV files, never from the library's own objects.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import shutil
import traceback
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from scheduler.app.cli import main

# A centre small enough that a plan takes a few seconds on a 2-core machine.
AGENTS, QUEUES, WEEKS, EXAMPLE_SEED = 20, 3, 4, 3
TIME_LIMIT_SECONDS = "8"
SOLVER_SEED = "0"
CENTRE_FILES = ("history.csv", "agents.csv", "plan.yaml")
PLAN_FILES = ("calendars", "coverage.csv", "forecast.csv", "kpis.json", "report.html", "requirements.csv", "roster.csv",
              "roster.xlsx", "roster_grid.csv", "surplus.csv")
COLUMNS = {
    "forecast.csv": ["interval_start", "queue", "contacts", "aht_seconds"],
    "requirements.csv": ["interval_start", "queue", "contacts", "aht_seconds", "agents_required", "service_level",
                         "occupancy", "asa_seconds"],
    "roster.csv": ["agent_id", "date", "activity", "start", "end"],
    "coverage.csv": ["interval_start", "queue", "required", "scheduled", "service_level", "predicted_service_level"],
    "surplus.csv": ["agent_id", "date", "start", "end", "minutes", "skills"],
}
README = Path(__file__).resolve().parents[1] / "README.md"


# --- helpers ---------------------------------------------------------------------------------------------


def wfm(*args: str | Path) -> Result:
    """Run ``wfm ARGS`` in-process; stdout and stderr both end up in ``result.output``. Plans and schedules get a
    generous wall-clock cap unless the test sets one, so a loaded machine cannot cut the deterministic budget short
    (with the cap at the time limit, a run on a busy machine publishes a poorer roster than on an idle one)."""
    words = [str(a) for a in args]
    if words and words[0] in ("plan", "schedule") and "--wall-limit" not in words:
        words += ["--wall-limit", "900"]
    return CliRunner().invoke(main, words, prog_name="wfm")


def explain(result: Result) -> str:
    """What went wrong, for assertion messages: the output and any uncaught exception's traceback."""
    text = f"exit {result.exit_code}\n{result.output}"
    if result.exc_info is not None and not isinstance(result.exception, SystemExit):
        text += "".join(traceback.format_exception(*result.exc_info))
    return text


def error_lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("error:")]


def assert_one_line_error(result: Result, exit_code: int) -> str:
    """The CLI failed cleanly: the exit code, exactly one ``error:`` line, no traceback. Returns the line."""
    assert result.exit_code == exit_code, explain(result)
    assert isinstance(result.exception, SystemExit), explain(result)
    assert "Traceback" not in result.output, explain(result)
    lines = error_lines(result)
    assert len(lines) == 1, explain(result)
    return lines[0]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def write_rows(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def copy_centre(centre: Path, target: Path) -> Path:
    """A private copy of the example centre (the module's fixture stays untouched); returns its plan.yaml."""
    target.mkdir(parents=True)
    for name in CENTRE_FILES:
        shutil.copyfile(centre / name, target / name)
    return target / "plan.yaml"


def minutes_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 60


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# --- fixtures: one example centre and two identical plans -------------------------------------------------


@dataclass(frozen=True)
class PlanRun:
    out: Path
    result: Result


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("example") / "centre"
    result = wfm("example", "--agents", AGENTS, "--queues", QUEUES, "--weeks", WEEKS, "--seed", EXAMPLE_SEED,
                 "--out", folder)
    assert result.exit_code == 0, explain(result)
    return folder


@pytest.fixture(scope="module")
def plan_config(centre: Path) -> dict[str, Any]:
    return yaml.safe_load((centre / "plan.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def queue_ids(plan_config: dict[str, Any]) -> list[str]:
    return [q["id"] for q in plan_config["queues"]]


def _plan(centre: Path, parent: Path) -> PlanRun:
    out = parent / "out"
    # a generous wall-clock cap: the two runs must not be cut short by a busy machine, so they stay identical
    result = wfm("plan", centre / "plan.yaml", "--out", out, "--time-limit", TIME_LIMIT_SECONDS,
                 "--seed", SOLVER_SEED, "--wall-limit", "600")
    return PlanRun(out, result)


@pytest.fixture(scope="module")
def plan_run(centre: Path, tmp_path_factory: pytest.TempPathFactory) -> PlanRun:
    return _plan(centre, tmp_path_factory.mktemp("plan"))


@pytest.fixture(scope="module")
def plan_out(plan_run: PlanRun) -> Path:
    """The output folder of a successful plan (every test that reads outputs fails here if the plan did)."""
    assert plan_run.result.exit_code == 0, explain(plan_run.result)
    return plan_run.out


@pytest.fixture(scope="module")
def kpis(plan_out: Path) -> dict[str, Any]:
    return load_json(plan_out / "kpis.json")


# --- 1. the plan and its files ----------------------------------------------------------------------------


def test_plan_exits_0_and_writes_exactly_the_plan_files(plan_out: Path) -> None:
    assert sorted(p.name for p in plan_out.iterdir()) == sorted(PLAN_FILES)
    # Written atomically: no staging folder is left beside the output folder.
    assert [p.name for p in plan_out.parent.iterdir()] == [plan_out.name]


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_csv_outputs_have_the_design_columns(plan_out: Path, name: str) -> None:
    assert header(plan_out / name) == COLUMNS[name]
    assert read_rows(plan_out / name), f"{name} has no data rows"


def test_csv_outputs_are_consistent_with_each_other(plan_out: Path, queue_ids: list[str]) -> None:
    forecast = read_rows(plan_out / "forecast.csv")
    required = read_rows(plan_out / "requirements.csv")
    cover = read_rows(plan_out / "coverage.csv")
    roster = read_rows(plan_out / "roster.csv")
    key = ["interval_start", "queue"]
    assert [[r[k] for k in key] for r in required] == [[r[k] for k in key] for r in forecast]
    assert [[r[k] for k in key] for r in cover] == [[r[k] for k in key] for r in required]
    assert {r["queue"] for r in forecast} == set(queue_ids)
    assert all(float(r["contacts"]) >= 0 and float(r["aht_seconds"]) > 0 for r in forecast)
    assert [r["agents_required"] for r in required] == [r["required"] for r in cover]
    assert all(int(r["scheduled"]) >= 0 and 0 <= float(r["service_level"]) <= 1 for r in cover)
    assert {r["activity"] for r in roster} <= {"shift", "break", "lunch"}
    assert any(r["activity"] == "lunch" for r in roster)


def test_kpis_json_has_the_gate_and_solver_figures(kpis: dict[str, Any], queue_ids: list[str]) -> None:
    assert kpis["hard_violations"] == 0
    service = kpis["service_level"]
    assert 0 <= service["overall"] <= 1
    assert sorted(service["by_queue"]) == sorted(queue_ids)
    assert all(0 <= level <= 1 for level in service["by_queue"].values())
    for key in ("understaffed_agent_hours", "overstaffed_agent_hours", "paid_hours"):
        assert isinstance(kpis[key], (int, float)) and kpis[key] >= 0, key
    assert kpis["paid_hours"] > 0
    solver = kpis["solver"]
    assert solver["status"] in ("OPTIMAL", "FEASIBLE")
    objective, bound, gap = solver["objective"], solver["best_bound"], solver["gap"]
    assert all(isinstance(v, (int, float)) for v in (objective, bound, gap, solver["seconds"]))
    assert 0 <= gap <= 1
    assert objective >= bound - 1e-6
    assert gap == pytest.approx((objective - bound) / abs(objective) if objective > bound else 0.0, abs=1e-4)
    assert solver["seconds"] >= 0


# --- 2. the independent validator -------------------------------------------------------------------------


def test_validate_accepts_the_planned_roster(centre: Path, plan_out: Path) -> None:
    result = wfm("validate", centre / "plan.yaml", plan_out / "roster.csv")
    assert result.exit_code == 0, explain(result)
    assert "0 violations" in result.output


Corruption = Callable[[list[dict[str, str]], dict[str, Any], dict[str, str]], tuple[str, str, str]]


def _drop_a_lunch(
    rows: list[dict[str, str]], _config: dict[str, Any], _contract_of: dict[str, str]
) -> tuple[str, str, str]:
    lunch = next(r for r in rows if r["activity"] == "lunch")
    rows.remove(lunch)
    return lunch["agent_id"], lunch["date"], "lunch"


def _allowed_starts(config: dict[str, Any], contract_id: str, length_minutes: float) -> set[int]:
    """Minutes of day a shift of this length may start at under the contract's templates."""
    contract = next(c for c in config["contracts"] if c["id"] == contract_id)
    starts: set[int] = set()
    for template in config["shift_templates"]:
        if template["id"] in contract["shift_templates"] and template["length_minutes"] == length_minutes:
            first, last = (int(t[:2]) * 60 + int(t[3:]) for t in (template["earliest_start"], template["latest_start"]))
            starts.update(range(first, last + 1, template.get("start_step_minutes", 15)))
    return starts


def _move_a_shift_off_its_starts(
    rows: list[dict[str, str]], config: dict[str, Any], contract_of: dict[str, str]
) -> tuple[str, str, str]:
    """Move a whole shift (with its breaks) 15 minutes, to a start no allowed template has."""
    for shift in (r for r in rows if r["activity"] == "shift"):
        start = datetime.fromisoformat(shift["start"])
        allowed = _allowed_starts(config, contract_of[shift["agent_id"]], minutes_between(shift["start"], shift["end"]))
        for move in (timedelta(minutes=-15), timedelta(minutes=15)):
            moved = start + move
            if moved.date() == start.date() and moved.hour * 60 + moved.minute not in allowed:
                for row in rows:
                    if row["agent_id"] == shift["agent_id"] and row["date"] == shift["date"]:
                        for column in ("start", "end"):
                            row[column] = (datetime.fromisoformat(row[column]) + move).isoformat()
                return shift["agent_id"], shift["date"], f"starts {moved:%H:%M}"
    raise AssertionError("no shift in the roster can be moved off its template's starts")


@pytest.mark.parametrize("corrupt", [_drop_a_lunch, _move_a_shift_off_its_starts], ids=["no-lunch", "moved-start"])
def test_validate_rejects_a_corrupted_roster_naming_the_rule(
    centre: Path, plan_out: Path, plan_config: dict[str, Any], tmp_path: Path,
    corrupt: Corruption,
) -> None:
    rows = read_rows(plan_out / "roster.csv")
    contract_of = {a["agent_id"]: a["contract"] for a in read_rows(centre / "agents.csv")}
    agent_id, day, detail = corrupt(rows, plan_config, contract_of)
    broken = tmp_path / "roster.csv"
    write_rows(broken, rows, COLUMNS["roster.csv"])
    result = wfm("validate", centre / "plan.yaml", broken)
    assert result.exit_code == 1, explain(result)
    flagged = [line for line in result.output.splitlines() if line.split()[:3] == [agent_id, day, "template"]]
    assert flagged, explain(result)
    assert detail in flagged[0]


# --- 3. determinism ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def second_plan_out(centre: Path, plan_out: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = _plan(centre, tmp_path_factory.mktemp("plan-again"))
    assert run.result.exit_code == 0, explain(run.result)
    return run.out


@pytest.mark.parametrize("name", ["roster.csv", "forecast.csv", "requirements.csv", "coverage.csv"])
def test_same_inputs_and_seed_give_byte_identical_csv(plan_out: Path, second_plan_out: Path, name: str) -> None:
    assert (plan_out / name).read_bytes() == (second_plan_out / name).read_bytes()


def test_same_inputs_and_seed_give_the_same_kpis_but_for_seconds(plan_out: Path, second_plan_out: Path) -> None:
    first, second = load_json(plan_out / "kpis.json"), load_json(second_plan_out / "kpis.json")
    for kpis in (first, second):
        assert kpis["solver"].pop("seconds") >= kpis["solver"].pop("first_roster_seconds") >= 0
    assert first == second


# --- 4. coverage consistency, computed from roster.csv ----------------------------------------------------


def _on_floor(roster: list[dict[str, str]], interval_minutes: int) -> dict[str, set[datetime]]:
    """Interval starts each agent is on the floor: shift intervals less break and lunch intervals."""
    step = timedelta(minutes=interval_minutes)

    def intervals(row: dict[str, str]) -> set[datetime]:
        moment, end = datetime.fromisoformat(row["start"]), datetime.fromisoformat(row["end"])
        found = set()
        while moment < end:
            found.add(moment)
            moment += step
        return found

    floor: dict[str, set[datetime]] = defaultdict(set)
    for row in roster:
        if row["activity"] == "shift":
            floor[row["agent_id"]] |= intervals(row)
    for row in roster:
        if row["activity"] != "shift":
            floor[row["agent_id"]] -= intervals(row)
    return floor


def test_scheduled_heads_can_be_assigned_to_distinct_agents(
    centre: Path, plan_out: Path, plan_config: dict[str, Any], queue_ids: list[str]
) -> None:
    """Hall's condition: in every interval, for every set S of queues, the agents on the floor skilled for
    some queue of S are at least the heads coverage.csv schedules on S."""
    skills = {a["agent_id"]: set(a["skills"].split(";")) for a in read_rows(centre / "agents.csv")}
    floor = _on_floor(read_rows(plan_out / "roster.csv"), plan_config["centre"]["interval_minutes"])
    present: dict[datetime, list[str]] = defaultdict(list)
    for agent_id, moments in floor.items():
        for moment in moments:
            present[moment].append(agent_id)
    scheduled: dict[datetime, dict[str, int]] = defaultdict(dict)
    for row in read_rows(plan_out / "coverage.csv"):
        scheduled[datetime.fromisoformat(row["interval_start"])][row["queue"]] = int(row["scheduled"])

    subsets = [set(s) for r in range(1, len(queue_ids) + 1) for s in itertools.combinations(queue_ids, r)]
    assert any(sum(by_queue.values()) for by_queue in scheduled.values())
    for moment, by_queue in scheduled.items():
        for subset in subsets:
            heads = sum(n for queue, n in by_queue.items() if queue in subset)
            agents = sum(1 for a in present[moment] if skills[a] & subset)
            assert heads <= agents, f"{moment}: {heads} scheduled on {sorted(subset)} but {agents} skilled on floor"


def test_paid_hours_are_shift_hours_less_unpaid_lunches(
    plan_out: Path, plan_config: dict[str, Any], kpis: dict[str, Any]
) -> None:
    rules = [b for t in plan_config["shift_templates"] for b in t.get("breaks", [])]
    paid_as_expected = all(b.get("paid", b["kind"] == "break") == (b["kind"] == "break") for b in rules)
    assert rules and paid_as_expected, "the example is expected to have unpaid lunches and paid breaks"
    roster = read_rows(plan_out / "roster.csv")
    shift_minutes = sum(minutes_between(r["start"], r["end"]) for r in roster if r["activity"] == "shift")
    lunch_minutes = sum(minutes_between(r["start"], r["end"]) for r in roster if r["activity"] == "lunch")
    assert kpis["paid_hours"] == pytest.approx((shift_minutes - lunch_minutes) / 60, abs=1e-3)
    assert kpis["shifts"] == sum(1 for r in roster if r["activity"] == "shift")


def test_staffing_kpis_agree_with_coverage_and_roster(
    plan_out: Path, plan_config: dict[str, Any], kpis: dict[str, Any], queue_ids: list[str]
) -> None:
    interval_minutes = plan_config["centre"]["interval_minutes"]
    hours = interval_minutes / 60
    cover = read_rows(plan_out / "coverage.csv")
    contacts = [float(r["contacts"]) for r in read_rows(plan_out / "requirements.csv")]
    short = sum(max(int(r["required"]) - int(r["scheduled"]), 0) for r in cover)
    covered = sum(min(int(r["required"]), int(r["scheduled"])) for r in cover)
    on_floor = sum(len(m) for m in _on_floor(read_rows(plan_out / "roster.csv"), interval_minutes).values())
    assert kpis["understaffed_agent_hours"] == pytest.approx(short * hours, abs=1e-3)
    assert kpis["overstaffed_agent_hours"] == pytest.approx((on_floor - covered) * hours, abs=1e-3)
    for queue in queue_ids:
        pairs = [(c, float(r["service_level"])) for c, r in zip(contacts, cover, strict=True) if r["queue"] == queue]
        volume = sum(c for c, _ in pairs)
        weighted = sum(c * s for c, s in pairs) / volume if volume else 1.0
        assert kpis["service_level"]["by_queue"][queue] == pytest.approx(weighted, abs=1e-3), queue


# --- 5. the CI quality gate -------------------------------------------------------------------------------


def test_check_passes_against_itself(plan_out: Path) -> None:
    result = wfm("check", plan_out / "kpis.json", "--baseline", plan_out / "kpis.json")
    assert result.exit_code == 0, explain(result)
    assert "quality gate passed" in result.output


def test_check_fails_with_a_table_when_the_baseline_served_better(
    plan_out: Path, kpis: dict[str, Any], tmp_path: Path
) -> None:
    overall = kpis["service_level"]["overall"]
    assert overall < 0.99, "the plan leaves no room for a better baseline service level"
    baseline = json.loads(json.dumps(kpis))
    baseline["service_level"]["overall"] = min(1.0, overall + 0.05)
    (tmp_path / "baseline.json").write_text(json.dumps(baseline), encoding="utf-8")
    result = wfm("check", plan_out / "kpis.json", "--baseline", tmp_path / "baseline.json")
    assert result.exit_code == 1, explain(result)
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["metric", "baseline", "current"], explain(result)
    assert any(line.startswith("service_level (overall)") and line.endswith("FAIL") for line in lines)
    assert "FAILED" in lines[-1]


def test_check_fails_on_a_hard_violation_in_the_current_plan(
    plan_out: Path, kpis: dict[str, Any], tmp_path: Path
) -> None:
    current = {**kpis, "hard_violations": 1}
    (tmp_path / "kpis.json").write_text(json.dumps(current), encoding="utf-8")
    result = wfm("check", tmp_path / "kpis.json", "--baseline", plan_out / "kpis.json")
    assert result.exit_code == 1, explain(result)
    assert any(line.startswith("hard_violations") and line.endswith("FAIL") for line in result.output.splitlines())


# --- 6. bad input: exit 2, one line, nothing created or lost ----------------------------------------------


def _missing_config(plan: Path) -> Path:
    return plan.with_name("no-such-plan.yaml")


def _negative_contacts(plan: Path) -> Path:
    path = plan.with_name("history.csv")
    rows = read_rows(path)
    rows[3]["contacts"] = "-4"
    write_rows(path, rows, header(path))
    return plan


def _unknown_skill(plan: Path) -> Path:
    path = plan.with_name("agents.csv")
    rows = read_rows(path)
    rows[1]["skills"] += ";knitting"
    write_rows(path, rows, header(path))
    return plan


def _typo_key(plan: Path) -> Path:
    text = plan.read_text(encoding="utf-8")
    assert "\nshrinkage:" in text
    plan.write_text(text.replace("\nshrinkage:", "\nshrinkag:"), encoding="utf-8")
    return plan


BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    "missing-config": (_missing_config, ("no-such-plan.yaml",)),
    "negative-contacts": (_negative_contacts, ("history.csv", "row 5", "contacts")),
    "unknown-skill": (_unknown_skill, ("agents.csv", "row 3", "knitting")),
    "typo-key": (_typo_key, ("plan.yaml", "shrinkag")),
}


@pytest.mark.parametrize("out_exists", [False, True], ids=["new-out", "existing-out"])
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line_and_touches_nothing(
    centre: Path, tmp_path: Path, case: str, out_exists: bool
) -> None:
    spoil, named = BAD_INPUTS[case]
    config = spoil(copy_centre(centre, tmp_path / "centre"))
    out = tmp_path / "out"
    if out_exists:
        out.mkdir()
        (out / "roster.csv").write_text("agent_id,date,activity,start,end\nlast week's roster\n", encoding="utf-8")
        (out / "notes.txt").write_text("mine", encoding="utf-8")
    before, siblings = (snapshot(out) if out_exists else None), sorted(p.name for p in tmp_path.iterdir())

    result = wfm("plan", config, "--out", out, "--time-limit", TIME_LIMIT_SECONDS)

    line = assert_one_line_error(result, 2)
    for part in named:
        assert part in line, f"{part!r} not named in {line!r}"
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings  # no out folder, no staging folder
    if out_exists:
        assert snapshot(out) == before


# --- 7. infeasible rules: exit 3 naming the agent ---------------------------------------------------------


def test_an_agent_who_cannot_reach_the_contract_minimum_exits_3_naming_them(centre: Path, tmp_path: Path) -> None:
    config = copy_centre(centre, tmp_path / "centre")
    agents_path = config.with_name("agents.csv")
    rows = read_rows(agents_path)
    agent = next(r for r in rows if r["contract"] == "full_time")
    agent["availability"], agent["time_off"] = "mon 09:00-13:00", ""
    write_rows(agents_path, rows, header(agents_path))
    out = tmp_path / "out"

    result = wfm("plan", config, "--out", out, "--time-limit", TIME_LIMIT_SECONDS)

    line = assert_one_line_error(result, 3)
    assert re.search(rf"\b{re.escape(agent['agent_id'])}\b", line), line
    assert not out.exists()


# --- 8. help and documentation ----------------------------------------------------------------------------


def listed_commands() -> list[str]:
    result = wfm("--help")
    assert result.exit_code == 0, explain(result)
    lines = result.output.splitlines()
    start = lines.index("Commands:") + 1
    commands = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        commands.append(line.split()[0])
    return commands


def test_help_lists_every_command() -> None:
    result = wfm("--help")
    assert result.output.startswith("Usage: wfm")
    assert sorted(listed_commands()) == sorted(name for name, c in main.commands.items() if not c.hidden)
    assert {"plan", "validate", "check"} <= set(listed_commands())


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help(command: str) -> None:
    result = wfm(command, "--help")
    assert result.exit_code == 0, explain(result)
    assert result.output.startswith(f"Usage: wfm {command}")
    assert "--help" in result.output


def test_every_command_is_documented_in_the_readme() -> None:
    if not README.is_file():
        pytest.skip(f"no {README.name} in {README.parent}")
    text = README.read_text(encoding="utf-8")
    missing = [c for c in listed_commands() if not re.search(rf"\bwfm {re.escape(c)}\b", text)]
    assert not missing, f"commands not mentioned in {README.name}: {', '.join(missing)}"


def test_schedule_rosters_from_a_requirements_file(centre: Path, plan_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "scheduled"
    result = wfm("schedule", centre / "plan.yaml", "--requirements", plan_out / "requirements.csv", "--out", out,
                 "--time-limit", TIME_LIMIT_SECONDS, "--quiet")
    assert result.exit_code == 0, explain(result)
    assert sorted(p.name for p in out.iterdir()) == sorted(PLAN_FILES)
    assert load_json(out / "kpis.json")["hard_violations"] == 0
    assert (out / "requirements.csv").read_bytes() == (plan_out / "requirements.csv").read_bytes()
    checked = wfm("validate", centre / "plan.yaml", out / "roster.csv")
    assert checked.exit_code == 0, explain(checked)


def test_schedule_rejects_a_bad_requirements_row_without_writing(centre: Path, plan_out: Path, tmp_path: Path) -> None:
    rows = read_rows(plan_out / "requirements.csv")
    rows[3]["agents_required"] = "-1"
    bad = tmp_path / "requirements.csv"
    write_rows(bad, rows, header(plan_out / "requirements.csv"))
    out = tmp_path / "never"
    result = wfm("schedule", centre / "plan.yaml", "--requirements", bad, "--out", out)
    message = assert_one_line_error(result, 2)
    assert "requirements.csv row 5, column agents_required" in message
    assert not out.exists()
