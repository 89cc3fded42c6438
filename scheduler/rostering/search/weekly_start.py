"""The weekly service-level mode's LP start (``objective.service_level: weekly``), and what its LP costs.

The aggregate LP with the weekly rows (``rules.weekly_service_level.lp_rows``: an increment per head of each
queue's curve in each interval, all of a queue's week in one row) takes GLOP several times the work of an LP of
its size without them (``lower_bound.lp_work``): measured with ``time.process_time``, 44.2 CPU-s against 9.6
predicted on a 60-agent centre and 105.7 against 14.0 on a 150-agent one (3 queues, 6 skill sets, 15-minute
intervals), while the LP of the same centres' per-interval requirement takes 6.1 and 11.7 CPU-s (6.8 and 10.7
predicted). So the weekly LP is charged ``WEEKLY_LP_WORK_FACTOR`` times its size's work, and when that is over
its share of the budget the search starts from the **per-interval LP** instead (the same centre with each
interval's requirement at its queue's target, the default mode's LP): its rounded roster meets every interval's
target, so it meets the weekly targets set from them too, and the local search, which scores the weekly
objective, takes hours away from there. That LP's bound is the per-interval mode's, not the weekly mode's, so it
is not used as a bound.

That start paid more than the per-interval mode's own roster (README, issue 18): it meets every interval's
target, far above what the weekly targets need. With ``LEAN_START`` the requirement of that LP is the lean one
(``service_curves.lean_heads``): per queue, the fewest heads in each interval, at least the floor, whose answered
contacts reach the queue's weekly target (greedy by marginal gain on the concave curves, exact for each queue on
its own), so the rounded roster starts near the weekly targets and the local search repairs what multi-skill
allocation and rounding leave short. Same LP, same size, charged the same.

HiGHS's interior point with crossover (``search.lp_highs``) solves the weekly LP in about a quarter of GLOP's time
(0.9-1.04 times ``lp_work``, charged ``HIGHS_WEEKLY_LP_WORK_FACTOR``), so it fits a 30-s budget's share at 60
agents x 3 queues; ``WEEKLY_LP_METHOD`` turns it on. It is off: the rounded weekly-LP start ended at more paid
hours than the lean start on most centres measured (README, issue 18). Its plan is short once rounded for
integrality's sake (a tight fractional fit over many weekly patterns), not the envelope's: the cover-kept rounding
against its own heads (``cover_target``, off) keeps no more at its paid hours and takes the search's budget.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from scheduler.rostering.instance import Instance
from scheduler.rostering.search import priced_lean
from scheduler.rostering.search.level_lean import level_lean_heads
from scheduler.rostering.search.lower_bound import (
    GLOP,
    HIGHS_IPM,
    AggregateSolution,
    solve_charged,
)
from scheduler.rostering.search.subset_bound import COARSER, skill_sets
from scheduler.rostering.service_curves import WeeklyCurves
from scheduler.rostering.stopping import NO_STOP, Stop

# The weekly LP's CPU time over ``lp_work`` of its size with GLOP (the larger of the two measured, module
# docstring), and with HiGHS's IPM and crossover (``search.lp_highs``; measured the same way, README issue 18).
GLOP_WEEKLY_LP_WORK_FACTOR = 7.5
HIGHS_WEEKLY_LP_WORK_FACTOR = 1.1
# How the weekly LP is solved (``lower_bound.solve_aggregate``'s ``method``) up to ``HIGHS_MAX_SKILL_SETS`` skill
# sets; the default mode's LP, and the weekly one past that many skill sets (where ``search.lp_size`` skips it and
# the merged-queue start applies), stay GLOP's. Off (GLOP): with HiGHS the weekly LP fits a 30-s budget at 60 x 3
# and gives the start, but its rounded start ends at more paid hours than the lean start (README, issue 18).
WEEKLY_LP_METHOD = GLOP
HIGHS_MAX_SKILL_SETS = COARSER[1]
# Whether the fallback start is the per-interval LP of the lean requirement (the fewest heads per queue and
# interval that reach the weekly targets) rather than of the per-interval one (every interval at its target).
LEAN_START = True
# Whether the lean start LP's requirement is re-chosen by what its cover costs, the LP's duals
# (``search.priced_lean``), and the LP re-solved; with the breaks of all skill sets counted together
# (``lower_bound.SHARED_BREAKS_ABOVE_SKILL_SETS``: a smaller LP, so the two solves take about the one's work).
# Off: the start's paid-hours bound 1.7% lower in the median on ten 60-agent centres, but its rounding further from
# the targets and the rosters not lower (README issue 18).
PRICED_START = False
PRICED_SHARED_BREAKS = True
# Whether the weekly mode's start is the lean LP re-priced as above with the requirement re-chosen on Erlang's own
# curves (``priced_lean.priced_heads(exact=True)``), so that it meets every weekly target by the count the scoring
# and the validator use, rather than on the concave envelope (which counts contacts Erlang does not answer below
# the tangent point, where the level floor lets intervals run); only with ``objective.weekly_floor: level`` and
# where the lean requirement is short of the weekly targets by Erlang's own count by more than
# ``EXACT_PRICED_MIN_SHORT`` of them (``lean_short_share``). Measured (README issue 18, generated centres, 3
# queues, 30-s budgets): the shortfall grows with the centre (2.3-2.7% at 60 agents, 4.8% at 80, 7.7-7.8% at 100,
# 10.8% at 120, 14.3-14.9% at 150). At 150 the exact priced start gave a lower objective on every centre measured
# and fewer paid hours on most; at 60-120 it was a wash (paid hours -1.0% to +1.6%, objective lower on 4 of 9
# centres): there the lean LP's surplus (heads where shifts overhang the requirement) covers most of the shortfall
# once rounded, while the priced requirement has no such surplus and rounds further from the targets. So only
# past 12%, where it was measured better.
# Up to ``EXACT_PRICED_MAX_SKILL_SETS`` skill sets (measured at 6; past 8 the merged-queue start applies, not
# measured with this one).
EXACT_PRICED_START = True
EXACT_PRICED_MIN_SHORT = 0.12
EXACT_PRICED_MAX_SKILL_SETS = COARSER[1]
# Whether the start LP's plan is also rounded by the cover-kept rounding (``search.cover_rounding``, which the
# weekly mode's curves keep from running on the weekly instance itself; the better of it and the plain rounding is
# the start): the weekly LP's against its own heads per queue and slot counted on Erlang's own curve
# (``WEEKLY_COVER_KEPT``), the lean LP's against the lean requirement (``LEAN_COVER_KEPT``); with the greedy dealing
# that lowers the squared residual (``BALANCED_DEALING``). Off: measured in README issue 18.
WEEKLY_COVER_KEPT = False
LEAN_COVER_KEPT = False
BALANCED_DEALING = False
# A fractional head of the weekly LP's heads counts as a whole one above this fraction.
HEAD_ROUNDING = 0.5


def lp_method(instance: Instance) -> str:
    """How ``lower_bound.solve_aggregate`` solves the instance's aggregate LP: ``WEEKLY_LP_METHOD`` in the weekly
    mode up to ``HIGHS_MAX_SKILL_SETS`` skill sets, GLOP otherwise."""
    if instance.service_curves is None or skill_sets(instance) > HIGHS_MAX_SKILL_SETS:
        return GLOP
    return WEEKLY_LP_METHOD


def lp_work_factor(instance: Instance) -> float:
    """How many times ``lower_bound.lp_work`` the instance's aggregate LP takes: 1 outside the weekly mode."""
    if instance.service_curves is None:
        return 1.0
    return HIGHS_WEEKLY_LP_WORK_FACTOR if lp_method(instance) == HIGHS_IPM else GLOP_WEEKLY_LP_WORK_FACTOR


