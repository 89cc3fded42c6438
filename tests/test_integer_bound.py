"""The integer aggregate bound (``search.integer_bound``): between the LP's bound and a proven optimum."""

from __future__ import annotations

import pytest
from ortools.linear_solver import pywraplp

from scheduler.rostering.search.integer_bound import _reported, integer_aggregate
from scheduler.rostering.search.lower_bound import aggregate_lower_bound
from tests.test_lower_bound import _optimum, two_day_instance

pytestmark = pytest.mark.skipif(pywraplp.Solver.CreateSolver("HIGHS") is None,
                                reason="this OR-Tools build has no HiGHS")


# Seed 3: the aggregate (LP and integer alike) stays 3,030 below the optimum: per-agent detail, not integrality.
@pytest.mark.parametrize("seed", [0, 3])
def test_between_the_lp_and_the_proven_optimum(seed: int) -> None:
    instance = two_day_instance(seed)
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
