"""The independent roster validator: one tiny roster per hard rule, bad CSV input, generated clean rosters."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.domain.plan import (
    Agent,
    BreakRule,
    Contract,
    OpeningHours,
    PlanConfig,
    Queue,
    ShiftTemplate,
    TimeWindow,
)
from scheduler.errors import InputError
from scheduler.validation.validate import RULES, Violation, format_violations, read_roster, validate_roster

MON = date(2026, 3, 30)
TUE, WED, THU, FRI, SAT, SUN = (MON + timedelta(days=i) for i in range(1, 7))
COLUMNS = ["agent_id", "date", "activity", "start", "end"]

# day8: 8.5 h with a paid break, an unpaid lunch and a paid break: 8.0 h paid.
DAY8 = ShiftTemplate(
    template_id="day8",
    length_minutes=510,
    earliest_start_minute=7 * 60,
    latest_start_minute=10 * 60,
    start_step_minutes=30,
    weekdays=(0, 1, 2, 3, 4, 5),
    breaks=(
        BreakRule("morning", "break", 15, True, 90, 150),
        BreakRule("lunch", "lunch", 30, False, 180, 300),
        BreakRule("afternoon", "break", 15, True, 330, 420),
    ),
    min_break_gap_minutes=60,
)
# short: 4 h with one paid break: 4.0 h paid.
SHORT = ShiftTemplate(
    template_id="short",
    length_minutes=240,
    earliest_start_minute=8 * 60,
    latest_start_minute=14 * 60,
    start_step_minutes=60,
    weekdays=tuple(range(7)),
    breaks=(BreakRule("break", "break", 15, True, 90, 150),),
    min_break_gap_minutes=0,
)
DEFAULT_OFFSETS = {"day8": (120, 240, 360), "short": (120,)}

FULL = Contract("full", 32 * 60, 40 * 60, 5, 11 * 60, 5, 20.0, ("day8",))
PART = Contract("part", 12 * 60, 24 * 60, 4, 12 * 60, 3, 18.0, ("short", "day8"))


def _window(start: str, end: str) -> TimeWindow:
    sh, sm = map(int, start.split(":"))
    eh, em = map(int, end.split(":"))
    return TimeWindow(sh * 60 + sm, eh * 60 + em)


AGENTS = (
    # full-time, weekdays only, Wednesday off
    Agent("A001", "full", ("sales",), (_window("06:00", "20:00"),) * 5 + (None, None), frozenset({WED})),
    # full-time, any time
    Agent("A002", "full", ("sales",), (_window("00:00", "24:00"),) * 7, frozenset()),
    # part-time, Mon-Thu 08-18 and Saturday morning
    Agent("A003", "part", ("sales",),
          (_window("08:00", "18:00"),) * 4 + (None, _window("09:00", "15:00"), None), frozenset()),
)


def make_config(week_start: date | None = MON) -> PlanConfig:
    hours = OpeningHours((_window("07:00", "20:00"),) * 7)
    queue = Queue("sales", "voice", 0.8, 20.0, 300.0, None, 1, hours)
    return PlanConfig(
        source=Path("plan.yaml"), name="test", timezone="UTC", interval_minutes=15, opening_hours=hours,
        history_path=Path("history.csv"), agents_path=Path("agents.csv"), holidays=(), history_weeks=8,
        week_start=week_start, queues=(queue,), shrinkage=0.0, templates=(DAY8, SHORT),
        contracts=(FULL, PART), agents=AGENTS,
    )


CONFIG = make_config()


def with_contract(config: PlanConfig, contract_id: str, **changes: object) -> PlanConfig:
    contracts = tuple(dataclasses.replace(c, **changes) if c.contract_id == contract_id else c
                      for c in config.contracts)
    return dataclasses.replace(config, contracts=contracts)


def _stamp(day: date, minute: int) -> str:
    return (datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)).isoformat()


def shift_rows(agent: str, day: date, start: str = "08:00", template: ShiftTemplate = DAY8,
               offsets: tuple[int, ...] | None = None, label: date | None = None) -> list[list[str]]:
    """A shift row and its break rows; ``offsets`` are minutes after the shift start."""
    h, m = map(int, start.split(":"))
    begin = h * 60 + m
    label = label or day
    rows = [[agent, label.isoformat(), "shift", _stamp(day, begin), _stamp(day, begin + template.length_minutes)]]
    for rule, offset in zip(template.breaks, offsets or DEFAULT_OFFSETS[template.template_id], strict=True):
        rows.append([agent, label.isoformat(), rule.kind, _stamp(day, begin + offset),
                     _stamp(day, begin + offset + rule.minutes)])
    return rows


def clean_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for day in (MON, TUE, THU, FRI):
        rows += shift_rows("A001", day)  # 32 h >= 32 h less one time-off day
    for day in (MON, TUE, WED, THU, FRI):
        rows += shift_rows("A002", day)  # 40 h
    rows += shift_rows("A003", MON, template=SHORT)
    rows += shift_rows("A003", TUE, template=SHORT)
    rows += shift_rows("A003", THU)  # 16 h
    return rows


def frame(rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def rules_of(violations: list[Violation]) -> set[str]:
    return {v.rule for v in violations}


def without(rows: list[list[str]], agent: str, day: date) -> list[list[str]]:
    return [r for r in rows if not (r[0] == agent and r[1] == day.isoformat())]


# --------------------------------------------------------------------------------------------- clean


def test_clean_roster_has_no_violations() -> None:
    assert validate_roster(CONFIG, frame(clean_rows())) == []


def test_clean_roster_round_trips_through_csv(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    frame(clean_rows()).assign(note="ignored").to_csv(path, index=False)
    roster = read_roster(path)
    assert list(roster.columns) == COLUMNS
    assert len(roster) == len(clean_rows())
    assert roster.index[0] == 2
    assert validate_roster(CONFIG, roster) == []
    assert validate_roster(CONFIG, path) == []
    assert format_violations([], roster=roster) == "roster valid: 0 violations (12 shifts, 3 agents)"


def test_result_does_not_depend_on_row_order() -> None:
    rows = clean_rows() + [["Z9", MON.isoformat(), "shift", _stamp(MON, 480), _stamp(MON, 990)]]
    rows += shift_rows("A003", SAT, "10:00", SHORT)  # max_consecutive fine, days 4, 20 h: clean
    rows += shift_rows("A002", SAT)  # 6 days, 48 h, 6 consecutive
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    first = validate_roster(CONFIG, frame(rows))
    assert first == validate_roster(CONFIG, frame(shuffled))
    assert [(v.agent_id, v.rule) for v in first] == [
        ("A002", "max_days"), ("A002", "weekly_hours"), ("A002", "max_consecutive_days"), ("Z9", "unknown_agent"),
    ]


# ------------------------------------------------------------------------------------- one per rule


def test_unknown_agent() -> None:
    rows = clean_rows() + shift_rows("Z999", MON)
    violations = validate_roster(CONFIG, frame(rows))
    assert rules_of(violations) == {"unknown_agent"}
    assert violations[0].agent_id == "Z999" and "4 row(s)" in violations[0].detail


def test_unknown_activity() -> None:
    rows = clean_rows() + [["A002", MON.isoformat(), "training", _stamp(MON, 9 * 60), _stamp(MON, 10 * 60)]]
    violations = validate_roster(CONFIG, frame(rows))
    assert rules_of(violations) == {"unknown_activity"}
    assert "'training'" in violations[0].detail


def test_outside_week() -> None:
    rows = clean_rows() + shift_rows("A002", MON + timedelta(days=7))
    violations = validate_roster(CONFIG, frame(rows))
    assert [(v.rule, v.date) for v in violations] == [("outside_week", MON + timedelta(days=7))]


def test_segment_date_mislabelled() -> None:
    rows = without(clean_rows(), "A003", MON) + shift_rows("A003", MON, template=SHORT, label=WED)
    violations = validate_roster(CONFIG, frame(rows))
    assert rules_of(violations) == {"segment_date"}
    assert "dated 2026-04-01" in violations[0].detail


def test_segment_date_break_dated_apart_from_its_shift() -> None:
    rows = clean_rows()
    brk = next(r for r in rows if r[0] == "A003" and r[1] == MON.isoformat() and r[2] == "break")
    brk[1] = TUE.isoformat()
    assert rules_of(validate_roster(CONFIG, frame(rows))) == {"segment_date"}


def test_segment_date_night_shift_past_midnight() -> None:
    night = dataclasses.replace(SHORT, template_id="night", earliest_start_minute=22 * 60,
                                latest_start_minute=22 * 60)
    config = dataclasses.replace(CONFIG, templates=(DAY8, SHORT, night))
    config = with_contract(config, "full", template_ids=("day8", "night"))
    rows = without(clean_rows(), "A002", FRI) + shift_rows("A002", FRI, "22:00", night, offsets=(120,))
    # a night shift (22:00-02:00) belongs to Friday; its part past midnight lies in Saturday's 00:00-24:00
    assert validate_roster(config, frame(rows)) == []
    # ... but not one ending more than 12 h past midnight (tests/test_night_shifts.py has the other faces)
    long_night = dataclasses.replace(night, length_minutes=15 * 60)
    config = dataclasses.replace(config, templates=(DAY8, SHORT, long_night))
    rows = without(clean_rows(), "A002", FRI) + shift_rows("A002", FRI, "22:00", long_night, offsets=(120,))
    violations = validate_roster(config, frame(rows))
    assert "segment_date" in rules_of(violations)
    assert any("more than 12 h past midnight" in v.detail for v in violations if v.rule == "segment_date")


def test_grid() -> None:
    rows = without(clean_rows(), "A002", MON) + shift_rows("A002", MON, offsets=(125, 240, 360))
    violations = validate_roster(CONFIG, frame(rows))
    assert rules_of(violations) == {"grid"}
    assert [v.detail for v in violations] == [
        "break end 10:20 is off the 15-minute grid", "break start 10:05 is off the 15-minute grid",
    ]


def test_one_shift_per_day() -> None:
    config = with_contract(CONFIG, "part", min_rest_minutes=0)
    rows = clean_rows() + shift_rows("A003", MON, "14:00", SHORT)
    violations = validate_roster(config, frame(rows))
    assert [(v.rule, v.date) for v in violations] == [("one_shift_per_day", MON)]


def test_two_shifts_a_day_also_break_min_rest() -> None:
    rows = clean_rows() + shift_rows("A003", MON, "14:00", SHORT)
    assert rules_of(validate_roster(CONFIG, frame(rows))) == {"one_shift_per_day", "min_rest"}


def _replace_shift(agent: str, day: date, **kwargs: object) -> list[list[str]]:
    return without(clean_rows(), agent, day) + shift_rows(agent, day, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        pytest.param(_replace_shift("A002", MON, start="08:15"), "starts 08:15", id="start-off-step"),
        pytest.param(_replace_shift("A002", MON, start="10:30"), "allowed 07:00-10:00", id="start-too-late"),
        pytest.param(_replace_shift("A002", MON, offsets=(120, 330, 360)), "lunch starts 330 min", id="window"),
        pytest.param(_replace_shift("A002", MON, offsets=(120, 180, 360)), "minimum 60", id="gap"),
        pytest.param(_replace_shift("A002", MON, offsets=(120, 240, 255)), "overlaps", id="overlap"),
        pytest.param(_replace_shift("A002", MON)[:-1], "expected [break 15, lunch 30, break 15]", id="missing"),
        pytest.param(_replace_shift("A003", MON, template=DAY8, start="08:00")[:-1],
                     "short: length 8.5 h", id="count"),
        pytest.param(_replace_shift("A002", SUN), "not worked on sun", id="weekday"),
        pytest.param(without(clean_rows(), "A002", MON) + shift_rows("A002", MON)[1:], "inside no shift",
                     id="orphan-break"),
    ],
)
def test_template(rows: list[list[str]], reason: str) -> None:
    rows = without(rows, "A002", FRI) if any(r[1] == SUN.isoformat() for r in rows) else rows
    violations = validate_roster(CONFIG, frame(rows))
    assert rules_of(violations) == {"template"}
    assert any(reason in v.detail for v in violations if v.rule == "template"), violations


def test_weekly_hours_below_minimum() -> None:
    rows = [r for r in clean_rows() if not (r[0] == "A003" and r[1] == THU.isoformat())]
    violations = validate_roster(CONFIG, frame(rows))
    assert violations == [Violation("A003", None, "weekly_hours", "paid 8.0 h < minimum 12.0 h")]


def test_weekly_hours_minimum_is_reduced_by_time_off() -> None:
    # A001 has Wednesday off: 32 h less 6.4 h credit. 24 h is below that, 32 h (clean) is not.
    rows = without(clean_rows(), "A001", FRI)
    violations = validate_roster(CONFIG, frame(rows))
    assert violations == [Violation(
        "A001", None, "weekly_hours", "paid 24.0 h < minimum 25.6 h (32.0 h less 1 time-off day(s) at 6.4 h)")]


def test_time_off_outside_the_week_gives_no_credit() -> None:
    rows = without(clean_rows(), "A001", FRI)
    violations = validate_roster(CONFIG, frame(rows), week_start=MON - timedelta(days=7))
    weekly = [v for v in violations if v.rule == "weekly_hours" and v.agent_id == "A001"]
    assert [v.detail for v in weekly] == ["paid 0.0 h < minimum 32.0 h"]


def test_weekly_hours_above_maximum() -> None:
    rows = [r for r in clean_rows() if r[0] != "A003"]
    rows += shift_rows("A003", MON) + shift_rows("A003", TUE) + shift_rows("A003", THU)
    rows += shift_rows("A003", SAT, "09:00", SHORT)
    violations = validate_roster(CONFIG, frame(rows))
    assert violations == [Violation("A003", None, "weekly_hours", "paid 28.0 h > maximum 24.0 h")]


def test_agent_without_shifts_misses_the_minimum() -> None:
    rows = [r for r in clean_rows() if r[0] != "A002"]
    assert validate_roster(CONFIG, frame(rows)) == [
        Violation("A002", None, "weekly_hours", "paid 0.0 h < minimum 32.0 h")]


def test_max_days() -> None:
    config = with_contract(CONFIG, "part", max_consecutive_days=7)
    rows = [r for r in clean_rows() if r[0] != "A003"]
    for day in (MON, TUE, WED, THU):
        rows += shift_rows("A003", day, template=SHORT)
    rows += shift_rows("A003", SAT, "09:00", SHORT)
    violations = validate_roster(config, frame(rows))
    assert violations == [Violation("A003", None, "max_days", "5 working days > maximum 4")]


def test_min_rest() -> None:
    config = with_contract(CONFIG, "full", min_rest_minutes=13 * 60)
    rows = _replace_shift("A002", MON, start="10:00")
    rows = without(rows, "A002", TUE) + shift_rows("A002", TUE, "07:00")
    violations = validate_roster(config, frame(rows))
    assert violations == [Violation("A002", TUE, "min_rest", "rest 12.5 h < 13.0 h before 2026-03-31")]


def test_max_consecutive_days() -> None:
    rows = [r for r in clean_rows() if r[0] != "A003"]
    for day in (MON, TUE, WED, THU):
        rows += shift_rows("A003", day, template=SHORT)
    violations = validate_roster(CONFIG, frame(rows))
    assert violations == [Violation("A003", MON, "max_consecutive_days",
                                    "4 consecutive days 2026-03-30..2026-04-02 > maximum 3")]


def test_min_days() -> None:
    config = with_contract(CONFIG, "part", min_days_per_week=4)
    assert validate_roster(config, frame(clean_rows())) == [
        Violation("A003", None, "min_days", "3 working days < minimum 4")]


def test_min_days_counts_no_time_off_with_credit_minimum() -> None:
    # A001 works 4 days and has Wednesday off: still short of 5 when leave only credits the minimum
    config = with_contract(CONFIG, "full", min_days_per_week=5, time_off_counts_as="credit_minimum")
    assert validate_roster(config, frame(clean_rows())) == [
        Violation("A001", None, "min_days", "4 working days < minimum 5")]


def test_leave_counts_as_a_working_day() -> None:
    # worked_day: A001's Wednesday of leave makes 5 days, and a 6th counted day is over a maximum of 5
    assert validate_roster(with_contract(CONFIG, "full", min_days_per_week=5), frame(clean_rows())) == []
    rows = clean_rows() + shift_rows("A001", SAT)
    violations = validate_roster(with_contract(CONFIG, "full", max_days_per_week=5, max_weekly_minutes=60 * 60),
                                 frame(rows))
    assert ("max_days", "6 working days > maximum 5 (with 1 day(s) of time off counted)") in [
        (v.rule, v.detail) for v in violations]


def test_max_late_shifts() -> None:
    config = with_contract(CONFIG, "full", max_late_shifts_per_week=0, late_shift_start_minute=8 * 60)
    violations = validate_roster(config, frame(clean_rows()))
    assert [(v.agent_id, v.rule, v.detail) for v in violations] == [
        ("A001", "max_late_shifts", "4 shifts starting at or after 08:00 > maximum 0"),
        ("A002", "max_late_shifts", "5 shifts starting at or after 08:00 > maximum 0")]
    assert validate_roster(with_contract(CONFIG, "full", max_late_shifts_per_week=5,
                                         late_shift_start_minute=8 * 60), frame(clean_rows())) == []


def test_min_consecutive_days_off() -> None:
    # A001 works Mon, Tue, Thu, Fri: Wednesday alone between working days
    config = with_contract(CONFIG, "full", min_consecutive_days_off=2)
    assert validate_roster(config, frame(clean_rows())) == [
        Violation("A001", WED, "min_consecutive_days_off",
                  "1 day(s) off (2026-04-01) between working days < minimum 2")]


def test_min_consecutive_days_off_ignores_runs_at_the_week_ends() -> None:
    # A002 works Tue-Sat: Monday and Sunday are off but touch the week's ends; A001's Wednesday is inside
    config = with_contract(CONFIG, "full", min_consecutive_days_off=5)
    rows = without(clean_rows(), "A002", MON) + shift_rows("A002", SAT)
    assert validate_roster(config, frame(rows)) == [
        Violation("A001", WED, "min_consecutive_days_off",
                  "1 day(s) off (2026-04-01) between working days < minimum 5")]


def test_max_weekend_days() -> None:
    config = with_contract(CONFIG, "part", max_weekend_days=0)
    rows = clean_rows() + shift_rows("A003", SAT, "09:00", SHORT)
    assert validate_roster(config, frame(rows)) == [
        Violation("A003", None, "max_weekend_days", "1 weekend days worked (2026-04-04) > maximum 0")]
    assert validate_roster(CONFIG, frame(rows)) == []


def test_shift_window_latest_end() -> None:
    config = with_contract(CONFIG, "full", latest_end_minute=17 * 60)
    assert validate_roster(config, frame(clean_rows())) == []  # 08:00 + 8.5 h ends 16:30
    rows = _replace_shift("A002", MON, start="09:00")
    assert validate_roster(config, frame(rows)) == [
        Violation("A002", MON, "shift_window", "shift 09:00-17:30 ends after the contract's latest end 17:00")]


def test_shift_window_earliest_start() -> None:
    config = with_contract(CONFIG, "full", earliest_start_minute=8 * 60)
    rows = _replace_shift("A002", MON, start="07:30")
    assert validate_roster(config, frame(rows)) == [
        Violation("A002", MON, "shift_window", "shift 07:30-16:00 starts before the contract's earliest start 08:00")]


def test_availability_outside_window() -> None:
    rows = _replace_shift("A003", THU, start="10:00")
    violations = validate_roster(CONFIG, frame(rows))
    assert [(v.rule, v.date) for v in violations] == [("availability", THU)]
    assert "08:00-18:00" in violations[0].detail


def test_availability_unavailable_weekday() -> None:
    rows = clean_rows() + shift_rows("A001", SAT)
    # credit_minimum: else Wednesday's leave counts and a 6th day also breaks the day and hour limits
    violations = validate_roster(with_contract(CONFIG, "full", time_off_counts_as="credit_minimum"), frame(rows))
    assert [(v.rule, v.date) for v in violations] == [("availability", SAT)]


def test_time_off() -> None:
    rows = clean_rows() + shift_rows("A001", WED)
    violations = validate_roster(with_contract(CONFIG, "full", time_off_counts_as="credit_minimum"), frame(rows))
    assert [(v.rule, v.date) for v in violations] == [("time_off", WED)]
    # worked_day: the shift on leave also counts twice towards the day and hour limits
    assert {v.rule for v in validate_roster(CONFIG, frame(rows))} == {"time_off", "max_days", "weekly_hours"}


def test_every_rule_has_a_test() -> None:
    """Derived from the suite, not typed here: every rule the validator reports is named by a string in some
    other test function's body (where its violation is asserted)."""
    import ast

    named: set[str] = set()
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and not (
                    path.name == "test_validate.py" and node.name == "test_every_rule_has_a_test"):
                named |= {c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    assert set(RULES) - named == set()


# ------------------------------------------------------------------------------------- week and output


def test_week_defaults_to_monday_of_earliest_date() -> None:
    config = make_config(week_start=None)
    assert validate_roster(config, frame(clean_rows())) == []
    rows = clean_rows() + shift_rows("A002", SAT - timedelta(days=7))  # earliest date is a Saturday
    violations = validate_roster(config, frame(rows))
    assert (SAT - timedelta(days=7)) not in {v.date for v in violations if v.rule == "outside_week"}
    # The week is now 2026-03-23..29, so every shift of the real week lies outside it.
    assert sum(v.rule == "outside_week" for v in violations) == 12


def test_week_start_argument_overrides_config() -> None:
    violations = validate_roster(CONFIG, frame(clean_rows()), week_start=MON + timedelta(days=7))
    assert sum(v.rule == "outside_week" for v in violations) == 12


def test_empty_roster_is_valid_input(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    roster = read_roster(path)
    assert roster.empty and list(roster.columns) == COLUMNS
    violations = validate_roster(CONFIG, roster)
    assert [(v.agent_id, v.rule) for v in violations] == [(a, "weekly_hours") for a in ("A001", "A002", "A003")]
    relaxed = dataclasses.replace(CONFIG, contracts=tuple(dataclasses.replace(c, min_weekly_minutes=0)
                                                          for c in CONFIG.contracts))
    assert validate_roster(relaxed, roster) == []
    assert format_violations([], roster=roster) == "roster valid: 0 violations (0 shifts, 0 agents)"


def test_format_violations_table() -> None:
    violations = [
        Violation("A001", None, "weekly_hours", "paid 24.0 h < minimum 25.6 h"),
        Violation("A0002", MON, "min_rest", "rest 9.5 h < 11.0 h before 2026-03-30"),
    ]
    assert format_violations(violations).splitlines() == [
        "agent  date        rule          detail",
        "A001   -           weekly_hours  paid 24.0 h < minimum 25.6 h",
        "A0002  2026-03-30  min_rest      rest 9.5 h < 11.0 h before 2026-03-30",
        "2 violation(s)",
    ]
    assert format_violations([]) == "roster valid: 0 violations"


# ---------------------------------------------------------------------------------------- bad input


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "agent_id,date,activity,start,end\n"
GOOD = "A001,2026-03-30,shift,2026-03-30T08:00:00,2026-03-30T16:30:00\n"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.csv: roster file not found"):
        read_roster(tmp_path / "nope.csv")


def test_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^roster\.csv: missing column\(s\) start, end$"):
        read_roster(_write(tmp_path, "agent_id,date,activity\nA001,2026-03-30,shift\n"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("A001,30/03/2026,shift,2026-03-30T08:00:00,2026-03-30T16:30:00",
         r"roster\.csv row 3, column date: '30/03/2026' is not a date"),
        ("A001,2026-03-30,shift,2026-03-30T8h,2026-03-30T16:30:00",
         r"roster\.csv row 3, column start: '2026-03-30T8h' is not an ISO date-time"),
        ("A001,2026-03-30,shift,2026-03-30T08:00:00,",
         r"roster\.csv row 3, column end: is empty"),
        ("A001,2026-03-30,shift,2026-03-30T08:00:00,2026-03-30T08:00:00",
         r"roster\.csv row 3, column end: 2026-03-30T08:00:00 is not after start"),
        ("A001,2026-03-30,shift,2026-03-30T08:00:00+01:00,2026-03-30T16:30:00",
         r"roster\.csv row 3, column start: .* has a UTC offset"),
        ("A001,2026-03-30,shift,2026-03-30T08:00:00,2026-03-30T16:30:00,extra",
         r"roster\.csv row 3: more fields than the header has"),
        ("A001,2026-03-30,sh",
         r"roster\.csv row 3: 3 field\(s\), no start, end \(the header has 5; a line cut short\?\)"),
    ],
)
def test_bad_rows_name_file_row_and_column(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_roster(_write(tmp_path, HEADER + GOOD + line + "\n"))


def test_bad_value_in_a_frame_names_the_row() -> None:
    rows = clean_rows()
    rows[3][3] = "not a time"
    with pytest.raises(InputError, match=r"^roster row 5, column start: 'not a time'"):
        validate_roster(CONFIG, frame(rows))


# ------------------------------------------------------------------------------ generated clean rosters

AVAILABLE = {a.agent_id: a for a in AGENTS}


def _starts(template: ShiftTemplate, agent: Agent, day: date) -> list[int]:
    window = agent.availability[day.weekday()]
    if window is None or day.weekday() not in template.weekdays or day in agent.time_off:
        return []
    return [s for s in template.start_minutes()
            if window.start_minute <= s and s + template.length_minutes <= window.end_minute]


def _draw_breaks(data: st.DataObject, template: ShiftTemplate, interval: int) -> tuple[int, ...]:
    """Break offsets inside their windows, gaps respected: each drawn between the earliest the previous
    break allows and the latest the following breaks still allow."""
    latest = [r.latest_after_start_minutes for r in template.breaks]
    for i in range(len(latest) - 2, -1, -1):
        rule = template.breaks[i]
        latest[i] = min(latest[i], latest[i + 1] - template.min_break_gap_minutes - rule.minutes)
    offsets: list[int] = []
    for i, rule in enumerate(template.breaks):
        low = rule.earliest_after_start_minutes
        if offsets:
            prev = template.breaks[i - 1]
            low = max(low, offsets[-1] + prev.minutes + template.min_break_gap_minutes)
        offsets.append(data.draw(st.sampled_from(range(low, latest[i] + 1, interval))))
    return tuple(offsets)


def _draw_week(data: st.DataObject, agent: Agent) -> list[list[str]]:
    contract = CONFIG.contract(agent.contract_id)
    templates = [CONFIG.template(t) for t in contract.template_ids]
    week = [MON + timedelta(days=i) for i in range(7)]
    usable = [d for d in week if any(_starts(t, agent, d) for t in templates)]
    low, high = (3, 4) if agent.agent_id == "A003" else (4, min(5, len(usable)))
    count = data.draw(st.integers(low, high))
    days = sorted(data.draw(st.permutations(usable))[:count])
    runs, run = 1, 1
    for a, b in zip(days, days[1:], strict=False):
        run = run + 1 if b - a == timedelta(days=1) else 1
        runs = max(runs, run)
    if runs > contract.max_consecutive_days:
        days = days[:-1] if agent.agent_id == "A003" else days  # 3 part-time days are always enough
    chosen: list[tuple[date, ShiftTemplate]] = []
    for day in days:
        fits = [t for t in templates if _starts(t, agent, day)]
        chosen.append((day, data.draw(st.sampled_from(fits))))
    # Repair weekly paid hours above the maximum by swapping long shifts for short ones where possible.
    while sum(t.paid_minutes for _, t in chosen) > contract.max_weekly_minutes:
        i = next(i for i, (d, t) in enumerate(chosen) if t is DAY8 and _starts(SHORT, agent, d))
        chosen[i] = (chosen[i][0], SHORT)
    rows: list[list[str]] = []
    for day, template in chosen:
        start = data.draw(st.sampled_from(_starts(template, agent, day)))
        offsets = _draw_breaks(data, template, CONFIG.interval_minutes)
        rows += shift_rows(agent.agent_id, day, f"{start // 60:02d}:{start % 60:02d}", template, offsets)
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_rosters_that_keep_the_rules_validate_clean(data: st.DataObject) -> None:
    rows: list[list[str]] = []
    for agent in AGENTS:
        rows += _draw_week(data, agent)
    order = data.draw(st.permutations(range(len(rows))))
    roster = frame([rows[i] for i in order])
    assert validate_roster(CONFIG, roster) == []
