"""Cumulative (deadline) cover of deferred queues (``rostering.rules.deadline_cover``): its bounds by hand, its
faces agreeing (CP-SAT objective = the exact min-cost flow of the roster it returns; LP bound below both), a tiny
centre where it needs no more agent time than the fixed per-interval plan and the replay and the independent
validator find every item within its deadline, and its config key."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from forecasting.queueing.deferred import due_slots, plan_work, whole_heads
from scheduler.app.channels import blended_heads, cumulative_rows, deferred_outcomes
from scheduler.demo.example import generate_example
from scheduler.domain.plan import PlanConfig, Queue
from scheduler.domain.roster import Roster, roster_csv
from scheduler.io.config import load_config
from scheduler.rostering.coverage import CoverageResult, on_floor_by_skills
from scheduler.rostering.deadlines import DeadlineQueue, deadline_queue, done_heads, window
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import read_roster
from scheduler.rostering.rules import deadline_cover
from scheduler.rostering.search.lower_bound import solve_aggregate
from scheduler.rostering.solve import build_model, evaluate, simple_lower_bound
from scheduler.validation.deferred import within_deadline_bounds
from scheduler.validation.validate import read_roster as read_roster_frame
from tests.test_config import error_of, set_key, write
from tests.test_rules import WEEK, agent, hm, make_config

SLOTS = WEEK.slot_count
SLOT_MINUTES = WEEK.interval_minutes


def test_bounds_of_a_burst_by_hand() -> None:
    """Two agent-intervals arrive in slot 1, due within 3 slots (elapsed): nothing is due before slot 3 ends,
    all of it after; nothing can be worked before it arrives. Shrinkage 0.5 doubles the heads."""
    arrivals = np.array([0.0, 2.0, 0.0, 0.0, 0.0, 0.0])
    is_open = np.ones(6, dtype=bool)
    queue = deadline_queue(0, arrivals, is_open, due_slots(is_open, 3, "elapsed"), 0.5)
    assert queue.lower == (0, 0, 0, 4, 4, 4)
    assert queue.upper == (0, 4, 4, 4, 4, 4)
    # a plan that reaches the target share caps what is due: no more than it has done by then
    capped = deadline_queue(0, arrivals, is_open, due_slots(is_open, 3, "elapsed"), 0.5,
                            plan_heads=np.array([0, 1, 1, 0, 0, 0]))
    assert capped.lower == (0, 0, 0, 2, 2, 2)


def test_bounds_across_a_closed_night() -> None:
    """Open slots 0-1 and 4-5 (2 and 3 closed): an item of slot 1 due within 2 open slots is due by slot 4, so
    after slot 1 (the next opening is slot 4) nothing is due yet and after slot 4 all of it is."""
    is_open = np.array([True, True, False, False, True, True])
    arrivals = np.array([0.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    queue = deadline_queue(0, arrivals, is_open, due_slots(is_open, 2, "open_hours"), 0.0)
    assert queue.open_slots == (0, 1, 4, 5)
    assert queue.lower == (0, 0, 1, 1)
    assert queue.upper == (0, 1, 1, 1)
    with pytest.raises(ValueError, match="lower must not exceed upper"):
        DeadlineQueue(0, (0,), (2,), (1,))


def test_overdue_price_by_hand() -> None:
    """Understaffing weight 1000: a 2-hour social deadline (8 intervals) at 90% may leave 0.8 of an interval's
    work late, so an overdue agent-interval costs 1000 / 0.8 per interval; a 24-hour email deadline at 90% would
    cost less than a live head per interval, so it costs one; a target of 1 costs the whole deadline's worth."""
    def price(deadline_slots: int, target: float, weight: int = 1000) -> int:
        return deadline_cover.overdue_price(DeadlineQueue(0, (0,), (0,), (0,), deadline_slots, target), weight)

    assert price(8, 0.9) == 1250
    assert price(4, 0.9) == 2500
    assert price(96, 0.9) == 1000
    assert price(8, 1.0) == 8000
    assert price(8, 0.9, weight=0) == 0
    with pytest.raises(ValueError, match="service_level_target"):
        DeadlineQueue(0, (0,), (0,), (0,), 8, 1.5)


