"""Floor and ratio rules (``rules.floor_rules``), face by face: on seeded random pinned rosters, the CP-SAT
build is feasible exactly when the fast count finds no hard shortfall, its soft term's optimum equals the
fast count's soft cost, the local search's incremental ``FloorState`` agrees with a count afresh, and the
independent validator reports a violation exactly when the count is short. Then the solve keeps a hard floor
rule end to end, and the pre-check refuses a rule no roster can keep."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from ortools.sat.python import cp_model

from scheduler.domain.plan import FloorRule, Level, OpeningHours, PlanConfig, RatioRule, TimeWindow
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment, roster_csv
from scheduler.domain.shifts import shift_options
from scheduler.errors import InfeasibleError
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import RosterModel
from scheduler.rostering.rules import breaks, floor_rules, one_shift_per_day
from scheduler.rostering.solve import solve_roster
from scheduler.validation.validate import read_roster, validate_roster
from tests.test_rules import WEEK, agent, hm, make_config

LEVELS = (Level("junior", 0.8), Level("senior"), Level("lead"))
# sales is open on Monday 10:00-10:30 only, so a random Monday sometimes keeps the rules and sometimes not.
SALES_HOURS = OpeningHours((TimeWindow(hm("10:00"), hm("10:30")),) + (None,) * 6)


def _config(hard: bool, ratio: bool = True):
    agents = (dataclasses.replace(agent("J1"), level="junior"), dataclasses.replace(agent("J2"), level="junior"),
              dataclasses.replace(agent("S1"), level="senior"), dataclasses.replace(agent("L1"), level="lead"))
    config = make_config(agents)
    queues = (dataclasses.replace(config.queues[0], opening_hours=SALES_HOURS),)
    weight = 0 if hard else 7
    floor = (FloorRule("senior_on_floor", 1, "senior", (), ("sales",), hard, weight),
             FloorRule("pair", 1, None, ("J1", "L1"), ("sales",), hard, weight))
    ratios = (RatioRule("one_junior_per_senior", "junior", "senior", 1, ("sales",), hard, weight),) if ratio else ()
    return dataclasses.replace(config, queues=queues, levels=LEVELS, floor_rules=floor, ratio_rules=ratios)


def _random_roster(config, rng: np.random.Generator) -> Roster:
    """A Monday shift (random start, breaks anywhere on their grid) or none, per agent."""
    shifts = []
    for who in config.agents:
        options = shift_options(config, who, WEEK, 0)
        if rng.random() < 0.15:
            continue
        option = min(options, key=lambda o: abs(o.start_minute - hm("09:00") - 30 * int(rng.integers(-4, 5))))
        taken: list[BreakAssignment] = []
        for rule in option.template.breaks:  # in order, each its gap after the one before
            low = rule.earliest_after_start_minutes
            if taken:
                low = max(low, taken[-1].start_minute + taken[-1].minutes + option.template.min_break_gap_minutes
                          - option.start_minute)
            offsets = np.arange(low, rule.latest_after_start_minutes + 1, config.interval_minutes)
            taken.append(BreakAssignment(rule.kind, option.start_minute + int(rng.choice(offsets)), rule.minutes))
        shifts.append(ShiftAssignment(who.agent_id, WEEK.day(0), option.template.template_id, option.start_minute,
                                      option.template.length_minutes, option.paid_minutes, tuple(taken)))
    return Roster(tuple(shifts))


def _pinned_model(config, roster: Roster) -> tuple[RosterModel, list]:
    model = RosterModel(Instance(config, WEEK, np.zeros((1, WEEK.slot_count), int)))
    one_shift_per_day.RULE.build(model)
    breaks.RULE.build(model)  # one start per break: with the pinned start, the others follow
    terms = floor_rules.RULE.build(model)
    for agent_day in model.all_agent_days():
        shift = next((s for s in roster.shifts if s.agent_id == agent_day.agent.agent_id
                      and s.date == WEEK.day(agent_day.day_index)), None)
        if not model.fix_shift(agent_day, shift):
            raise AssertionError("a pinned shift is not among the model's options")
    return model, terms


def _solve(model: RosterModel) -> cp_model.CpSolver | None:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model.cp)
    return None if status == cp_model.INFEASIBLE else solver


CASES = range(20)


@pytest.mark.parametrize("case", CASES)
def test_hard_build_is_feasible_exactly_when_the_count_is_kept(case: int, tmp_path: Path) -> None:
    config = _config(hard=True)
    roster = _random_roster(config, np.random.default_rng(case))
    short = floor_rules.broken(config, WEEK, roster)
    model, _ = _pinned_model(config, roster)
    assert (_solve(model) is not None) is (short == [])
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(roster), encoding="utf-8")
    found = {v.rule for v in validate_roster(config, read_roster(path), WEEK.start)}
    assert ({"floor_rule", "ratio_rule"} & found != set()) is (short != [])


def test_the_cases_are_mixed() -> None:
    """The random rosters both keep and break the rules (else the test above could not fail)."""
    config = _config(hard=True)
    kept = [floor_rules.broken(config, WEEK, _random_roster(config, np.random.default_rng(c))) == [] for c in CASES]
    assert any(kept) and not all(kept)


@pytest.mark.parametrize("case", CASES[:8])
def test_soft_term_and_incremental_state_match_the_count(case: int) -> None:
    config = _config(hard=False)
    roster = _random_roster(config, np.random.default_rng(case))
    ((name, amount, _, weight),) = floor_rules.costs(config, WEEK, roster)
    assert name == floor_rules.SOFT_TERM and weight == 1
    model, terms = _pinned_model(config, roster)
    model.cp.minimize(sum(t.weight * t.expression for t in terms))
    solver = _solve(model)
    assert solver is not None and solver.objective_value == pytest.approx(amount)
    # the local search's state: every agent's row in, then one agent's row out, scored incrementally
    state = floor_rules.FloorState(config, WEEK)
    rows = floor_rules.on_floor_by_agent(WEEK, roster)
    for agent_id, row in rows.items():
        state.change(agent_id, 0, row, +1, 0)
    for agent_id, row in rows.items():
        delta = state.deltas(agent_id, 0, -row[None, :], 0)[0]
        without = Roster(tuple(s for s in roster.shifts if s.agent_id != agent_id))
        assert delta == floor_rules.costs(config, WEEK, without)[0][1] - amount
    # the agent-by-agent start's worth of one more head, slot by slot, is the penalty that head saves
    for agent_id in ("J1", "S1"):
        worth = state.slot_values(agent_id)
        for slot in (WEEK.slot(0, hm("10:00")), WEEK.slot(0, hm("10:15")), WEEK.slot(0, hm("11:00"))):
            one = np.zeros((1, 1), dtype=np.int64) + 1
            assert worth[slot] == -state.deltas(agent_id, slot, one, 0)[0]


def test_solve_keeps_a_hard_floor_rule() -> None:
    """A lead, a senior and two juniors on a one-hour requirement: the roster keeps a lead on the floor."""
    config = dataclasses.replace(_config(hard=True, ratio=False),
                                 floor_rules=(FloorRule("lead", 1, "lead", (), ("sales",), True, 0),))
    requirements = np.zeros((1, WEEK.slot_count), int)
    requirements[0, WEEK.slot(0, hm("10:00")):WEEK.slot(0, hm("11:00"))] = 1
    result = solve_roster(Instance(config, WEEK, requirements), time_limit_seconds=1, progress=None)
    assert floor_rules.broken(config, WEEK, result.roster) == []
    assert any(s.agent_id == "L1" for s in result.roster.shifts)


def test_precheck_names_a_rule_no_roster_can_keep() -> None:
    config = _config(hard=True, ratio=False)
    late = dataclasses.replace(config.agents[3], availability=(TimeWindow(hm("14:00"), 24 * 60),) * 7)
    config = dataclasses.replace(config, agents=(*config.agents[:3], late),
                                 floor_rules=(FloorRule("lead", 1, "lead", (), ("sales",), True, 0),))
    (line,) = floor_rules.reachable_conflicts(config, WEEK)
    assert line.startswith("floor_rules[0] lead needs 1") and "2 intervals (Mon 2026-03-30 10:00" in line


def test_a_rule_no_roster_keeps_stops_the_solve_naming_it() -> None:
    """Two leads wanted, one exists: the pre-check says so, and the solve itself (without the pre-check: the
    aggregate LP is infeasible, CP-SAT proves the hard rules are) stops with the rule and its intervals named."""
    config = dataclasses.replace(_config(hard=True), ratio_rules=(),
                                 floor_rules=(FloorRule("two_leads", 2, "lead", (), ("sales",), True, 0),))
    assert floor_rules.reachable_conflicts(config, WEEK)[0].startswith("floor_rules[0] two_leads needs 2")
    requirements = np.zeros((1, WEEK.slot_count), int)
    requirements[0, WEEK.slot(0, hm("10:00")):WEEK.slot(0, hm("10:30"))] = 1
    with pytest.raises(InfeasibleError, match=r"floor_rules\[0\] two_leads needs 2 of its agents on the floor in every "
                                              r"open interval, but in 2 intervals \(Mon 2026-03-30 10:00"):
        solve_roster(Instance(config, WEEK, requirements), time_limit_seconds=1, progress=None)


def test_lp_bound_holds_a_hard_floor_rule_and_stays_below_a_roster() -> None:
    """Both agents of senior level or above on the floor for the half hour: the aggregate LP's bound rises above
    the bound without the rule, and stays at or below the objective of a roster that keeps it."""
    from scheduler.rostering.search.lower_bound import solve_aggregate

    config = dataclasses.replace(_config(hard=True, ratio=False),
                                 floor_rules=(FloorRule("two_seniors", 2, "senior", (), ("sales",), True, 0),))
    requirements = np.zeros((1, WEEK.slot_count), int)
    requirements[0, WEEK.slot(0, hm("10:00")):WEEK.slot(0, hm("11:00"))] = 1
    with_rule = solve_aggregate(Instance(config, WEEK, requirements))
    without = solve_aggregate(Instance(dataclasses.replace(config, floor_rules=()), WEEK, requirements))
    assert with_rule is not None and without is not None and with_rule.bound > without.bound
    result = solve_roster(Instance(config, WEEK, requirements), time_limit_seconds=1, progress=None)
    assert floor_rules.broken(config, WEEK, result.roster) == []
    assert with_rule.bound <= result.stats.objective + 1e-6


def _lead_on_saturday_every_other_weekend() -> PlanConfig:
    """Week 2 of 2: a hard lead rule on Saturday 10:00-10:30 (the only open half-hour), every other weekend off."""
    saturday = OpeningHours((None,) * 5 + (TimeWindow(hm("10:00"), hm("10:30")), None))
    config = _config(hard=True, ratio=False)
    contract = dataclasses.replace(config.contracts[0], max_consecutive_weekends=1)
    return dataclasses.replace(config, contracts=(contract,), weeks=2,
                               queues=(dataclasses.replace(config.queues[0], opening_hours=saturday),),
                               floor_rules=(FloorRule("lead", 1, "lead", (), ("sales",), True, 0),))


def test_precheck_counts_a_lead_the_weeks_before_keep_off_the_weekend() -> None:
    """Every other weekend off and the only lead worked the last one: Saturday has no lead (482187 and 514305
    stopped after their whole search with 'no roster was found that keeps floor_rules[0] lead_on_floor')."""
    from scheduler.domain.horizon import AgentCarry, CarryIn

    config = _lead_on_saturday_every_other_weekend()
    assert floor_rules.reachable_conflicts(dataclasses.replace(config, carry_in=CarryIn(2, 2, {})), WEEK) == []
    worked = dataclasses.replace(config, carry_in=CarryIn(2, 2, {"L1": AgentCarry(weekend_run=1)}))
    (line,) = floor_rules.reachable_conflicts(worked, WEEK)
    assert line.startswith("floor_rules[0] lead needs 1") and "2 intervals (Sat 2026-04-04 10:00" in line
    assert "the weekends and days off the weeks before leave them" in line


def test_precheck_names_the_weeks_before_only_where_they_bar_an_agent() -> None:
    """Week 1 of a horizon without --previous (a carry-in with nothing in it) and a lead who is never available on
    Saturday: availability is the reason, not the weeks before (the line named them in every week of a horizon)."""
    from scheduler.domain.horizon import CarryIn

    saturday = OpeningHours((None,) * 5 + (TimeWindow(hm("10:00"), hm("10:30")), None))
    config = _config(hard=True, ratio=False)
    lead = dataclasses.replace(config.agents[3], availability=config.agents[3].availability[:5] + (None,) * 2)
    config = dataclasses.replace(config, agents=(*config.agents[:3], lead), weeks=2,
                                 queues=(dataclasses.replace(config.queues[0], opening_hours=saturday),),
                                 floor_rules=(FloorRule("lead", 1, "lead", (), ("sales",), True, 0),))
    (line,) = floor_rules.reachable_conflicts(dataclasses.replace(config, carry_in=CarryIn(1, 2, {})), WEEK)
    assert line.endswith("fewer of them could work at all (availability, time off, shift templates); add such "
                         "agents or relax the rule")


def _lead_on_sunday_full_time(**keys: int) -> PlanConfig:
    """Two leads and a hard lead rule on Sunday 10:00-10:30 (the only open half-hour), two weeks; every agent full
    time, 36-40 h of 8-h days, at most 5 days and 5 in a row, and the contract ``keys``."""
    sunday = OpeningHours((None,) * 6 + (TimeWindow(hm("10:00"), hm("10:30")),))
    config = _config(hard=True, ratio=False)
    config = dataclasses.replace(config, agents=(*config.agents, dataclasses.replace(config.agents[3], agent_id="L2")))
    fields = {"min_weekly_minutes": 36 * 60, "max_weekly_minutes": 40 * 60, "max_days_per_week": 5,
              "max_consecutive_days": 5, **keys}
    contract = dataclasses.replace(config.contracts[0], **fields)
    return dataclasses.replace(config, contracts=(contract,), weeks=2,
                               queues=(dataclasses.replace(config.queues[0], opening_hours=sunday),),
                               floor_rules=(FloorRule("lead", 1, "lead", (), ("sales",), True, 0),))


def test_precheck_leaves_out_the_days_the_day_rules_close() -> None:
    """The seventh sweep's 580484 and 505094 (every other weekend off for full-timers, every lead full time):
    a full-timer who works Sunday may not work the next weekend, so next week's 36 h take Monday to Friday, six
    days in a row. No lead can work Sunday; the pre-check counted every lead there, and the run stopped after
    its whole search with 'no roster keeps the hard rules together (proven by CP-SAT)'. It now stops before it,
    naming the day and the rules."""
    from scheduler.domain.horizon import CarryIn
    from scheduler.rostering import rules
    from scheduler.rostering.rules import next_week

    week_one = CarryIn(1, 2, {})
    paced = dataclasses.replace(_lead_on_sunday_full_time(max_consecutive_weekends=1), carry_in=week_one)
    (line,) = floor_rules.reachable_conflicts(paced, WEEK)
    assert line.startswith("floor_rules[0] lead needs 1") and "2 intervals (Sun 2026-04-05 10:00" in line
    assert ("; on Sun the day rules leave some of them no week that works it (contract loose: min_weekly_hours 36 "
            "and " + next_week.RULE.describe(rules.agent_week(paced, WEEK, paced.agents[3])) + ")") in line
    # the lead's every week that works Sunday is refused, one that does not is not
    lead = rules.agent_week(paced, WEEK, paced.agents[3])
    assert not rules.keeps_days(lead, (True, True, True, True, False, False, True))
    assert rules.keeps_days(lead, (True, True, True, True, True, False, False))
    # without the every-other-weekend key, or with six days in a row, Sunday is open again
    assert floor_rules.reachable_conflicts(dataclasses.replace(_lead_on_sunday_full_time(), carry_in=week_one),
                                           WEEK) == []
    six = _lead_on_sunday_full_time(max_consecutive_weekends=1, max_consecutive_days=6)
    assert floor_rules.reachable_conflicts(dataclasses.replace(six, carry_in=week_one), WEEK) == []


def test_a_broken_rule_names_the_agents_the_weeks_before_keep_off() -> None:
    """A roster short of a lead on Saturday, in week 2 of a horizon whose week 1 put a lead on its weekend (every
    other weekend off): the line says how many of the rule's agents the weeks before keep off that day (482187 and
    514305 said only 'no roster was found that keeps floor_rules[0] lead_on_floor: 56 intervals ...')."""
    from scheduler.domain.horizon import AgentCarry, CarryIn

    config = _lead_on_saturday_every_other_weekend()
    empty = Roster(())
    (alone,) = floor_rules.broken(dataclasses.replace(config, carry_in=CarryIn(2, 2, {})), WEEK, empty)
    assert alone.endswith("short of the rule")
    worked = dataclasses.replace(config, carry_in=CarryIn(2, 2, {"L1": AgentCarry(weekend_run=1)}))
    (line,) = floor_rules.broken(worked, WEEK, empty)
    assert line.startswith("floor_rules[0] lead: 2 intervals (Sat 2026-04-04 10:00")
    assert "the weeks before leave 1 of its 1 agents off on those days" in line
