"""Candidate shifts: which (template, start) an agent may work on each day of the week.

Templates come from the agent's contract; a candidate must fall on one of the template's weekdays, lie
wholly inside the agent's availability window for that weekday (a night shift's part past midnight inside the
next weekday's, ``Agent.available``), and not fall on approved time off (of the day it starts on).
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.plan import MINUTES_PER_DAY, Agent, PlanConfig, ShiftTemplate
from scheduler.domain.week import Week


@dataclass(frozen=True)
class ShiftOption:
    """One way to work one day: a template started at ``start_minute`` (minutes after midnight)."""

    template: ShiftTemplate
    start_minute: int

    @property
    def end_minute(self) -> int:
        return self.start_minute + self.template.length_minutes

    @property
    def paid_minutes(self) -> int:
        return self.template.paid_minutes


def shift_options(config: PlanConfig, agent: Agent, week: Week, day_index: int) -> tuple[ShiftOption, ...]:
    """Every shift the agent could work on that day, in a fixed order (template order, then start); on a day
    pinned by a re-plan, only the kept shift (or none)."""
    day = week.day(day_index)
    pinned, kept = config.pinned(agent.agent_id, day)
    if pinned:
        return tuple(o for o in free_shift_options(config, agent, week, day_index)
                     if kept is not None and (o.template.template_id, o.start_minute) == (kept.template_id,
                                                                                          kept.start_minute))
    return free_shift_options(config, agent, week, day_index)


def free_shift_options(config: PlanConfig, agent: Agent, week: Week, day_index: int) -> tuple[ShiftOption, ...]:
    """The candidates from templates, availability and time off alone (no re-plan pins)."""
    day = week.day(day_index)
    weekday = day.weekday()
    if day in agent.time_off or agent.availability[weekday] is None:
        return ()
    contract = config.contract(agent.contract_id)
    options = []
    for template_id in contract.template_ids:
        template = config.template(template_id)
        if weekday not in template.weekdays:
            continue
        for start in template.start_minutes():
            if agent.available(weekday, start, start + template.length_minutes):
                options.append(ShiftOption(template, start))
    return tuple(options)



def previous_night_minutes(config: PlanConfig, week: Week) -> int:
    """Minutes of the week's first day that night shifts of the day before it reach (the latest end past midnight
    of a template running on that weekday; 0 with none): only the previous week's roster can cover them, so a plan
    of this week asks no cover and keeps no floor rule there (README, "Night shifts")."""
    before = (week.start.weekday() - 1) % 7
    return max((t.last_end_minute - MINUTES_PER_DAY for t in config.templates
                if before in t.weekdays and t.last_end_minute > MINUTES_PER_DAY), default=0)


def candidate_span(config: PlanConfig, agent: Agent, week: Week, day_index: int) -> tuple[int, int] | None:
    """The week slots ``[first, last)`` the agent's candidate shifts on that day span (earliest start to latest
    end), or None when the agent has no candidate that day."""
    options = shift_options(config, agent, week, day_index)
    if not options:
        return None
    return (week.slot(day_index, min(o.start_minute for o in options)),
            week.slot(day_index, max(o.end_minute for o in options)))
