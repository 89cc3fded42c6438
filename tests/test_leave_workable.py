"""Leave counts only on a day the agent could have worked (``rules.base.leave_counts_on`` on the solver side,
``validation.validate.counted_leave`` in the independent validator): Sunday leave of a Monday-to-Friday agent is
no worked day (``time_off_counts_as: worked_day``), takes nothing off the weekly hours and starts no run of
consecutive days, in every face of every rule that reads leave, in the carry-in across weeks and in the
validator; leave on a workable day counts as before."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.domain.horizon import CarryIn
from scheduler.domain.plan import ShiftTemplate, TimeWindow
from scheduler.domain.roster import Roster, ShiftAssignment, roster_csv
from scheduler.domain.week import Week
from scheduler.errors import InfeasibleError
from scheduler.io.config import load_config
from scheduler.rostering.carry_in import PastShift, carry_in, past_shifts
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import (
    agent_week,
    average_hours,
    carry_days,
    max_consecutive_days,
    max_days,
    min_days,
    weekly_hours,
)
from scheduler.rostering.rules.base import leave_counts_on
from scheduler.rostering.solve import solve_roster
from scheduler.validation.horizon import validate_horizon
from scheduler.validation.validate import counted_leave, read_roster, validate_roster
from tests.test_horizon import SUNDAY_BEFORE, _centre, _previous, _valid_two_weeks
from tests.test_horizon_rules import _week_of
from tests.test_rule_faces import SETTINGS, _build_is_feasible, contracts, drawn_week, templates
from tests.test_rules import DAY, LOOSE, MON, SAT, SUN, WED, WEEK, agent, hm, make_config
from tests.tiny_centre import WEEK_START, TinyAgent

WEEKDAYS_ONLY = (TimeWindow(0, 24 * 60),) * 5 + (None, None)
# 36-40 h over at most 5 days, at most 5 in a row; 9-h shifts (8.5 h paid) on any weekday
FULL = dataclasses.replace(LOOSE, min_weekly_minutes=36 * 60, max_weekly_minutes=40 * 60, max_days_per_week=5,
                           max_consecutive_days=5)
THIRTY_TWO = dataclasses.replace(FULL, min_weekly_minutes=32 * 60)
NINE = dataclasses.replace(DAY, template_id="day", length_minutes=540)  # 9 h, 30-min unpaid lunch: 8.5 h paid
# the rules that read leave, by the name both the solver's rule and the validator's violation carry
LEAVE_RULES = (weekly_hours.RULE, max_days.RULE, min_days.RULE, max_consecutive_days.RULE)


def _config(leave: frozenset[date], availability=WEEKDAYS_ONLY, contract=FULL, template: ShiftTemplate = DAY):
    return make_config((agent(availability=availability, time_off=leave),), (contract,), (template,))


@pytest.mark.parametrize(("day", "counts"), [(SUN, False), (SAT, False), (WED, True)])
def test_leave_counts_only_on_a_workable_day(day: int, counts: bool) -> None:
    """Every solver face and the validator agree on what one day of leave of a Monday-to-Friday agent counts."""
    config = _config(frozenset({WEEK.day(day)}))
    facts = agent_week(config, WEEK, config.agents[0])
    assert facts.leave_days == int(counts) and leave_counts_on(config, config.agents[0], WEEK.day(day)) is counts
    credited = (36 * 60 - 432, 40 * 60 - 480) if counts else (36 * 60, 40 * 60)
    assert weekly_hours.paid_range(facts) == credited
    assert max_days.most_days(facts) == (4 if counts else 5)
    assert counted_leave(config.agents[0], [DAY], MON, MON + timedelta(7)) == ([WEEK.day(day)] if counts else [])


def test_template_weekdays_decide_too() -> None:
    """Available every day, but the contract's only template runs Monday to Friday: Sunday leave counts for
    nothing; a template that does not fit inside the day's availability does not make the day workable."""
    weekdays = dataclasses.replace(DAY, weekdays=tuple(range(5)))
    config = _config(frozenset({WEEK.day(SUN)}), availability=(TimeWindow(0, 24 * 60),) * 7, template=weekdays)
    assert agent_week(config, WEEK, config.agents[0]).leave_days == 0
    assert counted_leave(config.agents[0], [weekdays], MON, MON + timedelta(7)) == []
    narrow = (TimeWindow(0, 24 * 60),) * 6 + (TimeWindow(hm("08:00"), hm("12:00")),)  # Sunday 4 h: no 8.5-h shift
    config = _config(frozenset({WEEK.day(SUN)}), availability=narrow)
    assert agent_week(config, WEEK, config.agents[0]).leave_days == 0
    assert counted_leave(config.agents[0], [DAY], MON, MON + timedelta(7)) == []


