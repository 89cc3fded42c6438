"""Paid time the targets do not need, and where it sits: agents on the floor that no queue's requirement uses.

In each interval the agents on the floor are allocated to the requirements by the coverage max-flow
(``scheduler.rostering.coverage.allocate``); those the flow leaves over are surplus: any of them could take
other work (back office, training) or voluntary time off and every queue would still have its Erlang
requirement (which already includes shrinkage). Surplus heads are then given to named agents, interval by
interval, keeping an agent released in the previous interval released (so the time forms blocks) and otherwise
releasing the agent whose time on the floor ends soonest (an early finish is the easiest offer to make).
Blocks of at least ``MIN_BLOCK_MINUTES`` are listed in ``surplus.csv``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import ActivityAssignment, BreakAssignment, Roster
from scheduler.domain.week import Week
from scheduler.rostering.coverage import allocate, on_floor_by_skills

MIN_BLOCK_MINUTES = 60
SURPLUS_FILE = "surplus.csv"
SURPLUS_COLUMNS = ("agent_id", "date", "start", "end", "minutes", "skills")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class SurplusBlock:
    """``agent_id`` could be released from ``start_minute`` to ``end_minute`` (minutes after midnight of ``day``)."""

    agent_id: str
    day: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class Surplus:
    """Surplus agent-hours in all (``agent_hours``), per weekday, and those in blocks of at least
    ``MIN_BLOCK_MINUTES`` (``block_hours``, ``blocks``)."""

    agent_hours: float
    by_weekday: dict[str, float]
    block_hours: float
    blocks: tuple[SurplusBlock, ...]


def _floor_slots(config: PlanConfig, week: Week, roster: Roster) -> dict[str, np.ndarray]:
    """Per agent, a bool per slot: on the floor."""
    out: dict[str, np.ndarray] = {}
    for shift in roster.shifts:
        day = week.day_index(shift.date)
        present = out.setdefault(shift.agent_id, np.zeros(week.slot_count, dtype=bool))
        present[week.slot(day, shift.start_minute):week.slot(day, shift.end_minute)] = True
        off_floor: tuple[BreakAssignment | ActivityAssignment, ...] = (*shift.breaks, *shift.activities)
        for segment in off_floor:
            present[week.slot(day, segment.start_minute):week.slot(day, segment.start_minute + segment.minutes)] = False
    return out


def _run_end(present: np.ndarray, slot: int) -> int:
    """The first slot after ``slot`` at which the agent is off the floor."""
    rest = np.flatnonzero(~present[slot:])
    return slot + int(rest[0]) if rest.size else present.size


def surplus(config: PlanConfig, week: Week, roster: Roster, required: np.ndarray) -> Surplus:
    """Surplus of ``roster`` against ``required`` ``[queue, slot]`` heads (see the module docstring)."""
    queue_ids = [q.queue_id for q in config.queues]
    on_floor = on_floor_by_skills(config, week, roster)
    flows: dict[tuple[int, tuple[str, ...], int], int] = {}
    allocate(required, on_floor, queue_ids, flows)
    used: dict[tuple[str, ...], np.ndarray] = {g: np.zeros(week.slot_count, dtype=np.int64) for g in on_floor}
    for (slot, group, _q), sent in flows.items():
        used[group][slot] += sent
    floor = _floor_slots(config, week, roster)
    order = {a.agent_id: i for i, a in enumerate(config.agents)}
    members: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for member in config.agents:
        if member.agent_id in floor:
            members[member.skills].append(member.agent_id)
    released = {agent: np.zeros(week.slot_count, dtype=bool) for agent in floor}
    for group, count in on_floor.items():
        spare = count - used[group]
        for slot in np.flatnonzero(spare > 0).tolist():
            here = [a for a in members[group] if floor[a][slot]]
            here.sort(key=lambda a: (not (slot > 0 and released[a][slot - 1]), _run_end(floor[a], slot), a))
            for agent in here[:int(spare[slot])]:
                released[agent][slot] = True
    hours_per_slot = config.interval_minutes / 60
    by_day = [0.0] * 7
    blocks = []
    for agent in sorted(released, key=order.__getitem__):
        marks = released[agent]
        for day in range(7):
            row = marks[day * week.slots_per_day:(day + 1) * week.slots_per_day]
            by_day[day] += float(row.sum()) * hours_per_slot
            edges = np.diff(np.concatenate(([0], row.astype(np.int8), [0])))
            for start, end in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
                if (end - start) * config.interval_minutes >= MIN_BLOCK_MINUTES:
                    blocks.append(SurplusBlock(agent, day, int(start) * config.interval_minutes,
                                               int(end) * config.interval_minutes))
    block_minutes = sum(b.end_minute - b.start_minute for b in blocks)
    return Surplus(agent_hours=round(sum(by_day), 4),
                   by_weekday={WEEKDAYS[d]: round(h, 4) for d, h in enumerate(by_day)},
                   block_hours=round(block_minutes / 60, 4), blocks=tuple(blocks))


def surplus_csv(config: PlanConfig, week: Week, found: Surplus) -> str:
    """``surplus.csv``: one row per block, ``agent_id, date, start, end, minutes, skills``."""
    skills_of = {a.agent_id: ";".join(a.skills) for a in config.agents}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SURPLUS_COLUMNS)
    for block in found.blocks:
        writer.writerow([block.agent_id, week.day(block.day).isoformat(), _clock(block.start_minute),
                         _clock(block.end_minute), block.end_minute - block.start_minute, skills_of[block.agent_id]])
    return out.getvalue()


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
