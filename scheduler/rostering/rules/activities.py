"""Hard: each attendee takes each of their activities once in the week, inside a worked shift, off their breaks;
a ``together`` activity at the same day and start for every attendee.

For attendee ``a`` of activity ``x`` (variables ``activity_start[a, d, x, m]``, created only on the activity's
weekdays and inside its window, ``scheduler.rostering.model``):
- the starts sum to 1 over the week;
- a start at ``m`` on day ``d`` needs a worked shift that day containing ``[m, m + minutes)``;
- no slot is covered by both an activity and a break of the agent (breaks do not overlap each other);
- ``together``: a shared choice Boolean per (day, start) equals every attendee's start variable there.
  Only attendees with variables in this model are tied; a model over some of the agents relies on the meeting
  time being fixed beforehand (``scheduler.rostering.activities.schedule_meetings``).
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import AgentShifts, AgentWeek, Aspect, LabourRule


class Activities(LabourRule):
    """The fast check covers one attendee's week; that a ``together`` activity's attendees share one time is
    centre-wide, kept by fixing the meeting's time first and never moving a shift that carries an activity."""

    name = "activities"
    reads = Aspect.DAYS | Aspect.TIMES | Aspect.BREAKS

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps(self, agent: AgentWeek, shifts: AgentShifts) -> bool:
        config, own = agent.config, agent.activities
        if not own and not any(s is not None and s.activities for s in shifts):
            return True
        taken: dict[str, int] = dict.fromkeys(own, 0)
        for shift in shifts:
            if shift is None or not shift.activities:
                continue
            busy = [(b.start_minute, b.start_minute + b.minutes) for b in shift.breaks]
            for done in shift.activities:
                activity = own.get(done.activity_id)
                end = done.start_minute + done.minutes
                if (activity is None or shift.date.weekday() not in activity.weekdays
                        or done.minutes != activity.minutes
                        or done.start_minute not in activity.start_minutes(config.interval_minutes)
                        or not shift.start_minute <= done.start_minute or end > shift.end_minute
                        or any(a < end and done.start_minute < b for a, b in busy)):
                    return False
                busy.append((done.start_minute, end))
                taken[done.activity_id] += 1
        return all(count == 1 for count in taken.values())


RULE = Activities()


def build(model: RosterModel) -> list[PenaltyTerm]:
    interval = model.config.interval_minutes
    by_agent: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
    for agent_day in model.all_agent_days():
        covering: dict[int, list[cp_model.IntVar]] = defaultdict(list)  # minute of day -> vars covering it
        for activity_id, starts in agent_day.activities.items():
            minutes = model.activity_minutes(activity_id)
            by_agent[agent_day.agent.agent_id, activity_id].extend(starts.values())
            for minute, var in starts.items():
                containing = [v for o, v in zip(agent_day.options, agent_day.shift_vars, strict=True)
                              if o.start_minute <= minute and minute + minutes <= o.end_minute]
                model.cp.add(var <= cp_model.LinearExpr.sum(containing))
                for offset in range(0, minutes, interval):
                    covering[minute + offset].append(var)
        if not covering:
            continue
        for slots in agent_day.breaks.values():
            for slot in slots:
                for minute, var in slot.starts.items():
                    for offset in range(0, slot.rule.minutes, interval):
                        if minute + offset in covering:
                            covering[minute + offset].append(var)
        for minute in sorted(covering):
            if len(covering[minute]) > 1:
                model.cp.add(cp_model.LinearExpr.sum(covering[minute]) <= 1)
    for activity in model.config.activities:
        attendees = [a.agent_id for a in model.agents if a.agent_id in activity.agent_ids]
        for agent_id in attendees:
            model.cp.add(cp_model.LinearExpr.sum(by_agent.get((agent_id, activity.activity_id), [])) == 1)
        if activity.together and attendees:
            _together(model, activity.activity_id, attendees)
    return []


def _together(model: RosterModel, activity_id: str, attendees: list[str]) -> None:
    choices: dict[tuple[int, int], cp_model.IntVar] = {}
    for day_index in range(7):
        starts = [model.agent_days[a, day_index].activities.get(activity_id, {}) for a in attendees]
        for minute in sorted(set().union(*starts)):
            choice = model.cp.new_bool_var(f"meeting_{activity_id}_d{day_index}_{minute}")
            choices[day_index, minute] = choice
            for per_agent in starts:
                if minute in per_agent:
                    model.cp.add(per_agent[minute] == choice)
                else:
                    model.cp.add(choice == 0)
    model.cp.add(cp_model.LinearExpr.sum(list(choices.values())) == 1)
