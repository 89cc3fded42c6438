"""Approved leave as planners expect (``contracts[].time_off_counts_as``): with ``worked_day`` a day of leave
counts as a working day and takes its share off the weekly minimum and maximum; ``credit_minimum`` keeps the
older count. The model, the pre-checks and the independent validator agree."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from scheduler.diagnose.prechecks import explain_conflicts
from scheduler.domain.plan import Contract, PlanConfig, Preference
from scheduler.domain.roster import roster_csv
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import agent_week
from scheduler.rostering.rules.weekly_hours import paid_range
from scheduler.rostering.solve import solve_roster
from scheduler.validation.validate import read_roster, validate_roster
from tests.test_rules import LOOSE, MON, SUN, WEEK, agent, hm, make_config

# 36-40 h over at most 5 days of 8 paid hours, at most 5 days in a row
FULL = dataclasses.replace(LOOSE, min_weekly_minutes=36 * 60, max_weekly_minutes=40 * 60, max_days_per_week=5,
                           max_consecutive_days=5)


def _busy_week(config: PlanConfig) -> np.ndarray:
    """Two agents wanted 08:00-20:00 every day: cover always pays for another shift."""
    req = np.zeros((len(config.queues), WEEK.slot_count), int)
    for day in range(7):
        req[0, WEEK.slot(day, hm("08:00")):WEEK.slot(day, hm("20:00"))] = 2
    return req


def _plan(config: PlanConfig, tmp_path: Path) -> list:
    result = solve_roster(Instance(config, WEEK, _busy_week(config)), time_limit_seconds=2, progress=None)
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(result.roster), encoding="utf-8")
    assert validate_roster(config, read_roster(path), MON) == []
    return list(result.roster.shifts)


def _with(contract: Contract, counts_as: str) -> Contract:
    return dataclasses.replace(contract, time_off_counts_as=counts_as)


def test_pro_rata_weekly_range() -> None:
    off = frozenset(MON + timedelta(days=d) for d in range(3))
    for counts_as, expected in (("worked_day", (36 * 60 - 3 * 432, 40 * 60 - 3 * 480)),
                                ("credit_minimum", (36 * 60 - 3 * 432, 40 * 60))):
        config = make_config((agent(time_off=off),), (_with(FULL, counts_as),))
        assert paid_range(agent_week(config, WEEK, config.agents[0])) == expected


@pytest.mark.parametrize(("counts_as", "most_shifts"), [("worked_day", 2), ("credit_minimum", 4)])
def test_full_timer_with_three_days_of_leave(counts_as: str, most_shifts: int, tmp_path: Path) -> None:
    """The issue's case: three days of leave leave two working days, not four."""
    off = frozenset(MON + timedelta(days=d) for d in range(3))
    config = make_config((agent(time_off=off),), (_with(FULL, counts_as),))
    assert explain_conflicts(config, WEEK) == []
    assert len(_plan(config, tmp_path)) == most_shifts


@pytest.mark.parametrize("counts_as", ["worked_day", "credit_minimum"])
def test_sick_midweek_is_not_made_up_at_the_weekend(counts_as: str, tmp_path: Path) -> None:
    """The issue's case: off sick Wednesday and Thursday, rather off on Sunday. Counted as worked days, the
    leave leaves three days and 24 h to work, so the weekend is not needed to make up hours; counted as credit
    only, the cover pulls the agent into both weekend days against the request."""
    off = frozenset({MON + timedelta(days=2), MON + timedelta(days=3)})
    sick = dataclasses.replace(agent(time_off=off), preferences=(Preference("off", SUN, None, None, 1),))
    config = make_config((sick,), (_with(FULL, counts_as),))
    days = {s.date.weekday() for s in _plan(config, tmp_path)}
    both_weekend_days = {5, 6} <= days
    assert both_weekend_days is (counts_as == "credit_minimum")
    if counts_as == "worked_day":
        assert len(days) == 3


@pytest.mark.parametrize("leave_days", [6, 7])
def test_more_leave_than_working_days_is_a_week_off_not_a_violation(leave_days: int, tmp_path: Path) -> None:
    """A planner gives a 5-day full-timer a whole week of leave (or six days): the agent works nothing, and the
    independent validator accepts that week as the solver does (it once counted 7 working days > 5 and a maximum
    of -16 h, so the plan was rejected with exit 1)."""
    off = frozenset(MON + timedelta(days=d) for d in range(leave_days))
    config = make_config((agent(time_off=off),), (FULL,))
    assert explain_conflicts(config, WEEK) == []
    assert _plan(config, tmp_path) == []  # (``_plan`` validates the roster)
