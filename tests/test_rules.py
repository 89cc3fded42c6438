"""The CP-SAT roster model, one rule at a time: tiny models that pin an assignment and assert the rule under
test accepts or rejects it; the coverage and paid-hours terms evaluated on pinned rosters; and a golden
objective for a 3-agent week solved end to end, checked by the independent validator."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from ortools.sat.python import cp_model

from scheduler.domain.plan import Agent, BreakRule, Contract, OpeningHours, PlanConfig, Queue, ShiftTemplate, TimeWindow
from scheduler.domain.roster import roster_csv
from scheduler.domain.shifts import shift_options
from scheduler.domain.week import Week
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules import (
    RULES,
    breaks,
    coverage,
    max_consecutive_days,
    max_days,
    max_weekend_days,
    min_consecutive_days_off,
    min_days,
    min_rest,
    one_shift_per_day,
    paid_hours,
    shift_window,
    weekly_hours,
)
from scheduler.rostering.rules.base import BuildOnly
from scheduler.rostering.solve import solve_roster
from scheduler.validation.validate import read_roster, validate_roster

MON = date(2026, 3, 30)
WEEK = Week(MON, 15)
TUE, WED, THU, FRI, SAT, SUN = range(1, 7)
ANY_TIME = (TimeWindow(0, 24 * 60),) * 7


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


# day: 8.5 h starting 06:00..15:30 every 30 min (the last one ends at 24:00), any weekday. A paid 15-min break
# 60-150 min in, then an unpaid 30-min lunch 180-300 min in, at least 60 min after the break ends: 8.0 h paid.
DAY = ShiftTemplate(
    template_id="day",
    length_minutes=510,
    earliest_start_minute=hm("06:00"),
    latest_start_minute=hm("15:30"),
    start_step_minutes=30,
    weekdays=tuple(range(7)),
    breaks=(
        BreakRule("break1", "break", 15, True, 60, 150),
        BreakRule("lunch", "lunch", 30, False, 180, 300),
    ),
    min_break_gap_minutes=60,
)
PAID_DAY_MINUTES = 480

# Hard rules off unless a test sets them: no minimum, no maximum that binds, no rest, any days.
LOOSE = Contract("loose", 0, 168 * 60, 7, 0, 7, 20.0, ("day",))


def agent(agent_id: str = "A1", *, contract: str = "loose", skills: tuple[str, ...] = ("sales",),
          availability: tuple[TimeWindow | None, ...] = ANY_TIME, time_off: frozenset[date] = frozenset()) -> Agent:
    return Agent(agent_id, contract, skills, availability, time_off)


def make_config(agents: tuple[Agent, ...] = (), contracts: tuple[Contract, ...] = (LOOSE,),
                templates: tuple[ShiftTemplate, ...] = (DAY,), queue_ids: tuple[str, ...] = ("sales",)) -> PlanConfig:
    hours = OpeningHours((TimeWindow(hm("06:00"), 24 * 60),) * 7)
    queues = tuple(Queue(q, "voice", 0.8, 20.0, 300.0, None, 1, hours) for q in queue_ids)
    return PlanConfig(
        source=Path("plan.yaml"), name="rules", timezone="UTC", interval_minutes=15, opening_hours=hours,
        history_path=Path("history.csv"), agents_path=Path("agents.csv"), holidays=(), history_weeks=8,
        week_start=MON, queues=queues, shrinkage=0.0, templates=templates, contracts=contracts,
        agents=agents or (agent(),),
    )


def make_model(config: PlanConfig, requirements: np.ndarray | None = None) -> RosterModel:
    if requirements is None:
        requirements = np.zeros((len(config.queues), WEEK.slot_count), int)
    return RosterModel(Instance(config, WEEK, requirements))


def shift_var(model: RosterModel, agent_id: str, day: int, start: str) -> cp_model.IntVar:
    """The shift variable starting at ``start`` (each test config has one template per agent)."""
    agent_day = model.agent_days[agent_id, day]
    (var,) = [v for o, v in zip(agent_day.options, agent_day.shift_vars, strict=True) if o.start_minute == hm(start)]
    return var


def work(model: RosterModel, agent_id: str, starts: dict[int, str]) -> None:
    """Pin the agent's whole week: the shift starting at ``starts[day]`` on those days, nothing otherwise."""
    for day in range(7):
        agent_day = model.agent_days[agent_id, day]
        chosen = shift_var(model, agent_id, day, starts[day]) if day in starts else None
        for var in agent_day.shift_vars:
            model.cp.add(var == int(var is chosen))


