"""The weekday-gap diagnosis (``benchmarks/weekday_gap.py``, README "Where the weekday gap is"): the LP's plan it
reads adds up to the LP's own bound, the roster's to the roster's objective, the day re-planned with who works it
fixed moves the times of that day's agents only, never who works, and an exchange of two days moves worked days
between them."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from scheduler.domain.roster import Roster
from scheduler.rostering import solve
from scheduler.rostering.search.lower_bound import solve_aggregate
from tests.test_day_replan import MONDAY, STUCK, _instance, _shift
from tests.test_rules import TUE

_BENCHMARKS = str(Path(__file__).resolve().parents[1] / "benchmarks")
sys.path.insert(0, _BENCHMARKS)  # (the benchmark imports the script beside it, as when run from its folder)
try:
    weekday_gap = importlib.import_module("weekday_gap")
finally:
    sys.path.remove(_BENCHMARKS)


def _cost(instance, plan) -> float:
    weights = instance.config.weights
    return float(weights.understaffed_agent_interval * plan["under"].sum()
                 + weights.overstaffed_agent_interval * plan["over"].sum() + weights.paid_hour * plan["paid"].sum())


def test_the_lp_plan_adds_up_to_the_lp_bound() -> None:
    instance = _instance()
    plan, shifts = weekday_gap._lp_plan(instance)
    aggregate = solve_aggregate(instance)
    assert aggregate is not None
    assert _cost(instance, plan) == pytest.approx(aggregate.bound, abs=0.05)
    assert sum(shifts.values()) == pytest.approx(sum(
        sum(day) for p in aggregate.plans for day in p.shift_weights))


def test_the_roster_plan_adds_up_to_its_objective() -> None:
    instance = _instance()
    assert _cost(instance, weekday_gap._roster_plan(instance, STUCK)) == pytest.approx(
        solve._total(solve.evaluate(instance, STUCK)))


def test_a_day_with_who_works_fixed_moves_times_only() -> None:
    """A works Monday at 10:30 (past the sales requirement's end at 18:30) and B is off: with who works fixed, A's
    Monday moves earlier and B stays off; the full re-plan (``solve.replan_day``) would also bring B in."""
    instance = _instance()
    late = Roster((_shift("A", MONDAY, "10:30"), _shift("A", TUE, "06:00")))
    result = weekday_gap._days_with_workers_fixed(instance, late, (MONDAY,), seconds=10.0)
    assert result["status"] == "OPTIMAL" and result["agents"] == 1 and result["found"] < 0
    assert result["bound_below_found"] == pytest.approx(0.0)
    # STUCK's Monday (A at 10:00) cannot be improved with A alone: optimal for who works it (only B's shift helps)
    stuck = weekday_gap._days_with_workers_fixed(instance, STUCK, (MONDAY,), seconds=10.0)
    assert stuck["status"] == "OPTIMAL" and stuck["found"] == 0.0


def test_an_exchange_moves_worked_days_between_the_days_freed() -> None:
    """B works Wednesday, when nothing is needed: on Wednesday alone nothing helps, while Monday and Wednesday
    freed together let B's worked day move to Monday (A to support at 06:00, B to sales at 10:00)."""
    instance = _instance()
    wednesday = 2
    roster = Roster((_shift("A", MONDAY, "10:00"), _shift("A", TUE, "06:00"), _shift("B", wednesday, "10:00")))
    alone = weekday_gap._days_with_workers_fixed(instance, roster, (wednesday,), seconds=10.0)
    assert alone["status"] == "OPTIMAL" and alone["found"] == 0.0
    together = weekday_gap._days_with_workers_fixed(instance, roster, (MONDAY, wednesday), seconds=10.0)
    assert together["status"] == "OPTIMAL" and together["agents"] == 2
    assert together["found"] < -1000  # (at least one under-staffed agent-interval saved)
    assert together["days"] == "mon+wed"
