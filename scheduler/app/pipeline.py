"""The weekly job, stage by stage: history -> forecast -> requirements -> roster -> validation -> outputs.

Each stage is a function of typed inputs; ``run_plan`` chains them and writes the output folder atomically.
Progress goes to ``progress`` (stderr from the CLI) as ``[stage] elapsed ...`` lines.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

import numpy as np
import ortools
import pandas as pd

from forecasting.calendar import apply_special_days
from forecasting.history import History, load_history, skipped_local_times
from forecasting.queueing.limits import MAX_AGENTS, MAX_AHT_SECONDS, MAX_CONTACTS
from forecasting.queueing.staffing import QueueTarget
from forecasting.ranges import outside_timestamp_range
from forecasting.service import HolidayChoice, calendar_factory, choose_holidays, day_calendar
from forecasting.untrusted import error_summary, excerpt, regular_file
from scheduler import __version__
from scheduler.app.channels import (
    DeferredResult,
    backlog_frame,
    backlog_shortfalls,
    blended_heads,
    cumulative_rows,
    deadline_queues,
    deferred_cover,
    deferred_kpis,
    keeps_all_hours,
    plan_requirements,
)
from scheduler.app.horizon import (
    forecast_horizon,
    horizon_weeks,
    is_horizon,
    requirement_rows,
    schedule_horizon,
    with_previous,
    with_weeks,
    without_horizon,
)
from scheduler.app.service_outputs import service_outputs
from scheduler.diagnose.centre import break_cap_conflicts
from scheduler.diagnose.deadline_reach import unreachable_deadlines
from scheduler.diagnose.prechecks import explain_conflicts
from scheduler.diagnose.skill_shortage import skill_shortage_warnings
from scheduler.diagnose.warnings import history_warnings, implausible_input
from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import Roster, roster_csv
from scheduler.domain.week import Week
from scheduler.errors import InfeasibleError, InputError
from scheduler.io.config import check_solver_options, load_config
from scheduler.io.exports import write_exports
from scheduler.io.horizon_config import check_weeks_option
from scheduler.io.outputs import StagedOutput, check_out_dir, frame_csv
from scheduler.report import REPORT_FILE, build_report
from scheduler.report.backlog import BACKLOG_FILE
from scheduler.rostering.carried_cover import carried_heads, reaching
from scheduler.rostering.carry_in import PastShift
from scheduler.rostering.coverage import CoverageResult, coverage, net_requirements, on_floor_by_skills
from scheduler.rostering.instance import Instance
from scheduler.rostering.replan import CHANGES_FILE, changed_days, changes_csv, load_replan, parse_pin_days
from scheduler.rostering.rules import deadline_cover, floor_rules, weekly_service_level
from scheduler.rostering.service_curves import weekly_curves
from scheduler.rostering.solve import ScheduleResult, solve_roster
from scheduler.rostering.stopping import Stop
from scheduler.validation.horizon import validate_horizon
from scheduler.validation.kpis import KPI_FILE, Kpis, Penalty, ServiceLevels, SolverKpis, WeeklyTargetKpis
from scheduler.validation.surplus import SURPLUS_FILE
from scheduler.validation.validate import Violation, read_roster, validate_roster
from scheduler.validation.weekly_service import WeeklyLevel, weekly_levels


@dataclass(frozen=True)
class PlanResult:
    """``out_dir`` holds the published plan; with hard ``violations`` nothing was published and the result
    was kept in ``rejected_dir`` beside it instead."""

    out_dir: Path
    kpis: Kpis
    violations: tuple[Violation, ...]
    rejected_dir: Path | None = None


def publish_or_keep(staged: StagedOutput, out_dir: Path, kpis: Kpis, violations: Sequence[Violation],
                    stage: _Stages) -> PlanResult | None:
    """Publish the staged folder, or, with hard ``violations``, keep it beside ``out_dir`` (never worse than what
    is there: a roster breaking hard rules is not published) and return that result."""
    if violations:
        kept = staged.reject()
        stage("rejected", f"{len(violations)} hard-rule violation(s): not published, kept in {kept}")
        return PlanResult(out_dir, kpis, tuple(violations), kept)
    staged.commit()
    return None


def planned_week(config: PlanConfig, history: History) -> Week:
    """The configured week, else the first Monday after the history ends."""
    start = config.week_start
    last: date = history.last_date
    if start is None:
        start = last + timedelta(days=7 - last.weekday())
    elif start <= last:
        raise InputError(f"{config.source.name}: forecast.week_start {start.isoformat()} is inside the history "
                         f"({history.path.name} ends {last.isoformat()}); plan a week after it")
    return Week(start, config.interval_minutes)


def queue_targets(config: PlanConfig) -> dict[str, QueueTarget]:
    return {
        q.queue_id: QueueTarget(
            queue=q.queue_id, service_level_target=q.service_level_target, answer_seconds=q.answer_seconds,
            max_occupancy=q.max_occupancy, interval_minutes=config.interval_minutes, concurrency=q.concurrency,
            shrinkage=config.shrinkage, patience_seconds=q.patience_seconds,
        )
        for q in config.queues
    }


def forecast_week(config: PlanConfig, history: History, week: Week,
                  calendar: HolidayChoice | None = None) -> pd.DataFrame:
    """Interval forecast of every configured queue, inside its opening hours; AHT falls back to the queue's
    default where history has none. Holidays: the config's dates plus the country calendar of ``calendar``
    (resolved from ``holidays:`` when not given)."""
    if history.interval_minutes != config.interval_minutes:
        raise InputError(f"{history.path.name}: history has {history.interval_minutes}-minute intervals but "
                         f"{config.source.name}: centre.interval_minutes is {config.interval_minutes}")
    missing = [q.queue_id for q in config.queues if q.queue_id not in history.queues]
    if missing:
        # a name that differs only in case or spaces is named (ids are case-sensitive)
        alike = [f"{excerpt(name)} for {queue}" for queue in missing for name in history.queues
                 if name.casefold().replace(" ", "") == queue.casefold().replace(" ", "")]
        hint = (f" (it has {', '.join(alike)}; queue names must match exactly)" if alike else
                f"; add the queue's rows to {history.path.name}, or take it out of {config.source.name} until it has "
                "two weeks of history")
        raise InputError(f"{history.path.name}: no history for queue(s) {', '.join(missing)} named in "
                         f"{config.source.name}: queues{hint}")
    country = (calendar or choose_holidays(history, config.holiday_country)).country
    special = dict(config.special_days)
    days = day_calendar(country, history.first_date, week.start + timedelta(days=7),
                        listed_holidays=config.holidays, events=config.events, special_days=special)
    factory = calendar_factory(config.forecast_model, days, config.history_weeks)
    forecast = apply_special_days(factory().fit(history).predict(week.start, 7), special)
    keep = np.zeros(len(forecast), dtype=bool)
    for queue in config.queues:
        rows = (forecast["queue"] == queue.queue_id).to_numpy()
        if keeps_all_hours(queue):  # deferred arrivals and bot escalations outside the hours wait for the opening
            keep |= rows
        starts = forecast["interval_start"]
        minute = (starts.dt.hour * 60 + starts.dt.minute).to_numpy()
        weekday = opening_weekday(starts, days.make_up_days if config.make_up_day_hours == "weekday" else {})
        for day in range(7):
            window = queue.opening_hours.window(day)
            if window is not None:
                keep |= rows & (weekday == day) & (minute >= window.start_minute) & (minute < window.end_minute)
        aht = forecast.loc[rows, "aht_seconds"]
        forecast.loc[rows, "aht_seconds"] = aht.fillna(queue.default_aht_seconds)
    # the hour the clocks skip at the spring change does not happen: no contacts, no agents required in it
    keep &= ~skipped_local_times(forecast["interval_start"], config.timezone)
    forecast = forecast.loc[keep].reset_index(drop=True)
    if config.volume_factor != 1.0 or config.aht_factor != 1.0:  # a what-if plan (docs/config.md, forecast)
        forecast["contacts"] = forecast["contacts"] * config.volume_factor
        forecast["aht_seconds"] = forecast["aht_seconds"] * config.aht_factor
    return forecast


def opening_weekday(starts: pd.Series, make_up_days: Mapping[date, int]) -> np.ndarray:
    """The weekday whose opening hours apply to each timestamp: its own, or on a make-up working day the
    weekday it replaces (``centre.make_up_days: weekday``); shape (n,)."""
    weekday = starts.dt.day_of_week.to_numpy().copy()
    if make_up_days:
        day = starts.dt.date
        for made_up, replaced in make_up_days.items():
            weekday[(day == made_up).to_numpy()] = replaced
    return weekday


def requirement_array(config: PlanConfig, week: Week, required: pd.DataFrame) -> np.ndarray:
    """``agents_required`` as an int array ``[queue, slot]`` in config queue order."""
    array = np.zeros((len(config.queues), week.slot_count), dtype=np.int64)
    index = {q.queue_id: i for i, q in enumerate(config.queues)}
    for queue_id, start, agents in zip(required["queue"], required["interval_start"], required["agents_required"],
                                       strict=True):
        array[index[queue_id], week.slot_of(start.to_pydatetime())] = int(agents)
    return array


def weekly_instance(config: PlanConfig, week: Week, required: pd.DataFrame, targets: dict[str, QueueTarget],
                    stage: _Stages | None = None) -> Instance | None:
    """In the weekly service-level mode (``objective.service_level: weekly``), the instance to roster: each
    interval's requirement is the floor (``min_interval_service_level``) and the curves carry the weekly
    targets; None in the default per-interval mode."""
    if config.weights.service_level != "weekly":
        return None
    curves = weekly_curves(config, week, required, targets, config.weights.min_interval_service_level,
                           tangent=config.weights.weekly_floor == "tangent")
    if stage is not None:
        stage("weekly", f"floor {config.weights.min_interval_service_level:.0%}: "
                        f"{curves.floor_heads.sum() * config.interval_minutes / 60:,.1f} agent-hours required")
    return Instance(config, week, curves.floor_heads, service_curves=curves)


def weekly_target_kpis(config: PlanConfig, week: Week, roster: Roster, required: pd.DataFrame,
                       targets: dict[str, QueueTarget],
                       levels: Mapping[str, WeeklyLevel] | None = None) -> WeeklyTargetKpis:
    """Each queue's weekly level by the validator's count against its target (``levels``: already counted)."""
    levels = weekly_levels(config, week, roster, required, targets) if levels is None else levels
    return WeeklyTargetKpis(by_queue={q: v.level for q, v in levels.items()},
                            target={q: v.target for q, v in levels.items()},
                            met={q: v.met for q, v in levels.items()},
                            min_interval_service_level=config.weights.min_interval_service_level,
                            worst_interval={q: v.worst_interval for q, v in levels.items()})


def missed_weekly_targets(weekly: WeeklyTargetKpis) -> list[str]:
    """A warning per queue whose weekly target the roster misses by the validator's count, naming the queue, the
    level reached and the target (the pre-check refuses targets no roster reaches, so these were reachable)."""
    return [f"queue '{q}' misses its weekly service-level target: {level:.1%} reached against {weekly.target[q]:.1%} "
            "(the search ran out of budget, or the objective prices the shortfall below the hours that would "
            "close it; raise --time-limit or objective.weekly_shortfall_contact)"
            for q, level in weekly.by_queue.items() if not weekly.met[q]]


def weekly_coverage(frame: pd.DataFrame, week: Week, levels: Mapping[str, WeeklyLevel]) -> pd.DataFrame:
    """``coverage.csv``'s rows with each live queue's per-interval ``service_level`` as the weekly mode's
    allocation gives it (``levels``: the validator's, each slot's heads allocated to maximise the answered
    contacts), not the coverage allocation's, so the file agrees with ``kpis.json``; other rows unchanged."""
    frame = frame.copy()
    slots = [week.slot_of(t) for t in frame["interval_start"].dt.to_pydatetime()]
    frame["service_level"] = [
        levels[queue].by_slot.get(slot, level) if queue in levels else level
        for queue, slot, level in zip(frame["queue"], slots, frame["service_level"], strict=True)]
    return frame


