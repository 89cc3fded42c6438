"""Solution merging: one week per agent picked from several complete rosters by an exact model.

Every complete roster the search leaves (the local-search runs from the rounded LP rosters, the crossover runs)
gives each agent a week that keeps all of that agent's own rules. Pooling the distinct weeks per agent, CP-SAT
picks one week per agent minimising the roster's true objective (the set-partitioning recombination of routing
heuristics, "construct, merge, solve & adapt"):

- the per-agent terms (paid hours, and the soft rules of ``rules.SOFT_RULE_MODULES``, which are sums over agents)
  are a constant per pooled week, read from the rules' own ``amount``;
- the cover is shared: heads on the floor per skill set and slot, allocated to the queues by integer flows and
  priced as ``rules.coverage`` prices it (``understaffed`` per required head not covered, ``overstaffed`` per head
  on the floor not covering one);
- the centre-wide break cap is a hard row per slot.

Its optimum is never worse than the best parent (which is the hint) and can combine the good weeks of several
local optima. Centres with cross-agent terms the model does not hold (proficiency-weighted cover, deadline queues,
the weekly service level, floor and ratio rules, activities) are not merged (``applies``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from scheduler.domain.roster import Roster, ShiftAssignment
from scheduler.domain.week import Week as CalendarWeek
from scheduler.rostering import effective_cover
from scheduler.rostering.coverage import allocate, on_break_counts, on_floor_by_skills
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import SOFT_RULE_MODULES, agent_week, break_cap, floor_rules, keeps_week
from scheduler.rostering.rules.base import DAYS

MINUTES_PER_HOUR = 60
# Parents at most in one merge (the most recent first are dropped): the model grows with the distinct weeks.
MAX_PARENTS = 12
# Whether each agent's pool also holds the best parent's week with one day taken from another parent's
# (``with_day_hybrids``).
DAY_HYBRIDS = False

Week = tuple[ShiftAssignment, ...]


@dataclass(frozen=True)
class Merged:
    """The merged roster, the model's objective for it (penalty units, the same figure as ``solve.evaluate``'s
    total), CP-SAT's status name, and the pooled weeks (distinct weeks summed over agents)."""

    roster: Roster
    objective: float
    status: str
    pooled_weeks: int


def applies(instance: Instance) -> bool:
    """Whether every cross-agent term of the centre's objective is one the merge models exactly."""
    config = instance.config
    return not (effective_cover.weighted(config) or instance.deadlines or instance.service_curves is not None
                or floor_rules.floor_counts(config, instance.week) or config.activities)


def pool(parents: Sequence[Roster], agent_ids: Sequence[str]) -> dict[str, list[Week]]:
    """Each agent's distinct weeks over ``parents``, in the order first seen (the first parent's first)."""
    weeks: dict[str, list[Week]] = {a: [] for a in agent_ids}
    for parent in parents:
        by_agent: dict[str, list[ShiftAssignment]] = {a: [] for a in agent_ids}
        for shift in parent.shifts:
            by_agent[shift.agent_id].append(shift)
        for agent_id, shifts in by_agent.items():
            week = tuple(sorted(shifts, key=lambda s: s.date))
            if week not in weeks[agent_id]:
                weeks[agent_id].append(week)
    return weeks


def with_day_hybrids(instance: Instance, weeks: dict[str, list[Week]]) -> dict[str, list[Week]]:
    """``weeks`` with, for each agent, the first week with one day's shift (or day off) taken from another of
    the agent's weeks, where that keeps every rule of the agent's own (``rules.keeps_week``)."""
    config, calendar = instance.config, instance.week
    grown: dict[str, list[Week]] = {}
    for agent in config.agents:
        own = weeks[agent.agent_id]
        grown[agent.agent_id] = list(own)
        if len(own) < 2:
            continue
        facts = agent_week(config, calendar, agent)
        first = _by_day(calendar, own[0])
        for other in own[1:]:
            theirs = _by_day(calendar, other)
            for day in range(DAYS):
                if theirs[day] == first[day]:
                    continue
                days = [*first[:day], theirs[day], *first[day + 1:]]
                hybrid = tuple(s for s in days if s is not None)
                if hybrid not in grown[agent.agent_id] and keeps_week(facts, days):
                    grown[agent.agent_id].append(hybrid)
    return grown


