"""The ``wfm`` command: a thin shell over the library. Each command parses its options, calls one library
function, and turns a ``WfmError`` into one line on stderr and its exit code (2 bad input, 3 infeasible,
1 a failed gate or validation)."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from forecasting.service import MODEL_NAMES
from scheduler import __version__
from scheduler.errors import WfmError
from scheduler.rostering.stopping import INTERRUPT, Stop, on_signals


def _one_line_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except WfmError as error:
            # One line, whatever the message holds (a YAML or CSV reader's text may span several).
            click.echo(f"error: {' '.join(str(error).splitlines())}", err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
    return wrapper


def _solve_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The solver and re-plan options shared by ``plan`` and ``schedule``."""
    for option in reversed((
        click.option("--time-limit", "time_limit", type=float, default=None, help="Solver budget in seconds."),
        click.option("--wall-limit", "wall_limit", type=float, default=None,
                     help="Hard wall-clock cap on the solve in seconds (default: the time limit)."),
        click.option("--seed", type=int, default=None, help="Solver seed (default: solver.seed in the config)."),
        click.option("--workers", type=int, default=None, help="Solver threads when not in deterministic mode."),
        click.option("--quiet", is_flag=True, help="No progress lines."),
        click.option("--pin", type=click.Path(path_type=Path), default=None,
                     help="Published roster.csv to re-plan from: keeps its pinned days, changes little elsewhere."),
        click.option("--pin-days", default=None, metavar="DAYS",
                     help="Days kept exactly, e.g. mon,tue or 2026-03-30 (default with --pin: all seven)."),
        click.option("--weeks", "weeks", type=int, default=None,
                     help="Consecutive weeks to plan, 1-6 (default: forecast.weeks in the config, else 1)."),
        click.option("--previous", type=click.Path(path_type=Path), default=None,
                     help="Published roster.csv just before the plan: its last days count for rest and "
                          "consecutive days at the start."),
    )):
        command = option(command)
    return command


@click.group()
@click.version_option(__version__, prog_name="wfm")
def main() -> None:
    """Workforce management for contact centres: forecast, Erlang staffing, CP-SAT rosters, checks."""


@main.command()
@click.option("--agents", default=60, show_default=True, type=int, help="Number of agents.")
@click.option("--queues", default=3, show_default=True, type=int,
              help="Number of queues, 1-50 (voice and one chat; beyond 6, more voice lines).")
@click.option("--weeks", default=12, show_default=True, type=int, help="Weeks of 15-minute history.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed; same seed, same files.")
@click.option("--time-limit", "time_limit", type=float, default=None, help="Solver seconds written to plan.yaml.")
@click.option("--channels", default=None,
              help="One channel per queue, e.g. voice,voice,chat,email,social (voice, chat, email, social, "
                   "backoffice); replaces --queues.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder to write.")
@click.option("--levels", is_flag=True, default=False,
              help="Agent levels (junior to lead), skill proficiencies and a lead on the floor whenever open.")
@_one_line_errors
def example(agents: int, queues: int, weeks: int, seed: int, time_limit: float | None, channels: str | None,
            out_dir: Path,
            levels: bool) -> None:
    """Generate a realistic example centre: history.csv, agents.csv and plan.yaml."""
    from scheduler.demo.channels import parse_channels
    from scheduler.demo.example import generate_example

    path = generate_example(out_dir, agents=agents, queues=queues, weeks=weeks, seed=seed,
                            time_limit_seconds=time_limit,
                            channels=None if channels is None else parse_channels(channels),
                            levels=levels)
    click.echo(f"wrote {path.parent}/history.csv, agents.csv, plan.yaml")