def interval_instance(instance: Instance, lean: bool = LEAN_START) -> Instance | None:
    """The weekly instance's centre with each interval's requirement at its queue's target (the default mode's
    requirement), or with ``lean`` the fewest heads per queue and interval that reach each queue's weekly target
    (``service_curves.lean_heads``, at least the floor; with the level floor and ``objective.weekly_start: level``
    raised to one level per queue by Erlang's own curve, ``search.level_lean``), without the weekly curves; None
    outside the weekly mode."""
    curves = instance.service_curves
    if curves is None or curves.interval_heads is None:
        return None
    heads = curves.lean if lean and curves.lean is not None else curves.interval_heads
    weights = instance.config.weights
    if lean and weights.weekly_floor == "level" and weights.weekly_start == "level":
        # (``objective.weekly_start: level``: the envelope alone counts contacts Erlang does not answer below the
        # tangent point, where the level floor lets intervals run)
        heads = level_lean_heads(curves, base=curves.lean)
    return Instance(instance.config, instance.week, np.array(heads), instance.deadlines)


def lean_short_share(curves: WeeklyCurves, heads: np.ndarray) -> float:
    """How far ``heads`` ``[queue, slot]`` fall short of the weekly targets by Erlang's own answered contacts
    (``WeeklyCurves.exact_curve``, the validator's count): the contacts short, summed over the queues short, over
    the targets' sum (0 when every target is met)."""
    short = total = 0
    for q, by_slot in enumerate(curves.values):
        answered = 0
        for t, envelope in by_slot.items():
            curve = curves.exact_curve(q, t) or envelope
            answered += curve[min(int(heads[q, t]), len(curve) - 1)]
        short += max(0, curves.target_units[q] - answered)
        total += curves.target_units[q]
    return short / total if total else 0.0


