"""The weekly mode's aggregate LP solved by HiGHS's IPM and crossover (``search.lp_highs``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.rostering.instance import Instance
from scheduler.rostering.search import weekly_start
from scheduler.rostering.search.lower_bound import GLOP, HIGHS_IPM, solve_aggregate
from tests.test_rules import WEEK
from tests.test_subset_bound import _centre
from tests.test_weekly_service_level import WEEKLY, _instance, _tiny


def test_highs_solves_the_weekly_lp_to_glops_optimum_and_repeats_itself(tmp_path: Path) -> None:
    """Same optimum as GLOP's (the bound), a plan with every class's agents, and the same plan on a second solve."""
    weekly = _instance(_tiny(tmp_path / "w", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    glop = solve_aggregate(weekly, method=GLOP)
    highs = solve_aggregate(weekly, method=HIGHS_IPM)
    assert glop is not None and highs is not None
    # the same LP to the last digit: through MPS text (six significant digits) one row's bound was rounded and
    # HiGHS's bound came out 2.0 below GLOP's 3,590,290.93
    assert abs(highs.bound - glop.bound) <= 1e-7 * abs(glop.bound) + 1 / 60
    for plan in highs.plans:
        assert abs(sum(plan.pattern_weights) - len(plan.agent_class.agent_ids)) < 1e-6 or not plan.patterns
    again = solve_aggregate(weekly, method=HIGHS_IPM)
    assert again is not None and again.plans == highs.plans and again.bound == highs.bound


def test_the_weekly_mode_alone_solves_its_lp_with_highs_when_on(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Off by default (GLOP, charged as before); on, the weekly LP alone is HiGHS's, charged HiGHS's factor."""
    weekly = _instance(_tiny(tmp_path / "w", ("q1", "q2"), "objective:\n" + WEEKLY, contacts=14.0))
    assert weekly_start.lp_method(weekly) == GLOP
    assert weekly_start.lp_work_factor(weekly) == weekly_start.GLOP_WEEKLY_LP_WORK_FACTOR
    monkeypatch.setattr(weekly_start, "WEEKLY_LP_METHOD", HIGHS_IPM)
    assert weekly_start.lp_method(weekly) == HIGHS_IPM
    assert weekly_start.lp_work_factor(weekly) == weekly_start.HIGHS_WEEKLY_LP_WORK_FACTOR
    lean = weekly_start.interval_instance(weekly)
    assert lean is not None and weekly_start.lp_method(lean) == GLOP
    config, req = _centre(1, agents=5)
    assert weekly_start.lp_method(Instance(config, WEEK, req)) == GLOP
