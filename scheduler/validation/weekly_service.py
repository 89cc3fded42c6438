"""The weekly service level per queue against its target, counted independently of the model
(``objective.service_level: weekly``).

From the roster alone: an agent is on the floor in an interval their shift covers and no break or activity
does. In each interval the agents on the floor are given to the queues they are skilled for one at a time,
each to the queue with the best rate of answered contacts per extra head (the steepest chord of Erlang's
answered-contacts curve from the queue's current heads), while a head can still be given: Hall's condition
(every set of queues gets at most the agents skilled for one of them) with few queues, a maximum flow with
many. The answered contacts are Erlang's (``forecasting.queueing.staffing.service_level_for_heads``) at the
heads given; the weekly level is their sum over the queue's contacts. Nothing here is shared with the solver's
curves or allocation.

Giving each head where it answers the most can leave the queue with the tightest target short while the others
are points above theirs, though another allocation of the same heads meets every target. So when a queue misses,
the allocation is searched again with each queue's rates weighted: each round, a queue's weight falls with its
surplus over its target and grows with its shortfall (multiplicatively, by a step that shrinks each round), for
up to ``WEIGHT_ROUNDS`` rounds, and the allocation with the fewest contacts short of the targets (the first when
equal) is the one counted. Every allocation counted is a real one
of the roster's agents, so a target "met" is met.

That search can still miss an allocation that meets every target by a fraction of a point (seed 924244 at 60
agents with ``weekly_floor: level``: the scoring's priced allocation meets all three 80% targets, service by 0.02
points, while the search's best left service at 79.9%). So the caller may hand over a certificate: the heads per
queue and slot of the allocation the solver counted. It is checked here against this module's own count of the
agents on the floor (Hall's condition or a maximum flow, slot by slot: a certificate that asks for heads the
roster does not have is ignored whole) and counted with Erlang's values here, and it is the one counted when it
leaves fewer contacts short than the search's best. The verdict stays this module's own; the certificate only
says where to look.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import overload

import numpy as np
import pandas as pd
from ortools.graph.python import max_flow

from forecasting.queueing.staffing import QueueTarget, service_level_for_heads
from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import Roster
from scheduler.domain.week import Week

# Above this many queues, a head's feasibility is checked by a maximum flow instead of Hall's subsets.
HALL_QUEUES = 8
# The weighted allocations tried when a queue misses its target: rounds, the first round's step (a queue's
# weight times exp(-step) to exp(step)) and its decay per round.
WEIGHT_ROUNDS = 16
WEIGHT_STEP = 0.5
WEIGHT_DECAY = 0.8


@dataclass(frozen=True)
class WeeklyLevel:
    """One queue's week: the level delivered (a share), its target, and whether it is met."""

    level: float
    target: float
    met: bool
    worst_interval: float = 1.0  # the lowest level of an interval with contacts
    # the level of each week slot with contacts (a share), under the same allocation
    by_slot: Mapping[int, float] = field(default_factory=dict, compare=False)


