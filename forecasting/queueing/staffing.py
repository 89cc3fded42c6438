"""Staffing stage: per queue and interval, the agents a queue needs to meet its service goal.

Used by ``wfm plan`` and ``wfm staff``. A queue without ``patience_seconds`` is an Erlang C queue (nobody
abandons); with it, an Erlang A queue (M/M/n+M: waiting contacts abandon after an exponential patience of
that mean). The maths is in :mod:`forecasting.queueing.erlang` and :mod:`forecasting.queueing.erlang_a`; this module
validates the forecast and targets, turns contacts per interval into load, and grosses requirements up for
shrinkage.

Service level under Erlang A is ``answered_within_t_of_all``: contacts answered within ``answer_seconds``
divided by *all* arrivals, so an abandoned contact is a miss whenever it abandons (the stricter of the two
definitions in :mod:`forecasting.queueing.erlang_a`, and the one that equals Erlang C's as patience grows).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from forecasting.errors import InputError
from forecasting.queueing import erlang, erlang_a
from forecasting.queueing.limits import (
    MAX_AHT_SECONDS,
    MAX_ANSWER_SECONDS,
    MAX_CONTACTS,
    MAX_LOAD_ERLANGS,
    MAX_PATIENCE_SECONDS,
)

FORECAST_COLUMNS: tuple[str, ...] = ("interval_start", "queue", "contacts", "aht_seconds")
REQUIREMENTS_COLUMNS: tuple[str, ...] = FORECAST_COLUMNS + (
    "agents_required", "service_level", "occupancy", "asa_seconds")
# Added after REQUIREMENTS_COLUMNS when any queue has a patience (Erlang A); NaN for Erlang C queues.
ABANDON_COLUMN = "abandon_probability"
SERVICE_LEVEL_TABLE_COLUMNS: tuple[str, ...] = ("interval", "agents_required", "agents", "service_level")
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
    ``patience_seconds`` is the mean time a waiting contact stays before abandoning, > 0, or ``None`` for
    no abandonment (Erlang C); with it the queue is staffed with Erlang A (module docstring).
    """

    queue: str
    service_level_target: float
    answer_seconds: float
    max_occupancy: float | None
    interval_minutes: int
    concurrency: int = 1
    shrinkage: float = 0.0
    patience_seconds: float | None = None

    def __post_init__(self) -> None:
        checks = (
            ("service_level_target", self.service_level_target, "in (0, 1]", lambda v: 0 < v <= 1),
            ("answer_seconds", self.answer_seconds, f"in [0, {MAX_ANSWER_SECONDS:g}]",
             lambda v: 0 <= v <= MAX_ANSWER_SECONDS),
            ("max_occupancy", self.max_occupancy, "in (0, 1] or None", lambda v: v is None or 0 < v <= 1),
            ("interval_minutes", self.interval_minutes, "> 0", lambda v: v > 0),
            ("concurrency", self.concurrency, "a whole number >= 1",
             lambda v: math.isfinite(v) and v >= 1 and v == int(v)),
            ("shrinkage", self.shrinkage, "in [0, 1)", lambda v: 0 <= v < 1),
            ("patience_seconds", self.patience_seconds, f"in (0, {MAX_PATIENCE_SECONDS:g}] or None",
             lambda v: v is None or 0 < v <= MAX_PATIENCE_SECONDS),
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
    for column, high in (("contacts", MAX_CONTACTS), ("aht_seconds", MAX_AHT_SECONDS)):
        values = pd.to_numeric(forecast[column], errors="coerce")
        bad = ~((values >= 0) & (values <= high))  # NaN fails both comparisons
        if bad.any():
            row = bad.to_numpy().nonzero()[0][0]
            raise InputError(f"forecast row {row + 1}: queue {forecast['queue'].iloc[row]!r}: {column} must be a "
                             f"number in [0, {high:g}], got {forecast[column].iloc[row]}")
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
    ``interval_start, queue, contacts, aht_seconds, agents_required, service_level, occupancy, asa_seconds``,
    and ``abandon_probability`` last only when some queue in the forecast has ``patience_seconds`` (NaN on
    the Erlang C queues, whose model has no abandonment), so the Erlang C output keeps its shape.
    ``agents_required`` (int) is the Erlang C head count, or the Erlang A one for a queue with a patience,
    grossed up for shrinkage,
    ``ceil(erlang_agents / (1 - shrinkage))``; ``service_level``, ``occupancy`` and ``asa_seconds`` are what
    the Erlang head count itself gives (before shrinkage), i.e. what the floor delivers if absence is exactly
    as planned; under Erlang A the service level counts abandoned contacts as misses (module docstring),
    occupancy is carried (answered) load per slot and ASA is over answered contacts. For chat, occupancy is
    per chat slot. An interval with no load needs 0 agents and reports
    service level 1, occupancy 0 and ASA 0.
    """
    _check_forecast(forecast, targets)
    frame = forecast.loc[:, list(FORECAST_COLUMNS)].copy()
    frame["contacts"] = frame["contacts"].astype(float)
    frame["aht_seconds"] = frame["aht_seconds"].astype(float)
    frame = frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)

    abandon = any(targets[q].patience_seconds is not None for q in frame["queue"].unique())
    parts = []
    for queue, rows in frame.groupby("queue", sort=True):
        target = targets[str(queue)]
        aht = rows["aht_seconds"].to_numpy()
        _check_load(rows, target)
        try:
            gross, heads, load = _required(rows["contacts"].to_numpy(), aht, target)
        except InputError as error:
            raise InputError(f"queue {queue!r}: {error}") from None
        slots = heads * target.concurrency
        figures = _figures(slots, load, aht, target)
        part = rows.assign(agents_required=gross, service_level=figures[0], occupancy=figures[1],
                           asa_seconds=figures[2])
        if abandon:
            part[ABANDON_COLUMN] = figures[3]
        parts.append(part)
    columns = list(REQUIREMENTS_COLUMNS) + ([ABANDON_COLUMN] if abandon else [])
    if not parts:
        return frame.assign(agents_required=pd.Series(dtype=np.int64), service_level=pd.Series(dtype=float),
                            occupancy=pd.Series(dtype=float), asa_seconds=pd.Series(dtype=float))
    return pd.concat(parts, ignore_index=True).loc[:, columns]


def _check_load(rows: pd.DataFrame, target: QueueTarget) -> None:
    """InputError naming the first interval whose offered load is past MAX_LOAD_ERLANGS."""
    load = _load_erlangs(rows["contacts"].to_numpy(), rows["aht_seconds"].to_numpy(), target)
    over = np.flatnonzero(~(load <= MAX_LOAD_ERLANGS))
    if over.size:
        first = rows.iloc[over[0]]
        raise InputError(f"queue {target.queue!r}, interval {first['interval_start']}: offered load "
                         f"{load[over[0]]:.6g} Erlangs ({first['contacts']:g} contacts x {first['aht_seconds']:g} s) "
                         f"is above the {MAX_LOAD_ERLANGS:,.0f} Erlangs an interval may carry")


def _required(contacts: np.ndarray, aht: np.ndarray, target: QueueTarget) -> tuple[np.ndarray, np.ndarray,
                                                                                     np.ndarray]:
    """Scheduled heads (grossed up for shrinkage), Erlang heads and load per interval, each (n,)."""
    load = _load_erlangs(contacts, aht, target)
    if target.patience_seconds is None:
        heads = erlang.chat_required_agents(load, aht, target.answer_seconds, target.service_level_target,
                                            target.concurrency, target.max_occupancy)
    else:
        slots = erlang_a.erlang_a_required_agents(load, _aht_or_one(aht, load), target.patience_seconds,
                                                  target.answer_seconds, target.service_level_target,
                                                  max_occupancy=target.max_occupancy)
        heads = -(-np.asarray(slots) // target.concurrency)
    heads = np.asarray(heads, dtype=np.int64).reshape(load.shape)
    gross = np.ceil(np.round(heads / (1.0 - target.shrinkage), GROSS_UP_DECIMALS)).astype(np.int64)
    return gross, heads, load


def _aht_or_one(aht: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Erlang A needs AHT > 0; with no load any AHT gives the same empty queue."""
    return np.where(load > 0, aht, 1.0)


def _figures(slots: np.ndarray, load: np.ndarray, aht: np.ndarray,
             target: QueueTarget) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Service level, occupancy, ASA seconds and abandon probability (NaN for Erlang C) at whole ``slots``."""
    if target.patience_seconds is None:
        return (np.asarray(erlang.service_level(slots, load, aht, target.answer_seconds), dtype=float),
                np.asarray(erlang.occupancy(slots, load), dtype=float),
                np.asarray(erlang.asa_seconds(slots, load, aht), dtype=float),
                np.full(load.shape, np.nan))
    m = erlang_a.erlang_a_metrics(slots, load, _aht_or_one(aht, load), target.patience_seconds,
                                  target.answer_seconds)
    level, occupancy, asa, abandon = (np.asarray(v, dtype=float).reshape(load.shape) for v in (
        m.answered_within_t_of_all, m.occupancy, m.asa_seconds, m.abandon_probability))
    return level, occupancy, asa, abandon


def _erlang_a_level(slots: np.ndarray, load: np.ndarray, aht: np.ndarray, patience_seconds: float,
                    answer_seconds: float) -> np.ndarray:
    """Erlang A service level (of all arrivals) at possibly fractional ``slots``, interpolated linearly
    between floor and floor + 1 as :func:`forecasting.queueing.erlang.service_level` does for Erlang C."""
    aht = _aht_or_one(aht, load)
    low = np.floor(slots)
    weight = slots - low
    at_low = erlang_a.erlang_a_metrics(low, load, aht, patience_seconds, answer_seconds).answered_within_t_of_all
    at_high = erlang_a.erlang_a_metrics(low + 1.0, load, aht, patience_seconds,
                                        answer_seconds).answered_within_t_of_all
    return (1.0 - weight) * np.asarray(at_low, dtype=float) + weight * np.asarray(at_high, dtype=float)


def _arrays(target: QueueTarget, **values: ArrayLike) -> list[np.ndarray]:
    """Broadcast named inputs to one flat shape; each must be finite and >= 0 (InputError naming it)."""
    try:
        arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values.values()))
    except (TypeError, ValueError):
        shapes = ", ".join(f"{name} {np.shape(v)}" for name, v in values.items())
        raise InputError(f"queue {target.queue!r}: inputs must be numbers of matching shapes, got {shapes}") from None
    for name, array in zip(values, arrays, strict=True):
        bad = ~np.isfinite(array) | (array < 0)
        if np.any(bad):
            raise InputError(f"queue {target.queue!r}: {name} must be a number >= 0, got {array[bad][0]}")
    return [a.ravel() for a in arrays]


def service_level_for_heads(contacts: ArrayLike, aht_seconds: ArrayLike, heads: ArrayLike,
                            target: QueueTarget) -> np.ndarray:
    """Predicted service level (share answered within ``target.answer_seconds``) with ``heads`` scheduled.

    ``contacts`` per interval, ``aht_seconds`` and ``heads`` broadcast together (shape (n,) or scalars).
    Effective agents are ``heads * (1 - shrinkage)``, times ``concurrency`` chat slots; a fractional count
    is interpolated linearly between its floor and ceil. No contacts gives 1.0. With
    ``target.patience_seconds`` the queue is Erlang A and the level is answered within T / all arrivals,
    the definition :func:`requirements` staffs to, so the required heads always reach the target.
    """
    contacts_arr, aht_arr, heads_arr = _arrays(target, contacts=contacts, aht_seconds=aht_seconds, heads=heads)
    shape = np.broadcast_shapes(*(np.shape(v) for v in (contacts, aht_seconds, heads)))
    slots = heads_arr * (1.0 - target.shrinkage) * target.concurrency
    load = _load_erlangs(contacts_arr, aht_arr, target)
    if target.patience_seconds is None:
        level = np.asarray(erlang.service_level(slots, load, aht_arr, target.answer_seconds), dtype=float)
    else:
        level = _erlang_a_level(slots, load, aht_arr, target.patience_seconds, target.answer_seconds)
    return np.where(contacts_arr == 0, 1.0, level).reshape(shape)


def service_level_table(contacts: ArrayLike, aht_seconds: ArrayLike, target: QueueTarget,
                        around: int = 3) -> pd.DataFrame:
    """Service level of every interval at head counts around its requirement, one row per (interval, heads).

    ``contacts`` per interval and ``aht_seconds``: shape (n,) (or scalars; broadcast together). For interval
    ``i`` with scheduled requirement ``r`` (``agents_required`` of :func:`requirements`: Erlang C or A, then
    shrinkage) the rows hold ``agents`` from ``r - around`` to ``r + around`` (whole heads >= 0; negative
    counts are left out) and ``service_level`` = :func:`service_level_for_heads` at that many heads.
    Columns ``interval, agents_required, agents, service_level``; ``interval`` is the position in the
    input; sorted by interval, then agents. Computed in one vectorised pass over all cells.

    The level rises with heads; the row at ``agents_required`` meets the service-level target. The row one
    head below misses *a* target: the service level, unless the occupancy cap or the shrinkage gross-up set
    the requirement (a fractional effective head count is interpolated, so one scheduled head less can
    still reach the level).
    """
    if isinstance(around, bool) or not isinstance(around, (int, np.integer)) or around < 0:
        raise InputError(f"queue {target.queue!r}: around must be a whole number >= 0, got {around!r}")
    contacts_arr, aht_arr = _arrays(target, contacts=contacts, aht_seconds=aht_seconds)
    required, _, _ = _required(contacts_arr, aht_arr, target)
    offsets = np.arange(-int(around), int(around) + 1)
    agents = required[:, None] + offsets[None, :]
    keep = agents >= 0
    interval = np.broadcast_to(np.arange(required.size)[:, None], agents.shape)[keep]
    level = service_level_for_heads(contacts_arr[interval], aht_arr[interval], agents[keep].astype(float),
                                    target)
    return pd.DataFrame({"interval": interval.astype(np.int64), "agents_required": required[interval],
                         "agents": agents[keep].astype(np.int64), "service_level": level},
                        columns=list(SERVICE_LEVEL_TABLE_COLUMNS))
