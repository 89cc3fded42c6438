"""Coverage and plan KPIs, computed from the roster itself (not from the solver's variables).

In each interval, the agents on the floor (on shift and not on break) are allocated to the queues they are
skilled for by a max-flow that covers as much of the requirement as possible, each agent counted once; agents
not needed anywhere go to the skilled queue with the largest requirement. The predicted service level of each
queue and interval follows from the heads allocated to it (Erlang C, after shrinkage).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.graph.python import max_flow

from forecasting.queueing.staffing import QueueTarget, service_level_for_heads
from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import ActivityAssignment, BreakAssignment, Roster
from scheduler.domain.week import Week

COVERAGE_COLUMNS = ("interval_start", "queue", "required", "scheduled", "service_level")


@dataclass(frozen=True)
class CoverageResult:
    """``frame`` has ``COVERAGE_COLUMNS`` plus ``contacts``; arrays are ``[queue, slot]`` (config queue order)."""

    frame: pd.DataFrame
    scheduled: np.ndarray
    on_floor_agent_intervals: int


def on_floor_by_skills(config: PlanConfig, week: Week, roster: Roster) -> dict[tuple[str, ...], np.ndarray]:
    """Agents on the floor (on shift, not on break or at an activity) per slot, summed per skill set."""
    skills_of = {a.agent_id: a.skills for a in config.agents}
    counts: dict[tuple[str, ...], np.ndarray] = defaultdict(lambda: np.zeros(week.slot_count, dtype=np.int64))
    for shift in roster.shifts:
        day = week.day_index(shift.date)
        present = np.zeros(week.slot_count, dtype=np.int64)
        present[week.slot(day, shift.start_minute):week.slot(day, shift.end_minute)] = 1
        off_floor: tuple[BreakAssignment | ActivityAssignment, ...] = (*shift.breaks, *shift.activities)
        for segment in off_floor:
            present[week.slot(day, segment.start_minute):week.slot(day, segment.start_minute + segment.minutes)] = 0
        counts[skills_of[shift.agent_id]] += present
    return dict(counts)


def on_break_counts(week: Week, roster: Roster) -> np.ndarray:
    """Agents on break or lunch per slot of the week and the day after it (``Week.reach_slot_count``)."""
    counts = np.zeros(week.reach_slot_count, dtype=np.int64)
    for shift in roster.shifts:
        day = week.day_index(shift.date)
        for brk in shift.breaks:
            counts[week.slot(day, brk.start_minute):week.slot(day, brk.start_minute + brk.minutes)] += 1
    return counts


def allocate(
    required: np.ndarray,
    on_floor: dict[tuple[str, ...], np.ndarray],
    queue_ids: list[str],
    flows: dict[tuple[int, tuple[str, ...], int], int] | None = None,
) -> np.ndarray:
    """Heads per ``[queue, slot]``: max-flow cover of ``required`` first, then the spare agents.

    ``flows``, when given, receives the covering part per ``(slot, skill set, queue index)``."""
    groups = sorted(on_floor)
    scheduled = np.zeros_like(required)
    for slot in range(required.shape[1]):
        present = [int(on_floor[g][slot]) for g in groups]
        if not any(present):
            continue
        flow = max_flow.SimpleMaxFlow()
        source, sink = 0, 1
        group_node = {g: 2 + i for i, g in enumerate(groups)}
        queue_node = [2 + len(groups) + q for q in range(len(queue_ids))]
        arcs = []
        for g, n in zip(groups, present, strict=True):
            if n:
                flow.add_arc_with_capacity(source, group_node[g], n)
                for q, queue_id in enumerate(queue_ids):
                    if queue_id in g and required[q, slot] > 0:
                        arcs.append((flow.add_arc_with_capacity(group_node[g], queue_node[q], n), g, q))
        for q in range(len(queue_ids)):
            if required[q, slot] > 0:
                flow.add_arc_with_capacity(queue_node[q], sink, int(required[q, slot]))
        spare = dict(zip(groups, present, strict=True))
        if flow.solve(source, sink) == flow.OPTIMAL:
            for arc, g, q in arcs:
                sent = flow.flow(arc)
                scheduled[q, slot] += sent
                if flows is not None and sent:
                    flows[slot, g, q] = sent
                spare[g] -= sent
        for g in groups:
            if spare[g] > 0:
                skilled = [q for q, queue_id in enumerate(queue_ids) if queue_id in g]
                best = max(skilled, key=lambda q: (required[q, slot], -q))
                scheduled[best, slot] += spare[g]
    return scheduled


def net_requirements(requirements: np.ndarray, carried: np.ndarray | None) -> np.ndarray:
    """The requirement a week is rostered against: ``requirements`` less the heads shifts before the week put on
    its floor (``carried_cover``; never below 0); ``requirements`` itself without carried heads."""
    return requirements if carried is None else np.maximum(requirements - carried, 0)


def coverage(
    config: PlanConfig, week: Week, roster: Roster, requirements: pd.DataFrame, required: np.ndarray,
    targets: dict[str, QueueTarget], carried: np.ndarray | None = None,
) -> CoverageResult:
    """Coverage per queue and interval for the requirement rows (``forecasting.queueing.staffing`` output).

    ``carried``: heads per ``[queue, slot]`` that shifts before the week put on its floor (``carried_cover``):
    the roster is allocated against the requirement less them, as the week was rostered, and they are added to
    the scheduled heads (and to the agents on the floor)."""
    queue_ids = [q.queue_id for q in config.queues]
    on_floor = on_floor_by_skills(config, week, roster)
    required = net_requirements(required, carried)
    scheduled = allocate(required, on_floor, queue_ids)
    # average agents: the heads weighted by proficiency (``rostering.proficiency``), or the heads themselves
    from scheduler.rostering.proficiency import effective_heads  # (it builds on this module's allocation)

    weighted = effective_heads(config, week, roster, required)
    heads = scheduled.astype(float) if weighted is None else weighted
    if carried is not None:  # carried heads count whole (their proficiency is not read)
        scheduled, heads = scheduled + carried, heads + carried
    frame = requirements[["interval_start", "queue", "contacts", "aht_seconds", "agents_required"]].copy()
    slots = np.array([week.slot_of(t) for t in frame["interval_start"].dt.to_pydatetime()], dtype=np.int64)
    # int64 even when there are no rows (a week without contacts), so the empty index still indexes.
    q_index = frame["queue"].map({q: i for i, q in enumerate(queue_ids)}).to_numpy(dtype=np.int64)
    frame["required"] = frame["agents_required"].astype(np.int64)
    frame["scheduled"] = scheduled[q_index, slots]
    service = np.ones(len(frame))
    for queue_id, target in targets.items():
        mask = (frame["queue"] == queue_id).to_numpy()
        if mask.any():
            service[mask] = service_level_for_heads(
                frame.loc[mask, "contacts"].to_numpy(float), frame.loc[mask, "aht_seconds"].to_numpy(float),
                heads[q_index[mask], slots[mask]], target)
    frame["service_level"] = service
    total_on_floor = int(sum(int(v.sum()) for v in on_floor.values()))
    total_on_floor += 0 if carried is None else int(carried.sum())
    return CoverageResult(frame[[*COVERAGE_COLUMNS, "contacts"]].reset_index(drop=True), scheduled, total_on_floor)
