"""Pre-checks: one-line explanations, naming the agent and the rules, of contracts an agent cannot keep, found
before any solver runs; and no explanation when a roster exists (checked against the CP-SAT model)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from ortools.sat.python import cp_model

from scheduler.diagnose.prechecks import explain_conflicts
from scheduler.domain.plan import Agent, Contract, OpeningHours, PlanConfig, Queue, ShiftTemplate, TimeWindow
from scheduler.domain.week import Week
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import RosterModel
from scheduler.rostering.rules import RULES

MON = date(2026, 3, 30)
WEEK = Week(MON, 60)
ANY_TIME = (TimeWindow(0, 24 * 60),) * 7
HOUR = 60

# 8 h paid, starts 08:00-12:00 every hour, any weekday; 4 h paid, starts 08:00-18:00
DAY = ShiftTemplate("day", 8 * HOUR, 8 * HOUR, 12 * HOUR, 60, tuple(range(7)), (), 0)
HALF = ShiftTemplate("half", 4 * HOUR, 8 * HOUR, 18 * HOUR, 60, tuple(range(7)), (), 0)
LOOSE = Contract("c", 0, 168 * HOUR, 7, 0, 7, 20.0, ("day",))


def contract(**changes: object) -> Contract:
    return dataclasses.replace(LOOSE, **changes)


def agent(agent_id: str = "A1", *, availability: tuple[TimeWindow | None, ...] = ANY_TIME,
          time_off: frozenset[date] = frozenset()) -> Agent:
    return Agent(agent_id, "c", ("sales",), availability, time_off)


def make_config(the_contract: Contract, agents: tuple[Agent, ...] = (),
                templates: tuple[ShiftTemplate, ...] = (DAY, HALF)) -> PlanConfig:
    hours = OpeningHours((TimeWindow(0, 24 * 60),) * 7)
    return PlanConfig(
        source=Path("plan.yaml"), name="prechecks", timezone="UTC", interval_minutes=60, opening_hours=hours,
        history_path=Path("history.csv"), agents_path=Path("agents.csv"), holidays=(), history_weeks=8,
        week_start=MON, queues=(Queue("sales", "voice", 0.8, 20.0, 300.0, None, 1, hours),), shrinkage=0.0,
        templates=templates, contracts=(the_contract,), agents=agents or (agent(),),
    )


def conflicts(the_contract: Contract, agents: tuple[Agent, ...] = (),
              templates: tuple[ShiftTemplate, ...] = (DAY, HALF)) -> list[str]:
    return explain_conflicts(make_config(the_contract, agents, templates), WEEK)


def test_loose_contract_has_no_conflict() -> None:
    assert conflicts(LOOSE) == []
    assert conflicts(contract(min_weekly_minutes=40 * HOUR, max_days_per_week=5, min_days_per_week=5)) == []


def test_hours_above_what_availability_and_max_days_allow() -> None:
    assert conflicts(contract(min_weekly_minutes=40 * HOUR, max_days_per_week=4)) == [
        "agent A1: contract c needs 40.0 h but availability, time off, max 4 days and shift templates (day) allow "
        "at most 32.0 h"]


def test_min_days_above_max_days() -> None:
    assert conflicts(contract(min_days_per_week=5, max_days_per_week=4)) == [
        "agent A1: contract c needs 5 working days (min_days_per_week) but max_days_per_week is 4"]


@pytest.mark.parametrize(("who", "templates", "min_days", "left"), [
    (agent(availability=ANY_TIME[:4] + (None,) * 3), (DAY,), 5, "4 (mon, tue, wed, thu)"),
    (agent(time_off=frozenset({MON, MON + timedelta(days=6)})), (DAY,), 6, "5 (tue, wed, thu, fri, sat)"),
    (agent(), (dataclasses.replace(DAY, weekdays=(0, 2, 4, 5, 6)),), 6, "5 (mon, wed, fri, sat, sun)"),
    # the only Friday window is too short for an 8-hour shift
    (agent(availability=ANY_TIME[:4] + (TimeWindow(8 * HOUR, 15 * HOUR),) + ANY_TIME[5:]), (DAY,), 7,
     "6 (mon, tue, wed, thu, sat, sun)"),
], ids=["availability", "time-off", "template-weekdays", "short-window"])
def test_min_days_above_the_days_the_agent_can_work(who: Agent, templates: tuple[ShiftTemplate, ...],
                                                    min_days: int, left: str) -> None:
    # leave earning no working day (today's count: a worked_day leave lowers the days needed instead)
    the_contract = contract(min_days_per_week=min_days, template_ids=tuple(t.template_id for t in templates),
                            time_off_counts_as="credit_minimum")
    assert conflicts(the_contract, (who,), templates) == [
        f"agent A1: contract c needs {min_days} working days (min_days_per_week) but availability, time off and "
        f"shift template weekdays leave {left}"]
    assert conflicts(dataclasses.replace(the_contract, min_days_per_week=min_days - 1), (who,), templates) == []


def test_contract_shift_window_limits_the_days() -> None:
    # Friday's availability ends 18:00; the contract's earliest start 11:00 leaves no 8-hour shift there
    who = agent(availability=ANY_TIME[:4] + (TimeWindow(0, 18 * HOUR),) + ANY_TIME[5:])
    the_contract = contract(min_days_per_week=7, earliest_start_minute=11 * HOUR, template_ids=("day",))
    assert conflicts(contract(min_days_per_week=7, template_ids=("day",)), (who,)) == []
    (line,) = conflicts(the_contract, (who,))
    assert line.endswith("leave 6 (mon, tue, wed, thu, sat, sun)")


def test_min_days_against_consecutive_rules() -> None:
    the_contract = contract(min_days_per_week=5, max_consecutive_days=2, min_consecutive_days_off=2)
    assert conflicts(the_contract) == [
        "agent A1: contract c needs 5 working days (min_days_per_week) but max_consecutive_days 2 and "
        "min_consecutive_days_off 2 allow at most 4"]


def test_min_days_against_the_weekend_limit() -> None:
    assert conflicts(contract(min_days_per_week=6, max_weekend_days=0)) == [
        "agent A1: contract c needs 6 working days (min_days_per_week) but max_weekend_days 0 allows at most 5"]


def test_min_days_against_availability_and_consecutive_days() -> None:
    # available Mon-Wed and Fri-Sun: six days, but at most 5 of them with runs of at most 2
    who = agent(availability=ANY_TIME[:3] + (None,) + ANY_TIME[4:])
    the_contract = contract(min_days_per_week=5, max_consecutive_days=2)
    assert conflicts(the_contract, (who,)) == [
        "agent A1: contract c needs 5 working days (min_days_per_week) but available days "
        "(mon tue wed fri sat sun) and max_consecutive_days 2 allow at most 4"]


def test_hours_against_consecutive_rules() -> None:
    the_contract = contract(min_weekly_minutes=40 * HOUR, max_consecutive_days=2, min_consecutive_days_off=2,
                            template_ids=("day",))
    assert conflicts(the_contract) == [
        "agent A1: contract c needs 40.0 h but max_consecutive_days 2 and min_consecutive_days_off 2 allow at "
        "most 32.0 h"]


def test_hours_name_the_available_days_with_the_rule() -> None:
    who = agent(availability=ANY_TIME[:2] + (None,) + ANY_TIME[3:])  # never on Wednesday
    the_contract = contract(min_weekly_minutes=40 * HOUR, max_weekend_days=0, template_ids=("day",))
    assert conflicts(the_contract, (who,)) == [
        "agent A1: contract c needs 40.0 h but available days (mon tue thu fri sat sun) and max_weekend_days 0 "
        "allow at most 32.0 h"]


def test_min_days_with_shifts_too_long_for_the_maximum_hours() -> None:
    the_contract = contract(min_days_per_week=5, max_weekly_minutes=30 * HOUR, template_ids=("day",))
    assert conflicts(the_contract) == [
        "agent A1: contract c needs 5 working days (min_days_per_week) but its shortest shifts on them pay 40.0 h, "
        "above max_weekly_hours 30.0"]
    assert conflicts(dataclasses.replace(the_contract, template_ids=("day", "half"))) == []  # 5 x 4 h fits


def test_hours_between_the_shift_lengths() -> None:
    the_contract = contract(min_weekly_minutes=20 * HOUR, max_weekly_minutes=23 * HOUR, template_ids=("day",))
    assert conflicts(the_contract) == [
        "agent A1: contract c has no choice of working days and shifts paying between 20.0 h and 23.0 h "
        "(shifts pay 8.0 h)"]


def test_every_agent_is_named() -> None:
    the_contract = contract(min_days_per_week=5, max_consecutive_days=2, min_consecutive_days_off=2)
    lines = conflicts(the_contract, (agent("A1"), agent("A2"), agent("A3", availability=ANY_TIME[:5] + (None,) * 2)))
    assert [line.split(":")[0] for line in lines] == ["agent A1", "agent A2", "agent A3"]
    assert lines[0].replace("A1", "A2") == lines[1]
    assert "available days (mon tue wed thu fri)" not in lines[0]


def test_time_off_credit_lowers_the_hours_needed() -> None:
    # 40 h over 5 days with runs of 2 and rests of 2: 32 h at most, but 2 days off earn 2 x 8 h of credit
    # (credit_minimum: with worked_day the two days of leave also make a run of 2 that Wednesday cannot extend)
    the_contract = contract(min_weekly_minutes=40 * HOUR, max_days_per_week=5, max_consecutive_days=2,
                            min_consecutive_days_off=2, template_ids=("day",), time_off_counts_as="credit_minimum")
    assert conflicts(the_contract)
    assert conflicts(the_contract, (agent(time_off=frozenset({MON, MON + timedelta(days=1)})),)) == []


def test_leave_counts_as_worked_days_for_the_day_limits() -> None:
    # full-timer, 5 days of 8 h; 3 days of leave: 2 days and 16 h left, so 3 days needed by min_days is a conflict
    the_contract = contract(min_weekly_minutes=40 * HOUR, max_weekly_minutes=40 * HOUR, max_days_per_week=5,
                            min_days_per_week=5, template_ids=("day",))
    off = frozenset({MON, MON + timedelta(days=1), MON + timedelta(days=2)})
    assert conflicts(the_contract, (agent(time_off=off),)) == []
    assert conflicts(dataclasses.replace(the_contract, time_off_counts_as="credit_minimum"),
                     (agent(time_off=off),)) == [
        "agent A1: contract c needs 5 working days (min_days_per_week) but availability, time off and shift "
        "template weekdays leave 4 (thu, fri, sat, sun)"]


# --------------------------------------------------------------------- agreement with the CP-SAT model

def _model_feasible(config: PlanConfig) -> bool:
    model = RosterModel(Instance(config, WEEK, np.zeros((1, WEEK.slot_count), int)), with_breaks=False)
    for name, rule in RULES:
        if name not in ("coverage", "paid_hours"):
            rule(model)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 10  # work, not seconds: a loaded machine gives the same answer
    status = solver.solve(model.cp)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE)
    return status != cp_model.INFEASIBLE


CASES = list(itertools.product(
    (0, 3, 5),  # min_days_per_week
    (2, 7),  # max_consecutive_days
    (1, 2, 3),  # min_consecutive_days_off
    (0, 2),  # max_weekend_days
    (0, 24, 40),  # min weekly hours
))


@pytest.mark.parametrize(("min_days", "max_run", "min_off", "weekend", "hours"), CASES)
def test_a_conflict_is_reported_exactly_when_the_model_is_infeasible(min_days: int, max_run: int, min_off: int,
                                                                      weekend: int, hours: int) -> None:
    the_contract = contract(min_days_per_week=min_days, max_days_per_week=6, max_consecutive_days=max_run,
                            min_consecutive_days_off=min_off, max_weekend_days=weekend,
                            min_weekly_minutes=hours * HOUR, max_weekly_minutes=max(hours, 30) * HOUR,
                            template_ids=("day", "half"))
    who = agent(availability=ANY_TIME[:2] + (None,) + ANY_TIME[3:])  # never on Wednesday
    config = make_config(the_contract, (who,))
    assert (explain_conflicts(config, WEEK) == []) is _model_feasible(config)


def test_a_contract_window_that_takes_the_hours_is_named() -> None:
    # an evening part-timer (16:00-21:00) whose contract ends every shift by 19:00 has no 4-hour shift at all
    evening = agent(availability=(TimeWindow(16 * HOUR, 21 * HOUR),) * 5 + (None, None))
    the_contract = contract(min_weekly_minutes=16 * HOUR, max_days_per_week=5, latest_end_minute=19 * HOUR,
                            template_ids=("half",))
    assert conflicts(the_contract, (evening,)) == [
        "agent A1: contract c needs 16.0 h but availability, time off, max 5 days, latest_end 19:00 and shift "
        "templates (half) allow at most 0.0 h"]
    (line,) = conflicts(dataclasses.replace(the_contract, min_weekly_minutes=0, min_days_per_week=1), (evening,))
    assert line.endswith("availability, time off, shift template weekdays and latest_end 19:00 leave 0 (none)")
