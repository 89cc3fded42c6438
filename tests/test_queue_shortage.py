"""A queue's shortage in every roster (``search.queue_shortage``) and the merged-queue LP's caps it sets
(``search.subset_bound``): exact where one agent serves a queue, never above a proven optimum, and the bound it
restores where a scarce queue is merged with a large one."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scheduler.app.horizon import relaxed_bound_after
from scheduler.diagnose.skill_shortage import short_by_queue, skill_shortage_warnings
from scheduler.domain.plan import BreakRule, ShiftTemplate
from scheduler.domain.roster import Roster
from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.search import lower_bound, queue_shortage
from scheduler.rostering.search.lower_bound import solve_aggregate
from scheduler.rostering.search.subset_bound import COARSER, capped_bound, merged_cover, queue_groups, solve_merged
from scheduler.rostering.stopping import Stop
from tests.test_lower_bound import _optimum
from tests.test_rules import LOOSE, WEEK, agent, hm, make_config
from tests.test_subset_bound import QUEUES, SHORT, TWO_DAYS, _centre


def _one_agent_on_q1() -> Instance:
    """q1 needs one head 07:00-18:00 on both days; only A1 (one five-hour shift a day, a 15-minute break, two
    days) may serve it; A2 serves q2, which needs nothing."""
    contract = dataclasses.replace(LOOSE, contract_id="pt", template_ids=("short",), max_days_per_week=2,
                                   min_rest_minutes=12 * 60)
    staff = (agent("A1", contract="pt", availability=TWO_DAYS, skills=("q1",)),
             agent("A2", contract="pt", availability=TWO_DAYS, skills=("q2",)))
    config = make_config(staff, (contract,), (SHORT,), QUEUES)
    req = np.zeros((len(QUEUES), WEEK.slot_count), int)
    for day in (0, 1):
        req[0, WEEK.slot(day, hm("07:00")):WEEK.slot(day, hm("18:00"))] = 1
    return Instance(config, WEEK, req)


def test_one_agent_leaves_what_one_shift_a_day_cannot_cover() -> None:
    """44 quarter-hours a day, one shift of 19 on the floor (5 h less the break): 25 short a day, 50 in all."""
    instance = _one_agent_on_q1()
    assert queue_shortage.forced_shortage(instance, 0) == 50
    assert queue_shortage.forced_shortage(instance, 1) == 0  # nothing required


def test_a_queue_no_one_serves_is_short_all_of_it() -> None:
    instance = _one_agent_on_q1()
    req = np.array(instance.requirements)
    req[2, WEEK.slot(0, hm("09:00")):WEEK.slot(0, hm("10:00"))] = 2
    assert queue_shortage.forced_shortage(instance.with_requirements(req), 2) == 8


def test_the_work_is_charged() -> None:
    spent: list[float] = []
    queue_shortage.forced_shortage(_one_agent_on_q1(), 0, spend_seconds=spent.append)
    assert len(spent) == 1 and spent[0] > 0


def test_an_lp_over_its_share_counts_nothing() -> None:
    spent: list[float] = []
    assert queue_shortage.forced_shortage(_one_agent_on_q1(), 0, max_work_seconds=0.0, spend_seconds=spent.append) == 0
    assert spent and spent[0] > 0  # built, found too large: its build charged


def test_the_own_agents_centre_keeps_only_the_queues_agents_and_rules_of_their_own() -> None:
    instance = _one_agent_on_q1()
    own = queue_shortage.own_agents_instance(instance, 0)
    assert [a.agent_id for a in own.config.agents] == ["A1"]
    assert own.config.agents[0].skills == ("q1",)
    assert own.config.floor_rules == () and own.config.max_agents_on_break is None
    assert int(own.requirements[1:].sum()) == 0 and (own.requirements[0] == instance.requirements[0]).all()


# Seeds of ``test_subset_bound._centre`` whose CP-SAT model is proven optimal and where a queue merged with others
# is short in every roster.
@pytest.mark.parametrize("seed", [0, 1, 3, 5, 7])
def test_capped_merged_bound_rises_and_stays_below_the_proven_optimum(seed: int) -> None:
    """All queues merged into one: without the caps the scarce queue looks covered by the others' agents; with
    them the bound rises, and stays at or below CP-SAT's proven optimum."""
    config, req = _centre(seed)
    instance = Instance(config, WEEK, req)
    shortages = {q: queue_shortage.forced_shortage(instance, i) for i, q in enumerate(instance.queue_ids)}
    groups = queue_groups(instance, 1)
    assert sum(shortages[q] for q in groups[0]) > 0
    uncapped = solve_aggregate(instance, cover=merged_cover(instance, groups))
    capped = solve_aggregate(instance, cover=merged_cover(instance, groups, shortages))
    after = capped_bound(instance, 1)  # what the solve proves after its search counts the same shortages
    plan = solve_merged(instance, max_skill_sets=1)  # the start's LP stays uncapped
    assert uncapped is not None and capped is not None and after is not None and plan is not None
    assert capped.bound > uncapped.bound + 500  # at least half an under-staffed agent-interval more
    assert after == pytest.approx(capped.bound, abs=1e-6)
    assert plan.bound == pytest.approx(uncapped.bound, abs=1e-6)
    assert capped.bound <= _optimum(config, req) + 1e-6


