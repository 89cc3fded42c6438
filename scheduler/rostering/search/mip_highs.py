"""Solve an integer program built in ``pywraplp`` with HiGHS's branch and bound, one thread, a node limit.

The cover-kept rounding's day programs and its exact dealing went to SCIP through ``pywraplp``. SCIP's run depends
on where its data sits in memory: the same model with the same hint gave a different node count, or another optimal
solution, from one process to the next (and from one solve to the next in one process), which made a week with
carry-in a different roster twice in a row (README, "Same input, same roster: the day programs on HiGHS"). HiGHS
gives the same solve for the same model every time, and closed the same day programs at their root, mostly faster.

``pywraplp`` passes HiGHS no options (``SetSolverSpecificParametersAsString`` is refused, and its HiGHS back end
crashed on these integer programs), so the model goes to MathOpt: ``node_limit`` (deterministic work), HiGHS's
``parallel`` off, the hint as a solution hint. It goes as a MathOpt model built from ``pywraplp``'s own model proto
(``mathopt_model``), not as MPS text: OR-Tools' MPS writer prints numbers to six significant digits (the exact
dealing's targets, such as 1013.3333 paid minutes, became 1013.33) and lists the integer columns before the
continuous ones and a column in no row after all others, so MathOpt's columns were in ``pywraplp``'s order only
for programs whose integer columns all came first and all sat in some row.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.linear_solver import linear_solver_pb2, pywraplp
from ortools.math_opt import model_pb2
from ortools.math_opt.python import mathopt

from scheduler.rostering.stopping import NO_STOP, Stop

_FOUND = (mathopt.TerminationReason.OPTIMAL, mathopt.TerminationReason.FEASIBLE)


@dataclass(frozen=True)
class MipResult:
    """A solve that found an integer solution: each column's value in column order, and the branch-and-bound
    nodes HiGHS explored (the root counts as one; deterministic)."""

    values: tuple[float, ...]
    nodes: int


def mathopt_model(solver: pywraplp.Solver) -> tuple[mathopt.Model, list[mathopt.Variable]]:
    """The program in ``solver`` as a MathOpt model with the same numbers (bounds, coefficients, integrality,
    objective sense and constant), and its variables in ``pywraplp``'s column order (``var.index()``)."""
    built = linear_solver_pb2.MPModelProto()
    solver.ExportModelToProto(built)
    proto = model_pb2.ModelProto()
    columns = proto.variables
    columns.ids.extend(range(len(built.variable)))
    columns.lower_bounds.extend(v.lower_bound for v in built.variable)
    columns.upper_bounds.extend(v.upper_bound for v in built.variable)
    columns.integers.extend(v.is_integer for v in built.variable)
    proto.objective.maximize = built.maximize
    proto.objective.offset = built.objective_offset
    costs = [(j, v.objective_coefficient) for j, v in enumerate(built.variable) if v.objective_coefficient]
    proto.objective.linear_coefficients.ids.extend(j for j, _ in costs)
    proto.objective.linear_coefficients.values.extend(c for _, c in costs)
    rows = proto.linear_constraints
    rows.ids.extend(range(len(built.constraint)))
    rows.lower_bounds.extend(c.lower_bound for c in built.constraint)
    rows.upper_bounds.extend(c.upper_bound for c in built.constraint)
    matrix = proto.linear_constraint_matrix
    for i, row in enumerate(built.constraint):
        terms = sorted((j, a) for j, a in zip(row.var_index, row.coefficient, strict=True) if a)
        matrix.row_ids.extend([i] * len(terms))
        matrix.column_ids.extend(j for j, _ in terms)
        matrix.coefficients.extend(a for _, a in terms)
    model = mathopt.Model.from_model_proto(proto)
    return model, list(model.variables())


def solve_highs_mip(solver: pywraplp.Solver, *, node_limit: int,
                    hint: Sequence[tuple[pywraplp.Variable, float]] = (),
                    stop: Stop = NO_STOP) -> MipResult | None:
    """The integer program in ``solver`` (built, not solved) solved by HiGHS within ``node_limit`` nodes, starting
    from ``hint`` (any subset of the columns); ``stop``'s deadline bounds its wall time (a run it cuts is not
    reproducible, as every wall-clock cap). None when no integer solution is found."""
    if stop.stopped():
        return None
    model, variables = mathopt_model(solver)
    params = mathopt.SolveParameters(node_limit=node_limit)
    params.highs.string_options["parallel"] = "off"
    seconds = stop.seconds_left()
    if math.isfinite(seconds):
        params.time_limit = datetime.timedelta(seconds=max(1.0, seconds))
    model_params = None
    if hint:
        values = {variables[var.index()]: float(value) for var, value in hint}
        model_params = mathopt.ModelSolveParameters(solution_hints=[mathopt.SolutionHint(variable_values=values)])
    result = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params, model_params=model_params)
    if result.termination.reason not in _FOUND or not result.has_primal_feasible_solution():
        return None
    values = result.variable_values(variables)
    return MipResult(tuple(float(v) for v in values), int(result.solve_stats.node_count))
