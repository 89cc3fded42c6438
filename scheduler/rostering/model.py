"""The CP-SAT roster model's variables, with intention-revealing queries for the rules.

Decision variables, all Boolean:
- ``shift[a, d, o]``: agent ``a`` works candidate shift ``o`` (template + start) on day ``d``;
- ``break_start[a, d, template, k, minute]``: break ``k`` of that template starts at ``minute`` of day ``d``;
- ``activity_start[a, d, activity, minute]``: agent ``a`` takes the activity at ``minute`` of day ``d`` (only for
  the activities' attendees, on allowed days and starts that some candidate shift of the day contains).

Rules (``scheduler/rostering/rules/``) read these through the queries below and add constraints or return penalty
terms; ``rostering.solve`` builds the objective once from the terms. Time inside the model is integer
minutes after midnight of the shift's day, or week slots (``scheduler.domain.week``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from scheduler.domain.plan import Agent, BreakRule, PlanConfig, ShiftTemplate
from scheduler.domain.roster import ActivityAssignment, BreakAssignment, Roster, ShiftAssignment
from scheduler.domain.shifts import ShiftOption, shift_options
from scheduler.domain.week import Week
from scheduler.rostering.instance import Instance


@dataclass(frozen=True)
class PenaltyTerm:
    """A named part of the objective: ``weight * expression`` is minimised; ``rule`` labels it in reports.

    ``unit`` names what one unit of ``expression`` is; the penalty is ``weight * expression / divisor``
    (e.g. a weight per paid hour on an expression in paid minutes has ``divisor`` 60).
    """

    rule: str
    weight: int
    expression: cp_model.LinearExprT
    unit: str
    divisor: int = 1


@dataclass
class BreakSlot:
    """The start-time Booleans of one break of one template on one agent-day, keyed by minute of day."""

    rule: BreakRule
    index: int
    starts: dict[int, cp_model.IntVar]

    def start_minute_expr(self) -> cp_model.LinearExpr:
        minutes = list(self.starts)
        return cp_model.LinearExpr.weighted_sum([self.starts[m] for m in minutes], minutes)


@dataclass
class AgentDay:
    """The variables of one agent on one day."""

    agent: Agent
    day_index: int
    options: tuple[ShiftOption, ...]
    shift_vars: list[cp_model.IntVar]
    breaks: dict[str, list[BreakSlot]] = field(default_factory=dict)  # by template id
    # by activity id: start minute -> Boolean "takes the activity then"
    activities: dict[str, dict[int, cp_model.IntVar]] = field(default_factory=dict)

    def works(self) -> cp_model.LinearExpr:
        return cp_model.LinearExpr.sum(self.shift_vars)

    def uses_template(self, template_id: str) -> cp_model.LinearExpr:
        return cp_model.LinearExpr.sum(
            [v for o, v in zip(self.options, self.shift_vars, strict=True) if o.template.template_id == template_id]
        )

    def weighted(self, coefficient_of: Callable[[ShiftOption], int]) -> cp_model.LinearExpr:
        """Sum of ``coefficient_of(option) * shift_var`` over the day's options."""
        return cp_model.LinearExpr.weighted_sum(self.shift_vars, [coefficient_of(o) for o in self.options])

    def paid_minutes(self) -> cp_model.LinearExpr:
        return self.weighted(lambda o: o.paid_minutes)


