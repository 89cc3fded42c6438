"""The start rounded from the aggregate LP: whole-number rounding, every kept week valid, rest repaired."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment, roster_csv
from scheduler.rostering.instance import Instance
from scheduler.rostering.search.lower_bound import solve_aggregate
from scheduler.rostering.search.lp_start import keeps_own_rules, lp_weeks, round_to_total
from scheduler.validation.validate import read_roster, validate_roster
from tests.test_rules import DAY, LOOSE, MON, TUE, WEEK, agent, hm, make_config


@given(st.lists(st.floats(0, 50), min_size=1, max_size=12), st.integers(0, 40))
def test_round_to_total_sums_and_stays_within_one_of_the_share(weights: list[float], total: int) -> None:
    counts = round_to_total(weights, total)
    assert sum(counts) == total
    assert all(c >= 0 for c in counts)
    if sum(weights) > 1e-9:
        shares = [w * total / sum(weights) for w in weights]
        assert all(abs(c - s) < 1 + 1e-6 for c, s in zip(counts, shares, strict=True))


def test_round_to_total_is_deterministic_on_ties() -> None:
    assert round_to_total([1.0, 1.0, 1.0], 2) == [1, 1, 0]
    assert round_to_total([0.0, 0.0], 3) == [2, 1]


def _centre(agents: int = 6):
    contract = dataclasses.replace(LOOSE, contract_id="ft", min_weekly_minutes=32 * 60, max_weekly_minutes=40 * 60,
                                   max_days_per_week=5, min_rest_minutes=11 * 60, max_consecutive_days=5)
    people = tuple(agent(f"A{i}", contract="ft", skills=(("sales",), ("sales", "chat"))[i % 2])
                   for i in range(agents))
    config = make_config(people, (contract,), (DAY,), ("sales", "chat"))
    rng = np.random.default_rng(3)
    req = np.zeros((2, WEEK.slot_count), int)
    for day in range(7):
        first = WEEK.slot(day, hm("08:00"))
        req[0, first:first + 40] = rng.integers(1, 4, 40)
        req[1, first + 8:first + 32] = rng.integers(0, 2, 24)
    return config, req


def test_rounded_weeks_pass_the_independent_validator(tmp_path: Path) -> None:
    config, req = _centre()
    solution = solve_aggregate(Instance(config, WEEK, req))
    assert solution is not None
    weeks = lp_weeks(Instance(config, WEEK, req), solution)
    assert len(weeks) == len(config.agents)  # on this centre every rounded week keeps its rules
    shifts = tuple(s for w in weeks.values() for s in w)
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(Roster(tuple(sorted(shifts, key=lambda s: (s.agent_id, s.date))))), encoding="utf-8")
    violations = validate_roster(config, read_roster(path), MON)
    assert [v for v in violations if v.agent_id in weeks] == []


def _day_shift(agent_id: str, day: int, start: str) -> ShiftAssignment:
    begin = hm(start)
    return ShiftAssignment(agent_id, WEEK.day(day), "day", begin, DAY.length_minutes, 480,
                           (BreakAssignment("break", begin + 60, 15), BreakAssignment("lunch", begin + 180, 30)))


@pytest.mark.parametrize(("monday", "tuesday", "kept"), [("15:30", "06:00", False), ("08:00", "08:00", True)])
def test_week_check_catches_too_little_rest(monday: str, tuesday: str, kept: bool) -> None:
    config, req = _centre(1)
    week = (_day_shift("A0", 0, monday), _day_shift("A0", TUE, tuesday), _day_shift("A0", 2, "08:00"),
            _day_shift("A0", 3, "08:00"))
    assert keeps_own_rules(Instance(config, WEEK, req), "A0", week) is kept