@main.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder.")
@_solve_options
@_one_line_errors
def plan(config: Path, out_dir: Path, time_limit: float | None, wall_limit: float | None, seed: int | None,
         workers: int | None, quiet: bool, pin: Path | None, pin_days: str | None, weeks: int | None,
         previous: Path | None) -> None:
    """Run the weekly job: forecast, staff, roster, validate; write forecast.csv, requirements.csv, roster.csv,
    coverage.csv, kpis.json, report.html, roster.xlsx, calendars/AGENT.ics and surplus.csv to OUT."""
    from scheduler.app.pipeline import run_plan
    from scheduler.io.config import check_solver_options, load_config
    from scheduler.io.outputs import check_out_dir

    check_solver_options(time_limit, seed, workers, wall_limit)
    check_out_dir(out_dir)
    plan_config = load_config(config)  # once: the progress bar's budget and the plan read the same config
    progress: Any = None if quiet else sys.stderr
    bar = None
    if progress is not None and sys.stderr.isatty():
        from scheduler.app.progress import SolveProgress

        budget = time_limit if time_limit is not None else plan_config.solver.time_limit_seconds
        bar = progress = SolveProgress(sys.stderr, budget)
    stop = Stop(wall_limit)
    try:
        with on_signals(stop):
            result = run_plan(plan_config, out_dir, time_limit_seconds=time_limit, seed=seed, workers=workers,
                              progress=progress, pin=pin, pin_days=pin_days, stop=stop, weeks=weeks,
                              previous=previous)
    finally:
        if bar is not None:
            bar.close()
    _exit_for(result)


def _exit_for(result: Any) -> None:
    """Exit 1 for a roster with hard-rule violations (kept beside DIR, not published), 130 for one published
    after an interrupt."""
    _exit_on_violations(result)
    if result.kpis.solver.stopped_by == INTERRUPT:
        click.echo(f"interrupted: the best roster found so far is in {result.out_dir}", err=True)
        sys.exit(130)


@main.command()
@click.argument("scenarios", metavar="SCENARIOS.yaml", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--executor", default="local", show_default=True, metavar="local|ray",
              help="local: worker processes on this machine; ray: one Ray task per plan.")
@click.option("--ray-address", default=None, metavar="ADDR",
              help="Existing Ray cluster to use (default: start a local Ray instance).")
@click.option("--workers", type=int, default=None,
              help="Plans at once (default: local, the CPU count; ray, the cluster's CPUs).")
@click.option("--time-limit", "time_limit", type=float, default=None, help="Solver budget of every plan, seconds.")
@click.option("--wall-limit", "wall_limit", type=float, default=None,
              help="Hard wall-clock cap on each plan's solve (default: 4 x the time limit + 60 s).")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@_one_line_errors
def sweep(scenarios: Path, out_dir: Path, executor: str, ray_address: str | None, workers: int | None,
          time_limit: float | None, wall_limit: float | None, quiet: bool) -> None:
    """Plan every scenario (what-if, headcount search, site) of SCENARIOS.yaml: DIR/<id>/ holds each plan
    folder, DIR/summary.csv and DIR/summary.html compare them. Exit 1 when a scenario has no plan."""
    from scheduler.sweep import run_sweep

    try:
        result = run_sweep(scenarios, out_dir, executor=executor, workers=workers, ray_address=ray_address,
                           time_limit_seconds=time_limit, wall_limit_seconds=wall_limit,
                           progress=None if quiet else sys.stderr)
    except KeyboardInterrupt:
        click.echo(f"interrupted: the workers were stopped; finished scenarios are in {out_dir}, no summary "
                   "was written", err=True)
        sys.exit(130)
    click.echo(f"wrote {out_dir}/summary.csv and summary.html ({len(result.rows)} scenario(s))")
    if result.failed:
        listed = ", ".join(f"{row.key} ({row.status})" for row in result.failed[:5])
        more = f" and {len(result.failed) - 5} more" if len(result.failed) > 5 else ""
        click.echo(f"error: {len(result.failed)} of {len(result.rows)} scenario(s) have no plan: {listed}{more} "
                   "(see summary.csv)", err=True)
        sys.exit(1)


@main.command()
@click.argument("plan_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Plan YAML (default: the config path recorded in DIR/kpis.json).")
@_one_line_errors
def report(plan_dir: Path, config_path: Path | None) -> None:
    """Rebuild DIR/report.html (one offline HTML page: KPIs, coverage, service level, forecast, Gantt,
    penalties) from the files of a plan folder."""
    from scheduler.report import write_report

    path = write_report(plan_dir, config_path)
    click.echo(f"wrote {path} ({path.stat().st_size:,} bytes)")


@main.command()
@click.argument("plan_dir", metavar="PLAN_DIR", type=click.Path(path_type=Path))
@click.option("--reps", default=30, show_default=True, type=int, help="Replications of the week.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed; same seed, same figures.")
@click.option("--routing", default="longest-waiting", show_default=True,
              help="longest-waiting or skill-order: which waiting contact a free agent takes.")
