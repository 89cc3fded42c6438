"""A proven lower bound at many queues: the aggregate LP (``search.lower_bound``) of the centre with its queues
merged into a few groups.

The full aggregate LP grows with the skill sets: its classes, shift counts and cover allocations are per skill
set, and at 30 queues (60 skill sets among 150 agents) it has about 80,000 columns and takes minutes. Here the
queues are merged into groups first: a group is one queue whose requirement is the sum of its members', and an
agent is skilled for a group when skilled for any of its members. Queues nobody is required on are left out.

**Why the bound stays proven.** The labour rules never read an agent's skills (only the cover does), so every
roster of the centre is a roster of the merged centre with the same hard rules, paid hours and soft costs. Its
cover cost is ``under * (R - A) + over * (F - A)``, with ``R`` the required agent-intervals (the same in both),
``F`` the agent-intervals on the floor (the same) and ``A`` the agent-intervals allocated to queues (the
max-flow from agents on the floor to the queues they are skilled for, capped by each queue's requirement). Any
allocation of the centre maps to one of the merged centre (an agent allocated to a member is allocated to its
group, a group's allocation stays within the sum of its members' requirements), so ``A`` can only grow and the
cost only fall: the merged centre's optimum is at most the centre's, and the aggregate LP's optimum is at most
the merged centre's (``search.lower_bound``). Leaving out a queue with no requirement changes no allocation.

**Which grouping.** The coarsest first (a few skill sets: an LP of a second or two of CPU, so even a busy
machine gets a bound and a start), then the finest whose predicted work fits the LP's share of the limit.

**Which queues are merged.** Greedily, the two groups whose skilled agents overlap most (shared agents over the
smaller group's agents; ties by the first queue's order), until at most a given number of distinct skill sets
remain: merging queues that mostly share their agents loses little of the bound, since those agents could
already serve either. With few skill sets the groups are the queues themselves and the LP is the full one.

**Deadline queues** (``rules.deadline_cover``) are never merged: their interval requirement is zero in the live
requirements the groups are built from, and their agents keep the queue's own id in their merged skills, so the
LP's cumulative deadline rows are exactly the full LP's.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import deadline_cover
from scheduler.rostering.search import queue_shortage
from scheduler.rostering.search.lower_bound import (
    LP_BUILD_SECONDS_PER_VARIABLE,
    AggregateSolution,
    CoverView,
    lp_work,
    solve_aggregate,
)
from scheduler.rostering.stopping import NO_STOP, Stop

# Distinct skill sets (over the merged queues) the LP keeps at most: the full LP solves in seconds at this size.
MAX_SKILL_SETS = 24
# Coarser groupings tried, in skill sets, when the finer LP's predicted work is over the LP's share of the budget.
COARSER = (16, 8, 4)
# Share of the time limit the merged LP's predicted work may take (the full LP's share is ``solve.LP_SHARE``):
# less, as at many queues the local search's moves cost more and need the rest.
LP_SHARE = 0.25
# Above this many skill sets the solve takes the merged LP instead of the full one: the full LP at 150 agents
# takes CPU seconds at 16 skill sets (8 queues), over a minute at 60 (30 queues).
FULL_LP_MAX_SKILL_SETS = 24


def queue_groups(instance: Instance, max_skill_sets: int = MAX_SKILL_SETS) -> tuple[tuple[str, ...], ...]:
    """The centre's required queues merged into groups (each a tuple of queue ids in config order, groups in
    order of their first queue) until the agents have at most ``max_skill_sets`` distinct skill sets among
    them (or one group is left). Deterministic."""
    required = {q for q, total in zip(instance.queue_ids, deadline_cover.live_requirements(instance).sum(axis=1),
                                      strict=True) if total > 0}
    order = {q: i for i, q in enumerate(instance.queue_ids)}
    groups: list[tuple[str, ...]] = [(q,) for q in instance.queue_ids if q in required]
    skill_sets = [frozenset(a.skills) & required for a in instance.config.agents]

    def agents_of(group: tuple[str, ...]) -> set[int]:
        return {i for i, skills in enumerate(skill_sets) if skills.intersection(group)}

    def distinct(current: list[tuple[str, ...]]) -> int:
        return len({frozenset(g for g in current if skills.intersection(g)) for skills in skill_sets} - {frozenset()})

    while len(groups) > 1 and distinct(groups) > max_skill_sets:
        members = [agents_of(g) for g in groups]
        best: tuple[float, int, int] | None = None
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                smaller = min(len(members[i]), len(members[j]))
                overlap = len(members[i] & members[j]) / smaller if smaller else 1.0
                if best is None or overlap > best[0]:
                    best = (overlap, i, j)
        assert best is not None
        _, i, j = best
        merged = tuple(sorted(groups[i] + groups[j], key=order.__getitem__))
        groups = [g for k, g in enumerate(groups) if k not in (i, j)] + [merged]
        groups.sort(key=lambda g: order[g[0]])
    return tuple(groups)


def merged_cover(instance: Instance, groups: Sequence[Sequence[str]],
                 shortages: Mapping[str, float] | None = None) -> CoverView:
    """The cover of ``instance`` with each group of queues as one queue (named after its first member): the
    group's requirement is its members' sum, an agent is skilled for it when skilled for any member; queues in
    no group are left out (valid only for queues with no requirement, or as a further relaxation). ``shortages``:
    per queue, agent-intervals short in every roster (``search.queue_shortage``); a group of several queues is then
    allocated at most its requirement less its members' shortages over the week (``CoverView.allocation_caps``)."""
    row = {q: i for i, q in enumerate(instance.queue_ids)}
    ids = tuple(group[0] for group in groups)
    live = deadline_cover.live_requirements(instance)  # deadline queues keep their own cumulative rows, unmerged
    deadline_ids = {instance.queue_ids[q.index] for q in instance.deadlines}
    requirements = np.zeros((len(groups), instance.slots), dtype=np.int64)
    for g, group in enumerate(groups):
        for queue_id in group:
            requirements[g] += live[row[queue_id]]
    group_of = {q: group[0] for group in groups for q in group}
    skills_of: dict[tuple[str, ...], tuple[str, ...]] = defaultdict(tuple)
    for agent in instance.config.agents:
        touched = {group_of[q] for q in agent.skills if q in group_of}
        skills_of[agent.skills] = tuple(q for q in ids if q in touched) + tuple(
            q for q in agent.skills if q in deadline_ids and q not in touched)
    caps: dict[str, float] = {}
    for g, group in enumerate(groups):
        short = sum((shortages or {}).get(q, 0.0) for q in group) if len(group) > 1 else 0.0
        if short > 0:  # (a group of one is capped by its own agents already: its LP's rows are the queue's)
            caps[ids[g]] = max(0.0, float(requirements[g].sum()) - short)
    return CoverView(ids, requirements, dict(skills_of), {group[0]: tuple(group) for group in groups}, caps)


