"""Repair of a hard floor rule that a rounded start leaves short: CP-SAT on the agents the rule counts.

The weighted solve's start (``search.weighted_start``) rounds the head-counting LP to agents and polishes it by
heads. Where the rule's agents are few (5 leads on a 25-agent centre) the rounding can leave open intervals with
no lead on the floor, and the local search cannot mend it: each single move of a lead's shift that covers the
short interval uncovers another. The solve used to drop the start for the agent-by-agent one (with 40% of the
budget); a CP-SAT neighbourhood mends it in place: every agent the short rule counts is freed (the whole week
when they are few, else the days with a short interval), everyone else's cover and rule counts are constants,
and the rule is elastic at ``floor_rules.HARD_WEIGHT`` per agent-interval short, so the solve moves, adds or drops
the rule's shifts to cover the short intervals at the least cost in cover and paid hours.

Which rules are short and where is the rule's own face (``floor_rules.short_hard_counts``); the neighbourhood's
model is the solver's (``rostering.solve``), passed in as ``solve``. Deterministic: the neighbourhoods depend
only on the roster.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import Roster, ShiftAssignment
from scheduler.domain.shifts import shift_options
from scheduler.domain.week import Week
from scheduler.rostering.rules import floor_rules

# A short rule counting at most this many agents frees them all for the whole week (5 leads of 25 agents to 15 of
# 150: a model of a few thousand variables); a rule counting more frees, per day with a short interval, at most
# ``DAY_AGENTS`` of them for that day (those working it first).
WHOLE_WEEK_AGENTS = 16
DAY_AGENTS = 12
# Passes over the short rules at most (a pass's solves can leave a rule short where the budget of one solve ended).
ROUNDS = 3
# Budget of one neighbourhood solve, in seconds (deterministic units in deterministic mode, as the solver's).
SECONDS = 2.0


@dataclass(frozen=True)
class Neighbourhood:
    """Agents freed together, on ``days`` (week day indices) or, when ``None``, their whole week."""

    agent_ids: tuple[str, ...]
    days: frozenset[int] | None


def neighbourhoods(config: PlanConfig, week: Week,
                   weeks: Mapping[str, Sequence[ShiftAssignment]]) -> list[Neighbourhood]:
    """The neighbourhoods that repair the hard floor and ratio rules ``weeks`` (each agent's shifts) break; none
    when every hard rule is kept."""
    roster = Roster(tuple(s for shifts in weeks.values() for s in shifts))
    found: list[Neighbourhood] = []
    agents = {a.agent_id: a for a in config.agents}
    for count, short in floor_rules.short_hard_counts(config, week, floor_rules.on_floor_by_agent(week, roster)):
        members = sorted(agent_id for agent_id, coefficient in count.coefficients if coefficient > 0)
        if not members:
            continue
        if len(members) <= WHOLE_WEEK_AGENTS:
            found.append(Neighbourhood(tuple(members), None))
            continue
        for day in sorted({int(slot) // week.slots_per_day for slot in short.tolist()}):
            date = week.day(day)
            working = [a for a in members if any(s.date == date for s in weeks.get(a, ()))]
            able = [a for a in members if a not in working and shift_options(config, agents[a], week, day)]
            found.append(Neighbourhood(tuple(sorted((working + able)[:DAY_AGENTS])), frozenset({day})))
    return found


def repair(config: PlanConfig, week: Week, weeks: Callable[[], Mapping[str, Sequence[ShiftAssignment]]],
           solve: Callable[[Neighbourhood], None], stopped: Callable[[], bool] = lambda: False) -> bool:
    """Solve each repair neighbourhood of the current roster (``weeks()``, read again after each solve: ``solve``
    keeps what it finds if better) for at most ``ROUNDS`` passes, until no hard rule is short or ``stopped()``.
    Returns whether every hard floor and ratio rule is kept at the end."""
    for _ in range(ROUNDS):
        found = neighbourhoods(config, week, weeks())
        if not found:
            return True
        for neighbourhood in found:
            if stopped():
                return False
            solve(neighbourhood)
    return not neighbourhoods(config, week, weeks())
