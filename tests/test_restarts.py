"""Local-search restarts from the rounded LP roster start only when the budget left can finish one
(``search.restarts``): a run cut off by the budget ends far from its local optimum and is wasted work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scheduler.domain.roster import Roster
from scheduler.domain.week import Week
from scheduler.io.config import load_config
from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.search.restarts import RESTART_ROOM, restart_fits
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
    solve.solve_roster(Instance(config, week, requirements), time_limit_seconds=2, progress=None)
    from_rounded = [left for roster_id, left in runs if roster_id == runs[0][0]]
    assert len(from_rounded) >= 2
    assert all(left >= RESTART_ROOM * run_units - 1e-9 for left in from_rounded[1:])
    total = 2 * solve.DETERMINISTIC_UNITS_PER_SECOND * solve.BUDGET_SHARE_OF_LIMIT
    # the loop ended for want of room (or its share of the budget), not with budget for another complete run
    assert from_rounded[-1] - run_units < RESTART_ROOM * run_units or (
        total - from_rounded[-1] + run_units > solve.POLISH_SHARE * total)