def with_weekly_levels(kpis: Kpis, weekly: WeeklyTargetKpis, required: pd.DataFrame) -> Kpis:
    """In the weekly mode, ``service_level`` and ``worst_interval_service_level`` of the live queues as the roster
    delivers them (``weekly``: each slot's heads allocated to maximise the answered contacts), not as the
    coverage allocation gives them: that one covers the floor queue by queue and can leave a queue whose floor is
    met with no head beside heads that serve it. ``overall`` is their contact-weighted mean (``required``'s
    ``contacts``; deferred queues at their own figure)."""
    by_queue = {**kpis.service_level.by_queue, **weekly.by_queue}
    volume = required.groupby("queue")["contacts"].sum()
    total = sum(float(volume.get(q, 0.0)) for q in by_queue)
    overall = sum(level * float(volume.get(q, 0.0)) for q, level in by_queue.items()) / total if total else 1.0
    return replace(kpis, service_level=ServiceLevels(overall=round(overall, 6), by_queue=by_queue),
                   worst_interval_service_level={**kpis.worst_interval_service_level, **weekly.worst_interval})


def plan_kpis(config: PlanConfig, week: Week, roster: Roster, cover: CoverageResult, schedule: ScheduleResult,
              violations: list[Violation], warnings: tuple[str, ...] = (),
              deferred: dict[str, DeferredResult] | None = None) -> Kpis:
    """The figures a planner and a CI gate read; only ``solver.seconds`` and
    ``solver.first_roster_seconds`` may differ between identical runs whose ``solver.budget_completed`` is true
    (a run cut short by the wall clock or an interrupt is not reproducible)."""
    frame = cover.frame
    hours_per_interval = config.interval_minutes / 60
    by_queue, worst = {}, {}
    for queue in config.queues:
        rows = frame[frame["queue"] == queue.queue_id]
        volume = rows["contacts"].to_numpy(float)
        service = rows["service_level"].to_numpy(float)
        by_queue[queue.queue_id] = round(float((volume * service).sum() / volume.sum()) if volume.sum() else 1.0, 6)
        if deferred and queue.queue_id in deferred:  # the share handled within the deadline, for the gate
            by_queue[queue.queue_id] = round(deferred[queue.queue_id].outcome.share_within, 6)
        busy = service[volume > 0]
        worst[queue.queue_id] = round(float(busy.min()) if busy.size else 1.0, 6)
    volume = frame["contacts"].to_numpy(float)
    overall = float((volume * frame["service_level"].to_numpy(float)).sum() / volume.sum()) if volume.sum() else 1.0
    short = np.maximum(frame["required"] - frame["scheduled"], 0).sum()
    covered = np.minimum(frame["required"], frame["scheduled"]).sum()
    cost_of = {c.contract_id: c.hourly_cost for c in config.contracts}
    contract_of = {a.agent_id: a.contract_id for a in config.agents}
    paid_minutes = sum(s.paid_minutes for s in roster.shifts)
    cost = sum(s.paid_minutes / 60 * cost_of[contract_of[s.agent_id]] for s in roster.shifts)
    stats = schedule.stats
    return Kpis(
        week_start=week.start.isoformat(),
        config=config.source.as_posix(),  # as given, so runs from any checkout give the same bytes
        agents=len(config.agents),
        shifts=len(roster.shifts),
        hard_violations=len(violations),
        service_level=ServiceLevels(overall=round(overall, 6), by_queue=by_queue),
        service_level_target={q.queue_id: q.service_level_target for q in config.queues},
        worst_interval_service_level=worst,
        understaffed_agent_hours=round(float(short) * hours_per_interval, 4),
        overstaffed_agent_hours=round((cover.on_floor_agent_intervals - float(covered)) * hours_per_interval, 4),
        paid_hours=round(paid_minutes / 60, 4),
        cost=round(cost, 2),
        penalties={c.rule: Penalty(amount=round(c.amount, 4), unit=c.unit, weight=c.weight,
                                   penalty=round(c.penalty, 4)) for c in schedule.costs},
        solver=SolverKpis(
            status=stats.status, objective=round(stats.objective, 4), best_bound=round(stats.best_bound, 4),
            gap=round(stats.gap, 6), seconds=round(stats.seconds, 2),
            first_roster_seconds=(None if math.isnan(stats.first_roster_seconds)
                                  else round(stats.first_roster_seconds, 2)),
            budget_completed=stats.budget_completed, stopped_by=stats.stopped_by, seed=stats.seed,
            workers=stats.workers, deterministic=stats.deterministic, ortools_version=stats.ortools_version,
        ),
        versions={"wfm": __version__, "ortools": ortools.__version__, "numpy": np.__version__,
                  "pandas": pd.__version__},
        warnings=warnings,
        deferred=deferred_kpis(deferred or {}),
    )


