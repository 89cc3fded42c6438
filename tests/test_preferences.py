"""Soft rule: agents' requests (day off, day on, preferred start) — parsing, the model's penalty, the roster
evaluation agreeing with it, and the solver honouring requests when nothing else is at stake."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from scheduler.domain.plan import Contract, Preference, TimeWindow
from scheduler.errors import InputError
from scheduler.io.agents_csv import load_agents, parse_preferences
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import one_shift_per_day, preferences
from scheduler.rostering.solve import evaluate, solve_roster
from tests.test_rules import MON, WEEK, agent, hm, make_config, make_model, solve, work

FOUR_DAYS = Contract("four", 4 * 480, 4 * 480, 4, 0, 7, 20.0, ("day",))


def test_parse_all_kinds() -> None:
    parsed = parse_preferences("off fri; on 2026-04-04 x3; start 08:00-10:00 x2; start mon 09:00-09:30")
    assert parsed == (
        Preference("off", 4, None, None, 1),
        Preference("on", None, date(2026, 4, 4), None, 3),
        Preference("start", None, None, TimeWindow(hm("08:00"), hm("10:00")), 2),
        Preference("start", 0, None, TimeWindow(hm("09:00"), hm("09:30")), 1),
    )
    assert parse_preferences("") == ()


@pytest.mark.parametrize("text", ["nap mon", "off", "off funday", "off mon x0", "off mon xx", "start 10:00",
                                  "on 2026-13-01", "off mon tue"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_preferences(text)


def test_agents_csv_error_names_row(tmp_path: Path) -> None:
    path = tmp_path / "agents.csv"
    path.write_text("agent_id,contract,skills,availability,time_off,preferences\n"
                    "A1,four,sales,,,off fri\nA2,four,sales,,,off someday\n")
    with pytest.raises(InputError, match=r"agents.csv row 3: preferences"):
        load_agents(path, {"sales"}, {"four"})
    path.write_text("agent_id,contract,skills\nA1,four,sales\n")
    assert load_agents(path, {"sales"}, {"four"})[0].preferences == ()


def _config(*prefs: Preference):
    return make_config(agents=(replace(agent(contract="four"), preferences=prefs),), contracts=(FOUR_DAYS,))


@pytest.mark.parametrize(("prefs", "days", "expected"), [
    ((Preference("off", 0, None, None, 5),), {0: "08:00", 1: "08:00", 2: "08:00", 3: "08:00"}, 5),
    ((Preference("off", 0, None, None, 5),), {1: "08:00", 2: "08:00", 3: "08:00", 4: "08:00"}, 0),
    ((Preference("on", None, MON, None, 2),), {1: "08:00", 2: "08:00", 3: "08:00", 4: "08:00"}, 2),
    ((Preference("start", None, None, TimeWindow(hm("08:00"), hm("09:00")), 1),),
     {0: "08:00", 1: "08:30", 2: "09:00", 3: "10:00"}, 2),
])
def test_model_term_equals_roster_evaluation(prefs, days, expected, tmp_path: Path) -> None:
    config = _config(*prefs)
    model = make_model(config)
    one_shift_per_day.build(model)
    (term,) = preferences.build(model)
    work(model, "A1", days)
    status, solver = solve(model)
    assert status == "FEASIBLE"
    assert solver.value(term.expression) == expected
    free = Instance(config, WEEK, np.zeros((1, WEEK.slot_count), int))
    result = solve_roster(free, time_limit_seconds=2, progress=None)
    assert preferences.amount(config, WEEK, result.roster.shifts) == 0  # the solver meets them when free to


def test_solver_honours_requests_and_reports_them() -> None:
    prefs = (Preference("off", 0, None, None, 1), Preference("off", 1, None, None, 1),
             Preference("start", None, None, TimeWindow(hm("10:00"), hm("10:30")), 1))
    config = _config(*prefs)
    required = np.zeros((1, WEEK.slot_count), int)
    result = solve_roster(Instance(config, WEEK, required), time_limit_seconds=3, progress=None)
    days = sorted(WEEK.day_index(s.date) for s in result.roster.shifts)
    assert days and 0 not in days and 1 not in days
    assert all(s.start_minute == hm("10:00") for s in result.roster.shifts)
    costs = {c.rule: c for c in evaluate(Instance(config, WEEK, required), result.roster)}
    assert costs["preferences"].amount == 0
    assert {c.rule for c in result.costs} >= {"preferences"}


def test_unmet_request_is_costed_when_cover_needs_the_day() -> None:
    config = replace(_config(Preference("off", 0, None, None, 1)),
                     contracts=(replace(FOUR_DAYS, min_weekly_minutes=0),))
    required = np.zeros((1, WEEK.slot_count), int)
    required[0, WEEK.slot(0, hm("09:00")):WEEK.slot(0, hm("12:00"))] = 1  # Monday morning needs the agent
    result = solve_roster(Instance(config, WEEK, required), time_limit_seconds=3, progress=None)
    costs = {c.rule: c for c in result.costs}
    assert 0 in {WEEK.day_index(s.date) for s in result.roster.shifts}
    assert costs["preferences"].amount == 1 and costs["preferences"].penalty == 50
