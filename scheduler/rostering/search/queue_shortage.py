"""The fewest under-staffed agent-intervals a queue has in every roster: what its own skilled agents can cover.

A queue's cover can only come from the agents skilled for it. Rostered for that queue alone (every other queue
and every rule between agents dropped, each agent's own rules kept), they cover at most some share of its
requirement; the rest is short whatever the roster. The aggregate LP (``search.lower_bound``) of that small
centre, with only under-staffing priced (one per agent-interval), bounds the shortest it can be from below:
every roster of the centre gives a roster of the small one (the same agents' weeks, the same hard rules of each
agent) whose allocation to the queue is at least the centre's, so no roster covers more of the queue than that
LP allows.

**Why it matters.** The merged-queue LP (``search.subset_bound``) lets an agent skilled for any member of a group
serve all of it, so a scarce queue merged with a large one looks covered (a 150-agent, 8-queue centre: a queue
with 8 skilled agents and a requirement of two heads twelve hours a day is at least 13 agent-intervals short, but
its group's LP counts none of them). Capping each group's weekly allocation by its members' requirement less
these shortages (``CoverView.allocation_caps``) keeps that LP a relaxation of the centre and puts the scarce
queues' shortage back into its bound (``subset_bound.capped_bound``). The solve proves that bound after its
search (``solve.capped_bound_after_search``); the merged LP its start is rounded from stays uncapped (a plan aimed at a
cover the caps make unreachable started a worse search at 16 queues).

With proficiencies (``rostering.effective_cover``) the cover is counted in average agents: the small centre's LP
then prices each head at the best proficiency on the queue among its agents (``effective_cover.best_worth``), which
no head exceeds, so its optimum still bounds the queue's weighted shortage from below (the argument of
``search.weighted_bound``); that shortage is not a whole number of agents, so it is not rounded up. Not used in the
weekly service-level mode (its requirement is a floor, its targets weekly): there the caps stay empty.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from scheduler.rostering import effective_cover
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import deadline_cover
from scheduler.rostering.search.lower_bound import LP_BUILD_SECONDS_PER_VARIABLE, lp_work, solve_aggregate
from scheduler.rostering.stopping import NO_STOP, Stop

# The LP's value is rounded up to the next whole agent-interval past this much (its own safety margin is
# relative, 1e-6 of it; a shortage is a whole number of agent-intervals without proficiencies).
WHOLE_TOLERANCE = 1e-3


def applies(instance: Instance) -> bool:
    """Whether the shortages are counted: every interval staffed to its own target (not the weekly mode)."""
    return instance.service_curves is None


def own_agents_instance(instance: Instance, queue_index: int) -> Instance:
    """The centre with only the agents skilled for the queue (skilled for it alone), only its live requirement,
    only under-staffing priced, and no rule between agents (floor, ratio and break-cap rules, fairness), each
    agent's own rules kept: a relaxation of the queue's cover in the centre."""
    config = instance.config
    queue_id = instance.queue_ids[queue_index]
    agents = tuple(dataclasses.replace(a, skills=(queue_id,), proficiencies=(a.proficiency(queue_id),)
                                       if a.proficiencies else ()) for a in config.agents if queue_id in a.skills)
    weights = dataclasses.replace(config.weights, understaffed_agent_interval=1, overstaffed_agent_interval=0,
                                  paid_hour=0)
    own = dataclasses.replace(config, agents=agents, weights=weights, floor_rules=(), ratio_rules=(),
                              max_agents_on_break=None, fairness=None)
    requirements = np.zeros((len(config.queues), instance.slots), dtype=np.int64)
    requirements[queue_index] = deadline_cover.live_requirements(instance)[queue_index]
    return Instance(own, instance.week, requirements)


def forced_shortage(instance: Instance, queue_index: int, *, max_work_seconds: float = math.inf,
                    spend_seconds: Callable[[float], None] = lambda seconds: None, stop: Stop = NO_STOP) -> float:
    """Agent-intervals of the queue short in every roster (a proven lower bound, whole without proficiencies, in
    average agents with them; 0 when its LP is over ``max_work_seconds`` of predicted work or was stopped). The LP's
    work is passed to ``spend_seconds`` in CPU seconds (a build found too large: its build)."""
    live = deadline_cover.live_requirements(instance)[queue_index]
    if not applies(instance) or int(live.sum()) == 0:
        return 0
    own = own_agents_instance(instance, queue_index)
    if not own.config.agents:
        return float(live.sum())  # no one may serve it
    built: list[tuple[int, int]] = []
    solution = solve_aggregate(own, max_work_seconds=max_work_seconds, stop=stop,
                               on_built=lambda columns, rows: built.append((columns, rows)))
    if solution is None:
        if built:
            spend_seconds(built[0][0] * LP_BUILD_SECONDS_PER_VARIABLE)
        return 0
    spend_seconds(lp_work(solution.variables, solution.rows))
    if effective_cover.weighted(own.config):  # average agents: the LP's bound as it is (its margin taken)
        return max(0.0, solution.bound)
    return max(0, math.ceil(solution.bound - WHOLE_TOLERANCE))
