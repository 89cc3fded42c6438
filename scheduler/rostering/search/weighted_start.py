"""The weighted solve's start: the head-counting LP start, aimed at requirements inflated by proficiency.

With the proficiency-weighted cover (``rostering.effective_cover``) a queue needing ``r`` average agents needs
more heads than ``r`` when its agents are mostly juniors (each worth ``p < 1``), and fewer when they are seniors.
The aggregate LP priced in average agents (``search.weighted_bound``) is a fine bound but a poor start: each
skill set brings its best member's proficiency and a fraction of a head may fill the last part of a queue. The
head-counting LP and its rounding (``search.lp_start``) are cheap and round well, but aim at ``r`` heads.
``heads_instance`` gives them the weighted cover's target instead: ``ceil(r / e)`` heads, ``e`` the queue's
*expected* proficiency (the mean over the agents skilled for it), with the cover counting heads. The solve
(``rostering.solve``) rounds that LP's plan to agents, polishes it by heads against the same target, then with
the weighted cover, which trims or fills what the estimate misses.

The inflated requirements are only a target for the start: every roster is scored and compared by the weighted
cover, and the heads LP's optimum (a bound on the heads problem, not the weighted one) is not published as a
bound. Queues no agent is skilled for keep their requirement.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from scheduler.domain.plan import PlanConfig
from scheduler.rostering.instance import Instance

# Share of the budget the head-counting local search on the aimed start leaves for what follows: the weighted
# local search, or, when a hard floor rule is still short after its repair (``search.floor_repair``), the
# agent-by-agent start (``rostering.solve``).
FALLBACK_SHARE = 0.4
# Below this many hundredths of an average agent, a ceiling is not taken (floating-point noise: 3 / 0.75 = 4).
ROUNDING_SLACK = 1e-6


def expected_proficiency(config: PlanConfig) -> tuple[float, ...]:
    """Per queue (config order), the mean proficiency on it of the agents skilled for it (average agents per head);
    1.0 for a queue no agent is skilled for."""
    means = []
    for queue in config.queues:
        values = [a.proficiency(queue.queue_id) for a in config.agents if queue.queue_id in a.skills]
        means.append(sum(values) / len(values) if values else 1.0)
    return tuple(means)


def inflated_requirements(instance: Instance) -> np.ndarray:
    """Heads required per ``[queue, slot]`` (int64, the instance's shape) for the weighted cover's requirement in
    average agents: ``ceil(required / e)`` with ``e`` the queue's expected proficiency (``expected_proficiency``)."""
    required = instance.requirements.astype(np.float64)
    heads = np.zeros(required.shape, dtype=np.int64)
    for row, worth in enumerate(expected_proficiency(instance.config)):
        heads[row] = np.ceil(required[row] / worth - ROUNDING_SLACK).astype(np.int64)
    return np.maximum(heads, 0)


def heads_instance(instance: Instance) -> Instance:
    """The head-counting instance aimed at the weighted cover: ``solver.proficiency_cover`` off and the
    requirements ``inflated_requirements``, for the aggregate LP's start and its head-counting local search."""
    config = instance.config
    heads_config = replace(config, solver=replace(config.solver, proficiency_cover=False))
    return Instance(heads_config, instance.week, inflated_requirements(instance), instance.deadlines,
                    instance.service_curves)
