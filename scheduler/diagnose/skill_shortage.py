"""Whose shortage is it? A queue left short by the roster, and how much of that no roster could avoid.

When a queue is short in the published roster, the planner needs to know whether a better search would have
covered it or whether its skilled agents cannot: the second calls for cross-training or hiring, not for a longer
time limit. ``search.queue_shortage`` proves, for one queue, how many agent-intervals are short in every roster
(its skilled agents rostered for it alone, each keeping their own contract, availability and breaks); this module
turns that into one warning line per queue.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from scheduler.domain.roster import Roster
from scheduler.rostering import effective_cover
from scheduler.rostering.coverage import allocate, on_floor_by_skills
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import deadline_cover
from scheduler.rostering.search import queue_shortage

# CPU seconds of predicted LP work (``lower_bound.lp_work``) one queue's count may take (past it, no line), and all
# queues' counts together (past it, no further queue is looked at: 150 agents x 30 queues, 30 LPs took 3 s).
MAX_WORK_SECONDS_PER_QUEUE = 2.0
MAX_WORK_SECONDS = 5.0
# Agent-hours of a queue short in every roster below which no line is written (a break's quarter-hour is noise).
MIN_FORCED_HOURS = 1.0


def short_by_queue(instance: Instance, roster: Roster) -> dict[str, int]:
    """Agent-intervals of each live queue the roster leaves short (max-flow cover of the live requirement)."""
    live = deadline_cover.live_requirements(instance)
    on_floor = on_floor_by_skills(instance.config, instance.week, roster)
    scheduled = allocate(np.asarray(live), on_floor, list(instance.queue_ids))
    short = np.maximum(live - scheduled, 0).sum(axis=1)
    return {q: int(s) for q, s in zip(instance.queue_ids, short, strict=True)}


def skill_shortage_warnings(instance: Instance, roster: Roster, skip: Collection[str] = ()) -> dict[str, str]:
    """Per queue the roster leaves short where part of that shortage is in every roster, its line (queues in
    ``skip`` not looked at: over several weeks, those with a line already). The queues' LPs together stop once
    their predicted work passes ``MAX_WORK_SECONDS``."""
    if not queue_shortage.applies(instance) or effective_cover.weighted(instance.config):
        return {}  # (with proficiencies the shortage is in average agents, the roster's count here in heads)
    interval_hours = instance.config.interval_minutes / 60
    lines = {}
    work = [0.0]
    for index, (queue_id, short) in enumerate(short_by_queue(instance, roster).items()):
        skilled = sum(1 for a in instance.config.agents if queue_id in a.skills)
        if short <= 0 or queue_id in skip or work[0] > MAX_WORK_SECONDS or not skilled:
            continue  # (nobody skilled: warned before the solve)
        forced = queue_shortage.forced_shortage(instance, index, max_work_seconds=MAX_WORK_SECONDS_PER_QUEUE,
                                                spend_seconds=lambda seconds: work.__setitem__(0, work[0] + seconds))
        if forced * interval_hours < MIN_FORCED_HOURS:
            continue
        lines[queue_id] = (
            f"queue '{queue_id}': {short} agent-intervals ({short * interval_hours:,.1f} h) short in this roster, "
            f"at least {forced} ({forced * interval_hours:,.1f} h) of them in every roster: its {skilled} skilled "
            f"agent{'s' if skilled != 1 else ''} cannot cover more within their contracts, availability, shift "
            f"templates and breaks (a longer time limit will not help)")
    return lines