def break_var(model: RosterModel, agent_id: str, day: int, k: int, start: str,
              template_id: str = "day") -> cp_model.IntVar:
    return model.agent_days[agent_id, day].breaks[template_id][k].starts[hm(start)]


def take_break(model: RosterModel, agent_id: str, day: int, k: int, start: str) -> None:
    model.cp.add(break_var(model, agent_id, day, k, start) == 1)


def solve(model: RosterModel) -> tuple[str, cp_model.CpSolver]:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 7
    solver.parameters.max_deterministic_time = 10  # work, not seconds: a loaded machine gives the same answer
    status = solver.solve(model.cp)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE), solver.status_name(status)
    return ("INFEASIBLE" if status == cp_model.INFEASIBLE else "FEASIBLE"), solver


def feasible(model: RosterModel) -> bool:
    return solve(model)[0] == "FEASIBLE"


def test_every_rule_module_is_in_the_registry_once() -> None:
    """Derived, not typed by hand: each module of the rules package (but the base) is built exactly once, the
    hard rules before the soft ones, under unique names."""
    import pkgutil

    import scheduler.rostering.rules as package
    from scheduler.rostering.rules import ALL_RULES

    # week_patterns: the look-ahead ``average_hours`` asks, not a rule of its own; floor_weekends: the look-ahead
    # ``floor_rules`` asks (built by it)
    modules = {m.name for m in pkgutil.iter_modules(package.__path__)} - {"base", "week_patterns", "floor_weekends"}
    built = [rule.build.__module__ if not isinstance(rule, BuildOnly) else rule._build.__module__
             for rule in ALL_RULES]
    assert sorted(m.rsplit(".", 1)[1] for m in built) == sorted(modules)
    assert [name for name, _ in RULES] == [rule.name for rule in ALL_RULES]
    assert len({name for name, _ in RULES}) == len(RULES)
    hardness = [rule.hard for rule in ALL_RULES]
    assert hardness == sorted(hardness, reverse=True)


# ------------------------------------------------------------------------------------------ one_shift_per_day


class TestOneShiftPerDay:
    def test_one_shift_feasible(self) -> None:
        model = make_model(make_config())
        one_shift_per_day.build(model)
        model.cp.add(shift_var(model, "A1", 0, "08:00") == 1)
        assert feasible(model)

    def test_two_shifts_on_one_day_infeasible(self) -> None:
        model = make_model(make_config())
        one_shift_per_day.build(model)
        model.cp.add(shift_var(model, "A1", 0, "08:00") == 1)
        model.cp.add(shift_var(model, "A1", 0, "09:00") == 1)
        assert not feasible(model)

    def test_shifts_on_two_days_feasible(self) -> None:
        model = make_model(make_config())
        one_shift_per_day.build(model)
        model.cp.add(shift_var(model, "A1", 0, "08:00") == 1)
        model.cp.add(shift_var(model, "A1", 1, "09:00") == 1)
        assert feasible(model)


# ------------------------------------------------------------------------------------------------- breaks


def breaks_model(config: PlanConfig | None = None) -> RosterModel:
    model = make_model(config or make_config())
    one_shift_per_day.build(model)
    breaks.build(model)
    return model


