"""Infeasibility explained: the minimal set of hard rules that admits no week for an agent."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from scheduler.diagnose import explain
from scheduler.diagnose.explain import conflicting_rules, explain_agent
from scheduler.domain.plan import Contract
from scheduler.errors import InfeasibleError
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import RULES
from scheduler.rostering.search.sequential import sequential_roster
from scheduler.rostering.solve import solve_roster
from scheduler.rostering.stopping import Stop
from tests.test_rules import DAY, WEEK, agent, hm, make_config

# Seven 8-hour days are needed, but the only shift ends at 24:00 and starts at 15:30: 15.5 h of rest.
LATE_ONLY = replace(DAY, earliest_start_minute=hm("15:30"), latest_start_minute=hm("15:30"))
EVERY_DAY = Contract("every_day", 7 * 480, 7 * 480, 7, 16 * 60, 7, 20.0, ("day",))


def _config(contract: Contract):
    return make_config(agents=(agent(contract=contract.contract_id),), contracts=(contract,), templates=(LATE_ONLY,))


def test_rest_and_hours_named_as_the_conflict() -> None:
    config = _config(EVERY_DAY)
    assert conflicting_rules(config, WEEK, config.agents[0]) == ["weekly_hours", "min_rest"]
    message = explain_agent(config, WEEK, config.agents[0])
    assert message.startswith("agent A1: contract every_day rules weekly_hours, min_rest cannot all hold")


def test_feasible_agent_has_no_conflict() -> None:
    config = _config(replace(EVERY_DAY, min_rest_minutes=15 * 60))
    assert conflicting_rules(config, WEEK, config.agents[0]) is None


def test_solver_raises_the_explanation() -> None:
    config = _config(EVERY_DAY)
    with pytest.raises(InfeasibleError, match="agent A1: .*weekly_hours, min_rest"):
        solve_roster(Instance(config, WEEK, np.zeros((1, WEEK.slot_count), int)), time_limit_seconds=2, progress=None)


def test_the_rules_in_conflict_are_named_after_the_wall_clock_cap_too() -> None:
    # a run cut by its cap used to name every hard rule (19 of them): the checks now keep their own time
    config = _config(EVERY_DAY)
    stop = Stop(wall_seconds=0.0).start()
    assert stop.stopped()
    assert conflicting_rules(config, WEEK, config.agents[0], stop) == ["weekly_hours", "min_rest"]
    interrupted = Stop().start()
    interrupted.interrupt()
    assert len(conflicting_rules(config, WEEK, config.agents[0], interrupted) or []) > 2  # Ctrl-C: no narrowing


def test_the_build_narrows_the_rules_once_and_an_interrupt_stops_the_narrowing(monkeypatch) -> None:
    """An agent with no week in the agent-by-agent build: one check says so, then one pass drops each hard rule
    in turn (the build ran the whole narrowing twice, the first time deaf to an interrupt: up to twice
    ``EXPLAIN_SECONDS`` past the wall-clock cap, and past a Ctrl-C)."""
    checked: list[list[str]] = []
    real = explain._feasible

    def counted(*args, **kwargs):
        checked.append(args[3])
        return real(*args, **kwargs)

    monkeypatch.setattr(explain, "_feasible", counted)
    config = _config(EVERY_DAY)
    instance = Instance(config, WEEK, np.zeros((1, WEEK.slot_count), int))
    with pytest.raises(InfeasibleError, match="rules weekly_hours, min_rest cannot all hold"):
        sequential_roster(instance, config.agents, improve_passes=0)
    assert len(checked) == 1 + len([name for name, _ in RULES if name not in explain.SOFT_RULES])
    checked.clear()
    interrupted = Stop().start()
    interrupted.interrupt()
    with pytest.raises(InfeasibleError, match="agent A1"):
        sequential_roster(instance, config.agents, improve_passes=0, stop=interrupted)
    assert len(checked) == 1  # the agent has no week; the narrowing stops at the interrupt
