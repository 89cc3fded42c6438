"""Proficiency-weighted cover (``rostering.effective_cover``): the exact per-interval cover against brute force,
the CP-SAT face against the roster's scoring (differential, pinned random rosters), the local search's one-head
deltas, the independent validator's count, the LP bound below a roster's objective, and all-ones proficiency
giving exactly the head-counting cover."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest
from ortools.sat.python import cp_model

from scheduler.domain.plan import SolverSettings
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment, roster_csv
from scheduler.domain.shifts import shift_options
from scheduler.io.config import load_config
from scheduler.rostering import effective_cover
from scheduler.rostering.coverage import allocate
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import RosterModel
from scheduler.rostering.rules import breaks, coverage, one_shift_per_day
from scheduler.rostering.search.lower_bound import solve_aggregate
from scheduler.rostering.solve import evaluate, solve_roster
from scheduler.validation.effective_cover import weighted_cover
from scheduler.validation.validate import read_roster
from tests.test_rules import WEEK, agent, hm, make_config
from tests.tiny_centre import TinyAgent, TinyCentre, write

QUEUES = ("sales", "service")
PROFICIENCIES = (0.75, 0.8, 0.95, 1.0, 1.1, 1.2)


def _weighted(config):
    """The config with the weighted cover switched on (``solver.proficiency_cover``)."""
    return dataclasses.replace(config, solver=SolverSettings(proficiency_cover=True))


def _config(rng: np.random.Generator, agents: int = 6):
    people = []
    for i in range(agents):
        skills = (QUEUES, ("sales",), ("service",))[i % 3]
        people.append(dataclasses.replace(agent(f"A{i}", skills=skills),
                                          proficiencies=tuple(float(rng.choice(PROFICIENCIES)) for _ in skills)))
    return _weighted(make_config(tuple(people), queue_ids=QUEUES))


def _requirements(rng: np.random.Generator) -> np.ndarray:
    required = np.zeros((2, WEEK.slot_count), int)
    monday = slice(WEEK.slot(0, hm("07:00")), WEEK.slot(0, hm("20:00")))
    required[:, monday] = rng.integers(0, 3, size=(2, monday.stop - monday.start))
    return required


def _random_roster(config, rng: np.random.Generator) -> Roster:
    """A Monday shift (random start, breaks anywhere on their grid) or none, per agent."""
    shifts = []
    for who in config.agents:
        if rng.random() < 0.2:
            continue
        options = shift_options(config, who, WEEK, 0)
        option = min(options, key=lambda o: abs(o.start_minute - hm("09:00") - 30 * int(rng.integers(-6, 7))))
        taken: list[BreakAssignment] = []
        for rule in option.template.breaks:
            low = rule.earliest_after_start_minutes
            if taken:
                low = max(low, taken[-1].start_minute + taken[-1].minutes + option.template.min_break_gap_minutes
                          - option.start_minute)
            offsets = np.arange(low, rule.latest_after_start_minutes + 1, config.interval_minutes)
            taken.append(BreakAssignment(rule.kind, option.start_minute + int(rng.choice(offsets)), rule.minutes))
        shifts.append(ShiftAssignment(who.agent_id, WEEK.day(0), option.template.template_id, option.start_minute,
                                      option.template.length_minutes, option.paid_minutes, tuple(taken)))
    return Roster(tuple(shifts))


def _brute_force(groups: effective_cover.CoverGroups, required: list[int], present: list[tuple[int, int]]) -> int:
    """Every head tries every queue it is skilled for, or none."""
    heads = [g for g, n in present for _ in range(n)]
    best = 0
    for choice in itertools.product(*[(None, *groups.queues_of[g]) for g in heads]):
        brought = [0] * len(required)
        for g, q in zip(heads, choice, strict=True):
            if q is not None:
                brought[q] += groups.weights_of[g][groups.queues_of[g].index(q)]
        best = max(best, sum(min(100 * r, b) for r, b in zip(required, brought, strict=True)))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_best_cover_is_the_brute_force_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    people = [(("sales", "service", "chat"), (0.8, 1.2, 0.9)), (("sales", "service"), (1.15, 0.75)),
              (("service", "chat"), (1.1, 1.05)), (("sales",), (0.85,)), (("chat",), (1.2,))]
    config = make_config(tuple(dataclasses.replace(agent(f"A{i}", skills=skills), proficiencies=profs)
                               for i, (skills, profs) in enumerate(people)), queue_ids=("sales", "service", "chat"))
    groups = effective_cover.CoverGroups.of(config)
    for _ in range(40):
        required = [int(r) for r in rng.integers(0, 4, size=3)]
        present = [(g, int(n)) for g in range(len(groups.keys)) if (n := rng.integers(0, 3))]
        if sum(n for _, n in present) > 7:
            continue
        covered, allocation = effective_cover.best_cover(groups, required, present)
        assert covered == _brute_force(groups, required, present)
        brought = [0] * 3
        for (g, q), heads in allocation.items():  # the allocation reaches the cover and keeps each head once
            brought[q] += heads * groups.weights_of[g][groups.queues_of[g].index(q)]
        assert sum(min(100 * r, b) for r, b in zip(required, brought, strict=True)) == covered
        for g, n in present:
            assert sum(h for (h_g, _), h in allocation.items() if h_g == g) <= n
        assert effective_cover._exact(groups, [100 * r for r in required], present)[0] == covered


@pytest.mark.parametrize("seed", range(3))
def test_quick_cover_is_exact_when_it_answers(seed: int) -> None:
    """One head more or fewer from an exact basis: where ``quick_cover`` proves a cover it is the brute-force
    optimum and its allocation reaches it; it answers most of the time."""
    rng = np.random.default_rng(50 + seed)
    people = [(("sales", "service", "chat"), (0.8, 1.2, 0.9)), (("sales", "service"), (1.15, 0.75)),
              (("service", "chat"), (1.1, 1.05)), (("sales",), (0.85,)), (("chat",), (1.2,)), (("sales",), (1.1,))]
    config = make_config(tuple(dataclasses.replace(agent(f"A{i}", skills=skills), proficiencies=profs)
                               for i, (skills, profs) in enumerate(people)), queue_ids=("sales", "service", "chat"))
    groups = effective_cover.CoverGroups.of(config)
    answered = asked = 0
    for _ in range(40):
        required = [int(r) for r in rng.integers(0, 4, size=3)]
        capacity = [100 * r for r in required]
        present = {g: int(n) for g in range(len(groups.keys)) if (n := rng.integers(0, 3))}
        if sum(present.values()) > 6:
            continue
        basis = effective_cover.SlotBasis.of(groups, capacity, present,
                                             *effective_cover.best_cover(groups, required, sorted(present.items())))
        for g in range(len(groups.keys)):
            for sign in (1, -1):
                if present.get(g, 0) + sign < 0:
                    continue
                asked += 1
                found = effective_cover.quick_cover(groups, capacity, basis, g, sign)
                if found is None:
                    continue
                answered += 1
                after = dict(present)
                after[g] = after.get(g, 0) + sign
                assert found[0] == _brute_force(groups, required, [(h, n) for h, n in after.items() if n])
                brought = [0] * 3
                for (h, q), heads in found[1].items():
                    assert heads > 0
                    brought[q] += heads * groups.weights_of[h][groups.queues_of[h].index(q)]
                assert sum(min(c, b) for c, b in zip(capacity, brought, strict=True)) == found[0]
                for h, n in after.items():
                    assert sum(k for (k_g, _), k in found[1].items() if k_g == h) <= n
    assert answered > asked // 2


def test_the_exact_solve_is_needed_and_right() -> None:
    """A case the greedy placement gets wrong: the integer program decides."""
    config = make_config((dataclasses.replace(agent("A1", skills=("sales", "service")), proficiencies=(1.2, 1.0)),
                          dataclasses.replace(agent("A2", skills=("sales",)), proficiencies=(0.8,))),
                         queue_ids=("sales", "service"))
    groups = effective_cover.CoverGroups.of(config)
    present = [(groups.group_of["A1"], 1), (groups.group_of["A2"], 1)]
    # greedy: A1 brings 1.0 to sales or service; A2 must take sales; A1 best on service: 0.8 + 1.0
    covered, allocation = effective_cover.best_cover(groups, [1, 1], present)
    assert covered == _brute_force(groups, [1, 1], present) == 180
    assert allocation == {(groups.group_of["A1"], 1): 1, (groups.group_of["A2"], 0): 1}
    covered, _ = effective_cover._exact(groups, [100, 100], present)
    assert covered == 180


def test_the_integer_program_decides_past_the_branch_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_config((dataclasses.replace(agent("A1", skills=QUEUES), proficiencies=(1.2, 1.0)),
                          dataclasses.replace(agent("A2", skills=QUEUES), proficiencies=(1.2, 1.0)),
                          dataclasses.replace(agent("A3", skills=("sales",)), proficiencies=(0.8,))),
                         queue_ids=QUEUES)
    groups = effective_cover.CoverGroups.of(config)
    present = [(groups.group_of["A1"], 2), (groups.group_of["A3"], 1)]
    expected = _brute_force(groups, [1, 2], present)
    assert effective_cover.best_cover(groups, [1, 2], present)[0] == expected == 280
    calls = []
    monkeypatch.setattr(effective_cover, "BRANCH_LIMIT", 0)
    monkeypatch.setattr(effective_cover, "_exact", lambda *args: calls.append(args) or (expected, {}))
    assert effective_cover.best_cover(groups, [1, 2], present)[0] == expected and calls


def test_all_ones_is_the_max_flow_cover() -> None:
    rng = np.random.default_rng(3)
    config = _weighted(make_config(tuple(agent(f"A{i}", skills=(QUEUES, ("sales",), ("service",))[i % 3])
                                         for i in range(9)), queue_ids=QUEUES))
    assert not effective_cover.weighted(config)
    ones = dataclasses.replace(config, agents=tuple(dataclasses.replace(a, proficiencies=(1.0,) * len(a.skills))
                                                    for a in config.agents))
    assert not effective_cover.weighted(ones)  # all ones: the plain faces, switched on or not
    groups = effective_cover.CoverGroups.of(config)
    for _ in range(30):
        required = rng.integers(0, 4, size=(2, 1))
        counts = rng.integers(0, 4, size=len(groups.keys))
        on_floor = {config.agents[[groups.group_of[a.agent_id] for a in config.agents].index(g)].skills:
                    np.array([int(counts[g])]) for g in range(len(groups.keys))}
        heads = allocate(required, on_floor, list(QUEUES))
        covered, _ = effective_cover.best_cover(groups, required[:, 0].tolist(),
                                                [(g, int(n)) for g, n in enumerate(counts) if n])
        assert covered == 100 * int(np.minimum(heads, required).sum())
    roster = _random_roster(config, rng)
    required = _requirements(rng)
    plain = {c.rule: c.amount for c in evaluate(Instance(config, WEEK, required), roster)}
    assert effective_cover.cover_cost(config, WEEK, roster, required) == (plain["understaffing"],
                                                                           plain["overstaffing"])


def test_switched_off_the_cover_counts_heads() -> None:
    """With ``solver.proficiency_cover: false`` the roster's cover counts heads, as before proficiencies."""
    rng = np.random.default_rng(7)
    config = dataclasses.replace(_config(rng), solver=SolverSettings(proficiency_cover=False))
    assert not effective_cover.weighted(config) and effective_cover.weighted(_weighted(config))
    required = _requirements(rng)
    roster = _random_roster(config, rng)
    plain = {c.rule: c.amount for c in evaluate(Instance(config, WEEK, required), roster)}
    weighted = {c.rule: c.amount for c in evaluate(Instance(_weighted(config), WEEK, required), roster)}
    assert plain["understaffing"] == int(plain["understaffing"]) != weighted["understaffing"]


