"""Soft rule: start-time changes between consecutive worked days — model term, roster evaluation, solver."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from scheduler.domain.plan import Contract
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import consistent_start, one_shift_per_day
from scheduler.rostering.solve import evaluate, solve_roster
from tests.test_rules import WEEK, agent, hm, make_config, make_model, solve, work

FOUR_DAYS = Contract("four", 4 * 480, 4 * 480, 4, 0, 7, 20.0, ("day",))


def _config(weight: int):
    config = make_config(agents=(agent(contract="four"),), contracts=(FOUR_DAYS,))
    return replace(config, weights=replace(config.weights, start_change_hour=weight))


def test_no_term_when_weight_is_zero() -> None:
    assert consistent_start.build(make_model(_config(0))) == []


@pytest.mark.parametrize(("days", "minutes"), [
    ({0: "08:00", 1: "08:00", 2: "08:00", 3: "08:00"}, 0),
    ({0: "08:00", 1: "09:00", 2: "08:30", 3: "08:30"}, 90),
    ({0: "08:00", 2: "12:00", 4: "06:00", 6: "15:00"}, 0),  # no two consecutive days worked
    ({0: "08:00", 1: "12:00", 3: "06:00", 4: "15:00"}, 240 + 540),
])
def test_model_term_equals_roster_evaluation(days, minutes) -> None:
    config = _config(1)
    model = make_model(config)
    one_shift_per_day.build(model)
    (term,) = consistent_start.build(model)
    work(model, "A1", days)
    status, solver = solve(model)
    assert status == "FEASIBLE"
    assert solver.value(term.expression) == minutes  # minimised: the change variables sit at the differences


def test_solver_keeps_starts_steady_when_cover_allows() -> None:
    config = _config(5)
    required = np.zeros((1, WEEK.slot_count), int)
    required[0, WEEK.slot(0, hm("06:00")):WEEK.slot(0, hm("08:00"))] = 1  # Monday early needs the agent
    result = solve_roster(Instance(config, WEEK, required), time_limit_seconds=3, progress=None)
    starts = {WEEK.day_index(s.date): s.start_minute for s in result.roster.shifts}
    costs = {c.rule: c for c in evaluate(Instance(config, WEEK, required), result.roster)}
    minutes = consistent_start.amount(config, WEEK, result.roster.shifts)
    assert minutes == costs["start_changes"].amount * 60
    assert costs["start_changes"].amount == 0, starts
