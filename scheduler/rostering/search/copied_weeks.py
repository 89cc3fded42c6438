"""Weeks of agents already rostered, offered to an agent still without one once the wall clock has run out.

When the wall-clock cap (or an interrupt) comes before the first complete roster exists, building each remaining
agent's own CP-SAT model, even stopped at its first solution, can take minutes on a loaded machine at a few
hundred agents. A week that another agent already works usually keeps this agent's rules too (same contract,
templates and availability): it is taken when every hard rule of the agent's own accepts it (each rule's fast
exact check, ``rules.keeps_week``) and it keeps the centre-wide break cap beside the agents already rostered.
Among the weeks that qualify the one worth most against the cover still missing is taken, so the copies spread
over the week's needs rather than piling on one pattern. Activities are not copied: an agent whose week needs
one (``rules.activities``) fails the check and is left to the CP-SAT model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from scheduler.domain.plan import Agent, PlanConfig
from scheduler.domain.roster import ShiftAssignment
from scheduler.domain.week import Week
from scheduler.rostering.rules import agent_week, break_cap, keeps_week

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
            by_day: list[ShiftAssignment | None] = [None] * 7
            for shift in copied:
                by_day[self.week.day_index(shift.date)] = shift
            if keeps_week(facts, by_day):
                return copied
        return None