class TestBreaks:
    def test_breaks_inside_their_windows_feasible(self) -> None:
        model = breaks_model()
        work(model, "A1", {0: "08:00"})
        take_break(model, "A1", 0, 0, "09:00")  # 60 min in: the window's first minute
        take_break(model, "A1", 0, 1, "13:00")  # 300 min in: the window's last minute
        assert feasible(model)

    @pytest.mark.parametrize(("k", "start"), [
        (0, "08:45"),  # 45 min in, window 60-150
        (0, "10:45"),  # 165 min in
        (1, "10:45"),  # lunch 165 min in, window 180-300
        (1, "13:15"),  # lunch 315 min in
    ])
    def test_break_outside_its_window_infeasible(self, k: int, start: str) -> None:
        model = breaks_model()
        work(model, "A1", {0: "08:00"})
        take_break(model, "A1", 0, k, start)  # a variable that exists for other starts of the day
        assert not feasible(model)

    def test_gap_shorter_than_min_break_gap_infeasible(self) -> None:
        model = breaks_model()
        work(model, "A1", {0: "08:00"})
        take_break(model, "A1", 0, 0, "10:00")  # ends 10:15
        take_break(model, "A1", 0, 1, "11:00")  # 45 min later, gap 60
        assert not feasible(model)

    def test_gap_equal_to_min_break_gap_feasible(self) -> None:
        model = breaks_model()
        work(model, "A1", {0: "08:00"})
        take_break(model, "A1", 0, 0, "10:00")
        take_break(model, "A1", 0, 1, "11:15")
        assert feasible(model)

    @pytest.mark.parametrize(("first", "second", "ok"), [("09:00", "10:00", True), ("10:00", "09:00", False)])
    def test_breaks_in_listed_order(self, first: str, second: str, ok: bool) -> None:
        # overlapping windows and no gap: only the order tells the break and the lunch apart
        windows = (dataclasses.replace(DAY.breaks[0], latest_after_start_minutes=240),
                   dataclasses.replace(DAY.breaks[1], earliest_after_start_minutes=60))
        overlapping = dataclasses.replace(DAY, breaks=windows, min_break_gap_minutes=0)
        model = breaks_model(make_config(templates=(overlapping,)))
        work(model, "A1", {0: "08:00"})
        take_break(model, "A1", 0, 0, first)
        take_break(model, "A1", 0, 1, second)
        assert feasible(model) is ok

    def test_worked_template_takes_every_break_exactly_once(self) -> None:
        model = breaks_model()
        work(model, "A1", {0: "08:00"})
        status, solver = solve(model)
        assert status == "FEASIBLE"
        slots = model.agent_days["A1", 0].breaks["day"]
        assert [sum(solver.value(v) for v in slot.starts.values()) for slot in slots] == [1, 1]

    def test_skipping_a_break_infeasible(self) -> None:
        model = breaks_model()
        work(model, "A1", {0: "08:00"})
        for var in model.agent_days["A1", 0].breaks["day"][1].starts.values():
            model.cp.add(var == 0)
        assert not feasible(model)

    def test_taking_a_break_twice_infeasible(self) -> None:
        model = breaks_model()
        work(model, "A1", {0: "08:00"})
        take_break(model, "A1", 0, 0, "09:00")
        take_break(model, "A1", 0, 0, "09:30")
        assert not feasible(model)

    def test_no_break_when_not_working(self) -> None:
        model = breaks_model()
        work(model, "A1", {})
        take_break(model, "A1", 0, 0, "09:00")
        assert not feasible(model)

    def test_not_working_takes_no_break(self) -> None:
        model = breaks_model()
        work(model, "A1", {})
        status, solver = solve(model)
        assert status == "FEASIBLE"
        assert not any(solver.value(v) for slot in model.agent_days["A1", 0].breaks["day"]
                       for v in slot.starts.values())


# ------------------------------------------------------------------------------------------- weekly_hours

# 16-24 paid hours, at most 4 days: one day off earns 16 h // 4 = 4 h of credit.
WEEKLY = Contract("weekly", 16 * 60, 24 * 60, 4, 0, 7, 20.0, ("day",))
SIX = dataclasses.replace(DAY, template_id="six", length_minutes=390)  # 6 h paid


