"""Hard: weekends over the horizon — ``max_weekends_in_horizon`` and ``max_consecutive_weekends``.

A weekend is worked when its Saturday or Sunday is. ``max_consecutive_weekends: 1`` is every other weekend
off; the run counts the weekends before the week (``PlanConfig.carry_in``; the previous roster's included).
The horizon is rostered a week at a time, so ``max_weekends_in_horizon`` ``K`` over ``N`` weeks is paced:
week ``k`` may add a worked weekend only while the horizon's earlier weeks worked fewer than
``min(K, ceil(K * k / N))``, which keeps every later week free to staff its weekend. Without either key the
rule adds nothing; no aggregate rows (see ``carry_rest``).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

from scheduler.domain.horizon import NO_CARRY
from scheduler.domain.plan import Contract
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import AgentWeek, Aspect, LabourRule, agent_week


def weekend_allowed(agent: AgentWeek) -> bool:
    """Whether the agent may work this week's weekend at all."""
    carry = agent.config.carry_in
    state = NO_CARRY if carry is None else carry.of(agent.agent.agent_id)
    week_number, weeks = (1, agent.config.weeks) if carry is None else (carry.week_number, carry.weeks)
    return weekend_allowed_after(agent.contract, week_number, weeks, state.weekend_run, state.weekends_worked)


def weekend_allowed_after(contract: Contract, week_number: int, weeks: int, weekend_run: int,
                          weekends_worked: int) -> bool:
    """Whether week ``week_number`` of ``weeks`` may have its weekend worked after a run of ``weekend_run``
    weekends worked and ``weekends_worked`` in the horizon's earlier weeks (also asked for later weeks by
    ``week_patterns``)."""
    if contract.max_consecutive_weekends is not None and weekend_run >= contract.max_consecutive_weekends:
        return False
    limit = contract.max_weekends_in_horizon
    return limit is None or weekends_worked < min(limit, math.ceil(limit * week_number / weeks))


class HorizonWeekends(LabourRule):
    name = "weekends_in_horizon"
    reads = Aspect.DAYS

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps_days(self, agent: AgentWeek, worked: Sequence[bool]) -> bool:
        return weekend_allowed(agent) or not any(worked[d] for d in agent.weekend)

    def restricts_days(self, agent: AgentWeek) -> bool:
        return not weekend_allowed(agent) and bool(agent.weekend)

    def signature(self, agent: AgentWeek) -> Hashable:
        return weekend_allowed(agent)

    def describe(self, agent: AgentWeek) -> str:
        contract = agent.contract  # the keys the contract sets (a message said "max_weekends_in_horizon None")
        return ", ".join(f"{key} {value}" for key, value in (
            ("max_weekends_in_horizon", contract.max_weekends_in_horizon),
            ("max_consecutive_weekends", contract.max_consecutive_weekends)) if value is not None)


RULE = HorizonWeekends()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        facts = agent_week(model.config, model.week, agent)
        if RULE.restricts_days(facts):
            days = model.days_of(agent)
            for d in facts.weekend:
                model.cp.add(days[d].works() == 0)
    return []
