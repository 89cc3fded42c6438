"""Sequential agent rostering: each agent's week chosen in turn against the cover still missing.

For one agent, a tiny CP-SAT model holds that agent's shift and break variables and every rule of their own
(``scheduler.rostering.rules`` without coverage). Its objective rewards each interval on the floor where one of the
agent's queues still lacks heads (``understaffed_agent_interval`` weight), charges the over-staffing weight
where none does, and charges paid hours. After an agent is placed, each on-floor interval takes one head off
the skilled queue with the largest remaining shortfall.

Under a tight budget (``build_units_left``) the agents a full model per agent would not fit get a model without
breaks, their breaks then placed greedily where their queues have heads to spare (``break_placement``'s rule); once
it is spent, the agents left copy weeks already rostered (``search.copied_weeks``). A floor rule's agents always get
the full model.

``improve_passes`` re-rosters every agent again against the others (coordinate descent); a pass keeps an
agent's new week only when it scores better than the old one against the same residual. Order, ties and
solver settings are fixed, so results are deterministic.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from functools import partial

import numpy as np
from ortools.sat.python import cp_model

from scheduler.diagnose.explain import explain_agent, has_own_week
from scheduler.domain.plan import Agent, PlanConfig
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment
from scheduler.domain.week import Week
from scheduler.errors import InfeasibleError
from scheduler.rostering.break_placement import best_offsets
from scheduler.rostering.coverage import on_break_counts, on_floor_by_skills
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import RosterModel, read_roster
from scheduler.rostering.rules import (
    RULES,
    SOFT_RULE_MODULES,
    agent_week,
    break_cap,
    floor_rules,
    floor_weekends,
    keeps_week,
)
from scheduler.rostering.search.copied_weeks import WeekPool
from scheduler.rostering.stopping import NO_STOP, Stop, new_solver

# Deterministic work units one agent's solve may use (it usually proves optimality far sooner).
AGENT_SOLVE_UNITS = 0.5
# Units charged for building one agent's model outside CP-SAT (so budgets track wall time).
AGENT_BUILD_UNITS = 0.005
# The build copies weeks (and re-rostering passes end) once less than this share of the wall-clock cap is left: the
# roster's evaluation and the phases after the start need their time too (an 80-agent, 8-queue levels week on a
# machine four times oversubscribed: its build ran 1.7 s past a 30-s cap, the evaluation after it 3.6 s more).
WALL_RESERVE_SHARE = 0.1


def near_cap(stop: Stop) -> bool:
    """Whether ``stop`` says stop, or less than ``WALL_RESERVE_SHARE`` of its wall-clock cap is left."""
    if stop.stopped():
        return True
    return stop.wall_seconds is not None and stop.seconds_left() < WALL_RESERVE_SHARE * stop.wall_seconds


class Residual:
    """Heads still required per ``[queue, slot]`` (negative: surplus) and the queue order of each agent."""

    def __init__(self, instance: Instance) -> None:
        self.queue_ids = list(instance.queue_ids)
        self.need = instance.requirements.astype(np.int64).copy()  # a mutable copy: the instance's is read-only
        self.rows = {a.agent_id: [self.queue_ids.index(q) for q in a.skills] for a in instance.config.agents}

    def slot_values(self, agent: Agent, over_weight: int, under_weight: int) -> np.ndarray:
        """Per slot, what one more head of this agent is worth: ``under_weight`` if a skilled queue lacks
        heads, else minus ``over_weight``."""
        lacking = self.need[self.rows[agent.agent_id]].max(axis=0) > 0
        return np.where(lacking, under_weight, -over_weight)

    def apply(self, agent_id: str, on_floor: np.ndarray, sign: int) -> None:
        """Take the agent's heads off the neediest skilled queue (sign -1), or give them back (sign +1)."""
        rows = self.rows[agent_id]
        for slot in np.flatnonzero(on_floor):
            column = self.need[rows, slot]
            row = rows[int(np.argmax(column))] if sign < 0 else rows[int(np.argmin(column))]
            self.need[row, slot] += sign