def test_overdue_work_is_never_cheaper_than_a_live_head() -> None:
    """One agent on the floor all Monday; sales needs a head all day; 8 agent-intervals of email arrive at 06:00,
    due within 8 intervals at a 90% target. The best allocation answers the email in time and leaves sales 8
    agent-intervals short; CP-SAT's roster (one shift, so sales is short outside it anyway) keeps the deadline
    too: overdue work would cost more than the uncovered sales heads."""
    day = range(WEEK.slot(0, hm("06:00")), WEEK.slot(1, 0))
    _, instance, _ = _centre(1, day, 8.0, deadline_slots=8)
    queue = dataclasses.replace(instance.deadlines[0], service_level_target=0.9)
    instance = dataclasses.replace(instance, deadlines=(queue,))
    on_floor = {("sales", "email"): np.isin(np.arange(SLOTS), list(day)).astype(np.int64)}
    exact = deadline_cover.exact_cover(instance, on_floor)
    assert exact.overdue == 0 and exact.under == 8
    roster, objective = _solve(instance)
    costs = {c.rule: c.amount for c in evaluate(instance, roster)}
    assert objective == pytest.approx(_total(instance, roster))
    assert costs[deadline_cover.NAME] == 0 and costs["understaffing"] >= 8


def test_exact_covers_remember_an_answer_by_the_heads_on_the_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """``ExactCovers`` gives what a fresh ``exact_cover`` gives, computes each set of heads once while it is among
    the last ``size`` asked, forgets the least recently asked beyond that, and hands out answers nobody can change;
    ``evaluate`` scores a roster the same with it as without."""
    day = range(WEEK.slot(0, hm("06:00")), WEEK.slot(1, 0))
    _, instance, _ = _centre(2, day, 8.0, deadline_slots=8)
    floors = [{("sales", "email"): np.isin(np.arange(SLOTS), list(day)).astype(np.int64) * heads}
              for heads in (1, 2, 3)]
    computed: list[int] = []
    fresh = deadline_cover.exact_cover

    def counted(inst: Instance, on_floor: dict) -> deadline_cover.ExactCover:
        computed.append(int(next(iter(on_floor.values())).max()))
        return fresh(inst, on_floor)

    monkeypatch.setattr(deadline_cover, "exact_cover", counted)
    covers = deadline_cover.ExactCovers(instance, size=2)
    first = covers(floors[0])
    assert (first.under, first.over, first.overdue) == (lambda e: (e.under, e.over, e.overdue))(fresh(instance,
                                                                                                     floors[0]))
    assert np.array_equal(first.heads, fresh(instance, floors[0]).heads)
    assert covers({k: v.copy() for k, v in floors[0].items()}) is first  # equal heads, another array: remembered
    covers(floors[1])
    covers(floors[0])  # asked again: now the most recent
    covers(floors[2])  # evicts floors[1], the least recently asked
    covers(floors[0])
    covers(floors[1])
    assert computed == [1, 2, 3, 2]
    with pytest.raises(ValueError):
        first.heads[0, 0] = 7
    roster, _ = _solve(instance)
    assert evaluate(instance, roster, deadline_cover.ExactCovers(instance)) == evaluate(instance, roster)