@click.option("--absence", default="plan", show_default=True,
              help="Share of shifts absent as a whole: plan (the plan's shrinkage), none, or a number in [0, 1).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option("--intervals", "intervals_file", type=click.Path(path_type=Path), default=None,
              help="Write the per-interval results (beside the plan's predictions) to this CSV.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Plan YAML (default: the config path recorded in PLAN_DIR/kpis.json).")
@click.option("--week", "week_number", type=int, default=None,
              help="Which week of a plan of several weeks (wfm plan --weeks N) to simulate, 1 to N (default 1).")
@_one_line_errors
def simulate(plan_dir: Path, reps: int, seed: int, routing: str, absence: str, as_json: bool,
             intervals_file: Path | None, config_path: Path | None, week_number: int | None) -> None:
    """Simulate the published roster of a plan folder against its forecast (agent-level discrete events):
    service level, ASA, abandonment and occupancy per queue, with 95% confidence intervals."""
    from scheduler.io.outputs import StagedOutput, check_out_file
    from scheduler.simulation import check_replications
    from scheduler.simulation import simulate as run
    from scheduler.simulation.model import check_routing
    from scheduler.simulation.plan_folder import folder_weeks, load_plan_folder, plan_prediction
    from scheduler.simulation.report import intervals_csv, result_json, result_table

    check_replications(reps)
    check_routing(routing)
    if intervals_file is not None:
        check_out_file(intervals_file, "--intervals")
    config, inp = load_plan_folder(plan_dir, config_path, week_number)
    result = run(inp, reps=reps, seed=seed, routing=routing, absence=absence)
    if intervals_file is not None:
        _write_one(intervals_file, intervals_csv(result, plan_dir), StagedOutput)
    # kpis.json's prediction is the whole plan's: beside one week of several it would mislead
    predicted = plan_prediction(plan_dir) if folder_weeks(plan_dir, config) == 1 else None
    click.echo(result_json(result) if as_json else result_table(result, predicted), nl=False)


@main.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--requirements", "requirements_path", required=True, type=click.Path(path_type=Path),
              help="Requirements CSV (interval_start, queue, contacts, aht_seconds, agents_required).")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder.")
@_solve_options
@_one_line_errors
def schedule(config: Path, requirements_path: Path, out_dir: Path, time_limit: float | None,
             wall_limit: float | None, seed: int | None, workers: int | None, quiet: bool, pin: Path | None,
             pin_days: str | None, weeks: int | None, previous: Path | None) -> None:
    """Rostering alone: roster CONFIG's agents against a requirements CSV; writes the same files as plan."""
    from scheduler.app.pipeline import run_schedule
    from scheduler.io.config import check_solver_options

    check_solver_options(time_limit, seed, workers, wall_limit)
    stop = Stop(wall_limit)
    with on_signals(stop):
        result = run_schedule(config, requirements_path, out_dir, time_limit_seconds=time_limit, seed=seed,
                              workers=workers, progress=None if quiet else sys.stderr, pin=pin, pin_days=pin_days,
                              stop=stop, weeks=weeks, previous=previous)
    _exit_for(result)


@main.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.argument("roster", type=click.Path(path_type=Path))
@click.option("--week-start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Monday of the week (default: from the config, else the roster's first Monday).")
@click.option("--weeks", "weeks", type=int, default=None,
              help="Weeks the roster covers, 1-6 (default: forecast.weeks in the config).")
@click.option("--previous", type=click.Path(path_type=Path), default=None,
              help="The published roster.csv before it: the seam is checked too.")
@_one_line_errors
def validate(config: Path, roster: Path, week_start: Any, weeks: int | None, previous: Path | None) -> None:
    """Check every hard rule of ROSTER against CONFIG, independently of the solver. Exit 1 on any violation."""
    from scheduler.app.horizon import without_horizon
    from scheduler.io.config import load_config
    from scheduler.io.horizon_config import check_weeks_option
    from scheduler.validation.horizon import horizon_start, validate_horizon
    from scheduler.validation.validate import format_violations, read_roster, validate_roster

    check_weeks_option(weeks)
    plan_config = load_config(config)
    frame = read_roster(roster)
    start: date | None = _day_option(week_start, "--week-start") if week_start else None
    horizon = plan_config.weeks if weeks is None else weeks
    if horizon > 1 or previous is not None or plan_config.contracts != without_horizon(plan_config).contracts:
        violations = validate_horizon(plan_config, frame, horizon_start(plan_config, frame, start), horizon,
                                      previous)
    else:
        violations = validate_roster(plan_config, frame, start)
    click.echo(format_violations(violations, roster=frame))
    sys.exit(1 if violations else 0)


