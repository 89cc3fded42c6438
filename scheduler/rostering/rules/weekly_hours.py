"""Hard: paid hours in the week lie between the contract's minimum and maximum.

Each approved day of time off in the week takes ``min_weekly_minutes / max_days_per_week`` (rounded down) off
the minimum; with ``time_off_counts_as: worked_day`` (the default) it also takes
``max_weekly_minutes / max_days_per_week`` off the maximum, so leave is paid time of the week. Only leave on a day
the agent could have worked counts (``base.leave_counts_on``): Sunday leave of a Monday-to-Friday agent changes
neither.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.domain.plan import Contract
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import DAYS, AgentShifts, AgentWeek, Aspect, ClassRows, LabourRule, agent_week


def paid_range(agent: AgentWeek) -> tuple[int, int]:
    """The least and most paid minutes the agent's shifts must add up to this week."""
    return contract_paid_range(agent.contract, agent.leave_days)


def minimum_key(agent: AgentWeek) -> str:
    """The contract key behind the agent's weekly minimum, as the planner wrote it (``min_weekly_hours 36``)."""
    return f"min_weekly_hours {agent.contract.min_weekly_minutes / 60:g}"


def contract_paid_range(contract: Contract, days_off: int) -> tuple[int, int]:
    """The least and most paid minutes of a week of the contract with ``days_off`` days of approved leave."""
    per_day = contract.max_days_per_week
    least_credit = contract.min_weekly_minutes // per_day if per_day else 0
    least = max(0, contract.min_weekly_minutes - days_off * least_credit)
    if contract.time_off_counts_as != "worked_day":
        return least, contract.max_weekly_minutes
    most_credit = contract.max_weekly_minutes // per_day if per_day else 0
    return least, max(least, contract.max_weekly_minutes - days_off * most_credit)


def minimum_minutes(model: RosterModel, agent_id: str) -> int:
    agent = next(a for a in model.config.agents if a.agent_id == agent_id)
    return paid_range(agent_week(model.config, model.week, agent))[0]


class WeeklyHours(LabourRule):
    name = "weekly_hours"
    reads = Aspect.DAYS | Aspect.PAY

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps(self, agent: AgentWeek, shifts: AgentShifts) -> bool:
        least, most = paid_range(agent)
        return least <= sum(s.paid_minutes for s in shifts if s is not None) <= most

    def aggregate(self, agent: AgentWeek, rows: ClassRows) -> None:
        if rows.summed:
            least, most = paid_range(agent)
            rows.bounded(rows.size * least, rows.size * most,
                         [(var, float(o.paid_minutes)) for d in range(DAYS) for o, var in rows.shifts(d)])

    def describe(self, agent: AgentWeek) -> str:
        least, most = paid_range(agent)
        return f"weekly hours {least / 60:.1f}-{most / 60:.1f}"


RULE = WeeklyHours()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        least, most = paid_range(agent_week(model.config, model.week, agent))
        paid = cp_model.LinearExpr.sum([d.paid_minutes() for d in model.days_of(agent)])
        model.cp.add(paid >= least)
        model.cp.add(paid <= most)
    return []
