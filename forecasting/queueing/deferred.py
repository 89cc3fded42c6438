"""Deferred work (email, social messages, back-office items): a fluid backlog model over the week, not Erlang.

Items arrive per interval as forecast and may be worked in any interval the queue is open, first in first out,
until they fall due ``deadline`` after arrival. The deadline counts the queue's opening hours only
(``open_hours``: an item arriving at night starts its clock at the next opening) or the clock (``elapsed``).
Work is in *agent-intervals*: ``contacts * aht_seconds / interval_seconds`` (one agent busy for one interval).

The model is fluid: an interval's arrivals are a continuous amount of work that may be served from the start of
that interval; FIFO serves the oldest work first. With cumulative arrivals ``A`` and cumulative work ``S``:

- the work of interval ``t`` is handled within its deadline for the part of it that ``S`` has reached by the end
  of its due interval ``due[t]``;
- a work plan keeps every item within its deadline iff, after every open interval, ``S`` is at least the work
  that falls due before the next open interval starts (or all work arrived, when less: an item that falls due
  before the queue opens again after it arrived is late whatever the plan), and never above the work arrived.

:func:`smoothest_work` finds, between those two bounds, the *taut string* (shortest path) through the open
intervals: among all plans that keep every deadline it has the lowest peak work and minimises every convex cost
of the work per interval, and it does no work that is not due inside the horizon (the rest is the backlog the
horizon leaves). With a target share below 1, :func:`plan_work` searches the longest deadline (on the interval
grid, at least the real one) whose taut string still handles the target share of the work within the *real*
deadline (:func:`simulate`), so the plan can leave the allowed share late.

The horizon (a planned week) starts with no backlog; items falling due after its end are not required of it.
Everything here is pure numpy over arrays of shape ``(slots,)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasting.errors import InputError

DEADLINE_CLOCKS = ("open_hours", "elapsed")
# Work below this (agent-intervals) is float noise: no item is that small.
EPSILON = 1e-9


def due_slots(open_mask: np.ndarray, deadline_slots: int, clock: str) -> np.ndarray:
    """The slot by whose end the work arriving in each slot must be handled, shape ``(slots,)``.

    ``elapsed``: ``t + deadline_slots - 1``. ``open_hours``: the ``deadline_slots``-th open slot at or after
    ``t``. A value ``>= slots`` means the item falls due after the horizon.
    """
    if deadline_slots < 1:
        raise InputError(f"deadline must be at least one interval, got {deadline_slots} interval(s)")
    if clock not in DEADLINE_CLOCKS:
        raise InputError(f"deadline clock must be one of {', '.join(DEADLINE_CLOCKS)}, got {clock!r}")
    slots = open_mask.size
    index = np.arange(slots)
    if clock == "elapsed":
        return index + deadline_slots - 1
    open_slots = np.flatnonzero(open_mask)
    first_open = np.searchsorted(open_slots, index)  # rank of the first open slot at or after t
    rank = first_open + deadline_slots - 1
    due = np.full(slots, slots, dtype=np.int64)  # past the horizon unless the rank exists
    inside = rank < open_slots.size
    due[inside] = open_slots[rank[inside]]
    return due


def clock_of(open_mask: np.ndarray, clock: str) -> np.ndarray | None:
    """The slots a deadline's clock counts: the open ones (``open_hours``) or all (``elapsed``: None)."""
    return np.asarray(open_mask, dtype=bool) if clock == "open_hours" else None


@dataclass(frozen=True)
class Outcome:
    """What a work plan does to the backlog, all arrays ``(slots,)``.

    ``served``: work handled in each slot (agent-intervals); ``backlog``: work waiting at the end of each slot;
    ``within``: the share of each slot's arrivals handled within its deadline (1 where nothing arrives, and for
    work falling due after the horizon that is not yet late); ``oldest_minutes``: age at the end of each slot of
    the oldest item waiting, on the deadline's clock (0 when none waits). ``share_within`` is the week's share
    of the work falling due inside the horizon that was handled in time (1.0 when none falls due).
    """

    served: np.ndarray
    backlog: np.ndarray
    within: np.ndarray
    oldest_minutes: np.ndarray
    share_within: float