def _agent_week(instance: Instance, agent: Agent, values: np.ndarray,
                seed: int, current: tuple[ShiftAssignment, ...] | None,
                spend: Callable[[float], None], others_on_break: np.ndarray | None = None, *,
                first_found: bool = False, with_breaks: bool = True) -> tuple[tuple[ShiftAssignment, ...], float]:
    """The agent's best week against ``values`` (per-slot worth of being on the floor); returns the week and
    its score in the same units. ``spend`` is told the deterministic time used. With ``first_found`` (the
    build's units are spent or the wall-clock cap has passed, and no copied week fits) the first week keeping the
    agent's rules is taken. The solve is not capped by ``Stop``: ``AGENT_SOLVE_UNITS`` bounds it. Without
    ``with_breaks`` the model leaves the breaks out (a tenth of the work at 151 agents x 10 queues) and the
    week's shifts come back without them (``_with_breaks`` places them)."""
    config, week = instance.config, instance.week
    model = RosterModel(instance, agents=[agent], fixed_on_break=others_on_break, with_breaks=with_breaks)
    soft_terms = []
    for name, rule in RULES:
        if name not in ("coverage", "paid_hours"):
            soft_terms.extend(rule(model))
    variables: list[cp_model.IntVar] = []
    coefficients: list[int] = []
    paid_weight = config.weights.paid_hour
    for agent_day in model.all_agent_days():
        for slot, (vs, cs) in model.presence_terms(agent_day).items():
            worth = int(values[slot]) * 60
            variables.extend(vs)
            coefficients.extend(c * worth for c in cs)
        variables.extend(agent_day.shift_vars)
        coefficients.extend(-o.paid_minutes * paid_weight for o in agent_day.options)
    # the agent's own soft rules (preferences, start changes, re-plan changes), in the same units
    penalties = [term.expression * (term.weight * 60 // term.divisor) for term in soft_terms]
    model.cp.maximize(cp_model.LinearExpr.weighted_sum(variables, coefficients) - cp_model.LinearExpr.sum(penalties))
    if current is not None:
        by_day = {s.date: s for s in current}
        for agent_day in model.all_agent_days():
            model.hint_shift(agent_day, by_day.get(week.day(agent_day.day_index)))
    solver = new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = AGENT_SOLVE_UNITS
    solver.parameters.stop_after_first_solution = first_found
    status = solver.solve(model.cp)
    spend(solver.response_proto.deterministic_time + AGENT_BUILD_UNITS)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return (), -np.inf
    return read_roster(model, solver).shifts, solver.objective_value


def _with_breaks(instance: Instance, agent: Agent, shifts: tuple[ShiftAssignment, ...], residual: Residual,
                 others_on_break: np.ndarray,
                 floor_values: np.ndarray | None = None) -> tuple[ShiftAssignment, ...] | None:
    """The agent's shifts with their breaks placed greedily where the agent's queues have the most heads to spare
    (``break_placement``'s rule, against the cover still missing) and within the break cap beside the others on
    break; ``None`` when the week then breaks one of the agent's own hard rules. A floor rule's agent passes its
    ``floor_values`` (``FloorState.slot_values``: per slot, the floor shortfall its head saves): its breaks go where
    the floor does not need it, and ``None`` comes back when they cannot (a break would leave the floor short where
    the shifts without breaks kept it)."""
    config, week = instance.config, instance.week
    interval = config.interval_minutes
    spare = -residual.need
    needed = None
    if floor_values is not None:
        needed = np.zeros(spare.shape[1], dtype=np.int64)
        count = min(len(needed), len(floor_values))
        needed[:count] = np.maximum(floor_values[:count], 0)
        spare = spare - needed[None, :]  # (every queue's spare alike: the floor's worth outweighs any cover)
    rows = residual.rows[agent.agent_id]
    cap = break_cap.cap(config)
    room = np.full(week.reach_slot_count, np.iinfo(np.int64).max // 2, dtype=np.int64) if cap is None else (
        cap - others_on_break)
    placed = []
    for shift in shifts:
        template = config.template(shift.template_id)
        offsets = best_offsets(shift, template, spare, rows, week.day_index(shift.date), week, interval, room)
        breaks = tuple(BreakAssignment(rule.kind, shift.start_minute + offset, rule.minutes)
                       for offset, rule in zip(offsets, template.breaks, strict=True))
        for item in breaks:
            first = week.slot(week.day_index(shift.date), item.start_minute)
            room[first:first + item.minutes // interval] -= 1
        placed.append(dataclasses.replace(shift, breaks=breaks))
    if cap is not None and int(room.min(initial=0)) < 0:
        return None
    if needed is not None and int((needed * (_on_floor(config, week, shifts) - _on_floor(config, week,
                                                                                        tuple(placed)))).sum()):
        return None  # a break where the floor needs the agent
    return tuple(placed) if keeps_week(agent_week(config, week, agent), week.by_day(placed)) else None


def _score(config: PlanConfig, week: Week, shifts: tuple[ShiftAssignment, ...], on_floor: np.ndarray,
           values: np.ndarray) -> float:
    paid = sum(s.paid_minutes for s in shifts) * config.weights.paid_hour
    soft = sum(m.amount(config, week, shifts) * (m.weight(config) * 60 // m.DIVISOR) for m in SOFT_RULE_MODULES)
    return float((values * on_floor).sum() * 60 - paid - soft)


def _on_floor(config: PlanConfig, week: Week, shifts: tuple[ShiftAssignment, ...]) -> np.ndarray:
    counts = on_floor_by_skills(config, week, Roster(shifts))
    return next(iter(counts.values())) if counts else np.zeros(week.slot_count, dtype=np.int64)


class BlockedByOthers(InfeasibleError):
    """An agent whose own rules admit a week got none beside the agents rostered before them (centre-wide rules
    such as the break cap): the greedy order failed, which proves nothing about the centre."""


def sequential_roster(
    instance: Instance,
    agents: Sequence[Agent],
    *,
    seed: int = 0,
    improve_passes: int = 1,
    another_pass: Callable[[], bool] = lambda: True,
    spend: Callable[[float], None] = lambda units: None,
    initial: Mapping[str, tuple[ShiftAssignment, ...]] | None = None,
    stop: Stop = NO_STOP,
    build_units_left: Callable[[], float] | None = None,
) -> dict[str, tuple[ShiftAssignment, ...]]:
    """A complete roster built agent by agent, then up to ``improve_passes`` rounds of re-rostering each agent
    while ``another_pass()`` allows and the cap is not near (``near_cap``: once ``stop`` says stop or less than
    ``WALL_RESERVE_SHARE`` of its wall-clock cap is left, the build pass completes cheaply: each agent left takes a
    copy of a week already rostered that keeps their rules and the break cap, ``search.copied_weeks``, else the
    first valid week of their own model). With ``initial`` (weeks of some agents, each keeping the agent's rules)
    the build only rosters the agents it lacks. With ``build_units_left``
    (deterministic units the build pass may still spend) a large centre's first roster keeps to its share of a
    deterministic budget: once the agents left would not fit it at the pace of the full models so far, each gets
    the model without breaks (a tenth of the work), its breaks placed greedily (``_with_breaks``; the full model
    where that week breaks a rule of theirs), and once it reaches 0 the build completes with copies as above. A
    floor rule's agents never take a copy or a first solution (either broke the lead rule): within the units their
    full model (whose objective values the floor shortfall they save), past them or the clock the model without
    breaks, which values it too, its breaks placed where the floor does not need them (``_with_breaks``), else
    the full model (at 103 agents with levels on a 10.5-s week, the leads' full models past the build's units took
    1.6 s of CPU). Raises ``InfeasibleError``
    naming an agent with no week that keeps their rules, ``BlockedByOthers`` for one whose own rules admit a
    week."""
    config, week = instance.config, instance.week
    residual = Residual(instance)
    weights = config.weights
    weeks: dict[str, tuple[ShiftAssignment, ...]] = {}
    floors: dict[str, np.ndarray] = {}
    breaks: dict[str, np.ndarray] = {}
    on_break = np.zeros(week.reach_slot_count, dtype=np.int64)  # agents on break per slot, for the break cap
    # floor and ratio rules: a head is worth the shortfall it saves (``rules.floor_rules``)
    floor = floor_rules.FloorState(config, week) if floor_rules.active(config) else None
    pool = WeekPool(config, week)  # the weeks rostered so far, for the agents left once ``stop`` says stop
    used = [0.0]  # units spent by the agents' own models
    full = [0.0, 0]  # units spent by the build's full models (with breaks), and how many

    def counted(units: float) -> None:
        used[0] += units
        spend(units)

    for agent in agents if initial is not None else ():
        if initial is None or agent.agent_id not in initial:
            continue
        weeks[agent.agent_id] = initial[agent.agent_id]
        floors[agent.agent_id] = _on_floor(config, week, weeks[agent.agent_id])
        residual.apply(agent.agent_id, floors[agent.agent_id], -1)
        breaks[agent.agent_id] = on_break_counts(week, Roster(weeks[agent.agent_id]))
        on_break += breaks[agent.agent_id]
        if floor is not None:
            floor.change(agent.agent_id, 0, floors[agent.agent_id], +1,
                         floor_weekends.weekend_shifts(week, weeks[agent.agent_id]))
        pool.add(weeks[agent.agent_id], floors[agent.agent_id], breaks[agent.agent_id])
    for number in range(improve_passes + 1):
        if number and not another_pass():
            break
        for agent in agents:
            old = weeks.get(agent.agent_id)
            if number == 0 and old is not None:
                continue  # the build pass only rosters agents without an initial week
            if number and near_cap(stop):
                break
            if old is not None:
                residual.apply(agent.agent_id, floors[agent.agent_id], +1)
                on_break -= breaks[agent.agent_id]
                if floor is not None:
                    floor.change(agent.agent_id, 0, floors[agent.agent_id], -1,
                                 floor_weekends.weekend_shifts(week, old))
            values = residual.slot_values(agent, weights.overstaffed_agent_interval,
                                          weights.understaffed_agent_interval)
            floor_values = None if floor is None else floor.slot_values(agent.agent_id)
            if floor_values is not None:
                values = values + floor_values
            past = near_cap(stop) or (number == 0 and build_units_left is not None and build_units_left() <= 0)
            lead = floor is not None and agent.agent_id in floor.coefficients
            cheap = past and not lead  # (a floor rule's agents: their own model, below)
            copied = pool.best_for(agent, partial(_score, config, week, values=values), on_break) if (
                old is None and cheap) else None
            lean = None
            if copied is None and old is None and not cheap and (lead and past or (
                    not lead and build_units_left is not None and full[1] > 0
                    and build_units_left() < full[0] / full[1] * (len(agents) - len(weeks)))):
                # the agents left would not fit the build's units at the pace so far, or a floor rule's agent past
                # them: the model without breaks (a lead's values the floor shortfall it saves), its breaks placed
                # greedily (a lead's where the floor does not need it); the full model where they cannot be
                bare, score = _agent_week(instance, agent, values, seed + number, None, spend, with_breaks=False)
                lean = _with_breaks(instance, agent, bare, residual, on_break,
                                    floor_values if lead else None) if bare else None
                if lean is not None:
                    shifts, score = lean, _score(config, week, lean, _on_floor(config, week, lean), values)
            if copied is not None:
                shifts, score = copied, 0.0
            elif lean is None:
                before = used[0]
                shifts, score = _agent_week(instance, agent, values, seed + number, old, counted, on_break,
                                            first_found=cheap)
                if number == 0 and not cheap:
                    full[0], full[1] = full[0] + used[0] - before, full[1] + 1
            if score == -np.inf and old is None:
                if has_own_week(config, week, agent):  # one check; the rules are narrowed once, below
                    raise BlockedByOthers(agent.agent_id)
                raise InfeasibleError(explain_agent(config, week, agent, stop, known_infeasible=True))
            if old is not None and score <= _score(config, week, old, floors[agent.agent_id], values):
                shifts = old
            weeks[agent.agent_id] = shifts
            floors[agent.agent_id] = _on_floor(config, week, shifts)
            residual.apply(agent.agent_id, floors[agent.agent_id], -1)
            breaks[agent.agent_id] = on_break_counts(week, Roster(shifts))
            on_break += breaks[agent.agent_id]
            if floor is not None:
                floor.change(agent.agent_id, 0, floors[agent.agent_id], +1, floor_weekends.weekend_shifts(week, shifts))
            if number == 0:
                pool.add(shifts, floors[agent.agent_id], breaks[agent.agent_id])
    return weeks
