"""The weekly mode's lean requirement priced by what cover costs with whole shifts (``objective.service_level:
weekly``, the start when the weekly LP is over its share; ``weekly_start.PRICED_START``, off).

``service_curves.lean_heads`` places each queue's heads where its concave curves gain most, whatever a head costs
in that interval given the shifts' shapes; the start LP (the per-interval LP of that requirement,
``weekly_start.interval_lp_start``) then covers it with whole shifts, which leaves surplus heads where shifts
overhang the requirement and pays dearly for peaks a head forces a shift into. Here the start LP's duals price the
requirement (``cover_prices``): per queue and slot, what one more head on the floor costs, the cheapest of its skill
sets' (0 where the plan leaves heads unallocated), and that surplus. Per queue the requirement is then re-chosen
greedily by answered contacts per unit of that cost (``priced_heads``: the plan's surplus nearly free, any head
beyond the plan's cover at least ``FLOOR_PRICE`` times a head's cheapest paid time, so slots the duals call free are
not free without limit) until the queue's weekly target is reached on the same curves, and the LP is re-solved with
the new bounds from its previous basis (only bounds change), charged ``RESOLVE_WORK_FACTOR`` of a solve.

Measured on ten 60-agent centres (README issue 18): the start's paid-hours bound 0.1-2.8% lower (median 1.7%), but
the priced requirement leaves the peaks on the steep part of their curves, its rounded start is further from the
targets, and on 30-s budgets the rosters pay about the same (median -0.1%) with more agent-intervals under the floor.
So ``PRICED_START`` is off. With the re-choice counted on Erlang's own curves (``priced_heads(exact=True)``) the
requirement meets every weekly target by the validator's count; that start is taken where the lean requirement is
far short by that count (``weekly_start.EXACT_PRICED_START``: the 150-agent centres measured, README issue 18).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping

import numpy as np
from ortools.linear_solver import pywraplp

from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import deadline_cover
from scheduler.rostering.search.lower_bound import (
    LP_BUILD_SECONDS_PER_VARIABLE,
    RELATIVE_TOLERANCE,
    AggregateSolution,
    ClassPlan,
    _AggregateLp,
    lp_work,
)
from scheduler.rostering.service_curves import WeeklyCurves
from scheduler.rostering.stopping import NO_STOP, Stop

# How many times the start LP is re-priced and re-solved (0: the plain lean start).
ROUNDS = 1
# A head beyond the plan's cover costs at least this many times the cheapest paid time of one on-floor interval.
FLOOR_PRICE = 1.0
# The share of that floor price a head of the plan's own surplus costs (already paid for).
SURPLUS_CREDIT = 0.05
# A re-solve from the previous basis over ``lp_work``'s solve part of the LP (the largest of ten centres measured
# with ``time.process_time``: 1.05-1.90; the priced requirement moves most bounds, README issue 18).
RESOLVE_WORK_FACTOR = 1.9
# The prices and surplus are rounded to this many decimals (``cover_prices``), above the LP's run-to-run noise.
PRICE_DECIMALS = 6


def head_floor_price(instance: Instance) -> float:
    """The cheapest paid time of one on-floor interval of any shift (objective units): a shift's paid hours
    over its on-floor intervals."""
    config = instance.config
    best = math.inf
    for template in config.templates:
        floor = (template.length_minutes - sum(b.minutes for b in template.breaks)) // config.interval_minutes
        if floor > 0:
            best = min(best, config.weights.paid_hour * template.paid_minutes / 60 / floor)
    return best if math.isfinite(best) else config.weights.paid_hour * config.interval_minutes / 60


def allocation_variables(lp: _AggregateLp, solver: pywraplp.Solver) -> dict[tuple[int, int], list[pywraplp.Variable]]:
    """The cover allocation variables of the built aggregate LP by (queue, slot): named ``a<skills>_<slot>_<q>``,
    in that queue and slot's cover row."""
    found: dict[tuple[int, int], list[pywraplp.Variable]] = {}
    for var in solver.variables():
        parts = var.name().rsplit("_", 2)
        if var.name().startswith("a") and len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            key = int(parts[2]), int(parts[1])
            row = lp.cover_rows.get(key)
            if row is not None and row.GetCoefficient(var) != 0:
                found.setdefault(key, []).append(var)
    return found