def test_coverage_rows_of_a_cumulative_queue_are_short_by_the_overdue_work() -> None:
    """The email rows of ``coverage.csv`` under cumulative cover: the 06:00 burst (8 agent-intervals, due within
    8 intervals) worked by one head an interval from 07:00 is late from 08:00 until 09:00; each row is short by
    the agent-intervals overdue at its end, and the heads doing arrived work count as covered, not over."""
    _, instance, _ = _centre(1, range(0), 8.0, deadline_slots=8)
    queue = instance.deadlines[0]
    first = WEEK.slot(0, hm("06:00"))
    heads = np.zeros((2, SLOTS), dtype=np.int64)
    heads[1, first + 4:first + 12] = 1
    heads[1, first + 14] = 1  # nothing left to do then: over
    starts = pd.date_range(pd.Timestamp(WEEK.start), periods=SLOTS, freq=f"{SLOT_MINUTES}min")
    frame = pd.DataFrame({"interval_start": starts[list(queue.open_slots)], "queue": "email", "required": 0,
                          "scheduled": 0, "service_level": 1.0, "contacts": 0.0})
    cover = CoverageResult(frame, np.zeros((2, SLOTS), dtype=np.int64), int(heads.sum()))
    rows = cumulative_rows(instance.config, WEEK, cover, instance.deadlines, heads).frame
    short = np.maximum(rows["required"] - rows["scheduled"], 0).to_numpy()
    done = np.minimum(np.cumsum(heads[1, list(queue.open_slots)]), np.asarray(queue.upper))
    overdue = np.maximum(np.asarray(queue.lower) - done, 0)
    assert short.sum() == overdue.sum() == 4 + 3 + 2 + 1
    assert np.minimum(rows["required"], rows["scheduled"]).sum() == 8  # the 9th head had nothing left
    assert cumulative_rows(instance.config, WEEK, cover, (), heads) is cover


def _email(hours_open: Any) -> Queue:
    return Queue("email", "email", 1.0, 0.0, 300.0, None, 1, hours_open, deadline_minutes=16 * 60,
                 deadline_clock="elapsed")


def _centre(agents: int, sales_slots: range, burst: float, deadline_slots: int = 64) -> tuple[PlanConfig, Instance,
                                                                                               Instance]:
    """Agents skilled for sales and email working Monday only; sales needs one head over ``sales_slots``; email
    gets ``burst`` agent-intervals at 06:00 Monday, due ``deadline_slots`` later. Returns the config, the
    instance with cumulative cover and the same with the fluid plan covered interval by interval."""
    base = make_config(tuple(dataclasses.replace(agent(f"A{i}", skills=("sales", "email")),
                                                 time_off=frozenset(WEEK.day(d) for d in range(1, 7)))
                             for i in range(agents)), queue_ids=("sales",))
    config = dataclasses.replace(base, queues=(*base.queues, dataclasses.replace(
        _email(base.queues[0].opening_hours), deadline_minutes=deadline_slots * SLOT_MINUTES)))
    is_open = np.zeros(SLOTS, dtype=bool)
    is_open[WEEK.slot(0, hm("06:00")):WEEK.slot(1, 0)] = True
    arrivals = np.zeros(SLOTS)
    arrivals[WEEK.slot(0, hm("06:00"))] = burst
    plan = plan_work(arrivals, is_open, deadline_slots, "elapsed", 1.0, SLOT_MINUTES)
    fixed = whole_heads(plan.work, 0.0)
    required = np.zeros((2, SLOTS), dtype=np.int64)
    required[0, list(sales_slots)] = 1
    required[1] = fixed
    queue = deadline_queue(1, arrivals, is_open, due_slots(is_open, deadline_slots, "elapsed"), 0.0, fixed,
                           deadline_slots)
    return config, Instance(config, WEEK, required, (queue,)), Instance(config, WEEK, required)


def _solve(instance: Instance, seconds: float = 10.0) -> tuple[Roster, float]:
    model, _, scale = build_model(instance)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = seconds
    status = solver.solve(model.cp)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return read_roster(model, solver), solver.objective_value / scale


def _total(instance: Instance, roster: Roster) -> float:
    return sum(c.penalty for c in evaluate(instance, roster))


