"""Loading the plan YAML and agents CSV: the example loads; every bad input is one ``InputError`` line that
names the file, the key path (or row) and the bad value; the CLI turns it into one ``error:`` line."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from scheduler.app.cli import main
from scheduler.demo.example import generate_example
from scheduler.domain.plan import ObjectiveWeights, QualityGates, SolverSettings
from scheduler.errors import InputError
from scheduler.io.config import load_config

AGENTS_HEADER = "agent_id,contract,skills,availability,time_off"
AGENTS = [
    "A001,full_time,sales;service,mon-fri 08:00-20:00,",
    "A002,part_time,chat,,2026-04-01",
    "A003,weekend,sales,sat-sun 08:00-20:00,",
]


@pytest.fixture(scope="module")
def example_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory.mktemp("example") / "c", agents=10, weeks=3)


@pytest.fixture
def plan(example_plan: Path) -> dict[str, Any]:
    """The example plan as data, to break one key of."""
    return yaml.safe_load(example_plan.read_text(encoding="utf-8"))


def write(folder: Path, plan: dict[str, Any], agents: list[str] | None = None, *, encoding: str = "utf-8") -> Path:
    """plan.yaml and a three-agent agents.csv (``agents`` lines after the header) in ``folder``."""
    lines = [AGENTS_HEADER, *(AGENTS if agents is None else agents)]
    (folder / "agents.csv").write_text("\n".join(lines) + "\n", encoding=encoding)
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def _walk(data: Any, key_path: str) -> tuple[Any, str | int]:
    """The container holding ``key_path`` (``a.b[1].c``, as the errors write it) and the last key."""
    steps = [int(index) if index else name for name, index in _STEP.findall(key_path)]
    for step in steps[:-1]:
        data = data[step]
    return data, steps[-1]


def set_key(data: dict[str, Any], key_path: str, value: Any) -> None:
    container, last = _walk(data, key_path)
    container[last] = value


def del_key(data: dict[str, Any], key_path: str) -> None:
    container, last = _walk(data, key_path)
    del container[last]


# ------------------------------------------------------------------------------------------- loads cleanly


def test_example_config_loads(example_plan: Path) -> None:
    config = load_config(example_plan)
    assert len(config.agents) == 10
    assert [q.queue_id for q in config.queues] == ["sales", "service", "chat"]
    assert config.week_start == date(2026, 3, 30)
    assert config.interval_minutes == 15
    assert config.contract("full_time").min_rest_minutes == 11 * 60
    assert config.template("day8").weekdays == (0, 1, 2, 3, 4)


def test_small_agents_file_loads(plan: dict[str, Any], tmp_path: Path) -> None:
    config = load_config(write(tmp_path, plan))
    assert [a.agent_id for a in config.agents] == ["A001", "A002", "A003"]
    assert config.agents[1].time_off == frozenset({date(2026, 4, 1)})


# ------------------------------------------------------------------------------------- plan.yaml key errors

# (key path, bad value, the rule the message states); the message must name plan.yaml, the path and the value
BAD_VALUES = [
    ("shift_templates[0].length_minutes", "eight", "must be a whole number"),
    ("queues[0].default_aht_seconds", -280, "must be > 0"),
    ("queues[0].service_level_target", 0, "must be > 0"),
    ("queues[1].service_level_target", 1.5, "must be <= 1"),
    ("queues[0].answer_seconds", True, "must be a number"),
    ("queues[2].default_aht_seconds", float("inf"), "must be a finite number"),
    ("queues[0].channel", "phone", "must be one of voice, chat, email, social, backoffice"),
    ("shift_templates[0].breaks[1].minutes", -15, "must be >= 1"),
    ("shift_templates[0].breaks[1].minutes", 20, "must be a multiple of the interval (15 min)"),
    ("contracts[0].min_weekly_hours", 45, "must not exceed max_weekly_hours (40)"),
    # part4 is 240 min long: a 15-min break starting 240 min in would end after it
    ("shift_templates[2].breaks[0].latest_after_start_minutes", 240,
     "plus the break's 15 minutes must fit the shift's 240"),
    ("shift_templates[0].earliest_start", "7:50", "must be a multiple of the interval"),
    # a start is a time of its day; a shift may end past midnight (tests/test_night_shifts.py)
    ("shift_templates[0].latest_start", "24:00", "must be a time of day HH:MM"),
    ("contracts[1].shift_templates[1]", "late9", "must name a shift template"),
    ("centre.interval_minutes", 20, "must be one of 5, 10, 15, 30, 60"),
    ("centre.opening_hours.sat", "09:00-17:10", "must start and end on the 15-minute interval grid"),
    ("forecast.week_start", date(2026, 3, 31), "must be a Monday"),
    ("forecast.week_start", "30/03/2026", "must be a date YYYY-MM-DD"),
    ("forecast.week_start", 20260330, "must be a date YYYY-MM-DD"),
    ("holidays[0]", "2026-02-30", "must be a date YYYY-MM-DD"),
    ("holidays", "Narnia", "must be a list of dates, auto, none or a country code the holidays package knows"),
    ("solver.workers", 0, "must be >= 1"),
    # new checks
    ("forecast.week_start", datetime(2026, 3, 30, 8, 0), "must be a date YYYY-MM-DD without a time of day"),
    ("holidays[0]", datetime(2026, 3, 17, 0, 0), "without a time of day"),
    ("shift_templates[0].days[1]", "sunshine", "must be a weekday"),
    ("shift_templates[0].days[0]", "mond", "must be a weekday"),
    ("queues[0].concurrency", 2, "must be 1 on voice queues (only chat handles several contacts at once)"),
    ("shift_templates[0].min_break_gap_minutes", 50, "must be a multiple of the interval (15 min)"),
    ("contracts[0].shift_templates[2]", "day8", "names a shift template listed before it in this contract"),
    ("contracts[0].min_rest_hours", 30, "must be <= 24: the roster model only enforces rest between shifts on "
                                        "consecutive days"),
    # per-agent day and time-of-day rules
    ("contracts[0].min_days_per_week", 6, "must not exceed max_days_per_week (5)"),
    ("contracts[0].min_days_per_week", -1, "must be >= 0"),
    ("contracts[0].min_days_per_week", 2.5, "must be a whole number"),
    ("contracts[0].min_consecutive_days_off", 0, "must be >= 1"),
    ("contracts[0].min_consecutive_days_off", 8, "must be <= 7"),
    ("contracts[0].max_weekend_days", 3, "must be <= 2"),
    ("contracts[0].max_weekend_days", -1, "must be >= 0"),
    ("contracts[1].earliest_start", "8am", "must be a time of day HH:MM"),
    ("contracts[1].earliest_start", "24:00", "must be a time of day HH:MM"),
    ("contracts[1].latest_end", "36:30", "must be a time HH:MM up to 36:00"),
    ("contracts[1].earliest_start", "23:00", "leaves no start of this contract's shift templates"),
]


@pytest.mark.parametrize(("key_path", "value", "rule"), BAD_VALUES,
                         ids=[f"{k}={v!r}" for k, v, _ in BAD_VALUES])
def test_bad_value_names_file_key_and_value(plan: dict[str, Any], tmp_path: Path, key_path: str, value: Any,
                                           rule: str) -> None:
    set_key(plan, key_path, value)
    message = error_of(write(tmp_path, plan))
    shown = str(value) if isinstance(value, date) else value
    assert message.startswith(f"plan.yaml: {key_path} ")
    assert message.endswith(f", got {shown!r}")
    assert rule in message


def test_start_window_off_the_step(plan: dict[str, Any], tmp_path: Path) -> None:
    set_key(plan, "shift_templates[0].start_step_minutes", 30)  # day8: 07:45 + 30k never reaches 10:00
    assert error_of(write(tmp_path, plan)) == (
        "plan.yaml: shift_templates[0].latest_start must be earliest_start plus a multiple of start_step_minutes "
        "(30), got '10:00'"
    )


def test_email_queue_concurrency(plan: dict[str, Any], tmp_path: Path) -> None:
    set_key(plan, "queues[1].channel", "email")
    set_key(plan, "queues[1].concurrency", 3)
    assert "queues[1].concurrency must be 1 on email queues" in error_of(write(tmp_path, plan))


def test_chat_queue_may_be_concurrent(plan: dict[str, Any], tmp_path: Path) -> None:
    set_key(plan, "queues[2].concurrency", 3)
    assert load_config(write(tmp_path, plan)).queue("chat").concurrency == 3


def test_min_rest_of_24_hours_is_allowed(plan: dict[str, Any], tmp_path: Path) -> None:
    set_key(plan, "contracts[0].min_rest_hours", 24)
    assert load_config(write(tmp_path, plan)).contract("full_time").min_rest_minutes == 24 * 60


def test_contract_day_rules_default_to_no_constraint(plan: dict[str, Any], tmp_path: Path) -> None:
    contract = load_config(write(tmp_path, plan)).contract("part_time")
    assert (contract.min_days_per_week, contract.min_consecutive_days_off, contract.max_weekend_days) == (0, 1, 2)
    assert (contract.earliest_start_minute, contract.latest_end_minute) == (None, None)


def test_contract_day_rules_load(plan: dict[str, Any], tmp_path: Path) -> None:
    for key, value in (("min_days_per_week", 3), ("min_consecutive_days_off", 2), ("max_weekend_days", 1),
                       ("earliest_start", "08:30"), ("latest_end", "24:00")):
        set_key(plan, f"contracts[1].{key}", value)
    contract = load_config(write(tmp_path, plan)).contract("part_time")
    assert (contract.min_days_per_week, contract.min_consecutive_days_off, contract.max_weekend_days) == (3, 2, 1)
    assert (contract.earliest_start_minute, contract.latest_end_minute) == (8 * 60 + 30, 24 * 60)


def test_contract_latest_end_must_follow_earliest_start(plan: dict[str, Any], tmp_path: Path) -> None:
    set_key(plan, "contracts[1].earliest_start", "12:00")
    set_key(plan, "contracts[1].latest_end", "12:00")
    assert error_of(write(tmp_path, plan)) == (
        "plan.yaml: contracts[1].latest_end must be after earliest_start (12:00), got '12:00'"
    )


def test_contract_window_must_fit_a_shift(plan: dict[str, Any], tmp_path: Path) -> None:
    # part_time's shortest shift, part4, starts 08:00 at the earliest and lasts 4 h
    set_key(plan, "contracts[1].latest_end", "11:45")
    assert error_of(write(tmp_path, plan)) == (
        "plan.yaml: contracts[1].latest_end leaves no start of this contract's shift templates "
        "(part4, part6, weekend6) between 00:00 and 11:45, got '11:45'"
    )
    set_key(plan, "contracts[1].latest_end", "12:00")
    assert load_config(write(tmp_path, plan)).contract("part_time").latest_end_minute == 12 * 60


def test_break_windows_leave_no_room_for_the_gap(plan: dict[str, Any], tmp_path: Path) -> None:
    # day8: break1 from 90 min (15 min), lunch 210-300 (30 min), break2 330-420. With a 180-min gap, lunch
    # cannot start before 90 + 15 + 180 = 285, so break2 cannot start before 285 + 30 + 180 = 495 > 420.
    # (Each pair on its own has room: 210 + 30 + 180 = 420.)
    set_key(plan, "shift_templates[0].min_break_gap_minutes", 180)
    assert error_of(write(tmp_path, plan)) == (
        "plan.yaml: shift_templates[0].breaks[2].latest_after_start_minutes leaves no room: 'lunch' ends at the "
        "earliest 315 min after the start and the 180-minute gap follows it, got 420"
    )


def test_break_before_its_previous_breaks_window(plan: dict[str, Any], tmp_path: Path) -> None:
    set_key(plan, "shift_templates[0].breaks[0].earliest_after_start_minutes", 150)
    set_key(plan, "shift_templates[0].breaks[1].earliest_after_start_minutes", 165)
    set_key(plan, "shift_templates[0].breaks[1].latest_after_start_minutes", 210)  # 150 + 15 + 60 = 225 > 210
    message = error_of(write(tmp_path, plan))
    assert message.startswith("plan.yaml: shift_templates[0].breaks[1].latest_after_start_minutes leaves no room")
    assert message.endswith("got 210")


def test_unknown_top_level_key(plan: dict[str, Any], tmp_path: Path) -> None:
    plan["objectve"] = plan.pop("objective")
    message = error_of(write(tmp_path, plan))
    assert message.startswith("plan.yaml: unknown key 'objectve' (expected one of: centre, ")
    assert "objective" in message


def test_unknown_nested_key(plan: dict[str, Any], tmp_path: Path) -> None:
    set_key(plan, "queues[0].sla", 0.8)
    assert error_of(write(tmp_path, plan)).startswith("plan.yaml: unknown key 'queues[0].sla' (expected one of: id,")


def test_unknown_deeply_nested_key_is_named_whole(plan: dict[str, Any], tmp_path: Path) -> None:
    """A typo two levels down: the message cut the path and key at 40 characters, so the key's name was lost
    (``'shift_templates[0].breaks[0].earliest_af'... (56 characters)``, the ninth sweep); only the key is cut now."""
    set_key(plan, "shift_templates[0].breaks[0].earliest_after_start_minute", 90)
    assert error_of(write(tmp_path, plan)).startswith(
        "plan.yaml: unknown key 'shift_templates[0].breaks[0].earliest_after_start_minute' (expected one of: ")
    plan["shift_templates"][0]["breaks"][0].pop("earliest_after_start_minute")
    set_key(plan, "shift_templates[0].breaks[0]." + "x" * 100, 1)
    assert "unknown key 'shift_templates[0].breaks[0]." + "x" * 40 + "'... (129 characters)" in error_of(
        write(tmp_path, plan))


@pytest.mark.parametrize("key_path", ["queues[0].channel", "shift_templates[1].breaks[0].minutes",
                                      "contracts[2].max_weekly_hours", "centre", "agents"])
def test_missing_key(plan: dict[str, Any], tmp_path: Path, key_path: str) -> None:
    del_key(plan, key_path)
    assert error_of(write(tmp_path, plan)) == f"plan.yaml: missing key {key_path!r}"


def test_wrong_section_type(plan: dict[str, Any], tmp_path: Path) -> None:
    plan["queues"] = {"sales": {}}
    assert error_of(write(tmp_path, plan)) == "plan.yaml: queues must be a non-empty list, got 'dict'"


def test_duplicate_template_id(plan: dict[str, Any], tmp_path: Path) -> None:
    set_key(plan, "shift_templates[1].id", "day8")
    assert error_of(write(tmp_path, plan)) == (
        "plan.yaml: shift_templates[1].id duplicates another shift template id, got 'day8'"
    )


def test_empty_sections_take_defaults(plan: dict[str, Any], tmp_path: Path) -> None:
    for section in ("objective", "solver", "quality_gates", "forecast", "holidays"):
        plan[section] = None
    path = write(tmp_path, plan)
    assert "objective: null" in path.read_text()
    config = load_config(path)
    assert config.weights == ObjectiveWeights()
    assert config.solver == SolverSettings()
    assert config.quality_gates == QualityGates()
    assert config.week_start is None
    assert config.holidays == ()


def test_empty_section_still_needs_its_required_keys(plan: dict[str, Any], tmp_path: Path) -> None:
    plan["centre"] = None
    assert error_of(write(tmp_path, plan)) == "plan.yaml: missing key 'centre.opening_hours'"


def test_full_weekday_names(plan: dict[str, Any], tmp_path: Path) -> None:
    set_key(plan, "shift_templates[0].days", ["Monday", "tue", "WEDNESDAY", "sunday"])
    assert load_config(write(tmp_path, plan)).template("day8").weekdays == (0, 1, 2, 6)


def test_missing_agents_file(plan: dict[str, Any], tmp_path: Path) -> None:
    plan["agents"] = "staff.csv"
    message = error_of(write(tmp_path, plan))
    assert message.startswith("plan.yaml: agents must name an existing agents CSV")
    assert str(tmp_path / "staff.csv") in message
    assert message.endswith("got 'staff.csv'")


def test_malformed_yaml_names_the_line(example_plan: Path, tmp_path: Path) -> None:
    lines = example_plan.read_text(encoding="utf-8").splitlines()
    number = lines.index("  timezone: Europe/Dublin") + 1
    lines[number - 1] = "  timezone: Europe: Dublin"
    path = tmp_path / "plan.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert error_of(path) == f"plan.yaml: line {number} mapping values are not allowed here"


def test_empty_plan_file(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert error_of(path) == "plan.yaml: the file is empty"


def test_missing_plan_file(tmp_path: Path) -> None:
    assert error_of(tmp_path / "nope.yaml") == f"{tmp_path / 'nope.yaml'}: config file not found"


# ------------------------------------------------------------------------------------------ agents.csv errors

# A002's line (row 3) replaced by a bad one: (its text, what the message must say besides file and row)
BAD_AGENT_ROWS = [
    ("A002,part_time,chat;servce,,", "agent A002 has unknown skill 'servce'"),
    ("A002,part_tme,chat,,", "agent A002 has unknown contract 'part_tme'"),
    ("A002,part_time, ; ,,", "agent A002 has no skills"),
    ("A001,part_time,chat,,", "agent_id 'A001' appears twice"),
    (",part_time,chat,,", "agent_id is empty"),
    ("A002,part_time,chat,mon-fri 9-17,", "availability 'mon-fri 9-17' is malformed"),
    ("A002,part_time,chat,fri-mon 08:00-17:00,", "availability 'fri-mon 08:00-17:00' is malformed"),
    ("A002,part_time,chat,monday 08:00-17:00,", "availability 'monday 08:00-17:00' is malformed"),
    ("A002,part_time,chat,mon 08:00-17:00; mon 09:00-12:00,", "(mon given twice)"),
    ("A002,part_time,chat,,2026-02-30", "time_off date '2026-02-30' is not YYYY-MM-DD"),
    ("A002,part_time,chat,,01/04/2026", "time_off date '01/04/2026' is not YYYY-MM-DD"),
    ("A002,part_time,chat,,20260401", "time_off date '20260401' is not YYYY-MM-DD"),
    ("A002,part_time,chat,,2026-04-01,extra", "more fields than the header has"),
]


@pytest.mark.parametrize(("line", "problem"), BAD_AGENT_ROWS, ids=[p for _, p in BAD_AGENT_ROWS])
def test_bad_agent_row(plan: dict[str, Any], tmp_path: Path, line: str, problem: str) -> None:
    message = error_of(write(tmp_path, plan, [AGENTS[0], line, AGENTS[2]]))
    assert message.startswith("agents.csv row 3: ")
    assert problem in message


def test_agent_row_number_counts_blank_lines(plan: dict[str, Any], tmp_path: Path) -> None:
    lines = [AGENTS[0], "", ",,,,", "", "A002,part_time,chat;servce,,", AGENTS[2]]
    assert error_of(write(tmp_path, plan, lines)) == ("agents.csv row 6: agent A002 has unknown skill 'servce' (the "
                                                      "queues are 'chat', 'sales', 'service')")


def test_agents_file_with_byte_order_mark(plan: dict[str, Any], tmp_path: Path) -> None:
    path = write(tmp_path, plan, encoding="utf-8-sig")
    assert (tmp_path / "agents.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert [a.agent_id for a in load_config(path).agents] == ["A001", "A002", "A003"]


def test_agents_file_missing_a_column(plan: dict[str, Any], tmp_path: Path) -> None:
    path = write(tmp_path, plan)
    (tmp_path / "agents.csv").write_text("agent_id,contract\nA001,full_time\n", encoding="utf-8")
    assert error_of(path) == "agents.csv: missing column(s) skills"


def test_agents_file_without_agents(plan: dict[str, Any], tmp_path: Path) -> None:
    assert error_of(write(tmp_path, plan, ["", ",,,,"])) == "agents.csv: no agents"


# --------------------------------------------------------------------------------------------------- CLI


def test_cli_plan_with_broken_config(plan: dict[str, Any], tmp_path: Path) -> None:
    set_key(plan, "queues[0].default_aht_seconds", -280)
    path = write(tmp_path, plan)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", str(path), "--out", str(out), "--quiet"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: plan.yaml: queues[0].default_aht_seconds must be > 0, got -280"
    ]
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(("value", "country"), [("ie", "IE"), ("auto", "auto"), ("none", None)])
def test_holidays_may_name_a_country_or_auto(plan: dict[str, Any], tmp_path: Path, value: str,
                                            country: str | None) -> None:
    plan["holidays"] = value
    config = load_config(write(tmp_path, plan))
    assert config.holiday_country == country
    assert config.holidays == ()


def test_a_country_calendar_feeds_the_plan_forecast(example_plan: Path, plan: dict[str, Any], tmp_path: Path) -> None:
    from forecasting.calendar import country_holidays
    from forecasting.history import load_history
    from scheduler.app.pipeline import forecast_week, planned_week

    by_dates = load_config(example_plan)
    history = load_history(by_dates.history_path)
    week = planned_week(by_dates, history)
    plan["holidays"] = "IE"
    by_country = load_config(write(tmp_path, plan))
    irish = country_holidays("IE", history.first_date, week.start + timedelta(days=7))
    assert len(irish) >= 2  # St Brigid's Day and St Patrick's Day lie inside the example's history
    expected = forecast_week(replace(by_dates, holidays=tuple(irish)), history, week)
    assert forecast_week(by_country, history, week).equals(expected)
    assert not forecast_week(by_dates, history, week).equals(expected)


def test_every_key_the_loader_accepts_is_documented() -> None:
    """Derived from the loader: every key listed in a ``mapping(...)`` call (or a tuple constant passed to one)
    of ``scheduler/io/config.py`` appears as `` `key` `` in docs/config.md."""
    import ast

    import scheduler.io.config as loader

    source = Path(loader.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    constants = {t.id: node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name)}
    keys: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "mapping":
            (argument,) = node.args
            if isinstance(argument, ast.Name):
                if argument.id not in constants:  # an imported tuple (the weekday names): documented as a list
                    continue
                argument = constants[argument.id]
            keys |= {c.value for c in ast.walk(argument) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    assert len(keys) > 50
    docs = (Path(__file__).parents[1] / "docs" / "config.md").read_text(encoding="utf-8")
    assert sorted(k for k in keys if f"`{k}`" not in docs) == []