def simulate(arrivals: np.ndarray, capacity: np.ndarray, due: np.ndarray, interval_minutes: int,
             clock_mask: np.ndarray | None = None) -> Outcome:
    """FIFO fluid service of ``arrivals`` (work per slot) by ``capacity`` (work that can be done per slot).

    Shapes ``(slots,)``; ``due`` from :func:`due_slots`. Unused capacity is lost (nothing is worked ahead of its
    arrival). Ages count the slots where ``clock_mask`` is True (the opening hours of an ``open_hours`` deadline),
    every slot when it is None (``elapsed``)."""
    slots = arrivals.size
    cumulative = np.cumsum(arrivals)
    served_total = np.zeros(slots)
    done = 0.0
    for t in range(slots):
        done = min(float(cumulative[t]), done + float(capacity[t]))
        served_total[t] = done
    before = cumulative - arrivals
    inside = due < slots
    reached = np.where(inside, served_total[np.minimum(due, slots - 1)], cumulative)
    with np.errstate(invalid="ignore", divide="ignore"):
        within = np.where(arrivals > EPSILON, np.clip((reached - before) / np.where(arrivals > 0, arrivals, 1.0),
                                                      0.0, 1.0), 1.0)
    due_work = float(arrivals[inside].sum())
    share = float((within * arrivals)[inside].sum() / due_work) if due_work > EPSILON else 1.0
    backlog = np.maximum(cumulative - served_total, 0.0)
    # the oldest waiting work arrived in the first slot whose cumulative arrivals pass what is served
    first_waiting = np.minimum(np.searchsorted(cumulative, served_total + EPSILON, side="right"), slots - 1)
    ticks = np.ones(slots, dtype=np.int64) if clock_mask is None else np.asarray(clock_mask, dtype=np.int64)
    counted = np.cumsum(ticks)  # clock slots up to and including each slot
    age_slots = np.where(backlog > EPSILON, counted - (counted[first_waiting] - ticks[first_waiting]), 0)
    served = np.diff(served_total, prepend=0.0)
    return Outcome(served=served, backlog=backlog, within=within,
                   oldest_minutes=(age_slots * interval_minutes).astype(np.int64), share_within=min(share, 1.0))


def smoothest_work(arrivals: np.ndarray, open_mask: np.ndarray, due: np.ndarray) -> np.ndarray:
    """The work per slot (agent-intervals, ``(slots,)``, 0 where closed) of the taut string: every item handled
    by its due slot where that is possible, no work ahead of arrival, the lowest peak (module docstring)."""
    slots = arrivals.size
    open_slots = np.flatnonzero(open_mask)
    work = np.zeros(slots)
    steps = open_slots.size
    if steps == 0:
        return work
    cumulative = np.cumsum(arrivals)
    # bounds after k open slots, k = 0..steps
    upper = np.concatenate(([0.0], cumulative[open_slots]))
    next_open = np.concatenate((open_slots[1:], [slots]))  # the slot the next open slot starts at
    order = np.argsort(due, kind="stable")
    due_sorted = due[order]
    due_cumulative = np.concatenate(([0.0], np.cumsum(arrivals[order])))
    # work falling due before the next opening (items due after the horizon are never required)
    lower = np.concatenate(([0.0], due_cumulative[np.searchsorted(due_sorted, next_open, side="left")]))
    lower = np.minimum(lower, upper)
    upper = upper.copy()
    upper[-1] = lower[-1]  # end on the least: no work that is not due inside the horizon
    path = _taut_string(lower, upper)
    work[open_slots] = np.maximum(np.diff(path), 0.0)
    return work


