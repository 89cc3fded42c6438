"""The aggregate problem with its counts integer: a proven bound at least the LP's, to measure its integrality gap.

``search.lower_bound`` relaxes the roster problem to counts per agent class (shifts per day, weekly patterns,
floor heads and breaks per skill set) and solves that as an LP. Every roster gives *whole* counts, so the same
model with those columns integer is still a relaxation of the roster problem: its optimum, and any proven bound a
MIP solver reports on it, bounds every roster's objective, and is at least the LP's. The allocation columns (which
queue a head on the floor covers) stay continuous: given whole floor counts, each slot's allocation is a
transportation problem whose LP already has a whole optimum without proficiencies, and with proficiencies a head
may cover a fractional share of a requirement, so making them whole could cut off rosters. Deadline and
weekly-service-level columns stay continuous too (their rows are not counts).

A MIP solver's cut rounds and branching are not deterministic within a wall-clock limit, so this bound is a
measurement (``benchmarks/integrality_gap.py``), not part of the deterministic solve. OR-Tools' HiGHS interface
reports no bound when the time limit ends the search, so it is read from HiGHS's own solving report (its
``Dual bound`` line), which HiGHS writes to the process's standard output.
"""

from __future__ import annotations

import math
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from scheduler.rostering.instance import Instance
from scheduler.rostering.search.lower_bound import RELATIVE_TOLERANCE, _AggregateLp

# Column name prefixes of the aggregate LP that count whole things: floor heads per skill set (``y``) and breaks
# per start (``z``); the class's shift counts and pattern weights are taken from the LP's classes.
WHOLE_COUNT_PREFIXES = ("y", "z")


@dataclass(frozen=True)
class IntegerAggregate:
    """The integer aggregate model's proven bound and best integer point (objective units; ``best`` is ``inf``
    when none was found), whether the solver proved the optimum, and the model's size."""

    bound: float
    best: float
    optimal: bool
    columns: int
    integer_columns: int


def integer_aggregate(instance: Instance, seconds: float, solver_name: str = "HIGHS") -> IntegerAggregate | None:
    """Solve the aggregate model with whole counts within ``seconds`` of wall time; ``None`` if the MIP solver is
    not available or found neither a bound nor a point."""
    solver = pywraplp.Solver.CreateSolver(solver_name)
    if solver is None:
        return None
    lp = _AggregateLp(instance, solver)
    whole = make_counts_whole(lp, solver)
    solver.SetTimeLimit(max(1, int(seconds * 1000)))
    solver.EnableOutput()
    with _standard_output() as report:
        status = solver.Solve()
    optimal = status == pywraplp.Solver.OPTIMAL
    if optimal or status == pywraplp.Solver.FEASIBLE:
        bound, best = solver.Objective().BestBound(), solver.Objective().Value()
    else:  # stopped by the time limit: HiGHS's report has both
        bound, best = _reported(report.text, "Dual bound"), _reported(report.text, "Primal bound")
    if not math.isfinite(bound):
        return None
    bound += lp.constant
    bound -= RELATIVE_TOLERANCE * abs(bound) + 1e-6  # the MIP solver's tolerances, as for the LP
    return IntegerAggregate(max(0.0, math.floor(bound * 60) / 60), best + lp.constant, optimal,
                            solver.NumVariables(), whole)


def make_counts_whole(lp: _AggregateLp, solver: pywraplp.Solver) -> int:
    """Make the aggregate model's counting columns integer: each class's pattern weights and shift counts, floor
    heads per skill set and breaks per start (``WHOLE_COUNT_PREFIXES``). Returns how many columns it made whole."""
    whole = 0
    for _, _, mix, day_vars in lp.classes:
        for var in [*mix, *(var for day in day_vars for _, var in day)]:
            var.SetInteger(True)
            whole += 1
    for var in solver.variables():
        if var.name().startswith(WHOLE_COUNT_PREFIXES) and not var.integer():
            var.SetInteger(True)
            whole += 1
    return whole


class _Captured:
    """What the native solver wrote to standard output while captured."""

    def __init__(self) -> None:
        self.text = ""


@contextmanager
def _standard_output() -> Iterator[_Captured]:
    """Capture file descriptor 1 (native code writes there, not to ``sys.stdout``)."""
    captured = _Captured()
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield captured
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            sink.seek(0)
            captured.text = sink.read().decode(errors="replace")


def _reported(report: str, label: str) -> float:
    """The last ``label`` value of a HiGHS solving report (``inf`` when absent)."""
    values = re.findall(rf"^\s*{label}\s+(-?[0-9.eE+-]+|-?inf)\s*$", report, flags=re.MULTILINE)
    return float(values[-1]) if values else math.inf