def test_sunday_leave_no_longer_makes_the_week_infeasible(tmp_path: Path) -> None:
    """A Monday-to-Friday full-timer (32-40 h, 8.5-h paid shifts) on leave on Sunday: counted as a worked day the
    week needed 25.6-32 h, which no number of 8.5-h shifts pays (the plan was refused, exit 3); now it works four
    weekdays (34 h) and the validator agrees."""
    config = _config(frozenset({WEEK.day(SUN)}), contract=THIRTY_TWO, template=NINE)
    req = np.zeros((1, WEEK.slot_count), int)
    for day in range(7):
        req[0, WEEK.slot(day, hm("08:00")):WEEK.slot(day, hm("20:00"))] = 1
    try:
        result = solve_roster(Instance(config, WEEK, req), time_limit_seconds=2, progress=None)
    except InfeasibleError as error:  # the old rule
        pytest.fail(f"refused: {error}")
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(result.roster), encoding="utf-8")
    assert validate_roster(config, read_roster(path), MON) == []
    worked = [s.date.weekday() for s in result.roster.shifts]
    assert len(worked) == 4 and max(worked) < 5
    workable = _config(frozenset({WEEK.day(WED)}), availability=(TimeWindow(0, 24 * 60),) * 7, contract=THIRTY_TWO,
                       template=NINE)
    with pytest.raises(InfeasibleError):  # the same leave on a day the agent could work still counts
        solve_roster(Instance(workable, WEEK, req), time_limit_seconds=2, progress=None)


def test_sunday_leave_starts_no_run_across_the_boundary() -> None:
    """At most five days in a row: Sunday leave of a Monday-to-Friday agent before the week is no day of the run
    (the carry-in and the validator), so Monday to Friday may be worked; an agent available on Sundays keeps it
    counted (six days in a row)."""
    sunday, known_from = WEEK.start - timedelta(days=1), WEEK.start - timedelta(days=7)
    for availability, run in ((WEEKDAYS_ONLY, 0), ((TimeWindow(0, 24 * 60),) * 7, 1)):
        config = dataclasses.replace(_config(frozenset({sunday}), availability, LOOSE), weeks=2)
        config = dataclasses.replace(config, contracts=(dataclasses.replace(LOOSE, max_consecutive_days=5),))
        carried = carry_in(config, WEEK, 2, known_from, [])
        assert carried.of("A1").worked_run_days == run
        facts = agent_week(dataclasses.replace(config, carry_in=carried), WEEK, config.agents[0])
        week = _week_of(config, {d: "08:00" for d in range(5)})
        kept = run == 0
        assert carry_days.RULE.keeps(facts, week) is kept
        assert _build_is_feasible(carry_days.RULE, dataclasses.replace(config, carry_in=carried), week) is kept


def test_leave_after_the_week_on_an_unworkable_day_ends_no_run() -> None:
    """Leave on the next week's Saturday and Sunday of a Monday-to-Friday agent does not carry a run back."""
    leave = frozenset({WEEK.start + timedelta(days=12), WEEK.start + timedelta(days=13)})
    config = dataclasses.replace(_config(leave, contract=dataclasses.replace(LOOSE, max_consecutive_days=5)),
                                 weeks=2, carry_in=CarryIn(1, 2, {}))
    facts = agent_week(config, WEEK, config.agents[0])
    assert carry_days.trailing_leave_days(facts) == 0
    assert average_hours.leave_by_week(facts, 1, 2) == (0, 0)


