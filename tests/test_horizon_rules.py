"""The cross-week rules (``carry_rest``, ``carry_days``, ``horizon_weekends``, ``average_hours``): every face
agrees with the CP-SAT build on random carried-in states (the differential pattern of ``test_rule_faces``), and
small cases pinned by hand."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domain.horizon import AgentCarry, CarryIn
from scheduler.domain.roster import ShiftAssignment
from scheduler.rostering.rules import LabourRule, agent_week, average_hours, carry_days, carry_rest, horizon_weekends
from tests.test_rule_faces import SETTINGS, _build_is_feasible, pinned_weeks
from tests.test_rules import DAY, FRI, LOOSE, THU, TUE, WED, WEEK, agent, hm, make_config

# Fewer examples than test_rule_faces: the same faces over 4 rules, within the suite's time budget.
FEW = settings(SETTINGS, max_examples=15)
HORIZON_RULES = (carry_rest.RULE, carry_days.RULE, horizon_weekends.RULE, average_hours.RULE)


@st.composite
def carried_weeks(draw: st.DrawFn) -> tuple:
    """A pinned one-agent week (``test_rule_faces.pinned_weeks``) with random horizon keys and carry-in."""
    config, week = draw(pinned_weeks())
    weeks = draw(st.integers(1, 6))
    contract = config.contracts[0]
    average = draw(st.none() | st.integers(contract.min_weekly_minutes // 60, contract.max_weekly_minutes // 60))
    contract = dataclasses.replace(
        contract, max_weekends_in_horizon=draw(st.none() | st.integers(0, weeks)),
        max_consecutive_weekends=draw(st.none() | st.integers(1, 3)),
        average_weekly_minutes=None if average is None else 60 * average,
        average_tolerance_minutes=60 * draw(st.integers(0, 8)))
    state = AgentCarry(
        last_end_minute=draw(st.none() | st.integers(-36, 4).map(lambda n: n * 60)),
        worked_run_days=draw(st.integers(0, 8)), off_run_days=draw(st.none() | st.integers(0, 4)),
        weekend_run=draw(st.integers(0, 3)), weekends_worked=draw(st.integers(0, weeks)),
        paid_minutes=60 * draw(st.integers(0, 40 * (weeks - 1))))
    number = draw(st.integers(1, weeks))
    carry = CarryIn(number, weeks, {config.agents[0].agent_id: state})
    return dataclasses.replace(config, contracts=(contract,), weeks=weeks, carry_in=carry), week


@pytest.mark.parametrize("rule", HORIZON_RULES, ids=[r.name for r in HORIZON_RULES])
@FEW
@given(case=carried_weeks())
def test_fast_check_agrees_with_the_model(rule: LabourRule, case: tuple) -> None:
    config, week = case
    assert rule.keeps(agent_week(config, WEEK, config.agents[0]), week) is _build_is_feasible(rule, config, week)


@pytest.mark.parametrize("rule", HORIZON_RULES, ids=[r.name for r in HORIZON_RULES])
@FEW
@given(case=carried_weeks())
def test_incremental_check_agrees_with_the_whole_week(rule: LabourRule, case: tuple) -> None:
    config, week = case
    facts = agent_week(config, WEEK, config.agents[0])
    for day, shift in enumerate(week):
        before = [None if d == day else s for d, s in enumerate(week)]
        if shift is not None and rule.keeps(facts, before):
            assert rule.keeps_change(facts, week, day) is rule.keeps(facts, week)


def _week_of(config, starts: dict[int, str]) -> list[ShiftAssignment | None]:
    return [None if d not in starts else ShiftAssignment("A1", WEEK.day(d), "day", hm(starts[d]), DAY.length_minutes,
                                                         480, ()) for d in range(7)]


def _carried(contract=LOOSE, **state: int | None) -> object:
    config = make_config((agent(),), (contract,))
    return dataclasses.replace(config, weeks=2, carry_in=CarryIn(2, 2, {"A1": AgentCarry(**state)}))  # type: ignore


def test_rest_after_sunday_late_shift() -> None:
    """Sunday's shift ended 22:00 (-120 min), 11 h rest: Monday 09:00 is the earliest start."""
    config = _carried(dataclasses.replace(LOOSE, min_rest_minutes=660), last_end_minute=-120)
    facts = agent_week(config, WEEK, config.agents[0])
    for start, kept in (("08:30", False), ("09:00", True)):
        week = _week_of(config, {0: start})
        assert carry_rest.RULE.keeps(facts, week) is kept is _build_is_feasible(carry_rest.RULE, config, week)


def test_consecutive_days_counted_from_last_week() -> None:
    """Five days worked before the week, at most six in a row: Monday may be worked, not Monday and Tuesday."""
    config = _carried(dataclasses.replace(LOOSE, max_consecutive_days=6), worked_run_days=5)
    facts = agent_week(config, WEEK, config.agents[0])
    assert carry_days.RULE.keeps(facts, _week_of(config, {0: "08:00", 2: "08:00"}))
    assert not carry_days.RULE.keeps(facts, _week_of(config, {0: "08:00", 1: "08:00"}))


