"""Effective capacity: the roster's heads on each queue weighted by the agents' proficiency there.

An agent with proficiency ``p`` on a queue handles its contacts in ``1/p`` of the average handle time, so on
that queue they are worth ``p`` average agents. The cover allocation (``rostering.coverage.allocate``) sends
heads of each skill set to the queues; within a skill set, the heads a queue gets are its members on the floor
with the highest proficiency there (queues with the larger requirement choose first, as a supervisor would
route them), and the queue's effective agents are the sum of their proficiencies. The predicted service level
of the interval is then Erlang's at that (fractional, interpolated) count of average agents.

With ``solver.proficiency_cover`` on (and proficiencies other than 1) the allocation is instead the weighted
cover the solver optimises (``rostering.effective_cover.effective_heads``: each queue's allocated heads at
their proficiency, and each group's spare heads on its skilled queue with the largest requirement), so the
predicted service level and the objective's cover count the same agents on the same queues.

With every proficiency 1 there is nothing to weigh: ``effective_heads`` returns None and the service level is
Erlang's at the heads, exactly as without proficiencies.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from scheduler.domain.plan import Agent, PlanConfig
from scheduler.domain.roster import ActivityAssignment, BreakAssignment, Roster
from scheduler.domain.week import Week
from scheduler.rostering import effective_cover
from scheduler.rostering.coverage import allocate, on_floor_by_skills


def _on_floor(week: Week, roster: Roster) -> dict[str, np.ndarray]:
    """Per agent, 1 in each week slot on shift and not on break or at an activity."""
    rows: dict[str, np.ndarray] = {}
    for shift in roster.shifts:
        day = week.day_index(shift.date)
        row = rows.setdefault(shift.agent_id, np.zeros(week.slot_count, dtype=np.int64))
        row[week.slot(day, shift.start_minute):week.slot(day, shift.end_minute)] = 1
        off_floor: tuple[BreakAssignment | ActivityAssignment, ...] = (*shift.breaks, *shift.activities)
        for segment in off_floor:
            row[week.slot(day, segment.start_minute):week.slot(day, segment.start_minute + segment.minutes)] = 0
    return rows


def effective_heads(config: PlanConfig, week: Week, roster: Roster, required: np.ndarray) -> np.ndarray | None:
    """Average agents per ``[queue, slot]`` (float) in the roster's cover allocation against ``required``
    (``coverage.allocate``: the max-flow cover, then each skill set's spare heads on its queue with the largest
    requirement), or None when every proficiency is 1."""
    if not any(a.proficiencies for a in config.agents):
        return None
    if effective_cover.weighted(config):  # the solver's own weighted cover allocation
        return effective_cover.effective_heads(config, week, roster, required)
    queue_ids = [q.queue_id for q in config.queues]
    members: dict[tuple[str, ...], list[Agent]] = defaultdict(list)
    for agent in config.agents:
        members[agent.skills].append(agent)
    rows = _on_floor(week, roster)
    flows: dict[tuple[int, tuple[str, ...], int], int] = {}
    allocate(required, on_floor_by_skills(config, week, roster), queue_ids, flows)
    effective = np.zeros(required.shape, dtype=float)
    for slot in range(required.shape[1]):
        for skills, group in sorted(members.items()):
            present = [a for a in group if a.agent_id in rows and rows[a.agent_id][slot] > 0]
            if not present:
                continue
            skilled = [queue_ids.index(q) for q in skills]
            heads = {q: flows.get((slot, skills, q), 0) for q in skilled}
            spare = len(present) - sum(heads.values())
            best = max(skilled, key=lambda q: (required[q, slot], -q))  # as ``allocate`` places spare heads
            heads[best] += spare
            for q in sorted(skilled, key=lambda q: (-int(required[q, slot]), q)):  # larger requirement first
                present.sort(key=lambda a: (-a.proficiency(queue_ids[q]), a.agent_id))
                effective[q, slot] += sum(a.proficiency(queue_ids[q]) for a in present[:heads[q]])
                present = present[heads[q]:]
    return effective