def test_sunday_leave_in_a_two_week_plan(tmp_path: Path) -> None:
    """The r19 centres' case, end to end: a Monday-to-Friday full-timer (30-40 h, at most 5 days in a row) on leave
    on week 1's Sunday and week 2's Monday. Sunday counted as worked started a run that left week 2 three of
    Tuesday to Friday (22.5 h < 24 h: exit 3); now week 2 works Tuesday to Friday and the horizon validates."""
    leave = (WEEK_START + timedelta(days=6), WEEK_START + timedelta(days=7))
    agents = (TinyAgent("A0", "full_time", ("q1",), "mon-fri 08:00-20:00", leave),
              *(TinyAgent(f"A{i}", "full_time" if i < 3 else "part_time", ("q1",)) for i in range(1, 5)))
    plan, requirements = _centre(tmp_path, agents=agents)
    plan.write_text(plan.read_text().replace("    min_weekly_hours: 24\n", "    min_weekly_hours: 30\n", 1)
                    .replace("max_consecutive_days: 6", "max_consecutive_days: 5"), encoding="utf-8")
    roster = _valid_two_weeks(plan, requirements, tmp_path / "out")
    shifts = roster[(roster["agent_id"] == "A0") & (roster["activity"] == "shift")]
    week_2 = {d.weekday() for d in shifts["date"] if d >= WEEK_START + timedelta(days=7)}
    assert week_2 == {1, 2, 3, 4}


@st.composite
def leave_weeks(draw: st.DrawFn) -> tuple:
    """A one-agent config with random availability (some weekdays off), templates, contract and leave on any day,
    and a week of its candidate shifts, breaks anywhere on their grid."""
    template_list = (draw(templates("t1")), draw(templates("t2")))
    contract = draw(contracts(("t1", "t2")))
    availability = tuple(draw(st.sampled_from([None, TimeWindow(0, 24 * 60), TimeWindow(hm("06:00"), hm("14:00"))]))
                         for _ in range(7))
    leave = frozenset(MON + timedelta(days=d) for d in draw(st.sets(st.integers(0, 6), max_size=4)))
    config = make_config((agent(contract="c", availability=availability, time_off=leave),), (contract,),
                         template_list)
    return config, drawn_week(draw, config)


