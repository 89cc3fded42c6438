"""The day-by-day Lagrangian bound (``search.day_lagrangian_bound``): at least the LP's, at most a proven optimum,
and a bound for any multipliers, not only the LP's duals."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from ortools.linear_solver import pywraplp

from scheduler.rostering.search import day_lagrangian_bound as day_lagrangian_bound_module
from scheduler.rostering.search import lower_bound
from scheduler.rostering.search.day_lagrangian_bound import day_lagrangian_bound
from scheduler.rostering.search.lower_bound import aggregate_lower_bound
from tests.test_lower_bound import _optimum, two_day_instance

pytestmark = pytest.mark.skipif(pywraplp.Solver.CreateSolver("SCIP") is None,
                                reason="this OR-Tools build has no SCIP")


@pytest.mark.parametrize(("seed", "summed"), [(0, False), (3, False), (3, True)])
def test_between_the_lp_and_the_proven_optimum(seed: int, summed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """``summed``: no weekly patterns (the rules' rows across days priced instead of the pattern links)."""
    if summed:
        monkeypatch.setattr(lower_bound, "MAX_PATTERNS_PER_CLASS", 0)
    instance = two_day_instance(seed)
    lp = aggregate_lower_bound(instance)
    priced = day_lagrangian_bound(instance)
    assert lp is not None and priced is not None
    assert priced.lp_bound == pytest.approx(lp)
    assert priced.priced_rows > 0 and priced.blocks == 2 + (not summed)  # the two days (and the week's patterns)
    assert lp - 1e-6 <= priced.bound <= _optimum(instance.config, instance.requirements) + 1e-6


def test_any_multipliers_give_a_bound() -> None:
    """The bound holds for multipliers other than the LP's duals (none, doubled, perturbed, wrong signs): the
    algebra does not rely on their optimality. Here the aggregate's integer optimum equals its LP, so none of them
    can do better than the duals."""
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



@pytest.mark.parametrize(("seed", "summed"), [(0, False), (3, False), (0, True), (3, True)])
def test_with_no_whole_counts_the_duals_give_the_lp_back(seed: int, summed: bool,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The algebra of the priced rows: with every count continuous, each day's program is an LP, and at the LP's
    optimal duals the days' optima plus the priced rows' terms add up to the LP optimum (LP duality), no more (a
    wrong sign or side would move it). ``summed``: no weekly patterns, so the priced rows are the rules' rows
    across days (days worked, weekly minutes), whose sides are not zero."""
    if summed:
        monkeypatch.setattr(lower_bound, "MAX_PATTERNS_PER_CLASS", 0)
    whole = day_lagrangian_bound_module._matrix

    def continuous(*args: object) -> tuple:
        matrix, names = whole(*args)  # type: ignore[arg-type]
        return dataclasses.replace(matrix, whole=np.zeros_like(matrix.whole)), names

    monkeypatch.setattr(day_lagrangian_bound_module, "_matrix", continuous)
    relaxed = day_lagrangian_bound(two_day_instance(seed))
    assert relaxed is not None
    assert relaxed.bound == pytest.approx(relaxed.lp_bound, abs=1 / 60 + 1e-6)
