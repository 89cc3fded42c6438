"""Greedy break placement for fixed shifts: each break goes where its agent's queues have the most spare cover.

Used to turn the no-break relaxation's shifts into a complete roster fast. ``spare[q, slot]`` starts as the
heads allocated to queue ``q`` minus its requirement; a break taken in a slot removes the agent from the
skilled queue with the most spare there. Breaks are placed in order, each at the start (on the interval grid,
inside its window, after the previous break plus the template's gap, leaving room for the breaks after it)
whose slots have the largest total spare; ties go to the earliest start. Deterministic.

Activities (``PlanConfig.activities``) the shifts carry are kept; an attendee's activity that no shift carries is
placed first, the same way, at the allowed start inside one of the agent's shifts with the most spare (a
``together`` activity at the one date and start, among those all its attendees' shifts contain, with the most
spare summed over them). Breaks then avoid the activities where their windows allow; a roster where they cannot
is caught by ``scheduler.rostering.activities.activities_kept``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import numpy as np

from scheduler.domain.plan import Activity, PlanConfig, ShiftTemplate
from scheduler.domain.roster import ActivityAssignment, BreakAssignment, Roster, ShiftAssignment
from scheduler.domain.week import Week
from scheduler.rostering.activities import published_times
from scheduler.rostering.coverage import allocate, on_floor_by_skills
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import break_cap

# Score of a start that breaks a hard rule (over the break cap, on an activity): taken only if nothing else fits.
REFUSED = 10**9


def latest_break_offsets(template: ShiftTemplate) -> list[int]:
    """For each break, the latest offset from the shift start that still leaves room for the breaks after it."""
    latest = [0] * len(template.breaks)
    limit: int | None = None
    for k in range(len(template.breaks) - 1, -1, -1):
        rule = template.breaks[k]
        latest[k] = rule.latest_after_start_minutes if limit is None else min(rule.latest_after_start_minutes, limit)
        limit = latest[k] - template.min_break_gap_minutes - (template.breaks[k - 1].minutes if k else 0)
    return latest


def best_offsets(shift: ShiftAssignment, template: ShiftTemplate, spare: np.ndarray, rows: list[int],
                  day: int, week: Week, interval: int, room: np.ndarray) -> list[int]:
    busy = [(a.start_minute, a.start_minute + a.minutes) for a in shift.activities]
    latest = latest_break_offsets(template)
    earliest, offsets = 0, []
    for k, rule in enumerate(template.breaks):
        low = max(rule.earliest_after_start_minutes, earliest)
        best_offset, best_score = low, None
        for offset in range(low, max(low, latest[k]) + 1, interval):
            first = week.slot(day, shift.start_minute + offset)
            score = int(spare[rows, first:first + rule.minutes // interval].max(axis=0).sum())
            if (room[first:first + rule.minutes // interval] <= 0).any():  # (none past the plan's end)
                score -= REFUSED  # over the break cap: only if nothing else fits (the roster is then rejected)
            start = shift.start_minute + offset
            if any(low < start + rule.minutes and start < high for low, high in busy):
                score -= REFUSED
            if best_score is None or score > best_score:
                best_offset, best_score = offset, score
        offsets.append(best_offset)
        earliest = best_offset + rule.minutes + template.min_break_gap_minutes
    return offsets


def _take(spare: np.ndarray, rows: list[int], first: int, count: int, sign: int) -> None:
    """Take one head off (sign -1) the richest skilled queue per slot, or give one back (sign +1) to the poorest."""
    for slot in range(first, min(first + count, spare.shape[1])):  # a night shift's slots past the plan's end
        column = spare[rows, slot]
        row = rows[int(np.argmax(column))] if sign < 0 else rows[int(np.argmin(column))]
        spare[row, slot] += sign


def place_breaks(instance: Instance, shifts: list[ShiftAssignment], passes: int = 3) -> Roster:
    """The same shifts with breaks placed greedily, then re-placed one shift at a time for ``passes`` rounds
    (any breaks the shifts carry are replaced, except on shifts a re-plan keeps)."""
    config, week, requirements = instance.config, instance.week, instance.requirements
    queue_ids = [q.queue_id for q in config.queues]
    bare = [replace(s, breaks=()) for s in shifts]
    on_floor = on_floor_by_skills(config, week, Roster(tuple(bare)))
    spare = (allocate(requirements, on_floor, queue_ids) - requirements).astype(np.int64)
    skill_rows = {a.agent_id: [queue_ids.index(q) for q in a.skills] for a in config.agents}
    interval = config.interval_minutes
    if config.activities:
        bare = _place_activities(config, week, bare, spare, skill_rows)
    order = sorted(bare, key=lambda s: (s.date, s.start_minute, s.agent_id))
    cap = break_cap.cap(config)
    # one day past the plan's end: a Sunday night shift's breaks there count towards the cap too
    room = np.full(week.reach_slot_count, np.iinfo(np.int64).max // 2 if cap is None else cap,
                   dtype=np.int64)
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
            offsets[key] = best_offsets(shift, template, spare, rows, day, week, interval, room)
            for offset, rule in zip(offsets[key], template.breaks, strict=True):
                first = week.slot(day, shift.start_minute + offset)
                _take(spare, rows, first, rule.minutes // interval, -1)
                room[first:first + rule.minutes // interval] -= 1
    placed = []
    for shift in order:
        template = config.template(shift.template_id)
        breaks = tuple(BreakAssignment(rule.kind, shift.start_minute + offset, rule.minutes)
                       for offset, rule in zip(offsets[shift.agent_id, shift.date], template.breaks, strict=True))
        placed.append(replace(shift, breaks=breaks))
    placed.sort(key=lambda s: (s.agent_id, s.date))
    return Roster(tuple(placed))


def _place_activities(config: PlanConfig, week: Week, shifts: list[ShiftAssignment], spare: np.ndarray,
                      skill_rows: dict[str, list[int]]) -> list[ShiftAssignment]:
    """The shifts with every attendee's missing activities placed where their queues have the most spare
    (taken off ``spare``); activities the shifts carry are kept."""
    interval = config.interval_minutes
    by_key = {(s.agent_id, s.date): s for s in shifts}
    for activity in config.activities:
        missing = [a for a in activity.agent_ids
                   if not any(item.activity_id == activity.activity_id
                              for s in shifts if s.agent_id == a for item in s.activities)]
        if not missing:
            continue
        groups = [missing] if activity.together else [[a] for a in missing]
        published = published_times(config, activity.activity_id)
        for group in groups:
            # A re-plan keeps the published time where the shifts still hold it, and never adds an activity to a
            # pinned day; otherwise the time with the most spare.
            kept = {published[a] for a in group if a in published}
            best = next(iter(kept)) if len(kept) == 1 and _fits(activity, group, by_key, *next(iter(kept))) else None
            if best is None:
                def pinned(day: date, group: list[str] = group) -> bool:
                    return any(config.pinned(a, day)[0] for a in group)

                best = _best_activity_start(activity, group, by_key, spare, skill_rows, week, interval, pinned)
            if best is None:
                continue  # nowhere to put it: the roster will fail activities_kept
            day, minute = best
            for agent_id in group:
                shift = by_key[agent_id, day]
                item = ActivityAssignment(activity.activity_id, minute, activity.minutes)
                by_key[agent_id, day] = replace(
                    shift, activities=tuple(sorted((*shift.activities, item), key=lambda a: a.start_minute)))
                _take(spare, skill_rows[agent_id], week.slot(week.day_index(day), minute),
                      activity.minutes // interval, -1)
    return [by_key[s.agent_id, s.date] for s in shifts]


def _fits(activity: Activity, group: list[str], by_key: dict, day: date, minute: int) -> bool:
    """Whether every agent of ``group`` works ``day`` in a shift containing the activity at ``minute``, clear of
    their other activities."""
    end = minute + activity.minutes
    return day.weekday() in activity.weekdays and all(
        (a, day) in by_key and by_key[a, day].start_minute <= minute and end <= by_key[a, day].end_minute
        and not any(o.start_minute < end and minute < o.start_minute + o.minutes for o in by_key[a, day].activities)
        for a in group)


def _best_activity_start(activity: Activity, group: list[str], by_key: dict, spare: np.ndarray,
                         skill_rows: dict[str, list[int]], week: Week, interval: int,
                         skip: Callable[[date], bool]) -> tuple[date, int] | None:
    """(date, start) inside a worked shift of every agent of ``group``, clear of their other activities, with the
    most spare summed over them, on days ``skip`` allows; ties to the earlier date and start."""
    best, best_score = None, None
    for day in week.days():
        if day.weekday() not in activity.weekdays or skip(day):
            continue
        for minute in activity.start_minutes(interval):
            if not _fits(activity, group, by_key, day, minute):
                continue
            first = week.slot(week.day_index(day), minute)
            score = sum(int(spare[skill_rows[a], first:first + activity.minutes // interval].max(axis=0).sum())
                        for a in group)
            if best_score is None or score > best_score:
                best, best_score = (day, minute), score
    return best