def test_by_default_weighted_when_proficiencies_differ_unless_weekly() -> None:
    config = dataclasses.replace(_config(np.random.default_rng(7)), solver=SolverSettings())
    assert config.solver.proficiency_cover is None and effective_cover.weighted(config)
    weekly = dataclasses.replace(config, weights=dataclasses.replace(config.weights, service_level="weekly"))
    assert not effective_cover.weighted(weekly)  # the weekly mode's curves count whole heads
    ones = dataclasses.replace(config, agents=tuple(dataclasses.replace(a, proficiencies=(1.0,) * len(a.skills))
                                                    for a in config.agents))
    assert not effective_cover.weighted(ones)


def test_the_config_key_is_read(tmp_path: Path) -> None:
    centre = TinyCentre(agents=(TinyAgent("A1", "full_time", ("q1",)),))
    plan, _ = write(centre, tmp_path)
    assert load_config(plan).solver.proficiency_cover is None  # unset: automatic
    text = plan.read_text(encoding="utf-8")
    for value, expected in (("true", True), ("false", False)):
        plan.write_text(text.replace("solver:\n", f"solver:\n  proficiency_cover: {value}\n"), encoding="utf-8")
        assert load_config(plan).solver.proficiency_cover is expected


CASES = range(4)


@pytest.mark.parametrize("case", CASES)
def test_model_scoring_search_and_validator_agree(case: int, tmp_path: Path) -> None:
    """Pinned random roster: CP-SAT's optimal cover terms, the roster's scoring (``evaluate``), the local
    search's state and its one-head deltas, and the independent validator give the same under- and
    over-staffing."""
    rng = np.random.default_rng(100 + case)
    config = _config(rng)
    assert effective_cover.weighted(config)
    required = _requirements(rng)
    roster = _random_roster(config, rng)
    instance = Instance(config, WEEK, required)
    costs = {c.rule: c for c in evaluate(instance, roster)}
    under, over = costs["understaffing"].amount, costs["overstaffing"].amount

    model = RosterModel(instance)
    one_shift_per_day.RULE.build(model)
    breaks.RULE.build(model)
    terms = coverage.build(model)
    for agent_day in model.all_agent_days():
        shift = next((s for s in roster.shifts if s.agent_id == agent_day.agent.agent_id
                      and s.date == WEEK.day(agent_day.day_index)), None)
        assert model.fix_shift(agent_day, shift)
    model.cp.minimize(sum(t.weight * t.expression for t in terms))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model.cp) == cp_model.OPTIMAL
    assert solver.objective_value / 100 == pytest.approx(under * config.weights.understaffed_agent_interval
                                                         + over * config.weights.overstaffed_agent_interval)
    by_rule = {t.rule: solver.value(t.expression) / t.divisor for t in terms}
    assert by_rule == {"understaffing": pytest.approx(under), "overstaffing": pytest.approx(over)}

    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(roster), encoding="utf-8")
    assert weighted_cover(config, read_roster(path), WEEK.start, required) == (under, over)

    state = effective_cover.WeightedCoverState(config, required)
    groups = effective_cover.CoverGroups.of(config)
    floor = effective_cover.floor_by_group(groups, WEEK, roster)
    rows = {s.agent_id: effective_cover.floor_by_group(groups, WEEK, Roster((s,)))[groups.group_of[s.agent_id]]
            for s in roster.shifts}
    for agent_id, row in rows.items():
        state.change(groups.group_of[agent_id], 0, row, +1)
    assert (state.floor == floor).all()
    slots = np.arange(WEEK.slot_count)
    total = under * config.weights.understaffed_agent_interval + over * config.weights.overstaffed_agent_interval
    assert state.cost(slots, floor) == pytest.approx(total)
    for agent_id, row in rows.items():  # one agent out, scored incrementally, against the roster without them
        delta = state.deltas(groups.group_of[agent_id], 0, -row[None, :])[0]
        without = Roster(tuple(s for s in roster.shifts if s.agent_id != agent_id))
        less = {c.rule: c.penalty for c in evaluate(instance, without)}
        assert delta == pytest.approx(less["understaffing"] + less["overstaffing"] - total)