class _Stages:
    """Prints ``[stage] elapsed detail`` lines to the progress stream (or nowhere)."""

    def __init__(self, progress: TextIO | None) -> None:
        self.progress, self.started = progress, time.monotonic()

    def __call__(self, name: str, detail: str) -> None:
        if self.progress is not None:
            print(f"[{name}] {time.monotonic() - self.started:6.1f}s  {detail}", file=self.progress, flush=True)


def run_plan(config: PlanConfig | Path, out_dir: Path, *, time_limit_seconds: float | None = None,
             seed: int | None = None, workers: int | None = None, progress: TextIO | None = sys.stderr,
             pin: Path | None = None, pin_days: str | None = None, stop: Stop | None = None,
             weeks: int | None = None, previous: Path | None = None) -> PlanResult:
    """The whole weekly job from one plan config (loaded, or the YAML's path); writes forecast, requirements,
    roster, coverage, KPIs, report.html, roster.xlsx and calendars/AGENT.ics (and changes.csv when re-planning),
    all staged and moved in together. ``weeks`` (``forecast.weeks``) and ``previous`` (a published roster the
    plan continues): see ``scheduler.app.horizon``."""
    check_solver_options(time_limit_seconds, seed, workers)
    check_weeks_option(weeks)
    check_out_dir(out_dir)
    stage = _Stages(progress)
    config = with_weeks(_loaded(config), weeks)
    history = load_history(config.history_path, config.interval_minutes, timezone=config.timezone)
    week = planned_week(config, history)
    stage("history", f"{len(history.frame):,} rows, {len(history.queues)} queue(s), "
                     f"{history.interval_minutes}-minute intervals, up to {history.last_date}")
    calendar = choose_holidays(history, config.holiday_country)
    if is_horizon(config, previous, pin):
        forecasts, required_by_week = forecast_horizon(config, history, week, calendar, queue_targets(config))
        stage("forecast", f"{config.weeks} week(s) from {week.start}: "
                          f"{sum(f['contacts'].sum() for f in forecasts):,.0f} contacts")
        return schedule_horizon(config, week, forecasts, required_by_week, out_dir, history=history, stage=stage,
                                time_limit_seconds=time_limit_seconds, seed=seed, workers=workers,
                                progress=progress, stop=stop, previous=previous)
    forecast = forecast_week(config, history, week, calendar)
    said = f"; {calendar.describe()}" if config.holiday_country else ""
    stage("forecast", f"week of {week.start}: {forecast['contacts'].sum():,.0f} contacts{said}")
    required = plan_requirements(config, forecast, queue_targets(config))
    config, skipped, past = with_previous(with_replan(config, week, pin, pin_days), week, previous)
    return schedule_and_publish(config, week, forecast, required, out_dir, history=history, stage=stage,
                                time_limit_seconds=time_limit_seconds, seed=seed, workers=workers, progress=progress,
                                stop=stop, previous=previous, notes=skipped, past=past)