def _frame(instance: Instance, arrivals: np.ndarray) -> pd.DataFrame:
    """Requirement rows of the email queue: its contacts per slot at 300 s AHT (one agent-interval is 3)."""
    starts = [datetime.combine(WEEK.start, datetime.min.time()) + timedelta(minutes=SLOT_MINUTES * s)
              for s in range(SLOTS)]
    contacts = arrivals * SLOT_MINUTES * 60 / 300.0
    return pd.DataFrame({"interval_start": pd.to_datetime(starts), "queue": "email", "contacts": contacts,
                         "aht_seconds": 300.0, "agents_required": instance.requirements[1]})


def test_tiny_centre_needs_no_more_than_the_fixed_plan_and_keeps_every_deadline(tmp_path: Path) -> None:
    """Sales takes the only agent 06:00-07:00; the 06:00 email burst is due by 22:00. Interval by interval, the
    fluid plan asks for email heads in the morning too, which one agent cannot give; cumulatively, the agent
    answers the email after 07:00, and the replay and the independent validator both find all of it in time."""
    config, cumulative, fixed = _centre(1, range(WEEK.slot(0, hm("06:00")), WEEK.slot(0, hm("07:00"))), 8.0)
    roster, objective = _solve(cumulative)
    costs = {c.rule: c.amount for c in evaluate(cumulative, roster)}
    assert objective == pytest.approx(_total(cumulative, roster))  # CP-SAT and the exact flow agree
    assert costs["understaffing"] == 0 and costs[deadline_cover.NAME] == 0
    fixed_roster, _ = _solve(fixed)
    fixed_costs = {c.rule: c.amount for c in evaluate(fixed, fixed_roster)}
    assert fixed_costs["understaffing"] > 0  # the per-interval plan cannot be met by the one agent
    assert costs["paid_hours"] <= fixed_costs["paid_hours"]
    # the replay, allocating against the model's heads, and the validator's bound: every item within the deadline
    arrivals = np.zeros(SLOTS)
    arrivals[WEEK.slot(0, hm("06:00"))] = 8.0
    frame = _frame(cumulative, arrivals)
    on_floor = on_floor_by_skills(config, WEEK, roster)
    heads = blended_heads(config, WEEK, roster, deadline_cover.planned_rows(cumulative, on_floor), frame)
    assert deferred_outcomes(config, WEEK, frame, heads)["email"].outcome.share_within == pytest.approx(1.0)
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(roster), encoding="utf-8")
    assert within_deadline_bounds(config, WEEK.start, read_roster_frame(path), frame)["email"] == pytest.approx(1.0)


def test_no_deadline_queue_leaves_the_instance_alone() -> None:
    """Without deadline queues nothing changes: the live rows are the requirement itself, the searches score the
    instance as it is, and the model has no deadline term."""
    config = make_config()
    instance = Instance(config, WEEK, np.ones((1, SLOTS), dtype=np.int64))
    assert deadline_cover.live_requirements(instance) is instance.requirements
    assert deadline_cover.retarget(instance, np.zeros((1, SLOTS))) is instance
    _, terms, _ = build_model(instance, agents=[])
    assert all(t.rule != deadline_cover.NAME for t in terms)


@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(agents=st.integers(1, 3), start=st.integers(6, 14), hours=st.integers(1, 6), burst=st.integers(1, 30),
       deadline=st.sampled_from([4, 16, 40]))
def test_bounds_stay_below_the_roster_objective(agents: int, start: int, hours: int, burst: int,
                                                deadline: int) -> None:
    """On small random centres the aggregate LP bound and the counting bound of the cumulative problem stay at or
    below the objective of the roster CP-SAT finds (valid bounds), and CP-SAT's objective is the exact flow's."""
    sales = range(WEEK.slot(0, hm(f"{start:02d}:00")), WEEK.slot(0, hm(f"{start + hours:02d}:00")))
    _, cumulative, _ = _centre(agents, sales, float(burst), deadline)
    roster, objective = _solve(cumulative, seconds=5.0)
    total = _total(cumulative, roster)
    assert objective == pytest.approx(total)
    aggregate = solve_aggregate(cumulative)
    assert aggregate is not None and aggregate.bound <= total + 1e-6
    assert simple_lower_bound(cumulative) <= total + 1e-6


