"""Daily totals of a plan, per queue and for the centre: the figures a planner reads before publishing a week.

Built from the plan folder's tables (coverage.csv, forecast.csv) and the roster's paid minutes, so the report's
table and the XLSX ``daily`` sheet agree. Agent-hours are agents x interval length; an FTE is
``FTE_DAY_HOURS`` agent-hours in a day. Service level is contact-weighted over the day's intervals (the
weekly figure of kpis.json the same way, per day).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

CENTRE = "all queues"
FTE_DAY_HOURS = 8.0  # agent-hours in one full-time-equivalent day
DAILY_COLUMNS = ("date", "queue", "contacts", "required_fte", "scheduled_fte", "required_agent_hours",
                 "scheduled_agent_hours", "paid_hours", "service_level")


@dataclass(frozen=True)
class DailyTotal:
    """One day of one queue (or ``queue == CENTRE``). ``paid_hours`` only for the centre (an agent's paid time is
    not split between queues); ``service_level`` None on a day without forecast contacts."""

    day: date
    queue: str
    contacts: float
    required_agent_hours: float
    scheduled_agent_hours: float
    paid_hours: float | None
    service_level: float | None

    @property
    def required_fte(self) -> float:
        return self.required_agent_hours / FTE_DAY_HOURS

    @property
    def scheduled_fte(self) -> float:
        return self.scheduled_agent_hours / FTE_DAY_HOURS

    def row(self) -> list[object]:
        """The values in ``DAILY_COLUMNS`` order (None where there is no value)."""
        return [self.day.isoformat(), self.queue, self.contacts, self.required_fte, self.scheduled_fte,
                self.required_agent_hours, self.scheduled_agent_hours, self.paid_hours, self.service_level]


def _weighted(volume: np.ndarray, level: np.ndarray) -> float | None:
    keep = np.isfinite(level) & np.isfinite(volume)
    total = float(volume[keep].sum())
    return float((volume[keep] * level[keep]).sum() / total) if total > 0 else None


def daily_totals(coverage: pd.DataFrame, forecast: pd.DataFrame, queue_ids: Sequence[str], week_start: date,
                 interval_minutes: int, paid_minutes_by_day: Mapping[date, int], *,
                 days: int = 7) -> tuple[DailyTotal, ...]:
    """Per day of the week, one row per queue of ``queue_ids`` then the centre row.

    ``coverage``: coverage.csv (``interval_start`` as datetimes, ``queue, required, scheduled, service_level``);
    ``forecast``: forecast.csv (``interval_start, queue, contacts``); ``paid_minutes_by_day``: the roster's paid
    minutes per shift date."""
    hours = interval_minutes / 60
    cover = coverage[["interval_start", "queue", "required", "scheduled", "service_level"]]
    volume = forecast[["interval_start", "queue", "contacts"]]
    if cover.empty or volume.empty:  # an empty table's time column is untyped
        joined = cover.assign(contacts=np.nan)
    else:
        joined = cover.merge(volume, on=["interval_start", "queue"], how="left")
    cover_day = (pd.to_datetime(joined["interval_start"]).dt.date if len(joined) else pd.Series(dtype=object))
    volume_day = (pd.to_datetime(volume["interval_start"]).dt.date if len(volume) else pd.Series(dtype=object))
    rows: list[DailyTotal] = []
    for offset in range(days):  # a week, or every day of a horizon of weeks
        day = week_start + timedelta(days=offset)
        today = joined[(cover_day == day).to_numpy(bool)] if len(joined) else joined
        contacts_today = volume[(volume_day == day).to_numpy(bool)] if len(volume) else volume
        for queue in queue_ids:
            part = today[today["queue"] == queue]
            rows.append(DailyTotal(
                day, queue, float(contacts_today.loc[contacts_today["queue"] == queue, "contacts"].sum()),
                float(part["required"].sum()) * hours, float(part["scheduled"].sum()) * hours, None,
                _weighted(part["contacts"].to_numpy(float), part["service_level"].to_numpy(float))))
        mine = today[today["queue"].isin(list(queue_ids))]
        rows.append(DailyTotal(
            day, CENTRE, float(contacts_today.loc[contacts_today["queue"].isin(list(queue_ids)), "contacts"].sum()),
            float(mine["required"].sum()) * hours, float(mine["scheduled"].sum()) * hours,
            paid_minutes_by_day.get(day, 0) / 60,
            _weighted(mine["contacts"].to_numpy(float), mine["service_level"].to_numpy(float))))
    return tuple(rows)
