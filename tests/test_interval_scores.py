"""Moves scored by prefix sums (``search.interval_scores``) score exactly as the rows of slots do."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scheduler.domain.roster import Roster
from scheduler.rostering.instance import Instance
from scheduler.rostering.search import polish as local
from scheduler.rostering.search.lower_bound import solve_aggregate
from scheduler.rostering.search.lp_start import lp_weeks
from tests.test_lp_start import _centre
from tests.test_rules import WEEK


def _rounded(config, req: np.ndarray) -> Roster:
    solution = solve_aggregate(Instance(config, WEEK, req))
    weeks = lp_weeks(Instance(config, WEEK, req), solution)
    return Roster(tuple(sorted((s for w in weeks.values() for s in w), key=lambda s: (s.agent_id, s.date))))


@pytest.mark.parametrize("cap", [None, 1, 2])
def test_prefix_sums_score_every_move_as_the_rows_do(cap: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    config, req = _centre(10)
    rounded = _rounded(config, req)
    config = dataclasses.replace(config, max_agents_on_break=cap)
    polisher = local._Polisher(Instance(config, WEEK, req), rounded)
    assert polisher.units_per_move == local.UNITS_PER_FAST_MOVE  # the head-count cover: the fast path applies
    compared = refused = 0
    for shift in list(polisher.by_key.values()):
        day = polisher.day_of[shift.date]
        candidates, _ = polisher.move_candidates(shift)
        swaps = polisher.day_swaps(shift)
        cases = [(day, shift, candidates), (day, None, candidates)]  # a move, and the agent's day off filled
        for other in sorted({s.date for s in swaps}):
            cases.append((polisher.day_of[other], None, [s for s in swaps if s.date == other]))
        for at, current, shifts in cases:
            monkeypatch.setattr(local, "FAST_SCORES", True)
            fast = polisher._window_deltas(shift.agent_id, at, current, shifts)
            monkeypatch.setattr(local, "FAST_SCORES", False)
            rows = polisher._window_deltas(shift.agent_id, at, current, shifts)
            assert fast == rows
            compared += len(shifts)
            refused += sum(d is None for d in rows)
    assert compared > 500
    if cap == 1:
        assert refused > 0  # the cap's refusals are compared too


def test_the_local_search_finds_the_same_roster_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    config, req = _centre(10)
    rounded = _rounded(config, req)
    config = dataclasses.replace(config, max_agents_on_break=2)
    found = []
    for fast in (True, False):
        monkeypatch.setattr(local, "FAST_SCORES", fast)
        found.append(local.polish(Instance(config, WEEK, req), rounded, seed=1))
    assert found[0] == found[1]
    assert found[0] != rounded