@pytest.fixture(scope="module")
def example_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory.mktemp("example") / "c", agents=10, weeks=3)


def _deferred(plan: dict[str, Any], **keys: Any) -> dict[str, Any]:
    queue = plan["queues"][1]
    for key in ("answer_seconds", "max_occupancy"):
        del queue[key]
    queue.update({"channel": "email", "deadline_minutes": 240, **keys})
    return plan


def test_deadline_cover_key(example_plan: Path, tmp_path: Path) -> None:
    plan = yaml.safe_load(example_plan.read_text(encoding="utf-8"))
    loaded = load_config(write(tmp_path, _deferred(plan)))
    assert loaded.queue("service").deadline_cover == "cumulative"  # the default of a deferred queue
    assert loaded.queue("sales").deadline_cover == "interval"  # a live queue: the key does not apply
    plan = yaml.safe_load(example_plan.read_text(encoding="utf-8"))
    assert load_config(write(tmp_path, _deferred(plan, deadline_cover="interval"))).queue(
        "service").deadline_cover == "interval"
    plan = yaml.safe_load(example_plan.read_text(encoding="utf-8"))
    assert "queues[1].deadline_cover must be one of cumulative, interval" in error_of(
        write(tmp_path, _deferred(plan, deadline_cover="weekly")))
    plan = yaml.safe_load(example_plan.read_text(encoding="utf-8"))
    set_key(plan, "queues[0].deadline_cover", "interval")
    assert "queues[0].deadline_cover is only for deferred queues" in error_of(write(tmp_path, plan))


def test_cushion_prices_deferred_work_bunched_away_from_the_plan() -> None:
    """The 06:00 email burst (8 agent-intervals, due within 64 intervals): the fluid plan spreads it, one head
    every two hours from 06:00 to 20:00. One agent on the floor 06:00-08:00 does it all in time (nothing
    overdue) but leaves seven of the plan's heads unworked, each priced as a cushion shortfall; the same agent
    on the floor 06:00-22:00 works the plan's heads and leaves none. CP-SAT's objective stays the exact flow's
    where the cushion cannot be kept (sales takes the only agent 06:00-07:00)."""
    _, instance, _ = _centre(1, range(0), 8.0)
    first = WEEK.slot(0, hm("06:00"))
    plan = np.flatnonzero(instance.requirements[1])
    assert plan.tolist() == list(range(first, first + 64, 8))

    def exact(slots: range) -> deadline_cover.ExactCover:
        return deadline_cover.exact_cover(instance, {("email", "sales"): np.isin(np.arange(SLOTS), list(slots))
                                                     .astype(np.int64)})

    bunched = exact(range(first, first + 8))
    assert bunched.overdue == 0 and bunched.cushion == 7
    assert bunched.heads[1].sum() == 8  # all the work, in the first two hours
    spread = exact(range(first, WEEK.slot(0, hm("22:00"))))
    assert spread.overdue == 0 and spread.cushion == 0
    assert (spread.heads[1][plan] == 1).all()
    price = deadline_cover.cushion_price(instance.config.weights)
    assert price == 100  # a tenth of an uncovered live head at the default weights, ten idle heads
    _, cumulative, _ = _centre(1, range(first, WEEK.slot(0, hm("07:00"))), 8.0)
    roster, objective = _solve(cumulative)
    costs = {c.rule: c for c in evaluate(cumulative, roster)}
    assert costs[deadline_cover.CUSHION].amount >= 1  # the plan's 06:00 head: the agent is on sales
    assert costs[deadline_cover.CUSHION].penalty == costs[deadline_cover.CUSHION].amount * price
    assert objective == pytest.approx(_total(cumulative, roster))
    aggregate = solve_aggregate(cumulative)
    assert aggregate is not None and aggregate.bound <= objective + 1e-6


