"""A whole day of every agent re-planned at once (``search.day_replan``, ``solve.replan_day``): a tiny centre whose
Monday needs two agents moved together, the other days kept, every rule kept (independent validator), never worse
than the hint, and the days taken most over-staffed first."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from scheduler.domain.plan import PinnedShift, Replan, SolverSettings
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment, roster_csv
from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.search import day_replan
from scheduler.rostering.stopping import Stop
from scheduler.validation.validate import read_roster, validate_roster
from tests.test_deadline_cover import _centre
from tests.test_rules import MON, RESTED, TUE, WEEK, agent, hm, make_config
from tests.test_week_merge import _instance as merge_instance
from tests.test_weekly_service_level import WEEKLY, _tiny
from tests.test_weekly_service_level import _instance as weekly_instance
from tests.tiny_centre import TinyAgent, TinyCentre

MONDAY = 0
BREAKS = (BreakAssignment("break", hm("07:30"), 15), BreakAssignment("lunch", hm("10:00"), 30))


def _shift(agent_id: str, day: int, start: str) -> ShiftAssignment:
    """A ``day`` shift (8.5 h, 8 h paid) with its break 90 min and its lunch 240 min after the start."""
    begin = hm(start)
    breaks = tuple(BreakAssignment(b.kind, b.start_minute - hm("06:00") + begin, b.minutes) for b in BREAKS)
    return ShiftAssignment(agent_id, WEEK.day(day), "day", begin, 510, 480, breaks)


def _instance() -> Instance:
    """A (sales and support) and B (sales only), 11 h of rest. Monday: support 06:00-14:30, sales 10:00-18:30;
    Tuesday: sales 06:00-14:30."""
    config = make_config((agent("A", contract="loose", skills=("sales", "support")),
                          agent("B", contract="loose", skills=("sales",))), (RESTED,),
                         queue_ids=("sales", "support"))
    requirements = np.zeros((2, WEEK.slot_count), int)
    requirements[1, WEEK.slot(MONDAY, hm("06:00")):WEEK.slot(MONDAY, hm("14:30"))] = 1
    requirements[0, WEEK.slot(MONDAY, hm("10:00")):WEEK.slot(MONDAY, hm("18:30"))] = 1
    requirements[0, WEEK.slot(TUE, hm("06:00")):WEEK.slot(TUE, hm("14:30"))] = 1
    return Instance(config, WEEK, requirements)


# A covers Monday's sales and Tuesday; B is off Monday: support is short all morning. The better Monday has A on
# support at 06:00 and B on sales at 10:00 (two agents changed at once).
STUCK = Roster((_shift("A", MONDAY, "10:00"), _shift("A", TUE, "06:00")))


def _total(instance: Instance, roster: Roster) -> float:
    return solve._total(solve.evaluate(instance, roster))


def _budget() -> solve._Budget:
    return solve._Budget(10.0, True, Stop().start(None))


def _valid(instance: Instance, roster: Roster, tmp_path: Path) -> bool:
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(roster), encoding="utf-8")
    return validate_roster(instance.config, read_roster(path), MON) == []


def test_monday_replanned_for_both_agents(tmp_path: Path) -> None:
    instance = _instance()
    budget = _budget()
    better = solve.replan_day(instance, STUCK, MONDAY, budget, 1, 0)
    assert budget.used > 0  # the build and the CP-SAT solve are charged
    assert _total(instance, better) < _total(instance, STUCK)
    monday = {s.agent_id: hm_of(s) for s in better.shifts if s.date == WEEK.day(MONDAY)}
    assert monday == {"A": "06:00", "B": "10:00"}
    # short only while each of the three shifts' agent is on break or lunch (3 intervals each)
    assert solve.evaluate(instance, better)[0].amount == 9 < solve.evaluate(instance, STUCK)[0].amount
    # the other days are kept as they were
    assert [s for s in better.shifts if s.date != WEEK.day(MONDAY)] == [_shift("A", TUE, "06:00")]
    assert _valid(instance, better, tmp_path)
    assert solve.replan_day(instance, STUCK, MONDAY, _budget(), 1, 0) == better  # same input, same roster


def hm_of(shift: ShiftAssignment) -> str:
    return f"{shift.start_minute // 60:02d}:{shift.start_minute % 60:02d}"


@pytest.mark.parametrize("day", range(7))
def test_never_worse_than_the_hint_and_valid(day: int, tmp_path: Path) -> None:
    instance = _instance()
    replanned = solve.replan_day(instance, STUCK, day, _budget(), 1, day)
    assert _total(instance, replanned) <= _total(instance, STUCK)
    assert _valid(instance, replanned, tmp_path)
    # only the re-planned day may differ
    assert [s for s in replanned.shifts if s.date != WEEK.day(day)] == [
        s for s in STUCK.shifts if s.date != WEEK.day(day)]


def test_the_pinned_build_is_smaller_and_finds_the_same_day(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The other days built pinned (one variable per worked shift and break) rather than built whole and fixed:
    the same re-planned Monday, for less build charged."""
    instance = _instance()
    rosters, charged = [], []
    for pinned in (False, True):
        monkeypatch.setattr(day_replan, "PIN_OTHER_DAYS", pinned)
        monkeypatch.setattr(day_replan, "SOLVE_SECONDS", 0.0)  # the build's charge alone (and the hint)
        budget = _budget()
        rosters.append(solve.replan_day(instance, STUCK, MONDAY, budget, 1, 0))
        charged.append(budget.used)
    assert charged[1] < charged[0] / 2  # six of seven days' candidates not built (the cover rows stay)
    for pinned in (False, True):
        monkeypatch.setattr(day_replan, "PIN_OTHER_DAYS", pinned)
        monkeypatch.setattr(day_replan, "SOLVE_SECONDS", 5.0)
        rosters.append(solve.replan_day(instance, STUCK, MONDAY, _budget(), 1, 0))
    assert rosters[2] == rosters[3] and _total(instance, rosters[3]) < _total(instance, STUCK)
    assert _valid(instance, rosters[3], tmp_path)


