"""A start roster rounded from the aggregate LP (``search.lower_bound``), which sees every class's weekly
patterns and the cover breaks take away, so its rounding is usually far better than agent-by-agent greedy.

1. Per class, the LP's weight on each weekly pattern (template or day off per day) is rounded to whole agents
   (largest remainder) and the patterns are dealt to the class's agents in order.
2. Per class, day and template, the LP's weight on each start time is rounded to the number of agents working
   that template that day. Starts are matched to agents latest to latest previous-day end, which keeps the
   rest rule wherever the LP's aggregate rest constraints allow; an agent whose start would break the rest
   rule takes the nearest start of the same template that keeps it.
3. Breaks are placed greedily against the cover (``rostering.break_placement``).
4. Each agent's week is checked against every hard rule of their own by the rules' fast exact checks
   (``rostering.rules.keeps_week``); an agent whose week fails is left out (``search.sequential`` rosters
   them against the rest).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial

import numpy as np

from scheduler.domain.plan import MINUTES_PER_DAY, PlanConfig
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment
from scheduler.domain.shifts import ShiftOption
from scheduler.domain.week import Week
from scheduler.rostering.break_placement import place_breaks
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import AgentWeek, agent_week, keeps_week, min_rest
from scheduler.rostering.search.lower_bound import AggregateSolution, ClassPlan


def round_to_total(weights: Sequence[float], total: int) -> list[int]:
    """Whole numbers summing to ``total`` in proportion to ``weights`` (largest remainder, ties to the first);
    equal shares when every weight is zero."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    values = np.asarray(weights, dtype=float)
    values = np.ones_like(values) if values.sum() <= 1e-9 else values
    scaled = values * total / values.sum()
    counts = np.floor(scaled + 1e-9).astype(int)
    remainders = scaled - counts
    for index in sorted(range(len(values)), key=lambda i: (-round(remainders[i], 9), i))[:total - counts.sum()]:
        counts[index] += 1
    return counts.tolist()


# The starts chosen for one class's agents working one template on one day, keyed by (index of the class's plan in
# ``AggregateSolution.plans``, day index, template id); one option per worker (``search.cover_rounding``).
ChosenStarts = Mapping[tuple[int, int, str], Sequence[ShiftOption]]


def lp_weeks(instance: Instance, solution: AggregateSolution, chosen: ChosenStarts | None = None,
             dealt_breaks: Callable[[ShiftAssignment], tuple[BreakAssignment, ...] | None] | None = None,
             ) -> dict[str, tuple[ShiftAssignment, ...]]:
    """The rounded LP roster by agent; an agent whose rounded week breaks one of their rules is left out.
    ``chosen`` replaces step 2's rounding of the start weights (the matching of starts to agents stays);
    ``dealt_breaks`` gives a shift its breaks instead of step 3 (``None``: the greedy ones)."""
    config, week = instance.config, instance.week
    shifts: list[ShiftAssignment] = []
    for index, plan in enumerate(solution.plans):
        shifts.extend(_class_shifts(config, week, plan, None if chosen is None else partial(_starts_of, chosen, index)))
    placed = place_breaks(instance, shifts)
    if dealt_breaks is not None:
        placed = Roster(tuple(replace(s, breaks=b) if (b := dealt_breaks(s)) is not None else s
                              for s in placed.shifts))
    by_agent: dict[str, list[ShiftAssignment]] = {a.agent_id: [] for a in config.agents}
    for shift in placed.shifts:
        by_agent[shift.agent_id].append(shift)
    unplanned = {a for plan in solution.plans if not plan.patterns for a in plan.agent_class.agent_ids}
    weeks = {}
    for agent in config.agents:
        if agent.agent_id in unplanned:
            continue
        week_shifts = tuple(by_agent[agent.agent_id])
        if keeps_own_rules(instance, agent.agent_id, week_shifts):
            weeks[agent.agent_id] = week_shifts
    return weeks


def _starts_of(chosen: ChosenStarts, index: int, day: int, template_id: str) -> Sequence[ShiftOption]:
    return chosen[index, day, template_id]


def dealt_patterns(plan: ClassPlan) -> list[tuple[str | None, ...]]:
    """Step 1: the class's LP pattern weights rounded to whole agents, one pattern per agent in class order."""
    counts = round_to_total(plan.pattern_weights, len(plan.agent_class.agent_ids))
    return [pattern for pattern, count in zip(plan.patterns, counts, strict=True) for _ in range(count)]


def _class_shifts(config: PlanConfig, week: Week, plan: ClassPlan,
                  chosen: Callable[[int, str], Sequence[ShiftOption]] | None = None) -> list[ShiftAssignment]:
    agent_class = plan.agent_class
    if not plan.patterns:  # too many patterns to enumerate: left to the agent-by-agent build
        return []
    dealt = dealt_patterns(plan)
    facts = agent_week(config, week, next(a for a in config.agents if a.agent_id == agent_class.agent_ids[0]))
    previous_end: dict[str, int | None] = {a: None for a in agent_class.agent_ids}
    shifts = []
    for day, options in enumerate(agent_class.options):
        ends: dict[str, int | None] = {a: None for a in agent_class.agent_ids}
        for template_id in sorted({o.template.template_id for o in options}):
            workers = [a for a, p in zip(agent_class.agent_ids, dealt, strict=True) if p[day] == template_id]
            if not workers:
                continue
            candidates = [(o, w) for o, w in zip(options, plan.shift_weights[day], strict=True)
                          if o.template.template_id == template_id]
            starts = list(chosen(day, template_id)) if chosen is not None else [
                o for (o, _), n in zip(candidates, round_to_total([w for _, w in candidates], len(workers)),
                                       strict=True) for _ in range(n)]
            starts.sort(key=lambda o: -o.start_minute)
            workers.sort(key=lambda a: (-(end if (end := previous_end[a]) is not None else -MINUTES_PER_DAY),
                                        agent_class.agent_ids.index(a)))
            for agent_id, option in zip(workers, starts, strict=True):
                option = _rested(option, [o for o, _ in candidates], previous_end[agent_id], facts)
                ends[agent_id] = option.end_minute
                shifts.append(ShiftAssignment(agent_id, week.day(day), template_id, option.start_minute,
                                              option.template.length_minutes, option.paid_minutes, ()))
        previous_end = ends
    return shifts


def _rested(option: ShiftOption, same_template: list[ShiftOption], previous_end: int | None,
            facts: AgentWeek) -> ShiftOption:
    """``option``, or the nearest start of the same template that leaves the rest (``rules.min_rest``) after
    ``previous_end``."""
    if min_rest.rested(facts, previous_end, option.start_minute):
        return option
    rested = [o for o in same_template if min_rest.rested(facts, previous_end, o.start_minute)]
    return min(rested, key=lambda o: (abs(o.start_minute - option.start_minute), o.start_minute), default=option)


def keeps_own_rules(instance: Instance, agent_id: str, shifts: tuple[ShiftAssignment, ...]) -> bool:
    """Whether the agent's week (shifts, breaks and activities) keeps every hard rule of the agent's own, by
    each rule's fast exact check (the requirements are unused: no agent rule reads the cover)."""
    config, week = instance.config, instance.week
    agent = next(a for a in config.agents if a.agent_id == agent_id)
    by_day: list[ShiftAssignment | None] = [None] * 7
    for shift in shifts:
        day = week.day_index(shift.date)
        if not 0 <= day < 7 or by_day[day] is not None:
            return False
        by_day[day] = shift
    return keeps_week(agent_week(config, week, agent), by_day)
