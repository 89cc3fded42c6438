"""The published roster a plan continues from (``--previous ROSTER.csv``): its shifts before the horizon.

It is a ``roster.csv`` as ``wfm plan`` writes it (or its last days). Its ``shift`` rows' end counts for the rest
before the first shift of the horizon, and the days they fall on for the consecutive days worked and off at its
start (``rostering.carry_in``); a shift reaching into the horizon (a Sunday night) is cover of its first hours, off
the floor in its break and activity rows (``rostering.carried_cover``). Every date must lie before the horizon,
the last one within the week before it; errors name the file and row. An agent no longer in the agents file (who
has left) has no seam to keep: their rows are skipped and named in a warning.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from forecasting.untrusted import excerpt
from scheduler.domain.plan import PlanConfig
from scheduler.errors import InputError
from scheduler.io.roster_csv import read_roster_rows
from scheduler.rostering.carry_in import PastShift

SHIFT = "shift"
DAYS_BEFORE = 7  # the previous roster's last date lies within this many days before the horizon


def read_previous(path: Path, config: PlanConfig, start: date) -> tuple[list[PastShift], date, list[str]]:
    """The previous roster's shifts, the first day it covers (its earliest date, a leaver's rows included, as the
    horizon's validator reads it) and the warning lines (agents of the roster not in the agents file, whose rows
    are skipped)."""
    agents = {a.agent_id for a in config.agents}
    gone: dict[str, int] = {}  # agent id -> first row
    covered: list[date] = []  # the dates of their rows
    shifts: list[PastShift] = []
    lines: dict[date, int] = {}  # a row of each date, for the error message
    off_floor: dict[tuple[str, str], list[tuple[datetime, datetime]]] = defaultdict(list)  # breaks, activities
    for line, row in read_roster_rows(path, "previous roster"):
        if row["activity"].strip() != SHIFT:
            with contextlib.suppress(ValueError):  # only a shift reaching into the horizon reads them
                off_floor[row["agent_id"].strip(), row["date"].strip()].append(
                    (datetime.fromisoformat(row["start"].strip()), datetime.fromisoformat(row["end"].strip())))
            continue
        where = f"{path.name} row {line}"
        agent_id = row["agent_id"].strip()
        if agent_id not in agents:
            gone.setdefault(agent_id, line)
            with contextlib.suppress(ValueError):  # the roster still covers that day (the validator counts it)
                covered.append(date.fromisoformat(row["date"].strip()))
            continue
        try:
            day = date.fromisoformat(row["date"].strip())
            begin = datetime.fromisoformat(row["start"].strip())
            end = datetime.fromisoformat(row["end"].strip())
        except ValueError:
            raise InputError(f"{where}: date, start and end must be ISO 8601 (got {excerpt(row['date'])}, "
                             f"{excerpt(row['start'])}, {excerpt(row['end'])})") from None
        if begin.tzinfo is not None or end.tzinfo is not None or end <= begin:
            raise InputError(f"{where}: start {excerpt(row['start'])} and end {excerpt(row['end'])} must be local "
                             "times, the end after the start")
        if day >= start or begin >= datetime.combine(start, datetime.min.time()):
            raise InputError(f"{where}: date {day} is not before the planned horizon, which starts {start}")
        shifts.append(PastShift(agent_id, day, begin, end, 0, False))
        lines.setdefault(day, line)
    monday = datetime.combine(start, datetime.min.time())
    shifts = [replace(s, off_floor=tuple(sorted(off_floor.get((s.agent_id, s.day.isoformat()), []))))
              if s.end > monday else s for s in shifts]
    if not shifts:
        raise InputError(f"{path.name}: no shift rows (a previous roster as roster.csv is written)" + (
            f" of an agent in the agents file of {config.source.name}" if gone else ""))
    last = max(s.day for s in shifts)
    if last < start - timedelta(days=DAYS_BEFORE):
        raise InputError(f"{path.name} row {lines[last]}: its last date {last} is not just before the planned horizon "
                         f"(from {start - timedelta(days=DAYS_BEFORE)} to {start - timedelta(days=1)})")
    warnings = [] if not gone else [
        f"{path.name}: {len(gone)} agent(s) not in the agents file of {config.source.name}, their shifts skipped: "
        + ", ".join(f"{excerpt(agent_id)} (row {line})" for agent_id, line in list(gone.items())[:5])
        + (", ..." if len(gone) > 5 else "")]
    return shifts, min([s.day for s in shifts] + [d for d in covered if d < start]), warnings
