"""The weekly mode's start requirement under ``objective.weekly_floor: level`` and ``weekly_start: level``: the
envelope's lean heads, raised in every interval to one service level per queue, the lowest at which the queue's
weekly target is reached by **Erlang's own** answered contacts.

``service_curves.lean_heads`` adds heads greedily on the concave envelope. Under the tangent floor that is
Erlang's curve wherever a roster can be, but with the level floor an interval may sit below the tangent point,
where the envelope lies above Erlang's S-shaped curve and counts contacts Erlang does not answer. Measured on a
150-agent centre (generator seed 924244, 80% targets, floor 50%): the envelope's lean requirement is 464
agent-intervals above the floor, and the roster rounded from it is 2,370 contacts (12% of the targets) short by the
scoring's count, which the local search then spends its whole 30-s budget repairing one shift at a time (paid
3,723.5 h against 3,583.5-3,622.5 h for the per-interval mode at the same simulated level). One level per queue
alone (a smooth requirement, like the per-interval mode's at a lower target) gave 3,662 h there but lost the
envelope's concentration of heads where they answer most: 1.7-3.9% more paid hours than the envelope's start on
four of five 60-agent centres. Raising the envelope's heads to the level gave 3,573.5 h on the 150-agent centre,
but on the 60-agent centres still 0.8-2.3% more than the envelope's start on four of five, where the local search
has the budget to repair that start itself: so it is asked for (``objective.weekly_start: level``), not the
default. Heads added by the steepest chord of Erlang's curve (the fewest that reach each target alone) were tried
too: 1,789 contacts short after rounding, as the jumps of several heads in a few intervals are what rounding to
shifts misses. Skill sets shared by queues are ignored (each queue
alone), as in ``lean_heads``.
"""

from __future__ import annotations

import numpy as np

from scheduler.rostering.service_curves import WeeklyCurves


def level_lean_heads(curves: WeeklyCurves, steps: int = 30, base: np.ndarray | None = None) -> np.ndarray:
    """Per queue on its own, heads ``[queue, slot]``: each slot at least the floor and ``base`` (e.g. the envelope's
    lean heads; None: the floor alone) and at the fewest heads whose share of the slot's answerable contacts
    (Erlang's answered contacts over the curve's top, about the contacts) reaches one level ``L[q]``, the lowest
    level (bisection, ``steps`` rounds) whose heads reach the queue's weekly target by Erlang's own curve; a queue
    that cannot reach it gets every head its curves have (module docstring)."""
    low_heads = curves.floor_heads if base is None else np.maximum(curves.floor_heads, base)
    heads = np.array(low_heads, dtype=np.int64)
    for q, by_slot in enumerate(curves.values):
        exact = {t: np.asarray(curves.exact_curve(q, t) or by_slot[t], dtype=np.int64) for t in sorted(by_slot)}

        def at(level: float, exact: dict[int, np.ndarray] = exact, q: int = q) -> dict[int, int]:
            return {t: max(int(low_heads[q, t]),
                           int(np.searchsorted(curve >= level * curve[-1], True)) if len(curve) else 0)
                    for t, curve in exact.items()}

        def answered(chosen: dict[int, int], exact: dict[int, np.ndarray] = exact) -> int:
            return sum(int(curve[min(chosen[t], len(curve) - 1)]) for t, curve in exact.items())

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
