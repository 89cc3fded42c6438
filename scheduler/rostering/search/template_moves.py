"""Template moves of the local search (``search.polish``): a worked shift becomes a shift of another template the
agent may work that day.

The other moves of one shift keep its template (breaks, starts, day swaps), and the repair changes templates only
where cover falls short, so the templates the LP's rounding chose stayed fixed once cover was met: an early
``day8`` shift could not become the ``late8`` shift starting half an hour later, nor a part-timer's six-hour shift
a four-hour one where its last two hours only over-staff, while the aggregate LP chooses templates freely. The
move is scored like the others (cover change over the day's window, soft rules), plus the change of paid hours.
It is off by default (``polish.TEMPLATE_MOVES``): on 150-agent centres at 60 s the first local-search run took
30-50% more CPU and ended worse on every unseen seed measured but one (README "Moves beyond one shift's
template").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from scheduler.domain.roster import ShiftAssignment
from scheduler.rostering.rules import keeps_change

if TYPE_CHECKING:  # the polisher imports this module
    from scheduler.rostering.search.polish import _Polisher

# Improving template moves (per shift) checked against the agent's rules at most.
TEMPLATE_CHECKS = 3
# A template move scored costs this many times a move within the template (``polish.UNITS_PER_MOVE``): building
# its shifts with breaks and one window per template. Measured with ``time.process_time`` over every shift of a
# polished 150-agent roster: 0.29 s per sweep of template moves against 0.187 s charged, 0.507 s against 0.361 s
# for the moves within templates (1.55 / 1.40).
TEMPLATE_MOVE_COST = 1.1


def template_changes(polisher: _Polisher, shift: ShiftAssignment,
                     with_breaks: Callable[..., list[ShiftAssignment]]) -> list[list[ShiftAssignment]]:
    """The shift as each other template the agent may work that day, at each allowed start, its breaks as early,
    as late and halfway as their windows allow (break moves refine them later); grouped by template, so each
    group is scored in one vectorised window. Shifts carrying activities keep their template."""
    if shift.activities:
        return []
    day = polisher.day_of[shift.date]
    groups: dict[str, list[ShiftAssignment]] = {}
    for option in polisher.options(shift.agent_id, day):
        if option.template.template_id != shift.template_id:
            groups.setdefault(option.template.template_id, []).extend(
                with_breaks(shift.agent_id, shift.date, option))
    return [group for group in groups.values() if group]


def best_template_change(polisher: _Polisher, shift: ShiftAssignment, spend: Callable[[float], None],
                         with_breaks: Callable[..., list[ShiftAssignment]], units_per_move: float,
                         check_units: float) -> tuple[ShiftAssignment | None, float]:
    """The best improving template move of the shift that keeps the agent's rules (every hard rule of its own,
    asked incrementally: paid hours and times change), with its change of the objective; else ``(None, 0)``."""
    paid_weight = polisher.config.weights.paid_hour
    scored: list[tuple[float, int, int]] = []
    groups = template_changes(polisher, shift, with_breaks)
    for g, candidates in enumerate(groups):
        spend(len(candidates) * units_per_move * TEMPLATE_MOVE_COST)
        deltas = polisher.with_soft(shift, candidates, polisher.deltas(shift, candidates))
        for i, (candidate, delta) in enumerate(zip(candidates, deltas, strict=True)):
            if delta is not None:
                total = delta + paid_weight * (candidate.paid_minutes - shift.paid_minutes) / 60
                if total < 0:
                    scored.append((total, g, i))
    if not scored:
        return None, 0.0
    day = polisher.day_of[shift.date]
    week = polisher.week_with(shift.agent_id, day, None)
    facts = polisher.facts[shift.agent_id]
    for total, g, i in sorted(scored)[:TEMPLATE_CHECKS]:
        week[day] = groups[g][i]
        spend(check_units)
        if keeps_change(facts, week, day):
            return groups[g][i], total
    return None, 0.0