@SETTINGS
@given(case=leave_weeks())
def test_validator_and_solver_agree_on_random_leave(case: tuple, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Per rule that reads leave, the solver's fast check, its CP-SAT build and the independent validator agree
    on random weeks with random leave (on workable days or not)."""
    config, by_day = case
    path = tmp_path_factory.mktemp("leave") / "roster.csv"
    path.write_text(roster_csv(Roster(tuple(s for s in by_day if s is not None))), encoding="utf-8")
    broken = {v.rule for v in validate_roster(config, read_roster(path), MON)}
    facts = agent_week(config, WEEK, config.agents[0])
    for rule in LEAVE_RULES:
        kept = rule.keeps(facts, by_day)
        assert kept is _build_is_feasible(rule, config, by_day), rule.name
        assert kept is (rule.name not in broken), rule.name


@st.composite
def two_week_runs(draw: st.DrawFn) -> tuple:
    """One agent over a two-week horizon: random availability, at most 1-5 days in a row, leave on any of the 14
    days (and more on days it is not available), and a random choice of its workable days worked (a 9:00 day shift
    each)."""
    availability = tuple(draw(st.sampled_from([TimeWindow(0, 24 * 60), None, TimeWindow(0, 24 * 60)]))
                         for _ in range(7))
    contract = dataclasses.replace(LOOSE, max_consecutive_days=draw(st.integers(1, 5)),
                                   time_off_counts_as=draw(st.sampled_from(["worked_day", "credit_minimum"])))
    leave = frozenset(MON + timedelta(days=d) for d in draw(st.sets(st.integers(0, 13), max_size=6))
                      | draw(st.sets(st.sampled_from([d for d in range(14) if availability[d % 7] is None] or [0]))))
    plain = dataclasses.replace(DAY, breaks=())
    config = dataclasses.replace(make_config((agent(availability=availability, time_off=leave),), (contract,),
                                             (plain,)), weeks=2)
    worked = draw(st.sets(st.integers(0, 13), min_size=6))
    shifts = [ShiftAssignment("A1", MON + timedelta(days=d), "day", hm("09:00"), plain.length_minutes,
                              plain.paid_minutes, ()) for d in sorted(worked)
              if availability[d % 7] is not None and MON + timedelta(days=d) not in leave]
    return config, shifts


@SETTINGS
@given(case=two_week_runs())
def test_runs_across_the_boundary_agree_with_the_horizon_validator(case: tuple,
                                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    """The solver's runs of consecutive days (each week's rule, the carry-in into week 2 and the look-ahead to week
    2's leave from week 1) refuse a two-week roster exactly when the horizon validator finds a run too long."""
    config, shifts = case
    second = Week(MON + timedelta(days=7), WEEK.interval_minutes)
    kept = True
    before = past_shifts(s for s in shifts if s.date < second.start)
    for week, carried in ((WEEK, CarryIn(1, 2, {})), (second, carry_in(config, second, 2, MON, before))):
        facts = agent_week(dataclasses.replace(config, carry_in=carried), week, config.agents[0])
        by_day: list[ShiftAssignment | None] = [None] * 7
        for shift in shifts:
            if 0 <= (shift.date - week.start).days < 7:
                by_day[(shift.date - week.start).days] = shift
        kept &= max_consecutive_days.RULE.keeps(facts, by_day) and carry_days.RULE.keeps(facts, by_day)
    path = tmp_path_factory.mktemp("runs") / "roster.csv"
    path.write_text(roster_csv(Roster(tuple(shifts))), encoding="utf-8")
    found = [v for v in validate_horizon(config, read_roster(path), MON, 2) if v.rule == "max_consecutive_days"]
    assert kept is (not found), found


def test_leave_before_the_horizon_counts_in_the_seam_as_the_carry_in_counts_it(tmp_path: Path) -> None:
    """With ``--previous``: worked Tuesday to Saturday in the previous roster, on leave on the Sunday before the
    horizon (a workable day), then Monday worked is seven days in a row > 6. The solver's carry-in counts that
    Sunday (a run of six); the validator counted leave only inside the horizon and passed the roster."""
    agents = (TinyAgent("A0", "full_time", ("q1",), "", (SUNDAY_BEFORE,)),)
    plan, _ = _centre(tmp_path, agents=agents)
    config = load_config(plan)
    known_from = SUNDAY_BEFORE - timedelta(days=6)
    previous = _previous(tmp_path / "previous.csv", [("A0", SUNDAY_BEFORE - timedelta(days=d), "08:00", "16:00")
                                                     for d in range(1, 6)])
    past = [PastShift("A0", d, datetime.combine(d, time(8)), datetime.combine(d, time(16)), 450, False)
            for d in (SUNDAY_BEFORE - timedelta(days=k) for k in range(1, 6))]
    assert carry_in(config, Week(WEEK_START, 15), 1, known_from, past).of("A0").worked_run_days == 6
    horizon = _previous(tmp_path / "roster.csv", [("A0", WEEK_START, "08:00", "16:00")])
    found = validate_horizon(config, read_roster(horizon), WEEK_START, 1, previous)
    assert [v.rule for v in found if "across the week boundary" in v.detail] == ["max_consecutive_days"]
    # a run wholly in the previous roster (here across its own week boundary, leave counted) is not the horizon's
    before = _previous(tmp_path / "before.csv", [("A0", SUNDAY_BEFORE - timedelta(days=d), "08:00", "16:00")
                                                 for d in range(1, 10)])
    found = validate_horizon(config, read_roster(_previous(tmp_path / "empty.csv", [])), WEEK_START, 1, before)
    assert not [v for v in found if v.rule == "max_consecutive_days"]
    # without the previous roster the days before the horizon are unknown: the leave alone makes no run of seven
    alone = validate_horizon(config, read_roster(horizon), WEEK_START, 1)
    assert not [v for v in alone if "across the week boundary" in v.detail]