def test_the_search_state_keeps_the_exact_cover_across_moves() -> None:
    """Agents taken off and put back one at a time, the cover read between moves (so each interval's basis is
    carried by ``quick_cover`` where it can): the state's cover is always the exact one of its floor."""
    rng = np.random.default_rng(11)
    config = _config(rng, agents=9)
    required = _requirements(rng)
    roster = _random_roster(config, rng)
    groups = effective_cover.CoverGroups.of(config)
    rows = {s.agent_id: effective_cover.floor_by_group(groups, WEEK, Roster((s,)))[groups.group_of[s.agent_id]]
            for s in roster.shifts}
    state = effective_cover.WeightedCoverState(config, required)
    for agent_id, row in rows.items():
        state.change(groups.group_of[agent_id], 0, row, +1)
    table = effective_cover.CoverTable(groups, required)
    slots = np.flatnonzero(required.any(axis=0)).tolist()
    on = set(rows)
    for agent_id in rng.permutation(sorted(rows)).tolist() * 2:
        state.covered  # noqa: B018 - read: the changed intervals get their basis
        sign = -1 if agent_id in on else 1
        state.change(groups.group_of[agent_id], 0, rows[agent_id], sign)
        on.symmetric_difference_update({agent_id})
        fresh = [table.cover(slot, effective_cover._present(state.floor, slot))[0] for slot in slots]
        assert state.covered[slots].tolist() == fresh
    assert state.quick[0] > 0


