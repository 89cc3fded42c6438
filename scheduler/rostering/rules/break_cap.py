"""Hard: at most ``centre.max_agents_on_break`` agents on break or lunch in any interval, so breaks are
staggered and cover holds. Agents without variables in the model add their breaks as constants
(``RosterModel.fixed_on_break``)."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel


def build(model: RosterModel) -> list[PenaltyTerm]:
    cap = model.config.max_agents_on_break
    if cap is None:
        return []
    interval = model.config.interval_minutes
    covering: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for agent_day in model.all_agent_days():
        for slots in agent_day.breaks.values():
            for slot in slots:
                for minute, var in slot.starts.items():
                    for offset in range(0, slot.rule.minutes, interval):
                        covering[model.week.slot(agent_day.day_index, minute + offset)].append(var)
    for week_slot, variables in sorted(covering.items()):
        room = cap - int(model.fixed_on_break[week_slot])
        if len(variables) > room:
            model.cp.add(cp_model.LinearExpr.sum(variables) <= max(room, 0))
    return []
