"""Soft rule: weekend days and late shifts beyond each agent's fair share cost — config, term, solver."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from scheduler.demo.example import generate_example
from scheduler.domain.plan import Contract, Fairness
from scheduler.errors import InputError
from scheduler.io.config import load_config
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import fairness, one_shift_per_day
from scheduler.rostering.solve import evaluate, solve_roster
from tests.test_rules import SAT, SUN, WEEK, agent, hm, make_config, make_model, solve, work

TWO_DAYS = Contract("two", 2 * 480, 2 * 480, 2, 0, 7, 20.0, ("day",))


def _config(share: Fairness | None):
    config = make_config(agents=(agent("A1", contract="two"), agent("A2", contract="two")), contracts=(TWO_DAYS,))
    return replace(config, fairness=share)


def test_config_section(tmp_path: Path) -> None:
    plan = generate_example(tmp_path / "c", agents=10, weeks=3)
    text = plan.read_text()
    plan.write_text(text + "fairness:\n  late_shift_ends_after: \"19:30\"\n  fair_weekend_days: 1\n")
    assert load_config(plan).fairness == Fairness(hm("19:30"), 7, 1)
    plan.write_text(text + "fairness:\n  fair_weekend_days: 3\n")
    with pytest.raises(InputError, match=r"fairness.fair_weekend_days must be <= 2, got 3"):
        load_config(plan)
    plan.write_text(text)
    assert load_config(plan).fairness is None


@pytest.mark.parametrize(("days", "expected"), [
    ({0: "08:00", SAT: "08:00"}, 0),
    ({SAT: "08:00", SUN: "08:00"}, 1),                       # two weekend days, fair share one
    ({0: "14:00", 1: "14:00"}, 1),                           # ends 22:30 twice, fair share one late shift
    ({SAT: "15:00", SUN: "15:00"}, 2),
])
def test_model_term_equals_roster_evaluation(days, expected) -> None:
    config = _config(Fairness(hm("20:00"), 1, 1))
    model = make_model(config)
    one_shift_per_day.build(model)
    (term,) = fairness.build(model)
    work(model, "A1", days)
    work(model, "A2", {})
    status, solver = solve(model)
    assert status == "FEASIBLE"
    assert solver.value(term.expression) == expected


def test_weekend_days_are_shared() -> None:
    config = _config(Fairness(hm("23:59"), 7, 1))
    required = np.zeros((1, WEEK.slot_count), int)
    for day in (SAT, SUN):
        required[0, WEEK.slot(day, hm("14:00")):WEEK.slot(day, hm("16:00"))] = 1  # clear of any break window
    result = solve_roster(Instance(config, WEEK, required), time_limit_seconds=3, progress=None)
    weekend = {a: sum(1 for s in result.roster.shifts if s.agent_id == a and s.date.weekday() >= 5)
               for a in ("A1", "A2")}
    assert weekend == {"A1": 1, "A2": 1}
    costs = {c.rule: c for c in evaluate(Instance(config, WEEK, required), result.roster)}
    assert costs["fairness"].amount == 0 and costs["understaffing"].amount == 0


def test_rule_off_without_section() -> None:
    assert fairness.build(make_model(_config(None))) == []