def _taut_string(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The shortest path from (0, 0) through ``lower[k] <= path[k] <= upper[k]``, k = 0..n, breakpoints on
    whole k; ``lower`` and ``upper`` non-decreasing, ``lower[0] = upper[0] = 0``, ``lower[n] = upper[n]``."""
    n = lower.size - 1
    path = np.zeros(n + 1)
    pos, value = 0, 0.0
    while pos < n:
        ahead = np.arange(pos + 1, n + 1)
        run = ahead - pos
        high = np.minimum.accumulate((upper[pos + 1:] - value) / run)
        low = np.maximum.accumulate((lower[pos + 1:] - value) / run)
        crossed = np.flatnonzero(low > high + EPSILON)
        if crossed.size == 0:
            slope = (upper[n] - value) / (n - pos)
            path[pos + 1:] = value + slope * run
            break
        j = int(crossed[0])
        if j > 0 and low[j] > high[j - 1] + EPSILON:
            # a lower bound rose past the ceiling: the string bends down at the tightest upper point before it
            touch = int(np.flatnonzero((upper[pos + 1:pos + 1 + j] - value) / run[:j] <= high[j - 1] + EPSILON)[-1])
            slope, end = high[j - 1], upper[pos + 1 + touch]
        elif j > 0:
            touch = int(np.flatnonzero((lower[pos + 1:pos + 1 + j] - value) / run[:j] >= low[j - 1] - EPSILON)[-1])
            slope, end = low[j - 1], lower[pos + 1 + touch]
        else:  # the very next point alone is out of reach: impossible with lower <= upper, kept safe
            touch, slope, end = 0, lower[pos + 1] - value, lower[pos + 1]
        path[pos + 1:pos + 2 + touch] = value + slope * run[:touch + 1]
        pos, value = pos + 1 + touch, float(end)
        path[pos] = value
    return path


@dataclass(frozen=True)
class WorkPlan:
    """The minimum work of a deferred queue: ``work`` per slot (agent-intervals, before shrinkage) and the
    ``outcome`` it gives (:class:`Outcome`); ``planned_deadline_slots`` is the deadline the plan was drawn to
    (longer than the real one when the target share leaves work late)."""

    work: np.ndarray
    outcome: Outcome
    planned_deadline_slots: int


def plan_work(arrivals: np.ndarray, open_mask: np.ndarray, deadline_slots: int, clock: str, share_target: float,
              interval_minutes: int) -> WorkPlan:
    """The smoothest work plan that handles at least ``share_target`` of the work within the deadline (or as much
    as any plan can, when items fall due before the queue reopens). Shapes ``(slots,)``; ``arrivals`` in
    agent-intervals per slot, ``open_mask`` True where the queue may be worked."""
    if not 0 < share_target <= 1:
        raise InputError(f"share within the deadline must be in (0, 1], got {share_target}")
    arrivals = np.asarray(arrivals, dtype=float)
    if arrivals.size and (not np.isfinite(arrivals).all() or arrivals.min() < 0):
        raise InputError("deferred work per interval must be finite numbers >= 0")
    open_mask = np.asarray(open_mask, dtype=bool)
    real_due = due_slots(open_mask, deadline_slots, clock)

    def attempt(slots: int) -> WorkPlan:
        work = smoothest_work(arrivals, open_mask, due_slots(open_mask, slots, clock))
        return WorkPlan(work, simulate(arrivals, work, real_due, interval_minutes, clock_of(open_mask, clock)), slots)

    best = attempt(deadline_slots)
    if share_target >= 1 or best.outcome.share_within < share_target:
        return best
    low, high = deadline_slots, max(deadline_slots, arrivals.size)
    while low < high:  # the longest planned deadline still reaching the target share
        middle = (low + high + 1) // 2
        trial = attempt(middle)
        if trial.outcome.share_within >= share_target - EPSILON:
            low, best = middle, trial
        else:
            high = middle - 1
    return best


def whole_heads(work: np.ndarray, shrinkage: float) -> np.ndarray:
    """Whole agents per slot whose time after ``shrinkage`` covers ``work`` cumulatively: at the end of every slot
    the heads so far, times ``1 - shrinkage``, are at least the work so far (so every deadline the fluid plan
    keeps is kept), and the week's heads exceed the fluid heads by less than one. Shape ``(slots,)``, int64."""
    heads = np.cumsum(np.asarray(work, dtype=float)) / (1.0 - shrinkage)
    whole = np.ceil(np.round(heads, 9) - 1e-9)
    return np.diff(whole, prepend=0.0).clip(min=0).astype(np.int64)
