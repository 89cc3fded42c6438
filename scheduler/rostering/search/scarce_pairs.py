"""Day neighbourhoods aimed at a short queue: its agents who could cover the short intervals that day, freed with one
companion from a queue they share.

At 150 agents x 8 queues a few queues have 8-10 skilled agents, most of them also skilled for a large queue. When
such a queue is short early in the day and the agents who may work then are on late shifts, moving one of them early
leaves the large queue short in the evening unless one of its agents moves late at the same time. The random
neighbourhoods of the search free agents of one queue and never free that pair (README "The scarce queues'
shortage at 8 queues"). Here a target is a queue's short intervals on one day; its *coverers* are the queue's
skilled agents with a shift option that day spanning one of them (at most ``COVERERS``), and each *companion* is an
agent who shares a queue with a coverer and works that day: the coverers and one companion are re-planned together
on that day (``rostering.solve``), everyone else and every other day fixed.

Deterministic: the targets depend only on the roster; the companions' order is drawn by the solver's seeded
generator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import ShiftAssignment
from scheduler.domain.shifts import shift_options
from scheduler.domain.week import Week

# Coverers freed at most for one target (a queue skilled by more would not be scarce).
COVERERS = 6
# Companions tried at most per target before the next target.
COMPANIONS = 6
# Budget of one pair's solve, in seconds (deterministic units in deterministic mode, as the neighbourhoods').
SECONDS = 1.0


@dataclass(frozen=True)
class Target:
    """One queue's short intervals on one day: the queue (config order index), the day (week index), the short
    week slots and their total shortfall in heads."""

    queue: int
    day: int
    slots: tuple[int, ...]
    short_heads: int


def targets(week: Week, shortfall: np.ndarray) -> list[Target]:
    """The short intervals of ``shortfall`` (heads per ``[queue, slot]``) grouped by queue and day, the largest total
    first (ties by queue, then day)."""
    found = []
    for q in range(shortfall.shape[0]):
        for day in range(week.day_count):
            first = day * week.slots_per_day
            row = shortfall[q, first:first + week.slots_per_day]
            slots = tuple(first + int(s) for s in np.flatnonzero(row > 0).tolist())
            if slots:
                found.append(Target(q, day, slots, int(row.sum())))
    return sorted(found, key=lambda t: (-t.short_heads, t.queue, t.day))


def coverers(config: PlanConfig, week: Week, target: Target) -> tuple[str, ...]:
    """The agents skilled for the target's queue with a shift option that day spanning one of its short slots
    (config order, at most ``COVERERS``; none when more could: the queue is not scarce)."""
    queue_id = config.queues[target.queue].queue_id
    able = []
    for agent in config.agents:
        if queue_id not in agent.skills:
            continue
        spans = [(week.slot(target.day, o.start_minute), week.slot(target.day, o.end_minute))
                 for o in shift_options(config, agent, week, target.day)]
        if any(first <= slot < last for first, last in spans for slot in target.slots):
            able.append(agent.agent_id)
    return tuple(able) if len(able) <= COVERERS else ()


def companions(config: PlanConfig, week: Week, target: Target, freed: Sequence[str],
               weeks: Mapping[str, Sequence[ShiftAssignment]], rng: np.random.Generator) -> list[str]:
    """Agents not in ``freed`` who share a queue with one of them and work the target's day, in an order drawn by
    ``rng``, at most ``COMPANIONS``."""
    chosen = set(freed)
    shared = {q for a in config.agents if a.agent_id in chosen for q in a.skills}
    date = week.day(target.day)
    pool = [a.agent_id for a in config.agents if a.agent_id not in chosen and shared.intersection(a.skills)
            and any(s.date == date for s in weeks.get(a.agent_id, ()))]
    order = rng.permutation(len(pool)).tolist()
    return [pool[i] for i in order[:COMPANIONS]]
