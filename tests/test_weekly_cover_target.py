"""What the cover-kept rounding keeps of the weekly mode's start LP (``weekly_start.cover_target``): the weekly LP's
heads per queue and slot counted on Erlang's own curve (``weekly_service_level.lp_heads``), or the lean requirement;
and the greedy dealing that lowers the squared residual (``cover_rounding._dealt_to_cover(balanced=True)``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from scheduler.rostering.rules import weekly_service_level
from scheduler.rostering.search import cover_rounding, weekly_start
from scheduler.rostering.search.lower_bound import AggregateSolution, solve_aggregate
from tests.test_cover_rounding import _centre
from tests.test_weekly_service_level import WEEKLY, _instance, _tiny


def test_the_weekly_lp_gives_its_heads_at_least_the_floor(tmp_path: Path) -> None:
    weekly = _instance(_tiny(tmp_path / "w", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    solution = solve_aggregate(weekly)
    assert solution is not None and solution.weekly_heads is not None
    heads = solution.weekly_heads
    assert heads.shape == np.asarray(weekly.requirements).shape
    assert (heads >= np.asarray(weekly.requirements) - 1e-9).all()
    lean = weekly_start.interval_instance(weekly)
    assert lean is not None
    interval = solve_aggregate(lean)
    assert interval is not None and interval.weekly_heads is None  # (no weekly rows: no weekly heads)


def test_heads_are_counted_on_erlangs_own_curve(tmp_path: Path) -> None:
    weekly = _instance(_tiny(tmp_path / "w", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    curves = weekly.service_curves
    assert curves is not None
    q, slot = next((q, t) for q in range(len(curves.queue_ids)) for t in curves.values[q])
    exact = curves.exact_curve(q, slot)
    assert exact is not None
    n = 3
    answered = curves.value(q, slot, n) - curves.value(q, slot, 0)
    heads = weekly_service_level.lp_heads(weekly, {(q, slot): answered})
    assert heads is not None
    # Erlang's curve is never above the envelope: at least the envelope's heads, and where they differ, more
    assert heads[q, slot] >= min(n, len(exact) - 1) - 1e-9
    assert (heads[q, slot] > n) == (exact[n] < curves.value(q, slot, n)) or n >= len(exact) - 1
    nothing = weekly_service_level.lp_heads(weekly, {(q, slot): 0.0})
    assert nothing is not None and nothing[q, slot] == curves.floor_heads[q, slot]


def test_the_cover_target_is_off_by_default_and_the_lp_heads_or_the_lean_requirement_when_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weekly = _instance(_tiny(tmp_path / "w", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    solution = solve_aggregate(weekly)
    assert solution is not None and solution.weekly_heads is not None
    lean_solution = dataclasses.replace(solution, weekly_heads=None)
    assert weekly_start.cover_target(weekly, solution) is None
    assert weekly_start.cover_target(weekly, lean_solution) is None
    monkeypatch.setattr(weekly_start, "WEEKLY_COVER_KEPT", True)
    target = weekly_start.cover_target(weekly, solution)
    assert target is not None and target.service_curves is None and cover_rounding.applies(target)
    floor = np.asarray(weekly.requirements)
    assert (target.requirements >= floor).all()
    assert (np.abs(target.requirements - np.maximum(solution.weekly_heads, floor)) <= 0.5 + 1e-9).all()
    monkeypatch.setattr(weekly_start, "LEAN_COVER_KEPT", True)
    lean = weekly_start.cover_target(weekly, lean_solution)
    expected = weekly_start.interval_instance(weekly)
    assert lean is not None and expected is not None
    assert (np.asarray(lean.requirements) == np.asarray(expected.requirements)).all()
    default = _centre()
    plain = solve_aggregate(default)
    assert plain is not None and weekly_start.cover_target(default, plain) is None  # (the default mode: never)


def test_the_balanced_greedy_follows_the_lp_where_the_plain_one_takes_the_longer_pattern() -> None:
    """One agent, the LP 45% on five days and 55% on three of them: the plain greedy deals the five (its score
    favours the longer pattern), the balanced one the three (the nearer the LP's paid minutes)."""
    solution = solve_aggregate(_centre())
    assert solution is not None
    plan = next(p for p in solution.plans if p.patterns)
    template = next(t for p in plan.patterns for t in p if t is not None)
    long, short = (template,) * 5 + (None,) * 2, (template,) * 3 + (None,) * 4
    one = dataclasses.replace(plan, agent_class=dataclasses.replace(plan.agent_class,
                                                                    agent_ids=plan.agent_class.agent_ids[:1]),
                              patterns=(long, short), pattern_weights=(0.45, 0.55))
    single = AggregateSolution(solution.bound, (one,), solution.variables)
    assert cover_rounding._dealt_to_cover(single)[0].pattern_weights == (1.0, 0.0)
    assert cover_rounding._dealt_to_cover(single, balanced=True)[0].pattern_weights == (0.0, 1.0)


@pytest.mark.parametrize("balanced", [False, True])
def test_either_greedy_deals_every_agent_within_one_of_the_lp_share(balanced: bool) -> None:
    solution = solve_aggregate(_centre())
    assert solution is not None
    for before, after in zip(solution.plans, cover_rounding._dealt_to_cover(solution, balanced), strict=True):
        agents = len(before.agent_class.agent_ids)
        assert sum(after.pattern_weights) == agents
        share = [w * agents / sum(before.pattern_weights) for w in before.pattern_weights]
        assert all(np.floor(s + 1e-9) <= c <= np.ceil(s - 1e-9) for s, c in zip(share, after.pattern_weights,
                                                                               strict=True))
