"""A proven bound at least the aggregate LP's: the LP's week-coupling rows priced by its duals, each day then
solved with whole counts (a Lagrangian relaxation of the integer aggregate model).

The aggregate model of ``search.lower_bound`` with its counts whole (``search.integer_bound``: each class's
pattern weights and shifts per day, floor heads and breaks per skill set) is a relaxation of the roster problem:
every roster, counted by class, is one of its integer points, at no more than the roster's objective. Most of its
rows see one day only (a class's shifts that day, their breaks, the cover of that day's slots). The rows that see
more than one day, or a day and the week (a class's weekly patterns linked to its shifts per day, the rules'
aggregate rows across days such as min rest, and the cover of the slots just after midnight that the previous
day's late shifts reach), are *priced*: for multipliers ``u`` with the right signs (``u_i >= 0`` on a row's lower
side, ``<= 0`` on its upper side, any sign on an equality; ``r_i`` the side the sign picks),

    L(u) = sum_i u_i r_i + sum over blocks b of min { (c - A'u)_b x_b : x_b whole where counted, b's own rows }

is at most ``c x`` for every integer point ``x`` of the model: each priced term ``u_i (r_i - a_i x)`` is at most
zero at a point that keeps row ``i``. So ``L(u)`` bounds every roster, for *any* such ``u``, optimal or not, and
whether or not the blocks are solved to optimality as long as each block contributes a *proven* lower bound.
The blocks are the days (each day's shift counts, floor heads, breaks and allocations) and the week (the pattern
weights, which alone keep their "every agent one pattern" rows).

With ``u`` the LP's optimal duals, the blocks' LP relaxations sum to the LP optimum (LP duality: the Lagrangian
dual of an LP is the LP, and its duals are optimal multipliers), so with whole counts each day's integer optimum
can only add: ``L(u*) >= LP``. Each day goes to SCIP with a node limit (deterministic work, no clock), and its
*dual* bound (``BestBound``), never its incumbent, is taken. The pattern block's rows are one "everyone" row per
class, whose LP is already whole, so the gain comes from the days.

Only for plain interval cover (no deadline queues, no weekly service-level mode): those add columns that are not
tied to one day. Proficiency weights are fine (their allocations and clips are per slot, and stay continuous).

A measurement (``benchmarks/day_lagrangian.py``), not part of the solve: at 150 agents every day closes within 20
nodes and the bound rises by at most 0.04% of the LP's, for 4-6 s of CPU (README, *A stronger proven bound by day
decomposition?*).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import linear_solver_pb2, pywraplp

from scheduler.rostering.instance import Instance
from scheduler.rostering.search.integer_bound import WHOLE_COUNT_PREFIXES
from scheduler.rostering.search.lower_bound import RELATIVE_TOLERANCE, _AggregateLp, glop_solved

# SCIP's branch-and-bound nodes per day at most: deterministic work, the same on a loaded machine.
DEFAULT_NODE_LIMIT = 20
# Block label of the weekly pattern weights (days are labelled 0, 1, ...); columns not yet placed get UNPLACED.
WEEK_BLOCK = -1
UNPLACED = -2
# The SCIP settings of every day's program: one thread (OR-Tools' SCIP has no others), a fixed seed.
SCIP_SETTINGS = "randomization/randomseedshift = 0\n"


@dataclass(frozen=True)
class DayLagrangianBound:
    """The Lagrangian bound (objective units, rounded down to the objective's 1/60 grid), the LP's own bound on
    the same model (``solve_aggregate``'s rounding), and the work: blocks, priced rows, the blocks SCIP closed,
    and CPU seconds (``time.process_time``) of the LP and of the blocks."""

    bound: float
    lp_bound: float
    blocks: int
    priced_rows: int
    closed_blocks: int
    lp_cpu_seconds: float
    blocks_cpu_seconds: float


def applies(instance: Instance) -> bool:
    """Whether every column of the instance's aggregate model belongs to one day or to the week."""
    return not instance.deadlines and instance.service_curves is None


def day_lagrangian_bound(instance: Instance, *, node_limit: int = DEFAULT_NODE_LIMIT, shared_breaks: bool = False,
                         multipliers: Callable[[np.ndarray], np.ndarray] | None = None) -> DayLagrangianBound | None:
    """Solve the aggregate LP (GLOP), then price its cross-day rows by its duals and solve each day's integer
    program (module docstring); ``None`` when it does not apply, the LP is not solved, or a block proves no finite
    bound. ``multipliers`` maps the duals (one per LP row, in the LP's row order) to other multipliers: any values
    give a valid bound (signs that do not fit a row's finite sides are taken as zero), which the tests use to check the
    algebra. ``shared_breaks`` as in ``search.lower_bound``."""
    if not applies(instance):
        return None
    started = time.process_time()
    solved = glop_solved(instance, shared_breaks)
    if solved is None:
        return None
    lp, solver, lp_value = solved
    lp_value -= RELATIVE_TOLERANCE * abs(lp_value) + 1e-6
    duals = np.array([row.dual_value() for row in solver.constraints()], float)
    lp_seconds = time.process_time() - started
    priced = priced_days(lp, solver, duals if multipliers is None else multipliers(duals), node_limit)
    if priced is None:
        return None
    value, blocks, priced_rows, closed = priced
    value -= RELATIVE_TOLERANCE * abs(value) + 1e-6  # SCIP's and GLOP's tolerances, as for the LP
    return DayLagrangianBound(max(0.0, math.floor(value * 60) / 60), max(0.0, math.floor(lp_value * 60) / 60),
                              blocks, priced_rows, closed, lp_seconds, time.process_time() - started - lp_seconds)


@dataclass(frozen=True)
class _Matrix:
    """The aggregate model as arrays: per column bounds, cost and whether it counts whole things; per row its
    sides; the non-zeros as (row, column, coefficient) triples sorted by row."""

    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray
    whole: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    rows: np.ndarray
    columns: np.ndarray
    values: np.ndarray


def _matrix(lp: _AggregateLp, solver: pywraplp.Solver) -> tuple[_Matrix, list[str]]:
    """The model built in ``solver`` as arrays, and its columns' names (as built: unnamed columns have ``""``).
    Whole: the class's shift counts and pattern weights, and the columns ``integer_bound`` counts whole by name."""
    proto = linear_solver_pb2.MPModelProto()
    solver.ExportModelToProto(proto)
    variables = proto.variable
    names = [var.name() for var in solver.variables()]
    whole = np.array([name.startswith(WHOLE_COUNT_PREFIXES) for name in names], bool)
    for _, _, mix, day_vars in lp.classes:
        for var in [*mix, *(var for day in day_vars for _, var in day)]:
            whole[var.index()] = True
    lengths = [len(c.var_index) for c in proto.constraint]
    rows = np.repeat(np.arange(len(lengths)), lengths)
    columns = np.fromiter((j for c in proto.constraint for j in c.var_index), int, count=int(sum(lengths)))
    values = np.fromiter((a for c in proto.constraint for a in c.coefficient), float, count=int(sum(lengths)))
    matrix = _Matrix(np.array([v.lower_bound for v in variables], float),
                     np.array([v.upper_bound for v in variables], float),
                     np.array([v.objective_coefficient for v in variables], float), whole,
                     np.array([c.lower_bound for c in proto.constraint], float),
                     np.array([c.upper_bound for c in proto.constraint], float), rows, columns, values)
    return matrix, names


def _day_of_columns(lp: _AggregateLp, matrix: _Matrix, names: list[str]) -> np.ndarray | None:
    """Each column's block: its day (shift counts from the classes; allocations and clips from the slot in their
    name; floor heads and breaks from the rows that tie them to those: a head equals its classes' shift counts of
    one day, a break count sums to its heads), ``WEEK_BLOCK`` for pattern weights; ``None`` if one is left."""
    block = np.full(len(names), UNPLACED, int)
    for _, _, mix, day_vars in lp.classes:
        for var in mix:
            block[var.index()] = WEEK_BLOCK
        for d, day in enumerate(day_vars):
            for _, var in day:
                block[var.index()] = d
    per_day = lp.week.slots_per_day
    for j, name in enumerate(names):
        if block[j] != UNPLACED:
            continue
        if name.startswith("a"):  # a{skills}_{slot}_{queue}
            block[j] = int(name.rsplit("_", 2)[1]) // per_day
        elif name.startswith("clip_"):
            block[j] = int(name.removeprefix("clip_")) // per_day
    # heads (y) from their equality with shift counts, then breaks (z) from their sum to heads
    starts = np.searchsorted(matrix.rows, np.arange(len(matrix.row_lower) + 1))
    ties = [i for i in range(len(matrix.row_lower)) if matrix.row_lower[i] == 0 == matrix.row_upper[i]]
    for _ in range(2):
        for i in ties:
            members = matrix.columns[starts[i]:starts[i + 1]]
            known = {int(b) for b in block[members] if b != UNPLACED}
            if len(known) == 1 and WEEK_BLOCK not in known:
                members_left = members[block[members] == UNPLACED]
                block[members_left] = known.pop()
    return None if (block == UNPLACED).any() else block


def priced_days(lp: _AggregateLp, solver: pywraplp.Solver, multipliers: np.ndarray,
                node_limit: int = DEFAULT_NODE_LIMIT) -> tuple[float, int, int, int] | None:
    """``L(u)`` of the module docstring for the built aggregate model in ``solver`` (objective units, before any
    safety margin), with ``u`` = ``multipliers`` (one per row; a sign that does not fit the row's finite sides
    counts as zero); with the number of blocks, of priced rows and of blocks SCIP closed. ``None`` when a column
    has no day or a block proves no finite bound."""
    matrix, names = _matrix(lp, solver)
    block = _day_of_columns(lp, matrix, names)
    if block is None:
        return None
    count = len(matrix.row_lower)
    starts = np.searchsorted(matrix.rows, np.arange(count + 1))
    row_low = np.full(count, np.iinfo(np.int64).max)
    row_high = np.full(count, np.iinfo(np.int64).min)
    if len(matrix.rows):
        np.minimum.at(row_low, matrix.rows, block[matrix.columns])
        np.maximum.at(row_high, matrix.rows, block[matrix.columns])
    priced = (row_low != row_high) & (np.diff(starts) > 0)  # rows seeing two blocks (empty rows constrain nothing)
    u = np.where(priced, np.asarray(multipliers, float), 0.0)
    u = np.where((u > 0) & np.isfinite(matrix.row_lower), u, np.where((u < 0) & np.isfinite(matrix.row_upper), u, 0))
    side = np.where(u > 0, matrix.row_lower, np.where(u < 0, matrix.row_upper, 0.0))
    value = lp.constant + float(np.dot(u, np.where(u != 0, side, 0.0)))
    reduced = matrix.cost - np.bincount(matrix.columns, weights=u[matrix.rows] * matrix.values,
                                        minlength=len(matrix.cost))
    kept_block = np.where(priced, UNPLACED, row_low)
    labels = sorted({int(b) for b in block})
    closed = 0
    for label in labels:
        proven, optimal = _solve_block(matrix, np.flatnonzero(block == label), np.flatnonzero(kept_block == label),
                                       starts, reduced, node_limit)
        if not math.isfinite(proven):
            return None
        value += proven
        closed += optimal
    return value, len(labels), int(priced.sum()), closed


def _solve_block(matrix: _Matrix, columns: np.ndarray, rows: np.ndarray, starts: np.ndarray, reduced: np.ndarray,
                 node_limit: int) -> tuple[float, bool]:
    """SCIP's proven lower bound on one block's program (its columns at their reduced costs, its own rows, whole
    counts), and whether it proved the optimum; ``-inf`` if it proved nothing."""
    local = np.full(len(matrix.cost), -1)
    local[columns] = np.arange(len(columns))
    model = linear_solver_pb2.MPModelProto()
    for j in columns:
        model.variable.add(lower_bound=matrix.lower[j], upper_bound=matrix.upper[j],
                           objective_coefficient=reduced[j], is_integer=bool(matrix.whole[j]))
    for i in rows:
        members = slice(starts[i], starts[i + 1])
        model.constraint.add(lower_bound=matrix.row_lower[i], upper_bound=matrix.row_upper[i],
                             var_index=local[matrix.columns[members]].tolist(),
                             coefficient=matrix.values[members].tolist())
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None or solver.LoadModelFromProto(model) != "":
        return -math.inf, False
    solver.SetSolverSpecificParametersAsString(f"limits/nodes = {int(node_limit)}\n{SCIP_SETTINGS}")
    status = solver.Solve()
    if status in (pywraplp.Solver.ABNORMAL, pywraplp.Solver.INFEASIBLE, pywraplp.Solver.UNBOUNDED,
                  pywraplp.Solver.MODEL_INVALID):
        return -math.inf, False
    proven = solver.Objective().BestBound()  # SCIP's dual bound: proven even when the node limit stopped it
    if not math.isfinite(proven) or abs(proven) >= 1e30:
        return -math.inf, False
    return proven, status == pywraplp.Solver.OPTIMAL
