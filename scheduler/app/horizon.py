"""A plan over several consecutive weeks (``forecast.weeks``, ``wfm plan --weeks N``), and any plan that
continues a published roster (``--previous ROSTER.csv``).

Rolling horizon: the weeks are rostered one after another by the ordinary single-week solver, each with a
``CarryIn`` (``scheduler.domain.horizon``) taken from the shifts before it (the earlier weeks, and before the
first week the previous roster). The cross-week rules (``rostering.rules.carry_rest``, ``carry_days``,
``horizon_weekends``, ``average_hours``) turn that state into constraints of the week, so the 7-day machinery
(model, bound, start, local search, neighbourhoods) is unchanged and its work grows linearly with the weeks.

The time limit is split evenly across the weeks (deterministic budget likewise), so ``--time-limit`` bounds the
whole run; ``--wall-limit`` is shared out as it goes. The horizon's proven bound is the sum of each week's bound
computed WITHOUT the carry-in and the horizon keys: dropping the cross-week coupling only removes constraints,
so the sum is a lower bound of the best horizon roster and the gap stays proven.

Outputs cover the horizon (roster.csv, forecast.csv, requirements.csv, coverage.csv, surplus.csv, kpis.json,
roster.xlsx, roster_grid.csv, calendars); ``weeks/YYYY-MM-DD/`` holds each week's own plan files and report,
and ``report.html`` is the horizon's page with a week selector linking to them.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np
import pandas as pd

from forecasting.history import History
from scheduler.app.channels import (
    DeferredResult,
    backlog_frame,
    blended_heads,
    cumulative_rows,
    deferred_cover,
    deferred_outcomes,
    plan_requirements,
    week_of,
)
from scheduler.app.horizon_deadlines import HorizonDeadlines
from scheduler.app.service_outputs import service_outputs
from scheduler.diagnose.centre import break_cap_conflicts
from scheduler.diagnose.deadline_reach import unreachable_deadlines
from scheduler.diagnose.prechecks import explain_conflicts
from scheduler.diagnose.skill_shortage import skill_shortage_warnings
from scheduler.diagnose.warnings import history_warnings, implausible_input
from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import Roster, ShiftAssignment, roster_csv
from scheduler.domain.week import Week
from scheduler.errors import InfeasibleError, InputError
from scheduler.io.exports import write_exports
from scheduler.io.outputs import StagedOutput, frame_csv
from scheduler.io.previous_roster import read_previous
from scheduler.report import REPORT_FILE, build_report
from scheduler.report.backlog import BACKLOG_FILE
from scheduler.report.horizon import WEEKS_FOLDER, horizon_page
from scheduler.rostering.activities import activity_overstaffing_credit, schedule_meetings
from scheduler.rostering.carried_cover import carried_heads, reaching
from scheduler.rostering.carry_in import PastShift, carry_in, past_shifts
from scheduler.rostering.coverage import CoverageResult, coverage, net_requirements
from scheduler.rostering.deadlines import DeadlineQueue
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import floor_rules
from scheduler.rostering.rules.average_hours import average_conflicts
from scheduler.rostering.search import queue_shortage
from scheduler.rostering.search.lower_bound import solve_aggregate
from scheduler.rostering.search.lp_size import lp_over
from scheduler.rostering.solve import (
    LP_WALL_SHARE,
    RuleCost,
    ScheduleResult,
    SolveStats,
    capped_bound_after_search,
    simple_lower_bound,
    solve_roster,
)
from scheduler.rostering.stopping import NO_STOP, WALL_CLOCK, Stop
from scheduler.validation.horizon import validate_horizon
from scheduler.validation.kpis import KPI_FILE, PredictedServiceLevels, SurplusKpis
from scheduler.validation.surplus import SURPLUS_FILE
from scheduler.validation.validate import read_roster

if TYPE_CHECKING:
    from scheduler.app.pipeline import PlanResult, _Stages

# Share of each week's time limit left to the relaxed bound (the week's aggregate LP without the carry-in).
RELAXED_BOUND_SHARE = 0.1


def with_weeks(config: PlanConfig, weeks: int | None) -> PlanConfig:
    """The config with ``--weeks`` in place of ``forecast.weeks`` (unchanged when not given)."""
    return config if weeks is None else replace(config, weeks=weeks)


def is_horizon(config: PlanConfig, previous: Path | None, pin: Path | None) -> bool:
    """Whether the plan runs through the horizon: several weeks, a previous roster to continue, or a contract with
    a horizon key (a single week with them is a horizon of one week, checked by the horizon's validator). A
    re-plan (``pin``) of one week runs as a week: its rules read the horizon keys over that week alone, the
    previous roster (if any) gives it its carry-in (``with_previous``), and ``schedule_and_publish`` checks it
    with the horizon's validator, seam included."""
    if config.weeks == 1 and previous is None and config.contracts == without_horizon(config).contracts:
        return False
    if pin is not None and config.weeks == 1:
        return False  # a re-plan of one week (of a horizon, with --previous the roster of the week before)
    if pin is not None:
        raise InputError("--pin re-plans one published week: it cannot be combined with --weeks above 1 "
                         "(forecast.weeks); to re-plan a week of a horizon, give that week's roster to --pin and "
                         "the roster before it to --previous")
    return True


def with_previous(config: PlanConfig, week: Week,
                  previous: Path | None) -> tuple[PlanConfig, list[str], tuple[PastShift, ...]]:
    """A single week (a re-plan) continuing ``previous``: the config with the carry-in its last days leave (rest,
    days in a row and off, weekends), as the horizon's first week gets it, the warning lines of its reading
    (agents who have left), and its shifts (a Sunday night among them is cover of the week's first hours,
    ``carried_cover``); unchanged, with none, without one."""
    if previous is None:
        return config, [], ()
    past, known_from, skipped = read_previous(previous, config, week.start)
    return replace(config, carry_in=carry_in(config, week, 1, known_from, past)), skipped, tuple(past)


def horizon_weeks(first: Week, weeks: int) -> list[Week]:
    return [Week(first.start + timedelta(days=7 * k), first.interval_minutes) for k in range(weeks)]


def check_history_length(config: PlanConfig, history: History) -> None:
    """A forecast of N weeks needs N weeks of history to learn from (``forecast.weeks``)."""
    days = (history.last_date - history.first_date).days + 1
    if days < 7 * config.weeks:
        raise InputError(f"{history.path.name}: {days} day(s) of history is too short to forecast "
                         f"{config.weeks} weeks ({config.source.name}: forecast.weeks {config.weeks}); "
                         f"give at least {7 * config.weeks} days or fewer weeks")


def without_horizon(config: PlanConfig) -> PlanConfig:
    """The config with no carry-in and no horizon keys: a week of it is a relaxation of the same week in the
    horizon (fewer constraints), so its bound is a valid part of the horizon's bound."""
    contracts = tuple(replace(c, max_weekends_in_horizon=None, max_consecutive_weekends=None,
                              average_weekly_minutes=None) for c in config.contracts)
    return replace(config, carry_in=None, weeks=1, contracts=contracts)


def relaxed_bound(instance: Instance, seconds: float, wall_seconds: float) -> float:
    """The proven bound of the week without the carry-in, within the ``RELAXED_BOUND_SHARE`` of the week's share
    ``seconds`` that the week's solve leaves it: the aggregate LP when its predicted work fits that share (an LP
    whose size's floor, or the count of its patterns with it, is already over it is not built, ``lp_size.lp_over``)
    and it ends within ``wall_seconds``, else the counting bound. (It was given ``solve.LP_SHARE`` of the week's
    share, half of it, while the solve kept nine tenths: at 160 agents with levels over 4 weeks 3-4 s of each 11-s
    week past the limit.)"""
    instance = instance.with_config(schedule_meetings(instance))
    bound = simple_lower_bound(instance)
    share = RELAXED_BOUND_SHARE * seconds
    aggregate = None if lp_over(instance, share, count_in_work=True) else solve_aggregate(
        instance, seconds=wall_seconds, max_work_seconds=share)
    if aggregate is not None and aggregate.bound > bound:
        bound = aggregate.bound
    return bound - activity_overstaffing_credit(instance.config)


def relaxed_bound_after(instance: Instance, seconds: float, stop: Stop | None) -> float:
    """The week without the carry-in's capped merged-queue bound (``subset_bound.capped_bound``: the scarce
    queues' shortage in every roster), proven after the week's search as the solve does for a week alone
    (``solve.capped_bound_after_search`` on the week's share ``seconds``, cut by ``stop``'s wall clock). ``-inf``
    where it does not apply or is not solved."""
    if not queue_shortage.applies(instance) or (stop is not None and stop.stopped()):
        return -math.inf
    return capped_bound_after_search(instance.with_config(schedule_meetings(instance)), seconds, stop or NO_STOP)


@dataclass(frozen=True)
class WeekPlan:
    """One week of the horizon: its inputs and the solver's result."""

    week: Week
    config: PlanConfig
    forecast: pd.DataFrame
    required: pd.DataFrame
    array: np.ndarray
    schedule: ScheduleResult
    relaxed_bound: float
    planned: np.ndarray | None = None  # heads per [queue, slot] the week's best allocation gives (cumulative cover)
    deadlines: tuple[DeadlineQueue, ...] = ()  # the week's cumulative deadline queues, with the backlog carried in
    # heads per [queue, slot] the shifts before the week put on its floor (``carried_cover``); None: none reach it
    carried: np.ndarray | None = None
    carried_shifts: tuple[ShiftAssignment, ...] = ()  # those shifts (``carried_cover.reaching``), for the prediction

    @property
    def rostered_against(self) -> np.ndarray:
        """The requirement the week was rostered against: ``array`` less the carried heads."""
        return net_requirements(self.array, self.carried)


def requirement_rows(config: PlanConfig, week: Week, required: pd.DataFrame) -> pd.DataFrame:
    days = required["interval_start"].dt.date if len(required) else pd.Series(dtype=object)
    inside = days.map(lambda d: 0 <= (d - week.start).days < 7) if len(required) else days
    return required.loc[inside.to_numpy(bool)].reset_index(drop=True) if len(required) else required


def forecast_horizon(config: PlanConfig, history: History, first: Week, calendar: object,
                     targets: dict) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Per week: the interval forecast and its requirements. Live queues are staffed interval by interval as
    ``wfm plan`` staffs one week; deferred queues' fluid plan runs over the whole horizon, so work left at a
    week's end is carried into the next week's backlog (as ``wfm schedule`` reads a horizon's requirements)."""
    from scheduler.app.pipeline import forecast_week

    check_history_length(config, history)
    weeks = horizon_weeks(first, config.weeks)
    forecasts = [forecast_week(config, history, week, calendar) for week in weeks]  # type: ignore[arg-type]
    whole = plan_requirements(config, pd.concat(forecasts, ignore_index=True), targets)
    return forecasts, [requirement_rows(config, week, whole) for week in weeks]


def schedule_horizon(config: PlanConfig, first: Week, forecasts: list[pd.DataFrame], required: list[pd.DataFrame],
                     out_dir: Path, *, history: History | None, stage: _Stages, time_limit_seconds: float | None,
                     seed: int | None, workers: int | None, progress: TextIO | None, stop: Stop | None,
                     previous: Path | None) -> PlanResult:
    """Roster the weeks one after another with their carry-in, validate the horizon independently (seams
    included) and publish every output atomically."""
    from scheduler.app.pipeline import queue_targets, requirement_array

    weeks = horizon_weeks(first, config.weeks)
    conflicts = average_conflicts(config)
    if conflicts:
        raise InfeasibleError(conflicts[0] + (f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""))
    past: list[PastShift] = []
    known_from = first.start
    skipped: list[str] = []
    if previous is not None:
        past, known_from, skipped = read_previous(previous, config, first.start)
    targets = queue_targets(config)
    limit = config.solver.time_limit_seconds if time_limit_seconds is None else time_limit_seconds
    share = limit / len(weeks)
    overall_wall = None if stop is None else stop.wall_seconds
    # the LP's wall share of a week's share of the cap (``--wall-limit``, else the limit); no cap: the budget alone
    lp_wall = math.inf if overall_wall is None else LP_WALL_SHARE * overall_wall / len(weeks)
    started = time.monotonic()
    plans: list[WeekPlan] = []
    warnings: list[str] = skipped + history_warnings(config, history)
    deadline_warned: set[str] = set()
    shortage_warned: set[str] = set()  # queues with a skill-shortage line (``diagnose.skill_shortage``)
    deadlines = HorizonDeadlines(config, first, required)  # cumulative cover, the backlog carried week to week
    hours = sum(requirement_array(config, w, r).sum() for w, r in zip(weeks, required, strict=True))
    stage("staffing", f"{hours * config.interval_minutes / 60:,.1f} required agent-hours over {len(weeks)} weeks")
    for number, week in enumerate(weeks, start=1):
        array = requirement_array(config, week, required[number - 1])
        stage("week", f"{number}/{len(weeks)}: week of {week.start}, "
                      f"{array.sum() * config.interval_minutes / 60:,.1f} required agent-hours")
        carried = carried_heads(config, week, array, past)  # a Sunday night's heads on Monday morning
        net = net_requirements(array, carried)  # what the week is rostered against
        # the warning that Monday's first hours fall to the week before: where no roster before it is known, else
        # of what its Sunday nights leave short there
        for line in implausible_input(config, week, required[number - 1], array,
                                      carried_in=number > 1 or previous is not None, carried=carried):
            if line not in warnings:
                warnings.append(line)
        for queue_id, line in unreachable_deadlines(config, week, required[number - 1]).items():
            if queue_id not in deadline_warned:  # one line per queue: the first week it holds in
                deadline_warned.add(queue_id)
                warnings.append(line)
        week_config = replace(config, carry_in=carry_in(config, week, number, known_from, past))
        found = explain_conflicts(week_config, week) + break_cap_conflicts(week_config, week) + (
            floor_rules.reachable_conflicts(week_config, week))
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            raise InfeasibleError(f"week of {week.start}: {found[0]}{more}")
        coupled = number > 1 or previous is not None or config.contracts != without_horizon(config).contracts
        solve_seconds = share * (1 - RELAXED_BOUND_SHARE) if coupled else share
        week_started = time.monotonic()
        week_deadlines = deadlines.week(number - 1, week)
        # the carried heads are fixed cover, not a rule of the week: the relaxed bound keeps them too
        bound = (relaxed_bound(Instance(without_horizon(config), week, net, week_deadlines), share, lp_wall)
                 if coupled else math.nan)
        if stop is not None:  # the week's wall-clock cap: its share of what the run's cap leaves, after the LP
            left = share - (time.monotonic() - week_started) if overall_wall is None else (
                (overall_wall - (week_started - started)) / (len(weeks) - number + 1)
                - (time.monotonic() - week_started))
            stop.wall_seconds = max(0.0, left)
            if stop.reason == WALL_CLOCK:  # the last week's cap, not this one's
                stop.reason = None
        week_instance = Instance(week_config, week, net, week_deadlines)
        try:
            schedule = solve_roster(week_instance, time_limit_seconds=solve_seconds, seed=seed,
                                    workers=workers, progress=progress, stop=stop, bound_after_search=not coupled)
        except InfeasibleError as exc:
            raise InfeasibleError(f"week of {week.start}: {exc}") from None
        if not coupled:
            bound = schedule.stats.best_bound
        elif schedule.stats.objective > bound + 1e-6:  # the capped merged-queue bound of the week without carry-in
            bound = max(bound, relaxed_bound_after(Instance(without_horizon(config), week, net, week_deadlines),
                                                   share, stop))
        # a short queue its agents cannot cover: one line per queue, the first week it holds in
        for queue_id, line in skill_shortage_warnings(week_instance, schedule.roster, shortage_warned).items():
            shortage_warned.add(queue_id)
            warnings.append(f"week of {week.start}: {line}" if len(weeks) > 1 else line)
        past.extend(past_shifts(schedule.roster.shifts))
        stage("week", f"{number}/{len(weeks)} done: {len(schedule.roster.shifts)} shifts, objective "
                          f"{schedule.stats.objective:,.1f}, bound without carry-in {bound:,.1f}")
        planned = deadlines.worked(week_instance, schedule.roster)
        plans.append(WeekPlan(week, week_config, forecasts[number - 1], required[number - 1], array, schedule,
                              bound, planned if week_deadlines else None, week_deadlines, carried,
                              reaching(week, past) if carried is not None else ()))
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr, flush=True)
    return _publish(config, first, plans, out_dir, history=history, stage=stage, warnings=tuple(warnings),
                    previous=previous, targets=targets)


def merged_schedule(plans: list[WeekPlan], seconds: float) -> ScheduleResult:
    """The horizon's roster, solver figures (sums; the bound is the relaxed one) and penalty breakdown."""
    shifts = tuple(sorted((s for p in plans for s in p.schedule.roster.shifts), key=lambda s: (s.agent_id, s.date)))
    stats = [p.schedule.stats for p in plans]
    objective = sum(s.objective for s in stats)
    bound = sum(p.relaxed_bound for p in plans)
    gap = 0.0 if objective <= 0 else max(0.0, (objective - bound) / objective)
    first = stats[0]
    before_last = sum(s.seconds for s in stats[:-1])
    merged = SolveStats(
        "OPTIMAL" if all(s.status == "OPTIMAL" for s in stats) and gap <= 1e-9 else "FEASIBLE", objective, bound,
        gap, seconds, first.seed, first.workers, first.deterministic, first.ortools_version,
        before_last + stats[-1].first_roster_seconds, all(s.budget_completed for s in stats),
        next((s.stopped_by for s in stats if not s.budget_completed), stats[-1].stopped_by))
    costs: dict[str, RuleCost] = {}
    for plan in plans:
        for cost in plan.schedule.costs:
            held = costs.get(cost.rule)
            costs[cost.rule] = cost if held is None else replace(held, amount=held.amount + cost.amount,
                                                                  penalty=held.penalty + cost.penalty)
    return ScheduleResult(Roster(shifts), merged, tuple(costs.values()))


def _predicted(levels: list[PredictedServiceLevels], volumes: list[dict[str, float]]) -> PredictedServiceLevels:
    """Contact-weighted over the weeks; the widest confidence interval of a queue's weeks."""
    def weighted(values: list[float], weights: list[float]) -> float:
        total = sum(weights)
        return round(sum(v * w for v, w in zip(values, weights, strict=True)) / total, 6) if total else values[0]

    queues = list(levels[0].by_queue)
    by_queue = {q: weighted([lv.by_queue[q] for lv in levels], [v.get(q, 0.0) for v in volumes]) for q in queues}
    overall = weighted([lv.overall for lv in levels], [sum(v.values()) for v in volumes])
    widths = {q: max(lv.ci95_half_width.get(q, 0.0) for lv in levels) for q in levels[0].ci95_half_width}
    first = levels[0]
    return PredictedServiceLevels(method=first.method, replications=first.replications, seed=first.seed,
                                  overall=overall, by_queue=by_queue, ci95_half_width=widths)


def _surplus(found: list[SurplusKpis]) -> SurplusKpis:
    by_weekday: dict[str, float] = {}
    for item in found:
        for key, hours in item.by_weekday.items():
            by_weekday[key] = round(by_weekday.get(key, 0.0) + hours, 4)
    return SurplusKpis(agent_hours=round(sum(f.agent_hours for f in found), 4), by_weekday=by_weekday,
                       block_hours=round(sum(f.block_hours for f in found), 4), blocks=sum(f.blocks for f in found))


def _span(first: Week, weeks: int) -> Week:
    """One grid over the horizon's days."""
    return Week(first.start, first.interval_minutes, 7 * weeks)


def _horizon_deferred(config: PlanConfig, first: Week, plans: list[WeekPlan],
                      roster: Roster) -> tuple[dict[str, DeferredResult], np.ndarray]:
    """The deferred queues' backlogs replayed over the whole horizon (work left on a Sunday is still waiting on
    Monday, as the horizon's fluid plan carries it), for the horizon's ``kpis.json`` and ``backlog.csv``; each
    week's folder shows its own week of it (``channels.week_of``). Also the heads per ``[queue, slot]`` of the
    horizon working each deferred queue in that replay."""
    span = _span(first, len(plans))
    required = _concat([p.required for p in plans])
    array = np.concatenate([p.array if p.planned is None else p.planned for p in plans], axis=1)
    heads = blended_heads(config, span, roster, array, required)
    return deferred_outcomes(config, span, required, heads), heads


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _publish(config: PlanConfig, first: Week, plans: list[WeekPlan], out_dir: Path, *, history: History | None,
             stage: _Stages, warnings: tuple[str, ...], previous: Path | None, targets: dict) -> PlanResult:
    from scheduler.app.pipeline import PlanResult, plan_kpis, publish_or_keep

    schedule = merged_schedule(plans, sum(p.schedule.stats.seconds for p in plans))
    stage("schedule", f"{len(plans)} weeks, {len(schedule.roster.shifts)} shifts, gap {schedule.stats.gap:.2%} "
                      "against the sum of the weeks' bounds without carry-in")
    with StagedOutput(out_dir) as staged:
        roster_path = staged.write_text("roster.csv", roster_csv(schedule.roster))
        violations = validate_horizon(config, read_roster(roster_path), first.start, len(plans), previous)
        stage("validate", f"{len(violations)} hard-rule violation(s) over {len(plans)} weeks")
        covers, extras_all, week_kpis, backlogs = [], [], [], []
        # the deferred queues replayed over the horizon, so each week starts with the backlog the weeks before left
        replay, replay_heads = _horizon_deferred(config, first, plans, schedule.roster)
        for number, plan in enumerate(plans):
            week, week_roster = plan.week, plan.schedule.roster
            cover = coverage(config, week, week_roster, plan.required, plan.array, targets, plan.carried)
            cover, deferred = deferred_cover(config, week, cover, plan.required, None,
                                             week_of(replay, number * week.slot_count, week.slot_count))
            cover = cumulative_rows(config, week, cover, plan.deadlines,  # rows against what is due
                                    replay_heads[:, number * week.slot_count:(number + 1) * week.slot_count])
            extras = service_outputs(config, week, plan.forecast, week_roster, plan.rostered_against, cover,
                                     plan.carried_shifts)
            in_week = [v for v in violations if v.date is not None and 0 <= (v.date - week.start).days < 7]
            kpis = replace(plan_kpis(config, week, week_roster, cover, plan.schedule, in_week, warnings, deferred),
                           predicted_service_level=extras.predicted, surplus=extras.surplus)
            covers.append(cover)
            extras_all.append(extras)
            week_kpis.append(kpis)
            if deferred:
                backlogs.append(backlog_frame(week, deferred))
            folder = Path(WEEKS_FOLDER) / week.start.isoformat()
            (staged.staging / folder).mkdir(parents=True, exist_ok=True)
            staged.write_text(str(folder / "roster.csv"), roster_csv(week_roster))
            staged.write_text(str(folder / "forecast.csv"), frame_csv(plan.forecast, 4))
            staged.write_text(str(folder / "requirements.csv"), frame_csv(plan.required, 4))
            staged.write_text(str(folder / "coverage.csv"), frame_csv(extras.coverage, 4))
            staged.write_text(str(folder / KPI_FILE), kpis.to_json())
            if deferred:
                staged.write_text(str(folder / BACKLOG_FILE), frame_csv(backlog_frame(week, deferred), 4))
            staged.write_text(str(folder / REPORT_FILE), build_report(staged.staging / folder,
                                                                      plan_config=config, history=history))
        deferred_all = replay if backlogs else {}
        merged_cover = CoverageResult(_concat([c.frame for c in covers]), np.zeros(0),
                                      sum(c.on_floor_agent_intervals for c in covers))
        volumes = [{q.queue_id: float(p.forecast.loc[p.forecast["queue"] == q.queue_id, "contacts"].sum())
                    for q in config.queues} for p in plans]
        kpis = replace(plan_kpis(config, first, schedule.roster, merged_cover, schedule, violations, warnings,
                                 deferred_all),
                       predicted_service_level=_predicted([e.predicted for e in extras_all], volumes),
                       surplus=_surplus([e.surplus for e in extras_all]))
        staged.write_text("forecast.csv", frame_csv(_concat([p.forecast for p in plans]), 4))
        staged.write_text("requirements.csv", frame_csv(_concat([p.required for p in plans]), 4))
        staged.write_text("coverage.csv", frame_csv(_concat([e.coverage for e in extras_all]), 4))
        staged.write_text(SURPLUS_FILE, extras_all[0].surplus_csv + "".join(
            e.surplus_csv.split("\n", 1)[1] for e in extras_all[1:]))
        staged.write_text(KPI_FILE, kpis.to_json())
        if backlogs:
            staged.write_text(BACKLOG_FILE, frame_csv(backlog_frame(_span(first, len(plans)), deferred_all), 4))
        staged.write_text(REPORT_FILE, horizon_page(config.name, kpis, [(p.week.start, k) for p, k in
                                                                         zip(plans, week_kpis, strict=True)],
                                                    WEEKS_FOLDER))
        write_exports(staged.staging, [a.agent_id for a in config.agents], config.timezone, first.start,
                      plan_config=config, days=7 * len(plans))
        if (rejected := publish_or_keep(staged, out_dir, kpis, violations, stage)) is not None:
            return rejected
    stage("done", f"{len(plans)} weeks: service level {kpis.service_level.overall:.1%}, understaffed "
                  f"{kpis.understaffed_agent_hours:.1f} h, paid {kpis.paid_hours:.1f} h -> {out_dir}")
    return PlanResult(out_dir, kpis, tuple(violations))


def horizon_dates(first: Week, weeks: int) -> tuple[date, date]:
    """The horizon's first and last day."""
    return first.start, first.start + timedelta(days=7 * weeks - 1)
