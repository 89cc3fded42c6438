"""The weekly mode's search: the start requirement under the level floor (``search.level_lean``) and the charge of
the scoring's work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scheduler.rostering.rules import weekly_service_level as rule
from scheduler.rostering.search import weekly_start
from scheduler.rostering.search.level_lean import level_lean_heads
from scheduler.rostering.search.lower_bound import solve_aggregate
from scheduler.rostering.service_curves import WeeklyCurves, lean_heads
from tests.test_weekly_service_level import WEEKLY, _instance, _tiny

# One queue, two slots with the same S-shaped Erlang curve (scaled answered contacts at 0-4 heads) and its concave
# envelope, which lies above it at 1 and 2 heads.
ERLANG = (0, 0, 100, 900, 1000)
ENVELOPE = (0, 300, 600, 900, 1000)


def _curves(target_units: int) -> WeeklyCurves:
    floor = np.zeros((1, 2), dtype=np.int64)
    return WeeklyCurves(("q",), (0.75,), (2.0,), (target_units,), ({0: ENVELOPE, 1: ENVELOPE},), floor, 0.0,
                        exact=({0: ERLANG, 1: ERLANG},))


def test_level_lean_reaches_the_target_by_erlangs_own_curve() -> None:
    curves = _curves(1500)
    # the envelope's greedy takes 5 heads (3 + 2: 1,500 by the envelope) that Erlang counts at 1,000
    envelope, _ = lean_heads(curves.values, curves.floor_heads, curves.target_units)
    assert envelope.sum() == 5
    assert sum(ERLANG[int(n)] for n in envelope[0]) < 1500
    # one level for the queue: both slots at 3 heads (1,800 by Erlang); at 2 heads each (the level just below)
    # Erlang counts 200
    heads = level_lean_heads(curves)
    assert heads[0].tolist() == [3, 3]
    # a target the floor alone reaches: the floor; one out of reach: every head the curves have
    assert level_lean_heads(_curves(0))[0].tolist() == [0, 0]
    assert level_lean_heads(_curves(5000))[0].tolist() == [4, 4]
    # from the envelope's heads: only the slot it leaves in the S-shaped part is raised (to 3 heads: 1,800)
    assert level_lean_heads(curves, base=envelope)[0].tolist() == [3, 3]
    assert level_lean_heads(_curves(900), base=np.array([[3, 0]]))[0].tolist() == [3, 0]


def test_the_start_uses_it_when_asked_under_the_level_floor_only(tmp_path: Path) -> None:
    tangent = _instance(_tiny(tmp_path / "t", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    plan = _tiny(tmp_path / "l", ("q1", "q2"), "objective:\n" + WEEKLY + "  weekly_floor: level\n", contacts=14.0)
    envelope = weekly_start.interval_instance(_instance(plan))  # the default start: the envelope's lean heads
    plan.write_text(plan.read_text() + "  weekly_start: level\n", encoding="utf-8")
    level = _instance(plan)
    curves = level.service_curves
    assert curves is not None and tangent.service_curves is not None
    start = weekly_start.interval_instance(level)
    assert start is not None and (start.requirements == level_lean_heads(curves, base=curves.lean)).all()
    assert (start.requirements >= level.requirements).all() and (start.requirements >= curves.lean).all()
    for q in range(len(curves.queue_ids)):  # every queue's target reached by Erlang's own curve
        answered = sum(curves.exact_curve(q, t)[min(int(start.requirements[q, t]), len(curve) - 1)]
                       for t, curve in curves.values[q].items())
        assert answered >= curves.target_units[q]
    assert envelope is not None and (envelope.requirements == curves.lean).all()
    # the tangent floor keeps the envelope's lean requirement (unchanged behaviour)
    kept = weekly_start.interval_instance(tangent)
    assert kept is not None and (kept.requirements == tangent.service_curves.lean).all()


def test_the_scoring_is_charged_by_allocations_computed_and_memoised_look_ups(tmp_path: Path) -> None:
    instance = _instance(_tiny(tmp_path / "c", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    curves, config = instance.service_curves, instance.config
    assert curves is not None
    groups = sorted({agent.skills for agent in config.agents})
    floor = np.full((len(groups), instance.week.slot_count), 2, dtype=np.int64)
    state = rule.WeeklyState(curves, config, groups, floor)
    recount = state.charged_units()  # the state's own count of every slot: allocations, no look-up charged yet
    allocated = sum(slots.allocations for slots in state.sets)
    assert state.work == 0 and recount == pytest.approx(allocated * rule.UNITS_PER_ALLOCATION)
    assert recount > 0
    first = curves.slots()[0]
    change = np.array([[1] * 8, [-1] * 8])  # one head more, one fewer, over eight slots
    state.deltas(1, first, change)
    cold = state.charged_units() - recount
    work, reads = state.work, state.kept_reads
    state.deltas(1, first, change)  # the same look-ups again: every gain kept (the slots' floor unchanged)
    warm = state.charged_units() - recount - cold
    assert state.work == work and state.kept_reads - reads == 16  # 8 slots, a head more and one fewer each
    assert warm == pytest.approx(16 * rule.UNITS_PER_KEPT_GAIN)
    assert cold > warm > 0


def test_the_start_lp_never_pays_fewer_hours_than_the_weekly_lp(tmp_path: Path) -> None:
    # With over-staffing unpriced both LPs give the fewest paid hours (README, the worst 60-agent centres): any cover
    # of the start's lean requirement meets every weekly target, so the weekly LP's bound is at most the start LP's;
    # the start fixes every interval's heads, so on this peaked day it pays more than the weekly LP needs (233.7
    # against 252.0)
    objective = "objective:\n  overstaffed_agent_interval: 0\n" + WEEKLY + "  weekly_floor: level\n"
    instance = _instance(_tiny(tmp_path / "c", ("q1", "q2"), objective, contacts=2.0))
    start = weekly_start.interval_instance(instance)
    assert start is not None
    weekly, lean = solve_aggregate(instance), solve_aggregate(start)
    assert weekly is not None and lean is not None
    # (the agents cover the lean requirement: no head short, priced at 1,000, in the start LP's optimum)
    assert lean.bound < instance.config.weights.understaffed_agent_interval
    assert 0 < weekly.bound < lean.bound
