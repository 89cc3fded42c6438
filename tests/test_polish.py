"""Local search on a complete roster: exact cover scoring, never worse, every rule kept, deterministic."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment, roster_csv
from scheduler.rostering.coverage import allocate, on_break_counts
from scheduler.rostering.instance import Instance
from scheduler.rostering.search.lower_bound import solve_aggregate
from scheduler.rostering.search.lp_start import lp_weeks
from scheduler.rostering.search.polish import _Cover, polish
from scheduler.rostering.solve import evaluate
from scheduler.validation.validate import read_roster, validate_roster
from tests.test_lp_start import _centre
from tests.test_rules import DAY, LOOSE, MON, WEEK, agent, hm, make_config

QUEUES = ("sales", "service", "chat")
SKILL_SETS = (("sales",), ("service",), ("chat",), ("sales", "service"), ("chat", "service"),
              ("chat", "sales", "service"))


def _total(config, roster: Roster, req: np.ndarray) -> float:
    return sum(c.penalty for c in evaluate(Instance(config, WEEK, req), roster))


def _valid(config, roster: Roster, tmp_path: Path) -> list:
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(roster), encoding="utf-8")
    return validate_roster(config, read_roster(path), MON)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=6, max_size=6), st.lists(st.integers(0, 8), min_size=3, max_size=3))
def test_cover_cost_equals_the_max_flow_allocation(heads: list[int], required: list[int]) -> None:
    people = tuple(agent(f"A{i}", skills=skills) for i, skills in enumerate(SKILL_SETS))
    config = make_config(people, queue_ids=QUEUES)
    requirements = np.array(required, dtype=np.int64).reshape(3, 1)
    cover = _Cover(config, requirements)
    floor = np.zeros((len(cover.groups), 1), dtype=np.int64)
    on_floor = {}
    for skills, n in zip(SKILL_SETS, heads, strict=True):
        floor[cover.groups.index(skills)] = n
        on_floor[skills] = np.array([n], dtype=np.int64)
    covered = int(np.minimum(allocate(requirements, on_floor, list(QUEUES)), requirements).sum())
    weights = config.weights
    expected = (weights.understaffed_agent_interval * (sum(required) - covered)
                + weights.overstaffed_agent_interval * (sum(heads) - covered))
    assert cover.cost(np.array([0]), floor) == expected


def _max_flow_cover(queue_ids: list[str], groups: list[tuple[str, ...]], heads: list[int],
                    required: list[int]) -> int:
    """Covered heads in one slot by OR-Tools' max-flow (``allocate``), the reference."""
    requirements = np.array(required, dtype=np.int64).reshape(len(queue_ids), 1)
    on_floor = {g: np.array([n], dtype=np.int64) for g, n in zip(groups, heads, strict=True) if n}
    return int(np.minimum(allocate(requirements, on_floor, queue_ids), requirements).sum())


@st.composite
def _many_queue_centres(draw):
    """8-20 queues, skill groups of 1-3 queues, heads and requirements per slot for a few slots."""
    count = draw(st.integers(8, 20))
    queue_ids = [f"q{i:02d}" for i in range(count)]
    skill_sets = draw(st.lists(st.lists(st.integers(0, count - 1), min_size=1, max_size=3, unique=True),
                               min_size=1, max_size=12))
    groups = sorted({tuple(sorted(queue_ids[q] for q in s)) for s in skill_sets})
    slots = draw(st.integers(1, 4))
    heads = draw(st.lists(st.lists(st.integers(0, 6), min_size=len(groups), max_size=len(groups)),
                          min_size=slots, max_size=slots))
    required = draw(st.lists(st.lists(st.integers(0, 4), min_size=count, max_size=count),
                             min_size=slots, max_size=slots))
    changes = draw(st.lists(st.tuples(st.integers(0, len(groups) - 1), st.integers(0, slots - 1),
                                      st.sampled_from((-1, -1, 1))), max_size=60))
    return queue_ids, groups, heads, required, changes


@settings(max_examples=80, deadline=None)
@given(_many_queue_centres())
def test_cover_kept_one_agent_at_a_time_equals_max_flow_with_many_queues(centre) -> None:
    """The incremental cover and its one-head flags equal OR-Tools' max-flow after every change, 8-20 queues."""
    queue_ids, groups, heads, required, changes = centre
    people = tuple(agent(f"A{i}", skills=g) for i, g in enumerate(groups))
    config = make_config(people, queue_ids=tuple(queue_ids))
    requirements = np.array(required, dtype=np.int64).T  # [queue, slot]
    cover = _Cover(config, requirements)
    order = [cover.groups.index(g) for g in groups]
    floor = np.array(heads, dtype=np.int64).T  # [group in ``groups`` order, slot]
    for g, row in zip(order, floor, strict=True):
        for _ in range(int(row.max(initial=0))):
            cover.change(g, 0, (row > 0).astype(np.int64), +1)
            row = row - (row > 0)
    for g, slot, sign in changes:
        if sign < 0 and cover.floor[g, slot] == 0:
            continue
        cover.change(g, slot, np.array([1]), sign)
    slot_count = requirements.shape[1]
    cover.refresh(0, slot_count)
    for slot in range(slot_count):
        present = [int(cover.floor[cover.groups.index(g), slot]) for g in groups]
        expected = _max_flow_cover(queue_ids, groups, present, required[slot])
        assert cover.covered[slot] == expected
        for g, group in enumerate(groups):
            index = cover.groups.index(group)
            more = _max_flow_cover(queue_ids, groups, [n + (i == g) for i, n in enumerate(present)], required[slot])
            assert bool(cover.gain[index, slot]) == (more > expected)
            if present[g]:
                fewer = _max_flow_cover(queue_ids, groups, [n - (i == g) for i, n in enumerate(present)],
                                        required[slot])
                assert bool(cover.loss[index, slot]) == (fewer < expected)
        weights = config.weights
        assert cover.cost(np.array([slot]), cover.floor[:, [slot]]) == (
            weights.understaffed_agent_interval * (sum(required[slot]) - expected)
            + weights.overstaffed_agent_interval * (sum(present) - expected))


