"""The wall-clock promise in the phases that used to ignore it: the aggregate LP (GLOP) stops on ``Stop``, and the
first complete roster is finished cheaply from copied weeks once the clock has run out.

No timing assertions: a Stop is interrupted before the phase starts, or from a thread, and the tests assert what
comes back (nothing from the LP; a complete roster that keeps every hard rule from the build)."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from scheduler.domain.plan import Activity, TimeWindow
from scheduler.domain.roster import Roster, ShiftAssignment, roster_csv
from scheduler.rostering.coverage import on_break_counts, on_floor_by_skills
from scheduler.rostering.instance import Instance
from scheduler.rostering.search.copied_weeks import WeekPool
from scheduler.rostering.search.lower_bound import solve_aggregate
from scheduler.rostering.search.lp_start import keeps_own_rules
from scheduler.rostering.search.sequential import sequential_roster
from scheduler.rostering.search.subset_bound import solve_merged
from scheduler.rostering.stopping import INTERRUPT, WALL_CLOCK, Stop
from scheduler.validation.validate import read_roster, validate_roster
from tests.test_lp_start import _centre
from tests.test_rules import MON, WEEK, hm


def test_an_lp_whose_stop_has_come_returns_nothing_and_says_it_was_cut() -> None:
    config, req = _centre(6)
    stop = Stop().start()
    stop.interrupt()
    cut: list[bool] = []
    assert solve_aggregate(Instance(config, WEEK, req), stop=stop, on_time_out=lambda: cut.append(True)) is None
    assert cut == [True]
    assert solve_merged(Instance(config, WEEK, req), stop=stop, max_skill_sets=1) is None
    assert solve_aggregate(Instance(config, WEEK, req), stop=Stop().start()) is not None  # not stopped: solved


def test_an_lp_build_past_the_clock_is_abandoned_before_glop() -> None:
    """The build of the aggregate LP (Python: 20 s of wall time at 244 agents on a loaded machine, past a 14-s cap)
    checks the clock: a deadline that passes while it builds abandons the LP unbuilt and says it was cut. The
    clock is a counter, one second a read, so the deadline passes inside the build whatever the machine."""
    config, req = _centre(6)
    reads = [0.0]

    def clock() -> float:
        reads[0] += 1.0
        return reads[0]

    stop = Stop(wall_seconds=3.0, clock=clock).start()
    built: list[tuple[int, int]] = []
    cut: list[bool] = []
    assert solve_aggregate(Instance(config, WEEK, req), stop=stop, on_time_out=lambda: cut.append(True),
                           on_built=lambda columns, rows: built.append((columns, rows))) is None
    assert cut == [True] and built == [] and stop.reason == WALL_CLOCK


def test_the_lp_build_counts_towards_the_lp_wall_share(monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that took 600 of the LP's 1,000 wall seconds leaves GLOP the other 400, not 1,000 again (the LP's
    share could take twice itself). The clock is set by hand: 0 when the share starts, 600 from then on."""
    from scheduler.rostering.search import lower_bound

    reads = iter([0.0])
    monkeypatch.setattr(lower_bound, "time", SimpleNamespace(monotonic=lambda: next(reads, 600.0)))
    given: list[float] = []

    def solve(solver: object, method: str, seconds: float, stop: Stop) -> None:
        given.append(seconds)
        return None

    monkeypatch.setattr(lower_bound, "_solve", solve)
    config, req = _centre(6)
    assert solve_aggregate(Instance(config, WEEK, req), seconds=1000.0) is None
    assert given == [400.0]


def test_watching_calls_the_solver_interrupt_when_stopped_from_a_thread() -> None:
    stop = Stop().start()
    called = threading.Event()
    with stop.watching(called.set, poll_seconds=0.01):
        threading.Thread(target=stop.interrupt).start()
        assert called.wait(30)
    assert stop.reason == INTERRUPT