class TestWeeklyHours:
    @pytest.mark.parametrize(("days", "ok"), [(1, False), (2, True), (3, True), (4, False)])
    def test_paid_hours_between_min_and_max(self, days: int, ok: bool) -> None:
        model = make_model(make_config((agent(contract="weekly"),), (WEEKLY,)))
        weekly_hours.build(model)
        work(model, "A1", dict.fromkeys(range(days), "08:00"))  # 8 paid h a day
        assert feasible(model) is ok

    def test_time_off_credit_lowers_the_minimum(self) -> None:
        # two 6 h shifts: 12 h < 16 h, but one day off earns 4 h of credit and 12 h is then enough
        contract = dataclasses.replace(WEEKLY, template_ids=("six",))
        off = agent(contract="weekly", time_off=frozenset({MON + timedelta(days=FRI)}))
        for who, ok in ((agent(contract="weekly"), False), (off, True)):
            model = make_model(make_config((who,), (contract,), (SIX,)))
            weekly_hours.build(model)
            work(model, "A1", {0: "08:00", 1: "08:00"})
            assert feasible(model) is ok, who.time_off

    def test_time_off_outside_the_week_earns_no_credit(self) -> None:
        contract = dataclasses.replace(WEEKLY, template_ids=("six",))
        model = make_model(make_config((agent(contract="weekly", time_off=frozenset({MON - timedelta(days=1)})),),
                                       (contract,), (SIX,)))
        weekly_hours.build(model)
        work(model, "A1", {0: "08:00", 1: "08:00"})
        assert not feasible(model)


# ----------------------------------------------------------------------------------------------- max_days


class TestMaxDays:
    @pytest.mark.parametrize(("days", "ok"), [(3, True), (4, False)])
    def test_at_most_max_days(self, days: int, ok: bool) -> None:
        contract = dataclasses.replace(LOOSE, max_days_per_week=3)
        model = make_model(make_config(contracts=(contract,)))
        max_days.build(model)
        work(model, "A1", dict.fromkeys(range(0, 2 * days, 2), "08:00"))  # every other day
        assert feasible(model) is ok


# ----------------------------------------------------------------------------------------------- min_rest

RESTED = dataclasses.replace(LOOSE, min_rest_minutes=11 * 60)


class TestMinRest:
    def test_late_then_early_infeasible(self) -> None:
        model = make_model(make_config(contracts=(RESTED,)))
        min_rest.build(model)
        work(model, "A1", {0: "15:30", 1: "06:00"})  # ends 24:00, next starts 06:00: 6 h rest
        assert not feasible(model)

    @pytest.mark.parametrize(("late", "ok"), [("10:30", True), ("11:00", False)])
    def test_rest_boundary(self, late: str, ok: bool) -> None:
        # 10:30 + 8.5 h ends 19:00: exactly 11 h before 06:00; 11:00 leaves 10.5 h
        model = make_model(make_config(contracts=(RESTED,)))
        min_rest.build(model)
        work(model, "A1", {0: late, 1: "06:00"})
        assert feasible(model) is ok

    def test_day_between_gives_rest(self) -> None:
        model = make_model(make_config(contracts=(RESTED,)))
        min_rest.build(model)
        work(model, "A1", {0: "15:30", 2: "06:00"})
        assert feasible(model)


# ----------------------------------------------------------------------------------- max_consecutive_days


class TestMaxConsecutiveDays:
    @pytest.mark.parametrize(("days", "ok"), [
        ((0, 1, 2), True),
        ((0, 1, 2, 3), False),
        ((3, 4, 5, 6), False),  # the run at the end of the week
        ((0, 1, 2, 4, 5, 6), True),
    ])
    def test_runs(self, days: tuple[int, ...], ok: bool) -> None:
        contract = dataclasses.replace(LOOSE, max_consecutive_days=3)
        model = make_model(make_config(contracts=(contract,)))
        max_consecutive_days.build(model)
        work(model, "A1", dict.fromkeys(days, "08:00"))
        assert feasible(model) is ok