def _by_day(calendar: CalendarWeek, week: Week) -> list[ShiftAssignment | None]:
    days: list[ShiftAssignment | None] = [None] * DAYS
    for shift in week:
        days[calendar.day_index(shift.date)] = shift
    return days


def merge(instance: Instance, parents: Sequence[Roster], new_solver: Callable[[], cp_model.CpSolver],
          solve: Callable[[cp_model.CpSolver, cp_model.CpModel], cp_model.CpSolverStatus] | None = None,
          spend_rows: Callable[[int], None] = lambda rows: None) -> Merged | None:
    """The best roster made of one pooled week per agent; ``parents[0]`` (the best parent) is the hint.

    ``new_solver`` gives the configured solver (its limits, one worker); ``solve`` runs it (by default
    ``solver.solve``); ``spend_rows`` is told the model's variables plus constraints once built (its cost outside
    CP-SAT's deterministic time). ``None`` when the centre has terms the merge does not model, or CP-SAT found
    no roster."""
    if not parents or not applies(instance):
        return None
    config, week, requirements = instance.config, instance.week, instance.requirements
    weights = config.weights
    agent_ids = [a.agent_id for a in config.agents]
    skills_of = {a.agent_id: a.skills for a in config.agents}
    weeks = pool(parents[:MAX_PARENTS], agent_ids)
    if DAY_HYBRIDS:
        weeks = with_day_hybrids(instance, weeks)
    scale = MINUTES_PER_HOUR * math.lcm(*(m.DIVISOR for m in SOFT_RULE_MODULES))
    slots = week.slot_count

    cp = cp_model.CpModel()
    constant = 0  # scaled penalty units
    base_soft = [m.amount(config, week, ()) for m in SOFT_RULE_MODULES]
    for module, amount in zip(SOFT_RULE_MODULES, base_soft, strict=True):
        constant += amount * module.weight(config) * scale // module.DIVISOR
    fixed_floor: dict[tuple[str, ...], np.ndarray] = {}
    fixed_break = np.zeros(week.reach_slot_count, np.int64)
    floor_terms: dict[tuple[str, ...], list[tuple[cp_model.IntVar, np.ndarray]]] = {}
    break_terms: list[tuple[cp_model.IntVar, np.ndarray]] = []
    costs = []  # (variable, scaled per-agent cost of its week)
    choices: dict[str, list[tuple[cp_model.IntVar, Week]]] = {}
    total_floor_vars = []
    for agent_id in agent_ids:
        skills = skills_of[agent_id]
        own_costs = [_own_cost(instance, w, base_soft, scale) for w in weeks[agent_id]]
        floors = [_floor(instance, w) for w in weeks[agent_id]]
        breaks = [on_break_counts(week, Roster(w)) for w in weeks[agent_id]]
        if len(weeks[agent_id]) == 1:
            constant += own_costs[0]
            fixed_floor[skills] = fixed_floor.get(skills, np.zeros(slots, np.int64)) + floors[0]
            fixed_break += breaks[0]
            continue
        picks = [cp.new_bool_var(f"week_{agent_id}_{k}") for k in range(len(weeks[agent_id]))]
        cp.add_exactly_one(picks)
        choices[agent_id] = list(zip(picks, weeks[agent_id], strict=True))
        for pick, cost, floor, brk in zip(picks, own_costs, floors, breaks, strict=True):
            costs.append((pick, cost))
            floor_terms.setdefault(skills, []).append((pick, floor))
            break_terms.append((pick, brk))
            total_floor_vars.append((pick, int(floor.sum())))

    cap = break_cap.cap(config)
    if cap is not None:
        for slot in range(week.reach_slot_count):
            moving = [(v, int(b[slot])) for v, b in break_terms if b[slot]]
            if moving:
                cp.add(cp_model.LinearExpr.weighted_sum([v for v, _ in moving], [c for _, c in moving])
                       <= cap - int(fixed_break[slot]))

    queue_ids = list(instance.queue_ids)
    flows: dict[tuple[int, tuple[str, ...], int], int] = {}  # the hinted parent's max-flow cover, hinted too
    allocate(requirements, on_floor_by_skills(config, week, parents[0]), queue_ids, flows)
    groups = sorted(set(fixed_floor) | set(floor_terms))
    covered_terms = []
    for slot in range(slots):
        by_queue: dict[int, list[cp_model.IntVar]] = {}
        for skills in groups:
            fixed = int(fixed_floor[skills][slot]) if skills in fixed_floor else 0
            moving = [(v, int(f[slot])) for v, f in floor_terms.get(skills, []) if f[slot]]
            most = fixed + sum(c for _, c in moving)
            allocations = []
            for q_index, queue_id in enumerate(queue_ids):
                required = int(requirements[q_index, slot])
                if queue_id in skills and required and most:
                    alloc = cp.new_int_var(0, min(required, most), f"alloc_{slot}_{q_index}")
                    cp.add_hint(alloc, flows.get((slot, skills, q_index), 0))
                    allocations.append(alloc)
                    by_queue.setdefault(q_index, []).append(alloc)
            if allocations:
                cp.add(cp_model.LinearExpr.sum(allocations)
                       <= cp_model.LinearExpr.weighted_sum([v for v, _ in moving], [c for _, c in moving]) + fixed)
        for q_index, allocations in by_queue.items():
            covered = cp_model.LinearExpr.sum(allocations)
            cp.add(covered <= int(requirements[q_index, slot]))
            covered_terms.extend(allocations)

    # under = required - covered; over = on floor - covered (``rules.coverage``)
    fixed_on_floor = int(sum(int(f.sum()) for f in fixed_floor.values()))
    constant += scale * (weights.understaffed_agent_interval * int(requirements.sum())
                         + weights.overstaffed_agent_interval * fixed_on_floor)
    objective = (cp_model.LinearExpr.weighted_sum([v for v, _ in costs], [c for _, c in costs])
                 + cp_model.LinearExpr.weighted_sum([v for v, _ in total_floor_vars],
                                                    [scale * weights.overstaffed_agent_interval * c
                                                     for _, c in total_floor_vars])
                 - scale * (weights.understaffed_agent_interval + weights.overstaffed_agent_interval)
                 * cp_model.LinearExpr.sum(covered_terms)
                 + constant)
    cp.minimize(objective)
    for options in choices.values():  # the first parent's weeks come first in every pool
        for k, (pick, _) in enumerate(options):
            cp.add_hint(pick, int(k == 0))
    spend_rows(len(cp.proto.variables) + len(cp.proto.constraints))

    solver = new_solver()
    status = solve(solver, cp) if solve is not None else solver.solve(cp)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    shifts: list[ShiftAssignment] = []
    for agent_id in agent_ids:
        if agent_id in choices:
            shifts.extend(next(w for pick, w in choices[agent_id] if solver.boolean_value(pick)))
        else:
            shifts.extend(weeks[agent_id][0])
    roster = Roster(tuple(sorted(shifts, key=lambda s: (s.agent_id, s.date))))
    return Merged(roster, solver.objective_value / scale, solver.status_name(status),
                  sum(len(w) for w in weeks.values()))


def _floor(instance: Instance, week: Week) -> np.ndarray:
    """The week's heads on the floor per slot (one agent: 0 or 1), shape ``(slot_count,)``."""
    counts = on_floor_by_skills(instance.config, instance.week, Roster(week))
    return next(iter(counts.values())) if counts else np.zeros(instance.week.slot_count, np.int64)


def _own_cost(instance: Instance, week: Week, base_soft: Sequence[int], scale: int) -> int:
    """The week's own terms in scaled penalty units: its paid hours and what it adds to each soft rule."""
    config = instance.config
    cost = sum(s.paid_minutes for s in week) * config.weights.paid_hour * scale // MINUTES_PER_HOUR
    for module, base in zip(SOFT_RULE_MODULES, base_soft, strict=True):
        added = module.amount(config, instance.week, week) - base
        cost += added * module.weight(config) * scale // module.DIVISOR
    return cost