def cover_prices(lp: _AggregateLp, solver: pywraplp.Solver, shape: tuple[int, int],
                 allocations: dict[tuple[int, int], list[pywraplp.Variable]]) -> tuple[np.ndarray, np.ndarray]:
    """Per queue and slot of the solved LP ``lp``: what one more head on the floor costs there (nan where the LP has
    no cover row) and the heads the plan has there unallocated (its surplus, summed over the queue's skill sets).
    A head of a skill set costs the duals of the rows its allocation ``a`` meets (its skill set's floor row, and
    with shared breaks the slot's on-floor row): ``d_a + w (saving + y_cover)`` over its cover worth ``w``, with
    ``d_a`` the allocation's reduced cost (nonzero where it sits at its bound); the queue's head the cheapest."""
    weights = lp.config.weights
    saving = weights.understaffed_agent_interval + weights.overstaffed_agent_interval
    activities = solver.ComputeConstraintActivities()
    cost = np.full(shape, np.nan)
    surplus = np.zeros(shape)
    for (q, slot), row in lp.cover_rows.items():
        dual = row.dual_value()
        prices = [(var.reduced_cost() + w * (saving + dual)) / w
                  for var in allocations.get((q, slot), []) if (w := row.GetCoefficient(var)) > 0]
        if prices:
            cost[q, slot] = max(0.0, min(prices))
    queue_ids = [q.queue_id for q in lp.config.queues]
    for (skills, slot), row in lp.floor_rows.items():
        slack = max(0.0, -activities[row.index()])
        for q, queue_id in enumerate(queue_ids):
            if queue_id in skills and (q, slot) in lp.cover_rows:
                surplus[q, slot] += slack
    # (rounded: GLOP's row activities differ between runs of the same LP by a few units in the last place, 219 of a
    # 150-agent centre's slots by up to 4e-15, and a surplus of 1 - 4e-15 heads is not one of 1: the re-chosen
    # requirement, the start and the roster differed run to run)
    return np.round(cost, PRICE_DECIMALS), np.round(surplus, PRICE_DECIMALS)


def priced_heads(curves: WeeklyCurves, lean: np.ndarray, cost: np.ndarray, surplus: np.ndarray,
                 floor_price: float, exact: bool = False) -> np.ndarray:
    """Per queue, heads ``[queue, slot]`` (at least the floor) reaching its weekly target on ``curves``, chosen
    greedily by answered contacts per unit of cost, where a head costs: within ``lean`` (the requirement the LP
    covers) its slot's ``cost`` (what removing it saves), within the plan's ``surplus`` beyond that
    ``SURPLUS_CREDIT * floor_price``, and beyond that the larger of its slot's ``cost`` and ``floor_price``. Slots
    without a price (nan: no cover row) keep ``lean``. With ``exact`` the answered contacts are Erlang's own
    (``WeeklyCurves.exact_curve``, the scoring's and the validator's count) rather than the concave envelope's:
    below the tangent point, where the level floor lets an interval run, the envelope counts contacts Erlang does
    not answer, so a requirement met on it is short by the count the roster is judged by (one head at a time by
    its marginal gain, as on the envelope; Erlang's curve is S-shaped there, so not exact, but never short)."""
    heads = np.array(lean, dtype=np.int64)
    low = max(SURPLUS_CREDIT * floor_price, 1e-9)
    for q, envelope in enumerate(curves.values):
        by_slot: Mapping[int, tuple[int, ...]] = (
            {t: curves.exact_curve(q, t) or curve for t, curve in envelope.items()} if exact else envelope)
        free = [t for t in sorted(by_slot) if not math.isnan(cost[q, t])]
        if not free:
            continue
        for t in free:
            heads[q, t] = curves.floor_heads[q, t]
        answered = sum(curve[min(int(heads[q, t]), len(curve) - 1)] for t, curve in by_slot.items())

        def price(t: int, n: int, q: int = q) -> float:  # the cost of head n + 1 at slot t
            if n < lean[q, t]:
                return max(cost[q, t], low)
            if n < lean[q, t] + surplus[q, t]:
                return low
            return max(cost[q, t], floor_price)

        def entry(t: int, q: int = q, by_slot: Mapping[int, tuple[int, ...]] = by_slot) -> tuple[float, int] | None:
            curve, n = by_slot[t], int(heads[q, t])
            if n + 1 >= len(curve):
                return None
            return -(curve[n + 1] - curve[n]) / price(t, n), t

        heap = [e for t in free if (e := entry(t)) is not None]
        heapq.heapify(heap)
        while answered < curves.target_units[q] and heap:
            ratio, t = heapq.heappop(heap)
            if ratio >= 0:
                break
            curve, n = by_slot[t], int(heads[q, t])
            answered += curve[n + 1] - curve[n]
            heads[q, t] = n + 1
            if (e := entry(t)) is not None:
                heapq.heappush(heap, e)
    return heads


