"""The proficiency-weighted solve's LP bound (``search.weighted_bound``): never above CP-SAT's proven optimum of
the weighted model on tiny centres, never above the roster the solve finds on small random centres with
proficiencies, reported by the solve, charged to its budget and cut by its wall clock."""

from __future__ import annotations

import dataclasses
import io
import math

import numpy as np
import pytest
from ortools.sat.python import cp_model

from scheduler.domain.plan import BreakRule, ShiftTemplate, SolverSettings, TimeWindow
from scheduler.rostering import effective_cover
from scheduler.rostering.instance import Instance
from scheduler.rostering.search import weighted_bound as module
from scheduler.rostering.search.lp_size import lp_size_floor
from scheduler.rostering.search.weighted_bound import weighted_bound
from scheduler.rostering.solve import build_model, simple_lower_bound, solve_roster
from scheduler.rostering.stopping import Stop
from tests.test_effective_cover import _config, _requirements
from tests.test_lower_bound import random_bursts
from tests.test_rules import LOOSE, WEEK, agent, hm, make_config

PROFICIENCIES = (0.75, 0.8, 1.0, 1.2)


def _bound(instance: Instance, spent: list[float] | None = None, stop: Stop | None = None) -> float | None:
    return weighted_bound(instance, math.inf, wall_seconds=math.inf,
                          spend_seconds=(spent if spent is not None else []).append, stop=stop or Stop())


def _tiny(seed: int) -> tuple[Instance, float]:
    """Three agents with proficiencies on a two-day week of short shifts, and CP-SAT's proven optimum of the
    weighted model."""
    rng = np.random.default_rng(seed)
    short = ShiftTemplate("short", 300, hm("08:00"), hm("12:00"), 120, tuple(range(7)),
                          (BreakRule("break", "break", 15, True, 60, 120),), 30)
    contract = dataclasses.replace(LOOSE, contract_id="pt", template_ids=("short",), max_days_per_week=2)
    two_days = (TimeWindow(hm("07:00"), hm("18:00")),) * 2 + (None,) * 5
    skills = (("sales",), ("chat",), ("sales", "chat"))
    agents = tuple(dataclasses.replace(agent(f"A{i}", contract="pt", skills=skills[i], availability=two_days),
                                       proficiencies=tuple(float(rng.choice(PROFICIENCIES)) for _ in skills[i]))
                   for i in range(3))
    config = dataclasses.replace(make_config(agents, (contract,), (short,), ("sales", "chat")),
                                 solver=SolverSettings(proficiency_cover=True))
    assert effective_cover.weighted(config)
    req = random_bursts(rng, 5)
    instance = Instance(config, WEEK, req)
    model, _, scale = build_model(instance)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 60  # work, not seconds: the same proof on a loaded machine
    assert solver.solve(model.cp) == cp_model.OPTIMAL
    return instance, solver.objective_value / scale


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bound_never_above_the_proven_weighted_optimum(seed: int) -> None:
    instance, optimum = _tiny(seed)
    bound = _bound(instance)
    assert bound is not None and 0 < bound <= optimum + 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_bound_never_above_the_roster_found(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small random centres with proficiencies (juniors and seniors on two queues): the bound stays at or below
    the objective of the roster the solve finds, and the solve reports at least it (its LP allowed the whole
    of the short limit here: on these centres it predicts about 0.25 s)."""
    monkeypatch.setattr(module, "LP_SHARE", 1.0)
    monkeypatch.setattr(module, "EXACT_LP_SHARE", 1.0)  # the exact-class LP too (a few classes of six agents)
    rng = np.random.default_rng(200 + seed)
    instance = Instance(_config(rng, agents=6), WEEK, _requirements(rng))
    spent: list[float] = []
    bound = _bound(instance, spent)
    result = solve_roster(instance, time_limit_seconds=2, progress=None)
    assert bound is not None and bound <= result.stats.objective + 1e-6
    assert result.stats.best_bound >= bound - 1e-6  # the solve reports it (no activities: no credit taken off)
    assert spent and spent[0] > 0  # its predicted work, for the caller's budget


def test_bound_sees_more_than_counting() -> None:
    """On these centres the LP is tighter than the counting bound (else the tests above would hold for a bound
    that adds nothing)."""
    tighter = 0
    for seed in range(4):
        rng = np.random.default_rng(200 + seed)
        instance = Instance(_config(rng, agents=6), WEEK, _requirements(rng))
        bound = _bound(instance)
        assert bound is not None
        tighter += bound > simple_lower_bound(instance) + 1
    assert tighter >= 3


def test_too_large_or_stopped_gives_no_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Predicted work over its share of the limit: no LP, not built, the count of its size charged (and no more:
    ``lp_size.lp_over``); a stop already come: no LP, nothing charged, and the caller is told the clock ended it."""
    monkeypatch.setattr(module, "EXACT_LP_SHARE", 0.0)  # the best-member LP's path (the exact one: test_exact_bound)
    rng = np.random.default_rng(200)
    instance = Instance(_config(rng, agents=6), WEEK, _requirements(rng))
    spent: list[float] = []
    assert weighted_bound(instance, 60, wall_seconds=math.inf, spend_seconds=spent.append) is not None
    solved = spent.pop()  # building and solving
    spent.clear()
    monkeypatch.setattr(module, "LP_SHARE", 1e-9)
    assert weighted_bound(instance, 60, wall_seconds=math.inf, spend_seconds=spent.append) is None
    # the count alone, stopped once the LP is over its share (here before any weekly pattern: nothing to charge)
    counted = lp_size_floor(instance, True, patterns=True, max_work_seconds=module.LP_SHARE * 60).count_seconds
    assert spent == [counted] and spent[0] < solved
    spent.clear()
    monkeypatch.setattr(module, "LP_SHARE", 0.1)
    stop, timed_out = Stop(), []
    stop.interrupt()
    assert weighted_bound(instance, 60, wall_seconds=math.inf, spend_seconds=spent.append, stop=stop,
                          on_time_out=lambda: timed_out.append(True)) is None
    assert spent == [] and timed_out == [True]


@pytest.mark.parametrize("seed", [0, 1])
def test_weighted_solve_starts_from_the_aimed_heads_lp(seed: int) -> None:
    """The weighted solve starts from the head-counting LP aimed at inflated requirements (``search.weighted_start``)
    and publishes the weighted bounds only: on tiny centres its bound stays at or below CP-SAT's proven optimum of
    the weighted model, and its roster at or above it."""
    instance, optimum = _tiny(seed)
    progress = io.StringIO()
    result = solve_roster(instance, time_limit_seconds=2, progress=progress)
    assert "[schedule:lp]" in progress.getvalue()
    assert result.stats.best_bound <= optimum + 1e-6 <= result.stats.objective + 2e-6