def solve_merged(instance: Instance, seconds: float = math.inf, max_work_seconds: float = math.inf,
                 on_time_out: Callable[[], None] | None = None, max_skill_sets: int | None = None,
                 spend_seconds: Callable[[float], None] = lambda seconds: None,
                 stop: Stop = NO_STOP) -> AggregateSolution | None:
    """The aggregate LP of the centre with its queues merged (``queue_groups``): a proven lower bound (module
    docstring). First the coarsest grouping (``COARSER[-1]`` skill sets: an LP of seconds, so a busy machine
    still gets a bound and a start), then the finest of ``max_skill_sets`` (default ``MAX_SKILL_SETS``) and the
    other ``COARSER`` whose predicted work (``lower_bound.lp_work``, deterministic) is within
    ``max_work_seconds``, in what is left of ``seconds`` of wall time (``on_time_out`` called if the clock cuts
    one). The result is the finer LP's plan (else the coarsest's) with the higher of their bounds. The work of
    each LP built (solved or not) is passed to ``spend_seconds`` in CPU seconds; ``stop`` interrupts them. ``None`` if
    none was solved."""
    started = time.monotonic()
    max_skill_sets = MAX_SKILL_SETS if max_skill_sets is None else max_skill_sets
    timed_out: list[bool] = []
    coarsest = queue_groups(instance, min(max_skill_sets, COARSER[-1]))
    finer = []
    for most in sorted({max_skill_sets, *(k for k in COARSER if k < max_skill_sets)}, reverse=True):
        groups = queue_groups(instance, most)
        if groups != coarsest and groups not in finer:
            finer.append(groups)
    solutions: list[AggregateSolution] = []
    size: list[tuple[int, int]] = []  # the last LP built: columns, rows

    def built(variables: int, rows: int) -> None:
        size[:] = [(variables, rows)]

    for groups in (coarsest, *finer):
        if timed_out:
            break
        size.clear()
        solution = solve_aggregate(instance, seconds - (time.monotonic() - started), max_work_seconds,
                                   lambda: timed_out.append(True), cover=merged_cover(instance, groups),
                                   on_built=built, stop=stop)
        if solution is not None:
            spend_seconds(lp_work(solution.variables, solution.rows))
            solutions.append(solution)
            if groups != coarsest:
                break  # the finest that fits
        elif size and lp_work(*size[0]) > max_work_seconds:
            spend_seconds(size[0][0] * LP_BUILD_SECONDS_PER_VARIABLE)  # built, found too large, not solved
        elif not timed_out:
            break  # GLOP failed for another reason: another grouping would not fare better
    if timed_out and on_time_out is not None:
        on_time_out()
    if not solutions:
        return None
    return dataclasses.replace(solutions[-1], bound=max(s.bound for s in solutions))


