"""What the report shows, read from a plan folder's files (and the plan's config and history).

Everything here is plain typed data; ``scheduler.report.page`` turns it into HTML. Only files are read, so
``wfm report DIR`` rebuilds exactly the report that ``wfm plan`` wrote.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecasting.history import History, load_history
from forecasting.untrusted import error_summary, excerpt, regular_file
from scheduler.domain.plan import PlanConfig
from scheduler.errors import InputError
from scheduler.io.config import load_config
from scheduler.io.daily_totals import DailyTotal, daily_totals
from scheduler.io.exports import Segment, read_segments
from scheduler.io.roster_grid import AgentDay, AgentProfile, agent_days, agent_profiles
from scheduler.report.floor import FloorCheck, floor_checks
from scheduler.rostering.replan import CHANGES_COLUMNS, CHANGES_FILE
from scheduler.validation.kpis import KPI_FILE, is_number, read_kpis_object

PLAN_FILES = ("kpis.json", "coverage.csv", "forecast.csv", "roster.csv")
HISTORY_WEEKS_SHOWN = 3
CONFIG_KEY = "config"
# What the page reads from kpis.json (dotted paths), checked before rendering so a damaged or hostile
# results folder gives one line, not a traceback.
KPI_NUMBERS = ("service_level.overall", "understaffed_agent_hours", "overstaffed_agent_hours", "paid_hours",
               "cost")
KPI_OPTIONAL_NUMBERS = ("solver.gap", "solver.objective", "solver.best_bound", "hard_violations", "shifts")
KPI_NUMBER_MAPS = ("service_level.by_queue", "service_level_target", "worst_interval_service_level")
PENALTY_NUMBERS = ("amount", "weight", "penalty")
CSV_COLUMNS = {"coverage.csv": ("interval_start", "queue", "required", "scheduled", "service_level"),
               "forecast.csv": ("interval_start", "queue", "contacts")}


@dataclass(frozen=True)
class QueueSeries:
    """Per-slot arrays of one queue over the planned week (NaN where the queue is closed).

    ``history`` covers the ``HISTORY_WEEKS_SHOWN`` weeks before the planned week, slot by slot."""

    queue_id: str
    channel: str
    target: float
    required: np.ndarray
    scheduled: np.ndarray
    service_level: np.ndarray
    forecast: np.ndarray
    history: np.ndarray


@dataclass(frozen=True)
class AgentWeek:
    """One agent's roster rows; ``team`` and ``level`` are ``""`` where the agents CSV has none; ``days`` are the
    agent's shifts per date with their breaks, activities and paid minutes."""

    agent_id: str
    contract_id: str
    skills: tuple[str, ...]
    segments: tuple[Segment, ...]
    team: str = ""
    level: str = ""
    time_off: frozenset[date] = frozenset()
    days: tuple[AgentDay, ...] = ()


@dataclass(frozen=True)
class MarkedDay:
    """A date every time axis marks: ``kind`` ``holiday`` (a public holiday of the plan's calendar) or
    ``special`` (a planner's special day); ``label`` names it."""

    day: date
    kind: str
    label: str


@dataclass(frozen=True)
class ReportData:
    title: str
    week_start: date
    interval_minutes: int
    timezone: str
    kpis: dict[str, Any]
    queues: tuple[QueueSeries, ...]
    agents: tuple[AgentWeek, ...]
    understaffed: pd.DataFrame  # coverage rows with scheduled < required
    # a re-plan's changed agent-days (agent_id, date, before, after, change) from changes.csv; None: not a re-plan
    changes: tuple[tuple[str, str, str, str, str], ...] | None = None
    marked_days: tuple[MarkedDay, ...] = ()  # holidays and special days from 3 weeks before the week to its end
    daily: tuple[DailyTotal, ...] = ()  # per day: each queue, then the centre (scheduler.io.daily_totals)
    floor: tuple[FloorCheck, ...] = ()  # the floor and ratio rules' check per interval (``report.floor``)

    @property
    def slots_per_week(self) -> int:
        return 7 * 24 * 60 // self.interval_minutes