def priced_start(lean: Instance, curves: WeeklyCurves, rounds: int = ROUNDS, seconds: float = math.inf,
                 max_work_seconds: float = math.inf, spend_seconds: Callable[[float], None] = lambda s: None,
                 on_time_out: Callable[[], None] | None = None, stop: Stop = NO_STOP,
                 shared_breaks: bool = False, exact: bool = False) -> tuple[AggregateSolution, np.ndarray] | None:
    """The start LP of the ``lean`` instance (the weekly mode's lean requirement, ``weekly_start``), re-priced
    ``rounds`` times (module docstring): the plan of the cheapest LP (its objective, the requirement's
    under-staffing included) and its requirement; the work passed to ``spend_seconds`` (the first solve
    ``lp_work``, each re-solve ``RESOLVE_WORK_FACTOR`` of its solve part; a build over ``max_work_seconds`` its
    build). None when it is over its share, the clock or ``stop`` cut it (then ``on_time_out``), or GLOP fails.
    With ``exact`` the requirement is re-chosen on Erlang's own curves (``priced_heads``) and the last LP solved is
    the start whatever its objective: the lean requirement it is compared with is short by Erlang's count, so the
    two LPs' objectives do not price the same thing."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None or stop.stopped():
        return None
    lp = _AggregateLp(lean, solver, None, shared_breaks)
    variables, rows = solver.NumVariables(), solver.NumConstraints()
    if lp_work(variables, rows) > max_work_seconds:
        spend_seconds(variables * LP_BUILD_SECONDS_PER_VARIABLE)
        return None
    requirement = np.array(deadline_cover.live_requirements(lean), dtype=np.int64)
    allocations = allocation_variables(lp, solver) if rounds else {}
    floor_price = FLOOR_PRICE * head_floor_price(lean)
    best: tuple[float, AggregateSolution, np.ndarray] | None = None
    for round_number in range(rounds + 1):
        if math.isfinite(seconds):
            solver.SetTimeLimit(max(1, int(seconds * 1000)))
        with stop.watching(solver.InterruptSolve):
            status = solver.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            timed_out = math.isfinite(seconds) and solver.WallTime() >= 0.9 * seconds * 1000
            if on_time_out is not None and (timed_out or stop.stopped()):
                on_time_out()
            break
        solve_part = lp_work(variables, rows) - variables * LP_BUILD_SECONDS_PER_VARIABLE
        spend_seconds(lp_work(variables, rows) if round_number == 0 else RESOLVE_WORK_FACTOR * solve_part)
        value = solver.Objective().Value() + lean.config.weights.understaffed_agent_interval * requirement.sum()
        if best is None or value < best[0] - RELATIVE_TOLERANCE * abs(value) or (exact and round_number > 0):
            best = (value, _solution(lp, variables, rows), requirement.copy())
        if round_number == rounds:
            break
        cost, surplus = cover_prices(lp, solver, requirement.shape, allocations)
        priced = priced_heads(curves, requirement, cost, surplus, floor_price, exact=exact)
        set_requirement(lp, allocations, priced)
        requirement = priced
    return None if best is None else (best[1], best[2])


def set_requirement(lp: _AggregateLp, allocations: dict[tuple[int, int], list[pywraplp.Variable]],
                    heads: np.ndarray) -> None:
    """The built LP's cover rows and allocation bounds moved to the requirement ``heads`` (its rows only)."""
    for (q, slot), row in lp.cover_rows.items():
        row.SetUb(float(heads[q, slot]))
        for var in allocations.get((q, slot), []):
            var.SetUb(float(heads[q, slot]) / row.GetCoefficient(var))


def _solution(lp: _AggregateLp, variables: int, rows: int) -> AggregateSolution:
    """The solved LP's plan as the start (no bound)."""
    plans = tuple(
        ClassPlan(agent_class, tuple(patterns), tuple(max(0.0, v.solution_value()) for v in mix),
                  tuple(tuple(max(0.0, var.solution_value()) for _, var in day) for day in day_vars))
        for agent_class, patterns, mix, day_vars in lp.classes)
    return AggregateSolution(0.0, plans, variables, rows, lp.deadlines.heads())