def test_pinning_the_other_days_keeps_a_planners_replan() -> None:
    """Without a planner's re-plan the re-plan costs are off; with one, its pins and published roster stay and the
    roster's other days are pinned beside them."""
    instance = _instance()
    plain = day_replan.pinned_except(instance, STUCK, MONDAY).config
    assert plain.weights.changed_shift == 0 and plain.weights.moved_break == 0 and plain.replan is not None
    assert plain.pinned("A", WEEK.day(TUE)) == (True, PinnedShift("day", hm("06:00"), tuple(
        b.start_minute for b in _shift("A", TUE, "06:00").breaks)))
    assert plain.pinned("B", WEEK.day(TUE)) == (True, None)  # a day off kept
    assert not plain.pinned("A", WEEK.day(MONDAY))[0] and not plain.pinned("B", WEEK.day(MONDAY))[0]
    published = {("B", WEEK.day(MONDAY)): PinnedShift("day", hm("10:00"), ())}
    planners = instance.with_config(replace(instance.config, replan=Replan(
        pinned={("B", WEEK.day(MONDAY)): None}, published=published)))
    kept = day_replan.pinned_except(planners, STUCK, MONDAY).config
    assert kept.weights == instance.config.weights and kept.replan is not None
    assert kept.replan.published == published and kept.pinned("B", WEEK.day(MONDAY)) == (True, None)
    assert not kept.pinned("A", WEEK.day(MONDAY))[0] and kept.pinned("A", WEEK.day(3)) == (True, None)


