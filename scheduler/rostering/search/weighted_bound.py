"""A proven lower bound for the proficiency-weighted roster objective (``rostering.effective_cover``).

The aggregate LP of ``search.lower_bound`` already prices cover in average agents when the cover is weighted:
each allocation of a skill set's on-floor heads to a queue brings the skill set's *best* proficiency on that
queue (``effective_cover.best_worth``), each queue's cover is capped by its requirement, and over-staffing is
clipped at zero (heads on the floor less the average agents they cover). Why its optimum is a lower bound on
every roster's weighted objective: take any roster and, per interval, the allocation that gives its cover
(``x[g, q]`` heads of cover group ``g`` on queue ``q``; group ``g`` brings ``P[g, q]`` average agents a head and
the queue's cover is ``c[q] = min(required[q], sum_g P[g, q] x[g, q])``). Set the LP's allocation of skill set
``s`` to ``q`` to ``a[s, q] = t[q] * sum_{g in s} x[g, q] P[g, q] / best[s, q]`` with ``t[q] = c[q] / sum_g P[g, q]
x[g, q] <= 1``. Then the LP's cover of ``q``, ``sum_s best[s, q] a[s, q]``, is exactly ``c[q]`` (so within the
requirement), and since ``P[g, q] <= best[s, q]`` for every group of ``s`` it uses at most the heads the roster has
on the floor. With the same cover, the LP's under-staffing, its clipped over-staffing and the paid hours are the
roster's, and every other row of the LP holds for every valid roster (``search.lower_bound``), so the LP
optimum is at most the roster's objective. Splitting the classes by proficiency vector would make each
coefficient exact, but it was measured to raise the bound by only 1.5% for 1.8 times the LP's work (README,
*Levels, proficiency and floor rules*).

The weighted solve's budget goes to its agent-by-agent start and the weighted local search, whose roster falls
steeply with less budget, so this LP runs only when its predicted work (``lower_bound.lp_work``) fits
``LP_SHARE`` of the time limit; the breaks are counted for all skill sets together (``shared_breaks``), which
gave the same bound at half the work on the example centres with levels (70 and 150 agents). Its work is
charged to the caller's deterministic budget and GLOP is interrupted by the wall-clock cap (``Stop.watching``).

*Exact classes on small centres.* The best-member price is the bound's main slack where few agents share a skill
set (a junior-only queue at its opening is priced at the seniors' proficiency). With the agents' classes split
by proficiency vector (``search.weighted_integer_bound.exact_classes``) every coefficient is exact and the same proof
holds with ``P = best``. That LP has more classes, so it is tried first only when its predicted work
(``EXACT_SECONDS_PER_CLASS`` a class) fits ``EXACT_LP_SHARE`` of the limit, and solved only when its built size
(``lower_bound.lp_work``) fits too; otherwise (its build charged) the best-member LP runs as before. Splitting
classes only restricts the LP and tightens its coefficients, so its optimum is at least the best-member one's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from scheduler.rostering.instance import Instance
from scheduler.rostering.search.lower_bound import (
    LP_BUILD_SECONDS_PER_VARIABLE,
    AggregateSolution,
    agent_classes,
    lp_work,
    solve_aggregate,
)
from scheduler.rostering.search.lp_size import PatternCounts, lp_over
from scheduler.rostering.search.weighted_integer_bound import exact_classes
from scheduler.rostering.stopping import NO_STOP, Stop

# Share of the time limit (seconds of predicted work, ``lower_bound.lp_work``) the weighted bound's LP may take:
# its work comes out of the weighted search's budget.
LP_SHARE = 0.1
# Share of the time limit the exact-class LP may take: the best-member LP's own share, so the finer bound never takes
# budget from the search (at a quarter of the limit, 25-agent rosters came out 0.1-4.6% worse); and the exact LP's
# predicted work a class before it is built (CPU seconds; measured 0.20-0.33 on centres of 12-40 agents
# with levels, so the median: a centre whose LP would not fit is rarely built for nothing).
EXACT_LP_SHARE = 0.1
EXACT_SECONDS_PER_CLASS = 0.3


def weighted_bound(instance: Instance, limit_seconds: float, *, wall_seconds: float,
                   spend_seconds: Callable[[float], None], on_time_out: Callable[[], None] | None = None,
                   stop: Stop = NO_STOP, counts: PatternCounts | None = None) -> float | None:
    """The aggregate LP's proven bound on the weighted objective (objective units): the exact-class LP's when it
    fits ``EXACT_LP_SHARE`` of ``limit_seconds``, else the best-member LP's; ``None`` when neither fits its share,
    GLOP fails, or the wall clock (``wall_seconds``, ``stop``) ends it. ``spend_seconds`` is charged the predicted
    CPU seconds of a solved LP, and the build of one found over its share (a best-member LP whose size's floor,
    ``search.lp_size``, is already over it is not built)."""
    timed_out: list[bool] = []
    exact = _exact_bound(instance, limit_seconds, wall_seconds=wall_seconds, spend_seconds=spend_seconds,
                         on_time_out=lambda: timed_out.append(True), stop=stop)
    if exact is not None or timed_out:  # cut by the clock: the caller is told, and no second LP is started
        if timed_out and on_time_out is not None:
            on_time_out()
        return exact
    if not stop.stopped() and lp_over(instance, LP_SHARE * limit_seconds, shared_breaks=True,
                                      spend_seconds=spend_seconds, counts=counts):
        # over its share before it is built: not built
        return None
    built: list[tuple[int, int]] = []  # the LP's columns and rows, once built
    solution: AggregateSolution | None = solve_aggregate(
        instance, seconds=wall_seconds, max_work_seconds=LP_SHARE * limit_seconds, on_time_out=on_time_out,
        on_built=lambda columns, rows: built.append((columns, rows)), stop=stop, shared_breaks=True)
    if solution is None:
        if built and lp_work(*built[0]) > LP_SHARE * limit_seconds:  # built, over its share: its build was work
            spend_seconds(built[0][0] * LP_BUILD_SECONDS_PER_VARIABLE)
        return None
    spend_seconds(lp_work(solution.variables, solution.rows))
    return solution.bound


def _exact_bound(instance: Instance, limit_seconds: float, *, wall_seconds: float,
                 spend_seconds: Callable[[float], None], on_time_out: Callable[[], None] | None,
                 stop: Stop) -> float | None:
    """The exact-class LP's bound (module docstring), or ``None`` when it has no more classes than the best-member
    LP (then every skill set is usually of one proficiency: taken as no gain), its predicted or built work exceeds
    ``EXACT_LP_SHARE`` of ``limit_seconds`` (a build is then charged), or it is not solved."""
    exact = dataclasses.replace(instance, config=exact_classes(instance.config))
    classes = len(agent_classes(exact.config, exact.week))
    if (classes == len(agent_classes(instance.config, instance.week))
            or classes * EXACT_SECONDS_PER_CLASS > EXACT_LP_SHARE * limit_seconds):
        return None
    built: list[tuple[int, int]] = []
    solution = solve_aggregate(exact, seconds=wall_seconds, max_work_seconds=EXACT_LP_SHARE * limit_seconds,
                               on_time_out=on_time_out, on_built=lambda columns, rows: built.append((columns, rows)),
                               stop=stop, shared_breaks=True)
    if solution is None:
        if built and lp_work(*built[0]) > EXACT_LP_SHARE * limit_seconds:
            spend_seconds(built[0][0] * LP_BUILD_SECONDS_PER_VARIABLE)
        return None
    spend_seconds(lp_work(solution.variables, solution.rows))
    return solution.bound