def weekly_levels(config: PlanConfig, week: Week, roster: Roster, required: pd.DataFrame,
                  targets: Mapping[str, QueueTarget],
                  certificate: Mapping[str, Mapping[int, int]] | None = None) -> dict[str, WeeklyLevel]:
    """Per live queue (config order; deferred queues have their deadline figures instead), the weekly level the
    roster delivers and its target; ``required`` holds the rows ``interval_start, queue, contacts,
    aht_seconds``. ``certificate`` (optional): heads per queue id and week slot of an allocation to check and
    count as well (module docstring)."""
    queue_ids = [q.queue_id for q in config.queues]
    skills = {a.agent_id: a.skills for a in config.agents}
    sets = sorted(set(skills.values()))
    present = np.zeros((len(sets), week.slot_count), dtype=np.int64)
    for shift in roster.shifts:
        day = week.day_index(shift.date)
        row = np.zeros(week.slot_count, dtype=bool)
        row[week.slot(day, shift.start_minute):week.slot(day, shift.end_minute)] = True
        for start, minutes in [(b.start_minute, b.minutes) for b in shift.breaks] + [
                (a.start_minute, a.minutes) for a in shift.activities]:
            row[week.slot(day, start):week.slot(day, start + minutes)] = False
        present[sets.index(skills[shift.agent_id])] += row
    answered_at: dict[tuple[int, int], np.ndarray] = {}
    volume_at: dict[tuple[int, int], float] = {}
    contacts = np.zeros(len(queue_ids))
    skilled = [sum(q in s for s in skills.values()) for q in queue_ids]
    for q, queue_id in enumerate(queue_ids):
        rows = required[(required["queue"] == queue_id) & (required["contacts"] > 0)]
        if config.queues[q].deferred:  # judged against its deadline (``kpis.json`` ``deferred``), not here
            continue
        heads = np.arange(skilled[q] + 1, dtype=float)
        for start, volume, aht in zip(rows["interval_start"], rows["contacts"], rows["aht_seconds"], strict=True):
            slot = week.slot_of(start.to_pydatetime())
            answered_at[q, slot] = float(volume) * service_level_for_heads(float(volume), float(aht), heads,
                                                                           targets[queue_id])
            contacts[q] += float(volume)
            volume_at[q, slot] = float(volume)
    live = [q for q in range(len(queue_ids)) if not config.queues[q].deferred and contacts[q] > 0]
    goal = np.array([targets[queue_id].service_level_target for queue_id in queue_ids]) * contacts

    def short_of(answered: np.ndarray) -> np.ndarray:
        return np.array([max(0.0, goal[q] - answered[q] - 1e-9 * contacts[q]) if q in live else 0.0
                         for q in range(len(queue_ids))])

    weights = [1.0] * len(queue_ids)
    answered, worst, by_slot = _count(weights, present, answered_at, volume_at, sets, queue_ids)
    short = short_of(answered)
    last, step = answered, WEIGHT_STEP
    for _ in range(WEIGHT_ROUNDS if short.sum() > 0 else 0):
        # each queue's surplus over its target (a share of its contacts; negative: short), the largest scaled to 1
        surplus = np.array([(last[q] - goal[q]) / contacts[q] if q in live else 0.0 for q in range(len(queue_ids))])
        spread = float(np.abs(surplus).max()) or 1.0
        weights = [w * math.exp(-step * surplus[q] / spread) for q, w in enumerate(weights)]
        step *= WEIGHT_DECAY
        counted = _count(weights, present, answered_at, volume_at, sets, queue_ids)
        last, tried = counted[0], short_of(counted[0])
        if tried.sum() < short.sum():
            (answered, worst, by_slot), short = counted, tried
        if tried.sum() == 0:
            break
    if certificate is not None and short.sum() > 0:
        fixed = {slot: [int(certificate.get(queue_id, {}).get(slot, 0)) for queue_id in queue_ids]
                 for slot in {slot for _, slot in answered_at}}
        checked = _count(weights, present, answered_at, volume_at, sets, queue_ids, fixed)
        if checked is not None and short_of(checked[0]).sum() < short.sum():
            answered, worst, by_slot = checked
    out = {}
    for q, queue_id in enumerate(queue_ids):
        if config.queues[q].deferred:
            continue
        level = float(answered[q] / contacts[q]) if contacts[q] > 0 else 1.0
        target = targets[queue_id].service_level_target
        out[queue_id] = WeeklyLevel(round(level, 6), target, level >= target - 1e-9, round(float(worst[q]), 6),
                                    by_slot[q])
    return out


@overload
def _count(weights: list[float], present: np.ndarray, answered_at: Mapping[tuple[int, int], np.ndarray],
           volume_at: Mapping[tuple[int, int], float], sets: list[tuple[str, ...]],
           queue_ids: list[str]) -> tuple[np.ndarray, np.ndarray, list[dict[int, float]]]: ...


