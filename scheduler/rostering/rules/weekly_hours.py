"""Hard: paid hours in the week lie between the contract's minimum and maximum.

Each approved day of time off in the week counts ``Contract.time_off_credit_minutes`` towards the minimum.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel


def minimum_minutes(model: RosterModel, agent_id: str) -> int:
    agent = next(a for a in model.config.agents if a.agent_id == agent_id)
    contract = model.config.contract(agent.contract_id)
    days_off = sum(1 for day in model.week.days() if day in agent.time_off)
    return max(0, contract.min_weekly_minutes - days_off * contract.time_off_credit_minutes())


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        contract = model.config.contract(agent.contract_id)
        paid = cp_model.LinearExpr.sum([d.paid_minutes() for d in model.days_of(agent)])
        model.cp.add(paid >= minimum_minutes(model, agent.agent_id))
        model.cp.add(paid <= contract.max_weekly_minutes)
    return []
