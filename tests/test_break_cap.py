"""Hard rule: a centre-wide cap on agents on break or lunch in one interval — model, validator, solver."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from scheduler.demo.example import generate_example
from scheduler.domain.roster import roster_csv
from scheduler.errors import InputError
from scheduler.io.config import load_config
from scheduler.rostering.coverage import on_break_counts
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import break_cap, breaks, one_shift_per_day
from scheduler.rostering.solve import solve_roster
from scheduler.validation.validate import read_roster, validate_roster
from tests.test_rules import WEEK, agent, make_config, make_model, solve, take_break, work


def _two_agents(cap: int | None):
    return replace(make_config(agents=(agent("A1"), agent("A2"))), max_agents_on_break=cap)


@pytest.mark.parametrize(("cap", "same_time", "feasible"), [(1, True, False), (1, False, True), (2, True, True),
                                                           (None, True, True)])
def test_model_caps_breaks_taken_together(cap, same_time, feasible) -> None:
    model = make_model(_two_agents(cap))
    for rule in (one_shift_per_day.build, breaks.build, break_cap.build):
        rule(model)
    work(model, "A1", {0: "08:00"})
    work(model, "A2", {0: "08:00"})
    take_break(model, "A1", 0, 0, "09:30")
    take_break(model, "A2", 0, 0, "09:30" if same_time else "10:00")
    take_break(model, "A1", 0, 1, "12:00")
    take_break(model, "A2", 0, 1, "12:30")
    assert (solve(model)[0] == "FEASIBLE") is feasible


def test_fixed_breaks_of_other_agents_count() -> None:
    config = _two_agents(1)
    fixed = np.zeros(WEEK.slot_count, np.int64)
    fixed[WEEK.slot(0, 9 * 60 + 30)] = 1  # someone outside the model is on break at Mon 09:30
    from scheduler.rostering.model import RosterModel
    model = RosterModel(Instance(config, WEEK, np.zeros((1, WEEK.slot_count), int)), agents=[config.agents[0]],
                        fixed_on_break=fixed)
    for rule in (one_shift_per_day.build, breaks.build, break_cap.build):
        rule(model)
    work(model, "A1", {0: "08:00"})
    take_break(model, "A1", 0, 0, "09:30")
    assert solve(model)[0] == "INFEASIBLE"


def test_validator_reports_the_interval_over_the_cap(tmp_path: Path) -> None:
    config = _two_agents(1)
    path = tmp_path / "roster.csv"
    rows = ["agent_id,date,activity,start,end"]
    for agent_id in ("A1", "A2"):
        rows += [f"{agent_id},2026-03-30,shift,2026-03-30T08:00:00,2026-03-30T16:30:00",
                 f"{agent_id},2026-03-30,break,2026-03-30T09:30:00,2026-03-30T09:45:00",
                 f"{agent_id},2026-03-30,lunch,2026-03-30T12:00:00,2026-03-30T12:30:00"]
    path.write_text("\n".join(rows) + "\n")
    found = [v for v in validate_roster(config, read_roster(path), WEEK.start) if v.rule == "break_cap"]
    assert len(found) == 3  # 09:30 (break) and 12:00, 12:15 (lunch), two agents each
    assert found[0].detail == "2 agents on break at 09:30 > cap 1"


def test_config_key_and_error(tmp_path: Path) -> None:
    plan = generate_example(tmp_path / "c", agents=10, weeks=3)
    text = plan.read_text()
    plan.write_text(text.replace("  interval_minutes: 15", "  interval_minutes: 15\n  max_agents_on_break: 3", 1))
    assert load_config(plan).max_agents_on_break == 3
    plan.write_text(text.replace("  interval_minutes: 15", "  interval_minutes: 15\n  max_agents_on_break: 0", 1))
    with pytest.raises(InputError, match=r"centre.max_agents_on_break must be >= 1, got 0"):
        load_config(plan)


def test_solved_roster_respects_a_tight_cap(tmp_path: Path) -> None:
    plan = generate_example(tmp_path / "c", agents=14, weeks=3, seed=2)
    from forecasting.history import load_history
    from forecasting.queueing.staffing import requirements
    from scheduler.app.pipeline import forecast_week, planned_week, queue_targets, requirement_array
    config = replace(load_config(plan), max_agents_on_break=2)
    history = load_history(config.history_path)
    week = planned_week(config, history)
    required = requirement_array(config, week, requirements(forecast_week(config, history, week),
                                                            queue_targets(config)))
    result = solve_roster(Instance(config, week, required), time_limit_seconds=5, progress=None)
    assert int(on_break_counts(week, result.roster).max()) <= 2
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(result.roster))
    assert validate_roster(config, read_roster(path), week.start) == []
