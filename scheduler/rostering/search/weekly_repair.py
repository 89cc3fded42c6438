"""The weekly mode's repair (``objective.service_level: weekly``; issue 18): cover short slots within the budget.

Where a queue is short of its weekly target, ``polish._repair`` gives a short slot to the best change of any agent's
day (a day off takes a shift, or a worked day another template or start), scoring every agent's candidate shifts
exactly: each scored on the weekly curves over its whole window, about 0.075 budget units per short slot at
150 x 3, so on a rounded start tens of slots short the repair took more than the whole 30-s budget, and ran on
past it (README issue 18). This repair scores fewer shifts per slot, charges its work as it goes and stops when
the budget is spent:

- **an estimate first**: per skill group, the objective's change of one head more or fewer in each slot of the
  day (the cover's flags; the weekly curves' answered contacts under the best weight set, contacts of a queue short
  of its target at their price, losses of any queue at theirs), summed over an option's span by prefix sums, paid
  hours added: one look-up per option, breaks ignored;
- **exactly only the best few**: the agents of the ``SHORTLIST`` best estimates have their candidate shifts (breaks
  placed) scored exactly (``polish.day_change_deltas``), and the best improving one that keeps the agent's rules is
  taken, as in ``polish._repair``;
- **the largest shortfalls first**: short slots by their priced shortfall (the weekly curves' contacts short of the
  per-interval heads' in the queues short of their target, the cover's heads under its requirement), so a repair
  the budget stops has spent it where it saves most.

Deterministic: no clock, ties broken by agent and option order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scheduler.rostering.search import polish as local
from scheduler.rostering.search.cover_flow import CoverState

# Agents per short slot whose candidate shifts are scored exactly (best estimates first); None: every agent, as
# ``polish._repair`` (still within the budget).
SHORTLIST: int | None = 8
# Units charged per option estimated (a few arithmetic operations on prefix sums; measured with
# ``time.process_time`` with the charges of ``polish`` at ``solve.DETERMINISTIC_UNITS_PER_SECOND``) and per group
# whose marginal rows are built for a day (numpy over the day's slots).
UNITS_PER_ESTIMATE = 1.0e-6
UNITS_PER_MARGINAL_ROW = 2.0e-5
# What the repair of one short slot costs, for scheduling it (``expected_units``): measured 0.016 units a slot
# visited on a 150 x 3 start (README issue 18). The local search repairs once the budget left no longer holds two
# sweeps and this per slot short: at 60 s a repair left to the budget's last two sweeps was stopped 152 slots short.
UNITS_PER_SHORT_SLOT = 0.016


def repair(polisher: local._Polisher, spend: Callable[[float], None], stopped: Callable[[], bool]) -> bool:
    """Cover short slots, largest priced shortfall first, each by the best exactly scored change among the
    ``SHORTLIST`` agents of the best estimates, where it lowers the objective (paid hours included) and keeps the
    agent's rules; ``stopped()`` is asked before each slot (the caller charges the scoring's work there and says
    when the budget is spent). Returns whether anything changed."""
    assert polisher.weekly is not None
    return local._repair(polisher, spend, stopped, slots=_largest_first(polisher),
                         agents_for=lambda day, minute: _shortlist(polisher, day, minute, spend))


def expected_units(polisher: local._Polisher) -> float:
    """The budget units a repair of every slot short now would take (``UNITS_PER_SHORT_SLOT`` each)."""
    return UNITS_PER_SHORT_SLOT * len(polisher.short_slots())


def _largest_first(polisher: local._Polisher) -> list[int]:
    """The short slots by priced shortfall, largest first (ties: earlier slot): the weekly curves' scaled contacts
    short of what the per-interval heads answer, in the queues short of their weekly target, at the weekly price,
    plus the heads under the cover's requirement at the under-staffing price."""
    weekly = polisher.weekly
    assert weekly is not None
    slots = polisher.short_slots()
    cover = polisher.cover
    short_heads = np.maximum(cover.required_total - cover.covered, 0)
    heads = weekly.curves.interval_heads
    short = weekly._short_queues()
    current = weekly.current

    def priced(slot: int) -> float:
        price = float(cover.under * short_heads[slot])
        now = current.get(slot)
        if heads is not None and now is not None:
            price += weekly.weight * sum(max(0, weekly._exact_value(q, slot, int(heads[q, slot])) - now[q])
                                         for q in short)
        return price

    return sorted(slots, key=lambda slot: (-priced(slot), slot))


