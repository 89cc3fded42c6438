"""Day neighbourhoods aimed at a short queue with one companion (``search.scarce_pairs``): a tiny centre where the
only agent skilled for tech's Monday opening works the service evening, and moving a service agent to the evening
at the same time covers both."""

from __future__ import annotations

import numpy as np
import pytest

from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment
from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.search import scarce_pairs
from scheduler.rostering.stopping import Stop
from tests.test_rules import WEEK, agent, hm, make_config

MON = 0


def _instance() -> Instance:
    """T (tech and service) and S (service only), any day and time; tech needs one head on Monday 06:00-07:00,
    service one on Monday 15:30-24:00."""
    config = make_config((agent("T", skills=("tech", "service")), agent("S", skills=("service",))),
                         queue_ids=("tech", "service"))
    requirements = np.zeros((2, WEEK.slot_count), int)
    requirements[0, WEEK.slot(MON, hm("06:00")):WEEK.slot(MON, hm("07:00"))] = 1
    requirements[1, WEEK.slot(MON, hm("15:30")):WEEK.slot(MON, 24 * 60)] = 1
    return Instance(config, WEEK, requirements)


EARLY = (BreakAssignment("break1", hm("08:30"), 15), BreakAssignment("lunch", hm("10:00"), 30))
LATE = (BreakAssignment("break1", hm("16:30"), 15), BreakAssignment("lunch", hm("18:30"), 30))
# T on the late shift (the service evening), S on the early one (nothing to cover): tech's opening is short.
STUCK = Roster((ShiftAssignment("S", WEEK.day(MON), "day", hm("06:00"), 510, 480, EARLY),
                ShiftAssignment("T", WEEK.day(MON), "day", hm("15:30"), 510, 480, LATE)))


def _under(instance: Instance, roster: Roster) -> float:
    return solve.evaluate(instance, roster)[0].amount


def test_targets_coverers_and_companions() -> None:
    instance = _instance()
    found = scarce_pairs.targets(WEEK, solve._shortfall(instance, STUCK))
    first = WEEK.slot(MON, hm("06:00"))
    assert found[0] == scarce_pairs.Target(0, MON, tuple(range(first, first + 4)), 4)
    assert scarce_pairs.coverers(instance.config, WEEK, found[0]) == ("T",)
    weeks = {"T": (STUCK.shifts[1],), "S": (STUCK.shifts[0],)}
    rng = np.random.default_rng(0)
    assert scarce_pairs.companions(instance.config, WEEK, found[0], ("T",), weeks, rng) == ["S"]
    # S off on Monday: no companion that day
    assert scarce_pairs.companions(instance.config, WEEK, found[0], ("T",), {"T": weeks["T"]}, rng) == []


def test_a_queue_many_may_cover_is_not_aimed_at(monkeypatch: pytest.MonkeyPatch) -> None:
    instance = _instance()
    target = scarce_pairs.targets(WEEK, solve._shortfall(instance, STUCK))[0]
    monkeypatch.setattr(scarce_pairs, "COVERERS", 0)
    assert scarce_pairs.coverers(instance.config, WEEK, target) == ()


def test_the_pair_covers_the_opening() -> None:
    """Inside the solve (``solve._scarce_pairs``): T moved to the opening and S to the evening together."""
    instance = _instance()
    current = solve._Roster(instance.config, WEEK)
    for agent_id in ("S", "T"):
        current.set(agent_id, tuple(s for s in STUCK.shifts if s.agent_id == agent_id))
    kept: list[str] = []

    def keep_if_better(roster: Roster, phase: str) -> None:
        if solve._total(solve.evaluate(instance, roster)) < solve._total(solve.evaluate(instance, current.roster())):
            kept.append(phase)
            for agent_id in ("S", "T"):
                current.set(agent_id, tuple(s for s in roster.shifts if s.agent_id == agent_id))

    before = solve._shortfall(instance, STUCK)
    budget = solve._Budget(10.0, True, Stop().start(None))
    solve._scarce_pairs(instance, current, budget, 1, 0, keep_if_better,
                        lambda: solve._total(solve.evaluate(instance, current.roster())))
    assert kept and set(kept) == {"scarce pairs"}
    after = solve._shortfall(instance, current.roster())
    assert before[0].sum() == 4 and after[0].sum() == 0  # tech's opening covered
    assert after[1].sum() <= before[1].sum()  # and the service evening no shorter
    starts = {s.agent_id: s.start_minute for s in current.roster().shifts}
    assert starts["T"] <= hm("06:00") and starts["S"] >= hm("15:00")
    assert 0 < budget.used <= budget.total * solve.SCARCE_PAIRS_SHARE + 1.0  # charged, about its share


def test_same_roster_twice() -> None:
    instance = _instance()
    rosters = []
    for _ in range(2):
        current = solve._Roster(instance.config, WEEK)
        for agent_id in ("S", "T"):
            current.set(agent_id, tuple(s for s in STUCK.shifts if s.agent_id == agent_id))

        def keep_if_better(roster: Roster, phase: str, current: solve._Roster = current) -> None:
            if solve._total(solve.evaluate(instance, roster)) < solve._total(
                    solve.evaluate(instance, current.roster())):
                for agent_id in ("S", "T"):
                    current.set(agent_id, tuple(s for s in roster.shifts if s.agent_id == agent_id))

        budget = solve._Budget(10.0, True, Stop().start(None))
        solve._scarce_pairs(instance, current, budget, 1, 0, keep_if_better,
                            lambda current=current: solve._total(solve.evaluate(instance, current.roster())))
        rosters.append(current.roster())
    assert rosters[0] == rosters[1]
