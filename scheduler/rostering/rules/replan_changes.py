"""Soft: when re-planning from a published roster, every agent-day that changes costs ``objective.changed_shift``:
a new shift, a removed one, another template or start, or an activity added, removed or moved (a break moved
within a kept shift costs ``objective.moved_break`` instead: ``rules.replan_breaks``). Pinned days cannot change
at all (``scheduler.domain.shifts`` offers only the kept shift, and the model only the kept activity starts)."""

from __future__ import annotations

from collections.abc import Iterable

from ortools.sat.python import cp_model

from scheduler.domain.plan import PinnedShift, PlanConfig
from scheduler.domain.roster import ShiftAssignment
from scheduler.domain.week import Week
from scheduler.rostering.held import held_for
from scheduler.rostering.model import AgentDay, PenaltyTerm, RosterModel

RULE = "replan_changes"
UNIT = "changed agent-day"
DIVISOR = 1


def weight(config: PlanConfig) -> int:
    return config.weights.changed_shift


def _shift_change(agent_day: AgentDay, published: PinnedShift | None) -> cp_model.LinearExpr | int:
    """1 when the day's shift (template and start) differs from the published one, else 0."""
    kept = None if published is None else (published.template_id, published.start_minute)
    same = [v for o, v in zip(agent_day.options, agent_day.shift_vars, strict=True)
            if (o.template.template_id, o.start_minute) == kept]
    if kept is None:
        return cp_model.LinearExpr.sum(agent_day.shift_vars) if agent_day.shift_vars else 0
    return 1 - same[0] if same else 1  # no longer possible: changed whatever happens


def _day_change(model: RosterModel, agent_day: AgentDay, published: PinnedShift | None) -> cp_model.LinearExpr | int:
    """1 when the agent-day differs from the published one in its shift or its activities, else 0."""
    shift = _shift_change(agent_day, published)
    kept_activities = set() if published is None else set(published.activity_starts)
    if not agent_day.activities and not kept_activities:
        return shift
    indicators = [shift]
    offered = {(a, m) for a, starts in agent_day.activities.items() for m in starts}
    if kept_activities - offered:
        return 1  # a published activity can no longer be taken that day
    for activity_id, starts in agent_day.activities.items():
        for minute, var in starts.items():
            indicators.append(1 - var if (activity_id, minute) in kept_activities else var)
    changed = model.cp.new_bool_var(f"changed_{agent_day.agent.agent_id}_d{agent_day.day_index}")
    for indicator in indicators:
        model.cp.add(changed >= indicator)
    return changed


def build(model: RosterModel) -> list[PenaltyTerm]:
    replan = model.config.replan
    if replan is None or weight(model.config) == 0:
        return []
    terms = [_day_change(model, agent_day, replan.published.get((agent.agent_id, model.week.day(agent_day.day_index))))
             for agent in model.agents for agent_day in model.days_of(agent)]
    return [PenaltyTerm(RULE, weight(model.config), cp_model.LinearExpr.sum(terms), UNIT, DIVISOR)]


def amount(config: PlanConfig, week: Week, shifts: Iterable[ShiftAssignment]) -> int:
    """Agent-days whose shift or activities differ from the published roster.

    Every agent's published days count, also those of agents without a shift in ``shifts`` (the local search asks
    about one agent's week at a time: the others' published days then count as changed, the same for every
    candidate). Counted per agent in ``shifts`` against the published days read once per week (``_published``),
    so one agent's week costs its own days, not the centre's."""
    if config.replan is None:
        return 0
    keys, per_agent, total = _published(config, week)
    now: dict[str, dict[object, tuple]] = {}
    for s in shifts:
        now.setdefault(s.agent_id, {})[s.date] = (s.template_id, s.start_minute,
                                                  tuple(sorted((a.activity_id, a.start_minute) for a in s.activities)))
    changed = total
    for agent_id, days in now.items():
        published = keys.get(agent_id, {})
        changed -= per_agent.get(agent_id, 0)
        changed += sum(before != days.get(day) for day, before in published.items())
        changed += sum(day not in published for day in days)
    return changed


_PUBLISHED: dict = {}


def _published(config: PlanConfig, week: Week) -> tuple[dict[str, dict[object, tuple | None]], dict[str, int], int]:
    """The published roster's days in the week per agent (as ``amount`` compares them), each agent's count of them
    and the total; read once per re-plan and week."""
    assert config.replan is not None
    return held_for(_PUBLISHED, config.replan, (week.start, week.day_count), lambda: _read_published(config, week),
                    16)


def _read_published(config: PlanConfig, week: Week
                    ) -> tuple[dict[str, dict[object, tuple | None]], dict[str, int], int]:
    replan = config.replan
    assert replan is not None
    days = set(week.days())
    agents = {a.agent_id for a in config.agents}
    keys: dict[str, dict[object, tuple | None]] = {}
    for (agent_id, day), published in replan.published.items():
        if day in days and agent_id in agents:  # None: published as a day off
            keys.setdefault(agent_id, {})[day] = None if published is None else (
                published.template_id, published.start_minute, tuple(sorted(published.activity_starts)))
    per_agent = {agent_id: sum(v is not None for v in d.values()) for agent_id, d in keys.items()}
    return keys, per_agent, sum(per_agent.values())
