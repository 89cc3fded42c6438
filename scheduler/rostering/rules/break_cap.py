"""Hard: at most ``centre.max_agents_on_break`` agents on break or lunch in any interval, so breaks are
staggered and cover holds. Agents without variables in the model add their breaks as constants
(``RosterModel.fixed_on_break``).

A centre-wide rule: no one agent's week can break it alone, so its fast face is ``cap(config)``, which the
search and break placement count against, and the aggregate LP's cap rows (``search.lower_bound``) use."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.domain.plan import PlanConfig
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import LabourRule


def cap(config: PlanConfig) -> int | None:
    """Agents allowed on break or lunch in one interval, centre-wide; None: no cap."""
    return config.max_agents_on_break


class BreakCap(LabourRule):
    name = "break_cap"
    per_agent = False

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)


RULE = BreakCap()


def build(model: RosterModel) -> list[PenaltyTerm]:
    limit = cap(model.config)
    if limit is None:
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
        # a night shift's break past the plan's end counts too (the roster's own breaks there)
        fixed = int(model.fixed_on_break[week_slot]) if week_slot < len(model.fixed_on_break) else 0
        room = limit - fixed
        if len(variables) > room:
            model.cp.add(cp_model.LinearExpr.sum(variables) <= max(room, 0))
    return []
