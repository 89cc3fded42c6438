"""Why the centre as a whole has no roster when every agent alone has a week: the centre-wide hard rules.

Per-agent explanations (``diagnose.explain``, ``diagnose.prechecks``) look at one agent's week. The break cap
(``centre.max_agents_on_break``) and activities (meetings held together, sessions inside shifts, clear of
breaks) tie agents to each other, so a centre can be infeasible while every agent is fine. Two checks:

- ``break_cap_conflicts`` counts, before any solver runs: the fewest breaks the contracts need in the week (each
  agent's fewest shifts times the fewest break intervals of a shift) must fit, at most ``cap`` at a time, into the
  intervals where the agents' break windows can fall; and on each day, so must the breaks of the agents whose
  contracts need every day they can work. Otherwise no roster exists.
- ``explain_no_roster`` runs after the search found no roster: CP-SAT on every agent's hard rules together (no
  cover), then again without the break cap, without the activities, and without both; the first relaxation
  that admits a roster names the rule that blocks it. ``solve_hard_rules`` is that model, also used to fall
  back to a roster that keeps every hard rule when the search found none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ortools.sat.python import cp_model

from scheduler.diagnose.explain import SOFT_RULES
from scheduler.domain.plan import Agent, PlanConfig
from scheduler.domain.shifts import ShiftOption
from scheduler.domain.week import Week
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import RosterModel
from scheduler.rostering.rules import RULES, agent_week, allowed_options, break_cap, floor_rules
from scheduler.rostering.rules.min_days import least_days
from scheduler.rostering.rules.weekly_hours import paid_range
from scheduler.rostering.stopping import NO_STOP, Stop, new_solver

# Centre-wide hard rules, by the name they have in ``RULES``, and the key a planner changes.
CENTRE_RULES = {"break_cap": "centre.max_agents_on_break", "activities": "activities",
                "floor_rules": "floor_rules / ratio_rules"}
# Share of the seconds given to ``explain_no_roster`` spent on the first (complete) check.
FULL_CHECK_SHARE = 0.4


def _workable(config: PlanConfig, agent: Agent, week: Week) -> dict[int, list[ShiftOption]]:
    facts = agent_week(config, week, agent)
    days = {}
    for day in range(7):
        options = list(allowed_options(config, week, agent, day, facts))
        if options:
            days[day] = options
    return days


def fewest_shifts(config: PlanConfig, agent: Agent, week: Week, workable: dict[int, list[ShiftOption]]) -> int:
    """The fewest shifts the agent's contract allows in the week: its minimum days, and enough of its longest
    shifts to reach its weekly minimum (less the time-off credit)."""
    if not workable:
        return 0
    facts = agent_week(config, week, agent)
    minimum = paid_range(facts)[0]
    longest = max(o.paid_minutes for options in workable.values() for o in options)
    return max(least_days(facts), math.ceil(minimum / longest) if longest else 0)


def _break_slots(option: ShiftOption, interval: int) -> set[int]:
    """Minutes of the day (on the grid) at which some break of the option can be under way."""
    slots: set[int] = set()
    for rule in option.template.breaks:
        first = option.start_minute + rule.earliest_after_start_minutes
        last = option.start_minute + rule.latest_after_start_minutes + rule.minutes
        slots.update(range(first - first % interval, last, interval))
    return slots


def break_cap_conflicts(config: PlanConfig, week: Week) -> list[str]:
    """One line per day on which the agents who must work cannot all take their breaks under the cap."""
    cap = break_cap.cap(config)
    if cap is None:
        return []
    interval = config.interval_minutes
    forced: dict[int, list[tuple[str, list[ShiftOption]]]] = {day: [] for day in range(7)}
    week_need, week_room = 0, set()
    for agent in config.agents:
        workable = _workable(config, agent, week)
        if not workable:
            continue
        shifts = fewest_shifts(config, agent, week, workable)
        if shifts >= len(workable):
            for day, options in workable.items():
                forced[day].append((agent.agent_id, options))
        week_need += shifts * min(sum(b.minutes for b in o.template.breaks) // interval
                                  for options in workable.values() for o in options)
        week_room |= {(day, m) for day, options in workable.items() for o in options for m in _break_slots(o, interval)}
    lines = []
    if week_need > cap * len(week_room):
        lines.append(
            f"centre.max_agents_on_break {cap} cannot hold: the agents' contracts need at least {week_need} break "
            f"and lunch intervals in the week, but their break windows span only {len(week_room)} intervals, room "
            f"for {cap * len(week_room)} at {cap} at a time; raise the cap or widen the break windows")
    for day, agents in forced.items():
        if not agents:
            continue
        need = sum(min(sum(b.minutes for b in o.template.breaks) // interval for o in options)
                   for _agent_id, options in agents)
        room = set().union(*(_break_slots(o, interval) for _agent_id, options in agents for o in options))
        if need > cap * len(room):
            date = week.day(day)
            lines.append(
                f"centre.max_agents_on_break {cap} cannot hold on {date:%a} {date}: {len(agents)} agents must work "
                f"that day (their contracts need every day they can work) and take at least {need} break and "
                f"lunch intervals, but their break windows span only {len(room)} intervals, room for "
                f"{cap * len(room)} at {cap} at a time; raise the cap or widen the break windows")
    return lines


def solve_hard_rules(instance: Instance, seconds: float, *,
                     omit: Sequence[str] = (), seed: int = 0, units_per_second: float | None = None,
                     stop: Stop = NO_STOP,
                     wall_capped: bool = True) -> tuple[cp_model.CpSolverStatus, RosterModel, cp_model.CpSolver]:
    """CP-SAT on every agent's hard rules together, cover left out, less the rules named in ``omit``; returns
    the status, the model and the solver (read a roster from them when the status is feasible). With
    ``units_per_second`` the limit is deterministic time (``seconds`` times it), so a loaded machine gives the
    same answer, with ten times ``seconds`` of wall time as a safety net. ``stop`` ends it early (an interrupt,
    and its wall-clock deadline when ``wall_capped``)."""
    model = RosterModel(instance)
    for name, rule in RULES:
        if name not in SOFT_RULES and name not in omit:
            rule(model)
    solver = new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    if units_per_second is not None:
        solver.parameters.max_deterministic_time = max(0.1, seconds) * units_per_second
        solver.parameters.max_time_in_seconds = 10 * max(0.1, seconds)
    return stop.solve(solver, model.cp, wall_capped=wall_capped), model, solver


def explain_no_roster(instance: Instance, seconds: float, *,
                      full_status: cp_model.CpSolverStatus | None = None, units_per_second: float | None = None,
                      stop: Stop = NO_STOP) -> str:
    """One line naming the centre-wide rule (with its figures) that leaves no roster, or saying that none was
    found within ``seconds`` though no centre-wide rule could be blamed. ``full_status`` is the CP-SAT status
    of ``solve_hard_rules`` with every rule, when already known; ``units_per_second`` as for
    ``solve_hard_rules``; ``stop``'s interrupt ends it early (its own seconds, not the search's wall-clock
    deadline, bound it: a run that found no roster still gets its reason)."""
    config, week = instance.config, instance.week
    counted = break_cap_conflicts(config, week) + floor_rules.reachable_conflicts(config, week)
    if counted:
        return counted[0]
    active = [name for name in CENTRE_RULES if (name == "break_cap" and break_cap.cap(config) is not None)
              or (name == "activities" and config.activities)
              or (name == "floor_rules" and any(c.hard for c in floor_rules.floor_counts(config, week)))]
    if full_status is None:
        full_status, _, _ = solve_hard_rules(instance, seconds * FULL_CHECK_SHARE,
                                             units_per_second=units_per_second, stop=stop, wall_capped=False)
        seconds *= 1 - FULL_CHECK_SHARE
    if full_status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ("no roster was found within the time limit although the hard rules admit one; "
                "raise --time-limit (solver.time_limit_seconds)")
    proven = full_status == cp_model.INFEASIBLE
    trials = [(name,) for name in active] + ([tuple(active)] if len(active) > 1 else [])
    for omit in trials:
        relaxed, _, _ = solve_hard_rules(instance, seconds / len(trials), omit=omit,
                                         units_per_second=units_per_second, stop=stop, wall_capped=False)
        if relaxed in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return _blame(config, week, omit, proven)
    rules = "".join(", " + CENTRE_RULES[name] for name in active)
    if proven:
        return ("no roster keeps every hard rule together: each agent alone has a week, but not all at once "
                f"(contracts, availability, time off, shift templates{rules})")
    return ("no roster keeping every hard rule was found within the time limit and no centre-wide rule could be "
            "shown to block one; raise --time-limit (solver.time_limit_seconds)")


def _blame(config: PlanConfig, week: Week, omit: tuple[str, ...], proven: bool) -> str:
    verdict = "no roster keeps" if proven else "no roster was found within the time limit that keeps"
    parts = []
    if "break_cap" in omit:
        interval = config.interval_minutes
        need, room = 0, set()
        for agent in config.agents:
            workable = _workable(config, agent, week)
            if workable:
                per_shift = min(sum(b.minutes for b in o.template.breaks) // interval
                                for options in workable.values() for o in options)
                need += fewest_shifts(config, agent, week, workable) * per_shift
                room |= {(day, m) for day, options in workable.items() for o in options
                         for m in _break_slots(o, interval)}
        parts.append(f"centre.max_agents_on_break {break_cap.cap(config)} (the agents take at least {need} "
                     f"break and lunch intervals in the week, at most {break_cap.cap(config)} at a time in "
                     f"the {len(room)} intervals their break windows span)")
    if "floor_rules" in omit:
        keys = [c.key for c in floor_rules.floor_counts(config, week) if c.hard]
        parts.append(f"{', '.join(keys)} (who must be on the floor in every open interval)")
    if "activities" in omit:
        attendees = sum(len(a.agent_ids) for a in config.activities)
        names = ", ".join(a.activity_id for a in config.activities)
        parts.append(f"activities {names} ({attendees} attendances, each inside a shift and clear of its breaks)")
    return (f"{verdict} {' together with '.join(parts)} along with the contracts and shift templates; without "
            f"{'them' if len(parts) > 1 else 'it'} a roster exists")