def test_a_monday_off_after_a_worked_sunday_is_a_run_of_days_off_too() -> None:
    """Sunday worked, at least two days off in a row: Monday off then Tuesday worked is one day off between
    working days across the boundary (the validator's finding on 7 agents of a two-week plan, 274006)."""
    config = _carried(dataclasses.replace(LOOSE, min_consecutive_days_off=2), worked_run_days=1, off_run_days=0)
    facts = agent_week(config, WEEK, config.agents[0])
    for starts, kept in (({1: "08:00"}, False), ({0: "08:00", 1: "08:00"}, True), ({2: "08:00"}, True),
                         ({0: "08:00", 2: "08:00"}, True)):  # (Monday worked, Tuesday off: the week's own rule)
        week = _week_of(config, starts)
        assert carry_days.RULE.keeps(facts, week) is kept is _build_is_feasible(carry_days.RULE, config, week)


def test_days_off_run_finished_across_the_boundary() -> None:
    """One day off before the week, at least two in a row: Monday stays off."""
    config = _carried(dataclasses.replace(LOOSE, min_consecutive_days_off=2), off_run_days=1)
    facts = agent_week(config, WEEK, config.agents[0])
    assert not carry_days.RULE.keeps(facts, _week_of(config, {0: "08:00"}))
    assert carry_days.RULE.keeps(facts, _week_of(config, {1: "08:00"}))


def test_leave_after_the_week_ends_the_run_early() -> None:
    """Six days at most in a row, leave counted as worked on the next week's Monday and Tuesday: Wednesday to
    Sunday cannot all be worked (7 days in a row with the leave); with the leave not counted they can."""
    from datetime import timedelta
    leave = frozenset({WEEK.start + timedelta(days=7), WEEK.start + timedelta(days=8)})
    for counts_as, kept in (("worked_day", False), ("credit_minimum", True)):
        contract = dataclasses.replace(LOOSE, max_consecutive_days=6, time_off_counts_as=counts_as)
        config = dataclasses.replace(make_config((agent(time_off=leave),), (contract,)), weeks=2,
                                     carry_in=CarryIn(1, 2, {}))
        facts = agent_week(config, WEEK, config.agents[0])
        assert carry_days.RULE.keeps(facts, _week_of(config, {d: "08:00" for d in range(2, 7)})) is kept
        assert carry_days.RULE.keeps(facts, _week_of(config, {d: "08:00" for d in range(2, 6)}))
        assert _build_is_feasible(carry_days.RULE, config, _week_of(config, {d: "08:00" for d in range(2, 7)})) is kept


def test_every_other_weekend() -> None:
    config = _carried(dataclasses.replace(LOOSE, max_consecutive_weekends=1), weekend_run=1)
    facts = agent_week(config, WEEK, config.agents[0])
    assert not horizon_weekends.RULE.keeps(facts, _week_of(config, {5: "08:00"}))
    assert horizon_weekends.RULE.keeps(facts, _week_of(config, {4: "08:00"}))


def test_average_leaves_the_last_week_what_it_needs() -> None:
    """40 h on average over 2 weeks, 32-48 h a week, 8-h days: after 48 h, week 2 must pay exactly 32 h."""
    contract = dataclasses.replace(LOOSE, min_weekly_minutes=32 * 60, max_weekly_minutes=48 * 60,
                                   average_weekly_minutes=40 * 60)
    config = _carried(contract, paid_minutes=48 * 60)
    facts = agent_week(config, WEEK, config.agents[0])
    assert average_hours.allowed_totals(facts) == frozenset({32 * 60})
    assert average_hours.RULE.keeps(facts, _week_of(config, {d: "08:00" for d in range(4)}))
    assert not average_hours.RULE.keeps(facts, _week_of(config, {d: "08:00" for d in range(5)}))


def test_leave_counts_towards_the_average_as_worked_days() -> None:
    """40 h on average over 2 weeks, 32-48 h and 5 days a week, 8-h days, three days of leave in week 2: with
    ``worked_day`` the leave is 3 x 8 h paid and week 2 can pay only 16 h (2 days), so week 1 pays 40 h; with
    ``credit_minimum`` week 2 pays at most 32 h (4 days) and no week 1 (at most 40 h) makes up the average."""
    from datetime import timedelta
    contract = dataclasses.replace(LOOSE, min_weekly_minutes=32 * 60, max_weekly_minutes=48 * 60, max_days_per_week=5,
                                   average_weekly_minutes=40 * 60)
    leave = frozenset(WEEK.start + timedelta(days=7 + d) for d in range(3))
    for counts_as, expected in (("worked_day", {40}), ("credit_minimum", set())):
        config = dataclasses.replace(make_config((agent(time_off=leave),),
                                                 (dataclasses.replace(contract, time_off_counts_as=counts_as),)),
                                     weeks=2)
        facts = agent_week(config, WEEK, config.agents[0])
        assert average_hours.allowed_totals(facts) == frozenset(60 * h for h in expected), counts_as