class RosterModel:
    """Owns the CP-SAT model and the variables; rules query it and add to it."""

    def __init__(
        self,
        instance: Instance,
        *,
        with_breaks: bool = True,
        agents: Sequence[Agent] | None = None,
        fixed_on_floor: Mapping[tuple[str, ...], np.ndarray] | None = None,
        fixed_on_break: np.ndarray | None = None,
        fixed_floor_counts: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """``instance`` holds the config, the week and the requirements ``[queue, slot]`` the rules read.

        ``with_breaks=False`` leaves out the break variables, so breaks are not taken off the floor: a
        relaxation whose proven bound is valid for the full model (activity variables stay: they are off the
        floor in both).
        ``agents`` limits the decision variables to some agents (a neighbourhood); ``fixed_on_floor`` gives,
        per skill set, how many of the other agents are on the floor in each slot (constants);
        ``fixed_on_break`` how many of them are on break or lunch in each slot (``Week.reach_slot_count`` long);
        ``fixed_floor_counts`` their part of each floor or ratio rule's count per slot (``rules.floor_rules``).
        A ``together`` activity only ties the attendees with variables here;
        ``rostering.activities.schedule_meetings`` fixes each meeting's time first, so that models over some
        agents agree with the others.
        """
        self.instance = instance
        self.config: PlanConfig = instance.config
        self.with_breaks = with_breaks
        self.agents: tuple[Agent, ...] = tuple(instance.config.agents if agents is None else agents)
        self.fixed_on_floor: dict[tuple[str, ...], np.ndarray] = dict(fixed_on_floor or {})
        self.fixed_on_break = np.zeros(instance.week.reach_slot_count, np.int64) if fixed_on_break is None \
            else fixed_on_break
        self.fixed_floor_counts = None if fixed_floor_counts is None else dict(fixed_floor_counts)
        # filled by the coverage rule: (slot, skill set, queue index) -> agents of that skill set sent there
        self.allocations: dict[tuple[int, tuple[str, ...], int], cp_model.IntVar] = {}
        self.week: Week = instance.week
        self.requirements: np.ndarray = instance.requirements  # read-only
        self.cp = cp_model.CpModel()
        self.agent_days: dict[tuple[str, int], AgentDay] = {}
        for agent in self.agents:
            for day_index in range(7):
                self.agent_days[agent.agent_id, day_index] = self._new_agent_day(agent, day_index)

    def _new_agent_day(self, agent: Agent, day_index: int) -> AgentDay:
        options = shift_options(self.config, agent, self.week, day_index)
        prefix = f"{agent.agent_id}_d{day_index}"
        shift_vars = [
            self.cp.new_bool_var(f"shift_{prefix}_{o.template.template_id}_{o.start_minute}_{i}")
            for i, o in enumerate(options)
        ]
        agent_day = AgentDay(agent, day_index, options, shift_vars)
        pinned, kept = self.config.pinned(agent.agent_id, self.week.day(day_index))
        if pinned and kept is not None:
            self.cp.add(cp_model.LinearExpr.sum(shift_vars) == 1)  # a kept shift is worked
        templates: dict[str, ShiftTemplate] = {o.template.template_id: o.template for o in options}
        if not self.with_breaks:
            templates = {}
        for template_id, template in templates.items():
            starts = [o.start_minute for o in options if o.template.template_id == template_id]
            slots = []
            pinned, kept = self.config.pinned(agent.agent_id, self.week.day(day_index))
            for k, rule in enumerate(template.breaks):
                minutes = [kept.break_starts[k]] if pinned and kept is not None else sorted({
                    s + offset
                    for s in starts
                    for offset in range(rule.earliest_after_start_minutes, rule.latest_after_start_minutes + 1,
                                        self.config.interval_minutes)
                })
                slots.append(BreakSlot(rule, k, {
                    m: self.cp.new_bool_var(f"break_{prefix}_{template_id}_{k}_{m}") for m in minutes
                }))
            agent_day.breaks[template_id] = slots
        weekday = self.week.day(day_index).weekday()
        pinned, kept = self.config.pinned(agent.agent_id, self.week.day(day_index))
        for activity in self.config.activities_of(agent.agent_id):
            if weekday not in activity.weekdays:
                continue
            minutes = [m for m in activity.start_minutes(self.config.interval_minutes)
                       if any(o.start_minute <= m and m + activity.minutes <= o.end_minute for o in options)
                       and (not pinned or (kept is not None and (activity.activity_id, m) in kept.activity_starts))]
            agent_day.activities[activity.activity_id] = {
                m: self.cp.new_bool_var(f"activity_{prefix}_{activity.activity_id}_{m}") for m in minutes
            }
        return agent_day

    def hint_shift(self, agent_day: AgentDay, shift: ShiftAssignment | None) -> None:
        """Hint the agent-day's variables with one rostered shift (with its breaks), or a day off (None)."""
        for var, value in _day_values(agent_day, shift):
            self.cp.add_hint(var, value)

    def fix_shift(self, agent_day: AgentDay, shift: ShiftAssignment | None) -> bool:
        """Fix the agent-day to one rostered shift (its breaks and activities too), or a day off; ``False``
        (nothing added) when the shift, a break or an activity start is not among its candidates."""
        chosen = None if shift is None else (shift.template_id, shift.start_minute)
        slots = [] if shift is None else agent_day.breaks.get(shift.template_id, [])
        breaks = () if shift is None else shift.breaks
        activities = () if shift is None else shift.activities
        if shift is not None and (
                chosen not in {(o.template.template_id, o.start_minute) for o in agent_day.options}
                or any(b.start_minute not in slot.starts for slot, b in zip(slots, breaks, strict=False))
                or any(a.start_minute not in agent_day.activities.get(a.activity_id, {}) for a in activities)):
            return False
        for option, var in zip(agent_day.options, agent_day.shift_vars, strict=True):
            self.cp.add(var == int((option.template.template_id, option.start_minute) == chosen))
        for slot, taken in zip(slots, breaks, strict=False):  # the other break starts follow from the rule
            self.cp.add(slot.starts[taken.start_minute] == 1)
        taken_activities = {(a.activity_id, a.start_minute) for a in activities}
        for activity_id, starts in agent_day.activities.items():
            for minute, var in starts.items():
                self.cp.add(var == int((activity_id, minute) in taken_activities))
        return True

    def days_of(self, agent: Agent) -> list[AgentDay]:
        return [self.agent_days[agent.agent_id, d] for d in range(7)]

    def all_agent_days(self) -> Iterator[AgentDay]:
        return iter(self.agent_days.values())

    def presence_terms(self, agent_day: AgentDay) -> dict[int, tuple[list[cp_model.IntVar], list[int]]]:
        """Per week slot, the (variables, coefficients) whose sum is 1 when the agent is on the floor there:
        +1 for every shift covering the slot, -1 for every break or activity covering it. A night shift covers
        the next day's slots; those past the plan's last day are left out."""
        terms: dict[int, tuple[list[cp_model.IntVar], list[int]]] = {}
        interval = self.config.interval_minutes

        def add(start_minute: int, minutes: int, var: cp_model.IntVar, coefficient: int) -> None:
            for minute in range(start_minute, start_minute + minutes, interval):
                slot = self.week.slot(agent_day.day_index, minute)
                if slot >= self.week.slot_count:
                    break  # a night shift's part past the plan's end: no cover is asked of it
                vs, cs = terms.setdefault(slot, ([], []))
                vs.append(var)
                cs.append(coefficient)

        for option, var in zip(agent_day.options, agent_day.shift_vars, strict=True):
            add(option.start_minute, option.template.length_minutes, var, 1)
        for slots in agent_day.breaks.values():
            for slot in slots:
                for minute, var in slot.starts.items():
                    add(minute, slot.rule.minutes, var, -1)
        for activity_id, starts in agent_day.activities.items():
            minutes = self.activity_minutes(activity_id)
            for minute, var in starts.items():
                add(minute, minutes, var, -1)
        return terms

    def activity_minutes(self, activity_id: str) -> int:
        return next(a.minutes for a in self.config.activities if a.activity_id == activity_id)

    def on_floor_intervals(self, agent_day: AgentDay) -> cp_model.LinearExpr:
        """Number of intervals the agent is on the floor that day: shift length minus its breaks and activities.
        Every break of a worked template is taken, so that part is a constant per candidate shift, with or
        without break variables; activities taken that day subtract their intervals."""
        interval = self.config.interval_minutes
        shifts = agent_day.weighted(
            lambda o: (o.template.length_minutes - sum(b.minutes for b in o.template.breaks)) // interval
        )
        variables: list[cp_model.IntVar] = []
        coefficients: list[int] = []
        for activity_id, starts in agent_day.activities.items():
            intervals = self.activity_minutes(activity_id) // interval
            variables.extend(starts.values())
            coefficients.extend([intervals] * len(starts))
        return shifts - cp_model.LinearExpr.weighted_sum(variables, coefficients) if variables else shifts


def _day_values(agent_day: AgentDay, shift: ShiftAssignment | None) -> Iterator[tuple[cp_model.IntVar, int]]:
    """Each variable of the agent-day with its value in ``shift`` (``None``: a day off)."""
    template_id = None if shift is None else shift.template_id
    start_minute = None if shift is None else shift.start_minute
    break_starts = () if shift is None else tuple(b.start_minute for b in shift.breaks)
    taken = set() if shift is None else {(a.activity_id, a.start_minute) for a in shift.activities}
    for option, var in zip(agent_day.options, agent_day.shift_vars, strict=True):
        yield var, int((option.template.template_id, option.start_minute) == (template_id, start_minute))
    for candidate, slots in agent_day.breaks.items():
        for k, slot in enumerate(slots):
            target = break_starts[k] if candidate == template_id else None
            for minute, var in slot.starts.items():
                yield var, int(minute == target)
    for activity_id, starts in agent_day.activities.items():
        for minute, var in starts.items():
            yield var, int((activity_id, minute) in taken)


def read_roster(model: RosterModel, solver: cp_model.CpSolver) -> Roster:
    """The roster in a solved model: each agent-day's chosen shift with its break and activity starts."""
    shifts = []
    for agent_day in model.all_agent_days():
        chosen = [o for o, v in zip(agent_day.options, agent_day.shift_vars, strict=True) if solver.boolean_value(v)]
        if not chosen:
            continue
        option = chosen[0]
        breaks = []
        for slot in agent_day.breaks.get(option.template.template_id, []):
            minute = next(m for m, v in slot.starts.items() if solver.boolean_value(v))
            breaks.append(BreakAssignment(slot.rule.kind, minute, slot.rule.minutes))
        activities = sorted((minute, activity_id) for activity_id, starts in agent_day.activities.items()
                            for minute, v in starts.items() if solver.boolean_value(v))
        shifts.append(ShiftAssignment(
            agent_id=agent_day.agent.agent_id,
            date=model.week.day(agent_day.day_index),
            template_id=option.template.template_id,
            start_minute=option.start_minute,
            length_minutes=option.template.length_minutes,
            paid_minutes=option.paid_minutes,
            breaks=tuple(breaks),
            activities=tuple(ActivityAssignment(activity_id, minute, model.activity_minutes(activity_id))
                             for minute, activity_id in activities),
        ))
    shifts.sort(key=lambda s: (s.agent_id, s.date))
    return Roster(tuple(shifts))