# ----------------------------------------------------------------------------------------------- min_days


class TestMinDays:
    @pytest.mark.parametrize(("days", "ok"), [(2, False), (3, True), (4, True)])
    def test_at_least_min_days(self, days: int, ok: bool) -> None:
        contract = dataclasses.replace(LOOSE, min_days_per_week=3)
        model = make_model(make_config(contracts=(contract,)))
        min_days.build(model)
        work(model, "A1", dict.fromkeys(range(days), "08:00"))
        assert feasible(model) is ok

    @pytest.mark.parametrize(("counts_as", "ok_with_leave"), [("credit_minimum", False), ("worked_day", True)])
    def test_time_off_earns_a_working_day_only_as_a_worked_day(self, counts_as: str, ok_with_leave: bool) -> None:
        contract = dataclasses.replace(LOOSE, min_days_per_week=7, time_off_counts_as=counts_as)
        for who, ok in ((agent(), True), (agent(time_off=frozenset({MON + timedelta(days=WED)})), ok_with_leave)):
            model = make_model(make_config((who,), (contract,)))
            one_shift_per_day.build(model)  # else two shifts on one day would count as two working days
            min_days.build(model)
            assert feasible(model) is ok, who.time_off

    def test_default_allows_an_empty_week(self) -> None:
        model = make_model(make_config())
        min_days.build(model)
        work(model, "A1", {})
        assert feasible(model)


# ------------------------------------------------------------------------------- min_consecutive_days_off


class TestMinConsecutiveDaysOff:
    @pytest.mark.parametrize(("days", "ok"), [
        ((0, 2), False),  # work-off-work: one day off between
        ((0, 3), True),  # two days off between
        ((0, 1, 2, 3, 4, 5, 6), True),  # no day off at all
        ((1, 2, 3, 4, 5), True),  # Monday and Sunday off: runs touching the week's ends are free
        ((0, 1, 2, 3, 4, 5), True),  # one day off at the week's end
        ((0, 1, 3, 4, 6), False),  # two one-day runs inside
        ((3,), True),  # one working day: nothing inside is bounded
    ])
    def test_runs_of_two(self, days: tuple[int, ...], ok: bool) -> None:
        contract = dataclasses.replace(LOOSE, min_consecutive_days_off=2)
        model = make_model(make_config(contracts=(contract,)))
        min_consecutive_days_off.build(model)
        work(model, "A1", dict.fromkeys(days, "08:00"))
        assert feasible(model) is ok

    @pytest.mark.parametrize(("days", "ok"), [((0, 3), False), ((0, 4), True), ((1, 5), True)])
    def test_runs_of_three(self, days: tuple[int, ...], ok: bool) -> None:
        contract = dataclasses.replace(LOOSE, min_consecutive_days_off=3)
        model = make_model(make_config(contracts=(contract,)))
        min_consecutive_days_off.build(model)
        work(model, "A1", dict.fromkeys(days, "08:00"))
        assert feasible(model) is ok

    def test_an_unavailable_day_is_a_day_off(self) -> None:
        contract = dataclasses.replace(LOOSE, min_consecutive_days_off=2)
        who = agent(availability=ANY_TIME[:WED] + (None,) + ANY_TIME[WED + 1:])
        model = make_model(make_config((who,), (contract,)))
        min_consecutive_days_off.build(model)
        work(model, "A1", {TUE: "08:00", THU: "08:00"})
        assert not feasible(model)

    def test_default_allows_single_days_off(self) -> None:
        model = make_model(make_config())
        min_consecutive_days_off.build(model)
        work(model, "A1", dict.fromkeys((0, 2, 4, 6), "08:00"))
        assert feasible(model)


# ---------------------------------------------------------------------------------------- max_weekend_days


