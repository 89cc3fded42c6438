"""Cumulative (deadline) cover of a deferred queue, as whole heads: what the roster must work by each instant.

A deferred queue's items may be worked in any interval the queue is open, first in first out, until they fall
due. So the roster need not follow a fixed per-interval plan: by the end of every open interval, the heads it
has put on the queue so far must have done at least the work falling due before the queue's next open interval
(``lower``), and heads beyond the work arrived so far do nothing (``upper``). Both are cumulative counts of
whole heads (agent-intervals after shrinkage), one per open interval, the same bounds the fluid backlog model
(``forecasting.queueing.deferred.smoothest_work``) draws its plan between, so that plan (at a target share of
1), turned into whole heads, is one roster-side plan among many that keep them.

This module holds the data only (``DeadlineQueue`` and how to make it); the solver's faces of the rule live in
``rostering.rules.deadline_cover``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Work below this (agent-intervals) is float noise.
EPSILON = 1e-9


@dataclass(frozen=True)
class DeadlineQueue:
    """One deferred queue's cumulative cover.

    ``index``: the queue's row in the requirement array (config order); ``open_slots``: the week slots where it
    may be worked, ascending; ``lower[k]`` / ``upper[k]``: the least / most useful heads worked on it in total
    by the end of ``open_slots[k]`` (whole agent-intervals, non-decreasing, ``lower <= upper``). All tuples of
    the same length. ``deadline_slots``: the deadline in intervals and ``service_level_target``: the share of
    items to handle within it (both price overdue work: ``rules.deadline_cover.overdue_price``).
    """

    index: int
    open_slots: tuple[int, ...]
    lower: tuple[int, ...]
    upper: tuple[int, ...]
    deadline_slots: int = 1
    service_level_target: float = 1.0

    def __post_init__(self) -> None:
        if self.deadline_slots < 1:
            raise ValueError(f"deadline_slots must be >= 1, got {self.deadline_slots}")
        if not 0.0 <= self.service_level_target <= 1.0:
            raise ValueError(f"service_level_target must be in [0, 1], got {self.service_level_target}")
        if not len(self.open_slots) == len(self.lower) == len(self.upper):
            raise ValueError("open_slots, lower and upper must have the same length")
        if any(lo > up for lo, up in zip(self.lower, self.upper, strict=True)):
            raise ValueError("lower must not exceed upper")

    @property
    def due_steps(self) -> np.ndarray:
        """Heads falling due at each open slot (the increments of ``lower``), shape ``(len(open_slots),)``."""
        return np.diff(np.asarray(self.lower, dtype=np.int64), prepend=0)


def whole(work: np.ndarray, shrinkage: float) -> np.ndarray:
    """Cumulative work (agent-intervals) as cumulative whole heads after ``shrinkage`` (rounded up)."""
    heads = np.asarray(work, dtype=float) / (1.0 - shrinkage)
    return np.ceil(np.round(heads, 9) - EPSILON).astype(np.int64)


def deadline_queue(index: int, arrivals: np.ndarray, open_mask: np.ndarray, due: np.ndarray,
                   shrinkage: float, plan_heads: np.ndarray | None = None, deadline_slots: int = 1,
                   service_level_target: float = 1.0) -> DeadlineQueue:
    """The cumulative cover of one queue from its work arriving per slot (``arrivals``, agent-intervals), where
    it is open (``open_mask``) and the slot each slot's work falls due by (``due``, from
    ``forecasting.queueing.deferred.due_slots``, a value past the week meaning after the horizon); shapes
    ``(slots,)``. The same bounds as the fluid model's: after each open slot, the work due before the next open
    slot starts (capped by the work arrived: an item due before the queue reopens is late whatever is done),
    and the work arrived.

    ``plan_heads`` (whole heads per slot of a plan that reaches the queue's target share, e.g. the fluid plan's,
    which may leave the share the target allows late): ``lower`` is then at most what that plan has done by each
    open slot, so any roster keeping ``lower`` serves, first in first out, at least as much as the plan by every
    instant and so handles at least its share within the deadline."""
    arrivals = np.asarray(arrivals, dtype=float)
    slots = arrivals.size
    open_slots = np.flatnonzero(np.asarray(open_mask, dtype=bool))
    cumulative = np.cumsum(arrivals)
    upper = cumulative[open_slots] if open_slots.size else np.zeros(0)
    next_open = np.concatenate((open_slots[1:], [slots]))
    order = np.argsort(due, kind="stable")
    due_sorted = np.asarray(due)[order]
    due_cumulative = np.concatenate(([0.0], np.cumsum(arrivals[order])))
    lower = np.minimum(due_cumulative[np.searchsorted(due_sorted, next_open, side="left")], upper)
    upper_heads = whole(upper, shrinkage)
    lower_heads = np.minimum(whole(lower, shrinkage), upper_heads)
    if plan_heads is not None:
        lower_heads = np.minimum(lower_heads, np.cumsum(np.asarray(plan_heads, dtype=np.int64))[open_slots])
    return DeadlineQueue(index, tuple(int(s) for s in open_slots), tuple(int(v) for v in lower_heads),
                         tuple(int(v) for v in upper_heads), deadline_slots, service_level_target)


def window(queue: DeadlineQueue, first_slot: int, slots: int, done_before: int) -> DeadlineQueue:
    """The part of a horizon's ``queue`` (slots counted from the horizon's start) inside the week of ``slots``
    slots from ``first_slot``, its slots counted from the week's start, when the weeks before have worked
    ``done_before`` useful heads on it: the backlog they left (work arrived, less that done) is there from the
    week's first slot, due when its items fall due (overdue ones at once), on the horizon's real deadlines."""
    inside = [k for k, s in enumerate(queue.open_slots) if first_slot <= s < first_slot + slots]
    lower = [max(0, queue.lower[k] - done_before) for k in inside]
    upper = [max(0, queue.upper[k] - done_before) for k in inside]
    return DeadlineQueue(queue.index, tuple(queue.open_slots[k] - first_slot for k in inside), tuple(lower),
                         tuple(upper), queue.deadline_slots, queue.service_level_target)


def done_heads(queue: DeadlineQueue, heads: np.ndarray) -> int:
    """Useful heads ``heads`` (per slot of the queue's week, shape ``(slots,)``) work on ``queue``: their running
    total, each open slot kept within the work arrived (``upper``), at the last open slot."""
    done = 0
    for k, slot in enumerate(queue.open_slots):
        done = min(done + int(heads[slot]), queue.upper[k])
    return done