def config_path_of(plan_dir: Path, kpis: dict[str, Any], config: Path | None) -> Path:
    """``config`` when given, else the plan YAML recorded in kpis.json, followed only when it lies inside the
    current working folder or the plan folder: a results file from elsewhere must not make ``wfm report``
    read any file it names (pass ``--config`` to read one outside)."""
    if config is not None:
        return config
    where = plan_dir / "kpis.json"
    recorded = kpis.get(CONFIG_KEY)
    if not recorded or not isinstance(recorded, str):
        raise InputError(f"{where}: no config path recorded; pass --config")
    path = Path(recorded)
    try:
        resolved = path.resolve()
        inside = any(resolved.is_relative_to(root) for root in (Path.cwd().resolve(), plan_dir.resolve()))
    except (OSError, ValueError):  # a NUL in the text, a loop of symlinks
        inside = False
    if not inside:
        raise InputError(f"{where}: the recorded config {excerpt(recorded)} is outside the current folder and the "
                         "plan folder, so it is not read; pass --config")
    if not path.is_file():
        raise InputError(f"{where}: recorded config {excerpt(recorded)} not found; pass --config")
    return path


def _lookup(kpis: dict[str, Any], dotted: str) -> Any:
    value: Any = kpis
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def check_report_kpis(kpis: dict[str, Any]) -> date:
    """The planned week's Monday from kpis.json, after checking every value the page reads (a folder from an
    older version may lack keys the full schema, ``scheduler.validation.kpis.Kpis``, has; the page shows what
    is there)."""
    for dotted in KPI_NUMBERS:
        if not is_number(_lookup(kpis, dotted)):
            raise InputError(f"kpis.json: {dotted} must be a number, got {excerpt(_lookup(kpis, dotted))}")
    for dotted in KPI_OPTIONAL_NUMBERS:
        value = _lookup(kpis, dotted)
        if value is not None and not is_number(value):
            raise InputError(f"kpis.json: {dotted} must be a number, got {excerpt(value)}")
    for dotted in (*KPI_NUMBER_MAPS, "penalties", "solver"):
        value = _lookup(kpis, dotted)
        if value is not None and not isinstance(value, dict):
            raise InputError(f"kpis.json: {dotted} must be an object, got {excerpt(value)}")
    for dotted in KPI_NUMBER_MAPS:
        for key, value in (_lookup(kpis, dotted) or {}).items():
            if not is_number(value):
                raise InputError(f"kpis.json: {dotted}.{excerpt(key)} must be a number, got {excerpt(value)}")
    for rule, penalty in (kpis.get("penalties") or {}).items():
        if not isinstance(penalty, dict) or not all(is_number(penalty.get(k)) for k in PENALTY_NUMBERS):
            raise InputError(f"kpis.json: penalties.{excerpt(rule)} must hold numbers {', '.join(PENALTY_NUMBERS)}")
    try:
        return date.fromisoformat(kpis["week_start"])
    except (KeyError, TypeError, ValueError):
        raise InputError(f"kpis.json: week_start must be a date YYYY-MM-DD, got {excerpt(kpis.get('week_start'))}"
                         ) from None


