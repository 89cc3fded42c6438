"""Solution merging (``search.week_merge``): one pooled week per agent picked by an exact model of the objective;
its value is the evaluator's, it is never worse than the best parent, and it is skipped where the objective has
cross-agent terms it does not model."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from ortools.sat.python import cp_model

from scheduler.domain.plan import Fairness, SolverSettings
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment
from scheduler.domain.week import Week
from scheduler.io.config import load_config
from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.search import week_merge
from tests.tiny_centre import WEEK_START, TinyActivity, TinyAgent, TinyCentre, write


def _solver() -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 5
    return solver


def _total(instance: Instance, roster: Roster) -> float:
    return sum(c.penalty for c in solve.evaluate(instance, roster))


def _instance(tmp_path: Path, centre: TinyCentre, days: range = range(7), heads: int = 1) -> Instance:
    plan, _ = write(centre, tmp_path / "centre")
    config = load_config(plan)
    week = Week(WEEK_START, config.interval_minutes)
    requirements = np.zeros((len(config.queues), week.slot_count), dtype=np.int64)
    for day in days:
        requirements[:, week.slot(day, 9 * 60):week.slot(day, 17 * 60)] = heads
    return Instance(config, week, requirements)


def _shift(agent_id: str, day: int, start_minute: int = 9 * 60, break_minute: int | None = None) -> ShiftAssignment:
    breaks = () if break_minute is None else (BreakAssignment("lunch", break_minute, 30),)
    return ShiftAssignment(agent_id, WEEK_START + timedelta(days=day), "day", start_minute, 480, 450, breaks)


def test_the_merge_picks_the_better_combination_of_two_rosters(tmp_path: Path) -> None:
    """One head wanted on Monday and one on Tuesday: each parent sends both agents to one day, so each leaves a
    day uncovered and the other over-staffed; the merge takes one agent's Monday and the other's Tuesday."""
    agents = (TinyAgent("A1", "full_time", ("q1",)), TinyAgent("A2", "full_time", ("q1",)))
    instance = _instance(tmp_path, TinyCentre(agents=agents), days=range(2))
    monday = Roster((_shift("A1", 0), _shift("A2", 0)))
    tuesday = Roster((_shift("A1", 1), _shift("A2", 1)))
    merged = week_merge.merge(instance, [monday, tuesday], _solver)
    assert merged is not None and merged.status == "OPTIMAL" and merged.pooled_weeks == 4
    days = sorted(s.date for s in merged.roster.shifts)
    assert days == [WEEK_START, WEEK_START + timedelta(days=1)]
    assert solve.evaluate(instance, merged.roster)[0].amount == 0  # no under-staffing left
    assert merged.objective == pytest.approx(_total(instance, merged.roster), abs=1e-9)
    assert merged.objective < min(_total(instance, monday), _total(instance, tuesday))


def test_the_merge_keeps_the_break_cap(tmp_path: Path) -> None:
    """With at most one agent on break, the combination that would put both on lunch at noon is not taken, though
    it covers more: each parent keeps the cap, the merge must too."""
    agents = (TinyAgent("A1", "full_time", ("q1",)), TinyAgent("A2", "full_time", ("q1",)))
    instance = _instance(tmp_path, TinyCentre(agents=agents, max_agents_on_break=1), days=range(1), heads=2)
    early = Roster((_shift("A1", 0, break_minute=12 * 60), _shift("A2", 0, 8 * 60, 13 * 60)))
    late = Roster((_shift("A1", 0, 8 * 60, 13 * 60), _shift("A2", 0, break_minute=12 * 60)))
    # (A1 from ``early`` and A2 from ``late`` would cover 9:00-16:00 twice but both lunch at 12:00)
    merged = week_merge.merge(instance, [early, late], _solver)
    assert merged is not None
    assert solve.within_break_cap(instance.config, instance.week, merged.roster)
    assert merged.objective == pytest.approx(_total(instance, merged.roster), abs=1e-9)
    uncapped = dataclasses.replace(instance.config, max_agents_on_break=None)
    free = week_merge.merge(instance.with_config(uncapped), [early, late], _solver)
    assert free is not None and free.objective < merged.objective  # the cap is what held the merge back


def test_a_merge_in_the_solve_is_never_worse_than_its_parents_and_is_the_evaluators_value(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    agents = tuple(TinyAgent(f"A{i}", "full_time" if i % 2 else "part_time", ("q1",) if i % 3 else ("q1", "q2"))
                   for i in range(1, 8))
    instance = _instance(tmp_path, TinyCentre(agents=agents, queues=("q1", "q2"), max_agents_on_break=2),
                         days=range(5))  # (cover kept: the merge follows the crossovers only then)
    seen: list[tuple[list[Roster], week_merge.Merged | None]] = []
    real = week_merge.merge

    def recorded(merged_instance: Instance, parents, *args, **kwargs) -> week_merge.Merged | None:
        result = real(merged_instance, parents, *args, **kwargs)
        seen.append((list(parents), result))
        return result

    monkeypatch.setattr(solve, "merge_pool", recorded)
    monkeypatch.setattr(solve, "WEEK_MERGE", True)
    result = solve.solve_roster(instance, time_limit_seconds=6, progress=None)
    assert seen, "the merge ran"
    parents, merged = seen[0]
    assert len(parents) >= 2 and merged is not None
    assert merged.objective <= min(_total(instance, p) for p in parents) + 1e-9
    assert merged.objective == pytest.approx(_total(instance, merged.roster), abs=1e-9)
    assert result.stats.objective <= merged.objective + 1e-9
    again = solve.solve_roster(instance, time_limit_seconds=6, progress=None)
    assert again.roster == result.roster  # deterministic for a seed


def test_the_merge_is_skipped_where_the_objective_has_cross_agent_terms_it_does_not_model(tmp_path: Path) -> None:
    agents = (TinyAgent("A1", "full_time", ("q1",)), TinyAgent("A2", "full_time", ("q1",)))
    plain = _instance(tmp_path / "plain", TinyCentre(agents=agents), days=range(2))
    assert week_merge.applies(plain)
    meeting = TinyActivity("team", 30, ("A1", "A2"), ("mon",), "10:00", "15:00", together=True)
    with_activities = _instance(tmp_path / "activities", TinyCentre(agents=agents, activities=(meeting,)))
    weighted = plain.with_config(dataclasses.replace(
        plain.config, solver=SolverSettings(proficiency_cover=True),
        agents=tuple(dataclasses.replace(a, proficiencies=(1.2,)) for a in plain.config.agents)))
    roster = Roster((_shift("A1", 0), _shift("A2", 1)))
    for skipped in (with_activities, weighted):
        assert not week_merge.applies(skipped)
        assert week_merge.merge(skipped, [roster, roster], _solver) is None


def test_day_hybrids_keep_the_agents_own_rules(tmp_path: Path) -> None:
    """The best parent's week with one day from another parent's joins the pool only where it keeps the agent's
    rules: with at most one working day, Monday's shift and Tuesday's together are not a week."""
    agents = (TinyAgent("A1", "full_time", ("q1",)),)
    for max_days, hybrids in ((1, 0), (2, 1)):
        instance = _instance(tmp_path / f"days{max_days}",
                             TinyCentre(agents=agents, max_days_per_week=max_days, full_time_hours=(7, 40)))
        monday, tuesday = (_shift("A1", 0, break_minute=12 * 60),), (_shift("A1", 1, break_minute=12 * 60),)
        pooled = week_merge.with_day_hybrids(instance, {"A1": [monday, tuesday]})["A1"]
        assert pooled[:2] == [monday, tuesday]
        assert pooled[2:] == [monday + tuesday][:hybrids]  # (Monday off instead is under the 7 hours' minimum)


def test_per_agent_soft_rules_are_priced_per_pooled_week(tmp_path: Path) -> None:
    """With fairness (weekend days beyond each agent's fair share cost ``unfair_shift``), the merge's value is still
    the evaluator's, and of two rosters with the same cover and pay it takes the one with the weekend spread."""
    agents = (TinyAgent("A1", "full_time", ("q1",)), TinyAgent("A2", "full_time", ("q1",)))
    plain = _instance(tmp_path, TinyCentre(agents=agents), days=range(5, 7))
    instance = plain.with_config(dataclasses.replace(plain.config, fairness=Fairness(
        late_end_minute=20 * 60, fair_late_shifts=7, fair_weekend_days=1)))
    saturday, sunday = 5, 6
    lopsided = Roster((_shift("A1", saturday), _shift("A1", sunday)))  # A1 works both weekend days
    spread = Roster((_shift("A1", saturday), _shift("A2", sunday)))  # the same cover and pay
    assert _total(instance, lopsided) == _total(instance, spread) + instance.config.weights.unfair_shift
    merged = week_merge.merge(instance, [lopsided, spread], _solver)  # (hinted with the lopsided one)
    assert merged is not None
    assert merged.objective == pytest.approx(_total(instance, merged.roster), abs=1e-9)
    assert merged.roster == spread
