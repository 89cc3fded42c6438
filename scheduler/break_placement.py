"""Greedy break placement for fixed shifts: each break goes where its agent's queues have the most spare cover.

Used to turn the no-break relaxation's shifts into a complete roster fast. ``spare[q, slot]`` starts as the
heads allocated to queue ``q`` minus its requirement; a break taken in a slot removes the agent from the
skilled queue with the most spare there. Breaks are placed in order, each at the start (on the interval grid,
inside its window, after the previous break plus the template's gap, leaving room for the breaks after it)
whose slots have the largest total spare; ties go to the earliest start. Deterministic.
"""

from __future__ import annotations

import numpy as np

from scheduler.coverage import allocate, on_floor_by_skills
from scheduler.domain import PlanConfig, ShiftTemplate
from scheduler.roster import BreakAssignment, Roster, ShiftAssignment
from scheduler.week import Week


def latest_break_offsets(template: ShiftTemplate) -> list[int]:
    """For each break, the latest offset from the shift start that still leaves room for the breaks after it."""
    latest = [0] * len(template.breaks)
    limit: int | None = None
    for k in range(len(template.breaks) - 1, -1, -1):
        rule = template.breaks[k]
        latest[k] = rule.latest_after_start_minutes if limit is None else min(rule.latest_after_start_minutes, limit)
        limit = latest[k] - template.min_break_gap_minutes - (template.breaks[k - 1].minutes if k else 0)
    return latest


def _best_offsets(shift: ShiftAssignment, template: ShiftTemplate, spare: np.ndarray, rows: list[int],
                  day: int, week: Week, interval: int, room: np.ndarray) -> list[int]:
    latest = latest_break_offsets(template)
    earliest, offsets = 0, []
    for k, rule in enumerate(template.breaks):
        low = max(rule.earliest_after_start_minutes, earliest)
        best_offset, best_score = low, None
        for offset in range(low, max(low, latest[k]) + 1, interval):
            first = week.slot(day, shift.start_minute + offset)
            score = int(spare[rows, first:first + rule.minutes // interval].max(axis=0).sum())
            if room[first:first + rule.minutes // interval].min() <= 0:
                score -= 10**9  # over the break cap: only if nothing else fits (the roster is then rejected)
            if best_score is None or score > best_score:
                best_offset, best_score = offset, score
        offsets.append(best_offset)
        earliest = best_offset + rule.minutes + template.min_break_gap_minutes
    return offsets


def _take(spare: np.ndarray, rows: list[int], first: int, count: int, sign: int) -> None:
    """Take one head off (sign -1) the richest skilled queue per slot, or give one back (sign +1) to the poorest."""
    for slot in range(first, first + count):
        column = spare[rows, slot]
        row = rows[int(np.argmax(column))] if sign < 0 else rows[int(np.argmin(column))]
        spare[row, slot] += sign


def place_breaks(config: PlanConfig, week: Week, requirements: np.ndarray, shifts: list[ShiftAssignment],
                 passes: int = 3) -> Roster:
    """The same shifts with breaks placed greedily, then re-placed one shift at a time for ``passes`` rounds
    (any breaks the shifts carry are replaced, except on shifts a re-plan keeps)."""
    queue_ids = [q.queue_id for q in config.queues]
    bare = [ShiftAssignment(s.agent_id, s.date, s.template_id, s.start_minute, s.length_minutes, s.paid_minutes, ())
            for s in shifts]
    on_floor = on_floor_by_skills(config, week, Roster(tuple(bare)))
    spare = (allocate(requirements, on_floor, queue_ids) - requirements).astype(np.int64)
    skill_rows = {a.agent_id: [queue_ids.index(q) for q in a.skills] for a in config.agents}
    interval = config.interval_minutes
    order = sorted(bare, key=lambda s: (s.date, s.start_minute, s.agent_id))
    cap = config.max_agents_on_break
    room = np.full(week.slot_count, np.iinfo(np.int64).max // 2 if cap is None else cap, dtype=np.int64)
    offsets: dict[tuple[str, object], list[int]] = {}
    for round_number in range(passes + 1):
        for shift in order:
            template = config.template(shift.template_id)
            rows, day, key = skill_rows[shift.agent_id], week.day_index(shift.date), (shift.agent_id, shift.date)
            pinned, kept = config.pinned(shift.agent_id, shift.date)
            if pinned and kept is not None:  # a kept shift keeps its breaks
                if not round_number:
                    offsets[key] = [m - shift.start_minute for m in kept.break_starts]
                    for offset, rule in zip(offsets[key], template.breaks, strict=True):
                        first = week.slot(day, shift.start_minute + offset)
                        _take(spare, rows, first, rule.minutes // interval, -1)
                        room[first:first + rule.minutes // interval] -= 1
                continue
            if round_number:
                for offset, rule in zip(offsets[key], template.breaks, strict=True):
                    first = week.slot(day, shift.start_minute + offset)
                    _take(spare, rows, first, rule.minutes // interval, +1)
                    room[first:first + rule.minutes // interval] += 1
            offsets[key] = _best_offsets(shift, template, spare, rows, day, week, interval, room)
            for offset, rule in zip(offsets[key], template.breaks, strict=True):
                first = week.slot(day, shift.start_minute + offset)
                _take(spare, rows, first, rule.minutes // interval, -1)
                room[first:first + rule.minutes // interval] -= 1
    placed = []
    for shift in order:
        template = config.template(shift.template_id)
        breaks = tuple(BreakAssignment(rule.kind, shift.start_minute + offset, rule.minutes)
                       for offset, rule in zip(offsets[shift.agent_id, shift.date], template.breaks, strict=True))
        placed.append(ShiftAssignment(shift.agent_id, shift.date, shift.template_id, shift.start_minute,
                                      shift.length_minutes, shift.paid_minutes, breaks))
    placed.sort(key=lambda s: (s.agent_id, s.date))
    return Roster(tuple(placed))
