"""Solve an integer program built in ``pywraplp`` with HiGHS's branch and bound, one thread, a node limit.

The cover-kept rounding's day programs and its exact dealing went to SCIP through ``pywraplp``. SCIP's run depends
on where its data sits in memory: the same model with the same hint gave a different node count, or another optimal
solution, from one process to the next (and from one solve to the next in one process), which made a week with
carry-in a different roster twice in a row (README, "Same input, same roster: the day programs on HiGHS"). HiGHS
gives the same solve for the same model every time, and closed the same day programs at their root, mostly faster.

``pywraplp`` passes HiGHS no options (``SetSolverSpecificParametersAsString`` is refused, and its HiGHS back end
crashed on these integer programs), so the model goes to MathOpt through MPS text, columns in the same order, as
``lp_highs`` does for the weekly LP: ``node_limit`` (deterministic work), HiGHS's ``parallel`` off, the hint as a
solution hint.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.linear_solver import pywraplp
from ortools.math_opt.io.python import mps_converter
from ortools.math_opt.python import mathopt

from scheduler.rostering.stopping import NO_STOP, Stop

_FOUND = (mathopt.TerminationReason.OPTIMAL, mathopt.TerminationReason.FEASIBLE)


@dataclass(frozen=True)
class MipResult:
    """A solve that found an integer solution: each column's value in column order, and the branch-and-bound
    nodes HiGHS explored (the root counts as one; deterministic)."""

    values: tuple[float, ...]
    nodes: int


def solve_highs_mip(solver: pywraplp.Solver, *, node_limit: int,
                    hint: Sequence[tuple[pywraplp.Variable, float]] = (),
                    stop: Stop = NO_STOP) -> MipResult | None:
    """The integer program in ``solver`` (built, not solved) solved by HiGHS within ``node_limit`` nodes, starting
    from ``hint`` (any subset of the columns); ``stop``'s deadline bounds its wall time (a run it cuts is not
    reproducible, as every wall-clock cap). None when no integer solution is found."""
    if stop.stopped():
        return None
    mps = solver.ExportModelAsMpsFormat(False, False)
    model = mathopt.Model.from_model_proto(mps_converter.mps_to_model_proto(mps))
    variables = list(model.variables())
    if len(variables) != solver.NumVariables():
        return None
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
