"""Hard: every break and lunch of the worked template is taken once, inside its window, in order, spaced.

For break ``k`` of template ``t`` on an agent-day:
- it starts exactly once when the template is worked, never otherwise;
- a start at minute ``m`` needs a shift of that template started in ``[m - latest, m - earliest]``;
- consecutive breaks are at least the previous break's length plus ``min_break_gap_minutes`` apart.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.domain.roster import ShiftAssignment
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import AgentShifts, AgentWeek, Aspect, LabourRule


def keeps_shift(agent: AgentWeek, shift: ShiftAssignment) -> bool:
    """Whether the shift takes each break of its template once, on the interval grid inside its window, in
    order and spaced (and, on a day a re-plan keeps, at the kept starts)."""
    template = agent.templates[shift.template_id]
    if len(shift.breaks) != len(template.breaks):
        return False
    interval = agent.config.interval_minutes
    previous_end = None
    for rule, taken in zip(template.breaks, shift.breaks, strict=True):
        offset = taken.start_minute - shift.start_minute
        if not rule.earliest_after_start_minutes <= offset <= rule.latest_after_start_minutes or (
                offset - rule.earliest_after_start_minutes) % interval or taken.minutes != rule.minutes:
            return False
        if previous_end is not None and taken.start_minute < previous_end + template.min_break_gap_minutes:
            return False
        previous_end = taken.start_minute + rule.minutes
    pinned, kept = agent.config.pinned(agent.agent.agent_id, shift.date)
    return not pinned or kept is None or tuple(b.start_minute for b in shift.breaks) == kept.break_starts


class Breaks(LabourRule):
    name = "breaks"
    reads = Aspect.TIMES | Aspect.PAY | Aspect.BREAKS

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps(self, agent: AgentWeek, shifts: AgentShifts) -> bool:
        return all(s is None or keeps_shift(agent, s) for s in shifts)

    def keeps_change(self, agent: AgentWeek, shifts: AgentShifts, day: int) -> bool:
        shift = shifts[day]
        return shift is None or keeps_shift(agent, shift)


RULE = Breaks()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent_day in model.all_agent_days():
        for template_id, slots in agent_day.breaks.items():
            used = agent_day.uses_template(template_id)
            pairs = [
                (o.start_minute, v)
                for o, v in zip(agent_day.options, agent_day.shift_vars, strict=True)
                if o.template.template_id == template_id
            ]
            for slot in slots:
                model.cp.add(cp_model.LinearExpr.sum(list(slot.starts.values())) == used)
                rule = slot.rule
                for minute, var in slot.starts.items():
                    enabling = [
                        v for start, v in pairs
                        if rule.earliest_after_start_minutes <= minute - start <= rule.latest_after_start_minutes
                    ]
                    model.cp.add(var <= cp_model.LinearExpr.sum(enabling))
            gap = next(o.template for o in agent_day.options if o.template.template_id == template_id)
            for previous, current in zip(slots, slots[1:], strict=False):
                model.cp.add(
                    current.start_minute_expr() - previous.start_minute_expr()
                    >= (previous.rule.minutes + gap.min_break_gap_minutes) * used
                )
    return []