@overload
def _count(weights: list[float], present: np.ndarray, answered_at: Mapping[tuple[int, int], np.ndarray],
           volume_at: Mapping[tuple[int, int], float], sets: list[tuple[str, ...]], queue_ids: list[str],
           fixed: Mapping[int, list[int]]) -> tuple[np.ndarray, np.ndarray, list[dict[int, float]]] | None: ...


def _count(weights: list[float], present: np.ndarray, answered_at: Mapping[tuple[int, int], np.ndarray],
           volume_at: Mapping[tuple[int, int], float], sets: list[tuple[str, ...]], queue_ids: list[str],
           fixed: Mapping[int, list[int]] | None = None
           ) -> tuple[np.ndarray, np.ndarray, list[dict[int, float]]] | None:
    """Answered contacts per queue over the week, its worst interval's level and each slot's level (a share), with
    every interval's heads given by ``_give`` under ``weights``, or as ``fixed[slot]`` (heads per queue) says:
    None when in some slot the agents on the floor cannot supply those heads."""
    answered = np.zeros(len(queue_ids))
    worst = np.ones(len(queue_ids))
    by_slot: list[dict[int, float]] = [{} for _ in queue_ids]
    for slot in sorted({slot for _, slot in answered_at}):
        curves = [answered_at.get((q, slot)) for q in range(len(queue_ids))]
        if fixed is None:
            given = _give(present[:, slot].tolist(), sets, queue_ids, curves, weights)
        else:
            given = [n if curves[q] is not None else 0 for q, n in enumerate(fixed[slot])]
            if min(given) < 0 or not _fits(given, present[:, slot].tolist(), sets, queue_ids):
                return None
        for q, curve in enumerate(curves):
            if curve is not None:
                answered[q] += curve[min(given[q], len(curve) - 1)]
                by_slot[q][slot] = round(float(curve[min(given[q], len(curve) - 1)] / volume_at[q, slot]), 6)
                worst[q] = min(worst[q], by_slot[q][slot])
    return answered, worst, by_slot


def _give(counts: list[int], sets: list[tuple[str, ...]], queue_ids: list[str],
          curves: list[np.ndarray | None], weights: list[float] | None = None) -> list[int]:
    """Heads per queue in one interval (module docstring), each queue's rates times ``weights[q]`` (default 1)."""
    weight = [1.0] * len(queue_ids) if weights is None else weights
    given = [0] * len(queue_ids)
    blocked = [c is None for c in curves]
    while True:
        best, best_q = 0.0, -1
        for q, curve in enumerate(curves):
            if blocked[q] or curve is None or given[q] + 1 >= len(curve):
                continue
            rates = weight[q] * (curve[given[q] + 1:] - curve[given[q]]) / np.arange(1, len(curve) - given[q])
            if rates.max() > best + 1e-12:
                best, best_q = float(rates.max()), q
        if best_q < 0:
            return given
        given[best_q] += 1
        if not _fits(given, counts, sets, queue_ids):
            given[best_q] -= 1
            blocked[best_q] = True


def _fits(given: list[int], counts: list[int], sets: list[tuple[str, ...]], queue_ids: list[str]) -> bool:
    """Whether the agents on the floor can supply ``given`` heads per queue, each agent to one of its skills."""
    wanted = [q for q, n in enumerate(given) if n]
    if len(wanted) <= HALL_QUEUES:
        for size in range(1, len(wanted) + 1):
            for subset in combinations(wanted, size):
                names = {queue_ids[q] for q in subset}
                supply = sum(n for n, s in zip(counts, sets, strict=True) if names.intersection(s))
                if sum(given[q] for q in subset) > supply:
                    return False
        return True
    flow = max_flow.SimpleMaxFlow()
    source, sink = 0, 1
    for g, (n, s) in enumerate(zip(counts, sets, strict=True)):
        flow.add_arc_with_capacity(source, 2 + g, n)
        for q in wanted:
            if queue_ids[q] in s:
                flow.add_arc_with_capacity(2 + g, 2 + len(sets) + q, n)
    for q in wanted:
        flow.add_arc_with_capacity(2 + len(sets) + q, sink, given[q])
    flow.solve(source, sink)
    return flow.optimal_flow() == sum(given)