def run_schedule(config: PlanConfig | Path, requirements_path: Path, out_dir: Path, *,
                 time_limit_seconds: float | None = None, seed: int | None = None, workers: int | None = None,
                 progress: TextIO | None = sys.stderr, pin: Path | None = None, pin_days: str | None = None,
                 stop: Stop | None = None, weeks: int | None = None, previous: Path | None = None) -> PlanResult:
    """Rostering alone, from a requirements CSV (``wfm staff`` or another tool's): writes the same outputs as
    ``run_plan``; ``forecast.csv`` is the requirements' contacts and AHT. ``config``, ``weeks`` and ``previous``
    as in ``run_plan`` (the requirements then cover the weeks)."""
    check_solver_options(time_limit_seconds, seed, workers)
    check_weeks_option(weeks)
    check_out_dir(out_dir)
    stage = _Stages(progress)
    config = with_weeks(_loaded(config), weeks)
    required = read_requirements(requirements_path, config)
    start = config.week_start or _monday(required["interval_start"].min().date())
    week = Week(start, config.interval_minutes)
    outside = required["interval_start"].dt.date.map(lambda d: not 0 <= (d - start).days < 7 * config.weeks)
    if outside.any():
        row = int(np.flatnonzero(outside.to_numpy())[0]) + 2
        planned = "planned week" if config.weeks == 1 else f"{config.weeks} planned weeks"
        raise InputError(f"{requirements_path.name} row {row}: interval outside the {planned} of {start}")
    history = (load_history(config.history_path, config.interval_minutes, timezone=config.timezone)
               if config.history_path.is_file() else None)
    forecast = offered_contacts(config, required[["interval_start", "queue", "contacts", "aht_seconds"]].copy())
    if is_horizon(config, previous, pin):
        weekly = horizon_weeks(week, config.weeks)
        return schedule_horizon(config, week, [requirement_rows(config, w, forecast) for w in weekly],
                                [requirement_rows(config, w, required) for w in weekly], out_dir, history=history,
                                stage=stage, time_limit_seconds=time_limit_seconds, seed=seed, workers=workers,
                                progress=progress, stop=stop, previous=previous)
    config, skipped, past = with_previous(with_replan(config, week, pin, pin_days), week, previous)
    return schedule_and_publish(config, week, forecast, required, out_dir, history=history, stage=stage,
                                time_limit_seconds=time_limit_seconds, seed=seed, workers=workers, progress=progress,
                                stop=stop, previous=previous, notes=skipped, past=past)


