"""The agent-by-agent start within its share of a deterministic budget (``sequential_roster(build_units_left=)``), a
floor rule's agents kept on their own model when the build completes cheaply, and the weighted solve's LPs not
built when their size alone is over their share (``search.lp_size.lp_over``)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from scheduler.domain.plan import PinnedShift, Replan
from scheduler.domain.roster import Roster, roster_csv
from scheduler.rostering import solve
from scheduler.rostering.coverage import on_break_counts
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import floor_rules
from scheduler.rostering.search import lower_bound, lp_size, sequential, weighted_bound, weighted_start
from scheduler.rostering.search.lower_bound import lp_work, solve_aggregate
from scheduler.rostering.search.lp_start import keeps_own_rules
from scheduler.rostering.search.sequential import sequential_roster
from scheduler.rostering.stopping import NO_STOP, Stop
from scheduler.validation.validate import read_roster, validate_roster
from tests.test_floor_repair import _config as _lead_config
from tests.test_lp_start import _centre, _day_shift
from tests.test_rules import MON, WEEK, hm


def _counted(monkeypatch: pytest.MonkeyPatch, lean: list[str] | None = None) -> list[tuple[str, bool]]:
    """Each agent's own CP-SAT model with breaks solved from now on: (agent id, first solution taken); the agents
    whose model left the breaks out go to ``lean``."""
    calls: list[tuple[str, bool]] = []
    own = sequential._agent_week

    def counted(instance, agent, *args, first_found: bool = False, with_breaks: bool = True,  # type: ignore[no-untyped-def]
                **kwargs):
        if with_breaks:
            calls.append((agent.agent_id, first_found))
        elif lean is not None:
            lean.append(agent.agent_id)
        return own(instance, agent, *args, first_found=first_found, with_breaks=with_breaks, **kwargs)

    monkeypatch.setattr(sequential, "_agent_week", counted)
    return calls


def test_a_build_past_its_units_is_completed_with_copied_weeks(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Without units left, only the first agent (no week to copy yet) gets their own model; the rest copy weeks
    that keep their rules, and the build spends a fraction of what it spends with units left. With units for a
    few agents' models, the agents the pace so far would not fit get a model without breaks instead."""
    config, req = _centre(8)
    instance = Instance(config, WEEK, req)
    calls = _counted(monkeypatch)
    full: list[float] = []
    sequential_roster(instance, list(config.agents), improve_passes=0, spend=full.append)
    assert len(calls) == len(config.agents)
    calls.clear()
    cut: list[float] = []
    weeks = sequential_roster(instance, list(config.agents), improve_passes=0, spend=cut.append,
                              build_units_left=lambda: 0.0)
    assert sorted(weeks) == sorted(a.agent_id for a in config.agents)
    assert all(keeps_own_rules(instance, agent_id, shifts) for agent_id, shifts in weeks.items())
    assert len(calls) < len(config.agents) / 2 and sum(cut) < sum(full) / 2
    lean: list[str] = []
    calls = _counted(monkeypatch, lean)
    units = [0.0]
    weeks = sequential_roster(instance, list(config.agents), improve_passes=0, spend=lambda u: units.__setitem__(
        0, units[0] + u), build_units_left=lambda: 2.5 * sum(full) / len(config.agents) - units[0])
    # units for a few agents' full models: the rest at the pace so far would not fit, so their model has no breaks
    # (placed greedily after it); every week keeps the agent's rules, and the roster every rule
    assert lean and len(calls) + len(lean) >= len(config.agents) and len(calls) < len(config.agents)
    assert all(keeps_own_rules(instance, agent_id, shifts) for agent_id, shifts in weeks.items())
    roster = solve._roster_of(weeks)
    assert all(len(s.breaks) == len(config.template(s.template_id).breaks) for s in roster.shifts)
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(roster), encoding="utf-8")
    assert validate_roster(config, read_roster(path), MON) == []
    calls.clear()
    same = sequential_roster(instance, list(config.agents), improve_passes=0,
                             build_units_left=lambda: float("inf"))  # units left throughout: as without
    assert same == sequential_roster(instance, list(config.agents), improve_passes=0)


