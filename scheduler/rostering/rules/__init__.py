"""One module per labour rule, each with the same signature ``build(model: RosterModel) -> list[PenaltyTerm]``.

A hard rule adds constraints and returns no terms; a soft rule returns its named penalty terms.
``RULES`` is the order they are built in.
"""

from __future__ import annotations

from collections.abc import Callable

from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules import (
    activities,
    break_cap,
    breaks,
    consistent_start,
    coverage,
    fairness,
    max_consecutive_days,
    max_days,
    max_weekend_days,
    min_consecutive_days_off,
    min_days,
    min_rest,
    one_shift_per_day,
    paid_hours,
    preferences,
    replan_changes,
    shift_window,
    weekly_hours,
)

Rule = Callable[[RosterModel], list[PenaltyTerm]]

RULES: tuple[tuple[str, Rule], ...] = (
    ("one_shift_per_day", one_shift_per_day.build),
    ("breaks", breaks.build),
    ("break_cap", break_cap.build),
    ("activities", activities.build),
    ("weekly_hours", weekly_hours.build),
    ("max_days", max_days.build),
    ("min_rest", min_rest.build),
    ("max_consecutive_days", max_consecutive_days.build),
    ("min_days", min_days.build),
    ("min_consecutive_days_off", min_consecutive_days_off.build),
    ("max_weekend_days", max_weekend_days.build),
    ("shift_window", shift_window.build),
    ("coverage", coverage.build),
    ("paid_hours", paid_hours.build),
    ("preferences", preferences.build),
    ("start_changes", consistent_start.build),
    ("replan_changes", replan_changes.build),
    ("fairness", fairness.build),
)

# Soft rules other than cover and pay: each module has RULE, UNIT, DIVISOR, weight(config) and
# amount(config, week, shifts), the same figure as its model term, evaluated from a roster.
SOFT_RULE_MODULES = (preferences, consistent_start, replan_changes, fairness)