def _loaded(config: PlanConfig | Path) -> PlanConfig:
    """The config as loaded by the caller (the CLI loads it once per command), or loaded from its YAML."""
    return config if isinstance(config, PlanConfig) else load_config(config)


def with_replan(config: PlanConfig, week: Week, pin: Path | None, pin_days: str | None) -> PlanConfig:
    """The config with a published roster to re-plan from (``--pin``), or unchanged."""
    if pin is None:
        if pin_days:
            raise InputError("--pin-days needs --pin ROSTER.csv")
        return config
    return replace(config, replan=load_replan(pin, config, week, parse_pin_days(pin_days, week)))


def offered_contacts(config: PlanConfig, forecast: pd.DataFrame) -> pd.DataFrame:
    """``forecast`` (requirements' rows) with a bot queue's contacts scaled back from the escalations requirements
    hold to what customers offer (÷ (1 - containment)), so ``forecast.csv`` means the same as ``wfm plan``'s and
    ``wfm simulate`` applies the bot once. Escalations outside the queue's hours are not in requirements rows and
    stay missing."""
    for queue in config.queues:
        if queue.bot is not None:
            rows = (forecast["queue"] == queue.queue_id).to_numpy()
            forecast.loc[rows, "contacts"] = forecast.loc[rows, "contacts"] / (1.0 - queue.bot.containment)
    return forecast


