"""A tighter proven bound for the proficiency-weighted objective: the aggregate model with exact classes, in integers.

The weighted LP (``search.weighted_bound``) has two slacks on small centres: each skill set's heads are priced at
its *best* member's proficiency, and a fraction of a head (a fraction of an agent's shift) may cover the last
part of a queue's requirement. This module removes both, keeping a relaxation of the weighted roster problem:

- *exact classes*: agents are grouped by skill set *and* proficiency vector, so every head of a group brings
  exactly its own proficiency (``P[g, q] = best[g, q]``); done by giving each proficiency vector a marker skill
  that names no queue (``MARKER``), which the aggregate model keeps apart and never allocates;
- *whole heads*: every count of agents (each class's weekly patterns and shifts per day, each skill set's
  shifts and breaks) is an integer, as it is for every roster.

Why its optimum is still at most every valid roster's weighted objective: count any roster's agents as the
aggregate model does. Those counts are integers and keep every row of ``search.lower_bound`` (each row holds
for every valid roster); for the cover, the allocation ``a[g, q] = t[q] x[g, q]`` of the weighted LP's proof
(``search.weighted_bound``, here with ``P = best``) gives the roster's own cover with no more heads than the
roster has on the floor. Allocations stay continuous: a relaxation of whole heads on one queue each, so the
model's optimum is only lower. The integer program is solved by SCIP with a node limit (deterministic work, not
a clock), and its *dual* bound (``BestBound``), never its incumbent, is the bound: SCIP proves that no integer
point, hence no roster, is below it, whether or not it finished. A wall-clock cap is a safety net only.

The integer program is a diagnostic (``benchmarks/weighted_gap.py``), not part of a solve: SCIP on a week's
integer program took minutes at 25 agents and had not finished after 900 s of wall time (README, *Small centres:
whose gap is it?*). The solve uses its exact classes in the LP alone (``search.weighted_bound``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from scheduler.domain.plan import Agent, PlanConfig
from scheduler.rostering.instance import Instance
from scheduler.rostering.search.integer_bound import make_counts_whole
from scheduler.rostering.search.lower_bound import RELATIVE_TOLERANCE, _AggregateLp

# A skill that names no queue, added to an agent's skills to keep its proficiency vector's class apart in the
# aggregate model (followed by the vector's number; no queue id may start with it: ``_marked``).
MARKER = "~proficiency-class-"
# SCIP's branch-and-bound nodes at most: its work, the same on a loaded machine.
DEFAULT_NODE_LIMIT = 2000


@dataclass(frozen=True)
class IntegerBound:
    """SCIP's proven lower bound on the weighted objective (objective units), the best integer point it found
    (objective units of the relaxed model, not a roster: ``math.inf`` if none), whether it proved that point
    optimal, and the model's size."""

    bound: float
    incumbent: float
    optimal: bool
    variables: int
    integers: int
    rows: int


def exact_classes(config: PlanConfig) -> PlanConfig:
    """``config`` with each agent's skills extended by a marker of its proficiency vector (``MARKER``), so the
    aggregate model's classes and skill sets split by proficiency and price each head at its own proficiency.
    Agents without proficiencies share the vector of all ones."""
    if any(q.queue_id.startswith(MARKER) for q in config.queues):
        raise ValueError(f"a queue id starts with the marker {MARKER!r}")
    vectors: dict[tuple[int, ...], int] = {}
    agents = []
    for agent in config.agents:
        vector = tuple(int(round(agent.proficiency(q) * 100)) for q in agent.skills)
        number = vectors.setdefault(vector, len(vectors))
        agents.append(_marked(agent, number))
    return dataclasses.replace(config, agents=tuple(agents))


def _marked(agent: Agent, number: int) -> Agent:
    proficiencies = tuple(agent.proficiency(q) for q in agent.skills)
    return dataclasses.replace(agent, skills=(*agent.skills, f"{MARKER}{number}"), proficiencies=(*proficiencies, 1.0))


def weighted_integer_bound(instance: Instance, *, node_limit: int = DEFAULT_NODE_LIMIT, wall_seconds: float = math.inf,
                           shared_breaks: bool = False) -> IntegerBound | None:
    """Solve the exact-class integer aggregate model (module docstring) with SCIP for at most ``node_limit``
    branch-and-bound nodes (and ``wall_seconds`` of wall time, a safety net); ``None`` if SCIP is missing or
    proved nothing. ``shared_breaks``: count breaks for all skill sets together (``search.lower_bound``)."""
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:
        return None
    exact = dataclasses.replace(instance, config=exact_classes(instance.config))
    model = _AggregateLp(exact, solver, None, shared_breaks)
    integers = make_counts_whole(model, solver)
    solver.SetSolverSpecificParametersAsString(f"limits/nodes = {int(node_limit)}\nrandomization/randomseedshift = 0\n")
    if math.isfinite(wall_seconds):
        solver.SetTimeLimit(max(1, int(wall_seconds * 1000)))
    status = solver.Solve()
    if status in (pywraplp.Solver.ABNORMAL, pywraplp.Solver.INFEASIBLE, pywraplp.Solver.MODEL_INVALID):
        return None
    optimal = status == pywraplp.Solver.OPTIMAL
    proven = solver.Objective().BestBound()  # SCIP's dual bound: proven even when a limit stopped it
    if not math.isfinite(proven) or abs(proven) >= solver.infinity():
        return None
    value = proven + model.constant
    value -= RELATIVE_TOLERANCE * abs(value) + 1e-6
    has_point = status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
    incumbent = solver.Objective().Value() + model.constant if has_point else math.inf
    return IntegerBound(max(0.0, math.floor(value * 60) / 60), incumbent, optimal, solver.NumVariables(), integers,
                        solver.NumConstraints())