def interval_lp_start(instance: Instance, seconds: float = math.inf, max_work_seconds: float = math.inf,
                      on_time_out: Callable[[], None] | None = None,
                      spend_seconds: Callable[[float], None] = lambda seconds: None,
                      stop: Stop = NO_STOP) -> AggregateSolution | None:
    """The per-interval LP's plan as the weekly mode's start (its work, ``lower_bound.lp_work``, passed to
    ``spend_seconds``), with no bound (0: its optimum bounds the per-interval mode, not this one); None outside
    the weekly mode or when ``solve_aggregate`` gives none (over ``max_work_seconds``, the clock, ``stop``). An LP
    built and found over ``max_work_seconds`` is charged its build (``lower_bound.solve_charged``)."""
    interval = interval_instance(instance)
    if interval is None:
        return None
    curves, weights = instance.service_curves, instance.config.weights
    level_start = weights.weekly_floor == "level" and weights.weekly_start == "level"
    exact = (EXACT_PRICED_START and curves is not None and weights.weekly_floor == "level" and not level_start
             and skill_sets(instance) <= EXACT_PRICED_MAX_SKILL_SETS
             and lean_short_share(curves, interval.requirements) > EXACT_PRICED_MIN_SHORT)
    if (PRICED_START or exact) and curves is not None and not level_start:  # (the level start's: not the envelope's)
        priced = priced_lean.priced_start(interval, curves, rounds=priced_lean.ROUNDS, seconds=seconds,
                                          max_work_seconds=max_work_seconds, spend_seconds=spend_seconds,
                                          on_time_out=on_time_out, stop=stop, shared_breaks=PRICED_SHARED_BREAKS,
                                          exact=exact)
        return None if priced is None else priced[0]
    timed_out: list[bool] = []
    solution = solve_charged(interval, max_work_seconds, spend_seconds, timed_out, seconds=seconds, stop=stop)
    if timed_out and on_time_out is not None:
        on_time_out()
    return None if solution is None else dataclasses.replace(solution, bound=0.0)


def cover_target(instance: Instance, solution: AggregateSolution) -> Instance | None:
    """What the cover-kept rounding keeps of the weekly mode's start LP ``solution``, as an instance without the
    weekly curves: the weekly LP's heads per queue and slot (``AggregateSolution.weekly_heads``, counted on
    Erlang's own curve, rounded up above ``HEAD_ROUNDING``, at least the floor) with ``WEEKLY_COVER_KEPT``, the lean
    requirement for the lean LP's plan with ``LEAN_COVER_KEPT``; None otherwise (and outside the weekly mode)."""
    if instance.service_curves is None:
        return None
    if solution.weekly_heads is None:
        return interval_instance(instance) if LEAN_COVER_KEPT else None
    if not WEEKLY_COVER_KEPT:
        return None
    heads = np.maximum(np.ceil(solution.weekly_heads - HEAD_ROUNDING - 1e-9), instance.requirements)
    return Instance(instance.config, instance.week, heads.astype(int), instance.deadlines)
