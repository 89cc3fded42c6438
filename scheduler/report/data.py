"""What the report shows, read from a plan folder's files (and the plan's config and history).

Everything here is plain typed data; ``scheduler.report.page`` turns it into HTML. Only files are read, so
``wfm report DIR`` rebuilds exactly the report that ``wfm plan`` wrote.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecasting.history import History, load_history
from scheduler.domain.plan import PlanConfig
from scheduler.errors import InputError
from scheduler.io.config import load_config
from scheduler.io.exports import Segment, read_segments
from scheduler.rostering.replan import CHANGES_COLUMNS, CHANGES_FILE

PLAN_FILES = ("kpis.json", "coverage.csv", "forecast.csv", "roster.csv")
HISTORY_WEEKS_SHOWN = 3
CONFIG_KEY = "config"


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
    agent_id: str
    contract_id: str
    skills: tuple[str, ...]
    segments: tuple[Segment, ...]


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
    # a re-plan's changed agent-days (agent_id, date, before, after) from changes.csv; None: not a re-plan
    changes: tuple[tuple[str, str, str, str], ...] | None = None

    @property
    def slots_per_week(self) -> int:
        return 7 * 24 * 60 // self.interval_minutes


def config_path_of(plan_dir: Path, kpis: dict[str, Any], config: Path | None) -> Path:
    if config is not None:
        return config
    recorded = kpis.get(CONFIG_KEY)
    if not recorded:
        raise InputError(f"{plan_dir / 'kpis.json'}: no config path recorded; pass --config")
    path = Path(recorded)
    if not path.is_file():
        raise InputError(f"{plan_dir / 'kpis.json'}: recorded config {path} not found; pass --config")
    return path


def _read_csv(path: Path, **kwargs: Any) -> pd.DataFrame:
    try:
        return pd.read_csv(path, **kwargs)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"{path.name}: {str(exc).splitlines()[0]}") from None


def _per_slot(frame: pd.DataFrame, column: str, start: datetime, slots: int, interval_minutes: int) -> np.ndarray:
    values = np.full(slots, np.nan)
    offset = (frame["interval_start"] - pd.Timestamp(start)) // pd.Timedelta(minutes=interval_minutes)
    keep = (offset >= 0) & (offset < slots)
    values[offset[keep].to_numpy(int)] = frame.loc[keep, column].to_numpy(float)
    return values


def load_report_data(plan_dir: Path, config: Path | None = None, *, plan_config: PlanConfig | None = None,
                     history: History | None = None) -> ReportData:
    """Read a plan folder. ``plan_config`` and ``history`` may be passed when already loaded (the pipeline)."""
    for name in PLAN_FILES:
        if not (plan_dir / name).is_file():
            raise InputError(f"{plan_dir}: no {name} (is this a wfm plan output folder?)")
    try:
        kpis = json.loads((plan_dir / "kpis.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"kpis.json: not JSON ({exc.msg} at line {exc.lineno})") from None
    if plan_config is None:
        plan_config = load_config(config_path_of(plan_dir, kpis, config))
    if history is None and plan_config.history_path.is_file():  # wfm schedule runs without a history
        history = load_history(plan_config.history_path, plan_config.interval_minutes, timezone=plan_config.timezone)
    week_start = date.fromisoformat(kpis["week_start"])
    start = datetime.combine(week_start, datetime.min.time())
    minutes = plan_config.interval_minutes
    slots = 7 * 24 * 60 // minutes
    cover = _read_csv(plan_dir / "coverage.csv", parse_dates=["interval_start"])
    forecast = _read_csv(plan_dir / "forecast.csv", parse_dates=["interval_start"])
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
    for segment in read_segments(plan_dir / "roster.csv"):
        by_agent.setdefault(segment.agent_id, []).append(segment)
    known = {a.agent_id: a for a in plan_config.agents}
    agents = tuple(
        AgentWeek(agent_id, known[agent_id].contract_id if agent_id in known else "?",
                  known[agent_id].skills if agent_id in known else (), tuple(segments))
        for agent_id, segments in sorted(by_agent.items())
    )
    short = cover[cover["scheduled"] < cover["required"]].sort_values(["interval_start", "queue"])
    return ReportData(title=plan_config.name, week_start=week_start, interval_minutes=minutes,
                      timezone=plan_config.timezone, kpis=kpis, queues=tuple(queues), agents=agents,
                      understaffed=short.reset_index(drop=True), changes=read_changes(plan_dir))


def read_changes(plan_dir: Path) -> tuple[tuple[str, str, str, str], ...] | None:
    """The rows of ``changes.csv`` (written by a re-plan), or None when the folder has none."""
    path = plan_dir / CHANGES_FILE
    if not path.is_file():
        return None
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or any(c not in reader.fieldnames for c in CHANGES_COLUMNS):
            raise InputError(f"{path.name}: needs the columns {', '.join(CHANGES_COLUMNS)}")
        return tuple(tuple(row[c] or "" for c in CHANGES_COLUMNS) for row in reader)
