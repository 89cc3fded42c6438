"""Averaged hours over a rolling horizon look at how a week ends (``rostering.week_patterns``): a week whose
end leaves the next week unable to make up the average is refused by the fast check and by CP-SAT alike."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scheduler.domain.horizon import AgentCarry, CarryIn
from scheduler.domain.plan import Contract
from scheduler.domain.roster import ShiftAssignment
from scheduler.rostering.rules import average_hours, one_shift_per_day
from scheduler.rostering.rules.average_hours import RULE
from scheduler.rostering.rules.base import agent_week
from scheduler.rostering.rules.week_patterns import end_state
from tests.test_rules import WEEK, agent, hm, make_config, make_model, solve, work

# 32-40 h a week of 8-h days, at most 5 days in a row, every other weekend off, 36 h on average over two weeks
# (72 h exactly): after a week worked Thursday to Sunday (32 h), the next week has its weekend off and must
# start with a day off, so it pays at most 4 days (32 h), not the 40 h the average needs.
FULL = replace(Contract("full", 32 * 60, 40 * 60, 5, 0, 5, 20.0, ("day",)), max_consecutive_weekends=1,
               average_weekly_minutes=36 * 60)


def _config(carry: AgentCarry | None = None):
    config = replace(make_config(agents=(agent(contract="full"),), contracts=(FULL,)), weeks=2)
    return config if carry is None else replace(config, carry_in=CarryIn(2, 2, {"A1": carry}))


def _shifts(days: tuple[int, ...]) -> list[ShiftAssignment | None]:
    return [ShiftAssignment("A1", WEEK.day(d), "day", hm("08:00"), 510, 480, ()) if d in days else None
            for d in range(7)]


CASES = [
    ((0, 1, 2, 3, 4), True),  # Monday to Friday, 40 h: next week 4 days
    ((0, 1, 2, 3), True),  # Monday to Thursday, 32 h: next week Monday to Friday
    ((2, 3, 4, 5, 6), True),  # Wednesday to Sunday, 40 h: next week Tuesday to Friday, 32 h
    ((3, 4, 5, 6), False),  # Thursday to Sunday, 32 h: next week cannot pay 40 h
    ((0, 1, 2, 5), True),  # Saturday worked, Sunday off: next week Monday to Friday
]


@pytest.mark.parametrize(("days", "kept"), CASES)
def test_fast_check_refuses_a_week_the_next_cannot_complete(days: tuple[int, ...], kept: bool) -> None:
    config = _config()
    facts = agent_week(config, WEEK, config.agents[0])
    shifts = _shifts(days)
    assert sum(s.paid_minutes for s in shifts if s is not None) in average_hours.allowed_totals(facts)  # totals pass
    assert RULE.keeps(facts, shifts) is kept


@pytest.mark.parametrize(("days", "kept"), CASES)
def test_cp_sat_agrees_with_the_fast_check(days: tuple[int, ...], kept: bool) -> None:
    model = make_model(_config())
    one_shift_per_day.build(model)
    average_hours.build(model)
    work(model, "A1", {d: "08:00" for d in days})
    status, _solver = solve(model)
    assert (status == "FEASIBLE") is kept


def test_the_last_week_of_the_horizon_adds_no_pattern_check() -> None:
    config = _config(AgentCarry(paid_minutes=40 * 60))  # week 2 of 2: only its total matters
    facts = agent_week(config, WEEK, config.agents[0])
    assert average_hours.pattern_reach(facts) is None
    assert RULE.keeps(facts, _shifts((3, 4, 5, 6)))  # 32 h: 72 h in all


def test_end_state_counts_the_run_weekend_and_weekends() -> None:
    config = _config()
    facts = agent_week(config, WEEK, config.agents[0])
    assert end_state(facts, [d in (3, 4, 5, 6) for d in range(7)]) == (4, 1, 1, 0, True)
    assert end_state(facts, [d in (0, 1, 2, 3) for d in range(7)]) == (0, 0, 0, 1, False)  # 3 off, capped