def test_days_most_over_staffed_first_and_the_loop_stops_with_the_budget() -> None:
    instance = _instance()
    roster = Roster((_shift("A", MONDAY, "10:00"), _shift("A", TUE, "06:00"), _shift("B", TUE, "06:00"),
                     _shift("B", 3, "06:00")))
    over = day_replan.over_staffed_by_day(instance, roster)
    assert over[3] == 31 and over[TUE] == 31 and over[MONDAY] == 0  # B's Thursday and Tuesday, on the floor
    assert day_replan.days_in_order(instance, roster)[:2] == [TUE, 3]
    tried: list[int] = []

    def replan_one(day: int) -> bool:
        tried.append(day)
        return day == 2

    left = iter([5.0, 5.0, 0.5, 5.0])
    improved = day_replan.replan([1, 2, 3, 4], replan_one, lambda: next(left))
    assert tried == [1, 2] and improved == 1


def test_days_a_replan_pins_for_every_agent_are_not_replanned() -> None:
    instance = _instance()
    pins: dict[tuple[str, date], PinnedShift | None] = {
        (a, WEEK.day(day)): None for a in ("A", "B") for day in (MONDAY, 3)}
    pins["A", WEEK.day(4)] = None  # (only A pinned on Friday: B can still change)
    replanning = instance.with_config(replace(instance.config, replan=Replan(pinned=pins, published={})))
    days = day_replan.days_in_order(replanning, Roster(()))
    assert days == [TUE, 2, 4, 5, 6]


def test_the_solve_replans_days_in_range_and_stays_reproducible(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook in ``solve_roster``: with the agent range lowered to a tiny centre, days are re-planned after the
    start phase, each once and only while ``LEAST_LEFT_UNITS`` is left, and the same seed gives the same roster."""
    agents = tuple(TinyAgent(f"A{i}", "full_time" if i % 2 else "part_time", ("q1",) if i % 3 else ("q1", "q2"))
                   for i in range(1, 8))
    instance = merge_instance(tmp_path, TinyCentre(agents=agents, queues=("q1", "q2"), max_agents_on_break=2),
                              days=range(5))
    monkeypatch.setattr(day_replan, "MIN_AGENTS", 1)
    monkeypatch.setattr(day_replan, "LEAST_LEFT_UNITS", 0.1)  # (the tiny budget: 1.6 units at 6 s)
    tried: list[tuple[int, float]] = []
    real = solve.replan_day

    def recorded(replanned: Instance, roster: Roster, day: int, budget: solve._Budget, threads: int,
                 seed: int) -> Roster:
        tried.append((day, budget.left()))
        return real(replanned, roster, day, budget, threads, seed)

    monkeypatch.setattr(solve, "replan_day", recorded)
    result = solve.solve_roster(instance, time_limit_seconds=6, progress=None)
    assert tried and all(left >= day_replan.LEAST_LEFT_UNITS for _, left in tried)
    assert len({day for day, _ in tried}) == len(tried)  # each day at most once
    first = list(tried)
    tried.clear()
    again = solve.solve_roster(instance, time_limit_seconds=6, progress=None)
    assert again.roster == result.roster and tried == first  # deterministic for a seed


def test_the_day_replan_applies_only_where_it_was_measured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Head-count cover per interval within the agent range: yes; proficiency-weighted cover, deadline queues or
    the weekly service-level mode (none measured): no."""
    monkeypatch.setattr(day_replan, "MIN_AGENTS", 1)
    plain = _instance()
    assert day_replan.applies(plain)
    weighted = plain.with_config(replace(
        plain.config, solver=SolverSettings(proficiency_cover=True),
        agents=tuple(replace(a, proficiencies=(1.2,) * len(a.skills)) for a in plain.config.agents)))
    _, deferred, *_ = _centre(4, range(16, 32), 2.0)
    weekly = weekly_instance(_tiny(tmp_path / "weekly", ("q1",), "objective:\n" + WEEKLY))
    assert deferred.deadlines and weekly.service_curves is not None
    for left_out in (weighted, deferred, weekly):
        assert not day_replan.applies(left_out)
    monkeypatch.setattr(day_replan, "MIN_AGENTS", 100)
    assert not day_replan.applies(plain)  # (two agents: below the range)
