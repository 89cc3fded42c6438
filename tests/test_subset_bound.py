"""The merged-queue LP bound (``search.subset_bound``): never above a proven optimum on small centres with many
queues, the full LP where nothing is merged, and what the solve uses when skill sets are many."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scheduler.domain.plan import BreakRule, ShiftTemplate, TimeWindow
from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.search import subset_bound
from scheduler.rostering.search.lower_bound import solve_aggregate
from scheduler.rostering.search.subset_bound import merged_cover, queue_groups, skill_sets, solve_merged
from scheduler.rostering.solve import solve_roster
from tests.test_lower_bound import _optimum
from tests.test_rules import LOOSE, WEEK, agent, hm, make_config

QUEUES = ("q1", "q2", "q3", "q4", "q5")
SHORT = ShiftTemplate("short", 300, hm("08:00"), hm("12:00"), 120, tuple(range(7)),
                      (BreakRule("break", "break", 15, True, 60, 120),), 30)
TWO_DAYS = (TimeWindow(hm("07:00"), hm("18:00")),) * 2 + (None,) * 5


def _centre(seed: int, agents: int = 3) -> tuple:
    """A random two-day centre: five queues, agents with one to three random skills each."""
    rng = np.random.default_rng(seed)
    contract = dataclasses.replace(LOOSE, contract_id="pt", template_ids=("short",), max_days_per_week=2,
                                   min_rest_minutes=12 * 60)
    staff = tuple(agent(f"A{i}", contract="pt", availability=TWO_DAYS,
                        skills=tuple(sorted(rng.choice(QUEUES, size=int(rng.integers(1, 4)), replace=False).tolist(),
                                            key=QUEUES.index)))
                  for i in range(agents))
    config = make_config(staff, (contract,), (SHORT,), QUEUES)
    req = np.zeros((len(QUEUES), WEEK.slot_count), int)
    for _ in range(5):
        q, day, start = int(rng.integers(0, len(QUEUES))), int(rng.integers(0, 2)), int(rng.integers(32, 60))
        req[q, WEEK.slot(day, start * 15):WEEK.slot(day, start * 15) + int(rng.integers(4, 16))] += 1
    return config, req


# Seeds whose full CP-SAT model is proven optimal within the deterministic limit of ``_optimum``.
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_merged_bound_never_above_the_proven_optimum(seed: int) -> None:
    """Merging the five queues into one or two groups keeps the bound at or below CP-SAT's proven optimum."""
    config, req = _centre(seed)
    instance = Instance(config, WEEK, req)
    optimum = _optimum(config, req)
    for most in (1, 2):
        groups = queue_groups(instance, most)
        assert sorted(q for g in groups for q in g) == sorted(q for q in QUEUES if req[QUEUES.index(q)].any())
        solution = solve_merged(instance, max_skill_sets=most)
        assert solution is not None
        assert solution.bound <= optimum + 1e-6


def test_nothing_merged_is_the_full_lp() -> None:
    """With room for every skill set the groups are the queues themselves and the bound is the full LP's."""
    config, req = _centre(3)
    req[:, WEEK.slot(0, hm("09:00"))] += 1  # every queue required: none is left out
    instance = Instance(config, WEEK, req)
    assert queue_groups(instance, skill_sets(instance)) == tuple((q,) for q in QUEUES)
    full, merged = solve_aggregate(instance), solve_merged(instance, max_skill_sets=skill_sets(instance))
    assert full is not None and merged is not None
    assert merged.bound == pytest.approx(full.bound, abs=1e-6)


def test_merged_cover_sums_requirements_and_unites_skills() -> None:
    staff = (agent("A1", skills=("q3", "q4")), agent("A2", skills=("q4", "q5")), agent("A3", skills=("q2", "q3")))
    config = make_config(staff, queue_ids=QUEUES)
    req = np.arange(len(QUEUES) * WEEK.slot_count).reshape(len(QUEUES), WEEK.slot_count) % 3
    cover = merged_cover(Instance(config, WEEK, req), (("q1", "q3"), ("q2",)))
    assert cover.queue_ids == ("q1", "q2")
    assert (cover.requirements[0] == req[0] + req[2]).all() and (cover.requirements[1] == req[1]).all()
    assert cover.skills_of == {("q3", "q4"): ("q1",), ("q4", "q5"): (), ("q2", "q3"): ("q1", "q2")}


def test_groups_follow_shared_agents() -> None:
    """Queues served by the same agents merge first: they lose least of the bound."""
    staff = (agent("A1", skills=("q1", "q2")), agent("A2", skills=("q1", "q2")), agent("A3", skills=("q3",)),
             agent("A4", skills=("q4",)), agent("A5", skills=("q1",)))
    config = make_config(staff, queue_ids=("q1", "q2", "q3", "q4"))
    req = np.ones((4, WEEK.slot_count), int)
    groups = queue_groups(Instance(config, WEEK, req), 3)
    assert groups == (("q1", "q2"), ("q3",), ("q4",))


def test_solve_with_many_skill_sets_uses_the_merged_lp(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``FULL_LP_MAX_SKILL_SETS`` the solve's bound and start come from the merged LP: a valid roster,
    its objective at or above the bound."""
    config, req = _centre(0, agents=5)
    config = dataclasses.replace(config, solver=dataclasses.replace(config.solver, time_limit_seconds=2))
    monkeypatch.setattr(subset_bound, "FULL_LP_MAX_SKILL_SETS", 1)
    monkeypatch.setattr(subset_bound, "MAX_SKILL_SETS", 1)
    called: list[int] = []
    monkeypatch.setattr(solve, "solve_merged", lambda *args, **kwargs: called.append(1) or solve_merged(
        *args, **kwargs))
    result = solve_roster(Instance(config, WEEK, req), progress=None)
    assert called
    assert result.stats.best_bound <= result.stats.objective + 1e-6
    assert result.stats.best_bound > 0
