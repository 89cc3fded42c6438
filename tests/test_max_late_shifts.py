"""The max-late-shifts rule (``contracts[].max_late_shifts_per_week``, ``late_shift_start``) on every face: the
CP-SAT model, the fast check, the local search, and an end-to-end plan the independent validator accepts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import Roster, ShiftAssignment, roster_csv
from scheduler.domain.shifts import shift_options
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import agent_week, keeps_week, max_late_shifts, one_shift_per_day
from scheduler.rostering.search.polish import _with_breaks, polish
from scheduler.rostering.solve import solve_roster
from scheduler.validation.validate import read_roster, validate_roster
from tests.test_rules import FRI, LOOSE, MON, THU, TUE, WED, WEEK, agent, feasible, hm, make_config, make_model, work

MON_I = 0  # day index of the week's Monday (``MON`` is its date)
LATE_ONCE = dataclasses.replace(LOOSE, max_late_shifts_per_week=1, late_shift_start_minute=hm("14:00"))


@pytest.mark.parametrize(("starts", "ok"), [
    ({MON_I: "14:00"}, True),
    ({MON_I: "14:00", TUE: "13:30", WED: "08:00"}, True),  # 13:30 is not late
    ({MON_I: "14:00", TUE: "15:30"}, False),
])
def test_model_allows_at_most_the_late_shifts(starts: dict[int, str], ok: bool) -> None:
    config = make_config((agent(),), (LATE_ONCE,))
    model = make_model(config)
    one_shift_per_day.build(model)
    max_late_shifts.build(model)
    work(model, "A1", starts)
    assert feasible(model) is ok
    shifts: list[ShiftAssignment | None] = [None] * 7
    for day, start in starts.items():
        shifts[day] = _shift(config, day, start)
    assert keeps_week(agent_week(config, WEEK, config.agents[0]), shifts, [max_late_shifts.RULE]) is ok


def test_no_limit_by_default() -> None:
    model = make_model(make_config((agent(),)))
    max_late_shifts.build(model)
    work(model, "A1", dict.fromkeys(range(7), "15:30"))
    assert feasible(model)


def _shift(config: PlanConfig, day: int, start: str) -> ShiftAssignment:
    template = config.templates[0]
    return ShiftAssignment("A1", WEEK.day(day), template.template_id, hm(start), template.length_minutes,
                           template.paid_minutes, ())


def _evening_requirements(config: PlanConfig) -> np.ndarray:
    req = np.zeros((len(config.queues), WEEK.slot_count), int)
    for day in (MON_I, TUE, WED, THU, FRI):
        req[0, WEEK.slot(day, hm("16:00")):WEEK.slot(day, hm("23:45")) + 1] = 1
    return req


def test_plan_keeps_the_rule_where_it_binds(tmp_path: Path) -> None:
    """Evening demand all week pulls every shift late; the rule lets one be; the validator finds nothing."""
    contract = dataclasses.replace(LATE_ONCE, min_weekly_minutes=5 * 480, max_days_per_week=5)
    config = make_config((agent(),), (contract,))
    result = solve_roster(Instance(config, WEEK, _evening_requirements(config)), time_limit_seconds=2, progress=None)
    late = [s for s in result.roster.shifts if s.start_minute >= hm("14:00")]
    assert len(result.roster.shifts) == 5 and len(late) == 1
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(result.roster), encoding="utf-8")
    assert validate_roster(config, read_roster(path), MON) == []
    unbound = make_config((agent(),), (dataclasses.replace(contract, max_late_shifts_per_week=None),))
    free = solve_roster(Instance(unbound, WEEK, _evening_requirements(unbound)), time_limit_seconds=2, progress=None)
    assert sum(s.start_minute >= hm("14:00") for s in free.roster.shifts) > 1  # the rule binds


def test_local_search_start_moves_keep_the_rule() -> None:
    """The bug this rule found: start moves slid shifts late without asking the agent's rules."""
    config = make_config((agent(),), (LATE_ONCE,))
    options = {o.start_minute: o for o in shift_options(config, config.agents[0], WEEK, MON_I)}
    shifts = tuple(_with_breaks("A1", WEEK.day(day), options[hm("08:00")])[0] for day in (MON_I, TUE, WED, THU, FRI))
    polished = polish(Instance(config, WEEK, _evening_requirements(config)), Roster(shifts), seed=0)
    assert len(polished.shifts) == 5
    assert sum(s.start_minute >= hm("14:00") for s in polished.shifts) == 1