def _read_csv(path: Path) -> pd.DataFrame:
    """A plan folder's coverage.csv or forecast.csv, its columns (``CSV_COLUMNS``) checked and typed."""
    try:
        frame = pd.read_csv(regular_file(path, path.name), dtype={"queue": str, "interval_start": str})
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: {error_summary(exc)}") from None
    missing = [c for c in CSV_COLUMNS[path.name] if c not in frame.columns]
    if missing:
        raise InputError(f"{path.name}: missing column(s) {', '.join(missing)}")
    times = pd.to_datetime(frame["interval_start"], format="ISO8601", errors="coerce")
    bad = (times.isna() & frame["interval_start"].notna()).to_numpy()
    if bad.any():
        row = int(bad.argmax())
        raise InputError(f"{path.name} row {row + 2}: interval_start must be an ISO 8601 date-time, got "
                         f"{excerpt(frame['interval_start'].iloc[row])}")
    frame["interval_start"] = times
    for column in CSV_COLUMNS[path.name][2:]:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = (numbers.isna() & frame[column].notna()).to_numpy()  # a blank cell is no value, not an error
        if bad.any():
            row = int(bad.argmax())
            raise InputError(f"{path.name} row {row + 2}: {column} must be a number, got "
                             f"{excerpt(frame[column].iloc[row])}")
        frame[column] = numbers
    return frame


def _per_slot(frame: pd.DataFrame, column: str, start: datetime, slots: int, interval_minutes: int) -> np.ndarray:
    values = np.full(slots, np.nan)
    if frame.empty:  # a week without contacts: read_csv leaves an empty time column untyped
        return values
    offset = (frame["interval_start"] - pd.Timestamp(start)) // pd.Timedelta(minutes=interval_minutes)
    keep = (offset >= 0) & (offset < slots)
    values[offset[keep].to_numpy(int)] = frame.loc[keep, column].to_numpy(float)
    return values


def load_report_data(plan_dir: Path, config: Path | None = None, *, plan_config: PlanConfig | None = None,
                     history: History | None = None) -> ReportData:
    """Read a plan folder. ``plan_config`` and ``history`` may be passed when already loaded (the pipeline)."""
    for name in PLAN_FILES:
        if not (plan_dir / name).exists():
            raise InputError(f"{plan_dir}: no {name} (is this a wfm plan output folder?)")
        regular_file(plan_dir / name, name)
    kpis = read_kpis_object(plan_dir / KPI_FILE, KPI_FILE)
    if plan_config is None:
        plan_config = load_config(config_path_of(plan_dir, kpis, config))
    if history is None and plan_config.history_path.is_file():  # wfm schedule runs without a history
        history = load_history(plan_config.history_path, plan_config.interval_minutes, timezone=plan_config.timezone)
    week_start = check_report_kpis(kpis)
    start = datetime.combine(week_start, datetime.min.time())
    minutes = plan_config.interval_minutes
    slots = 7 * 24 * 60 // minutes
    cover = _read_csv(plan_dir / "coverage.csv")
    forecast = _read_csv(plan_dir / "forecast.csv")
    past = (history.frame if history is not None
            else pd.DataFrame({"interval_start": pd.Series(dtype="datetime64[ns]"), "queue": [], "contacts": []}))
    history_start = start - timedelta(weeks=HISTORY_WEEKS_SHOWN)
    queues = []
    for queue in plan_config.queues:
        rows = cover[cover["queue"] == queue.queue_id]
        queues.append(QueueSeries(
            queue_id=queue.queue_id, channel=queue.channel, target=queue.service_level_target,
            required=_per_slot(rows, "required", start, slots, minutes),
            scheduled=_per_slot(rows, "scheduled", start, slots, minutes),
            service_level=_per_slot(rows, "service_level", start, slots, minutes),
            forecast=_per_slot(forecast[forecast["queue"] == queue.queue_id], "contacts", start, slots, minutes),
            history=_per_slot(past[past["queue"] == queue.queue_id], "contacts", history_start,
                              slots * HISTORY_WEEKS_SHOWN, minutes),
        ))
    by_agent: dict[str, list[Segment]] = {a.agent_id: [] for a in plan_config.agents}
    segments = read_segments(plan_dir / "roster.csv")
    for segment in segments:
        by_agent.setdefault(segment.agent_id, []).append(segment)
    known = {p.agent_id: p for p in agent_profiles(plan_config)}
    shifts = agent_days(segments, plan_config.templates)
    by_agent_days: dict[str, list[AgentDay]] = {}
    for (agent_id, _day), day_shifts in sorted(shifts.items()):
        by_agent_days.setdefault(agent_id, []).extend(day_shifts)
    agents = tuple(
        _agent_week(known.get(agent_id) or AgentProfile(agent_id, "?", ()), tuple(rows),
                    tuple(by_agent_days.get(agent_id, ())))
        for agent_id, rows in sorted(by_agent.items())
    )
    paid: dict[date, int] = {}
    for (_agent, day), day_shifts in shifts.items():
        paid[day] = paid.get(day, 0) + sum(s.paid_minutes for s in day_shifts)
    short = cover[cover["scheduled"] < cover["required"]].sort_values(["interval_start", "queue"])
    return ReportData(title=plan_config.name, week_start=week_start, interval_minutes=minutes,
                      timezone=plan_config.timezone, kpis=kpis, queues=tuple(queues), agents=agents,
                      understaffed=short.reset_index(drop=True), changes=read_changes(plan_dir),
                      marked_days=marked_days(plan_config, history, history_start.date(),
                                              week_start + timedelta(days=6)),
                      daily=daily_totals(cover, forecast, [q.queue_id for q in plan_config.queues], week_start,
                                         minutes, paid),
                      floor=floor_checks(plan_config, week_start, [s for a in agents for s in a.segments]))


