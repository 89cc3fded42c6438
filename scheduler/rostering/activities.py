"""Activities outside the model: meeting times fixed before solving, a roster-level check, and the bound credit.

``schedule_meetings`` places each ``together`` activity (a meeting) before the roster is solved: at the start, on
the planned week's grid, where the queues of its attendees need the fewest agents (summed over the meeting's
intervals; ties to the earlier day and start) among the times at which every attendee still has a week that
keeps all of their own hard rules. The meeting's days and window are then narrowed to that one time, so every
model of the solve (whole centre, one agent, a neighbourhood) and every greedy start agree on it. A re-plan tries
the published time first, and keeps only it when a pinned day carries the meeting.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ortools.sat.python import cp_model

from scheduler.diagnose.explain import explain_agent
from scheduler.domain.plan import Activity, PlanConfig, TimeWindow
from scheduler.domain.roster import Roster
from scheduler.domain.shifts import shift_options
from scheduler.errors import InfeasibleError
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import RosterModel
from scheduler.rostering.rules import RULES
from scheduler.rostering.stopping import new_solver

# Deterministic work units for one attendee's feasibility check (a one-agent model; usually milliseconds).
CHECK_UNITS = 1.0


def schedule_meetings(instance: Instance) -> PlanConfig:
    """The instance's config with every ``together`` activity narrowed to one day and start (see the module
    docstring). Raises ``InfeasibleError`` naming a meeting no time suits."""
    config, week = instance.config, instance.week
    activities = list(config.activities)
    for index, activity in enumerate(activities):
        if not activity.together:
            continue
        narrowed = replace(config, activities=tuple(activities))
        candidates = _candidates(instance.with_config(narrowed), activity)
        published = published_times(config, activity.activity_id)
        if published:  # a re-plan keeps the published time: the only one if a pinned day carries it
            day, minute = min(published.values())
            kept = (week.day_index(day), minute)
            pinned = any(config.pinned(agent_id, when[0])[0] for agent_id, when in published.items())
            candidates = [kept] if pinned else [kept, *(c for c in candidates if c != kept)]
        order = list(activity.agent_ids)  # the attendee who failed last is checked first: a time fails fast
        for day_index, minute in candidates:
            fixed = replace(activity, weekdays=(week.day(day_index).weekday(),),
                            window=TimeWindow(minute, minute + activity.minutes))
            trial = instance.with_config(replace(config, activities=(*activities[:index], fixed,
                                                                     *activities[index + 1:])))
            failed = next((agent_id for agent_id in order if not _own_week_exists(trial, agent_id)), None)
            if failed is None:
                activities[index] = fixed
                break
            order.remove(failed)
            order.insert(0, failed)
        else:
            _blame_an_attendee(instance, activities, index)
            raise InfeasibleError(f"activity {activity.activity_id}: no time in the week at which all of its "
                                  f"{len(activity.agent_ids)} agents can attend and keep their contracts")
    return replace(config, activities=tuple(activities))


def _blame_an_attendee(instance: Instance, activities: list[Activity], index: int) -> None:
    """Raise the line of an attendee who has no week keeping their own rules even without the activity: the
    activity is not what stops the roster then."""
    activity = activities[index]
    without = replace(instance.config, activities=(*activities[:index], *activities[index + 1:]))
    for agent in (a for a in without.agents if a.agent_id in activity.agent_ids):
        if not _own_week_exists(instance.with_config(without), agent.agent_id):
            line = explain_agent(without, instance.week, agent)
            raise InfeasibleError(f"{line} (an attendee of activity {activity.activity_id}, even without it)")


def _candidates(instance: Instance, activity: Activity) -> list[tuple[int, int]]:
    """(day index, start minute) where every attendee has a candidate shift containing the meeting, by
    ascending demand of the attendees' queues, then day and start."""
    config, week, requirements = instance.config, instance.week, instance.requirements
    agents = [a for a in config.agents if a.agent_id in activity.agent_ids]
    rows = sorted({q for a in agents for q, queue in enumerate(config.queues) if queue.queue_id in a.skills})
    interval = config.interval_minutes
    scored = []
    for day_index in range(7):
        if week.day(day_index).weekday() not in activity.weekdays:
            continue
        options = [shift_options(config, a, week, day_index) for a in agents]
        for minute in activity.start_minutes(interval):
            end = minute + activity.minutes
            if all(any(o.start_minute <= minute and end <= o.end_minute for o in opts) for opts in options):
                first = week.slot(day_index, minute)
                demand = int(requirements[rows, first:first + activity.minutes // interval].sum())
                scored.append((demand, day_index, minute))
    return [(day_index, minute) for _demand, day_index, minute in sorted(scored)]


def _own_week_exists(instance: Instance, agent_id: str) -> bool:
    agent = next(a for a in instance.config.agents if a.agent_id == agent_id)
    model = RosterModel(instance, agents=[agent])
    for name, rule in RULES:
        if name != "coverage":
            rule(model)
    solver = new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = CHECK_UNITS
    return solver.solve(model.cp) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def activities_kept(config: PlanConfig, roster: Roster) -> bool:
    """Whether the roster keeps every activity rule: each attendee takes each of their activities exactly once,
    inside its shift, on an allowed weekday, inside the window, on the grid, overlapping no break of the shift;
    a ``together`` activity at one date and start for all. Rosters built outside CP-SAT are checked with it."""
    taken: dict[tuple[str, str], list[tuple[object, int]]] = {}
    for shift in roster.shifts:
        for item in shift.activities:
            activity = next((a for a in config.activities if a.activity_id == item.activity_id), None)
            end = item.start_minute + item.minutes
            if (activity is None or shift.agent_id not in activity.agent_ids or item.minutes != activity.minutes
                    or shift.date.weekday() not in activity.weekdays
                    or not activity.window.contains(item.start_minute, end)
                    or (item.start_minute - activity.window.start_minute) % config.interval_minutes
                    or item.start_minute < shift.start_minute or end > shift.end_minute
                    or any(b.start_minute < end and item.start_minute < b.start_minute + b.minutes
                           for b in shift.breaks)):
                return False
            taken.setdefault((item.activity_id, shift.agent_id), []).append((shift.date, item.start_minute))
        pinned, kept = config.pinned(shift.agent_id, shift.date)
        if pinned and kept is not None and sorted(
                (a.activity_id, a.start_minute) for a in shift.activities) != sorted(kept.activity_starts):
            return False  # a re-plan keeps a pinned day's activities to the minute
    for activity in config.activities:
        times = [taken.get((activity.activity_id, agent_id), []) for agent_id in activity.agent_ids]
        if any(len(t) != 1 for t in times):
            return False
        if activity.together and len({t[0] for t in times}) > 1:
            return False
    return True


def published_times(config: PlanConfig, activity_id: str) -> dict[str, tuple[date, int]]:
    """When re-planning, each attendee's published (date, start) of the activity, where the published roster
    has it."""
    if config.replan is None:
        return {}
    times = {}
    for (agent_id, day), kept in sorted(config.replan.published.items()):
        for taken_id, minute in () if kept is None else kept.activity_starts:
            if taken_id == activity_id:
                times[agent_id] = (day, minute)
    return times


def activity_overstaffing_credit(config: PlanConfig) -> float:
    """Most that activities can lower the objective below a bound that ignores them: each attendee-interval of
    an activity taken off the floor saves at most one over-staffed agent-interval."""
    intervals = sum(len(a.agent_ids) * (a.minutes // config.interval_minutes) for a in config.activities)
    return float(intervals * config.weights.overstaffed_agent_interval)

