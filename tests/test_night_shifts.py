"""Night shifts that cross midnight (a 24-hour centre): every face agrees.

A shift belongs to the day it starts on and covers the next day's first intervals; the config accepts templates
ending up to 36:00 (12:00 the next day) on a centre open through the night; availability, the model's cover, rest,
the rules' fast checks, the independent validator, pins, the carry-in and the outputs all read it the same way.
The end-to-end test plans a small 24-hour centre (day, evening and night templates) and reads its roster back
with ``--previous``.
"""

from __future__ import annotations

import csv
import re
import tempfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st

from scheduler.app.cli import main
from scheduler.domain.horizon import AgentCarry, CarryIn
from scheduler.domain.plan import BreakRule, Contract, ShiftTemplate, TimeWindow, fits_availability
from scheduler.domain.roster import BreakAssignment, ShiftAssignment, roster_csv
from scheduler.domain.shifts import shift_options
from scheduler.domain.week import Week
from scheduler.errors import InputError
from scheduler.io.config import load_config
from scheduler.io.previous_roster import read_previous
from scheduler.rostering.carry_in import PastShift, carry_in
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import RosterModel
from scheduler.rostering.replan import load_replan
from scheduler.rostering.rules import AGENT_RULES, LabourRule, agent_week, carry_days, carry_rest, horizon_weekends
from scheduler.rostering.rules import min_rest as min_rest_rule
from scheduler.validation.horizon import validate_horizon
from scheduler.validation.validate import validate_roster
from tests.test_rule_faces import SETTINGS, _build_is_feasible, _leave, contracts, drawn_week
from tests.test_rules import ANY_TIME, MON, WEEK, agent, make_config

NIGHT_OPEN = "00:00-24:00"