class TestMaxWeekendDays:
    @pytest.mark.parametrize(("limit", "days", "ok"), [
        (1, (SAT,), True),
        (1, (SUN,), True),
        (1, (SAT, SUN), False),
        (0, (SAT,), False),
        (0, (0, 1, 2, 3, 4), True),
        (2, (SAT, SUN), True),
    ])
    def test_weekend_days(self, limit: int, days: tuple[int, ...], ok: bool) -> None:
        contract = dataclasses.replace(LOOSE, max_weekend_days=limit)
        model = make_model(make_config(contracts=(contract,)))
        max_weekend_days.build(model)
        work(model, "A1", dict.fromkeys(days, "08:00"))
        assert feasible(model) is ok


# -------------------------------------------------------------------------------------------- shift_window


class TestShiftWindow:
    @pytest.mark.parametrize(("start", "ok"), [("09:30", False), ("10:00", True), ("11:30", True), ("12:00", False)])
    def test_start_and_end_inside_the_window(self, start: str, ok: bool) -> None:
        # 10:00 is the earliest start; 11:30 + 8.5 h ends at 20:00, the latest end
        contract = dataclasses.replace(LOOSE, earliest_start_minute=hm("10:00"), latest_end_minute=hm("20:00"))
        model = make_model(make_config(contracts=(contract,)))
        shift_window.build(model)
        work(model, "A1", {TUE: start})
        assert feasible(model) is ok

    def test_only_an_end_limit(self) -> None:
        contract = dataclasses.replace(LOOSE, latest_end_minute=hm("18:00"))
        for start, ok in (("06:00", True), ("09:30", True), ("10:00", False)):
            model = make_model(make_config(contracts=(contract,)))
            shift_window.build(model)
            work(model, "A1", {MON.weekday(): start})
            assert feasible(model) is ok, start

    def test_no_window_by_default(self) -> None:
        model = make_model(make_config())
        shift_window.build(model)
        work(model, "A1", {0: "06:00", 1: "15:30"})
        assert feasible(model)


# ---------------------------------------------------------------------------------- availability, time off


class TestCandidates:
    def test_no_candidates_on_an_unavailable_weekday(self) -> None:
        who = agent(availability=ANY_TIME[:2] + (None,) + ANY_TIME[3:])
        config = make_config((who,))
        assert shift_options(config, who, WEEK, WED) == ()
        assert make_model(config).agent_days["A1", WED].shift_vars == []
        assert len(shift_options(config, who, WEEK, THU)) == 20

    def test_only_starts_whose_whole_shift_fits_the_window(self) -> None:
        who = agent(availability=(TimeWindow(hm("08:00"), hm("17:00")),) * 7)
        starts = [o.start_minute for o in shift_options(make_config((who,)), who, WEEK, 0)]
        assert starts == [hm("08:00"), hm("08:30")]  # 08:30 + 8.5 h ends 17:00 exactly

    def test_no_candidates_on_time_off(self) -> None:
        who = agent(time_off=frozenset({MON + timedelta(days=TUE)}))
        config = make_config((who,))
        assert shift_options(config, who, WEEK, TUE) == ()
        assert shift_options(config, who, WEEK, WED) != ()

    def test_no_candidates_on_a_template_weekday_it_skips(self) -> None:
        weekdays_only = dataclasses.replace(DAY, weekdays=(0, 1, 2, 3, 4))
        config = make_config(templates=(weekdays_only,))
        assert shift_options(config, config.agents[0], WEEK, SAT) == ()


# ------------------------------------------------------------------------------------------------ coverage


def term(terms: list[PenaltyTerm], rule: str) -> PenaltyTerm:
    return next(t for t in terms if t.rule == rule)


def coverage_values(model: RosterModel) -> dict[str, int]:
    """Solve with the coverage objective (the allocation is exact at its optimum); each term's value."""
    terms = coverage.build(model)
    model.cp.minimize(cp_model.LinearExpr.sum([t.expression * t.weight for t in terms]))
    status, solver = solve(model)
    assert status == "FEASIBLE"
    return {t.rule: solver.value(t.expression) for t in terms}