def test_every_queues_shortage_at_most_what_an_optimal_roster_leaves() -> None:
    """The shortage is a lower bound per queue: the proven optimum (under-staffing dominates its weights)
    leaves at least that much of each queue short."""
    config, req = _centre(5)
    instance = Instance(config, WEEK, req)
    total = sum(queue_shortage.forced_shortage(instance, i) for i in range(len(QUEUES)))
    assert total > 0
    assert total * config.weights.understaffed_agent_interval <= _optimum(config, req)


def test_the_solve_proves_the_capped_bound_after_its_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full LP that counts breaks for all skill sets together (more than ``SHARED_BREAKS_ABOVE_SKILL_SETS``):
    after the search the solve proves the capped merged-queue bound too; the roster is the one found without it."""
    config, req = _centre(18)  # a seed where the merged LP's own breaks and caps prove more than shared breaks
    config = dataclasses.replace(config, solver=dataclasses.replace(config.solver, time_limit_seconds=2))
    instance = Instance(config, WEEK, req)
    monkeypatch.setattr(lower_bound, "SHARED_BREAKS_ABOVE_SKILL_SETS", 1)
    monkeypatch.setattr(solve, "SHARED_BREAKS_ABOVE_SKILL_SETS", 1)
    monkeypatch.setattr(solve, "COARSER", (16, 8, 1))  # the bound after: one skill set, breaks its own
    with_bound = solve.solve_roster(instance, progress=None)
    monkeypatch.setattr(solve, "BOUND_AFTER_SEARCH_SHARE", 0.0)  # every LP over its share: no bound after
    without = solve.solve_roster(instance, progress=None)
    assert with_bound.roster == without.roster and with_bound.stats.objective == without.stats.objective
    capped = capped_bound(instance, 1)
    assert capped is not None
    assert with_bound.stats.best_bound >= capped - 1e-6 > without.stats.best_bound
    assert with_bound.stats.best_bound <= with_bound.stats.objective + 1e-6


def test_the_warning_names_the_queue_the_roster_short_and_the_part_no_roster_avoids() -> None:
    """An empty roster leaves q1 short all 88 quarter-hours; 50 of them are short in every roster."""
    instance = _one_agent_on_q1()
    assert short_by_queue(instance, Roster(())) == {"q1": 88, "q2": 0, "q3": 0, "q4": 0, "q5": 0}
    (line,) = skill_shortage_warnings(instance, Roster(())).values()
    assert line.startswith("queue 'q1': 88 agent-intervals (22.0 h) short in this roster, at least 50 (12.5 h)")
    assert "its 1 skilled agent cannot cover more" in line


def test_a_line_only_for_queues_short_in_every_roster() -> None:
    """Every required queue is short in an empty roster; only those with an hour or more no roster avoids get a
    line, and none for a queue nobody is skilled for (warned before the solve)."""
    config, req = _centre(6)  # q4 half an hour short in every roster, q5 an hour and a half
    instance = Instance(config, WEEK, req)
    lines = skill_shortage_warnings(instance, Roster(())).values()
    hours = {q: queue_shortage.forced_shortage(instance, i) * config.interval_minutes / 60
             for i, q in enumerate(QUEUES) if any(q in a.skills for a in config.agents)}
    assert any(0 < h < 1.0 for h in hours.values()) and any(h >= 1.0 for h in hours.values())
    assert {line.split("'")[1] for line in lines} == {q for q, h in hours.items() if h >= 1.0}


# rv18: random tiny centres against CP-SAT's proven optima. Three queues, three or four agents with one or two of
# them, two contracts (a short shift with a break; some also a long one with a break and a lunch), some weekly
# minimums, sometimes a break cap of one, bursts of one or two heads on two days. Seeds whose optima CP-SAT proves
# in about a second (1, 13 and 17 take minutes; 10 is not proven within the limit).
LONG = ShiftTemplate("long", 480, hm("07:00"), hm("10:00"), 60, tuple(range(7)),
                     (BreakRule("break", "break", 15, True, 60, 120), BreakRule("lunch", "lunch", 30, False, 180, 270)),
                     30)
THREE = QUEUES[:3]


def _random_centre(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    contracts = tuple(dataclasses.replace(
        LOOSE, contract_id=f"c{c}", template_ids=("short", "long") if rng.integers(0, 2) else ("short",),
        max_days_per_week=int(rng.integers(1, 3)), min_rest_minutes=12 * 60,
        min_weekly_minutes=int(rng.integers(0, 2)) * 270) for c in range(2))
    staff = tuple(agent(f"A{i}", contract=f"c{int(rng.integers(0, 2))}", availability=TWO_DAYS,
                        skills=tuple(sorted(rng.choice(THREE, size=int(rng.integers(1, 3)), replace=False).tolist(),
                                            key=THREE.index)))
                  for i in range(int(rng.integers(3, 5))))
    config = make_config(staff, contracts, (SHORT, LONG), THREE)
    if rng.integers(0, 2):
        config = dataclasses.replace(config, max_agents_on_break=1)
    req = np.zeros((len(THREE), WEEK.slot_count), int)
    for _ in range(int(rng.integers(4, 8))):
        q, day, start = int(rng.integers(0, len(THREE))), int(rng.integers(0, 2)), int(rng.integers(28, 60))
        req[q, WEEK.slot(day, start * 15):WEEK.slot(day, start * 15) + int(rng.integers(4, 20))] += int(
            rng.integers(1, 3))
    return config, req


@pytest.mark.parametrize("seed", [2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 16, 18, 19, 20])
def test_random_centres_never_bound_above_the_proven_optimum(seed: int) -> None:
    """Each queue's shortage is at most the fewest agent-intervals any roster leaves it short (CP-SAT's optimum of
    the centre with only that queue required and only under-staffing priced, every rule kept), and the capped
    merged-queue bound (one and two skill sets) at most the centre's proven optimum."""
    config, req = _random_centre(seed)
    instance = Instance(config, WEEK, req)
    only_short = dataclasses.replace(config, weights=dataclasses.replace(
        config.weights, understaffed_agent_interval=1, overstaffed_agent_interval=0, paid_hour=0))
    for q in range(len(THREE)):
        alone = np.zeros_like(req)
        alone[q] = req[q]
        assert queue_shortage.forced_shortage(instance, q) <= _optimum(only_short, alone) + 1e-6
    optimum = _optimum(config, req)
    for most in (1, 2):
        bound = capped_bound(instance, most)
        assert bound is not None and bound <= optimum + 1e-6