REQUIREMENTS_NEEDED = ("interval_start", "queue", "contacts", "aht_seconds", "agents_required")


def _read_table(path: Path, what: str, needed: tuple[str, ...]) -> pd.DataFrame:
    """A CSV the planner hands in (queue ids as text), with the ``needed`` columns; errors name the file."""
    regular_file(path, what)
    try:
        frame = pd.read_csv(path, dtype={"queue": str})
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: not a readable CSV ({error_summary(exc)})") from None
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(f"{path.name}: missing column(s) {', '.join(missing)}")
    return frame


def read_requirements(path: Path, config: PlanConfig) -> pd.DataFrame:
    """A requirements CSV checked against the config; errors name the file, row and column."""
    frame = _read_table(path, "requirements file", REQUIREMENTS_NEEDED)
    if frame.empty:
        raise InputError(f"{path.name}: no rows")
    times = parse_times(frame["interval_start"])
    queues = {q.queue_id for q in config.queues}
    agents = pd.to_numeric(frame["agents_required"], errors="coerce")
    for column, bad in (
        ("interval_start", times.isna() | (times.dt.minute % config.interval_minutes != 0)),
        ("queue", ~frame["queue"].isin(queues)),
        ("agents_required", ~((agents >= 0) & (agents <= MAX_AGENTS)) | (agents != agents.round())),
        ("contacts", ~_in_range(frame["contacts"], MAX_CONTACTS)),
        ("aht_seconds", ~_in_range(frame["aht_seconds"], MAX_AHT_SECONDS)),
    ):
        if bad.any():
            index = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"{path.name} row {index + 2}, column {column}: bad value "
                             f"{excerpt(frame[column].iloc[index])}{_RANGES.get(column, '')}")
    frame["interval_start"] = times
    frame["agents_required"] = agents.astype(np.int64)
    duplicated = frame.duplicated(["interval_start", "queue"])
    if duplicated.any():
        raise InputError(f"{path.name} row {int(np.flatnonzero(duplicated.to_numpy())[0]) + 2}: "
                         "interval and queue given twice")
    return frame.sort_values(["queue", "interval_start"]).reset_index(drop=True)


# What each checked column of a requirements or forecast CSV must hold, for the error message.
_RANGES = {
    "interval_start": " (an ISO 8601 time between 1900 and 2199 on the interval grid)",
    "agents_required": f" (a whole number in [0, {MAX_AGENTS:,}])",
    "contacts": f" (a number in [0, {MAX_CONTACTS:g}])",
    "aht_seconds": f" (a number in [0, {MAX_AHT_SECONDS:g}])",
}


def _in_range(values: pd.Series, high: float) -> pd.Series:
    """True where the text is a number in [0, high] (NaN and text are out)."""
    numbers = pd.to_numeric(values, errors="coerce")
    return (numbers >= 0) & (numbers <= high)