@main.command()
@click.argument("kpis", type=click.Path(path_type=Path))
@click.option("--baseline", required=True, type=click.Path(path_type=Path), help="Baseline kpis.json.")
@click.option("--tolerance", "tolerances", multiple=True, metavar="KEY=VALUE",
              help="service_level=0.005 (absolute drop), understaffing=0.05 (relative growth), gap=..., "
                   "paid_hours=...; repeatable.")
@_one_line_errors
def check(kpis: Path, baseline: Path, tolerances: tuple[str, ...]) -> None:
    """CI quality gate: exit 1 with a table when KPIS regress against BASELINE beyond tolerance."""
    from scheduler.validation.check import Tolerances, parse_tolerances, run_check

    passed, report = run_check(kpis, baseline, parse_tolerances(tolerances, Tolerances()))
    click.echo(report)
    sys.exit(0 if passed else 1)


@main.command()
@click.argument("history", type=click.Path(path_type=Path))
@click.option("--start", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="First day to forecast.")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 366), help="Days to forecast.")
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path), help="Forecast CSV to write.")
@click.option("--model", default="smoothed_profile", show_default=True,
              type=click.Choice(list(MODEL_NAMES)),
              help="Forecast model; auto picks per queue by back-test WAPE over the last 4 weeks.")
@click.option("--holidays", "holiday_country", default="auto", show_default=True, metavar="CODE|auto|none",
              help="Country code (US, GB, IE, CN, ...): public holidays left out of fitting, forecast closed or "
                   "scaled by the queue's past holidays; auto: the country whose holidays match the history's "
                   "closed, quiet or busy days, if one clearly does; none: no calendar.")
@click.option("--special-days", "special_days_file", default=None, type=click.Path(path_type=Path),
              help="CSV date,effect; effect 'closed' or a multiplier like 0.6.")
@click.option("--events", "events_file", default=None, type=click.Path(path_type=Path),
              help="YAML file with events: (named dates, a window, an optional multiplier); effects learned.")
@click.option("--interval", "interval_minutes", default=None, type=int, metavar="MIN",
              help="Output interval in minutes, a multiple of the history's (default: the history's).")
@click.option("--quantiles", default="", metavar="Q,Q", help="Prediction quantiles, e.g. 0.1,0.9 (contacts_p10, ...).")
@click.option("--history-weeks", default=None, type=click.IntRange(1, 104),
              help="Weeks of history for --model weekly_profile (default 8).")
@_one_line_errors
def forecast(history: Path, start: Any, days: int, out_file: Path, model: str, holiday_country: str | None,
             special_days_file: Path | None, events_file: Path | None, interval_minutes: int | None,
             quantiles: str, history_weeks: int | None) -> None:
    """Interval forecast of contacts (and AHT where history has it) per queue."""
    from forecasting.calendar import load_special_days
    from forecasting.events import load_events
    from forecasting.history import load_history
    from forecasting.service import DETECT_HOLIDAYS, choose_holidays, forecast_history
    from scheduler.errors import InputError
    from scheduler.io.outputs import StagedOutput, frame_csv

    try:
        levels = [float(text) for text in quantiles.split(",") if text.strip()]
    except ValueError:
        raise InputError(f"--quantiles must be numbers separated by commas, like 0.1,0.9, got {quantiles!r}") from None
    special = load_special_days(special_days_file) if special_days_file is not None else None
    events = load_events(events_file) if events_file is not None else ()
    first_day = _day_option(start, "--start")
    loaded = load_history(history)
    choice = choose_holidays(loaded, holiday_country)
    frame = forecast_history(loaded, first_day, days, model=model, holiday_country=choice.country or "none",
                             special_days=special, interval_minutes=interval_minutes, quantiles=levels,
                             history_weeks=history_weeks, events=events)
    _write_one(out_file, frame_csv(frame, 4), StagedOutput)
    if choice.requested == DETECT_HOLIDAYS:
        click.echo(choice.describe(), err=True)
    click.echo(f"wrote {out_file} ({len(frame):,} rows)")


