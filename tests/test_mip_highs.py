"""HiGHS's branch and bound for the cover-kept rounding's integer programs (``search.mip_highs``)."""

from __future__ import annotations

import itertools
import random

from ortools.linear_solver import pywraplp

from scheduler.rostering.search.mip_highs import MipResult, solve_highs_mip
from scheduler.rostering.stopping import Stop

WEIGHTS = (12, 7, 11, 8, 9, 5, 14, 6)
VALUES = (24, 13, 23, 15, 16, 9, 27, 11)
CAPACITY = 30


def _knapsack() -> tuple[pywraplp.Solver, list[pywraplp.Variable], list[pywraplp.Variable]]:
    """A 0/1 knapsack with one continuous column beside it (a slack worth 0.5 per unit of capacity left)."""
    model = pywraplp.Solver.CreateSolver("SCIP")
    take = [model.BoolVar(f"take{i}") for i in range(len(WEIGHTS))]
    left = model.NumVar(0, CAPACITY, "left")
    model.Add(sum(w * x for w, x in zip(WEIGHTS, take, strict=True)) + left == CAPACITY)
    model.Maximize(sum(v * x for v, x in zip(VALUES, take, strict=True)) + 0.5 * left)
    return model, take, [left]


def _best_by_enumeration() -> float:
    best = 0.0
    for chosen in itertools.product((0, 1), repeat=len(WEIGHTS)):
        weight = sum(w * c for w, c in zip(WEIGHTS, chosen, strict=True))
        if weight <= CAPACITY:
            best = max(best, sum(v * c for v, c in zip(VALUES, chosen, strict=True)) + 0.5 * (CAPACITY - weight))
    return best


def test_highs_finds_the_integer_optimum_in_column_order() -> None:
    model, take, (left,) = _knapsack()
    result = solve_highs_mip(model, node_limit=1000)
    assert result is not None and result.nodes >= 1
    chosen = [round(result.values[x.index()]) for x in take]
    assert all(abs(result.values[x.index()] - c) < 1e-6 for x, c in zip(take, chosen, strict=True))
    weight = sum(w * c for w, c in zip(WEIGHTS, chosen, strict=True))
    assert abs(result.values[left.index()] - (CAPACITY - weight)) < 1e-6
    value = sum(v * c for v, c in zip(VALUES, chosen, strict=True)) + 0.5 * result.values[left.index()]
    assert abs(value - _best_by_enumeration()) < 1e-6


def test_the_same_model_gives_the_same_solve_and_a_hint_is_accepted() -> None:
    runs = []
    for hinted in (False, False, True):
        model, take, _ = _knapsack()
        hint = [(x, 1.0 if i in (0, 2) else 0.0) for i, x in enumerate(take)] if hinted else []
        runs.append(solve_highs_mip(model, node_limit=1000, hint=hint))
    assert runs[0] == runs[1]
    assert runs[2] is not None and runs[0] is not None
    assert abs(sum(v * runs[2].values[i] for i, v in enumerate(VALUES))
               - sum(v * runs[0].values[i] for i, v in enumerate(VALUES))) < 1e-6


def test_an_infeasible_program_or_a_stopped_run_gives_none_and_an_empty_one_nothing() -> None:
    model = pywraplp.Solver.CreateSolver("SCIP")
    x = model.IntVar(0, 3, "x")
    model.Add(2 * x == 3)
    model.Maximize(x)
    assert solve_highs_mip(model, node_limit=100) is None

    empty = pywraplp.Solver.CreateSolver("SCIP")  # no columns, no rows (a dealing with no class to deal)
    empty.Minimize(0)
    assert solve_highs_mip(empty, node_limit=10) == MipResult((), 0)

    stopped = Stop().start()
    stopped.interrupt()
    model, _, _ = _knapsack()
    assert solve_highs_mip(model, node_limit=100, stop=stopped) is None


def test_values_come_back_in_pywraplp_column_order_whatever_the_column_types() -> None:
    """Continuous columns before and between integer ones, a column in no row and a binary one: each value is
    its own column's (an MPS round trip lists integer columns first and a column in no row last)."""
    model = pywraplp.Solver.CreateSolver("SCIP")
    share = model.NumVar(0, 10, "")  # continuous, first
    count = model.IntVar(0, 9, "")
    idle = model.IntVar(4, 4, "")  # in no row and not in the objective: fixed at 4
    flag = model.BoolVar("")
    slack = model.NumVar(0, 100, "")
    model.Add(share == 2.5)
    model.Add(count == 7)
    model.Add(flag == 1)
    model.Add(slack == 41.5)
    model.Minimize(count + flag + slack + share)
    result = solve_highs_mip(model, node_limit=10)
    assert result is not None
    expected = {share: 2.5, count: 7, idle: 4, flag: 1, slack: 41.5}
    assert {var.index(): round(result.values[var.index()], 6) for var in expected} == {
        var.index(): value for var, value in expected.items()}


def test_the_program_keeps_its_numbers_beyond_six_digits() -> None:
    """A right-hand side of 1013.0004 (as the exact dealing's targets, LP shares of paid minutes): the least whole
    x + y with x + y >= 1013.0004 is 1014 (1013 misses it by 4e-4, far beyond HiGHS's tolerance); MPS text at six
    significant digits made the row x + y >= 1013, which 1013 keeps."""
    model = pywraplp.Solver.CreateSolver("SCIP")
    x = model.IntVar(0, 10_000, "")
    y = model.IntVar(0, 10_000, "")
    model.Add(x + y >= 1013.0004)
    model.Minimize(x + y)
    result = solve_highs_mip(model, node_limit=10)
    assert result is not None
    assert round(result.values[x.index()] + result.values[y.index()]) == 1014


def test_a_program_cut_by_the_node_limit_keeps_its_best_solution() -> None:
    """A multi-knapsack that takes HiGHS hundreds of nodes to close, cut after 2: the incumbent found by then is
    returned (a ``FEASIBLE`` end, not ``None``), within the limit, every row kept."""
    draw = random.Random(3)
    model = pywraplp.Solver.CreateSolver("SCIP")
    xs = [model.IntVar(0, 3, "") for _ in range(60)]
    rows = [([draw.randint(5, 60) for _ in xs], 1000 + 7 * k) for k in range(8)]
    for weights, capacity in rows:
        model.Add(sum(w * x for w, x in zip(weights, xs, strict=True)) <= capacity)
    model.Maximize(sum(draw.randint(5, 60) * x for x in xs))
    cut = solve_highs_mip(model, node_limit=2)
    assert cut is not None and 1 <= cut.nodes <= 2
    chosen = [round(cut.values[x.index()]) for x in xs]
    assert all(abs(cut.values[x.index()] - c) < 1e-6 for x, c in zip(xs, chosen, strict=True))
    assert all(sum(w * c for w, c in zip(weights, chosen, strict=True)) <= capacity for weights, capacity in rows)
    whole = solve_highs_mip(model, node_limit=100_000)
    assert whole is not None and whole.nodes > 2  # (the limit did cut it)