def parse_times(values: pd.Series) -> pd.Series:
    """ISO 8601 local times; NaT where unparsable or outside the documented range (forecasting.ranges)."""
    times = pd.to_datetime(values.astype(str), errors="coerce", format="ISO8601")
    return times.mask(outside_timestamp_range(times))


FORECAST_NEEDED = ("interval_start", "queue", "contacts")


def read_forecast(path: Path, config: PlanConfig) -> pd.DataFrame:
    """A forecast CSV for ``wfm staff`` (``interval_start, queue, contacts`` and optionally ``aht_seconds``,
    blank = the queue's ``default_aht_seconds``), checked against the config; errors name the file, row and
    column."""
    frame = _read_table(path, "forecast file", FORECAST_NEEDED)
    by_queue = {q.queue_id: q.default_aht_seconds for q in config.queues}
    if "aht_seconds" not in frame:
        frame["aht_seconds"] = np.nan
    times = parse_times(frame["interval_start"])
    aht = pd.to_numeric(frame["aht_seconds"], errors="coerce")
    for column, bad in (
        ("interval_start", times.isna()),
        ("queue", ~frame["queue"].isin(by_queue)),
        ("contacts", ~_in_range(frame["contacts"], MAX_CONTACTS)),
        ("aht_seconds", (frame["aht_seconds"].notna() & aht.isna()) | ~(aht.isna() | _in_range(aht, MAX_AHT_SECONDS))),
    ):
        if bad.any():
            index = int(np.flatnonzero(bad.to_numpy())[0])
            known = "" if column != "queue" else f" (not a queue of {config.source.name})"
            raise InputError(f"{path.name} row {index + 2}, column {column}: bad value "
                             f"{excerpt(frame[column].iloc[index])}{known or _RANGES.get(column, '')}")
    frame["interval_start"] = times
    frame["contacts"] = pd.to_numeric(frame["contacts"])
    frame["aht_seconds"] = aht.fillna(frame["queue"].map(by_queue))
    return frame


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def schedule_and_publish(config: PlanConfig, week: Week, forecast: pd.DataFrame, required: pd.DataFrame,
                         out_dir: Path, *, history: History | None, stage: _Stages,
                         time_limit_seconds: float | None, seed: int | None, workers: int | None,
                         progress: TextIO | None, stop: Stop | None = None, previous: Path | None = None,
                         notes: Sequence[str] = (), past: Sequence[PastShift] = ()) -> PlanResult:
    """Roster against the requirements, validate independently, and publish every output atomically. ``stop``
    (an interrupt, a wall-clock cap) ends the search early; the best roster found is published as usual.
    ``previous``: the roster before the week (a re-plan's, whose carry-in ``config`` holds), for the validator's
    seam; ``notes``: warning lines already found (its reading); ``past``: its shifts, whose Sunday nights' heads on
    the week's Monday morning are fixed cover (``carried_cover``, as the horizon counts them; not in the weekly
    service-level mode, whose curves are the requirement)."""
    targets = queue_targets(config)
    array = requirement_array(config, week, required)
    stage("staffing", f"{array.sum() * config.interval_minutes / 60:,.1f} required agent-hours")
    carried = None if config.weights.service_level == "weekly" else carried_heads(config, week, array, past)
    warnings = [*notes, *implausible_input(config, week, required, array, carried_in=previous is not None,
                                           carried=carried),
                *unreachable_deadlines(config, week, required).values(), *history_warnings(config, history)]
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr, flush=True)
    # the weekly mode's instance keeps deferred queues on their fixed work plan; otherwise they are covered
    # cumulatively against their deadlines (``rules.deadline_cover``)
    instance = weekly_instance(config, week, required, targets, stage) or Instance(
        config, week, net_requirements(array, carried), deadline_queues(config, week, required))
    conflicts = explain_conflicts(config, week) + break_cap_conflicts(config, week) + backlog_shortfalls(
        config, week, array) + floor_rules.reachable_conflicts(config, week) + weekly_service_level.unreachable(
        instance)
    if conflicts:
        more = f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
        raise InfeasibleError(conflicts[0] + more)
    schedule = solve_roster(instance, time_limit_seconds=time_limit_seconds, seed=seed,
                            workers=workers, progress=progress, stop=stop)
    cut = "" if schedule.stats.budget_completed else f", stopped early by {schedule.stats.stopped_by}"
    stage("schedule", f"{len(schedule.roster.shifts)} shifts, status {schedule.stats.status}, "
                      f"gap {schedule.stats.gap:.2%}{cut}")
    for cost in schedule.costs:
        if cost.penalty:
            stage("penalty", f"{cost.rule:<15} {cost.amount:>10,.2f} {cost.unit:<18} x {cost.weight:>5} = "
                             f"{cost.penalty:>12,.1f}")
    for line in skill_shortage_warnings(instance, schedule.roster).values():  # a short queue its agents cannot cover
        print(f"warning: {line}", file=sys.stderr, flush=True)
        warnings.append(line)

    with StagedOutput(out_dir) as staged:
        roster_path = staged.write_text("roster.csv", roster_csv(schedule.roster))
        violations = (validate_horizon(config, read_roster(roster_path), week.start, 1, previous)
                      # a re-plan with horizon keys, or of a week after --previous
                      if previous is not None or config.contracts != without_horizon(config).contracts
                      else validate_roster(config, read_roster(roster_path), week.start))
        stage("validate", f"{len(violations)} hard-rule violation(s)")
        cover = coverage(config, week, schedule.roster, required, array, targets, carried)
        planned = deadline_cover.planned_rows(instance, on_floor_by_skills(config, week, schedule.roster))
        heads = blended_heads(config, week, schedule.roster, planned, required)
        cover, deferred = deferred_cover(config, week, cover, required, heads)
        cover = cumulative_rows(config, week, cover, instance.deadlines, heads)  # rows against what is due
        extras = service_outputs(config, week, forecast, schedule.roster, net_requirements(array, carried), cover,
                                 reaching(week, past) if carried is not None else ())
        stage("predict", f"simulated service level {extras.predicted.overall:.1%} "
                         f"({extras.predicted.replications} replications); surplus {extras.surplus.agent_hours:,.1f} "
                         f"agent-h, {extras.surplus.block_hours:,.1f} h in blocks of 1 h or more")
        kpis = replace(plan_kpis(config, week, schedule.roster, cover, schedule, violations, tuple(warnings), deferred),
                       predicted_service_level=extras.predicted, surplus=extras.surplus)
        if instance.service_curves is not None:  # the weekly mode: each queue's week against its target
            # the scoring's allocation as a certificate the validator checks and counts with its own code
            allocation = weekly_service_level.week_allocation(instance.service_curves, config,
                                                              on_floor_by_skills(config, week, schedule.roster))
            levels = weekly_levels(config, week, schedule.roster, required, targets, allocation)
            weekly = weekly_target_kpis(config, week, schedule.roster, required, targets, levels)
            kpis = with_weekly_levels(replace(kpis, weekly_target=weekly), weekly, required)
            missed = missed_weekly_targets(weekly)  # a roster short of a target is published saying so
            for line in missed:
                print(f"warning: {line}", file=sys.stderr, flush=True)
            kpis = replace(kpis, warnings=kpis.warnings + tuple(missed))
            extras = replace(extras, coverage=weekly_coverage(extras.coverage, week, levels))
            stage("weekly", "weekly service level " + ", ".join(
                f"{q} {v:.1%} (target {weekly.target[q]:.0%})" for q, v in weekly.by_queue.items()))
        staged.write_text("forecast.csv", frame_csv(forecast, 4))
        staged.write_text("requirements.csv", frame_csv(required, 4))
        staged.write_text("coverage.csv", frame_csv(extras.coverage, 4))
        staged.write_text(SURPLUS_FILE, extras.surplus_csv)
        staged.write_text(KPI_FILE, kpis.to_json())
        if deferred:  # deferred queues: their backlog through the week under this roster
            staged.write_text(BACKLOG_FILE, frame_csv(backlog_frame(week, deferred), 4))
        if config.replan is not None:  # what a re-plan changed against the published roster
            staged.write_text(CHANGES_FILE, changes_csv(changed_days(config, week, schedule.roster)))
        staged.write_text(REPORT_FILE, build_report(staged.staging, plan_config=config, history=history))
        write_exports(staged.staging, [a.agent_id for a in config.agents], config.timezone, week.start,
                      plan_config=config)
        if (rejected := publish_or_keep(staged, out_dir, kpis, violations, stage)) is not None:
            return rejected
    stage("done", f"service level {kpis.service_level.overall:.1%}, understaffed "
                  f"{kpis.understaffed_agent_hours:.1f} h, paid {kpis.paid_hours:.1f} h -> {out_dir}")
    return PlanResult(out_dir, kpis, tuple(violations))