def required(config: PlanConfig, cells: dict[tuple[str, str], int]) -> np.ndarray:
    """Monday requirements ``{(queue, "HH:MM"): agents}``."""
    array = np.zeros((len(config.queues), WEEK.slot_count), int)
    for (queue_id, clock), agents in cells.items():
        array[[q.queue_id for q in config.queues].index(queue_id), WEEK.slot(0, hm(clock))] = agents
    return array


ON_FLOOR_INTERVALS = (510 - 15 - 30) // 15  # per worked shift: 31


class TestCoverage:
    @pytest.mark.parametrize(("break_start", "under"), [("09:00", 0), ("10:00", 1)])
    def test_one_agent_on_the_floor_or_on_break(self, break_start: str, under: int) -> None:
        config = make_config()
        model = make_model(config, required(config, {("sales", "10:00"): 1}))
        one_shift_per_day.build(model)
        breaks.build(model)
        work(model, "A1", {0: "08:00"})
        take_break(model, "A1", 0, 0, break_start)
        take_break(model, "A1", 0, 1, "12:00")
        values = coverage_values(model)
        assert values == {"understaffing": under, "overstaffing": ON_FLOOR_INTERVALS - (1 - under)}

    def test_at_lunch_the_slot_is_understaffed(self) -> None:
        config = make_config()
        model = make_model(config, required(config, {("sales", "12:15"): 1}))
        one_shift_per_day.build(model)
        breaks.build(model)
        work(model, "A1", {0: "08:00"})
        take_break(model, "A1", 0, 0, "09:00")
        take_break(model, "A1", 0, 1, "12:00")  # 12:00-12:30
        assert coverage_values(model)["understaffing"] == 1

    def test_slot_outside_the_shift_is_understaffed(self) -> None:
        config = make_config()
        model = make_model(config, required(config, {("sales", "16:30"): 1}))  # shift ends 16:30
        one_shift_per_day.build(model)
        breaks.build(model)
        work(model, "A1", {0: "08:00"})
        assert coverage_values(model) == {"understaffing": 1, "overstaffing": ON_FLOOR_INTERVALS}

    def test_agent_without_the_skill_covers_nothing(self) -> None:
        config = make_config((agent(skills=("care",)),), queue_ids=("sales", "care"))
        model = make_model(config, required(config, {("sales", "10:00"): 1}))
        one_shift_per_day.build(model)
        breaks.build(model)
        work(model, "A1", {0: "08:00"})
        take_break(model, "A1", 0, 0, "09:00")
        assert coverage_values(model)["understaffing"] == 1

    @pytest.mark.parametrize(("cells", "under"), [
        ({("sales", "10:00"): 1}, 0),
        ({("care", "10:00"): 1}, 0),
        ({("sales", "10:00"): 1, ("care", "10:00"): 1}, 1),  # one agent, counted once
    ])
    def test_multi_skilled_agent_counted_once(self, cells: dict[tuple[str, str], int], under: int) -> None:
        config = make_config((agent(skills=("care", "sales")),), queue_ids=("sales", "care"))
        model = make_model(config, required(config, cells))
        one_shift_per_day.build(model)
        breaks.build(model)
        work(model, "A1", {0: "08:00"})
        take_break(model, "A1", 0, 0, "09:00")
        values = coverage_values(model)
        assert values == {"understaffing": under, "overstaffing": ON_FLOOR_INTERVALS - 1}

    def test_two_agents_fill_two_queues(self) -> None:
        config = make_config((agent("A1", skills=("care", "sales")), agent("A2", skills=("sales",))),
                             queue_ids=("sales", "care"))
        model = make_model(config, required(config, {("sales", "10:00"): 1, ("care", "10:00"): 1}))
        one_shift_per_day.build(model)
        breaks.build(model)
        for who in ("A1", "A2"):
            work(model, who, {0: "08:00"})
            take_break(model, who, 0, 0, "09:00")
        assert coverage_values(model) == {"understaffing": 0, "overstaffing": 2 * ON_FLOOR_INTERVALS - 2}


