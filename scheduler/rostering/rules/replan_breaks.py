"""Soft: when re-planning from a published roster, an agent-day that keeps its published shift (template and start)
but whose breaks or lunch start at other times costs ``objective.moved_break``.

A moved break is a small change for the agent, so its default weight (25) is well below a changed shift's (100),
but above what moving one break by one interval can save in over-staffing alone (two intervals at 10): breaks move
to cover under-staffed intervals, not to shave a surplus. A day whose shift changed is counted by
``replan_changes`` instead (its breaks are new anyway). Pinned days cannot change at all."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ortools.sat.python import cp_model

from scheduler.domain.plan import PinnedShift, PlanConfig
from scheduler.domain.roster import ShiftAssignment
from scheduler.domain.week import Week
from scheduler.rostering.held import held_for
from scheduler.rostering.model import AgentDay, PenaltyTerm, RosterModel

RULE = "replan_breaks"
READS_BREAKS = True  # the local search prices break moves with this rule (the other soft rules ignore breaks)
UNIT = "agent-day with moved breaks"
DIVISOR = 1


def weight(config: PlanConfig) -> int:
    return config.weights.moved_break


def _moved(model: RosterModel, agent_day: AgentDay, published: PinnedShift | None) -> cp_model.IntVar | int:
    """1 when the day keeps its published shift but some break starts elsewhere, else 0."""
    if published is None or not published.break_starts:
        return 0
    same = [v for o, v in zip(agent_day.options, agent_day.shift_vars, strict=True)
            if (o.template.template_id, o.start_minute) == (published.template_id, published.start_minute)]
    slots = agent_day.breaks.get(published.template_id, [])
    if not same or len(slots) != len(published.break_starts):
        return 0  # the published shift cannot be kept (or has no break variables): a changed shift, not a move
    moved = model.cp.new_bool_var(f"moved_breaks_{agent_day.agent.agent_id}_d{agent_day.day_index}")
    for slot, minute in zip(slots, published.break_starts, strict=True):
        kept = slot.starts.get(minute)
        model.cp.add(moved >= same[0] - kept if kept is not None else moved >= same[0])
    return moved


def build(model: RosterModel) -> list[PenaltyTerm]:
    replan = model.config.replan
    if replan is None or weight(model.config) == 0 or not model.with_breaks:
        return []
    terms = [_moved(model, agent_day, replan.published.get((agent.agent_id, model.week.day(agent_day.day_index))))
             for agent in model.agents for agent_day in model.days_of(agent)]
    return [PenaltyTerm(RULE, weight(model.config), cp_model.LinearExpr.sum(terms), UNIT, DIVISOR)]


def amount(config: PlanConfig, week: Week, shifts: Iterable[ShiftAssignment]) -> int:
    """Agent-days among ``shifts`` that keep their published template and start with a break elsewhere."""
    if config.replan is None:
        return 0
    published = _published_breaks(config, week)
    moved = 0
    for s in shifts:
        kept = published.get((s.agent_id, s.date))
        if kept is not None and kept[:2] == (s.template_id, s.start_minute):
            moved += kept[2] != tuple(b.start_minute for b in s.breaks)
    return moved


_PUBLISHED: dict = {}


def _published_breaks(config: PlanConfig, week: Week) -> dict[tuple[str, date], tuple[str, int, tuple[int, ...]]]:
    """``(agent, day) -> (template, start, break starts)`` of the published shifts in the week; read once per
    re-plan and week (the local search asks per candidate move)."""
    replan = config.replan
    assert replan is not None
    days = set(week.days())
    return held_for(_PUBLISHED, replan, (week.start, week.day_count), lambda: {
        k: (p.template_id, p.start_minute, tuple(p.break_starts))
        for k, p in replan.published.items() if p is not None and k[1] in days}, 16)