@pytest.mark.parametrize("past", ["budget", "clock"])
def test_a_floor_rules_agents_past_the_build_take_the_model_without_breaks_and_keep_the_rule(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, past: str) -> None:
    """Past the build's units or the wall clock, the leads never take a copy nor a first solution (both broke the
    lead rule): the model without breaks, whose objective values the floor shortfall they save, with their breaks
    placed where the floor does not need them, else their full model. The lead rule holds and the roster is
    valid."""
    config = _lead_config()
    requirements = np.zeros((1, WEEK.slot_count), int)
    requirements[0, WEEK.slot(0, hm("10:00")):WEEK.slot(0, hm("14:00"))] = 2
    instance = Instance(config, WEEK, requirements)
    lean: list[str] = []
    calls = _counted(monkeypatch, lean)
    stop = Stop(wall_seconds=0.0).start() if past == "clock" else Stop().start()
    weeks = sequential_roster(instance, list(config.agents), improve_passes=0, stop=stop,
                              build_units_left=(lambda: 0.0) if past == "budget" else None)
    leads = {a.agent_id for a in config.agents if a.level == "lead"}
    assert leads & set(lean)  # (before: every lead's full model)
    assert leads <= set(lean) | {agent_id for agent_id, first in calls if not first}
    assert not {agent_id for agent_id, first in calls if first} & leads
    roster = solve._roster_of(weeks)
    assert floor_rules.broken(config, WEEK, roster) == []
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(roster), encoding="utf-8")
    assert validate_roster(config, read_roster(path), MON) == []


def test_a_leads_greedy_breaks_go_where_the_floor_does_not_need_it() -> None:
    """A floor rule's agent's breaks placed greedily (``sequential._with_breaks(floor_values=)``) leave the slots
    where its head saves floor shortfall; where every start of a break's window is such a slot, no week comes back
    (the full model then places them)."""
    config, req = _centre(2)
    instance = Instance(config, WEEK, req)
    agent = config.agents[0]
    bare = tuple(dataclasses.replace(_day_shift(agent.agent_id, day, "08:00"), breaks=()) for day in range(4))
    residual = sequential.Residual(instance)
    others = np.zeros(WEEK.reach_slot_count, dtype=np.int64)
    placed = sequential._with_breaks(instance, agent, bare, residual, others)
    assert placed is not None
    needed = np.zeros(WEEK.slot_count, dtype=np.int64)
    taken = WEEK.slot(0, placed[0].breaks[0].start_minute)
    needed[taken] = 1_000_000  # the floor needs the agent where the cover's greedy break went
    moved = sequential._with_breaks(instance, agent, bare, residual, others, floor_values=needed)
    assert moved is not None and moved[0].breaks[0].start_minute != placed[0].breaks[0].start_minute
    assert keeps_own_rules(instance, agent.agent_id, moved)
    needed[WEEK.slot(0, hm("08:00")):WEEK.slot(0, hm("16:30"))] = 1_000_000  # the whole Monday shift
    assert sequential._with_breaks(instance, agent, bare, residual, others, floor_values=needed) is None