# ---------------------------------------------------------------------------------------------- paid_hours


def test_paid_hours_term_counts_paid_minutes() -> None:
    model = make_model(make_config((agent("A1"), agent("A2"))))
    (paid,) = paid_hours.build(model)
    work(model, "A1", {0: "08:00", 3: "10:00"})
    work(model, "A2", {6: "06:00"})
    status, solver = solve(model)
    assert status == "FEASIBLE"
    assert solver.value(paid.expression) == 3 * PAID_DAY_MINUTES  # the unpaid lunch left out
    assert (paid.rule, paid.weight, paid.divisor) == ("paid_hours", 1, 60)


# ------------------------------------------------------------------------------------------ golden objective

# four: 4 h starting 08:00..12:00 hourly, one paid 15-min break 90-150 min in: 15 intervals on the floor.
FOUR = ShiftTemplate("four", 240, hm("08:00"), hm("12:00"), 60, tuple(range(7)),
                     (BreakRule("break", "break", 15, True, 90, 150),), 0)
FLEX = Contract("flex", 0, 40 * 60, 5, 11 * 60, 5, 20.0, ("four",))
EIGHT = Contract("eight", 8 * 60, 40 * 60, 5, 11 * 60, 5, 20.0, ("four",))


def test_golden_objective(tmp_path: Path) -> None:
    """Sales needs 1 agent Mon 08:00-12:00, chat 1 agent Tue 08:00-12:00 (16 intervals each).

    - A1 (sales, flex, Mondays only) is the only one who can cover Monday: A2 has Monday off, A3 lacks the
      skill. Starting 08:00 covers 15 intervals; the break (09:30-10:45 window, inside the need) leaves 1
      interval short whatever its time; a later start leaves more. Cost 1 short, 0 over, 4 paid h.
    - A3 (chat, contract "eight") must work 8 paid h: two 4 h shifts, 30 intervals on the floor. One covers
      Tuesday; its break leaves 1 Tuesday interval short unless A2 (sales+chat) works Tuesday too. A2's shift
      costs 4 paid h + 14 over (15 on the floor, 1 covered) = 144 < 1000, so A2 works Tuesday: 0 short.
      Over on Tuesday: 30 on the floor - 16 covered = 14; A3's other shift: 15 over.
    - Total: 1 short * 1000 + (0 + 14 + 15) over * 10 + (4 + 4 + 8) paid h * 1 = 1000 + 290 + 16 = 1306.
    """
    monday_only = (TimeWindow(hm("07:00"), hm("18:00")),) + (None,) * 6
    agents = (
        agent("A1", contract="flex", skills=("sales",), availability=monday_only),
        agent("A2", contract="flex", skills=("chat", "sales"), time_off=frozenset({MON})),
        agent("A3", contract="eight", skills=("chat",)),
    )
    config = make_config(agents, (FLEX, EIGHT), (FOUR,), ("sales", "chat"))
    req = np.zeros((2, WEEK.slot_count), int)
    req[0, WEEK.slot(0, hm("08:00")):WEEK.slot(0, hm("12:00"))] = 1
    req[1, WEEK.slot(1, hm("08:00")):WEEK.slot(1, hm("12:00"))] = 1

    result = solve_roster(Instance(config, WEEK, req), time_limit_seconds=5, progress=None)

    assert result.stats.objective == pytest.approx(1306)
    costs = {c.rule: c.amount for c in result.costs}
    assert costs == {"understaffing": 1, "overstaffing": 29, "paid_hours": 16, "preferences": 0, "start_changes": 0,
                     "replan_changes": 0, "replan_breaks": 0, "fairness": 0}
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(result.roster), encoding="utf-8")
    assert validate_roster(config, read_roster(path), MON) == []
