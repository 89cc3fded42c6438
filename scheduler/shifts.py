"""Candidate shifts: which (template, start) an agent may work on each day of the week.

Templates come from the agent's contract; a candidate must fall on one of the template's weekdays, lie
wholly inside the agent's availability window for that weekday, and not fall on approved time off.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain import Agent, PlanConfig, ShiftTemplate
from scheduler.week import Week


@dataclass(frozen=True)
class ShiftOption:
    """One way to work one day: a template started at ``start_minute`` (minutes after midnight)."""

    template: ShiftTemplate
    start_minute: int
    break_offsets: tuple[int, ...] | None = None  # fixed break starts after the shift start, when patterned

    @property
    def end_minute(self) -> int:
        return self.start_minute + self.template.length_minutes

    @property
    def paid_minutes(self) -> int:
        return self.template.paid_minutes


def shift_options(config: PlanConfig, agent: Agent, week: Week, day_index: int) -> tuple[ShiftOption, ...]:
    """Every shift the agent could work on that day, in a fixed order (template order, then start)."""
    day = week.day(day_index)
    weekday = day.weekday()
    window = agent.availability[weekday]
    if day in agent.time_off or window is None:
        return ()
    contract = config.contract(agent.contract_id)
    options = []
    for template_id in contract.template_ids:
        template = config.template(template_id)
        if weekday not in template.weekdays:
            continue
        for start in template.start_minutes():
            if window.contains(start, start + template.length_minutes):
                options.append(ShiftOption(template, start))
    return tuple(options)


def break_patterns(template: ShiftTemplate, count: int, interval_minutes: int) -> tuple[tuple[int, ...], ...]:
    """Up to ``count`` distinct ways to place the template's breaks (offsets from the shift start), from each
    break as early as its window and spacing allow to as late as they allow, spread evenly in between."""
    if not template.breaks:
        return ((),)
    latest = [0] * len(template.breaks)
    limit: int | None = None
    for k in range(len(template.breaks) - 1, -1, -1):
        rule = template.breaks[k]
        latest[k] = rule.latest_after_start_minutes if limit is None else min(rule.latest_after_start_minutes, limit)
        limit = latest[k] - template.min_break_gap_minutes - (template.breaks[k - 1].minutes if k else 0)
    patterns: list[tuple[int, ...]] = []
    for i in range(count):
        fraction = i / (count - 1) if count > 1 else 0.5
        offsets, earliest = [], 0
        for k, rule in enumerate(template.breaks):
            low = max(rule.earliest_after_start_minutes, earliest)
            steps = max(0, (latest[k] - low) // interval_minutes)
            offsets.append(low + round(fraction * steps) * interval_minutes)
            earliest = offsets[-1] + rule.minutes + template.min_break_gap_minutes
        if tuple(offsets) not in patterns:
            patterns.append(tuple(offsets))
    return tuple(patterns)
