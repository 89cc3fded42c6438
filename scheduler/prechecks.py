"""Fast explanations of rules that cannot all hold, before any solver runs.

Each check names the agent and the rules in conflict, e.g. ``agent A017: contract full_time needs 36.0 h
but availability, time off and shift templates allow at most 30.0 h``.
"""

from __future__ import annotations

from scheduler.domain import PlanConfig
from scheduler.shifts import shift_options
from scheduler.week import Week


def explain_conflicts(config: PlanConfig, week: Week) -> list[str]:
    """Every conflict found, one line each; empty when none is evident."""
    problems = []
    for agent in config.agents:
        contract = config.contract(agent.contract_id)
        days_off = sum(1 for day in week.days() if day in agent.time_off)
        needed = max(0, contract.min_weekly_minutes - days_off * contract.time_off_credit_minutes())
        if needed == 0:
            continue
        per_day = sorted(
            (max((o.paid_minutes for o in shift_options(config, agent, week, d)), default=0) for d in range(7)),
            reverse=True,
        )
        best = sum(per_day[: contract.max_days_per_week])
        if best < needed:
            problems.append(
                f"agent {agent.agent_id}: contract {contract.contract_id} needs {needed / 60:.1f} h but availability, "
                f"time off, max {contract.max_days_per_week} days and shift templates "
                f"({', '.join(contract.template_ids)}) allow at most {best / 60:.1f} h"
            )
            continue
        smallest = min((o.paid_minutes for d in range(7) for o in shift_options(config, agent, week, d)), default=0)
        if smallest > contract.max_weekly_minutes:
            problems.append(
                f"agent {agent.agent_id}: contract {contract.contract_id} allows "
                f"{contract.max_weekly_minutes / 60:.1f} h a week but its shortest shift pays {smallest / 60:.1f} h"
            )
    return problems
