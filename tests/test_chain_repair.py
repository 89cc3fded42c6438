"""Local-search moves beyond one shift in its template: two-link repairs of short intervals, template moves."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from scheduler.domain.plan import TimeWindow
from scheduler.domain.roster import Roster
from scheduler.rostering.instance import Instance
from scheduler.rostering.search import polish as local
from scheduler.rostering.search.chain_repair import roster_cost
from scheduler.rostering.search.template_moves import best_template_change
from scheduler.rostering.solve import evaluate
from tests.test_polish import _shift, _total, _valid
from tests.test_rules import DAY, LOOSE, SIX, WEEK, agent, hm, make_config

MORNING = TimeWindow(hm("06:00"), hm("14:30"))


def _late_short_centre():
    """A1 works Monday 06:00-14:30 and is the only agent free in the evening; A2 may work Monday mornings only.
    Monday needs one head 06:00-07:00 (before A1's first break) and one 23:30-24:00: A1 moving to the evening
    alone would leave more short than it covers."""
    config = make_config((agent("A1"), agent("A2", availability=(MORNING,) + (None,) * 6)))
    req = np.zeros((1, WEEK.slot_count), dtype=np.int64)
    req[0, WEEK.slot(0, hm("06:00")):WEEK.slot(0, hm("07:00"))] = 1
    req[0, WEEK.slot(0, hm("23:30")):WEEK.slots_per_day] = 1
    return config, req, Roster((_shift("A1", "06:00", 60, 180),))


@pytest.mark.parametrize("chains", [True, False])
def test_an_evening_no_single_change_can_cover_gets_a_chain(chains: bool, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A1 moving to the evening leaves the morning short; A2 then covers the morning. Without chains (the
    one-change repair alone) the evening stays short: each single change costs more than it gains."""
    monkeypatch.setattr(local, "CHAIN_REPAIR", chains)
    config, req, roster = _late_short_centre()
    polished = local.polish(Instance(config, WEEK, req), roster, seed=0)
    under = evaluate(Instance(config, WEEK, req), polished)[0]
    assert under.rule == "understaffing"
    assert under.amount == (0 if chains else 2)
    assert _total(config, polished, req) <= _total(config, roster, req)
    assert _valid(config, polished, tmp_path) == []
    if chains:
        assert {s.agent_id: s.start_minute for s in polished.shifts}["A2"] < hm("09:00")


def test_a_template_move_is_scored_exactly_and_keeps_the_rules() -> None:
    """An 8-hour shift's last hours over-staff: the move to the 6-hour template is found, and its score is the
    exact change of the roster's cost."""
    config = make_config((agent("A1"),), (dataclasses.replace(LOOSE, template_ids=("day", "six")),), (DAY, SIX))
    req = np.zeros((1, WEEK.slot_count), dtype=np.int64)
    req[0, WEEK.slot(0, hm("08:00")):WEEK.slot(0, hm("14:00"))] = 1
    roster = Roster((_shift("A1", "08:00", 60, 180),))
    instance = Instance(config, WEEK, req)
    polisher = local._Polisher(instance, roster)
    before = roster_cost(polisher)
    move, delta = best_template_change(polisher, roster.shifts[0], lambda units: None, local._with_breaks,
                                       local.UNITS_PER_MOVE, local.SWAP_CHECK_UNITS)
    assert move is not None and move.template_id == "six" and delta < 0
    polisher.take(roster.shifts[0])
    polisher.put(move)
    assert roster_cost(polisher) == pytest.approx(before + delta)
    assert polisher.keeps("A1", 0, move)
