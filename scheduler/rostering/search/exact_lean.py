"""The fewest heads per queue and interval that reach each weekly target by **Erlang's own** answered contacts:
the weekly mode's start under ``objective.weekly_floor: level``.

``service_curves.lean_heads`` adds heads greedily on the concave envelope. Under the tangent floor that is
Erlang's curve wherever a roster can be, but with the level floor an interval may sit below the tangent point,
where the envelope lies above Erlang's S-shaped curve: there the envelope's lean requirement counts contacts
Erlang does not answer. Measured on a 150-agent centre (80% targets, floor 50%): the envelope's lean requirement
is 464 agent-intervals above the floor, and the roster rounded from it is 2,370 contacts (12% of the target) short
of the weekly targets by the scoring's count, which the local search then spends its whole budget repairing one
shift at a time.

Here each queue, on its own, gets heads by the **steepest chord** of Erlang's curve from the interval's present
heads: the jump of ``k >= 1`` heads whose answered contacts per head are the most (the smallest ``k`` on ties; a
slot's first heads below the tangent point are worth little alone and much together, which a step of one head
cannot see). On a concave curve the steepest chord is always one head, so under the tangent floor this is the
envelope's greedy; with an S-shaped curve it is the usual heuristic for separable non-concave resource allocation,
not an optimum. Skill sets shared by queues are ignored (each queue alone), as in ``lean_heads``.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from scheduler.rostering.service_curves import WeeklyCurves


def steepest_chord(curve: Sequence[int], heads: int) -> tuple[float, int]:
    """From ``heads``, the most answered contacts per head over a jump of ``k`` heads and that ``k`` (the smallest
    on ties); ``(0.0, 0)`` at the curve's end. ``curve``: scaled answered contacts per head count."""
    best, jump = 0.0, 0
    base = curve[heads] if heads < len(curve) else curve[-1]
    for k in range(1, len(curve) - heads):
        slope = (curve[heads + k] - base) / k
        if slope > best:
            best, jump = slope, k
    return best, jump


def exact_lean_heads(curves: WeeklyCurves) -> np.ndarray:
    """Per queue on its own, heads ``[queue, slot]`` (each slot at least the floor) whose answered contacts by
    Erlang's own curve (``WeeklyCurves.exact_curve``) reach the queue's weekly target, added by steepest chord
    (module docstring; ties: the earlier slot). A queue that cannot reach it gets every head its curves have."""
    heads = np.array(curves.floor_heads, dtype=np.int64)
    for q, by_slot in enumerate(curves.values):
        exact = {t: curves.exact_curve(q, t) or by_slot[t] for t in by_slot}
        answered = sum(curve[min(int(heads[q, t]), len(curve) - 1)] for t, curve in exact.items())
        heap = []
        for t, curve in sorted(exact.items()):
            slope, jump = steepest_chord(curve, int(heads[q, t]))
            if jump:
                heap.append((-slope, t, jump))
        heapq.heapify(heap)
        while answered < curves.target_units[q] and heap:
            _, t, jump = heapq.heappop(heap)
            curve = exact[t]
            now = int(heads[q, t])
            answered += curve[now + jump] - curve[now]
            heads[q, t] = now + jump
            slope, jump = steepest_chord(curve, now + jump)
            if jump:
                heapq.heappush(heap, (-slope, t, jump))
    heads.flags.writeable = False
    return heads



def level_lean_heads(curves: WeeklyCurves, steps: int = 30) -> np.ndarray:
    """Per queue on its own, heads ``[queue, slot]``: each slot at least the floor and at the fewest heads whose
    share of the slot's answerable contacts (Erlang's answered contacts over the curve's top, about the contacts)
    reaches one level ``L[q]``, the lowest level (bisection, ``steps`` rounds) whose heads reach the queue's
    weekly target by Erlang's own curve. A smooth requirement, as the per-interval mode's at a lower target, which
    shifts round to closely; ``exact_lean_heads`` puts fewer heads but in jumps the shifts miss."""
    heads = np.array(curves.floor_heads, dtype=np.int64)
    for q, by_slot in enumerate(curves.values):
        exact = {t: np.asarray(curves.exact_curve(q, t) or by_slot[t], dtype=np.int64) for t in sorted(by_slot)}

        def at(level: float, exact: dict[int, np.ndarray] = exact, q: int = q) -> dict[int, int]:
            return {t: max(int(curves.floor_heads[q, t]),
                           int(np.searchsorted(curve >= level * curve[-1], True)) if len(curve) else 0)
                    for t, curve in exact.items()}

        def answered(chosen: dict[int, int], exact: dict[int, np.ndarray] = exact) -> int:
            return sum(int(curve[min(n, len(curve) - 1)]) for t, curve in exact.items() for n in (chosen[t],))

        low, high = 0.0, 1.0
        if answered(at(low)) < curves.target_units[q]:
            for _ in range(steps):
                middle = (low + high) / 2
                if answered(at(middle)) >= curves.target_units[q]:
                    high = middle
                else:
                    low = middle
        else:
            high = low
        for t, n in at(high).items():
            heads[q, t] = n
    heads.flags.writeable = False
    return heads
