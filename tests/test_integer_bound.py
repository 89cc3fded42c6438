"""The integer aggregate bound (``search.integer_bound``): between the LP's bound and a proven optimum."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from ortools.linear_solver import pywraplp

from scheduler.domain.plan import BreakRule, ShiftTemplate, TimeWindow
from scheduler.rostering.instance import Instance
from scheduler.rostering.search.integer_bound import _reported, integer_aggregate
from scheduler.rostering.search.lower_bound import aggregate_lower_bound
from tests.test_lower_bound import _optimum
from tests.test_rules import LOOSE, WEEK, agent, hm, make_config

pytestmark = pytest.mark.skipif(pywraplp.Solver.CreateSolver("HIGHS") is None,
                                reason="this OR-Tools build has no HiGHS")


def _two_days(seed: int) -> Instance:
    """The small random two-day weeks of ``test_lower_bound`` (CP-SAT proves their optimum within seconds)."""
    rng = np.random.default_rng(seed)
    short = ShiftTemplate("short", 300, hm("08:00"), hm("12:00"), 120, tuple(range(7)),
                          (BreakRule("break", "break", 15, True, 60, 120),
                           BreakRule("lunch", "lunch", 30, False, 150, 210)), 30)
    contract = dataclasses.replace(LOOSE, contract_id="pt", template_ids=("short",), min_weekly_minutes=int(
        rng.integers(0, 2)) * short.paid_minutes, max_days_per_week=int(rng.integers(1, 3)), min_rest_minutes=12 * 60,
        max_consecutive_days=int(rng.integers(2, 4)))
    two_days = (TimeWindow(hm("07:00"), hm("18:00")),) * 2 + (None,) * 5
    agents = tuple(agent(f"A{i}", contract="pt", skills=(("sales",), ("chat",), ("sales", "chat"))[i % 3],
                         availability=two_days) for i in range(3))
    config = make_config(agents, (contract,), (short,), ("sales", "chat"))
    req = np.zeros((2, WEEK.slot_count), int)
    for _ in range(6):
        q, day, start = int(rng.integers(0, 2)), int(rng.integers(0, 2)), int(rng.integers(32, 60))
        req[q, WEEK.slot(day, start * 15):WEEK.slot(day, start * 15) + int(rng.integers(4, 16))] += 1
    return Instance(config, WEEK, req)


# Seed 3: the aggregate (LP and integer alike) stays 3,030 below the optimum: per-agent detail, not integrality.
@pytest.mark.parametrize("seed", [0, 3])
def test_between_the_lp_and_the_proven_optimum(seed: int) -> None:
    instance = _two_days(seed)
    lp = aggregate_lower_bound(instance)
    whole = integer_aggregate(instance, seconds=60)
    assert lp is not None and whole is not None and whole.optimal
    assert whole.integer_columns > 0
    assert lp - 1e-6 <= whole.bound <= whole.best + 1e-6
    assert whole.bound <= _optimum(instance.config, instance.requirements) + 1e-6


def test_reads_the_bound_of_a_highs_report() -> None:
    report = "Solving report\n  Status            Time limit reached\n  Primal bound      22516.5\n" \
             "  Dual bound        -2130027.5\n  Gap               9559.85% (tolerance: 0.01%)\n"
    assert _reported(report, "Dual bound") == -2130027.5
    assert _reported(report, "Primal bound") == 22516.5
    assert _reported("no report", "Dual bound") == float("inf")