def _agent_week(profile: AgentProfile, segments: tuple[Segment, ...], days: tuple[AgentDay, ...]) -> AgentWeek:
    return AgentWeek(profile.agent_id, profile.contract_id, profile.skills, segments, profile.team, profile.level,
                     profile.time_off, days)


def marked_days(config: PlanConfig, history: History | None, first: date, last: date) -> tuple[MarkedDay, ...]:
    """The plan's holidays (its ``holidays:`` dates, and its country calendar: a code, or the one detected from
    the history for ``auto``) and special days from ``first`` to ``last``, by date. A planner's special day
    (``special_days``, where the config has them: date -> multiplier, 0 = closed) wins over a holiday."""
    import holidays as calendars

    from forecasting.service import DETECT_HOLIDAYS, NO_HOLIDAYS, choose_holidays

    marks: dict[date, MarkedDay] = {}
    requested = (config.holiday_country or NO_HOLIDAYS).strip()
    country: str | None = None
    if requested.lower() == DETECT_HOLIDAYS:
        country = choose_holidays(history, requested).country if history is not None else None
    elif requested.lower() != NO_HOLIDAYS:
        country = requested.upper()
    named: dict[date, str] = {}
    if country:
        try:
            named = dict(calendars.country_holidays(country, years=range(first.year, last.year + 1)))
        except (NotImplementedError, KeyError):  # a code the holidays package does not know: no names to show
            named = {}
        for day, name in sorted(named.items()):
            if first <= day <= last:
                marks[day] = MarkedDay(day, "holiday", f"{name} ({country})")
    for day in config.holidays:
        if first <= day <= last:
            marks.setdefault(day, MarkedDay(day, "holiday", "holiday"))
    for day, effect in config.special_days:  # (date, volume multiplier), 0 = closed
        if first <= day <= last:
            text = "closed" if effect == 0 else f"volume x{effect:g}"
            marks[day] = MarkedDay(day, "special", f"special day: {text}")
    return tuple(marks[d] for d in sorted(marks))


def read_changes(plan_dir: Path) -> tuple[tuple[str, str, str, str, str], ...] | None:
    """The rows of ``changes.csv`` (written by a re-plan), or None when the folder has none; ``change`` (what kind
    of change) is empty when the file has no such column."""
    path = plan_dir / CHANGES_FILE
    if not path.is_file():
        return None
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or any(c not in reader.fieldnames for c in CHANGES_COLUMNS):
            raise InputError(f"{path.name}: needs the columns {', '.join(CHANGES_COLUMNS)}")
        return tuple((row["agent_id"] or "", row["date"] or "", row["before"] or "", row["after"] or "",
                      row.get("change") or "") for row in reader)