@main.command()
@click.argument("history", type=click.Path(path_type=Path))
@click.option("--weeks", default=8, show_default=True, type=click.IntRange(1, 104), help="Weekly origins to test.")
@click.option("--holidays", "holiday_country", default="auto", show_default=True, metavar="CODE|auto|none",
              help="Country code of public holidays; auto: detected from the history; none: no calendar.")
@click.option("--events", "events_file", default=None, type=click.Path(path_type=Path),
              help="YAML file with events: (named dates, a window, an optional multiplier).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of the table.")
@_one_line_errors
def backtest(history: Path, weeks: int, holiday_country: str | None, events_file: Path | None, as_json: bool) -> None:
    """Rolling weekly back-test: interval WAPE, daily-total WAPE, WAPE on holiday/event days and on the
    others, MASE and bias per model and queue; * marks the automatic choice."""
    import json

    from forecasting.backtest import format_table
    from forecasting.events import load_events
    from forecasting.history import load_history
    from forecasting.service import DETECT_HOLIDAYS, backtest_history, choose_holidays

    events = load_events(events_file) if events_file is not None else ()
    loaded = load_history(history)
    choice = choose_holidays(loaded, holiday_country)
    result = backtest_history(loaded, weeks, choice.country or "none", events=events)
    if choice.requested == DETECT_HOLIDAYS:
        click.echo(choice.describe(), err=True)
    if as_json:
        click.echo(json.dumps(result.to_json_dict()))
    else:
        click.echo(format_table(result))


@main.command()
@click.argument("forecast_file", metavar="FORECAST", type=click.Path(path_type=Path))
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path), help="Plan YAML (queues).")
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path), help="Requirements CSV to write.")
@_one_line_errors
def staff(forecast_file: Path, config_path: Path, out_file: Path) -> None:
    """Erlang C requirements per queue and interval for a forecast CSV (deferred queues: the backlog model)."""
    from scheduler.app.channels import plan_requirements
    from scheduler.app.pipeline import queue_targets, read_forecast
    from scheduler.io.config import load_config
    from scheduler.io.outputs import StagedOutput, check_out_file, frame_csv

    check_out_file(out_file)
    config = load_config(config_path)
    frame = read_forecast(forecast_file, config)
    targets = queue_targets(config)
    _write_one(out_file, frame_csv(plan_requirements(config, frame, targets), 4), StagedOutput)
    click.echo(f"wrote {out_file}")


_PERIOD_UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600}


def _period_seconds(text: str) -> float:
    """``15min``, ``30min``, ``1h``, ``1800s`` (or a bare number of seconds) -> seconds."""
    from forecasting.queueing.limits import MAX_PERIOD_SECONDS, MIN_PERIOD_SECONDS
    from scheduler.errors import InputError

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)?\s*", text.lower())
    if not match:
        raise InputError(f"--period must look like 15min, 30min, 1h or 1800s, got {text!r}")
    seconds = float(match.group(1)) * _PERIOD_UNITS[match.group(2) or "s"]
    if not MIN_PERIOD_SECONDS <= seconds <= MAX_PERIOD_SECONDS:
        raise InputError(f"--period must be between {MIN_PERIOD_SECONDS:g} s and {MAX_PERIOD_SECONDS:g} s (one day), "
                         f"got {text!r}")
    return seconds


def _target(text: str) -> tuple[float, float]:
    """``80/20`` -> (0.8, 20.0): percent answered within that many seconds."""
    from scheduler.errors import InputError

    match = re.fullmatch(r"\s*([-+]?\d+(?:\.\d+)?)\s*/\s*([-+]?\d+(?:\.\d+)?)\s*", text)
    if not match:
        raise InputError(f"--target must look like 80/20 (percent / seconds), got {text!r}")
    level, seconds = float(match.group(1)) / 100.0, float(match.group(2))
    if not 0 < level <= 1:
        raise InputError(f"--target service level must be in (0, 100] percent, got {match.group(1)}")
    if seconds < 0:
        raise InputError(f"--target answer time must be >= 0 seconds, got {match.group(2)}")
    return level, seconds