def capped_bound(instance: Instance, max_skill_sets: int, max_work_seconds: float = math.inf,
                 stop: Stop = NO_STOP) -> float | None:
    """The merged-queue LP's bound (``queue_groups`` of at most ``max_skill_sets`` skill sets) with each group of
    several queues capped by its members' shortage in every roster (``search.queue_shortage``): a scarce queue merged
    with a large one no longer looks covered by the large one's agents. A bound only (its plan, aimed at a cover the
    caps make unreachable, is not a better start: at 150 agents x 16 queues it gave a roster 5.8% dearer). Each LP
    (the shortages' and the merged one) at most ``max_work_seconds`` of predicted work; ``None`` when the merged LP
    was not solved or ``stop`` came."""
    groups = queue_groups(instance, max_skill_sets)
    size: list[tuple[int, int]] = []  # built alone first: over its share, no shortage is worth counting
    solve_aggregate(instance, max_work_seconds=0.0, stop=stop, cover=merged_cover(instance, groups),
                    on_built=lambda columns, rows: size.append((columns, rows)))
    if not size or lp_work(size[0][0], size[0][1] + len(groups)) > max_work_seconds:
        return None
    shortages = {q: queue_shortage.forced_shortage(instance, instance.queue_ids.index(q),
                                                   max_work_seconds=max_work_seconds, stop=stop)
                 for group in groups if len(group) > 1 for q in group}
    if stop.stopped():
        return None
    solution = solve_aggregate(instance, max_work_seconds=max_work_seconds, stop=stop,
                               cover=merged_cover(instance, groups, shortages))
    return None if solution is None or stop.stopped() else solution.bound


def skill_sets(instance: Instance) -> int:
    """Distinct skill sets among the agents, counting only queues with a requirement."""
    required = {q for q, total in zip(instance.queue_ids, deadline_cover.live_requirements(instance).sum(axis=1),
                                      strict=True) if total > 0}
    return len({frozenset(a.skills) & required for a in instance.config.agents} - {frozenset()})


def many_skill_sets(instance: Instance) -> bool:
    """Whether the full aggregate LP is too large to solve within a run (more than ``FULL_LP_MAX_SKILL_SETS``
    skill sets), so the solve takes ``solve_merged``'s instead."""
    return skill_sets(instance) > FULL_LP_MAX_SKILL_SETS
