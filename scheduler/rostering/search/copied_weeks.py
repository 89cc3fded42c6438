"""Weeks of agents already rostered, offered to an agent still without one once the wall clock has run out.

When the wall-clock cap (or an interrupt) comes before the first complete roster exists, building each remaining
agent's own CP-SAT model, even stopped at its first solution, can take minutes on a loaded machine at a few
hundred agents. A week that another agent already works usually keeps this agent's rules too (same contract,
templates and availability): it is taken when every hard rule of the agent's own accepts it (each rule's fast
exact check, ``rules.keeps_week``) and it keeps the centre-wide break cap beside the agents already rostered.
Among the weeks that qualify the one worth most against the cover still missing is taken, so the copies spread
over the week's needs rather than piling on one pattern. Activities are not copied: an attendee's copy gets
each of its activities at the first allowed start (on one of its weekdays, inside its window and a copied shift,
clear of that shift's breaks and other activities; a meeting's day and start are fixed before solving, so its
attendees' copies agree), and a week where one does not fit is left to the CP-SAT model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from scheduler.domain.plan import Agent, PlanConfig
from scheduler.domain.roster import ActivityAssignment, ShiftAssignment
from scheduler.domain.week import Week
from scheduler.rostering.rules import AgentWeek, agent_week, break_cap, keeps_week

# Distinct weeks tried per agent at most (best first): each try is one fast check of the agent's rules.
MAX_TRIES = 40


class WeekPool:
    """The distinct weeks of the agents rostered so far, each with its on-floor and on-break slots."""

    def __init__(self, config: PlanConfig, week: Week) -> None:
        self.config, self.week = config, week
        self._keys: set[tuple] = set()
        self.weeks: list[tuple[ShiftAssignment, ...]] = []  # each with its first owner's agent id
        self.on_floor: list[np.ndarray] = []
        self.on_break: list[np.ndarray] = []

    def add(self, shifts: tuple[ShiftAssignment, ...], on_floor: np.ndarray, on_break: np.ndarray) -> None:
        """Offer an agent's week (and its per-slot floor and break counts, ``[slot]`` int arrays)."""
        key = tuple((s.date, s.template_id, s.start_minute, s.breaks) for s in shifts)
        if key in self._keys or any(s.activities for s in shifts):
            return
        self._keys.add(key)
        self.weeks.append(shifts)
        self.on_floor.append(on_floor)
        self.on_break.append(on_break)

    def best_for(self, agent: Agent, score: Callable[[tuple[ShiftAssignment, ...], np.ndarray], float],
                 others_on_break: np.ndarray) -> tuple[ShiftAssignment, ...] | None:
        """The agent's copy of the pooled week scoring highest (``score(week, on_floor)``) that keeps the agent's
        own hard rules and the break cap beside ``others_on_break`` (``[slot]``); ``None`` if no week tried does."""
        if not self.weeks:
            return None
        facts = agent_week(self.config, self.week, agent)
        cap = break_cap.cap(self.config)
        order = sorted(range(len(self.weeks)), key=lambda i: -score(self.weeks[i], self.on_floor[i]))
        for index in order[:MAX_TRIES]:
            if cap is not None and int((others_on_break + self.on_break[index]).max(initial=0)) > cap:
                continue
            copied = tuple(dataclasses.replace(s, agent_id=agent.agent_id) for s in self.weeks[index])
            if facts.activities:
                copied = with_activities(facts, copied)
            if keeps_week(facts, self.week.by_day(copied)):
                return copied
        return None


def with_activities(facts: AgentWeek, shifts: tuple[ShiftAssignment, ...]) -> tuple[ShiftAssignment, ...]:
    """The week with each of the agent's activities (``facts.activities``) at its first allowed start, by date
    and minute; an activity that fits nowhere is left out (the week then fails the activities rule)."""
    placed = list(shifts)
    interval = facts.config.interval_minutes
    for activity in facts.activities.values():
        for index, shift in sorted(enumerate(placed), key=lambda item: item[1].date):
            if shift.date.weekday() not in activity.weekdays:
                continue
            busy = [(b.start_minute, b.start_minute + b.minutes) for b in shift.breaks] + [
                (a.start_minute, a.start_minute + a.minutes) for a in shift.activities]
            start = next((m for m in activity.start_minutes(interval)
                          if shift.start_minute <= m and m + activity.minutes <= shift.end_minute
                          and not any(low < m + activity.minutes and m < high for low, high in busy)), None)
            if start is not None:
                item = ActivityAssignment(activity.activity_id, start, activity.minutes)
                placed[index] = dataclasses.replace(shift, activities=tuple(
                    sorted((*shift.activities, item), key=lambda a: a.start_minute)))
                break
    return tuple(placed)
