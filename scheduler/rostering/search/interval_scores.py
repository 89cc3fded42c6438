"""One agent's candidate shifts on one day scored by prefix sums: a few look-ups per shift and break, not a row
of slots per candidate.

The local search (``search.polish``) scores a change of one agent's shift from the cover flags of its slots
(``search.cover_flow``): one more head of the agent's group raises the cover in a slot where ``gain`` is set,
one fewer lowers it where ``loss`` is set. A candidate is on the floor over one interval of slots less its breaks
(disjoint intervals inside it), so every sum the score needs over the candidate's slots is a prefix-sum
difference per interval, vectorised over the candidates; the rows of slots (``[candidate, slot]`` arrays)
that cost most of a run's CPU are never built. The result is the same integer as scoring the rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scheduler.domain.roster import ShiftAssignment
from scheduler.rostering.search.cover_flow import CoverState


def window_deltas(cover: CoverState, group: int, first: int, offset: int, interval_minutes: int,
                  now: np.ndarray, now_break: np.ndarray, candidates: Sequence[ShiftAssignment],
                  room: np.ndarray | None) -> list[float | None] | None:
    """The change of the under- and over-staffing cost if one agent of ``group`` went from its present floor
    ``now`` (0/1 per slot of the window ``[first, first + len(now))``; on break: ``now_break``) to each
    candidate's, with ``None`` where the candidate's new break slots meet a slot with no ``room`` left under
    the break cap (``room``: the cap less the agents on break, per slot of the window; ``None``: no cap).
    ``offset``: slots from the day's first slot to the window's. ``None`` (the caller scores the rows) where a
    candidate carries activities, its breaks overlap or leave the shift, or a slot is already over the cap.
    Candidates are few per call (a dozen), so the look-ups run in Python: numpy's overhead per call would cost
    more than the sums."""
    width = len(now)
    if room is not None and (room < 0).any():
        return None
    bounds = []  # per candidate: its shift's slots and its breaks' slots in the window, as the rows take them
    for shift in candidates:
        if shift.activities:
            return None
        low, high = shift.start_minute, shift.end_minute
        pieces = []
        for taken in shift.breaks:
            end = taken.start_minute + taken.minutes
            if taken.start_minute < low or end > high:
                return None  # outside the shift or overlapping the one before: the rows count it otherwise
            low = end
            pieces.append((taken.start_minute // interval_minutes + offset, end // interval_minutes + offset))
        first_slot, end_slot = shift.start_minute // interval_minutes + offset, high // interval_minutes + offset
        if first_slot < 0 or end_slot > width:  # the window stops at the week's edge: clip to it
            pieces = [(min(max(a, 0), width), min(max(b, 0), width)) for a, b in pieces]
            first_slot, end_slot = min(max(first_slot, 0), width), min(max(end_slot, 0), width)
        bounds.append((first_slot, end_slot, pieces))
    last = first + width
    cover.refresh(first, last)
    present = now.astype(bool)
    gained = [0, *np.cumsum(cover.gain[group, first:last] & ~present).tolist()]  # one head more raises cover
    kept = [0, *np.cumsum(cover.loss[group, first:last] & present).tolist()]  # one fewer lowers it
    lost, heads_now = kept[-1], int(now.sum())
    over, under = cover.over, cover.under
    full = None
    if room is not None:
        mask = (room <= 0) & (now_break == 0)  # a new break here would pass the cap
        full = [0, *np.cumsum(mask).tolist()] if mask.any() else None
    scores: list[float | None] = []
    for low, high, pieces in bounds:
        heads, gain, loss = high - low, gained[high] - gained[low], kept[high] - kept[low]
        refused = False
        for start, end in pieces:
            heads -= end - start
            gain -= gained[end] - gained[start]
            loss -= kept[end] - kept[start]
            refused = refused or (full is not None and full[end] > full[start])
        covered = gain - (lost - loss)  # cover gained on the new slots less cover lost on the slots left
        scores.append(None if refused else over * (heads - heads_now - covered) - under * covered)
    return scores
