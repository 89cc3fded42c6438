"""The weighted bound with classes split by proficiency (``search.weighted_bound``'s exact-class LP) and its integer
version (``search.weighted_integer_bound``): never above CP-SAT's proven optimum of the weighted model on tiny
centres where agents of one skill set differ in proficiency, never below the best-member LP, and strictly above it
on some."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from ortools.sat.python import cp_model

from scheduler.domain.plan import BreakRule, ShiftTemplate, SolverSettings, TimeWindow
from scheduler.rostering import effective_cover
from scheduler.rostering.instance import Instance
from scheduler.rostering.search import weighted_bound as module
from scheduler.rostering.search.lower_bound import lp_work, solve_aggregate
from scheduler.rostering.search.lp_size import lp_size_floor
from scheduler.rostering.search.weighted_bound import weighted_bound
from scheduler.rostering.search.weighted_integer_bound import MARKER, exact_classes, weighted_integer_bound
from scheduler.rostering.solve import build_model
from scheduler.rostering.stopping import Stop
from tests.test_lower_bound import random_bursts
from tests.test_rules import LOOSE, WEEK, agent, hm, make_config

PROFICIENCIES = (0.75, 0.8, 1.0, 1.2)
SKILLS = (("sales",), ("sales",), ("chat",), ("chat",), ("sales", "chat"))


def _tiny(seed: int) -> Instance:
    """Five agents (two per single skill, with their own proficiencies) on a two-day week of short shifts."""
    rng = np.random.default_rng(seed)
    short = ShiftTemplate("short", 300, hm("08:00"), hm("12:00"), 120, tuple(range(7)),
                          (BreakRule("break", "break", 15, True, 60, 120),), 30)
    contract = dataclasses.replace(LOOSE, contract_id="pt", template_ids=("short",), max_days_per_week=2)
    two_days = (TimeWindow(hm("07:00"), hm("18:00")),) * 2 + (None,) * 5
    agents = tuple(dataclasses.replace(agent(f"A{i}", contract="pt", skills=skills, availability=two_days),
                                       proficiencies=tuple(float(rng.choice(PROFICIENCIES)) for _ in skills))
                   for i, skills in enumerate(SKILLS))
    config = dataclasses.replace(make_config(agents, (contract,), (short,), ("sales", "chat")),
                                 solver=SolverSettings(proficiency_cover=True))
    assert effective_cover.weighted(config)
    req = random_bursts(rng, 6)
    return Instance(config, WEEK, req)


def _optimum(instance: Instance) -> float:
    """CP-SAT's proven optimum of the weighted model."""
    model, _, scale = build_model(instance)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 60  # work, not seconds: the same proof on a loaded machine
    assert solver.solve(model.cp) == cp_model.OPTIMAL
    return solver.objective_value / scale


def _exact(instance: Instance, spent: list[float] | None = None) -> float | None:
    return weighted_bound(instance, math.inf, wall_seconds=math.inf,
                          spend_seconds=(spent if spent is not None else []).append)


def test_exact_bounds_stay_proven_and_tighten() -> None:
    tighter = 0
    for seed in range(3):
        instance = _tiny(seed)
        optimum = _optimum(instance)
        best_member = solve_aggregate(instance, shared_breaks=True)
        assert best_member is not None
        exact = _exact(instance)
        assert exact is not None and best_member.bound - 1e-6 <= exact <= optimum + 1e-6
        whole = weighted_integer_bound(instance, node_limit=200)
        assert whole is not None and exact - 1e-3 <= whole.bound <= optimum + 1e-6
        tighter += exact > best_member.bound + 1
    assert tighter >= 2  # the split changes the bound on most of these centres (else the test shows nothing)


def test_exact_lp_charged_or_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its work is charged; over its share it is left out (its build charged when built) and the best-member LP
    gives the bound as before (its size counted first, then its work)."""
    instance = _tiny(1)
    spent: list[float] = []
    exact = _exact(instance, spent)
    assert exact is not None and len(spent) == 1 and spent[0] > 0
    exact_work = spent[0]
    best_member = solve_aggregate(instance, shared_breaks=True)
    assert best_member is not None
    monkeypatch.setattr(module, "EXACT_SECONDS_PER_CLASS", 0.0)  # predicted to fit, built: over its share
    monkeypatch.setattr(module, "EXACT_LP_SHARE", 1e-9)
    spent.clear()
    assert weighted_bound(instance, 60, wall_seconds=math.inf, spend_seconds=spent.append) == best_member.bound
    count = lp_size_floor(instance, True, patterns=True).count_seconds  # ``lp_size.lp_over``'s count
    assert spent[1:] == [count, lp_work(best_member.variables, best_member.rows)]  # after the exact LP's build alone
    assert 0 < spent[0] < exact_work


def test_exact_classes_mark_proficiency_vectors_only() -> None:
    instance = _tiny(0)
    marked = exact_classes(instance.config)
    for before, after in zip(instance.config.agents, marked.agents, strict=True):
        assert after.skills[:-1] == before.skills and after.skills[-1].startswith(MARKER)
        assert all(after.proficiency(q) == before.proficiency(q) for q in before.skills)
    vectors = {tuple(a.proficiency(q) for q in a.skills) for a in instance.config.agents}
    assert len({a.skills[-1] for a in marked.agents}) == len(vectors)


def test_exact_lp_stopped_tells_the_caller_once() -> None:
    """A stop already come: no LP (neither the exact one nor, after it, the best-member one), nothing charged, the
    caller told once that the clock ended it."""
    stop, timed_out, spent = Stop(), [], []
    stop.interrupt()
    assert weighted_bound(_tiny(1), math.inf, wall_seconds=math.inf, spend_seconds=spent.append, stop=stop,
                          on_time_out=lambda: timed_out.append(True)) is None
    assert spent == [] and timed_out == [True]
