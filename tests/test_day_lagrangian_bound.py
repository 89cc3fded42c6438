"""The day-by-day Lagrangian bound (``search.day_lagrangian_bound``): at least the LP's, at most a proven optimum,
and a bound for any multipliers, not only the LP's duals."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.linear_solver import pywraplp

from scheduler.rostering.search.day_lagrangian_bound import day_lagrangian_bound
from scheduler.rostering.search.lower_bound import aggregate_lower_bound
from tests.test_lower_bound import _optimum, two_day_instance

pytestmark = pytest.mark.skipif(pywraplp.Solver.CreateSolver("SCIP") is None,
                                reason="this OR-Tools build has no SCIP")


@pytest.mark.parametrize("seed", [0, 3])
def test_between_the_lp_and_the_proven_optimum(seed: int) -> None:
    instance = two_day_instance(seed)
    lp = aggregate_lower_bound(instance)
    priced = day_lagrangian_bound(instance)
    assert lp is not None and priced is not None
    assert priced.lp_bound == pytest.approx(lp)
    assert priced.priced_rows > 0 and priced.blocks == 3  # the week's patterns and the two days
    assert lp - 1e-6 <= priced.bound <= _optimum(instance.config, instance.requirements) + 1e-6


def test_any_multipliers_give_a_bound() -> None:
    """The bound holds for multipliers other than the LP's duals (none, doubled, perturbed, wrong signs): the
    algebra does not rely on their optimality; none of them does better than the duals here."""
    instance = two_day_instance(0)
    optimum = _optimum(instance.config, instance.requirements)
    rng = np.random.default_rng(5)
    duals = day_lagrangian_bound(instance)
    assert duals is not None
    for multipliers in (lambda u: 0 * u, lambda u: 2 * u, lambda u: u + rng.normal(0, 50, len(u)),
                        lambda u: -u):
        other = day_lagrangian_bound(instance, multipliers=multipliers)
        assert other is not None
        assert other.bound <= optimum + 1e-6
        assert other.bound <= duals.bound + 1e-6
