"""Why an agent has no feasible week: the smallest set of hard rules that cannot hold together.

Every hard rule is a rule about one agent's own week, so infeasibility is always some agent's. For that
agent, a deletion filter over the hard rules (``scheduler.rostering.rules.RULES`` less the soft ones) finds a minimal
conflicting set: drop each rule in turn and keep it out while the rest stay infeasible. What is left cannot be
made to hold together; removing any one of them lets the week exist. Candidate shifts already respect the
agent's availability, time off, contract templates and their weekdays, so those always take part.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from scheduler.domain.plan import Agent, PlanConfig
from scheduler.domain.week import Week
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import RosterModel
from scheduler.rostering.rules import RULES
from scheduler.rostering.stopping import INTERRUPT, NO_STOP, Stop, new_solver

SOFT_RULES = ("coverage", "paid_hours", "preferences", "start_changes", "replan_changes", "replan_breaks", "fairness",
              "weekly_service_level")
SECONDS_PER_CHECK = 5.0
# The explanation's own wall time, past the solve's wall-clock cap too (the checks of one agent's week take a few
# tenths of a second in all): a run cut by the cap still names the rules in conflict, not every hard rule.
EXPLAIN_SECONDS = 10.0


def _feasible(config: PlanConfig, week: Week, agent: Agent, rules: list[str], stop: Stop,
              seconds: float = SECONDS_PER_CHECK) -> bool | None:
    """Whether the agent has a week keeping ``rules``; ``None`` when the check ran out of its ``seconds`` (or an
    interrupt came)."""
    no_cover = Instance(config, week, np.zeros((len(config.queues), week.slot_count), dtype=np.int64))
    model = RosterModel(no_cover, agents=[agent])
    for name, rule in RULES:
        if name in rules:
            rule(model)
    solver = new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(0.01, min(SECONDS_PER_CHECK, seconds))
    status = stop.solve(solver, model.cp, wall_capped=False)
    if status == cp_model.INFEASIBLE:
        return False
    return True if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def hard_rules() -> list[str]:
    """The names of the hard rules, in the registry's order."""
    return [name for name, _ in RULES if name not in SOFT_RULES]


def has_own_week(config: PlanConfig, week: Week, agent: Agent) -> bool:
    """Whether the agent has a week keeping every hard rule of their own (one check of ``SECONDS_PER_CHECK`` at
    most, not stopped by an interrupt: the answer decides whether the build's order or the agent is at fault)."""
    return _feasible(config, week, agent, hard_rules(), NO_STOP) is True


def conflicting_rules(config: PlanConfig, week: Week, agent: Agent, stop: Stop = NO_STOP, *,
                      known_infeasible: bool = False) -> list[str] | None:
    """A minimal set of hard rules that together admit no week for the agent; None if the agent is fine
    (``known_infeasible``: the caller has found that they are not, ``has_own_week``, and the first check is
    skipped). The checks keep their own time (``EXPLAIN_SECONDS``), whether or not ``stop``'s wall-clock cap has
    passed; when that runs out, an interrupt comes, or a check runs out of time, the rule stays in: the set still
    cannot hold together, though it may not be minimal."""
    deadline = time.monotonic() + EXPLAIN_SECONDS
    rules = hard_rules()
    if not known_infeasible and _feasible(config, week, agent, rules, stop) is True:
        return None
    for name in list(rules):
        left = deadline - time.monotonic()
        if stop.reason == INTERRUPT or left <= 0:
            break
        trial = [r for r in rules if r != name]
        if _feasible(config, week, agent, trial, stop, left) is False:
            rules = trial
    return rules


def explain_agent(config: PlanConfig, week: Week, agent: Agent, stop: Stop = NO_STOP, *,
                  known_infeasible: bool = False) -> str:
    """One line naming the agent, the contract and the rules in conflict (``known_infeasible`` as in
    ``conflicting_rules``)."""
    contract = config.contract(agent.contract_id)
    rules = conflicting_rules(config, week, agent, stop, known_infeasible=known_infeasible)
    context = "availability, time off and shift templates"
    if rules is None:
        return (f"agent {agent.agent_id}: no week was found in the time allowed, though the hard rules admit one; "
                "raise solver.time_limit_seconds")
    if not rules:
        return f"agent {agent.agent_id}: no shift fits {context} (contract {contract.contract_id})"
    return (f"agent {agent.agent_id}: contract {contract.contract_id} rules {', '.join(rules)} cannot all hold "
            f"with the agent's {context}")
