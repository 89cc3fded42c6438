"""The repair of a hard floor rule that a rounded start breaks (``search.floor_repair``): which agents it frees,
and that CP-SAT on them, inside the solve (``solve._repair_floor``), brings a lead back on the floor where the
weighted solve's aimed start left none."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scheduler.domain.plan import FloorRule, Level, OpeningHours, SolverSettings, TimeWindow
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment
from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import floor_rules
from scheduler.rostering.search import floor_repair
from scheduler.rostering.search.weighted_start import heads_instance
from scheduler.rostering.stopping import Stop
from tests.test_rules import WEEK, agent, hm, make_config

# sales is open on Monday 10:00-14:00 only; the rule wants a lead on the floor whenever it is open.
SALES_HOURS = OpeningHours((TimeWindow(hm("10:00"), hm("14:00")),) + (None,) * 6)
LEVELS = (Level("junior", 0.8), Level("lead"))


def _config(leads: int = 2):
    juniors = tuple(dataclasses.replace(agent(f"J{i}"), level="junior", proficiencies=(0.8,)) for i in (1, 2))
    heads = tuple(dataclasses.replace(agent(f"L{i}"), level="lead") for i in range(1, leads + 1))
    config = make_config(juniors + heads)
    queues = (dataclasses.replace(config.queues[0], opening_hours=SALES_HOURS),)
    return dataclasses.replace(config, queues=queues, levels=LEVELS,
                               floor_rules=(FloorRule("lead_on_floor", 1, "lead", (), ("sales",), True, 0),),
                               solver=SolverSettings(proficiency_cover=True))


def _shift(agent_id: str, start: str) -> ShiftAssignment:
    """A Monday ``day`` shift from ``start``, its break 60 min in and its lunch 180 min in (the earliest legal)."""
    minute = hm(start)
    return ShiftAssignment(agent_id, WEEK.day(0), "day", minute, 510, 480,
                           (BreakAssignment("break", minute + 60, 15), BreakAssignment("lunch", minute + 180, 30)))


def _weeks(roster: Roster) -> dict[str, tuple[ShiftAssignment, ...]]:
    return {a: tuple(s for s in roster.shifts if s.agent_id == a) for a in ("J1", "J2", "L1", "L2")}


# What a rounded start can leave: the juniors cover sales, the one lead at work starts after it closes.
BROKEN = Roster((_shift("J1", "08:00"), _shift("J2", "09:00"), _shift("L1", "14:00")))


def test_neighbourhoods_free_the_short_rules_agents_and_none_once_kept() -> None:
    config = _config()
    assert floor_rules.broken(config, WEEK, BROKEN)  # the lead rule is short from 10:00 to 14:00
    assert floor_repair.neighbourhoods(config, WEEK, _weeks(BROKEN)) == [floor_repair.Neighbourhood(("L1", "L2"),
                                                                                                     None)]
    kept = Roster((*BROKEN.shifts[:2], _shift("L1", "06:00")))  # on the floor 10:00-14:30, breaks before
    assert floor_rules.broken(config, WEEK, kept) == []
    assert floor_repair.neighbourhoods(config, WEEK, _weeks(kept)) == []


def test_a_rule_counting_many_agents_is_repaired_day_by_day() -> None:
    config = _config(leads=floor_repair.WHOLE_WEEK_AGENTS + 1)
    weeks = _weeks(BROKEN)
    (neighbourhood,) = floor_repair.neighbourhoods(config, WEEK, weeks)
    assert neighbourhood.days == frozenset({0}) and len(neighbourhood.agent_ids) == floor_repair.DAY_AGENTS
    assert "L1" in neighbourhood.agent_ids  # those working the day come first


def test_the_first_pass_frees_the_short_days_only_then_the_whole_week() -> None:
    """A rule counting few agents is first repaired on its short days (the other days fixed: a small model, where
    the whole week of 15 leads at 150 agents found nothing in 2-s solves), then, while still short, on the whole
    week (a lead trading a weekday for the Sunday needs it)."""
    config = _config()
    weeks = _weeks(BROKEN)
    by_days = floor_repair.neighbourhoods(config, WEEK, weeks, by_days=True)
    assert by_days == [floor_repair.Neighbourhood(("L1", "L2"), frozenset({0}))]
    given: list[floor_repair.Neighbourhood] = []
    assert not floor_repair.repair(config, WEEK, lambda: weeks, given.append)  # a solve that mends nothing
    assert given == by_days + [floor_repair.Neighbourhood(("L1", "L2"), None)] * (floor_repair.ROUNDS - 1)


def test_the_repair_brings_a_lead_back_on_the_floor() -> None:
    """The aimed start (head-counting, against requirements inflated by proficiency) breaks the lead rule; the
    repair, CP-SAT on the leads' weeks, keeps it, and the solver keeps the repaired roster as its best."""
    config = _config()
    requirements = np.zeros((1, WEEK.slot_count), int)
    requirements[0, WEEK.slot(0, hm("10:00")):WEEK.slot(0, hm("14:00"))] = 2
    instance = Instance(config, WEEK, requirements)
    current = solve._Roster(config, WEEK)
    for agent_id, shifts in _weeks(BROKEN).items():
        current.set(agent_id, shifts)
    kept: list[tuple[Roster, str]] = []

    def keep_if_better(roster: Roster, phase: str) -> None:  # the solve's own, by the weighted objective
        if solve._total(solve.evaluate(instance, roster)) < solve._total(solve.evaluate(instance, current.roster())):
            kept.append((roster, phase))
            for agent_id, shifts in _weeks(roster).items():
                current.set(agent_id, shifts)

    budget = solve._Budget(10.0, True, Stop().start(None))
    solve._repair_floor(heads_instance(instance), current, budget, 1, 0, keep_if_better)
    assert kept and kept[-1][1] == "lp+floor repair"
    repaired = current.roster()
    assert floor_rules.broken(config, WEEK, repaired) == []
    assert floor_repair.neighbourhoods(config, WEEK, _weeks(repaired)) == []
    assert 0 < budget.used <= budget.total  # charged to the solve's budget


