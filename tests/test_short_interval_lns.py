"""Neighbourhoods aimed at the short intervals of a weighted roster (``search.short_interval_lns``): a tiny centre
where no one-shift move covers Monday's opening, but re-planning the weeks of the agent who could cover it and of
the agent who could take over its Tuesday does."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scheduler.domain.plan import SolverSettings, TimeWindow
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment
from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.search import short_interval_lns
from scheduler.rostering.search.polish import polish
from scheduler.rostering.stopping import Stop
from tests.test_rules import LOOSE, TUE, WEEK, agent, hm, make_config

MON = 0
ONE_DAY = dataclasses.replace(LOOSE, contract_id="one_day", max_days_per_week=1)
ANY = TimeWindow(0, 24 * 60)


def _instance() -> Instance:
    """A may work any day, B only on Tuesday, each one day a week (both 1.2 average agents on sales). Sales needs
    one average agent on Monday 06:00-07:00 and on Tuesday 06:00-08:00."""
    a = dataclasses.replace(agent("A", contract="one_day"), proficiencies=(1.2,))
    b = dataclasses.replace(agent("B", contract="one_day", availability=(None, ANY) + (None,) * 5),
                            proficiencies=(1.2,))
    config = dataclasses.replace(make_config((a, b), (ONE_DAY,)), solver=SolverSettings(proficiency_cover=True))
    requirements = np.zeros((1, WEEK.slot_count), int)
    requirements[0, WEEK.slot(MON, hm("06:00")):WEEK.slot(MON, hm("07:00"))] = 1
    requirements[0, WEEK.slot(TUE, hm("06:00")):WEEK.slot(TUE, hm("08:00"))] = 1
    return Instance(config, WEEK, requirements)


# A covers the longer Tuesday morning (break at 08:30, lunch at 10:00) and B is off: Monday's opening is short,
# and moving A there leaves Tuesday's two hours short instead.
BREAKS = (BreakAssignment("break1", hm("08:30"), 15), BreakAssignment("lunch", hm("10:00"), 30))
STUCK = Roster((ShiftAssignment("A", WEEK.day(TUE), "day", hm("06:00"), 510, 480, BREAKS),))


def _under(instance: Instance, roster: Roster) -> float:
    return solve.evaluate(instance, roster)[0].amount


def test_one_shift_moves_leave_monday_short() -> None:
    instance = _instance()
    assert _under(instance, STUCK) == 4.0  # Monday 06:00-07:00, four 15-minute intervals
    assert _under(instance, polish(instance, STUCK, seed=0)) == 4.0


def test_targets_and_neighbourhood_aim_at_the_short_opening() -> None:
    instance = _instance()
    weeks = {"A": STUCK.shifts, "B": ()}
    found = short_interval_lns.targets(instance.config, WEEK, STUCK, instance.requirements)
    first = WEEK.slot(MON, hm("06:00"))
    assert found == [short_interval_lns.Target(0, MON, tuple(range(first, first + 4)), 400)]
    # A can cover it; B cannot (Tuesday only) but could take over A's Tuesday
    rng = np.random.default_rng(0)
    assert short_interval_lns.neighbourhood(instance.config, WEEK, found[0], weeks, rng) == ("A", "B")


@pytest.mark.parametrize("whole_centre", [True, False])
def test_the_neighbourhood_covers_the_opening(monkeypatch: pytest.MonkeyPatch, whole_centre: bool) -> None:
    """Inside the solve (``solve._search_short_intervals``): the re-planned weeks put A on Monday and B on
    Tuesday, found by the whole-centre solve or, with it off, by the aimed neighbourhood."""
    if not whole_centre:
        monkeypatch.setattr(short_interval_lns, "WHOLE_CENTRE_AGENTS", 0)
    instance = _instance()
    current = solve._Roster(instance.config, WEEK)
    current.set("A", STUCK.shifts)
    current.set("B", ())
    kept: list[str] = []

    def keep_if_better(roster: Roster, phase: str) -> None:  # the solve's own, by the weighted objective
        if solve._total(solve.evaluate(instance, roster)) < solve._total(solve.evaluate(instance, current.roster())):
            kept.append(phase)
            for agent_id in ("A", "B"):
                current.set(agent_id, tuple(s for s in roster.shifts if s.agent_id == agent_id))

    budget = solve._Budget(10.0, True, Stop().start(None))
    solve._search_short_intervals(instance, current, budget, 1, 0, keep_if_better,
                                  lambda: solve._total(solve.evaluate(instance, current.roster())))
    assert kept and set(kept) == {"short intervals"}
    roster = current.roster()
    assert _under(instance, roster) == 0.0
    assert [(s.agent_id, WEEK.day_index(s.date)) for s in roster.shifts] == [("A", MON), ("B", TUE)]
    assert 0 < budget.used <= budget.total * short_interval_lns.SHARE  # charged, within its share
