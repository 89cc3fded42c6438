"""Local-search restarts from the rounded LP roster start only when the budget left can finish one
(``search.restarts``): a run cut off by the budget ends far from its local optimum and is wasted work."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from scheduler.domain.roster import Roster, ShiftAssignment
from scheduler.domain.week import Week
from scheduler.io.config import load_config
from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.search.restarts import RESTART_ROOM, crossover, restart_fits
from tests.tiny_centre import WEEK_START, TinyAgent, TinyCentre, write


def test_a_restart_fits_only_in_the_budget_of_the_longest_run_so_far() -> None:
    assert restart_fits(2.0, 2.0 / RESTART_ROOM)
    assert not restart_fits(1.99, 2.0 / RESTART_ROOM)
    assert restart_fits(0.5, 0.0)  # no run yet: nothing to go by


@pytest.mark.parametrize("run_units", [0.08, 0.2])
def test_no_local_search_restart_starts_without_room_to_finish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               run_units: float) -> None:
    """Each local-search run takes ``run_units`` (a stand-in that charges them and changes nothing): runs from
    the rounded roster go on while one more fits, and none is started to be cut off."""
    agents = tuple(TinyAgent(f"A{i}", "full_time", ("q1",)) for i in range(1, 4))
    plan, _ = write(TinyCentre(agents=agents), tmp_path / "centre")
    config = load_config(plan)
    week = Week(WEEK_START, config.interval_minutes)
    requirements = np.zeros((1, week.slot_count), dtype=np.int64)
    requirements[0, [week.slot(day, 10 * 60) for day in range(5)]] = 1
    runs: list[tuple[int, float]] = []  # (id of the roster polished, budget left when the run started)

    def fixed_run(instance, roster: Roster, *, units_left, spend, **kwargs) -> Roster:
        runs.append((id(roster), units_left()))
        spend(min(run_units, units_left()))
        return roster

    monkeypatch.setattr(solve, "polish", fixed_run)
    # (every run from the same rounded roster: the runs from the other dealing's start, ALTERNATE_DEALING, are
    # another roster, and this test tells the runs from the rounded roster by the roster polished)
    monkeypatch.setattr(solve, "ALTERNATE_DEALING", False)
    solve.solve_roster(Instance(config, week, requirements), time_limit_seconds=2, progress=None)
    from_rounded = [left for roster_id, left in runs if roster_id == runs[0][0]]
    assert len(from_rounded) >= 2
    assert all(left >= RESTART_ROOM * run_units - 1e-9 for left in from_rounded[1:])
    total = 2 * solve.DETERMINISTIC_UNITS_PER_SECOND * solve.BUDGET_SHARE_OF_LIMIT
    # the loop ended for want of room (or its share of the budget), not with budget for another complete run
    assert from_rounded[-1] - run_units < RESTART_ROOM * run_units or (
        total - from_rounded[-1] + run_units > solve.POLISH_SHARE * total)


def _shift(agent_id: str, day: int, start_minute: int) -> ShiftAssignment:
    return ShiftAssignment(agent_id, WEEK_START + timedelta(days=day), "day", start_minute, 480, 450, ())


def test_a_crossover_takes_whole_weeks_from_one_parent_each() -> None:
    agent_ids = [f"A{i}" for i in range(10)]
    best = Roster(tuple(_shift(a, d, 8 * 60) for a in agent_ids for d in range(5)))
    other = Roster(tuple(_shift(a, d, 10 * 60) for a in agent_ids for d in range(1, 6)))
    child = crossover(best, other, agent_ids, np.random.default_rng(3), share=0.3)
    parents = {}
    for agent_id in agent_ids:
        week = tuple(s for s in child.shifts if s.agent_id == agent_id)
        parents[agent_id] = next(name for name, parent in (("best", best), ("other", other))
                                 if week == tuple(s for s in parent.shifts if s.agent_id == agent_id))
    assert sorted(parents.values()).count("other") == 3
    assert child == crossover(best, other, agent_ids, np.random.default_rng(3), share=0.3)  # seeded
    assert list(child.shifts) == sorted(child.shifts, key=lambda s: (s.agent_id, s.date))


def test_crossover_restarts_run_after_the_rounded_runs_and_keep_only_better_rosters(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs from the rounded roster end, then crossovers of the best roster and another run's are polished
    while the budget left covers the longest of them; the solve's roster is never worse than the best run."""
    agents = tuple(TinyAgent(f"A{i}", "full_time" if i % 2 else "part_time", ("q1",)) for i in range(1, 7))
    plan, _ = write(TinyCentre(agents=agents), tmp_path / "centre")
    config = load_config(plan)
    week = Week(WEEK_START, config.interval_minutes)
    requirements = np.zeros((1, week.slot_count), dtype=np.int64)
    for day in range(7):
        requirements[0, week.slot(day, 9 * 60):week.slot(day, 17 * 60)] = 2
    phases: list[tuple[str, float]] = []
    real_polish = solve.polish

    def recorded(instance, roster: Roster, **kwargs) -> Roster:
        result = real_polish(instance, roster, **kwargs)
        phases.append(("run", sum(c.penalty for c in solve.evaluate(instance, result))))
        return result

    def recorded_crossover(*args, **kwargs) -> Roster:
        phases.append(("crossover", 0.0))
        return crossover(*args, **kwargs)

    monkeypatch.setattr(solve, "polish", recorded)
    monkeypatch.setattr(solve, "crossover", recorded_crossover)
    monkeypatch.setattr(solve, "ALTERNATE_DEALING", False)  # (its start's build leaves this tiny budget no crossover)
    result = solve.solve_roster(Instance(config, week, requirements), time_limit_seconds=10, progress=None)
    kinds = [kind for kind, _ in phases]
    assert "crossover" in kinds and kinds.index("crossover") >= 1  # after at least one run from the rounded roster
    assert result.stats.objective <= min(total for kind, total in phases if kind == "run") + 1e-6
    assert result.stats.budget_completed