def test_a_search_ending_short_of_the_rule_repairs_it_once_more_on_its_own_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A search whose budget is spent with the lead rule still short (a rolling horizon's week, README "The sweep's
    lead-rule failures re-run") repairs it once more on a budget of its own, its work charged after; off
    (``LAST_FLOOR_REPAIR_SECONDS`` 0) it leaves the roster as it is."""
    config = _config()
    requirements = np.zeros((1, WEEK.slot_count), int)
    requirements[0, WEEK.slot(0, hm("10:00")):WEEK.slot(0, hm("14:00"))] = 2
    instance = Instance(config, WEEK, requirements)

    def run() -> tuple[list[str], Roster, solve._Budget]:
        current = solve._Roster(config, WEEK)
        for agent_id, shifts in _weeks(BROKEN).items():
            current.set(agent_id, shifts)
        phases: list[str] = []

        def keep_if_better(roster: Roster, phase: str) -> None:
            if solve._total(solve.evaluate(instance, roster)) < solve._total(solve.evaluate(instance,
                                                                                            current.roster())):
                phases.append(phase)
                for agent_id, shifts in _weeks(roster).items():
                    current.set(agent_id, shifts)

        budget = solve._Budget(10.0, True, Stop().start(None))
        budget.spend(budget.total)  # the search's budget is spent
        solve._last_floor_repair(heads_instance(instance), current, 10.0, budget, 1, 0, keep_if_better)
        return phases, current.roster(), budget

    phases, repaired, budget = run()
    assert phases == ["last floor repair"]
    assert floor_rules.broken(config, WEEK, repaired) == []
    assert budget.used > budget.total  # its own work, charged after
    monkeypatch.setattr(solve, "LAST_FLOOR_REPAIR_SECONDS", 0.0)
    phases, kept, budget = run()
    assert phases == [] and kept == BROKEN and budget.used == budget.total
