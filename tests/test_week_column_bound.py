"""Column generation over agents' weeks (``search.week_column_bound``): a bound between the LP's and a proven
optimum at every round, and a pricing that finds the least reduced cost a brute force finds."""

from __future__ import annotations

import dataclasses
import functools
import itertools

import numpy as np
import pytest

from scheduler.domain.plan import FloorRule, OpeningHours, TimeWindow
from scheduler.domain.roster import BreakAssignment, ShiftAssignment
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import keeps_week
from scheduler.rostering.search.lower_bound import aggregate_lower_bound
from scheduler.rostering.search.week_column_bound import _Duals, _Generation, _Week, week_column_bound
from tests.test_lower_bound import _optimum, two_day_instance
from tests.test_rules import WEEK, hm


@functools.cache
def _proven_optimum(seed: int) -> float:
    instance = two_day_instance(seed)
    return _optimum(instance.config, instance.requirements)


@pytest.mark.parametrize("seed", [0, 2, 3, 4])
def test_between_the_lp_and_the_proven_optimum(seed: int) -> None:
    instance = two_day_instance(seed)
    lp = aggregate_lower_bound(instance)
    optimum = _proven_optimum(seed)
    result = week_column_bound(instance)
    assert lp is not None and result is not None
    assert result.lp_bound == pytest.approx(lp)
    assert result.first_bound >= lp - 1 / 60 - 1e-6  # at the LP's duals the weeks cost at least the LP's classes
    assert lp - 1e-6 <= result.bound <= optimum + 1e-6
    assert all(value <= optimum + 1e-6 for value in result.history)  # a bound at every round
    if seed == 3:  # which agent takes which start and breaks: the LP lies 25% below, the weeks close it
        assert result.bound >= optimum - 1 / 60 - 1e-6 and result.bound > lp + 1000


@pytest.mark.parametrize("rounds", [0, 1, 2, 3])
def test_stopped_early_still_a_bound(rounds: int) -> None:
    instance = two_day_instance(3)
    optimum = _proven_optimum(3)
    for smoothing in (0.0, 0.5, 0.9):
        result = week_column_bound(instance, rounds=rounds, smoothing=smoothing)
        assert result is not None and result.rounds <= rounds
        assert result.bound <= optimum + 1e-6


def _floor_rule_instance(seed: int) -> Instance:
    """The two-day week with a hard floor rule: A0 or A1 on the floor whenever chat is open (Monday 09:00-13:00)."""
    instance = two_day_instance(seed)
    config = instance.config
    monday = OpeningHours((TimeWindow(hm("09:00"), hm("13:00")),) + (None,) * 6)
    queues = tuple(dataclasses.replace(q, opening_hours=monday) if q.queue_id == "chat" else q for q in config.queues)
    rule = FloorRule("a0_or_a1", 1, None, ("A0", "A1"), ("chat",), True, 0)
    return dataclasses.replace(instance, config=dataclasses.replace(config, queues=queues, floor_rules=(rule,)))


@pytest.mark.parametrize("seed", [0, 3, 4])
def test_a_hard_floor_rule_keeps_the_master_solvable_and_the_bound_below_the_optimum(seed: int) -> None:
    """The rule's presence rows are in the master and priced: on seed 4 no week priced at the LP's duals meets
    the row, and the master (artificial heads there) is still solved; the bound stays between the LP's and the
    proven optimum at every round."""
    instance = _floor_rule_instance(seed)
    lp = aggregate_lower_bound(instance)
    optimum = _optimum(instance.config, instance.requirements)
    result = week_column_bound(instance)
    assert lp is not None and result is not None
    assert len(_Generation(instance).presence_rows) == 16  # the rule holds (four hours on Monday)
    assert lp - 1e-6 <= result.bound <= optimum + 1e-6
    assert all(value <= optimum + 1e-6 for value in result.history)