def test_the_weighted_solve_keeps_its_agent_by_agent_build_within_its_share(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No LP (over its share): the build of the first roster stops taking agents' own models once it has spent its
    share of the budget, instead of spending the whole budget and more (151 agents x 10 queues: 7.95 units
    on a 21-s limit's 5.5)."""
    config, req = _centre(8)
    config = dataclasses.replace(config, solver=dataclasses.replace(config.solver, deterministic=True))
    instance = Instance(config, WEEK, req)
    monkeypatch.setattr(solve, "LP_SHARE", 0.0)  # no LP: the agent-by-agent start
    monkeypatch.setattr(solve, "MAX_ROUNDS", 0)
    calls = _counted(monkeypatch)
    solve.solve_roster(instance, time_limit_seconds=0.05, progress=None)
    assert len(calls) < len(config.agents)  # the budget (0.013 units) is spent by the first agents' full models
    calls.clear()
    solve.solve_roster(instance, time_limit_seconds=20.0, progress=None)
    assert len(calls) >= len(config.agents)  # within budget: every agent's own full model, as before


def test_the_size_floor_with_patterns_never_counts_more_than_the_build() -> None:
    """The weekly patterns counted before the build (most of the columns at 151 x 10 queues with levels) keep the
    floor below the built LP, for the weighted bound's LP (breaks shared) and the aimed heads LP."""
    config, req = _centre(8)
    weighted = Instance(dataclasses.replace(config, solver=dataclasses.replace(config.solver,
                                                                                proficiency_cover=True)), WEEK, req)
    for instance, shared in ((weighted, True), (weighted_start.heads_instance(weighted), False)):
        size: list[tuple[int, int]] = []
        solve_aggregate(instance, max_work_seconds=0.0, shared_breaks=shared,
                        on_built=lambda c, r, size=size: size.append((c, r)))
        columns, rows = size[0]
        plain = lp_size.lp_size_floor(instance, shared)
        floor = lp_size.lp_size_floor(instance, shared, patterns=True)
        assert plain.columns < floor.columns <= columns and floor.rows <= rows and floor.patterns > 0
        assert not lp_size.lp_over(instance, lp_work(columns, rows), shared_breaks=shared)  # fits: built
        assert lp_size.lp_over(instance, 0.99 * lp_work(floor.columns, floor.rows), shared_breaks=shared)


def test_a_best_member_lp_over_its_share_is_not_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """Predicted over its tenth of the limit: no build (its build was charged for nothing), only the count."""
    config, req = _centre(8)
    instance = Instance(dataclasses.replace(config, solver=dataclasses.replace(config.solver,
                                                                                proficiency_cover=True)), WEEK, req)
    built: list[int] = []
    monkeypatch.setattr(weighted_bound, "solve_aggregate", lambda *a, **k: built.append(1))
    monkeypatch.setattr(weighted_bound, "_exact_bound", lambda *a, **k: None)
    spent: list[float] = []
    assert weighted_bound.weighted_bound(instance, 1e-6, wall_seconds=10.0, spend_seconds=spent.append) is None
    assert built == []
    share = weighted_bound.LP_SHARE * 1e-6
    counted = lp_size.lp_size_floor(instance, True, patterns=True, max_work_seconds=share)
    assert spent == [counted.count_seconds]  # the patterns counted until it was over, charged
    assert counted.patterns < lp_size.lp_size_floor(instance, True, patterns=True).patterns  # not all of them
    # counting a pattern is cheaper than building its column
    assert lower_bound.LP_BUILD_SECONDS_PER_VARIABLE > lp_size.PATTERN_NODE_SECONDS + lp_size.PATTERN_CHECK_SECONDS


def test_the_count_stops_once_over_and_the_verdict_is_the_full_counts() -> None:
    """``lp_over`` stops counting patterns once the size so far is over its share: for every share, over or not as
    the full count says (the size only grows), and never more patterns counted than the full count."""
    config, req = _centre(8)
    weighted = Instance(dataclasses.replace(config, solver=dataclasses.replace(config.solver,
                                                                                proficiency_cover=True)), WEEK, req)
    for instance, shared in ((weighted, True), (weighted_start.heads_instance(weighted), False)):
        full = lp_size.lp_size_floor(instance, shared, patterns=True)
        plain = lp_size.lp_size_floor(instance, shared)
        work = lp_work(full.columns, full.rows)
        for share in (0.0, lp_work(plain.columns, plain.rows), 0.5 * work, 0.999 * work, work, 2 * work):
            counts: list[float] = []
            over = lp_size.lp_over(instance, share, shared_breaks=shared, spend_seconds=counts.append)
            assert over == (work > share)
            assert counts[0] <= full.count_seconds
            assert (counts[0] == full.count_seconds) or over  # cut short only when over


def test_greedy_breaks_keep_the_break_cap_or_give_the_week_back() -> None:
    """A lean week's breaks placed greedily (``sequential._with_breaks``) keep the break cap beside the others on
    break; where every start of a break's window is already at the cap, no week comes back (the agent then gets the
    full model, which knows the cap) instead of one that breaks it."""
    config, req = _centre(2)
    config = dataclasses.replace(config, max_agents_on_break=1)
    instance = Instance(config, WEEK, req)
    agent = config.agents[0]
    bare = tuple(dataclasses.replace(_day_shift(agent.agent_id, day, "08:00"), breaks=()) for day in range(4))
    residual = sequential.Residual(instance)
    others = np.zeros(WEEK.reach_slot_count, dtype=np.int64)  # (the week and the day after: night breaks)
    placed = sequential._with_breaks(instance, agent, bare, residual, others)
    assert placed is not None and keeps_own_rules(instance, agent.agent_id, placed)
    assert all(len(s.breaks) == 2 for s in placed)
    others[WEEK.slot(0, hm("09:00")):WEEK.slot(0, hm("10:45"))] = 1  # Monday's first break window: the cap is full
    assert sequential._with_breaks(instance, agent, bare, residual, others) is None
    others[:] = 0
    taken = WEEK.slot(0, placed[0].breaks[0].start_minute)
    others[taken] = 1  # the first greedy start is full: the break moves, still within the cap
    moved = sequential._with_breaks(instance, agent, bare, residual, others)
    assert moved is not None and moved[0].breaks[0].start_minute != placed[0].breaks[0].start_minute
    assert int((others + on_break_counts(WEEK, Roster(moved))).max()) <= 1


def test_greedy_breaks_that_break_an_agent_rule_give_the_week_back() -> None:
    """A re-plan keeps a pinned day's breaks where they were published: greedy breaks elsewhere break the agent's
    breaks rule, so no week comes back (the full model, which keeps them, is used)."""
    config, req = _centre(1)
    agent = config.agents[0]
    bare = tuple(dataclasses.replace(_day_shift(agent.agent_id, day, "08:00"), breaks=()) for day in range(4))
    instance = Instance(config, WEEK, req)
    residual = sequential.Residual(instance)
    others = np.zeros(WEEK.reach_slot_count, dtype=np.int64)  # (the week and the day after: night breaks)
    placed = sequential._with_breaks(instance, agent, bare, residual, others)
    assert placed is not None
    greedy = placed[0].breaks[0].start_minute
    kept = (hm("09:00") if greedy != hm("09:00") else hm("09:15"), placed[0].breaks[1].start_minute)
    pins = {(agent.agent_id, WEEK.day(0)): PinnedShift("day", hm("08:00"), kept)}
    replanning = Instance(dataclasses.replace(config, replan=Replan(pinned=pins, published={})), WEEK, req)
    assert sequential._with_breaks(replanning, agent, bare, sequential.Residual(replanning), others) is None


def test_the_aimed_heads_lp_is_not_counted_past_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the wall cap the aimed heads LP's size is not counted (its patterns: 0.7 s of CPU at 151 agents x 10
    queues, for an LP the clock no longer lets be built), as ``weighted_bound`` skips its own count; before the cap
    it is counted once."""
    from tests.test_weighted_start import _many_skill_sets

    counted: list[bool] = []
    real = lp_size.lp_over
    monkeypatch.setattr(lp_size, "lp_over", lambda *a, **k: counted.append(True) or real(*a, **k))
    monkeypatch.setattr(solve, "WEIGHTED_MERGED_START", False)  # the full heads LP's path
    monkeypatch.setattr(weighted_bound, "lp_over", lambda *a, **k: False)  # (the bound's own count: not this test's)
    solve.solve_roster(_many_skill_sets(), time_limit_seconds=5, progress=None)
    assert counted == [True]
    counted.clear()
    solve.solve_roster(_many_skill_sets(), time_limit_seconds=5, progress=None, stop=Stop(wall_seconds=0.0))
    assert counted == []


def test_the_weeks_patterns_are_counted_once_for_both_lps_and_charged_by_their_work(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The best-member bound's and the aimed heads LP's size floors share one count of the week's weekly patterns
    (``lp_size.PatternCounts``): the second counts nothing again and is charged nothing; the count is charged by the
    work it did (classes, partial weeks visited, whole weeks checked), not by the patterns it found."""
    config, req = _centre(8)
    weighted = Instance(dataclasses.replace(config, solver=dataclasses.replace(config.solver,
                                                                                proficiency_cover=True)), WEEK, req)
    searched: list[lower_bound.PatternSearch] = []
    real = lp_size.counted_patterns
    monkeypatch.setattr(lp_size, "counted_patterns", lambda *a, **k: searched.append(real(*a, **k)) or searched[-1])
    counts = lp_size.PatternCounts()
    spent: list[float] = []
    assert not lp_size.lp_over(weighted, 1e9, shared_breaks=True, spend_seconds=spent.append, counts=counts)
    classes = len(lower_bound.agent_classes(weighted.config, WEEK))
    assert 0 < len(searched) <= classes
    assert spent == [pytest.approx(sum(lp_size.PATTERN_CLASS_SECONDS + s.nodes * lp_size.PATTERN_NODE_SECONDS
                                       + s.checks * lp_size.PATTERN_CHECK_SECONDS for s in searched))]
    assert sum(s.nodes for s in searched) > sum(len(s.patterns or ()) for s in searched)  # more visited than kept
    before = len(searched)
    heads = weighted_start.heads_instance(weighted)
    assert not lp_size.lp_over(heads, 1e9, spend_seconds=spent.append, counts=counts)
    assert len(searched) == before and spent[1] == 0.0  # counted once, charged once
    # the same floor as a count of its own
    assert lp_size.lp_size_floor(heads, patterns=True, counts=counts).patterns == lp_size.lp_size_floor(
        heads, patterns=True).patterns


def test_the_solve_shares_one_count_between_the_bound_and_the_heads_lp(monkeypatch: pytest.MonkeyPatch) -> None:
    """``solve_roster`` hands the weighted bound's count and the aimed heads LP's the same ``PatternCounts``."""
    from tests.test_weighted_start import _many_skill_sets

    given: list[object] = []
    real = lp_size.lp_over

    def recorded(*args, **kwargs):  # type: ignore[no-untyped-def]
        given.append(kwargs.get("counts"))
        return real(*args, **kwargs)

    monkeypatch.setattr(lp_size, "lp_over", recorded)
    monkeypatch.setattr(weighted_bound, "lp_over", recorded)
    monkeypatch.setattr(weighted_bound, "_exact_bound", lambda *a, **k: None)  # (the best-member LP's path)
    monkeypatch.setattr(solve, "WEIGHTED_MERGED_START", False)  # the full heads LP's path
    solve.solve_roster(_many_skill_sets(), time_limit_seconds=5, progress=None)
    assert len(given) == 2 and isinstance(given[0], lp_size.PatternCounts) and given[0] is given[1]


def test_the_relaxation_round_is_not_built_once_a_roster_has_spent_the_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The no-break relaxation's first round after the agent-by-agent start is skipped, as the later rounds are,
    when a roster exists and less than the neighbourhoods' reserve of the budget is left: its model's build alone
    would overrun the budget (160 agents with levels: 3 s of CPU, 1.65 units charged with 0.12 left). With the
    budget left it runs as before."""
    config, req = _centre(8)
    config = dataclasses.replace(config, solver=dataclasses.replace(config.solver, deterministic=True))
    instance = Instance(config, WEEK, req)
    monkeypatch.setattr(solve, "LP_SHARE", 0.0)  # no LP: the agent-by-agent start
    built: list[bool] = []
    real = solve.build_model
    monkeypatch.setattr(solve, "build_model", lambda *a, **k: built.append(True) or real(*a, **k))
    result = solve.solve_roster(instance, time_limit_seconds=0.05, progress=None)  # the build spends it all
    assert built == [] and math.isfinite(result.stats.objective)
    solve.solve_roster(instance, time_limit_seconds=20.0, progress=None)
    assert built


def test_an_lp_whose_count_costs_its_share_is_over_when_the_count_is_its_work(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``count_in_work`` (the horizon's bound without the carry-in: its share is all the CPU it may take, and
    its build enumerates the same patterns again) the count's charge is part of the LP's predicted work: an LP that
    fits by its size alone but not with its count is over, and a count over the share is cut inside a class."""
    config, req = _centre(8)
    instance = Instance(config, WEEK, req)
    full = lp_size.lp_size_floor(instance, patterns=True)
    assert full.count_seconds > 0 and not full.cut
    share = lp_work(full.columns, full.rows) + 0.5 * full.count_seconds
    assert not lp_size.lp_over(instance, share)
    assert lp_size.lp_over(instance, share, count_in_work=True)
    assert not lp_size.lp_over(instance, lp_work(full.columns, full.rows) + 1.01 * full.count_seconds,
                               count_in_work=True)
    agent_class = max(lower_bound.agent_classes(config, WEEK),
                      key=lambda c: lower_bound.counted_patterns(config, WEEK, c).nodes)
    monkeypatch.setattr(lower_bound, "WORK_CHECK_NODES", 16)  # (this centre's classes: under 200 nodes)
    cut = lower_bound.counted_patterns(config, WEEK, agent_class, max_work=lambda nodes, checks: True)
    assert cut.cut and cut.patterns is None and cut.nodes == 16


@pytest.mark.parametrize("weighted", [True, False])
def test_the_weighted_polishs_repair_stops_with_the_budget(monkeypatch: pytest.MonkeyPatch, weighted: bool) -> None:
    """The polish's repair of short intervals (``polish._repair``) on the weighted cover is stopped by the budget
    as well as the clock (on a levels roster short in hundreds of intervals it ran on past ``units_left``); on the
    head-count cover only by the clock, as before."""
    from scheduler.rostering.search import polish as polish_module
    from tests.test_floor_repair import BROKEN

    config = _lead_config()
    if not weighted:
        config = dataclasses.replace(config, solver=dataclasses.replace(config.solver, proficiency_cover=False))
    requirements = np.zeros((1, WEEK.slot_count), int)
    requirements[0, WEEK.slot(0, hm("10:00")):WEEK.slot(0, hm("14:00"))] = 3
    instance = Instance(config, WEEK, requirements)
    stops: list = []
    real = polish_module._repair
    monkeypatch.setattr(polish_module, "_repair", lambda polisher, spend, stopped=lambda: False, **k: (
        stops.append(stopped) or real(polisher, spend, stopped, **k)))
    left = [100.0]
    polish_module.polish(instance, BROKEN, stall_sweeps=1, units_left=lambda: left[0])
    assert stops and not stops[0]()  # budget left: not stopped
    left[0] = 0.0
    assert stops[0]() is weighted


@pytest.mark.parametrize("within", [True, False])
def test_the_lp_starts_completion_keeps_to_the_budget_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            within: bool) -> None:
    """The LP start rosters agent by agent the agents whose rounded week breaks a rule of theirs (here every agent:
    no rounded week is given), and the cover-kept rounding likewise: within the budget left, so once the LP has
    spent it they stop taking agents' own full models (a 24-hour centre, where most rounded weeks break a rest rule:
    the completion alone took 2.3 times the week's budget); switched off (``LP_BUILD_WITHIN_BUDGET``) every agent
    takes its own full model, as before."""
    config, req = _centre(8)
    config = dataclasses.replace(config, solver=dataclasses.replace(config.solver, deterministic=True))
    instance = Instance(config, WEEK, req)
    monkeypatch.setattr(solve, "lp_weeks", lambda *args, **kwargs: {})  # no rounded week keeps its agent's rules
    monkeypatch.setattr(solve, "BUDGET_SHARE_OF_LIMIT", 1e-5)  # the LP (built: its share is the limit's) spends it
    monkeypatch.setattr(solve, "LP_BUILD_WITHIN_BUDGET", within)
    monkeypatch.setattr(solve, "MAX_ROUNDS", 0)
    calls = _counted(monkeypatch)
    result = solve.solve_roster(instance, time_limit_seconds=20.0, progress=None)
    assert math.isfinite(result.stats.objective)
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(result.roster), encoding="utf-8")
    assert validate_roster(config, read_roster(path), MON) == []
    if within:
        assert len(calls) < len(config.agents)
    else:
        assert len(calls) >= len(config.agents)


