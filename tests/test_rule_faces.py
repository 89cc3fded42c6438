"""Tests that catch a missed face of a labour rule.

- per rule, differential: the rule's fast check (``LabourRule.keeps``) accepts a pinned week exactly when the
  rule's CP-SAT ``build`` is feasible with that week pinned (hypothesis-generated contracts, leave and weeks);
- end to end: small random centres (2-5 agents, random values for every contract field and template) planned on
  a tiny deterministic budget; then the independent validator finds no violation, or the pre-checks refused
  the instance (``InfeasibleError``).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from scheduler.domain.plan import BreakRule, Contract, ShiftTemplate
from scheduler.domain.roster import BreakAssignment, ShiftAssignment, roster_csv
from scheduler.domain.shifts import shift_options
from scheduler.errors import InfeasibleError
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import RosterModel
from scheduler.rostering.rules import AGENT_RULES, LabourRule, agent_week
from scheduler.rostering.solve import solve_roster
from scheduler.validation.validate import read_roster, validate_roster
from tests.test_rules import ANY_TIME, MON, WEEK, agent, hm, make_config
from tests.test_rules import LOOSE as LOOSE_CONTRACT

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _clock(low: str, high: str, step: int = 30) -> st.SearchStrategy[int]:
    return st.integers(hm(low) // step, hm(high) // step).map(lambda n: n * step)


@st.composite
def templates(draw: st.DrawFn, template_id: str) -> ShiftTemplate:
    length = draw(st.sampled_from([240, 360, 480, 510, 600]))
    earliest = draw(_clock("00:00", "16:00"))
    latest = min(earliest + draw(st.sampled_from([0, 60, 120, 240])), 24 * 60 - length)
    latest = max(latest, earliest) if earliest + length <= 24 * 60 else earliest
    breaks = []
    if length >= 360 and draw(st.booleans()):
        breaks.append(BreakRule("break1", "break", 15, True, 60, 150))
        if length >= 480 and draw(st.booleans()):
            breaks.append(BreakRule("lunch", "lunch", 30, draw(st.booleans()), 120, 240))  # may crowd break1
    weekdays = tuple(sorted(draw(st.sets(st.integers(0, 6), min_size=1))))
    return ShiftTemplate(template_id, length, earliest, max(earliest, latest), 30, weekdays, tuple(breaks),
                         draw(st.sampled_from([0, 30, 60])))


@st.composite
def contracts(draw: st.DrawFn, template_ids: tuple[str, ...], loose: bool = False) -> Contract:
    """Every field random; ``loose`` keeps the minimums low so that most centres can be rostered."""
    max_days = draw(st.integers(3 if loose else 1, 7))
    max_hours = draw(st.integers(20 if loose else 4, 60))
    earliest = draw(st.none() | _clock("00:00", "12:00"))
    latest = draw(st.none() | _clock("14:00", "24:00"))
    return Contract(
        "c", min_weekly_minutes=60 * draw(st.integers(0, max_hours // 4 if loose else max_hours)),
        max_weekly_minutes=60 * max_hours,
        max_days_per_week=max_days, min_rest_minutes=30 * draw(st.integers(0, 28)),
        max_consecutive_days=draw(st.integers(1, 7)), hourly_cost=20.0, template_ids=template_ids,
        min_days_per_week=draw(st.integers(0, 1 if loose else max_days)),
        min_consecutive_days_off=draw(st.integers(1, 2 if loose else 4)),
        max_weekend_days=draw(st.integers(0, 2)), earliest_start_minute=earliest,
        latest_end_minute=None if latest is None or (earliest is not None and latest <= earliest) else latest,
        max_late_shifts_per_week=draw(st.none() | st.integers(0, 4)),
        late_shift_start_minute=draw(_clock("10:00", "18:00")),
        time_off_counts_as=draw(st.sampled_from(["worked_day", "credit_minimum"])))


def _leave(draw: st.DrawFn) -> frozenset:
    return frozenset(MON + timedelta(days=d) for d in draw(st.sets(st.integers(0, 6), max_size=3)))


def drawn_week(draw: st.DrawFn, config) -> list[ShiftAssignment | None]:
    """A week of the config's one agent, per day none or one of its candidate shifts, breaks anywhere on their
    grid."""
    who = config.agents[0]
    week: list[ShiftAssignment | None] = []
    for day in range(7):
        options = shift_options(config, who, WEEK, day)
        if not options or draw(st.booleans()):
            week.append(None)
            continue
        option = draw(st.sampled_from(options))
        breaks = tuple(BreakAssignment(r.kind, option.start_minute + draw(st.sampled_from(
            range(r.earliest_after_start_minutes, r.latest_after_start_minutes + 1, config.interval_minutes))),
            r.minutes) for r in option.template.breaks)
        week.append(ShiftAssignment(who.agent_id, WEEK.day(day), option.template.template_id, option.start_minute,
                                    option.template.length_minutes, option.paid_minutes, breaks))
    return week


@st.composite
def pinned_weeks(draw: st.DrawFn) -> tuple:
    """A one-agent config and a week of candidate shifts for it, breaks anywhere on their grid."""
    template_list = (draw(templates("t1")), draw(templates("t2")))
    contract = draw(contracts(("t1", "t2")))
    config = make_config((agent(contract="c", time_off=_leave(draw)),), (contract,), template_list)
    return config, drawn_week(draw, config)


def _build_is_feasible(rule: LabourRule, config, week: list[ShiftAssignment | None]) -> bool:
    who = config.agents[0]
    model = RosterModel(Instance(config, WEEK, np.zeros((1, WEEK.slot_count), int)), agents=[who])
    rule.build(model)
    for agent_day in model.days_of(who):
        assert model.fix_shift(agent_day, week[agent_day.day_index])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model.cp)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE)
    return status != cp_model.INFEASIBLE


@pytest.mark.parametrize("rule", AGENT_RULES, ids=[r.name for r in AGENT_RULES])
@SETTINGS
@given(case=pinned_weeks())
def test_fast_check_agrees_with_the_model(rule: LabourRule, case: tuple) -> None:
    config, week = case
    assert rule.keeps(agent_week(config, WEEK, config.agents[0]), week) is _build_is_feasible(rule, config, week)


@pytest.mark.parametrize("rule", AGENT_RULES, ids=[r.name for r in AGENT_RULES])
@SETTINGS
@given(case=pinned_weeks())
def test_incremental_check_agrees_with_the_whole_week(rule: LabourRule, case: tuple) -> None:
    """``keeps_change`` (a week that kept the rule with a day off on ``day``, now with that day's shift)
    answers like ``keeps`` on the whole week."""
    config, week = case
    facts = agent_week(config, WEEK, config.agents[0])
    for day, shift in enumerate(week):
        before = [None if d == day else s for d, s in enumerate(week)]
        if shift is not None and rule.keeps(facts, before):
            assert rule.keeps_change(facts, week, day) is rule.keeps(facts, week)


@st.composite
def centres(draw: st.DrawFn):
    template_list = (draw(templates("t1")), draw(templates("t2")))
    contract_list = (dataclasses.replace(draw(contracts(("t1", "t2"), loose=True)), contract_id="a"),
                     dataclasses.replace(draw(contracts(("t1",), loose=True)), contract_id="b"))
    agents = tuple(dataclasses.replace(agent(f"A{i}", time_off=_leave(draw),
                                             availability=ANY_TIME), contract_id=draw(st.sampled_from("ab")))
                   for i in range(draw(st.integers(2, 5))))
    cap = draw(st.none() | st.integers(1, 3))
    config = dataclasses.replace(make_config(agents, contract_list, template_list), max_agents_on_break=cap)
    req = np.zeros((1, WEEK.slot_count), int)
    for day in range(7):
        first, last = sorted((draw(_clock("06:00", "23:00", 60)), draw(_clock("06:00", "23:00", 60))))
        req[0, WEEK.slot(day, first):WEEK.slot(day, last + 60)] = draw(st.integers(1, 3))
    return config, req


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(case=centres())
def test_random_centres_end_valid_or_refused(case: tuple, tmp_path: Path) -> None:
    config, req = case
    try:
        result = solve_roster(Instance(config, WEEK, req), time_limit_seconds=0.5, progress=None)
    except InfeasibleError:
        return
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(result.roster), encoding="utf-8")
    assert validate_roster(config, read_roster(path), MON) == []


@pytest.mark.parametrize("rest_hours", [10, 11, 12])
def test_fast_check_at_the_rest_boundary(rest_hours: int) -> None:
    """Random weeks rarely rest exactly the minimum: the boundary pinned by hand (a shift ending 22:00, the
    next starting 09:00, 11 h of rest)."""
    from scheduler.rostering.rules import min_rest
    from tests.test_rules import DAY

    contract = dataclasses.replace(LOOSE_CONTRACT, min_rest_minutes=rest_hours * 60)
    config = make_config((agent(),), (contract,), (DAY,))
    week: list[ShiftAssignment | None] = [None] * 7
    for day, start in ((0, "13:30"), (1, "09:00")):  # 8.5 h: 13:30-22:00
        week[day] = ShiftAssignment("A1", WEEK.day(day), "day", hm(start), DAY.length_minutes, DAY.paid_minutes, ())
    kept = min_rest.RULE.keeps(agent_week(config, WEEK, config.agents[0]), week)
    assert kept is (rest_hours <= 11) is _build_is_feasible(min_rest.RULE, config, week)
