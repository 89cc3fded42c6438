"""Soft rule: a re-planned agent-day that keeps its published shift but moves a break costs
``objective.moved_break``: the model term, the roster evaluation, and the solver leaving breaks alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from scheduler.domain.plan import PinnedShift, Replan
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import read_roster
from scheduler.rostering.rules import one_shift_per_day, replan_breaks, replan_changes
from scheduler.rostering.rules.breaks import build as build_breaks
from scheduler.rostering.solve import evaluate, solve_roster
from tests.test_rules import WEEK, hm, make_config, make_model, solve, take_break, work

PUBLISHED_BREAKS = (hm("09:00"), hm("11:30"))  # Monday 08:00 shift of the ``day`` template: break, then lunch


def _config(weight: int = 25):
    config = make_config()
    published = {(("A1", WEEK.day(0))): PinnedShift("day", hm("08:00"), PUBLISHED_BREAKS)}
    return replace(config, weights=replace(config.weights, moved_break=weight),
                   replan=Replan(pinned={}, published=published))


def test_no_term_without_a_replan_or_weight() -> None:
    assert replan_breaks.build(make_model(_config(0))) == []
    assert replan_breaks.build(make_model(make_config())) == []


@pytest.mark.parametrize(("start", "breaks", "moved", "changed"), [
    ("08:00", ("09:00", "11:30"), 0, 0),  # as published
    ("08:00", ("09:30", "11:30"), 1, 0),  # the break moved
    ("08:00", ("09:00", "12:00"), 1, 0),  # the lunch moved
    ("08:30", ("09:30", "12:00"), 0, 1),  # another start: a changed shift, not a moved break
])
def test_model_term_equals_roster_evaluation(start: str, breaks: tuple[str, str], moved: int, changed: int) -> None:
    config = _config()
    model = make_model(config)
    one_shift_per_day.build(model)
    build_breaks(model)
    (term,) = replan_breaks.build(model)
    work(model, "A1", {0: start})
    for k, minute in enumerate(breaks):
        take_break(model, "A1", 0, k, minute)
    status, solver = solve(model)
    assert status == "FEASIBLE"
    assert solver.value(term.expression) == moved  # minimised: the indicator sits at the move
    roster = read_roster(model, solver)
    assert replan_breaks.amount(config, WEEK, roster.shifts) == moved
    assert replan_changes.amount(config, WEEK, roster.shifts) == changed


@pytest.mark.parametrize(("moved_break", "understaffed", "kept"), [
    (25, 10, True),  # moving the break to 09:30 saves 10 + 10 (one interval short, one over): less than 25
    (0, 10, False),  # moves free: the search takes the saving
    (25, 100, False),  # saves 100 + 10: more than the move costs
])
def test_solver_moves_a_published_break_only_when_the_cover_gains_more(moved_break: int, understaffed: int,
                                                                       kept: bool) -> None:
    config = _config(moved_break)
    config = replace(config, weights=replace(config.weights, understaffed_agent_interval=understaffed))
    required = np.zeros((1, WEEK.slot_count), int)
    required[0, WEEK.slot(0, hm("08:00")):WEEK.slot(0, hm("16:30"))] = 1  # Monday's shift is needed...
    required[0, WEEK.slot(0, hm("09:30"))] = 0  # ...but for 09:30-09:45, where the break would fit better
    instance = Instance(config, WEEK, required)
    result = solve_roster(instance, time_limit_seconds=3, progress=None)
    (monday,) = [s for s in result.roster.shifts if s.date == WEEK.day(0)]
    assert monday.start_minute == hm("08:00")
    assert (tuple(b.start_minute for b in monday.breaks) == PUBLISHED_BREAKS) is kept
    costs = {c.rule: c for c in evaluate(instance, result.roster)}
    assert costs["replan_breaks"].amount == (0 if kept else 1)


def test_moving_a_break_costs_its_weight_in_the_evaluation() -> None:
    config = _config(40)
    required = np.zeros((1, WEEK.slot_count), int)

    def monday(break_minute: str) -> Roster:
        breaks = (BreakAssignment("break", hm(break_minute), 15), BreakAssignment("lunch", hm("11:30"), 30))
        return Roster((ShiftAssignment("A1", WEEK.day(0), "day", hm("08:00"), 510, 480, breaks),))

    kept = {c.rule: c for c in evaluate(Instance(config, WEEK, required), monday("09:00"))}
    moved = {c.rule: c for c in evaluate(Instance(config, WEEK, required), monday("09:30"))}
    assert kept["replan_breaks"].penalty == 0
    assert moved["replan_breaks"].amount == 1 and moved["replan_breaks"].penalty == 40
    assert moved["replan_changes"].amount == kept["replan_changes"].amount == 0