def plan_yaml(*, opening: str = NIGHT_OPEN, night_length: int = 480, rest_hours: float = 11,
              latest_end: str | None = None, week_start: date = MON) -> str:
    contract_end = "" if latest_end is None else f'    latest_end: "{latest_end}"\n'
    low, high = (120, 300) if night_length >= 480 else (30, night_length - 60)  # the night's break window
    hours = "".join(f'    {d}: "{opening}"\n' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    return f"""centre:
  name: night
  timezone: UTC
  interval_minutes: 30
  opening_hours:
{hours}history: history.csv
agents: agents.csv
forecast:
  week_start: {week_start}
queues:
  - id: q1
    channel: voice
    service_level_target: 0.8
    answer_seconds: 20
    default_aht_seconds: 300
shift_templates:
  - id: day
    length_minutes: 480
    earliest_start: "06:00"
    latest_start: "06:00"
    breaks:
      - {{kind: lunch, minutes: 30, earliest_after_start_minutes: 180, latest_after_start_minutes: 300}}
  - id: evening
    length_minutes: 480
    earliest_start: "14:00"
    latest_start: "14:00"
    breaks:
      - {{kind: break, minutes: 30, earliest_after_start_minutes: 180, latest_after_start_minutes: 300}}
  - id: night
    length_minutes: {night_length}
    earliest_start: "22:00"
    latest_start: "22:00"
    breaks:
      - {{kind: break, minutes: 30, earliest_after_start_minutes: {low}, latest_after_start_minutes: {high}}}
contracts:
  - id: full_time
    min_weekly_hours: 24
    max_weekly_hours: 40
    max_days_per_week: 5
    max_consecutive_days: 6
    min_rest_hours: {rest_hours}
    hourly_cost: 20
{contract_end}    shift_templates: [day, evening, night]
solver:
  time_limit_seconds: 3
  seed: 0
  deterministic: true
"""


def requirements_csv(first: date, days: int = 7) -> str:
    """Two agents 06:00-22:00, one through the night, every day."""
    rows = ["interval_start,queue,contacts,aht_seconds,agents_required"]
    for d in range(days):
        day = first + timedelta(days=d)
        for minute in range(0, 24 * 60, 30):
            need = 1 if minute < 6 * 60 or minute >= 22 * 60 else 2
            rows.append(f"{day}T{minute // 60:02d}:{minute % 60:02d}:00,q1,4,300,{need}")
    return "\n".join(rows) + "\n"


def write_centre(folder: Path, agents: int = 10, **plan: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.yaml").write_text(plan_yaml(**plan), encoding="utf-8")  # type: ignore[arg-type]
    rows = ["agent_id,contract,skills,availability,time_off"]
    rows += [f"N{i:02d},full_time,q1,," for i in range(1, agents + 1)]
    (folder / "agents.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder / "plan.yaml"


def shift(day: int, template: str, start: str, length: int, breaks: tuple[tuple[str, int], ...] = (),
          agent_id: str = "A1") -> ShiftAssignment:
    hours, minutes = start.split(":")
    minute = int(hours) * 60 + int(minutes)
    return ShiftAssignment(agent_id, MON + timedelta(days=day), template, minute, length, length,
                           tuple(BreakAssignment(kind, at, 30) for kind, at in breaks))


# ------------------------------------------------------------------------------------------------ config


def test_a_night_template_loads_and_ends_the_next_day(tmp_path: Path) -> None:
    config = load_config(write_centre(tmp_path, latest_end="30:00"))
    night = config.template("night")
    assert night.last_end_minute == 30 * 60
    assert config.contract("full_time").latest_end_minute == 30 * 60


def test_a_night_plan_typed_without_quotes_loads_as_the_quoted_one(tmp_path: Path) -> None:
    """n22 and d22 merged untested together: ``latest_end: 30:00`` and ``22:00`` typed without quotes are base-60
    numbers to YAML 1.1 (1800, 1320); they are the times typed, past 24:00 included."""
    quoted = load_config(write_centre(tmp_path / "quoted", latest_end="30:00"))
    plan = write_centre(tmp_path / "bare", latest_end="30:00")
    text = re.sub(r'(earliest_start|latest_start|latest_end): "(\d\d):(\d\d)"',
                  lambda m: f"{m.group(1)}: {int(m.group(2))}:{m.group(3)}", plan.read_text())
    assert "latest_end: 30:00\n" in text and "earliest_start: 6:00\n" in text and "latest_start: 22:00\n" in text
    plan.write_text(text)
    bare = load_config(plan)
    assert bare.templates == quoted.templates and bare.contracts == quoted.contracts
    assert bare.contract("full_time").latest_end_minute == 30 * 60


@pytest.mark.parametrize(("plan", "named"), [
    ({"night_length": 900}, "shift_templates[2].latest_start plus length_minutes 900 must end by 36:00"),
    ({"opening": "06:00-24:00"}, "shift_templates[2].days runs 'night' past midnight"),
    ({"opening": "00:00-23:00"}, "centre.opening_hours is 00:00-23:00 on mon"),
    ({"night_length": 720, "rest_hours": 21}, "min_rest_hours must be <= 20 with these shift templates"),
    ({"latest_end": "36:30"}, "contracts[0].latest_end must be a time HH:MM up to 36:00"),
])
def test_bad_night_input_exits_2_naming_the_key(tmp_path: Path, plan: dict, named: str) -> None:
    path = write_centre(tmp_path, **plan)
    (tmp_path / "requirements.csv").write_text(requirements_csv(MON), encoding="utf-8")
    with pytest.raises(InputError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_config(path)
    result = CliRunner().invoke(main, ["schedule", str(path), "--requirements", str(tmp_path / "requirements.csv"),
                                       "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 2
    assert named in result.output


# ------------------------------------------------------------------------------------ availability, model

NIGHT = ShiftTemplate("night", 480, 22 * 60, 22 * 60, 30, tuple(range(7)),
                      (BreakRule("break", "break", 30, True, 120, 300),), 0)
EVENING = ShiftTemplate("evening", 480, 14 * 60, 14 * 60, 30, tuple(range(7)), (), 0)


def test_availability_of_a_night_shift_spans_two_weekdays() -> None:
    tuesday_from_8 = (TimeWindow(0, 24 * 60), TimeWindow(8 * 60, 24 * 60), *ANY_TIME[2:])
    assert fits_availability(ANY_TIME, 0, 22 * 60, 30 * 60)
    assert not fits_availability(tuesday_from_8, 0, 22 * 60, 30 * 60)  # Tuesday's window opens at 08:00
    assert fits_availability(tuesday_from_8, 1, 22 * 60, 30 * 60)
    evening_only = (TimeWindow(14 * 60, 23 * 60),) * 7
    assert not fits_availability(evening_only, 2, 22 * 60, 30 * 60)  # the start day's window ends at 23:00
    config = make_config((agent(availability=tuesday_from_8, contract="c"),),
                         (Contract("c", 0, 168 * 60, 7, 0, 7, 20.0, ("night",)),), (NIGHT,))
    assert [d for d in range(7) if shift_options(config, config.agents[0], WEEK, d)] == [1, 2, 3, 4, 5, 6]


def test_the_model_covers_the_next_days_slots_and_nothing_past_the_week() -> None:
    config = make_config((agent(contract="c"),), (Contract("c", 0, 168 * 60, 7, 0, 7, 20.0, ("night",)),), (NIGHT,))
    model = RosterModel(Instance(config, WEEK, np.zeros((1, WEEK.slot_count), int)))
    monday = model.presence_terms(model.agent_days["A1", 0])
    per_day = WEEK.slots_per_day
    assert min(monday) == WEEK.slot(0, 22 * 60) and max(monday) == per_day + 6 * 60 // 15 - 1
    sunday = model.presence_terms(model.agent_days["A1", 6])
    assert max(sunday) == WEEK.slot_count - 1  # Sunday 22:00-24:00; Monday next week is not planned here


def test_rest_after_a_night_counts_from_its_end_the_next_morning() -> None:
    """A night ending 06:00 Tuesday and a 14:00 shift on Tuesday leave 8 h of rest."""
    week = [shift(0, "night", "22:00", 480), shift(1, "evening", "14:00", 480), None, None, None, None, None]
    for rest_hours, kept in ((8, True), (11, False)):
        contract = Contract("c", 0, 168 * 60, 7, rest_hours * 60, 7, 20.0, ("night", "evening"))
        config = make_config((agent(contract="c"),), (contract,), (NIGHT, EVENING))
        facts = agent_week(config, WEEK, config.agents[0])
        assert min_rest_rule.RULE.keeps(facts, week) is kept
        assert _build_is_feasible(min_rest_rule.RULE, config, week) is kept
        frame = pd.read_csv(pd.io.common.StringIO(roster_csv_of(week)), dtype=str)
        rules = {v.rule for v in validate_roster(config, frame, MON)}
        assert ("min_rest" not in rules) is kept


def roster_csv_of(week: list[ShiftAssignment | None]) -> str:
    from scheduler.domain.roster import Roster

    return roster_csv(Roster(tuple(s for s in week if s is not None)))


@st.composite
def night_weeks(draw: st.DrawFn, carried: bool = False) -> tuple:
    """A one-agent config with a night template (ending 02:00-10:00 the next day) and a day template, the agent on
    leave up to three days, and a drawn week of candidate shifts; ``carried``: with a carry-in whose last shift
    may be a Sunday night ending on Monday morning, and a run of days worked or off before the week."""
    length = draw(st.sampled_from([360, 480, 600]))
    start = draw(st.sampled_from([20 * 60, 21 * 60, 22 * 60, 23 * 60]))
    night = ShiftTemplate("t1", length, start, start + draw(st.sampled_from([0, 60])), 30, tuple(range(7)),
                          (BreakRule("break1", "break", 30, True, 60, 180),), 0)
    day = ShiftTemplate("t2", 480, 6 * 60, 14 * 60, 60, tuple(range(7)), (), 0)
    contract = draw(contracts(("t1", "t2")))
    latest_end = contract.latest_end_minute
    # a contract's latest end, when set, is drawn on the start day; move it past midnight half the time
    if latest_end is not None and draw(st.booleans()):
        contract = Contract(**{**contract.__dict__, "latest_end_minute": latest_end + 12 * 60})
    person = agent(contract="c", time_off=_leave(draw))
    config = make_config((person,), (contract,), (night, day))
    week = drawn_week(draw, config)
    if carried:  # the carry-in does not change the candidates: drawn after the week, half the time at its edge
        first = next(((d, s) for d, s in enumerate(week) if s is not None), None)
        end = draw(st.none() | st.sampled_from([-720, -180, 0, 120, 360, 600]))
        if first is not None and draw(st.booleans()):  # the first shift of the week starts just at the rest's end
            end = first[0] * 24 * 60 + first[1].start_minute - contract.min_rest_minutes + draw(
                st.sampled_from([-30, 0, 30]))
        worked = draw(st.integers(0, 6))
        carry = AgentCarry(last_end_minute=end, worked_run_days=worked,
                           off_run_days=None if worked else draw(st.none() | st.integers(1, 3)))
        config = replace(config, carry_in=CarryIn(1, 2, {person.agent_id: carry}))
    return config, week


@pytest.mark.parametrize("rule", AGENT_RULES, ids=[r.name for r in AGENT_RULES])
@SETTINGS
@given(case=night_weeks(carried=True))
def test_fast_checks_agree_with_the_model_on_night_weeks(rule: LabourRule, case: tuple) -> None:
    config, week = case
    assert rule.keeps(agent_week(config, WEEK, config.agents[0]), week) is _build_is_feasible(rule, config, week)


@pytest.mark.parametrize("rule", AGENT_RULES, ids=[r.name for r in AGENT_RULES])
@SETTINGS
@given(case=night_weeks(carried=True))
def test_incremental_checks_agree_with_the_whole_week_on_night_weeks(rule: LabourRule, case: tuple) -> None:
    """The local search's ``keeps_change`` (a day's shift added to a week that kept the rule) answers like
    ``keeps`` on the whole week when the shifts are nights and the week before ended with one."""
    config, week = case
    facts = agent_week(config, WEEK, config.agents[0])
    for day, shift_of_day in enumerate(week):
        before = [None if d == day else s for d, s in enumerate(week)]
        if shift_of_day is not None and rule.keeps(facts, before):
            assert rule.keeps_change(facts, week, day) is rule.keeps(facts, week)


@SETTINGS
@given(case=night_weeks(), data=st.data())
def test_the_horizon_validator_agrees_with_the_rules_across_the_seam_on_night_weeks(case: tuple,
                                                                                     data: st.DataObject) -> None:
    """A drawn week after a drawn previous week (nights on its Saturday or Sunday ending on the planned Monday),
    the previous roster read back as ``--previous`` reads it (``read_previous``, ``carry_in``): the independent
    horizon validator finds a violation across the seam (one ``validate_roster`` of the week alone does not find)
    exactly when a cross-week rule's fast check refuses the week with that carry-in (rest, days in a row and days
    off counted across the boundary alike), and the week's own violations are the week's alone."""
    config, week = case
    who = config.agents[0]
    before = Week(MON - timedelta(days=7), WEEK.interval_minutes)
    earlier = []
    worked = data.draw(st.sets(st.integers(0, 6), min_size=1) | st.just(frozenset({5, 6})))
    for day in range(7):
        options = shift_options(config, who, before, day)
        if options and day in worked:
            option = data.draw(st.sampled_from(options))
            earlier.append(ShiftAssignment(who.agent_id, before.day(day), option.template.template_id,
                                           option.start_minute, option.template.length_minutes, option.paid_minutes,
                                           ()))
    assume(earlier)  # a previous roster without shifts is refused (exit 2)
    with tempfile.TemporaryDirectory() as folder:
        previous = Path(folder) / "previous.csv"
        previous.write_text(roster_csv_of(earlier), encoding="utf-8")
        past, known_from, _ = read_previous(previous, config, MON)
        carried = replace(config, carry_in=carry_in(config, WEEK, 1, known_from, past))
        facts = agent_week(carried, WEEK, who)
        frame = pd.read_csv(pd.io.common.StringIO(roster_csv_of(week)), dtype=str)
        seamed = set(validate_horizon(config, frame, MON, 1, previous))
    alone = set(validate_roster(config, frame, MON))
    across = [rule.name for rule in (carry_rest.RULE, carry_days.RULE, horizon_weekends.RULE)
              if not rule.keeps(facts, week)]
    assert alone <= seamed
    assert (not seamed - alone) is (not across), (seamed - alone, across)


WINDOWS = st.sampled_from([None, TimeWindow(0, 24 * 60), TimeWindow(0, 6 * 60), TimeWindow(0, 4 * 60),
                           TimeWindow(6 * 60, 24 * 60), TimeWindow(20 * 60, 24 * 60), TimeWindow(60, 24 * 60),
                           TimeWindow(18 * 60, 23 * 60)])


@SETTINGS
@given(case=night_weeks(), availability=st.tuples(*[WINDOWS] * 7))
def test_the_validator_judges_availability_across_midnight_as_the_candidates_do(
        case: tuple, availability: tuple[TimeWindow | None, ...]) -> None:
    """A drawn night week (drawn for an agent available any time) judged against other availability: the
    validator finds an ``availability`` violation on a day exactly when ``Agent.available``, which the candidates
    and the model read, refuses that day's shift (the part past midnight in the next weekday's window)."""
    config, week = case
    person = replace(config.agents[0], availability=availability)
    config = replace(config, agents=(person,))
    refused = {s.date for s in week if s is not None and not person.available(
        s.date.weekday(), s.start_minute, s.start_minute + s.length_minutes)}
    frame = pd.read_csv(pd.io.common.StringIO(roster_csv_of(week)), dtype=str)
    found = {v.date for v in validate_roster(config, frame, MON) if v.rule == "availability"}
    assert found == refused


# ------------------------------------------------------------------------------------------ the validator


def _violations(week: list[ShiftAssignment | None], contract: Contract,
                availability: tuple[TimeWindow | None, ...] = ANY_TIME) -> set[str]:
    config = make_config((agent(contract="c", availability=availability),), (contract,), (NIGHT, EVENING))
    frame = pd.read_csv(pd.io.common.StringIO(roster_csv_of(week)), dtype=str)
    return {v.rule for v in validate_roster(config, frame, MON)}


def test_the_validator_accepts_nights_and_judges_their_next_day_part() -> None:
    loose = Contract("c", 0, 168 * 60, 7, 8 * 60, 7, 20.0, ("night", "evening"))
    nights = [shift(d, "night", "22:00", 480, (("break", 22 * 60 + 180),)) for d in range(5)] + [None, None]
    assert _violations(nights, loose) == set()
    tuesday_from_8 = (TimeWindow(0, 24 * 60), TimeWindow(8 * 60, 24 * 60), *ANY_TIME[2:])
    assert "availability" in _violations(nights, loose, tuesday_from_8)
    ends_early = Contract(**{**loose.__dict__, "latest_end_minute": 29 * 60})  # 05:00 the next day
    assert "shift_window" in _violations(nights, ends_early)
    too_long = ShiftAssignment("A1", MON, "night", 22 * 60, 15 * 60, 15 * 60, ())  # ends 13:00 the next day
    assert "segment_date" in _violations([too_long, *[None] * 6], loose)


# --------------------------------------------------------------------------------- pins and carry-in


def test_a_pinned_night_keeps_its_break_after_midnight(tmp_path: Path) -> None:
    config = load_config(write_centre(tmp_path))
    night = shift(2, "night", "22:00", 480, (("break", 26 * 60),), agent_id="N01")
    (tmp_path / "roster.csv").write_text(roster_csv_of([night]), encoding="utf-8")
    replan = load_replan(tmp_path / "roster.csv", config, WEEK, {MON + timedelta(days=2)})
    kept = replan.pinned["N01", MON + timedelta(days=2)]
    assert kept is not None and (kept.start_minute, kept.break_starts) == (22 * 60, (26 * 60,))


def test_the_carry_in_of_a_sunday_night_ends_on_monday_morning(tmp_path: Path) -> None:
    config = load_config(write_centre(tmp_path))
    sunday = MON - timedelta(days=1)
    past = [PastShift("N01", sunday, datetime(2026, 3, 29, 22), datetime(2026, 3, 30, 6), 480, False)]
    carry = carry_in(config, Week(MON, 30), 1, sunday, past)
    assert carry.of("N01").last_end_minute == 6 * 60


# -------------------------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("night")
    path = write_centre(folder)
    (folder / "requirements.csv").write_text(requirements_csv(MON), encoding="utf-8")
    result = CliRunner().invoke(main, ["schedule", str(path), "--requirements", str(folder / "requirements.csv"),
                                       "--out", str(folder / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    return folder


def test_a_24_hour_centre_is_planned_valid_with_its_nights_covered(planned: Path) -> None:
    config = load_config(planned / "plan.yaml")
    assert validate_roster(config, planned / "out" / "roster.csv", MON) == []
    roster = pd.read_csv(planned / "out" / "roster.csv")
    shifts = roster[roster["activity"] == "shift"]
    nights = shifts[pd.to_datetime(shifts["end"]).dt.normalize() > pd.to_datetime(shifts["date"])]
    assert len(nights) >= 6
    cover = pd.read_csv(planned / "out" / "coverage.csv", parse_dates=["interval_start"])
    minute = cover["interval_start"].dt.hour * 60 + cover["interval_start"].dt.minute
    night = ((minute >= 22 * 60) | (minute < 6 * 60)) & ~((cover["interval_start"].dt.date == MON) & (minute < 360))
    # one agent a night: only the night's break leaves an interval short
    short = (cover.loc[night, "required"] - cover.loc[night, "scheduled"]).clip(lower=0).sum()
    assert short <= 7
    assert (cover.loc[~night & (minute < 6 * 60), "scheduled"] == 0).all()  # Monday 00:00-06:00: no one yet
    # the roster's simulation counts the nights past midnight too (nobody on Monday's early hours answers)
    early = minute < 6 * 60
    assert cover.loc[night & early, "predicted_service_level"].mean() > 0.2
    assert (cover.loc[~night & early, "predicted_service_level"] == 0).all()
    result = CliRunner().invoke(main, ["simulate", str(planned / "out"), "--config", str(planned / "plan.yaml"),
                                       "--reps", "2"])
    assert result.exit_code == 0, result.output


def test_the_outputs_write_a_night_shift_ending_the_next_day(planned: Path) -> None:
    out = planned / "out"
    roster = pd.read_csv(out / "roster.csv")
    night = roster[(roster["activity"] == "shift") & roster["start"].str.endswith("T22:00:00")].iloc[0]
    day = date.fromisoformat(night["date"])
    assert night["end"] == f"{day + timedelta(days=1)}T06:00:00"  # the end carries its own (next) date
    with (out / "roster_grid.csv").open(encoding="utf-8") as handle:
        grid = {row["agent_id"]: row for row in csv.DictReader(handle)}
    assert "22:00-06:00" in grid[night["agent_id"]].values()
    ics = (out / "calendars" / f"{night['agent_id']}.ics").read_text(encoding="utf-8")
    assert f"DTSTART:{day:%Y%m%d}T220000Z\nDTEND:{day + timedelta(days=1):%Y%m%d}T060000Z" in ics
    assert (out / "roster.xlsx").stat().st_size > 0 and (out / "report.html").stat().st_size > 0


def test_the_next_week_reads_the_nights_back_with_previous(planned: Path, tmp_path: Path) -> None:
    """Week 2 planned after week 1's roster: a Sunday night ending Monday 06:00 keeps its rest into Monday."""
    monday = MON + timedelta(days=7)
    path = write_centre(tmp_path, week_start=monday)
    (tmp_path / "requirements.csv").write_text(requirements_csv(monday), encoding="utf-8")
    result = CliRunner().invoke(main, ["schedule", str(path), "--requirements", str(tmp_path / "requirements.csv"),
                                       "--out", str(tmp_path / "out"), "--previous",
                                       str(planned / "out" / "roster.csv"), "--quiet"])
    assert result.exit_code == 0, result.output
    before = pd.read_csv(planned / "out" / "roster.csv")
    after = pd.read_csv(tmp_path / "out" / "roster.csv")
    sunday_nights = before[(before["activity"] == "shift") & (before["date"] == str(monday - timedelta(days=1)))
                           & before["end"].str.startswith(str(monday))]
    assert len(sunday_nights)
    for agent_id in sunday_nights["agent_id"]:
        monday_shift = after[(after["agent_id"] == agent_id) & (after["activity"] == "shift")
                             & (after["date"] == str(monday))]
        for start in monday_shift["start"]:  # 06:00 + 11 h of rest: nothing before 17:00
            assert datetime.fromisoformat(start) >= datetime.combine(monday, datetime.min.time()) + timedelta(hours=17)


def test_monday_before_a_sunday_night_ends_is_named_as_the_previous_weeks(tmp_path: Path) -> None:
    from scheduler.diagnose.warnings import before_nights_end

    config = load_config(write_centre(tmp_path))
    week = Week(MON, 30)
    assert np.flatnonzero(before_nights_end(config, week)).tolist() == list(range(12))  # 00:00-06:00
    day_only = load_config(write_centre(tmp_path / "day", opening="06:00-24:00", night_length=120))  # to 24:00
    assert not before_nights_end(day_only, week).any()


def test_the_break_cap_counts_sunday_nights_breaks_past_the_week() -> None:
    """Two Sunday nights with their breaks at 01:00 the next Monday: over a cap of 1 for the solver's guard and the
    validator alike, though no cover is asked past the week."""
    import dataclasses

    from scheduler.domain.roster import Roster
    from scheduler.rostering.solve import within_break_cap

    contract = Contract("c", 0, 168 * 60, 7, 0, 7, 20.0, ("night",))
    config = make_config((agent("A1", contract="c"), agent("A2", contract="c")), (contract,), (NIGHT,))
    config = dataclasses.replace(config, max_agents_on_break=1)
    nights = [shift(6, "night", "22:00", 480, (("break", 25 * 60),), agent_id=a) for a in ("A1", "A2")]
    assert not within_break_cap(config, WEEK, Roster(tuple(nights)))
    frame = pd.read_csv(pd.io.common.StringIO(roster_csv_of(list(nights))), dtype=str)
    assert "break_cap" in {v.rule for v in validate_roster(config, frame, MON)}
    apart = [nights[0], shift(6, "night", "22:00", 480, (("break", 26 * 60),), agent_id="A2")]
    assert within_break_cap(config, WEEK, Roster(tuple(apart)))


def test_floor_rules_leave_monday_before_the_sunday_night_ends_to_the_previous_week() -> None:
    """A lead always on the floor: Monday 00:00-06:00 only the previous week's Sunday night reaches, so neither the
    rule's slots nor the validator ask for one there; Tuesday 00:00-06:00 they both do."""
    import dataclasses

    from scheduler.domain.plan import Agent, FloorRule, Level
    from scheduler.rostering.rules.floor_rules import floor_counts

    contract = Contract("c", 0, 168 * 60, 7, 0, 7, 20.0, ("night",))
    config = make_config((Agent("L1", "c", ("sales",), ANY_TIME, frozenset(), level="lead"),), (contract,), (NIGHT,))
    config = dataclasses.replace(
        config, opening_hours=dataclasses.replace(config.opening_hours, by_weekday=(TimeWindow(0, 24 * 60),) * 7),
        levels=(Level("agent"), Level("lead")),
        floor_rules=(FloorRule("lead_on_floor", 1, "lead", (), (), True, 0),))
    slots = floor_counts(config, WEEK)[0].slots
    assert min(slots) == WEEK.slot(0, 6 * 60) and WEEK.slot(1, 0) in slots
    week = [shift(0, "night", "22:00", 480, agent_id="L1")]  # Monday night: Tuesday 00:00-06:00 has its lead
    frame = pd.read_csv(pd.io.common.StringIO(roster_csv_of(list(week))), dtype=str)
    short = {v.detail.split(" at ")[1].split(",")[0] for v in validate_roster(config, frame, MON)
             if v.rule == "floor_rule" and v.date in (MON, MON + timedelta(days=1))}
    assert "00:00" not in short and "05:45" not in short  # Monday's early hours and Tuesday's are not short
    assert "06:00" in short  # Monday 06:00 is (and Tuesday 06:00)


@SETTINGS
@given(case=night_weeks())
def test_the_validator_agrees_with_the_rules_on_night_weeks(case: tuple) -> None:
    """On drawn weeks with nights, the independent validator finds an agent-rule violation exactly when some agent
    rule's fast check refuses the week (the rules and the validator count rest, windows and days the same way)."""
    config, week = case
    facts = agent_week(config, WEEK, config.agents[0])
    kept = all(rule.keeps(facts, week) for rule in AGENT_RULES)
    frame = pd.read_csv(pd.io.common.StringIO(roster_csv_of(week)), dtype=str)
    found = {v.rule for v in validate_roster(config, frame, MON)} - {"template", "grid"}
    assert (not found) is kept, found


# ------------------------------------------------------------------- deferred work in a 24-hour centre


EMAIL_BY_DAY = """  - id: email
    channel: email
    service_level_target: 0.8
    deadline_minutes: 120
    deadline_clock: elapsed
    default_aht_seconds: 300
    opening_hours: {mon: "08:00-20:00", tue: "08:00-20:00", wed: "08:00-20:00", thu: "08:00-20:00",
                    fri: "08:00-20:00", sat: "08:00-20:00", sun: "08:00-20:00"}
"""


def test_a_deferred_queue_closed_at_night_is_not_worked_by_the_night_in_the_kpis(tmp_path: Path) -> None:
    """The KPI replay (``blended_heads``, ``deferred_outcomes``) let a head on the floor work an email queue after
    it closed: a night agent skilled for it handled the evening's backlog, so ``kpis.json`` gave 94% within the
    deadline where the model, ``wfm simulate`` (56%) and the deadline warning ("at most 56%") work it only while
    open. An item arriving from 20:00 (due by 22:00-24:00, the queue closed) is late whatever the heads."""
    from scheduler.app.channels import blended_heads, deferred_outcomes
    from scheduler.domain.roster import Roster

    plan = write_centre(tmp_path, agents=1)
    plan.write_text(plan.read_text().replace("shift_templates:\n", EMAIL_BY_DAY + "shift_templates:\n", 1))
    (tmp_path / "agents.csv").write_text("agent_id,contract,skills,availability,time_off\nN01,full_time,q1;email,,\n")
    (tmp_path / "history.csv").write_text("interval_start,queue,contacts,aht_seconds\n")
    config = load_config(plan)
    week = Week(MON, 30)
    grid = pd.date_range(pd.Timestamp(MON), periods=week.slot_count, freq="30min")
    monday_afternoon = (grid >= pd.Timestamp(MON) + pd.Timedelta(hours=12)) & (
        grid < pd.Timestamp(MON) + pd.Timedelta(hours=22))  # the items: Monday 12:00-22:00
    frame = pd.DataFrame({"interval_start": grid, "queue": "email", "contacts": np.where(monday_afternoon, 2.0, 0.0),
                          "aht_seconds": 300.0})
    evening = ShiftAssignment("N01", MON, "evening", 14 * 60, 480, 480, (BreakAssignment("break", 17 * 60, 30),))
    heads = blended_heads(config, week, Roster((evening,)), np.zeros((2, week.slot_count), dtype=np.int64), frame)
    outcome = deferred_outcomes(config, week, frame, heads)["email"].outcome
    assert outcome.within[week.slot(0, 14 * 60)] > 0  # worked while open
    assert outcome.within[week.slot(0, 20 * 60):week.slot(0, 22 * 60)].max() == 0  # closed: late
    assert outcome.served[week.slot(0, 20 * 60):week.slot(0, 22 * 60)].sum() == 0
