"""Answered-within-target contacts as a concave function of the heads a queue gets in one interval.

For the weekly service-level objective (``objective.service_level: weekly``): per queue ``q`` and week slot
``t`` with contacts, ``answered[q, t](n) = SL(n) * contacts`` at each whole head count ``n`` (``SL`` from
``forecasting.queueing.staffing.service_level_for_heads``: Erlang C, Erlang A with a patience, chat with
its concurrency, after shrinkage). ``SL`` is S-shaped: zero up to the stability point, convex just above it
and concave beyond. The curves here are its **concave envelope** (the least concave function above the points,
their upper convex hull), so below the stability point the envelope counts more answered contacts than
Erlang does. The floor (``objective.min_interval_service_level``) is therefore raised, where needed, to the
first head count at which the envelope meets Erlang's curve: a roster that keeps the floor is counted at
Erlang's own values. Values are integers in ``1 / ANSWER_SCALE`` contacts, rounded so that the marginal gains
stay non-increasing (the CP-SAT model and the LP bound read these integers, and the scoring allocates heads by
them). ``exact`` holds Erlang's own values at each head count (never above the envelope): the local search's
scoring counts a roster by them, so an interval left under its floor (priced as under-staffing) is counted at
what Erlang answers there, as the independent validator counts it, not at the envelope's optimistic value.

A deferred queue (``deadline_minutes``) has no curve: its requirement stays the per-interval one (the
backlog model's) and its target is the deadline's. ``n`` runs from 0 to the heads that could be there (the
agents skilled for the queue, at least the interval's per-interval requirement); beyond the last point the
curve is flat.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting.queueing.staffing import QueueTarget, service_level_for_heads
from scheduler.domain.plan import PlanConfig
from scheduler.domain.week import Week

# Answered contacts are counted in thousandths inside the model: integers for CP-SAT.
ANSWER_SCALE = 1000
# A queue's price (``lean_heads``) in integers: the cheapest queue's is PRICE_SCALE, none above MAX_PRICE_RATIO
# times that.
PRICE_SCALE = 1000
MAX_PRICE_RATIO = 1000
# The powers of the prices the scoring also allocates by, besides equal weights (``WeeklyCurves.weight_sets``).
PRICE_POWERS = (1 / 3, 2 / 3, 1.0, 4 / 3)


@dataclass(frozen=True)
class WeeklyCurves:
    """Per queue (config order): the weekly target in scaled answered contacts, and per slot with contacts the
    concave integer curve ``values[q][t][n]`` (scaled answered contacts at ``n`` heads, flat after the end).

    ``contacts[q]`` is the queue's weekly contacts and ``target_level[q]`` its service-level target (a share);
    ``target_units[q] = ceil(target_level * contacts * ANSWER_SCALE)``. ``floor_heads`` is an int array
    ``[queue, slot]``: the fewest heads whose Erlang service level reaches ``min_interval_service_level`` and
    where the envelope has met Erlang's curve (never above the per-interval requirement);
    ``interval_heads`` the per-interval requirement (the default mode's), where the aggregate LP places its cuts."""

    queue_ids: tuple[str, ...]
    target_level: tuple[float, ...]
    contacts: tuple[float, ...]
    target_units: tuple[int, ...]
    values: tuple[Mapping[int, tuple[int, ...]], ...]
    floor_heads: np.ndarray
    min_level: float
    interval_heads: np.ndarray | None = None  # the per-interval requirement [queue, slot] (the default mode's)
    # per queue and slot, Erlang's own answered contacts at each head count (scaled, never above ``values``, as
    # long as ``values``); empty: the envelope's
    exact: tuple[Mapping[int, tuple[int, ...]], ...] = ()
    # answered contacts per queue by (slot, heads per skill group, weight set): filled by the rule's scoring, shared
    # by every model and search of the instance (a pure function of the curves and the config's skill groups)
    memo: dict[tuple[int, tuple[int, ...], int], tuple[int, ...]] = field(default_factory=dict, compare=False,
                                                                           repr=False)
    # the fewest heads ``[queue, slot]`` (at least the floor) that reach every queue's weekly target, queue by
    # queue (``lean_heads``), and each queue's price: the weight of its answered contacts in the allocation of a
    # slot's heads (``allocation_weights``); None and (): unweighted, per-interval start
    lean: np.ndarray | None = None
    prices: tuple[int, ...] = ()

    def value(self, queue: int, slot: int, heads: int) -> int:
        """Scaled answered contacts of ``queue`` in ``slot`` with ``heads`` heads (0 for a slot without contacts)."""
        curve = self.values[queue].get(slot)
        if curve is None:
            return 0
        return curve[min(heads, len(curve) - 1)]

    def exact_curve(self, queue: int, slot: int) -> tuple[int, ...] | None:
        """Erlang's own scaled answered contacts of ``queue`` in ``slot`` per head count (None: no contacts)."""
        return (self.exact[queue] if self.exact else self.values[queue]).get(slot)

    def weight_sets(self) -> tuple[tuple[int, ...], ...]:
        """The allocations a roster's week is counted under, as per-queue integer weights of the answered contacts
        when a slot's heads are allocated: all equal (the most answered contacts: the least shortfall while every
        queue is short), then the prices (``lean_heads``) raised to each power of ``PRICE_POWERS`` (the prices
        fit a roster near the fewest heads; a roster with heads to spare is best shared somewhere between), when
        the prices differ."""
        unit = (PRICE_SCALE,) * len(self.queue_ids)
        if not self.prices or len(set(self.prices)) == 1:
            return (unit,)
        sets = [unit]
        for power in PRICE_POWERS:
            weights = tuple(int(round(PRICE_SCALE * (p / PRICE_SCALE) ** power)) for p in self.prices)
            if weights not in sets:
                sets.append(weights)
        return tuple(sets)

    def slots(self) -> list[int]:
        """Every slot where some queue has contacts, ascending."""
        return sorted({t for by_slot in self.values for t in by_slot})


def concave_envelope(points: np.ndarray) -> np.ndarray:
    """The least concave function above ``points[n]`` (n = 0, 1, ...), evaluated at each ``n``: shape (m,)."""
    hull: list[int] = []
    for n in range(len(points)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b when it lies on or below the chord from a to n
            if (points[b] - points[a]) * (n - a) <= (points[n] - points[a]) * (b - a):
                hull.pop()
            else:
                break
        hull.append(n)
    return np.interp(np.arange(len(points)), np.array(hull, dtype=float), points[hull])


def integer_curve(envelope: np.ndarray) -> tuple[int, ...]:
    """``envelope`` (contacts) in scaled integers with non-increasing, non-negative marginals (so still concave),
    trimmed after the last rise."""
    scaled = np.round(envelope * ANSWER_SCALE).astype(np.int64)
    values = [int(scaled[0])]
    step = math.inf
    for n in range(1, len(scaled)):
        step = max(0, min(step, int(scaled[n]) - values[-1]))
        if step == 0:
            break
        values.append(values[-1] + int(step))
    return tuple(values)


def exact_points(points: np.ndarray, curve: tuple[int, ...]) -> tuple[int, ...]:
    """Erlang's answered contacts ``points[n]`` (contacts) scaled to integers at each head count of ``curve`` (the
    integer envelope), never above it: the envelope is a relaxation of these values at every head count. Rounded
    to nearest: the independent validator counts Erlang's unrounded values, so the two counts of one allocation
    can differ by up to half a thousandth of a contact per interval (0.02 points or less on the measured weeks).
    Rounding down would make the scoring never count above Erlang, but it moved the local search's path enough
    to cost 1.0-1.2% paid hours on three 60-agent centres, so it was not kept."""
    scaled = np.round(points[:len(curve)] * ANSWER_SCALE).astype(np.int64)
    return tuple(min(int(a), b) for a, b in zip(scaled, curve, strict=True))


def _requirement_row(week: Week, rows: pd.DataFrame) -> np.ndarray:
    """``agents_required`` of one queue's rows per week slot."""
    row = np.zeros(week.slot_count, dtype=np.int64)
    for start, agents in zip(rows["interval_start"], rows["agents_required"], strict=True):
        row[week.slot_of(start.to_pydatetime())] = int(agents)
    return row


def weekly_curves(config: PlanConfig, week: Week, required: pd.DataFrame, targets: Mapping[str, QueueTarget],
                  min_level: float, tangent: bool = True) -> WeeklyCurves:
    """The curves of every queue and slot from the requirement rows (``interval_start, queue, contacts,
    aht_seconds, agents_required``; ``forecasting.queueing.staffing.requirements``). ``tangent``: the floor is
    at least where the envelope meets Erlang's curve (module docstring); without, only at ``min_level`` (an
    interval under the tangent point is counted at Erlang's value by the scoring and the validator, at the
    envelope's, higher, by CP-SAT and the LP bound, which stay relaxations)."""
    queue_ids = tuple(q.queue_id for q in config.queues)
    skilled = {q: sum(q in a.skills for a in config.agents) for q in queue_ids}
    floor = np.zeros((len(queue_ids), week.slot_count), dtype=np.int64)
    values: list[dict[int, tuple[int, ...]]] = []
    exact: list[dict[int, tuple[int, ...]]] = []
    totals: list[float] = []
    for q, queue_id in enumerate(queue_ids):
        rows = required[(required["queue"] == queue_id) & (required["contacts"] > 0)]
        if config.queues[q].deferred:  # staffed against its deadline (its own rows): no weekly curve
            rows = rows.iloc[:0]
        by_slot: dict[int, tuple[int, ...]] = {}
        erlang: dict[int, tuple[int, ...]] = {}
        contacts = rows["contacts"].to_numpy(float)
        aht = rows["aht_seconds"].to_numpy(float)
        needed = rows["agents_required"].to_numpy(np.int64)
        slots = [week.slot_of(t) for t in rows["interval_start"].dt.to_pydatetime()]
        top = max(skilled[queue_id], int(needed.max(initial=0)))
        heads = np.arange(top + 1, dtype=float)
        for i, slot in enumerate(slots):
            level = service_level_for_heads(contacts[i], aht[i], heads, targets[queue_id])
            points = level * contacts[i]
            envelope = concave_envelope(points)
            by_slot[slot] = integer_curve(envelope)
            erlang[slot] = exact_points(points, by_slot[slot])
            # the floor: the heads reaching the floor level, and at least the first head count where the envelope
            # touches Erlang's curve, so that at every head count a roster keeping the floor can have, the
            # concave curve is Erlang's own value (above it, the two agree at whole heads)
            reached = np.flatnonzero(level >= min_level - 1e-12)
            touching = np.flatnonzero((envelope - points <= 1e-9 * max(1.0, contacts[i])) & (points > 0))
            low = max(int(reached[0]) if reached.size else int(needed[i]),
                      int(touching[0]) if touching.size and tangent else 0)
            floor[q, slot] = min(low, int(needed[i]))
        if config.queues[q].deferred:
            floor[q] = _requirement_row(week, required[required["queue"] == queue_id])
        values.append(by_slot)
        exact.append(erlang)
        totals.append(float(contacts.sum()))
    levels = tuple(targets[q].service_level_target for q in queue_ids)
    units = tuple(math.ceil(level * total * ANSWER_SCALE - 1e-9) for level, total in zip(levels, totals, strict=True))
    floor.flags.writeable = False
    interval = np.array([_requirement_row(week, required[required["queue"] == q]) for q in queue_ids],
                        dtype=np.int64).reshape(floor.shape)
    interval.flags.writeable = False
    lean, prices = lean_heads(tuple(values), floor, units)
    return WeeklyCurves(queue_ids, levels, tuple(totals), units, tuple(values), floor, min_level, interval,
                        tuple(exact), lean=lean, prices=prices)


def lean_heads(values: tuple[Mapping[int, tuple[int, ...]], ...], floor: np.ndarray,
               target_units: tuple[int, ...]) -> tuple[np.ndarray, tuple[int, ...]]:
    """Per queue on its own, the fewest heads ``[queue, slot]`` (each slot at least at ``floor``) whose answered
    contacts reach its weekly target, and each queue's integer price.

    Greedy by marginal gain over the queue's slots (ties: the earlier slot), which is exact for a sum of concave
    curves under one total. The last head's gain ``mu[q]`` (scaled contacts per head; the best gain left when
    the floor alone reaches the target) is the Lagrange multiplier of the queue's target in that problem: a
    head is worth taking for ``q`` while it answers at least ``mu[q]``. The price of ``q`` is
    ``round(PRICE_SCALE * max(mu) / mu[q])`` (at most ``PRICE_SCALE * MAX_PRICE_RATIO``), so allocating a slot's
    heads to maximise the priced answered contacts gives each head where it answers the most relative to
    its queue's threshold: a queue with a tight target (flat curves at its threshold) is not left the heads the
    other queues do not want. Skill sets shared by several queues are ignored here (each queue alone)."""
    heads = np.array(floor, dtype=np.int64)
    thresholds: list[float] = []
    for q, by_slot in enumerate(values):
        answered = sum(curve[min(int(heads[q, t]), len(curve) - 1)] for t, curve in by_slot.items())
        heap = [(-(curve[int(heads[q, t]) + 1] - curve[int(heads[q, t])]), t) for t, curve in sorted(by_slot.items())
                if int(heads[q, t]) + 1 < len(curve)]
        heapq.heapify(heap)
        last = 0
        while answered < target_units[q] and heap:
            gain, t = heapq.heappop(heap)
            if gain >= 0:
                break
            heads[q, t] += 1
            answered -= gain
            last = -gain
            curve = by_slot[t]
            if int(heads[q, t]) + 1 < len(curve):
                heapq.heappush(heap, (-(curve[int(heads[q, t]) + 1] - curve[int(heads[q, t])]), t))
        if not last and heap:
            last = -heap[0][0]
        thresholds.append(float(max(last, 1)))
    heads.flags.writeable = False
    top = max(thresholds, default=1.0)
    prices = tuple(int(round(PRICE_SCALE * min(top / mu, MAX_PRICE_RATIO))) for mu in thresholds)
    return heads, prices