@pytest.mark.parametrize("within", [True, False])
def test_the_cover_kept_roundings_completion_keeps_to_the_budget_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       within: bool) -> None:
    """``_cover_kept``'s agent-by-agent completion (here every agent: the rounding deals no week) on a budget
    already spent: no agent takes its own full model to the end (the first takes its model's first solution, the
    others copy it), and the roster keeps every rule; switched off (``LP_BUILD_WITHIN_BUDGET``) every agent takes
    its own full model, as before."""
    config, req = _centre(8)
    instance = Instance(config, WEEK, req)
    monkeypatch.setattr(solve.cover_rounding, "cover_weeks", lambda *args, **kwargs: {})
    monkeypatch.setattr(solve, "LP_BUILD_WITHIN_BUDGET", within)
    budget = solve._Budget(1.0, True, NO_STOP)
    budget.used = budget.total  # the LP spent it
    calls = _counted(monkeypatch)
    roster = solve._cover_kept(instance, None, list(config.agents), 0, budget, NO_STOP,  # type: ignore[arg-type]
                               True)
    assert roster is not None and len({s.agent_id for s in roster.shifts}) == len(config.agents)
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(roster), encoding="utf-8")
    assert validate_roster(config, read_roster(path), MON) == []
    full = [agent_id for agent_id, first_found in calls if not first_found]
    assert full == ([] if within else [a.agent_id for a in config.agents])


