"""The weekly mode's lean requirement priced by the start LP's duals (``search.priced_lean``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ortools.linear_solver import pywraplp

from scheduler.rostering.instance import Instance
from scheduler.rostering.search import priced_lean, weekly_start
from scheduler.rostering.search.lower_bound import _AggregateLp, solve_aggregate
from scheduler.rostering.service_curves import WeeklyCurves, lean_heads
from tests.test_weekly_service_level import WEEKLY, _instance, _tiny

# One queue, three slots with the same concave curve (scaled answered contacts at 0-4 heads).
CURVE = (0, 500, 800, 950, 1000)


def _curves(target_units: int) -> WeeklyCurves:
    floor = np.zeros((1, 3), dtype=np.int64)
    return WeeklyCurves(("q",), (0.8,), (3.0,), (target_units,), ({0: CURVE, 1: CURVE, 2: CURVE},), floor, 0.0)


def _answered(curves: WeeklyCurves, heads: np.ndarray) -> list[int]:
    return [sum(curve[min(int(heads[q, t]), len(curve) - 1)] for t, curve in by_slot.items())
            for q, by_slot in enumerate(curves.values)]


def test_heads_move_from_dear_slots_to_the_plans_surplus() -> None:
    curves = _curves(2100)
    lean, _ = lean_heads(curves.values, curves.floor_heads, curves.target_units)
    assert lean[0].tolist() == [2, 2, 1]  # 2,100: the first two heads of two slots, one of the third
    # the same price everywhere and no surplus: the lean requirement itself
    flat = priced_lean.priced_heads(curves, lean, np.full((1, 3), 5.0), np.zeros((1, 3)), 1.0)
    assert (flat == lean).all()
    # slot 0 dear (a head there forces a shift), slot 2 with two heads of surplus: slot 2 filled first (its surplus
    # nearly free, its last head at the floor price), then slot 1, slot 0 last
    cost = np.array([[20.0, 5.0, 0.0]])
    surplus = np.array([[0.0, 0.0, 2.0]])
    priced = priced_lean.priced_heads(curves, lean, cost, surplus, 1.0)
    assert priced[0].tolist() == [1, 3, 4]
    assert _answered(curves, priced)[0] >= curves.target_units[0]
    # no price (no cover row): the slot keeps the lean heads
    unpriced = priced_lean.priced_heads(curves, lean, np.array([[np.nan, 5.0, 0.0]]), surplus, 1.0)
    assert unpriced[0, 0] == lean[0, 0] and _answered(curves, unpriced)[0] >= curves.target_units[0]


def test_the_re_solve_from_the_previous_basis_is_the_lp_of_the_new_requirement(tmp_path: Path) -> None:
    instance = _instance(_tiny(tmp_path / "c", ("q1", "q2"), "objective:\n" + WEEKLY + "  weekly_floor: level\n",
                               contacts=2.0))
    curves, lean = instance.service_curves, weekly_start.interval_instance(instance)
    assert curves is not None and lean is not None
    solver = pywraplp.Solver.CreateSolver("GLOP")
    lp = _AggregateLp(lean, solver)
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    allocations = priced_lean.allocation_variables(lp, solver)
    assert set(allocations) == set(lp.cover_rows)
    cost, surplus = priced_lean.cover_prices(lp, solver, lean.requirements.shape, allocations)
    assert np.nanmin(cost) >= 0 and (surplus >= 0).all()
    heads = priced_lean.priced_heads(curves, lean.requirements, cost, surplus, priced_lean.head_floor_price(lean))
    assert not (heads == lean.requirements).all()
    assert (heads >= curves.floor_heads).all()
    assert all(a >= t for a, t in zip(_answered(curves, heads), curves.target_units, strict=True))
    priced_lean.set_requirement(lp, allocations, heads)
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    fresh = solve_aggregate(Instance(lean.config, lean.week, heads, lean.deadlines))
    assert fresh is not None
    value = solver.Objective().Value() + lean.config.weights.understaffed_agent_interval * heads.sum()
    assert value == pytest.approx(fresh.bound, abs=0.1)


def test_the_start_keeps_the_cheaper_lp_and_charges_both_solves(tmp_path: Path) -> None:
    instance = _instance(_tiny(tmp_path / "c", ("q1", "q2"), "objective:\n" + WEEKLY + "  weekly_floor: level\n",
                               contacts=2.0))
    curves, lean = instance.service_curves, weekly_start.interval_instance(instance)
    assert curves is not None and lean is not None
    spent: list[float] = []
    priced = priced_lean.priced_start(lean, curves, rounds=1, spend_seconds=spent.append)
    plain = priced_lean.priced_start(lean, curves, rounds=0)
    assert priced is not None and plain is not None
    assert len(spent) == 2 and spent[1] > 0
    assert (plain[1] == lean.requirements).all()
    assert priced[0].bound == 0  # a start, not a bound
    # over its share: charged the build, no start
    build: list[float] = []
    assert priced_lean.priced_start(lean, curves, max_work_seconds=0.0, spend_seconds=build.append) is None
    assert len(build) == 1 and build[0] > 0


def test_the_weekly_start_takes_it_only_when_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = _instance(_tiny(tmp_path / "c", ("q1", "q2"), "objective:\n" + WEEKLY + "  weekly_floor: level\n",
                               contacts=2.0))
    calls: list[int] = []
    original = priced_lean.priced_start

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(priced_lean, "priced_start", counted)
    monkeypatch.setattr(weekly_start, "EXACT_PRICED_START", False)
    monkeypatch.setattr(weekly_start, "PRICED_START", True)
    assert weekly_start.interval_lp_start(instance) is not None and calls == [1]
    monkeypatch.setattr(weekly_start, "PRICED_START", False)
    assert weekly_start.interval_lp_start(instance) is not None and calls == [1]


def _exact_answered(curves: WeeklyCurves, heads: np.ndarray) -> list[int]:
    return [sum((curves.exact_curve(q, t) or curve)[min(int(heads[q, t]), len(curve) - 1)]
                for t, curve in by_slot.items()) for q, by_slot in enumerate(curves.values)]


def test_exact_heads_meet_the_target_by_erlangs_own_count() -> None:
    # Erlang's curve S-shaped under the envelope at one head (200 against 500): a requirement met on the envelope
    # is short by Erlang's count; re-chosen on Erlang's own curve it is not
    exact = (0, 200, 800, 950, 1000)
    floor = np.zeros((1, 3), dtype=np.int64)
    curves = WeeklyCurves(("q",), (0.8,), (3.0,), (2100,), ({0: CURVE, 1: CURVE, 2: CURVE},), floor, 0.0,
                          exact=({0: exact, 1: exact, 2: exact},))
    lean, _ = lean_heads(curves.values, curves.floor_heads, curves.target_units)
    cost, surplus = np.full((1, 3), 5.0), np.zeros((1, 3))
    envelope = priced_lean.priced_heads(curves, lean, cost, surplus, 1.0)
    assert _answered(curves, envelope)[0] >= 2100 > _exact_answered(curves, envelope)[0]
    heads = priced_lean.priced_heads(curves, lean, cost, surplus, 1.0, exact=True)
    assert _exact_answered(curves, heads)[0] >= 2100
    assert heads[0].tolist() == [2, 2, 2]  # 2,400: no five heads reach 2,100 by Erlang's count (1,800 at most)
    # a dear slot gets a head only once the others' curves are spent
    dear = priced_lean.priced_heads(curves, lean, np.array([[50.0, 5.0, 5.0]]), surplus, 1.0, exact=True)
    assert dear[0].tolist() == [1, 4, 4] and _exact_answered(curves, dear)[0] >= 2100
    # the gate's measure: the envelope's lean heads 300 of 2,100 short by Erlang's count, the exact ones none
    assert weekly_start.lean_short_share(curves, lean) == pytest.approx(300 / 2100)
    assert weekly_start.lean_short_share(curves, heads) == 0.0


def test_the_exact_priced_start_meets_every_target_by_erlangs_count(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    instance = _instance(_tiny(tmp_path / "c", ("q1", "q2"), "objective:\n" + WEEKLY + "  weekly_floor: level\n",
                               contacts=2.0))
    curves, lean = instance.service_curves, weekly_start.interval_instance(instance)
    assert curves is not None and lean is not None
    spent: list[float] = []
    started = priced_lean.priced_start(lean, curves, rounds=1, spend_seconds=spent.append, exact=True)
    assert started is not None and len(spent) == 2  # both solves charged
    heads = started[1]
    assert (heads >= curves.floor_heads).all() and not (heads == lean.requirements).all()
    assert all(a >= t for a, t in zip(_exact_answered(curves, heads), curves.target_units, strict=True))
    # the weekly start takes it with the level floor only (and not with PRICED_START off and the tangent floor), and
    # only where the lean requirement is short by Erlang's count by more than EXACT_PRICED_MIN_SHORT
    short = weekly_start.lean_short_share(curves, lean.requirements)
    monkeypatch.setattr(weekly_start, "EXACT_PRICED_MIN_SHORT", short - 1e-9)
    calls: list[bool] = []
    original = priced_lean.priced_start

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(bool(kwargs.get("exact")))
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(priced_lean, "priced_start", counted)
    monkeypatch.setattr(weekly_start, "EXACT_PRICED_START", True)
    assert weekly_start.interval_lp_start(instance) is not None and calls == [True]
    tangent = _instance(_tiny(tmp_path / "t", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=2.0))
    assert weekly_start.interval_lp_start(tangent) is not None and calls == [True]
    monkeypatch.setattr(weekly_start, "EXACT_PRICED_MIN_SHORT", short)  # not more short than the gate
    assert weekly_start.interval_lp_start(instance) is not None and calls == [True]
    monkeypatch.setattr(weekly_start, "EXACT_PRICED_MIN_SHORT", short - 1e-9)
    monkeypatch.setattr(weekly_start, "EXACT_PRICED_MAX_SKILL_SETS", 0)  # past the skill sets measured
    assert weekly_start.interval_lp_start(instance) is not None and calls == [True]
    monkeypatch.setattr(weekly_start, "EXACT_PRICED_MAX_SKILL_SETS", 8)
    monkeypatch.setattr(weekly_start, "EXACT_PRICED_START", False)
    assert weekly_start.interval_lp_start(instance) is not None and calls == [True]