def test_with_proficiencies_the_shortage_is_in_average_agents() -> None:
    """A1 serves q1 at 0.5 (its skills list q2 first, at 2.0: the small centre keeps q1's own proficiency): one
    shift a day of 19 quarter-hours on the floor covers 9.5 average agents of the 44 needed, so 2 x 34.5 = 69 are
    short in every roster, not rounded; without proficiencies 50."""
    instance = _one_agent_on_q1()
    config = instance.config
    a1 = dataclasses.replace(config.agents[0], skills=("q2", "q1"), proficiencies=(2.0, 0.5))
    weighted = instance.with_config(dataclasses.replace(config, agents=(a1, *config.agents[1:])))
    own = queue_shortage.own_agents_instance(weighted, 0)
    assert own.config.agents[0].skills == ("q1",) and own.config.agents[0].proficiency("q1") == 0.5
    assert queue_shortage.forced_shortage(weighted, 0) == pytest.approx(69.0, abs=0.05)
    assert queue_shortage.forced_shortage(instance, 0) == 50


def test_the_horizon_proves_the_capped_bound_of_a_week_after_its_search() -> None:
    """``horizon.relaxed_bound_after``: the capped merged-queue bound of the week (its share's 5% per LP), nothing
    once the week's wall clock has passed."""
    config, req = _centre(18)
    instance = Instance(config, WEEK, req)
    expected = capped_bound(instance, COARSER[-1])
    assert expected is not None
    assert relaxed_bound_after(instance, 60.0, None) == pytest.approx(expected, abs=1e-6)
    assert relaxed_bound_after(instance, 60.0, Stop(wall_seconds=0.0).start()) == float("-inf")
