"""Infeasibility explained: the minimal set of hard rules that admits no week for an agent."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from scheduler.diagnose.explain import conflicting_rules, explain_agent
from scheduler.domain.plan import Contract
from scheduler.errors import InfeasibleError
from scheduler.rostering.instance import Instance
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
