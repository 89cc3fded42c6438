"""A plan folder (what ``wfm plan`` publishes) read into a ``SimulationInput``: ``roster.csv`` (shifts, breaks,
lunches, activities), ``forecast.csv`` (contacts and AHT per queue and interval), ``kpis.json`` (the planned
week and the plan YAML's path) and the plan YAML itself (queues, agents' skills, shrinkage)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from forecasting.untrusted import excerpt, regular_file
from scheduler.domain.plan import PlanConfig
from scheduler.domain.week import Week
from scheduler.errors import InputError
from scheduler.io.config import load_config
from scheduler.io.exports import read_segments
from scheduler.simulation.model import SimulationInput, shifts_from_segments, simulation_input
from scheduler.validation.kpis import KPI_FILE, read_kpis_object

SIMULATION_FILES = (KPI_FILE, "roster.csv", "forecast.csv")


def plan_week(plan_dir: Path, config: PlanConfig) -> tuple[Week, dict[str, object]]:
    kpis = read_kpis_object(plan_dir / KPI_FILE, KPI_FILE)
    try:
        start = date.fromisoformat(str(kpis["week_start"]))
    except (KeyError, ValueError):
        raise InputError(f"{KPI_FILE}: week_start must be a date YYYY-MM-DD, got {excerpt(kpis.get('week_start'))}"
                         ) from None
    return Week(start, config.interval_minutes), kpis


def check_plan_folder(plan_dir: Path) -> None:
    if not plan_dir.is_dir():
        raise InputError(f"{plan_dir}: not a folder (give a wfm plan output folder)")
    for name in SIMULATION_FILES:
        if not (plan_dir / name).exists():
            raise InputError(f"{plan_dir}: no {name} (is this a wfm plan output folder?)")
        regular_file(plan_dir / name, name)


def load_plan_folder(plan_dir: Path, config_path: Path | None = None,
                     week_number: int | None = None) -> tuple[PlanConfig, SimulationInput]:
    """The plan config and the simulation input of a plan folder (config: ``config_path``, else the path
    recorded in kpis.json, followed on the same terms as ``wfm report``). Errors name the file and row. A folder
    of several planned weeks (``wfm plan --weeks N``) is simulated one week at a time: ``week_number`` (1-based,
    default 1; see ``planned_weeks``); a later week counts the folder's nights of the day before it on its floor
    from its Monday 00:00."""
    from scheduler.app.pipeline import read_forecast
    from scheduler.report.data import config_path_of

    check_plan_folder(plan_dir)
    kpis = read_kpis_object(plan_dir / KPI_FILE, KPI_FILE)
    config = load_config(config_path_of(plan_dir, kpis, config_path))
    first, _ = plan_week(plan_dir, config)
    forecast = read_forecast(plan_dir / "forecast.csv", config)
    segments = read_segments(plan_dir / "roster.csv")
    weeks = planned_weeks(first.start, forecast)
    number = 1 if week_number is None else week_number
    if not 1 <= number <= weeks:
        raise InputError(f"--week must be 1 to {weeks} (the plan folder's weeks from {first.start}), got {number}")
    week = Week(first.start + timedelta(days=7 * (number - 1)), config.interval_minutes)
    days = forecast["interval_start"].dt.normalize() - pd.Timestamp(week.start)
    forecast = forecast.loc[(days >= pd.Timedelta(0)) & (days < pd.Timedelta(days=7))].reset_index(drop=True)
    rows = []
    monday = datetime.combine(week.start, datetime.min.time())
    # the folder's nights of the day before the week that reach into it are on its floor (a Sunday night into Monday)
    reaching = {s.agent_id for s in segments if s.activity == "shift" and (s.day - week.start).days == -1
                and s.end > monday and s.day >= first.start}
    for segment in segments:
        day = (segment.day - week.start).days
        carried = day == -1 and segment.agent_id in reaching
        if not 0 <= day < 7 and not carried and 0 <= (segment.day - first.start).days < 7 * weeks:
            continue  # another of the folder's weeks
        rows.append((segment.agent_id, day, segment.activity, _minutes(segment.start, monday),
                     _minutes(segment.end, monday)))
    shifts = shifts_from_segments(config, week, rows, "roster.csv")
    return config, simulation_input(config, week, forecast, shifts, "forecast.csv")


def folder_weeks(plan_dir: Path, config: PlanConfig) -> int:
    """How many planned weeks a plan folder holds (``wfm plan --weeks N``)."""
    from scheduler.app.pipeline import read_forecast

    return planned_weeks(plan_week(plan_dir, config)[0].start, read_forecast(plan_dir / "forecast.csv", config))


def planned_weeks(start: date, forecast: pd.DataFrame) -> int:
    """How many weeks from ``start`` the plan folder's forecast spans (1 for a one-week plan; a roster row beyond
    them stays an error)."""
    if not len(forecast):
        return 1
    return max(1, (forecast["interval_start"].max().date() - start).days // 7 + 1)


def _minutes(moment: datetime, monday: datetime) -> int:
    return int((moment - monday).total_seconds() // 60)


def coverage_prediction(plan_dir: Path) -> pd.DataFrame | None:
    """``coverage.csv``'s ``interval_start, queue, service_level`` (the Erlang-per-queue prediction), if present."""
    path = plan_dir / "coverage.csv"
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path, dtype={"queue": str})
        frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    except (ValueError, KeyError, pd.errors.ParserError, UnicodeDecodeError):
        return None
    return frame


def plan_prediction(plan_dir: Path) -> dict[str, float] | None:
    """kpis.json's ``predicted_service_level`` per queue id and overall (key ``""``), when the folder has it."""
    from scheduler.validation.kpis import predicted_from

    predicted = predicted_from(read_kpis_object(plan_dir / KPI_FILE, KPI_FILE), KPI_FILE)
    return None if predicted is None else {**predicted.by_queue, "": predicted.overall}
