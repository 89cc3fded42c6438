"""The report's section on deferred queues: each queue's backlog through the week, and its oldest item's age
against the deadline, read from the plan folder's ``backlog.csv`` (written only when a queue is deferred)."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.untrusted import error_summary, excerpt, regular_file
from scheduler.errors import InputError
from scheduler.report.svg import DAY_NAMES, Series, legend, week_chart

BACKLOG_FILE = "backlog.csv"
NUMBER_COLUMNS = ("contacts", "backlog_contacts", "oldest_minutes", "deadline_minutes", "within_deadline")
BACKLOG_COLOR, AGE_COLOR, DEADLINE_COLOR = "#b7791f", "#3b82c4", "#c53030"


def read_backlog(plan_dir: Path) -> pd.DataFrame | None:
    """``backlog.csv`` of a plan folder, columns checked and typed; None when the plan has no deferred queue."""
    path = plan_dir / BACKLOG_FILE
    if not path.exists():
        return None
    try:
        frame = pd.read_csv(regular_file(path, BACKLOG_FILE), dtype={"queue": str, "interval_start": str})
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{BACKLOG_FILE}: {error_summary(exc)}") from None
    missing = [c for c in ("interval_start", "queue", *NUMBER_COLUMNS) if c not in frame.columns]
    if missing:
        raise InputError(f"{BACKLOG_FILE}: missing column(s) {', '.join(missing)}")
    times = pd.to_datetime(frame["interval_start"], format="ISO8601", errors="coerce")
    for column, bad in [("interval_start", times.isna().to_numpy())] + [
            (c, ~np.isfinite(pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float))) for c in NUMBER_COLUMNS]:
        if bad.any():
            row = int(bad.argmax())
            raise InputError(f"{BACKLOG_FILE} row {row + 2}, column {column}: bad value "
                             f"{excerpt(frame[column].iloc[row])}")
    frame["interval_start"] = times
    for column in NUMBER_COLUMNS:
        frame[column] = pd.to_numeric(frame[column])
    return frame


def _per_slot(rows: pd.DataFrame, column: str, start: datetime, slots: int, interval_minutes: int) -> np.ndarray:
    values = np.full(slots, np.nan)
    index = ((rows["interval_start"] - start) // timedelta(minutes=interval_minutes)).to_numpy(dtype=np.int64)
    inside = (index >= 0) & (index < slots)
    values[index[inside]] = rows[column].to_numpy(dtype=float)[inside]
    return values


def backlog_section(plan_dir: Path, week_start: datetime, interval_minutes: int) -> str:
    """The HTML section (empty text without ``backlog.csv``): per deferred queue, the backlog in contacts at the
    end of every interval, and the oldest waiting item's age against the deadline (hours, on the deadline's
    clock: opening hours only for an ``open_hours`` deadline)."""
    frame = read_backlog(plan_dir)
    if frame is None or frame.empty:
        return ""
    per_day = 24 * 60 // interval_minutes
    slots = 7 * per_day
    days = [f"{DAY_NAMES[d]} {(week_start + timedelta(days=d)):%d %b}" for d in range(7)]
    parts = ['<section id="deferred"><h2>Deferred queues: backlog against the deadline</h2>'
             '<p class="muted">Replayed first in first out with the roster\'s agents on each queue, blending '
             "included; ages count the deadline's clock.</p>"]
    for queue_id, rows in frame.groupby("queue", sort=True):
        deadline_hours = float(rows["deadline_minutes"].max()) / 60
        backlog = [Series("backlog (contacts)", _per_slot(rows, "backlog_contacts", week_start, slots,
                                                            interval_minutes), BACKLOG_COLOR, fill=True)]
        age = [Series("oldest item's age (hours)", _per_slot(rows, "oldest_minutes", week_start, slots,
                                                            interval_minutes) / 60, AGE_COLOR)]
        weights = rows["contacts"].to_numpy(dtype=float)
        share = float((weights * rows["within_deadline"]).sum() / weights.sum()) if weights.sum() else 1.0
        deadline_label = f"deadline {deadline_hours:g} h"
        parts.append(
            f'<h3>{escape(str(queue_id))} <span class="muted">({share:.1%} of the contacts arriving this week handled '
            f'within the deadline or still in time at its end; peak backlog {rows["backlog_contacts"].max():,.1f} '
            'contacts)</span></h3>'
            + legend(backlog)
            + week_chart(backlog, slots_per_day=per_day, day_labels=days, title=f"{queue_id}: backlog")
            + legend(age, [(deadline_label, DEADLINE_COLOR)])
            + week_chart(age, slots_per_day=per_day, day_labels=days,
                         hlines=[(deadline_hours, DEADLINE_COLOR, deadline_label)], title=f"{queue_id}: oldest item"))
    return "".join(parts) + "</section>"