def test_the_cases_cover_short_and_over() -> None:
    """The random cases have both under-staffing and proficiency-clipped over-staffing (else the test above
    could pass with a face ignoring either)."""
    amounts = []
    for case in CASES:
        rng = np.random.default_rng(100 + case)
        config = _config(rng)
        required = _requirements(rng)
        amounts.append(effective_cover.cover_cost(config, WEEK, _random_roster(config, rng), required))
    assert any(u > 0 for u, _ in amounts) and any(o > 0 for _, o in amounts)
    assert any(u != round(u) for u, _ in amounts)


def test_lp_bound_stays_below_the_weighted_objective() -> None:
    rng = np.random.default_rng(0)
    config = _config(rng, agents=5)
    required = _requirements(rng)
    instance = Instance(config, WEEK, required)
    aggregate = solve_aggregate(instance)
    result = solve_roster(instance, time_limit_seconds=1, progress=None)
    assert aggregate is not None and aggregate.bound > 0
    assert aggregate.bound <= result.stats.objective + 1e-6
    assert result.stats.best_bound <= result.stats.objective + 1e-6
    assert result.stats.objective == pytest.approx(sum(c.penalty for c in evaluate(instance, result.roster)))


@pytest.mark.parametrize("seed", range(3))
def test_the_roster_scoring_reuses_its_intervals_across_calls_and_agrees(seed: int,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """``allocation_of`` keeps its intervals' covers across calls (the solve scores many rosters of one centre):
    a second roster re-solves only the intervals whose floor changed, and every result equals a fresh table's."""
    rng = np.random.default_rng(seed)
    config, required = _config(rng, agents=9), _requirements(rng)
    first, second = _random_roster(config, rng), _random_roster(config, rng)
    solved: list[int] = []
    real = effective_cover.best_cover

    def counting(*args, **kwargs):
        solved.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(effective_cover, "_SHARED_MEMOS", {})
    monkeypatch.setattr(effective_cover, "best_cover", counting)
    shared = [effective_cover.allocation_of(config, WEEK, roster, required) for roster in (first, second, first)]
    after_first = len(solved)
    monkeypatch.setattr(effective_cover, "_SHARED_MEMOS", {})
    fresh = [effective_cover.allocation_of(config, WEEK, roster, required) for roster in (first, second, first)]
    for (_, floor, covered, allocations), (_, floor2, covered2, allocations2) in zip(shared, fresh, strict=True):
        assert np.array_equal(floor, floor2) and np.array_equal(covered, covered2) and allocations == allocations2
    assert after_first == len(solved) - after_first  # (each pass solves the same distinct intervals)
    distinct = {(tuple(required[:, s]), effective_cover._present(f, s))
                for _, f, _, _ in shared[:2] for s in range(WEEK.slot_count)}
    assert after_first == len(distinct)  # the third call (the first roster again) solved nothing


def test_a_node_over_more_queues_is_charged_its_subsets() -> None:
    """A branch-and-bound node's bound sums over every set of its queues: from four queues on it is charged beyond
    ``NODE_ELEMENTS`` (the three-queue node it was fitted on), growing with the sets, and not past
    ``SUBSET_QUEUES`` (one set only)."""
    wide = effective_cover.wide_node_elements
    assert wide(2) == wide(3) == 0 < wide(4) < wide(5) < wide(6)
    assert wide(effective_cover.SUBSET_QUEUES + 1) == 0


def test_the_cover_charges_its_wide_nodes() -> None:
    """Six queues, multi-skilled heads the greedy cannot place best: the branch and bound's nodes are charged each
    ``wide_node_elements(6)`` in ``work[1]`` beside the node count in ``work[0]``."""
    queues = ("q0", "q1", "q2", "q3", "q4", "q5")
    people = [(queues, (0.8, 1.2, 0.9, 1.1, 0.7, 1.0)), (queues[:4], (1.15, 0.75, 1.0, 0.9)),
              (queues[2:], (1.1, 1.05, 0.85, 1.2)), (queues[::2], (0.9, 1.2, 1.0)), (queues[1::2], (1.2, 0.8, 1.1))]
    config = make_config(tuple(dataclasses.replace(agent(f"A{i}", skills=skills), proficiencies=profs)
                               for i, (skills, profs) in enumerate(people)), queue_ids=queues)
    groups = effective_cover.CoverGroups.of(config)
    rng = np.random.default_rng(3)
    charged = 0
    for _ in range(60):
        work = [0, 0]
        required = [int(r) for r in rng.integers(1, 3, size=6)]
        present = [(g, int(rng.integers(1, 3))) for g in range(len(groups.keys))]
        effective_cover.best_cover(groups, required, present, work)
        assert work[1] >= work[0] * effective_cover.wide_node_elements(6)
        charged += work[0]
    assert charged > 0  # (some intervals reached the branch and bound)
