"""Repair of a hard floor rule that a rounded start leaves short: CP-SAT on the agents the rule counts.

The weighted solve's start (``search.weighted_start``) rounds the head-counting LP to agents and polishes it by
heads. Where the rule's agents are few (5 leads on a 25-agent centre) the rounding can leave open intervals with
no lead on the floor (a Sunday with one lead, whose breaks leave the floor without one), and the local search
cannot mend it: the fix is a week-level change (a lead trades a weekday for the Sunday). The solve used to drop
the start for the agent-by-agent one with 40% of the budget left, which cost 19-113% of the objective.

Here a small CP-SAT model mends it in place: every agent the short rule counts is freed (the whole week when
they are few, else the days with a short interval), with their own rules, the floor and ratio rules elastic
against everyone else's counts (``floor_rules.HARD_WEIGHT`` per agent-interval short) and the break cap against
everyone else's breaks. Cover is left out (with it, a week of five leads over three queues did not even reach
its hint's objective in 4 deterministic units; without it the repair takes well under one): instead each
agent-day whose shift changes costs ``CHANGE_WEIGHT``, so the repair changes as few shifts as the rule needs,
and the local search that follows restores the cover around them.

The first pass frees, per day with a short interval, the rule's agents on that day only (the other days fixed):
at 150 agents with 15 leads one interval short, the whole-week model of the 15 leads found nothing in six solves of
2 s, and the start was dropped for the agent-by-agent one (gap 84.5% against 20.1% with the start repaired by a
day's model in 1 s, README "The lead rule repaired day by day first"). A short rule the days cannot mend (a lead
must trade a weekday for the Sunday) is freed for the whole week in the passes after, when it counts few agents.

Which rules are short and where is the rule's own face (``floor_rules.short_hard_counts``); the model is the
solver's (``rostering.solve.build_model`` without cover), solved there. Deterministic: the neighbourhoods and the
model depend only on the roster.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import Roster, ShiftAssignment
from scheduler.domain.shifts import shift_options
from scheduler.domain.week import Week
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules import floor_rules

# After the first pass (by days), a short rule counting at most this many agents frees them all for the whole week
# (5 leads of 25 agents to 15 of 150); a rule counting more, and every rule in the first pass, frees per day with
# a short interval at most ``DAY_AGENTS`` of them for that day (those working it first).
WHOLE_WEEK_AGENTS = 16
DAY_AGENTS = 12
# Passes over the short rules at most (a pass's solves can leave a rule short where the budget of one solve ended);
# the first by days, the others as ``WHOLE_WEEK_AGENTS`` says.
ROUNDS = 3
# Budget of one neighbourhood solve, in seconds (deterministic units in deterministic mode, as the solver's).
SECONDS = 2.0
# Objective units per agent-day whose shift (template and start) the repair changes: an under-staffed
# agent-interval at the default weights, far below a hard rule's shortfall and above any paid-hours saving.
CHANGE_WEIGHT = 1_000


@dataclass(frozen=True)
class Neighbourhood:
    """Agents freed together, on ``days`` (week day indices) or, when ``None``, their whole week."""

    agent_ids: tuple[str, ...]
    days: frozenset[int] | None


def neighbourhoods(config: PlanConfig, week: Week, weeks: Mapping[str, Sequence[ShiftAssignment]], *,
                   by_days: bool = False) -> list[Neighbourhood]:
    """The neighbourhoods that repair the hard floor and ratio rules ``weeks`` (each agent's shifts) break; none
    when every hard rule is kept. ``by_days``: every rule's agents freed day by day, however few they are."""
    roster = Roster(tuple(s for shifts in weeks.values() for s in shifts))
    found: list[Neighbourhood] = []
    agents = {a.agent_id: a for a in config.agents}
    for count, short in floor_rules.short_hard_counts(config, week, floor_rules.on_floor_by_agent(week, roster),
                                                      roster.shifts):
        members = sorted(agent_id for agent_id, coefficient in count.coefficients if coefficient > 0)
        if not members:
            continue
        if len(members) <= WHOLE_WEEK_AGENTS and not by_days:
            found.append(Neighbourhood(tuple(members), None))
            continue
        for day in sorted({int(slot) // week.slots_per_day for slot in short.tolist()}):
            date = week.day(day)
            working = [a for a in members if any(s.date == date for s in weeks.get(a, ()))]
            able = [a for a in members if a not in working and shift_options(config, agents[a], week, day)]
            found.append(Neighbourhood(tuple(sorted((working + able)[:DAY_AGENTS])), frozenset({day})))
    return found


def aim_at_few_changes(model: RosterModel, terms: Sequence[PenaltyTerm], scale: int,
                       weeks: Mapping[str, Sequence[ShiftAssignment]], days: frozenset[int] | None) -> None:
    """Make ``model`` (a neighbourhood's, built without cover, ``terms`` its objective's terms at ``scale``) a
    repair of ``weeks``: its objective gains ``CHANGE_WEIGHT`` per agent-day whose shift changes, every
    agent-day is hinted with its current shift, and outside ``days`` (when given) fixed to it."""
    changed: list[cp_model.LinearExpr] = []
    for agent_day in model.all_agent_days():
        date = model.week.day(agent_day.day_index)
        shift = next((s for s in weeks.get(agent_day.agent.agent_id, ()) if s.date == date), None)
        if days is not None and agent_day.day_index not in days and model.fix_shift(agent_day, shift):
            continue
        model.hint_shift(agent_day, shift)
        if shift is None:
            changed.append(agent_day.works())
            continue
        kept = [var for option, var in zip(agent_day.options, agent_day.shift_vars, strict=True)
                if (option.template.template_id, option.start_minute) == (shift.template_id, shift.start_minute)]
        changed.append(1 - cp_model.LinearExpr.sum(kept))
    objective = [t.expression * (t.weight * scale // t.divisor) for t in terms]
    model.cp.minimize(cp_model.LinearExpr.sum(objective) + CHANGE_WEIGHT * scale * cp_model.LinearExpr.sum(changed))


def repair(config: PlanConfig, week: Week, weeks: Callable[[], Mapping[str, Sequence[ShiftAssignment]]],
           solve: Callable[[Neighbourhood], None], stopped: Callable[[], bool] = lambda: False) -> bool:
    """Solve each repair neighbourhood of the current roster (``weeks()``, read again after each solve: ``solve``
    keeps what it finds if better) for at most ``ROUNDS`` passes, the first by days, until no hard rule is short or
    ``stopped()``. Returns whether every hard floor and ratio rule is kept at the end."""
    for round_index in range(ROUNDS):
        found = neighbourhoods(config, week, weeks(), by_days=round_index == 0)
        if not found:
            return True
        for neighbourhood in found:
            if stopped():
                return False
            solve(neighbourhood)
    return not neighbourhoods(config, week, weeks())