def test_polish_improves_the_rounded_roster_and_keeps_every_rule(tmp_path: Path) -> None:
    config, req = _centre(10)
    solution = solve_aggregate(Instance(config, WEEK, req))
    weeks = lp_weeks(Instance(config, WEEK, req), solution)
    rounded = Roster(tuple(sorted((s for w in weeks.values() for s in w), key=lambda s: (s.agent_id, s.date))))
    polished = polish(Instance(config, WEEK, req), rounded, seed=0)
    assert _total(config, polished, req) < _total(config, rounded, req)
    assert _valid(config, polished, tmp_path) == []
    assert polish(Instance(config, WEEK, req), rounded, seed=0) == polished  # same seed, same roster


def test_polish_reads_the_stop_between_steps_not_only_between_sweeps() -> None:
    """A sweep takes seconds at many queues: a stop that comes after the first step ends the polish there."""
    config, req = _centre(10)
    solution = solve_aggregate(Instance(config, WEEK, req))
    weeks = lp_weeks(Instance(config, WEEK, req), solution)
    rounded = Roster(tuple(sorted((s for w in weeks.values() for s in w), key=lambda s: (s.agent_id, s.date))))
    assert polish(Instance(config, WEEK, req), rounded, seed=0, stopped=lambda: True) == rounded
    asked = [0]

    def after_one_step() -> bool:
        asked[0] += 1
        return asked[0] > 1

    polish(Instance(config, WEEK, req), rounded, seed=0, stopped=after_one_step)
    assert asked[0] == 2  # one step taken, then the stop read once more and obeyed


def _shift(agent_id: str, start: str, break_after: int, lunch_after: int, day: int = 0) -> ShiftAssignment:
    begin = hm(start)
    return ShiftAssignment(agent_id, WEEK.day(day), "day", begin, DAY.length_minutes, 480,
                           (BreakAssignment("break", begin + break_after, 15),
                            BreakAssignment("lunch", begin + lunch_after, 30)))


def test_a_break_moves_off_the_interval_that_needs_the_agent(tmp_path: Path) -> None:
    config = make_config((agent("A1"),))
    req = np.zeros((1, WEEK.slot_count), dtype=np.int64)
    req[0, WEEK.slot(0, hm("09:00"))] = 1  # the break below sits exactly here
    roster = Roster((_shift("A1", "08:00", 60, 180),))
    polished = polish(Instance(config, WEEK, req), roster)
    (shift,) = polished.shifts
    assert shift.breaks[0].start_minute != hm("09:00")
    assert evaluate(Instance(config, WEEK, req), polished)[0].amount == 0  # no under-staffing left
    assert _valid(config, polished, tmp_path) == []


def test_moves_respect_the_break_cap() -> None:
    config = dataclasses.replace(make_config((agent("A1"), agent("A2"))), max_agents_on_break=1)
    req = np.zeros((1, WEEK.slot_count), dtype=np.int64)
    first = WEEK.slot(0, hm("08:00"))
    req[0, first:first + 34] = 2
    req[0, WEEK.slot(0, hm("09:00"))] = 0  # the cheapest place for both breaks, but only one may take it
    roster = Roster((_shift("A1", "08:00", 90, 180), _shift("A2", "08:00", 120, 240)))
    polished = polish(Instance(config, WEEK, req), roster)
    assert on_break_counts(WEEK, polished).max() <= 1
    assert _total(config, polished, req) <= _total(config, roster, req)


def test_understaffing_is_repaired_with_a_shift_on_a_day_off(tmp_path: Path) -> None:
    contract = dataclasses.replace(LOOSE, contract_id="pt", min_weekly_minutes=8 * 60, max_weekly_minutes=16 * 60,
                                   max_days_per_week=2)
    config = make_config((agent("A1", contract="pt"),), (contract,))
    req = np.zeros((1, WEEK.slot_count), dtype=np.int64)
    first = WEEK.slot(2, hm("08:00"))
    req[0, first:first + 30] = 1  # Wednesday needs someone all day; A1 only works Monday
    roster = Roster((_shift("A1", "08:00", 60, 180),))
    polished = polish(Instance(config, WEEK, req), roster)
    assert {s.date for s in polished.shifts} == {WEEK.day(2)}  # Monday's shift went to Wednesday
    assert _total(config, polished, req) < _total(config, roster, req)
    assert _valid(config, polished, tmp_path) == []