@main.command()
@click.option("--contacts", required=True, type=float, help="Contacts arriving in the period.")
@click.option("--period", "period", default="30min", show_default=True, help="Period: 15min, 30min, 1h, 1800s.")
@click.option("--aht", "aht_seconds", required=True, type=float, help="Average handle time, seconds.")
@click.option("--target", "target", default="80/20", show_default=True,
              help="Service level: percent answered / within seconds.")
@click.option("--patience", "patience_seconds", type=float, default=None,
              help="Mean patience, seconds: use Erlang A (abandonment) instead of Erlang C.")
@click.option("--max-occupancy", "max_occupancy", type=float, default=None, help="Occupancy cap in (0, 1].")
@click.option("--shrinkage", type=float, default=0.0, show_default=True, help="Shrinkage in [0, 1).")
@click.option("--concurrency", type=int, default=1, show_default=True, help="Contacts per agent at once (chat).")
@click.option("--json", "as_json", is_flag=True, help="Print the recommendation as one JSON object.")
@_one_line_errors
def erlang(contacts: float, period: str, aht_seconds: float, target: str, patience_seconds: float | None,
           max_occupancy: float | None, shrinkage: float, concurrency: int, as_json: bool) -> None:
    """Agents needed for one interval (Erlang C, or Erlang A with --patience), with neighbouring head counts."""
    import json

    from forecasting.queueing.erlang_a import recommend

    level, answer_seconds = _target(target)
    result = recommend(contacts, _period_seconds(period), aht_seconds, level, answer_seconds,
                       patience_seconds=patience_seconds, max_occupancy=max_occupancy, shrinkage=shrinkage,
                       concurrency=concurrency)
    best = result.recommended
    if as_json:
        out: dict[str, Any] = {"agents": result.agents, "service_level": best.service_level,
                               "wait_probability": best.wait_probability, "asa_seconds": best.asa_seconds,
                               "occupancy": best.occupancy, "agents_with_shrinkage": result.agents_with_shrinkage}
        if best.abandon_probability is not None:
            out["abandon_probability"] = best.abandon_probability
        click.echo(json.dumps(out))
        return
    head = ["agents", "service level", "ASA s", "occupancy", "P(wait)"]
    if patience_seconds is not None:
        head.append("abandoned")
    lines = [head]
    for row in result.rows:
        cells = [f"{row.agents}{' *' if row.agents == result.agents else '  '}", f"{row.service_level:.1%}",
                 f"{row.asa_seconds:.1f}", f"{row.occupancy:.1%}", f"{row.wait_probability:.1%}"]
        if row.abandon_probability is not None:
            cells.append(f"{row.abandon_probability:.2%}")
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    click.echo(f"{result.model.replace('_', ' ').title()}: load {result.load_erlangs:.2f} Erlangs")
    for line in lines:
        click.echo("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
    click.echo(f"recommended: {result.agents} agents ({result.agents_with_shrinkage} with shrinkage)")


def _day_option(value: Any, option: str) -> date:
    """A ``click.DateTime`` option's date, refused outside the documented range (forecasting.ranges)."""
    from forecasting.ranges import TIMESTAMP_RANGE_TEXT, date_in_range
    from scheduler.errors import InputError

    if not date_in_range(value.date()):
        raise InputError(f"{option} must be {TIMESTAMP_RANGE_TEXT}, got {value.date()}")
    return value.date()


def _exit_on_violations(result: Any) -> None:
    """Exit 1 when the roster broke hard rules: it was kept beside the output folder, not published."""
    if result.violations:
        click.echo(f"error: roster has {len(result.violations)} hard-rule violation(s); not published: "
                   f"{result.out_dir} is unchanged and the result is kept in {result.rejected_dir} "
                   f"(see wfm validate)", err=True)
        sys.exit(1)


def _write_one(out_file: Path, text: str, staged_type: Any) -> None:
    """Write one file atomically (staged beside it, then moved in)."""
    import os

    from scheduler.io.outputs import check_out_file

    check_out_file(out_file)
    staged = staged_type(out_file.parent / f"{out_file.name}.d")
    try:
        written = staged.write_text(out_file.name, text)
        os.replace(written, out_file)
    finally:
        staged.discard()


if __name__ == "__main__":
    main()
