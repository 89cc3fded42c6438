"""Staffing stage: per queue and interval, the agents an Erlang C queue needs to meet its service goal.

Used by ``wfm plan`` and ``wfm staff``. The maths is in :mod:`forecasting.erlang`; this module validates the
forecast and targets, turns contacts per interval into load, and grosses requirements up for shrinkage.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from forecasting import erlang
from forecasting.errors import InputError

FORECAST_COLUMNS: tuple[str, ...] = ("interval_start", "queue", "contacts", "aht_seconds")
REQUIREMENTS_COLUMNS: tuple[str, ...] = FORECAST_COLUMNS + (
    "agents_required", "service_level", "occupancy", "asa_seconds")
SECONDS_PER_MINUTE = 60
# Heads after the shrinkage gross-up are rounded to this many decimals before the ceiling, so float noise
# such as 14 / (1 - 0.3) = 20.000000000000004 does not add a head.
GROSS_UP_DECIMALS = 9


@dataclass(frozen=True, kw_only=True)
class QueueTarget:
    """Service goal of one queue, validated on construction (keyword arguments only).

    ``service_level_target`` is the share of contacts to answer within ``answer_seconds``, in (0, 1].
    ``max_occupancy`` caps ``load / agents`` (per chat slot for chat), in (0, 1], or ``None`` for no cap.
    ``concurrency`` is how many chats one agent handles at once (1 for voice and email).
    ``shrinkage`` is the fraction in [0, 1) of scheduled time lost to unplanned absence; breaks and lunches
    are scheduled separately and are not part of it.
    ``interval_minutes`` is the length of the forecast intervals, > 0.
    """

    queue: str
    service_level_target: float
    answer_seconds: float
    max_occupancy: float | None
    interval_minutes: int
    concurrency: int = 1
    shrinkage: float = 0.0

    def __post_init__(self) -> None:
        checks = (
            ("service_level_target", self.service_level_target, "in (0, 1]", lambda v: 0 < v <= 1),
            ("answer_seconds", self.answer_seconds, ">= 0", lambda v: v >= 0 and math.isfinite(v)),
            ("max_occupancy", self.max_occupancy, "in (0, 1] or None", lambda v: v is None or 0 < v <= 1),
            ("interval_minutes", self.interval_minutes, "> 0", lambda v: v > 0),
            ("concurrency", self.concurrency, "a whole number >= 1",
             lambda v: math.isfinite(v) and v >= 1 and v == int(v)),
            ("shrinkage", self.shrinkage, "in [0, 1)", lambda v: 0 <= v < 1),
        )
        for name, value, rule, ok in checks:
            # NaN fails every comparison, so it is reported here too.
            try:
                valid = bool(ok(value))
            except TypeError:
                valid = False
            if not valid:
                raise InputError(f"queue {self.queue!r}: {name} must be {rule}, got {value}")


def _load_erlangs(contacts: np.ndarray, aht_seconds: np.ndarray, target: QueueTarget) -> np.ndarray:
    """Offered load per interval in Erlangs: contacts * AHT / interval length in seconds."""
    return contacts * aht_seconds / (target.interval_minutes * SECONDS_PER_MINUTE)


def _check_forecast(forecast: pd.DataFrame, targets: Mapping[str, QueueTarget]) -> None:
    missing = [c for c in FORECAST_COLUMNS if c not in forecast.columns]
    if missing:
        raise InputError(f"forecast: missing column(s) {', '.join(missing)}")
    for column in ("contacts", "aht_seconds"):
        values = pd.to_numeric(forecast[column], errors="coerce")
        bad = values.isna() | (values < 0) | np.isinf(values)
        if bad.any():
            row = bad.to_numpy().nonzero()[0][0]
            raise InputError(f"forecast row {row + 1}: queue {forecast['queue'].iloc[row]!r}: {column} must be a "
                             f"number >= 0, got {forecast[column].iloc[row]}")
    unknown = sorted(set(forecast["queue"]) - set(targets))
    if unknown:
        raise InputError(f"forecast: queue {unknown[0]!r} has no service target")
    duplicated = forecast.duplicated(["queue", "interval_start"])
    if duplicated.any():
        row = duplicated.to_numpy().nonzero()[0][0]
        raise InputError(f"forecast row {row + 1}: queue {forecast['queue'].iloc[row]!r}: interval "
                         f"{forecast['interval_start'].iloc[row]} appears twice")


def requirements(forecast: pd.DataFrame, targets: Mapping[str, QueueTarget]) -> pd.DataFrame:
    """Agents required per queue and interval.

    ``forecast``: columns ``interval_start`` (naive local datetime), ``queue``, ``contacts`` (per interval)
    and ``aht_seconds``; one row per queue and interval. ``targets``: the goal of every queue in it.

    Returns one row per forecast row, sorted by queue then interval_start, with the columns
    ``interval_start, queue, contacts, aht_seconds, agents_required, service_level, occupancy, asa_seconds``.
    ``agents_required`` (int) is the Erlang C head count grossed up for shrinkage,
    ``ceil(erlang_agents / (1 - shrinkage))``; ``service_level``, ``occupancy`` and ``asa_seconds`` are what
    the Erlang head count itself gives (before shrinkage), i.e. what the floor delivers if absence is exactly
    as planned. For chat, occupancy is per chat slot. An interval with no load needs 0 agents and reports
    service level 1, occupancy 0 and ASA 0.
    """
    _check_forecast(forecast, targets)
    frame = forecast.loc[:, list(FORECAST_COLUMNS)].copy()
    frame["contacts"] = frame["contacts"].astype(float)
    frame["aht_seconds"] = frame["aht_seconds"].astype(float)
    frame = frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)

    parts = []
    for queue, rows in frame.groupby("queue", sort=True):
        target = targets[queue]
        aht = rows["aht_seconds"].to_numpy()
        load = _load_erlangs(rows["contacts"].to_numpy(), aht, target)
        heads = erlang.chat_required_agents(load, aht, target.answer_seconds, target.service_level_target,
                                            target.concurrency, target.max_occupancy)
        slots = heads * target.concurrency
        gross = np.ceil(np.round(heads / (1.0 - target.shrinkage), GROSS_UP_DECIMALS)).astype(np.int64)
        parts.append(rows.assign(
            agents_required=gross,
            service_level=erlang.service_level(slots, load, aht, target.answer_seconds),
            occupancy=erlang.occupancy(slots, load),
            asa_seconds=erlang.asa_seconds(slots, load, aht),
        ))
    if not parts:
        return frame.assign(agents_required=pd.Series(dtype=np.int64), service_level=pd.Series(dtype=float),
                            occupancy=pd.Series(dtype=float), asa_seconds=pd.Series(dtype=float))
    return pd.concat(parts, ignore_index=True).loc[:, list(REQUIREMENTS_COLUMNS)]


def service_level_for_heads(contacts: ArrayLike, aht_seconds: ArrayLike, heads: ArrayLike,
                            target: QueueTarget) -> np.ndarray:
    """Predicted service level (share answered within ``target.answer_seconds``) with ``heads`` scheduled.

    ``contacts`` per interval, ``aht_seconds`` and ``heads`` broadcast together (shape (n,) or scalars).
    Effective agents are ``heads * (1 - shrinkage)``, times ``concurrency`` chat slots; a fractional count
    is interpolated linearly between its floor and ceil. No contacts gives 1.0.
    """
    contacts_arr, aht_arr, heads_arr = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                                             for v in (contacts, aht_seconds, heads)))
    for name, values in (("contacts", contacts_arr), ("aht_seconds", aht_arr), ("heads", heads_arr)):
        bad = ~np.isfinite(values) | (values < 0)
        if np.any(bad):
            raise InputError(f"queue {target.queue!r}: {name} must be a number >= 0, got {values[bad][0]}")
    slots = heads_arr * (1.0 - target.shrinkage) * target.concurrency
    load = _load_erlangs(contacts_arr, aht_arr, target)
    level = erlang.service_level(slots, load, aht_arr, target.answer_seconds)
    return np.where(contacts_arr == 0, 1.0, level)