def test_the_build_copies_weeks_once_the_cap_is_near() -> None:
    """Less than ``WALL_RESERVE_SHARE`` of the wall-clock cap left: the build completes with copied weeks as past
    the cap (the roster's evaluation and the phases after it keep their time); with more left, as without a cap."""
    now = [0.0]
    stop = Stop(wall_seconds=100.0, clock=lambda: now[0]).start()
    assert not sequential.near_cap(stop)
    now[0] = 100.0 * (1 - sequential.WALL_RESERVE_SHARE) - 0.5
    assert not sequential.near_cap(stop)
    now[0] += 1.0
    assert sequential.near_cap(stop) and not stop.stopped()
    assert not sequential.near_cap(Stop().start())  # no cap: never near
    config, req = _centre(8)
    instance = Instance(config, WEEK, req)
    near: list[float] = []
    weeks = sequential_roster(instance, list(config.agents), improve_passes=0, spend=near.append, stop=stop)
    past: list[float] = []
    sequential_roster(instance, list(config.agents), improve_passes=0, spend=past.append,
                      stop=Stop(wall_seconds=0.0).start())
    assert sorted(weeks) == sorted(a.agent_id for a in config.agents)
    assert all(keeps_own_rules(instance, agent_id, shifts) for agent_id, shifts in weeks.items())
    assert near == past  # the same cheap completion as past the cap
    far: list[float] = []
    assert sequential_roster(instance, list(config.agents), improve_passes=0, spend=far.append,
                             stop=Stop(wall_seconds=1e6).start()) == sequential_roster(
        instance, list(config.agents), improve_passes=0)
    assert sum(far) > sum(near)
