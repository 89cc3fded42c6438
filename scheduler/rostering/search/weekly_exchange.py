"""The weekly mode's exchange of hours between agents (``objective.service_level: weekly``; issue 18).

Once the weekly targets are just met, every one-shift move the local search knows is refused: dropping or
trimming a shift leaves a queue short (priced at ``weekly_shortfall_contact``, 1,000 a contact), and start, break
and day moves keep the same template, so its paid hours. A roster can still pay fewer hours for the same answered
contacts when a shift in flat parts of the curves (many heads answering little more) gives way to a **shorter**
shift where the curves are steep. This move tries that: it drops one shift (the agent's weekly minimum hours and
days kept), then puts the best shift that day of any agent (a day off taking a shift, or a worked day another
template or start, paid hours and soft rules included) and keeps the pair when both together lower the
objective; otherwise the dropped shift goes back. Both halves are scored exactly by the polisher (the second in
the state after the first), so the sum is the pair's exact change.

Drops are tried least loss first (the objective change of the drop alone), at most ``EXCHANGE_TRIES`` per call;
every candidate scored is charged ``polish.UNITS_PER_MOVE`` and every rule check ``polish.SWAP_CHECK_UNITS``, the
weekly scoring's look-ups through the polisher's own charge. ``polish`` calls it with its repair, while two more
sweeps fit in the budget left: called at the budget's very end it took what the stages after the local search use
(on a 60-agent centre it saved 2 paid hours and left an interval under the floor those stages would have covered).
Weekly mode only: the default mode never calls it. Measured (README, issue 18): it seldom finds a pair (2 of 50-157
drops tried on 60- and 150-agent centres, every drop alone leaving a queue short), a few paid hours per call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from scheduler.domain.roster import ShiftAssignment
from scheduler.rostering.search import polish as local

# Whether the weekly mode's local search tries the exchange when its sweeps stall.
EXCHANGE = True
# Whether the weekly mode's local search drops the shifts whose pay and over-staffing cost more than their cover
# (``polish._trim``) after every sweep: on 30-s budgets its sweeps never stall, so the trim ran only at the budget's
# end. Measured on ten 60-agent centres (README, issue 18): agent-intervals under the floor 8 -> 4, objective lower on
# 5, higher on 2, paid hours the same in the median.
SWEEP_TRIM = True
# Drops tried per call (least loss first); each tries every agent's shifts that day.
EXCHANGE_TRIES = 40
# Improving pairs checked against the adding agent's rules per drop (best first).
ADD_CHECKS = 10


def exchange(polisher: local._Polisher, spend: Callable[[float], None],
             stopped: Callable[[], bool] = lambda: False, tries: int = EXCHANGE_TRIES) -> bool:
    """Drop-and-add pairs that lower the objective, at most ``tries`` drops tried; returns whether any was kept."""
    if polisher.weekly is None:
        return False
    config = polisher.config
    ranked = []
    for key in sorted(polisher.by_key):
        delta = _drop_delta(polisher, key, spend)
        if delta is not None:
            ranked.append((delta, key))
    ranked.sort()
    changed = False
    tried = 0
    for _, key in ranked:
        if tried >= tries or stopped():
            break
        agent_id, day = key
        shift = polisher.by_key.get(key)
        if shift is None or shift.activities or config.pinned(agent_id, shift.date)[0]:
            continue
        drop = _drop_delta(polisher, key, spend)  # the roster may have changed since it was ranked
        if drop is None:
            continue
        spend(local.SWAP_CHECK_UNITS)
        if not polisher.keeps(agent_id, day, None):  # the agent's weekly minimum hours or days
            continue
        tried += 1
        polisher.take(shift)
        added = _best_add(polisher, day, shift, drop, spend)
        if added is not None:
            polisher.put(added)
            changed = True
        elif drop < 0:
            changed = True  # the drop alone pays (the trim's move)
        else:
            polisher.put(shift)
    return changed


def _drop_delta(polisher: local._Polisher, key: tuple[str, int],
                spend: Callable[[float], None]) -> float | None:
    """The objective change of dropping the shift at ``key`` (cover, weekly target, paid hours, soft rules);
    None for a shift that cannot go (an activity, a pinned day, the break cap)."""
    shift = polisher.by_key[key]
    agent_id, day = key
    if shift.activities or polisher.config.pinned(agent_id, shift.date)[0]:
        return None
    spend(polisher.units_per_move)
    delta = polisher._window_deltas(agent_id, day, shift, [replace(shift, length_minutes=0, breaks=())])[0]
    if delta is None:
        return None
    return (delta - polisher.config.weights.paid_hour * shift.paid_minutes / 60
            + polisher.week_soft(agent_id, day, None) - polisher.week_soft(agent_id, day, shift))


def _best_add(polisher: local._Polisher, day: int, dropped: ShiftAssignment, drop: float,
              spend: Callable[[float], None]) -> ShiftAssignment | None:
    """The best shift on ``day`` (after ``dropped`` was taken) whose change plus ``drop`` is below zero and keeps
    its agent's rules, or None."""
    paid_weight = polisher.config.weights.paid_hour
    scored: list[tuple[float, str, int, ShiftAssignment]] = []
    for agent_id in sorted(polisher.agents):
        current = polisher.by_key.get((agent_id, day))
        candidates = _adds(polisher, agent_id, day, current)
        if agent_id == dropped.agent_id:  # not the dropped shift itself back
            candidates = [c for c in candidates if (c.template_id, c.start_minute) != (dropped.template_id,
                                                                                     dropped.start_minute)]
        if not candidates:
            continue
        spend(len(candidates) * polisher.units_per_move)
        scored.extend((drop + delta, agent_id, index, candidate)
                      for index, candidate, delta in local.day_change_deltas(polisher, agent_id, day, current,
                                                                             candidates, paid_weight)
                      if drop + delta < 0)
    for _, agent_id, _, candidate in sorted(scored, key=lambda item: item[:3])[:ADD_CHECKS]:
        spend(local.SWAP_CHECK_UNITS)
        if polisher.keeps(agent_id, day, candidate):
            current = polisher.by_key.get((agent_id, day))
            if current is not None:
                polisher.take(current)
            return candidate
    return None


def _adds(polisher: local._Polisher, agent_id: str, day: int,
          current: ShiftAssignment | None) -> list[ShiftAssignment]:
    """The agent's shifts that day (breaks placed) within its most days and most paid minutes of the week: on a
    day off any, on a worked day those of another template (the sweep's own moves try the same template's
    starts); none on a pinned day or one holding an activity. ``current`` is what the day holds now."""
    return local.day_candidates(polisher, agent_id, day,
                                lambda o: current is None or o.template.template_id != current.template_id)
