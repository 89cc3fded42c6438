"""The labour rules: one module per rule, each exposing ``RULE``, a ``LabourRule`` (``rules.base``) with all its
faces, and the registry every other part of the solver asks.

``ALL_RULES`` is the order the CP-SAT model builds them in; ``HARD_RULES`` the hard ones; ``AGENT_RULES`` the
hard rules one agent's week can break on its own (the others, cover and the break cap, are centre-wide).
Search, start, diagnosis and bound code ask these (``keeps_week``, ``allowed_options``, ``keeps_days``), never a
contract's fields.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scheduler.domain.plan import Agent, PlanConfig
from scheduler.domain.shifts import ShiftOption, shift_options
from scheduler.domain.week import Week
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules import (
    activities,
    average_hours,
    break_cap,
    breaks,
    carry_days,
    carry_rest,
    consistent_start,
    coverage,
    deadline_cover,
    fairness,
    floor_rules,
    horizon_weekends,
    max_consecutive_days,
    max_days,
    max_late_shifts,
    max_weekend_days,
    min_consecutive_days_off,
    min_days,
    min_rest,
    next_week,
    one_shift_per_day,
    paid_hours,
    preferences,
    replan_breaks,
    replan_changes,
    shift_window,
    weekly_hours,
    weekly_service_level,
)
from scheduler.rostering.rules.base import AgentShifts, AgentWeek, Aspect, BuildOnly, LabourRule, agent_week

Rule = Callable[[RosterModel], list[PenaltyTerm]]

ALL_RULES: tuple[LabourRule, ...] = (
    one_shift_per_day.RULE,
    breaks.RULE,
    break_cap.RULE,
    activities.RULE,
    weekly_hours.RULE,
    max_days.RULE,
    min_rest.RULE,
    max_consecutive_days.RULE,
    min_days.RULE,
    min_consecutive_days_off.RULE,
    max_weekend_days.RULE,
    shift_window.RULE,
    max_late_shifts.RULE,
    carry_rest.RULE,
    carry_days.RULE,
    horizon_weekends.RULE,
    average_hours.RULE,
    next_week.RULE,
    floor_rules.RULE,
    BuildOnly("coverage", coverage.build, hard=False),
    weekly_service_level.RULE,
    deadline_cover.RULE,
    BuildOnly("paid_hours", paid_hours.build, hard=False),
    BuildOnly(preferences.RULE, preferences.build, hard=False),
    BuildOnly(consistent_start.RULE, consistent_start.build, hard=False),
    BuildOnly(replan_changes.RULE, replan_changes.build, hard=False),
    BuildOnly(replan_breaks.RULE, replan_breaks.build, hard=False),
    BuildOnly(fairness.RULE, fairness.build, hard=False),
)
HARD_RULES: tuple[LabourRule, ...] = tuple(r for r in ALL_RULES if r.hard)
AGENT_RULES: tuple[LabourRule, ...] = tuple(r for r in HARD_RULES if r.per_agent)
# (name, build) in build order, for code that only builds the CP-SAT model
RULES: tuple[tuple[str, Rule], ...] = tuple((r.name, r.build) for r in ALL_RULES)

# Soft rules other than cover and pay: each module has RULE, UNIT, DIVISOR, weight(config) and
# amount(config, week, shifts), the same figure as its model term, evaluated from a roster.
SOFT_RULE_MODULES = (preferences, consistent_start, replan_changes, replan_breaks, fairness)


def rules_reading(changed: Aspect) -> tuple[LabourRule, ...]:
    """The agent rules that read any of the ``changed`` aspects of a week (all of them for ``Aspect.ALL``)."""
    return tuple(r for r in AGENT_RULES if r.reads & changed)


def broken_rule(agent: AgentWeek, shifts: AgentShifts, rules: Sequence[LabourRule] = AGENT_RULES) -> str | None:
    """The name of the first of ``rules`` the agent's week (a shift or None per day index) breaks, or None."""
    for rule in rules:
        if not rule.keeps(agent, shifts):
            return rule.name
    return None


def keeps_week(agent: AgentWeek, shifts: AgentShifts, rules: Sequence[LabourRule] = AGENT_RULES) -> bool:
    """Whether the agent's week keeps every one of ``rules`` (by default every hard rule of the agent's own)."""
    return all(rule.keeps(agent, shifts) for rule in rules)


def keeps_change(agent: AgentWeek, shifts: AgentShifts, day: int,
                 rules: Sequence[LabourRule] = AGENT_RULES) -> bool:
    """Whether the agent's week keeps every one of ``rules``, given that it did before ``day`` changed (the
    incremental check of a one-day search move)."""
    return all(rule.keeps_change(agent, shifts, day) for rule in rules)


def keeps_days(agent: AgentWeek, worked: Sequence[bool], rules: Sequence[LabourRule] = AGENT_RULES) -> bool:
    """Whether working exactly the marked days keeps every day-pattern rule among ``rules``."""
    return all(rule.keeps_days(agent, worked) for rule in rules)


def allows(agent: AgentWeek, start_minute: int, end_minute: int) -> bool:
    """Whether every rule allows a shift from ``start_minute`` to ``end_minute`` (minutes after midnight)."""
    return all(rule.allows(agent, start_minute, end_minute) for rule in AGENT_RULES)


def allowed_options(config: PlanConfig, week: Week, agent: Agent, day_index: int,
                    facts: AgentWeek | None = None) -> tuple[ShiftOption, ...]:
    """The agent's candidate shifts that day that every rule allows on its own."""
    facts = facts or agent_week(config, week, agent)
    return tuple(o for o in shift_options(config, agent, week, day_index)
                 if allows(facts, o.start_minute, o.end_minute))


__all__ = ["AGENT_RULES", "ALL_RULES", "HARD_RULES", "RULES", "SOFT_RULE_MODULES", "AgentWeek", "Aspect",
           "LabourRule", "agent_week", "allowed_options", "allows", "broken_rule", "keeps_change", "keeps_days",
           "keeps_week", "rules_reading"]