def test_a_week_of_a_horizon_gets_the_backlog_the_weeks_before_left() -> None:
    """Two 4-slot weeks, the queue open throughout: 2 heads of work arrive in week 1's last slot, due two slots
    later (in week 2). Week 1's window has nothing due; a roster working one head of it in that slot leaves one,
    which week 2's window has from its first slot, due by its second."""
    horizon = DeadlineQueue(1, tuple(range(8)), (0, 0, 0, 0, 0, 2, 2, 2), (0, 0, 0, 2, 2, 2, 2, 2), 2, 0.9)
    first = window(horizon, 0, 4, 0)
    assert (first.open_slots, first.lower, first.upper) == ((0, 1, 2, 3), (0, 0, 0, 0), (0, 0, 0, 2))
    assert done_heads(first, np.array([0, 0, 1, 1])) == 1  # the head before the work arrived did nothing
    second = window(horizon, 4, 4, 1)
    assert (second.open_slots, second.lower, second.upper) == ((0, 1, 2, 3), (0, 1, 1, 1), (1, 1, 1, 1))
    assert (second.deadline_slots, second.service_level_target) == (2, 0.9)


def test_each_week_of_a_horizon_is_solved_with_cumulative_cover(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``--weeks 2`` with email covered cumulatively: both weeks' solves get the email's deadline rows (they were
    covered interval by interval whatever ``deadline_cover`` said), week 2's with what week 1 left waiting at
    its start, and the plan stays valid."""
    from scheduler.app import horizon
    from scheduler.app.pipeline import run_plan

    plan = generate_example(tmp_path / "c", agents=10, weeks=3, channels=("voice", "email"), time_limit_seconds=2)
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    data["forecast"]["weeks"] = 2
    for queue in data["queues"]:
        if queue.get("channel") == "email":
            queue["deadline_cover"] = "cumulative"
    plan.write_text(yaml.safe_dump(data), encoding="utf-8")
    seen: list[tuple[Instance, Roster]] = []
    solve = horizon.solve_roster

    def watched(instance: Instance, **kwargs: Any) -> Any:
        result = solve(instance, **kwargs)
        seen.append((instance, result.roster))
        return result

    monkeypatch.setattr(horizon, "solve_roster", watched)
    result = run_plan(plan, tmp_path / "out", time_limit_seconds=2, progress=None)
    assert not result.violations
    assert len(seen) == 2 and all(len(i.deadlines) == 1 for i, _ in seen)
    (week1, roster1), (week2, _) = seen
    first, second = week1.deadlines[0], week2.deadlines[0]
    worked = deadline_cover.exact_cover(week1, on_floor_by_skills(week1.config, week1.week, roster1)).heads
    left = first.upper[-1] - done_heads(first, worked[first.index])
    assert left > 0  # Sunday evening's email, not yet due at midnight
    assert second.upper[0] >= left and second.lower[-1] >= left  # waiting from Monday 00:00, due in week 2
    # week 2's email rows of coverage.csv are measured against what is due, backlog included: short by the overdue
    from scheduler.report.horizon import WEEKS_FOLDER

    rows = pd.read_csv(sorted((tmp_path / "out" / WEEKS_FOLDER).iterdir())[1] / "coverage.csv")
    rows = rows.loc[rows["queue"] == "email"].reset_index(drop=True)
    slots = [week2.week.slot_of(t) for t in pd.to_datetime(rows["interval_start"]).dt.to_pydatetime()]
    worked = np.zeros(week2.week.slot_count, dtype=np.int64)
    worked[slots] = rows["scheduled"].to_numpy()
    done = 0
    overdue = 0
    for slot, lower, upper in zip(second.open_slots, second.lower, second.upper, strict=True):
        done = min(done + int(worked[slot]), upper)
        overdue += max(lower - done, 0)
    assert np.maximum(rows["required"] - rows["scheduled"], 0).sum() == overdue
