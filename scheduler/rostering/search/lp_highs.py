"""Solve an LP built in ``pywraplp`` with HiGHS's interior-point method (then crossover to a vertex), one thread.

The weekly service-level mode's aggregate LP (``rules.weekly_service_level.lp_rows``: the concave curves as
increments of falling slope, each queue's week in one row) takes GLOP's simplex several times the work of an LP of
its size (``weekly_start``); HiGHS's IPM with crossover solves it in about a quarter of GLOP's CPU time (README,
issue 18). ``pywraplp`` passes HiGHS no options (``SetSolverSpecificParametersAsString`` is refused), so the model
is handed to MathOpt (``mip_highs.mathopt_model``: from ``pywraplp``'s model proto, every number exact and the
columns in ``pywraplp``'s order; MPS text rounded numbers to six digits) with the algorithm set: ``lp_algorithm``
barrier, HiGHS's ``parallel`` off (its IPM is single-threaded, so the run is deterministic). Crossover (on by
default) gives a basic solution, as GLOP's, so the rounding sees few fractional shifts.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from ortools.linear_solver import pywraplp
from ortools.math_opt.python import mathopt

from scheduler.rostering.search.mip_highs import mathopt_model
from scheduler.rostering.stopping import NO_STOP, Stop


@dataclass(frozen=True)
class LpResult:
    """An optimal solve: the objective (without the LP's constant) and each column's value in column order."""

    objective: float
    values: tuple[float, ...]


def solve_highs_ipm(solver: pywraplp.Solver, seconds: float = math.inf, stop: Stop = NO_STOP) -> LpResult | None:
    """The LP in ``solver`` (built, not solved) solved by HiGHS's IPM and crossover, one thread, within ``seconds``
    of wall time and ``stop``'s deadline; None unless optimal."""
    model, variables = mathopt_model(solver)
    params = mathopt.SolveParameters(lp_algorithm=mathopt.LPAlgorithm.BARRIER)
    params.highs.string_options["parallel"] = "off"
    # (MathOpt's Python API has no interrupter here: ``stop`` is asked before, and its deadline bounds the solve)
    seconds = min(seconds, stop.seconds_left())
    if stop.stopped():
        return None
    if math.isfinite(seconds):
        params.time_limit = datetime.timedelta(seconds=max(1.0, seconds))
    result = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params)
    if result.termination.reason != mathopt.TerminationReason.OPTIMAL:
        return None
    values = result.variable_values(variables)
    return LpResult(result.objective_value() - model.objective.offset, tuple(float(v) for v in values))
