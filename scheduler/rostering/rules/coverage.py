"""Soft: cover each queue's required agents in every interval; under-staffing dominates over-staffing.

Agents are grouped by skill set. In each slot, group ``g`` has ``n[g]`` agents on the floor (working and not
on break); integer ``alloc[g, q] >= 0`` sends them to queues they are skilled for, each agent counted once:
``sum_q alloc[g, q] <= n[g]`` and ``covered[q] = sum_g alloc[g, q] <= required[q]``. Then

- under-staffing in the slot is ``sum_q (required[q] - covered[q])``;
- over-staffing is every agent on the floor not needed for a requirement: ``sum_g n[g] - sum_q covered[q]``.

Both are exact when the allocation is optimal, which minimisation ensures. In a neighbourhood model the
agents without variables add their on-floor counts as constants (``RosterModel.fixed_on_floor``), and slots
that no variable touches are left out (their cover is a constant), which keeps a one-day neighbourhood's model
a day's size.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.rostering import effective_cover
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules import deadline_cover


def build(model: RosterModel) -> list[PenaltyTerm]:
    if effective_cover.weighted(model.config):  # proficiencies: the weighted cover (``rostering.effective_cover``)
        return effective_cover.build(model)
    queue_ids = [q.queue_id for q in model.config.queues]
    group_size: dict[tuple[str, ...], int] = defaultdict(int)
    for agent in model.config.agents:
        group_size[agent.skills] += 1

    # on-floor expression terms per (group, slot), for the agents with variables
    floor: dict[tuple[tuple[str, ...], int], tuple[list, list]] = {}
    total_on_floor = []
    for agent_day in model.all_agent_days():
        if not agent_day.options:
            continue
        key = agent_day.agent.skills
        for slot, (variables, coefficients) in model.presence_terms(agent_day).items():
            vs, cs = floor.setdefault((key, slot), ([], []))
            vs.extend(variables)
            cs.extend(coefficients)
        total_on_floor.append(model.on_floor_intervals(agent_day))
    fixed = model.fixed_on_floor
    touched = {slot for _, slot in floor}
    deadlines = deadline_cover.CoverHook(model)  # deferred queues covered cumulatively, not per interval
    touched |= deadlines.slots() if fixed else set()
    requirements = deadline_cover.live_requirements(model.instance)
    slots = [s for s in range(model.week.slot_count) if not fixed or s in touched]
    fixed_total = int(sum(int(counts[slots].sum()) for counts in fixed.values()))

    covered_terms = []
    unmet_requirement = 0
    for slot in slots:
        covered_by_queue: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for skills, members in sorted(group_size.items()):
            constant = int(fixed[skills][slot]) if skills in fixed else 0
            if (skills, slot) not in floor and constant == 0:
                continue
            allocations = []
            for q_index, queue_id in enumerate(queue_ids):
                required = int(requirements[q_index, slot])
                if queue_id not in skills or required == 0:
                    continue
                alloc = model.cp.new_int_var(0, min(required, members), f"alloc_{slot}_{queue_id}")
                allocations.append(alloc)
                model.allocations[slot, skills, q_index] = alloc
                covered_by_queue[q_index].append(alloc)
            allocations.extend(deadlines.allocations(skills, slot, members))
            if allocations:
                variables, coefficients = floor.get((skills, slot), ([], []))
                model.cp.add(cp_model.LinearExpr.sum(allocations)
                             <= cp_model.LinearExpr.weighted_sum(variables, coefficients) + constant)
        for q_index in range(len(queue_ids)):
            required = int(requirements[q_index, slot])
            unmet_requirement += required
            if covered_by_queue[q_index]:
                covered = cp_model.LinearExpr.sum(covered_by_queue[q_index])
                model.cp.add(covered <= required)
                covered_terms.append(covered)

    covered_total = cp_model.LinearExpr.sum(covered_terms)
    idle = cp_model.LinearExpr.sum(total_on_floor) + fixed_total - covered_total
    if deadlines.covered():  # heads working a deadline queue are not overstaffed either
        idle = idle - cp_model.LinearExpr.sum(deadlines.covered())
    weights = model.config.weights
    return [
        PenaltyTerm("understaffing", weights.understaffed_agent_interval, unmet_requirement - covered_total,
                    "agent-interval"),
        PenaltyTerm("overstaffing", weights.overstaffed_agent_interval, idle, "agent-interval"),
    ]