def test_an_average_no_week_pattern_meets_is_named() -> None:
    contract = dataclasses.replace(LOOSE, min_weekly_minutes=32 * 60, max_weekly_minutes=48 * 60,
                                   average_weekly_minutes=39 * 60)
    config = dataclasses.replace(make_config((agent(),), (contract,)), weeks=3)
    (line,) = average_hours.average_conflicts(config)
    assert "contracts[0].average_weekly_hours 39" in line and "nearest average" in line
    assert average_hours.average_conflicts(dataclasses.replace(config, contracts=(dataclasses.replace(
        contract, average_tolerance_minutes=60),))) == []


def test_fairness_counts_the_horizon_shares() -> None:
    """One fair weekend day a week; two worked in week 1: a Saturday in week 2 is one over the two shares, and
    the model's term says the same as ``amount``."""
    import numpy as np
    from ortools.sat.python import cp_model

    from scheduler.domain.plan import Fairness
    from scheduler.rostering.instance import Instance
    from scheduler.rostering.model import RosterModel
    from scheduler.rostering.rules import fairness

    config = dataclasses.replace(_carried(weekend_days=2), fairness=Fairness(19 * 60, 7, 1))  # type: ignore
    week = _week_of(config, {5: "08:00"})
    assert fairness.amount(config, WEEK, [s for s in week if s is not None]) == 1
    assert fairness.amount(dataclasses.replace(config, carry_in=None), WEEK, [s for s in week if s]) == 0
    model = RosterModel(Instance(config, WEEK, np.zeros((1, WEEK.slot_count), int)), agents=list(config.agents))
    (term,) = fairness.build(model)
    for agent_day in model.days_of(config.agents[0]):
        assert model.fix_shift(agent_day, week[agent_day.day_index])
    model.cp.minimize(term.expression)
    solver = cp_model.CpSolver()
    assert solver.solve(model.cp) == cp_model.OPTIMAL and solver.objective_value == 1


def test_leave_that_ends_the_last_week_starts_the_run() -> None:
    """Leave counted as worked on the Sunday before the week, at most five days in a row: Monday to Friday worked
    makes six with it (the validator counts that run across the boundary); the carry-in once started the run at
    zero because no day of it was worked, and a four-week plan was rejected with 9 such violations."""
    from datetime import timedelta

    from scheduler.rostering.carry_in import carry_in

    sunday, known_from = WEEK.start - timedelta(days=1), WEEK.start - timedelta(days=7)
    contract = dataclasses.replace(LOOSE, max_consecutive_days=5)
    config = dataclasses.replace(make_config((agent(time_off=frozenset({sunday})),), (contract,)), weeks=2)
    carried = carry_in(config, WEEK, 2, known_from, [])
    assert carried.of("A1").worked_run_days == 1
    config = dataclasses.replace(config, carry_in=carried)
    facts = agent_week(config, WEEK, config.agents[0])
    assert not carry_days.RULE.keeps(facts, _week_of(config, {d: "08:00" for d in range(5)}))
    assert carry_days.RULE.keeps(facts, _week_of(config, {d: "08:00" for d in range(1, 6)}))


@pytest.mark.parametrize("side", ["before", "after"])
def test_leave_at_the_boundary_carries_the_run_to_the_first_day_worked(side: str) -> None:
    """At most five days in a row, leave counted as worked from Friday to Wednesday across the boundary: Thursday
    worked makes a run of seven, and the validator counts it so. The window of days that cannot all be worked was
    the week's first three, all leave, so it stopped nothing; it now reaches the first day not on leave. The same at
    the week's end: leave from Thursday to the next Tuesday makes Wednesday the day that cannot be worked."""
    from datetime import timedelta

    from scheduler.validation.validate import _max_consecutive_days

    contract = dataclasses.replace(LOOSE, max_consecutive_days=5)
    if side == "before":
        leave = frozenset(WEEK.start + timedelta(days=d) for d in range(-3, 3))  # Friday before .. Wednesday
        state, first, later = AgentCarry(worked_run_days=3), THU, FRI
    else:
        leave = frozenset(WEEK.start + timedelta(days=d) for d in range(3, 9))  # Thursday .. the next Tuesday
        state, first, later = AgentCarry(), WED, TUE
    config = dataclasses.replace(make_config((agent(time_off=leave),), (contract,)), weeks=2,
                                 carry_in=CarryIn(2 if side == "before" else 1, 2, {"A1": state}))
    facts = agent_week(config, WEEK, config.agents[0])
    assert _max_consecutive_days(config.agents[0], contract, [WEEK.day(first)], sorted(leave))  # the validator
    assert not carry_days.RULE.keeps(facts, _week_of(config, {first: "08:00"}))
    assert not _build_is_feasible(carry_days.RULE, config, _week_of(config, {first: "08:00"}))
    assert carry_days.RULE.keeps(facts, _week_of(config, {later: "08:00"}))
    assert not _max_consecutive_days(config.agents[0], contract, [WEEK.day(later)], sorted(leave))


def test_the_weekend_rule_names_only_the_keys_the_contract_sets() -> None:
    config = _carried(dataclasses.replace(LOOSE, max_consecutive_weekends=1), weekend_run=1)
    assert horizon_weekends.RULE.describe(agent_week(config, WEEK, config.agents[0])) == "max_consecutive_weekends 1"