def _rested_instance(seed: int) -> Instance:
    """The two-day week with 16 h of rest and two days a week: a shift ending 17:00 forbids the next day's 08:00
    start."""
    instance = two_day_instance(seed)
    contracts = tuple(dataclasses.replace(c, min_rest_minutes=16 * 60, max_days_per_week=2)
                      for c in instance.config.contracts)
    requirements = instance.requirements.copy()  # demand in Monday's last hour and Tuesday's first
    requirements[:, WEEK.slot(0, hm("16:00")):WEEK.slot(0, hm("17:00"))] += 1
    requirements[:, WEEK.slot(1, hm("08:00")):WEEK.slot(1, hm("09:00"))] += 1
    return dataclasses.replace(instance, config=dataclasses.replace(instance.config, contracts=contracts),
                               requirements=requirements)


def _all_weeks(generation: _Generation, number: int) -> list[_Week]:
    """Every week of the class that keeps every agent rule, by brute force over starts and break positions."""
    agent_class = generation.classes[number]
    interval = generation.interval_minutes
    per_day: list[list] = []
    for d in range(7):
        choices: list = [None]
        for option in agent_class.options[d]:
            windows = [range(option.start_minute + b.earliest_after_start_minutes,
                             option.start_minute + b.latest_after_start_minutes + 1, interval)
                       for b in option.template.breaks]
            choices.extend((option, starts) for starts in itertools.product(*windows))
        per_day.append(choices)
    weeks = []
    for days in itertools.product(*per_day):
        shifts = [None if day is None else ShiftAssignment(
            agent_class.agent_ids[0], generation.week.day(d), day[0].template.template_id, day[0].start_minute,
            day[0].template.length_minutes, day[0].paid_minutes,
            tuple(BreakAssignment(b.kind, s, b.minutes) for s, b in zip(day[1], day[0].template.breaks, strict=True)))
            for d, day in enumerate(days)]
        if keeps_week(agent_class.facts, shifts):
            weeks.append(_Week(list(days), 0.0))
    return weeks


@pytest.mark.parametrize("seed", [0, 1, 3])
@pytest.mark.parametrize("rested", [False, True])
def test_pricing_matches_brute_force(seed: int, rested: bool) -> None:
    """Random multipliers on the floor, cover and cap rows: each class's priced least reduced cost is the least
    over every week that keeps the rules (starts, break positions in order and spaced, rest, days and hours)."""
    instance = _rested_instance(seed) if rested else two_day_instance(seed)
    instance = dataclasses.replace(instance, config=dataclasses.replace(instance.config, max_agents_on_break=1))
    generation = _Generation(instance)
    rng = np.random.default_rng(seed)
    slots = generation.slot_count
    lure = np.zeros(slots)  # with rest: Monday's late hour and Tuesday's early one, which one agent cannot both work
    if rested:
        lure[WEEK.slot(0, hm("16:00")):WEEK.slot(0, hm("17:00"))] = 5000
        lure[WEEK.slot(1, hm("08:00")):WEEK.slot(1, hm("09:00"))] = 5000
    for _ in range(3):
        duals = _Duals({skills: -(rng.exponential(500, slots) + lure) * generation.floor_allowed[skills]
                        for skills in generation.skill_sets},
                       np.zeros((len(generation.queue_ids), slots)), -rng.exponential(50, slots),
                       np.zeros((0, slots)), np.zeros(len(generation.classes)))
        for number, agent_class in enumerate(generation.classes):
            least, priced = generation._price_class(number, agent_class, duals, {})
            brute = min(generation._reduced_cost(number, week, duals) for week in _all_weeks(generation, number))
            assert least == pytest.approx(brute, abs=1e-6)
            assert priced is not None
            assert generation._reduced_cost(number, priced, duals) == pytest.approx(least, abs=1e-6)


def test_same_input_same_bound() -> None:
    """No clock in the loop: two runs give the same rounds, columns and bounds, round by round."""
    instance = two_day_instance(3)
    first, second = week_column_bound(instance), week_column_bound(instance)
    assert first is not None and second is not None
    assert (first.history, first.master_history, first.columns) == (second.history, second.master_history,
                                                                     second.columns)