def test_watching_calls_the_solver_interrupt_at_the_deadline() -> None:
    stop = Stop(wall_seconds=0.0).start()
    called = threading.Event()
    with stop.watching(called.set, poll_seconds=0.01):
        assert called.wait(30)
    assert stop.reason == WALL_CLOCK


def test_a_build_past_the_clock_is_completed_with_copied_weeks_that_keep_every_rule(tmp_path: Path) -> None:
    config, req = _centre(8)
    off_monday = dataclasses.replace(config.agents[-1], time_off=frozenset({MON}))  # may not copy a Monday shift
    config = dataclasses.replace(config, agents=(*config.agents[:-1], off_monday))
    instance = Instance(config, WEEK, req)
    stop = Stop(wall_seconds=0.0).start()
    weeks = sequential_roster(instance, list(config.agents), improve_passes=1, stop=stop)
    assert sorted(weeks) == sorted(a.agent_id for a in config.agents)
    assert all(keeps_own_rules(instance, agent_id, shifts) for agent_id, shifts in weeks.items())
    assert not any(s.date == MON for s in weeks[off_monday.agent_id])
    patterns = {tuple((s.date, s.start_minute) for s in shifts) for shifts in weeks.values()}
    assert len(patterns) < len(weeks)  # copies: the first agent's own model, the rest mostly its week
    roster = Roster(tuple(sorted((s for w in weeks.values() for s in w), key=lambda s: (s.agent_id, s.date))))
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(roster), encoding="utf-8")
    assert validate_roster(config, read_roster(path), MON) == []


def test_a_copied_week_keeps_the_break_cap() -> None:
    config, req = _centre(2)
    config = dataclasses.replace(config, max_agents_on_break=1)
    instance = Instance(config, WEEK, req)
    first = sequential_roster(instance, [config.agents[0]], improve_passes=0)
    shifts = first[config.agents[0].agent_id]
    pool = WeekPool(config, WEEK)
    pool.add(shifts, *_counts(instance, shifts))
    _, on_break = _counts(instance, shifts)
    assert pool.best_for(config.agents[1], lambda week, on_floor: 0.0, on_break * 0) is not None
    assert pool.best_for(config.agents[1], lambda week, on_floor: 0.0, on_break) is None  # two on one break


def _counts(instance: Instance, shifts: tuple[ShiftAssignment, ...]) -> tuple[np.ndarray, np.ndarray]:
    floor = on_floor_by_skills(instance.config, instance.week, Roster(shifts))
    return next(iter(floor.values())), on_break_counts(instance.week, Roster(shifts))


def test_an_attendee_gets_a_copied_week_with_its_activities_placed() -> None:
    """An attendee of a training and of a meeting (its time fixed, as ``schedule_meetings`` leaves it) past the
    clock: the copy carries both, inside its shifts and clear of breaks, instead of a CP-SAT model per attendee
    (1 s each on a loaded machine: 7 s past a 22-s limit at 186 agents)."""
    config, req = _centre(2)
    training = Activity("training", 120, ("A1",), tuple(range(7)), TimeWindow(0, 24 * 60), False)
    meeting = Activity("meeting", 60, ("A1",), (2,), TimeWindow(hm("10:00"), hm("11:00")), True)
    config = dataclasses.replace(config, activities=(training, meeting))
    instance = Instance(config, WEEK, req)
    first = sequential_roster(instance, [config.agents[0]], improve_passes=0)
    shifts = first[config.agents[0].agent_id]
    assert not any(s.activities for s in shifts)
    pool = WeekPool(config, WEEK)
    pool.add(shifts, *_counts(instance, shifts))
    copied = pool.best_for(config.agents[1], lambda week, on_floor: 0.0, np.zeros(WEEK.slot_count, int))
    assert copied is not None
    assert (2, "meeting", hm("10:00")) in {(s.date.weekday(), a.activity_id, a.start_minute)
                                           for s in copied for a in s.activities}
    assert sorted(a.activity_id for s in copied for a in s.activities) == ["meeting", "training"]
    assert keeps_own_rules(instance, "A1", copied)