def _shortlist(polisher: local._Polisher, day: int, minute: int, spend: Callable[[float], None]) -> list[str]:
    """The agents (at most ``SHORTLIST``) with the best estimated changes of their day ``day`` to a shift on the
    floor at ``minute``: per option, the prefix sums of its group's marginal rows over its span (and, on a worked
    day, of the current shift's over the slots it leaves), plus its paid hours; ties by agent, then option."""
    base = day * polisher.slots_per_day
    first, last = base, min(polisher.slot_count, base + 2 * polisher.slots_per_day)  # (overnight shifts)
    plus, minus = _marginals(polisher, first, last, spend)
    paid_weight = polisher.config.weights.paid_hour
    step = polisher.interval
    offset = base - first
    ranked: list[tuple[float, str, int]] = []
    for agent_id in sorted(polisher.agents):
        options = local.day_options(polisher, agent_id, day, lambda o: o.start_minute <= minute < o.end_minute)
        if not options:
            continue
        spend(len(options) * UNITS_PER_ESTIMATE)
        group = polisher.cover.group_of[agent_id]
        gained, lost = plus[group], minus[group]
        current = polisher.by_key.get((agent_id, day))
        if current is not None:
            c0 = min(current.start_minute // step + offset, last - first)
            c1 = min(current.end_minute // step + offset, last - first)
            leaving, paid_now = lost[c1] - lost[c0], current.paid_minutes
        else:
            c0 = c1 = 0
            leaving, paid_now = 0.0, 0
        for index, option in enumerate(options):
            if current is not None and (option.template.template_id, option.start_minute) == (
                    current.template_id, current.start_minute):
                continue
            a = min(option.start_minute // step + offset, last - first)
            b = min(option.end_minute // step + offset, last - first)
            low, high = max(a, c0), min(b, c1)
            both_gained = gained[high] - gained[low] if high > low else 0.0
            both_lost = lost[high] - lost[low] if high > low else 0.0
            estimate = (gained[b] - gained[a] - both_gained + leaving - both_lost
                        + paid_weight * (option.paid_minutes - paid_now) / 60)
            ranked.append((estimate, agent_id, index))
    ranked.sort()
    return list(dict.fromkeys(agent_id for _, agent_id, _ in ranked))[:SHORTLIST]


def _marginals(polisher: local._Polisher, first: int, last: int,
               spend: Callable[[float], None]) -> tuple[np.ndarray, np.ndarray]:
    """Per skill group, prefix sums over slots ``[first, last)`` of the objective's estimated change of one head of
    the group more (``plus``) and fewer (``minus``) in each slot alone: ``[group, last - first + 1]`` each. The
    cover's change is exact per slot (its flags); the weekly curves' is read from one allocation per slot under the
    best weight set (``WeeklyState.steps``): a head more answers its group's best next step among the queues short
    of their target, a head fewer loses its group's least last step among the queues given heads (priced in every
    queue: the estimate leans against leaving slots)."""
    weekly, cover = polisher.weekly, polisher.cover
    assert weekly is not None and isinstance(cover, CoverState)  # (the weekly mode refuses the weighted cover)
    cover.refresh(first, last)
    width = last - first
    groups = len(cover.groups)
    spend(2 * groups * UNITS_PER_MARGINAL_ROW)
    gain, loss = cover.gain[:, first:last].astype(np.int64), cover.loss[:, first:last].astype(np.int64)
    plus = (cover.over * (1 - gain) - cover.under * gain).astype(float)
    minus = (cover.over * (loss - 1) + cover.under * loss).astype(float)
    best = weekly.best
    short = weekly.totals[best] < weekly.targets
    serves = np.zeros((groups, len(short)), dtype=bool)  # [group, queue]
    for group, queues in enumerate(cover.queues_of):
        serves[group, queues] = True
    slots = [slot for slot in range(first, last) if weekly.sets[best].has(slot)]
    if slots:
        ups, downs = zip(*(weekly.steps(slot, best) for slot in slots), strict=True)
        up = np.where(short, np.array(ups), 0)  # [slot, queue]
        down = np.array(downs, dtype=float)
        down[down < 0] = np.inf
        columns = np.array(slots) - first
        plus[:, columns] -= weekly.weight * np.where(serves[:, None, :], up[None, :, :], 0).max(axis=2)
        lost = np.where(serves[:, None, :], down[None, :, :], np.inf).min(axis=2)
        minus[:, columns] += weekly.weight * np.where(np.isfinite(lost), lost, 0)
    zero = np.zeros((groups, 1))
    return (np.concatenate([zero, np.cumsum(plus, axis=1)], axis=1).reshape(groups, width + 1),
            np.concatenate([zero, np.cumsum(minus, axis=1)], axis=1).reshape(groups, width + 1))
