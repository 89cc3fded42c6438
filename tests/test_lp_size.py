"""The aggregate LP's size counted before it is built, and the weekly mode's start when its LPs are over their
share (``search.lp_size``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.search import lower_bound, lp_size, weekly_start
from scheduler.rostering.search.lower_bound import lp_work, solve_aggregate
from scheduler.rostering.solve import solve_roster
from scheduler.rostering.stopping import Stop
from tests.test_rules import WEEK
from tests.test_subset_bound import _centre
from tests.test_weekly_service_level import WEEKLY, _instance, _tiny


def _built(instance: Instance) -> tuple[int, int]:
    """The columns and rows of the instance's aggregate LP, built and not solved."""
    size: list[tuple[int, int]] = []
    assert solve_aggregate(instance, max_work_seconds=0.0, on_built=lambda c, r: size.append((c, r))) is None
    return size[0]


@pytest.mark.parametrize("shared_above", [lower_bound.SHARED_BREAKS_ABOVE_SKILL_SETS, 1])
def test_the_floor_never_counts_more_than_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    shared_above: int) -> None:
    """Weekly, lean and per-interval instances, with breaks per skill set and shared: the counted columns and
    rows are at most the built LP's, and a fair part of its columns (most outside the weekly rows)."""
    monkeypatch.setattr(lower_bound, "SHARED_BREAKS_ABOVE_SKILL_SETS", shared_above)
    monkeypatch.setattr(lp_size, "SHARED_BREAKS_ABOVE_SKILL_SETS", shared_above)
    weekly = _instance(_tiny(tmp_path / "w", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    lean = weekly_start.interval_instance(weekly)
    assert lean is not None
    config, req = _centre(1, agents=5)
    for instance, least in ((weekly, 0.2), (lean, 0.5), (Instance(config, WEEK, req), 0.5)):
        floor = lp_size.lp_size_floor(instance)
        columns, rows = _built(instance)
        assert least * columns <= floor.columns <= columns
        assert 0 < floor.rows <= rows


def test_the_weekly_lp_is_skipped_only_when_over_its_share(tmp_path: Path) -> None:
    """Predicted over only when the built LP is over too; never in the per-interval mode."""
    weekly = _instance(_tiny(tmp_path / "w", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    charged = lp_work(*_built(weekly)) * weekly_start.lp_work_factor(weekly)  # what ``_charged_lp`` compares
    assert not lp_size.weekly_lp_over(weekly, charged)  # fits exactly: built as today
    floor = lp_size.lp_size_floor(weekly)
    predicted = lp_work(floor.columns, floor.rows) * weekly_start.lp_work_factor(weekly)
    assert lp_size.weekly_lp_over(weekly, 0.99 * predicted)
    config, req = _centre(1, agents=5)
    assert not lp_size.weekly_lp_over(Instance(config, WEEK, req), 0.0)


def test_the_merged_lean_start_plans_the_lean_requirement(tmp_path: Path) -> None:
    weekly = _instance(_tiny(tmp_path / "w", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    solution = lp_size.merged_lean_start(weekly, max_skill_sets=1)
    assert solution is not None and solution.bound == 0.0
    assert sum(sum(plan.pattern_weights) for plan in solution.plans) > 0  # agents planned on shifts
    config, req = _centre(1, agents=5)
    assert lp_size.merged_lean_start(Instance(config, WEEK, req)) is None  # not the weekly mode


def test_the_solve_keeps_todays_start_where_the_lp_fits_and_falls_back_to_merged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a tiny weekly centre the weekly LP fits: the roster is the one without the prediction. With both LPs
    made over their share, the merged lean LP gives the start (before: agents one at a time)."""
    weekly = _instance(_tiny(tmp_path / "w", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    assert not lp_size.weekly_lp_over(weekly, solve.LP_SHARE * 1.0)
    kept = solve_roster(weekly, time_limit_seconds=2, progress=None, stop=Stop(wall_seconds=600)).roster
    monkeypatch.setattr(lp_size, "weekly_lp_over", lambda instance, seconds: False)
    assert solve_roster(weekly, time_limit_seconds=2, progress=None, stop=Stop(wall_seconds=600)).roster == kept

    monkeypatch.setattr(lp_size, "weekly_lp_over", lambda instance, seconds: True)
    monkeypatch.setattr(weekly_start, "interval_lp_start", lambda *args, **kwargs: None)
    monkeypatch.setattr(solve, "COARSER", (16, 1, 1))  # two skill sets count as many here
    called: list[int] = []
    merged = lp_size.merged_lean_start
    monkeypatch.setattr(lp_size, "merged_lean_start",
                        lambda *args, **kwargs: called.append(1) or merged(*args, **kwargs))
    result = solve_roster(weekly, time_limit_seconds=2, progress=None, stop=Stop(wall_seconds=600))
    assert called and result.roster.shifts


def test_the_lean_lp_gets_the_merged_share_past_8_skill_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past 8 skill sets the weekly mode's lean LP may take at most the merged LP's share of the limit (at 150 x 8
    on a 30-s budget it took most of it, and the search could not meet the weekly targets); below, half."""
    weekly = _instance(_tiny(tmp_path / "w", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    monkeypatch.setattr(lp_size, "weekly_lp_over", lambda instance, seconds: True)
    shares: list[float] = []

    def recorded(*args: object, max_work_seconds: float, **kwargs: object) -> None:
        shares.append(max_work_seconds)

    monkeypatch.setattr(weekly_start, "interval_lp_start", recorded)
    monkeypatch.setattr(solve, "COARSER", (16, 1, 1))  # two skill sets count as many here
    solve_roster(weekly, time_limit_seconds=2, progress=None, stop=Stop(wall_seconds=600))
    monkeypatch.setattr(solve, "COARSER", (16, 8, 4))  # two skill sets are few
    solve_roster(weekly, time_limit_seconds=2, progress=None, stop=Stop(wall_seconds=600))
    assert shares == [pytest.approx(solve.MERGED_LP_SHARE * 2), pytest.approx(solve.LP_SHARE * 2)]
    assert solve.MERGED_LP_SHARE < solve.LP_SHARE
