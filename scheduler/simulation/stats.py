"""Replications summed into the figures a planner reads: per queue and overall, a mean over replications and
its 95% confidence interval (Student t on the replication values), and per interval the pooled rates."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scheduler.simulation.engine import Replication
from scheduler.simulation.model import SimulationInput

METRICS = ("service_level", "asa_seconds", "abandonment", "occupancy")
HIGH = {"service_level": 1.0, "asa_seconds": math.inf, "abandonment": 1.0, "occupancy": 1.0}
Z_975 = 1.959963984540054
# Student t 0.975 quantiles for 1 to 5 degrees of freedom, where the expansion below is poor.
T_975_SMALL = {1: 12.706204736174707, 2: 4.302652729749464, 3: 3.182446305284263, 4: 2.7764451051977987,
               5: 2.5705818366147395}


def t_975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (Cornish-Fisher expansion from the
    normal quantile above 5: within 0.003 of the exact value)."""
    if df in T_975_SMALL:
        return T_975_SMALL[df]
    z = Z_975
    return (z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3))


@dataclass(frozen=True)
class Estimate:
    """Mean over replications, and the 95% confidence interval of the mean (None with one replication)."""

    mean: float
    ci95: tuple[float, float] | None

    def to_dict(self, digits: int) -> dict[str, Any]:
        if math.isnan(self.mean):  # nothing offered: no figure
            return {"mean": None, "ci95": None}
        return {"mean": round(self.mean, digits),
                "ci95": None if self.ci95 is None else [round(self.ci95[0], digits), round(self.ci95[1], digits)]}


def estimate(values: Sequence[float], low: float = 0.0, high: float = math.inf) -> Estimate:
    """NaN values (no contacts in that replication) are left out; the interval is clipped to [low, high]
    (a share cannot leave [0, 1])."""
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    if array.size == 0:
        return Estimate(math.nan, None)
    mean = float(array.mean())
    if array.size < 2:
        return Estimate(mean, None)
    half = t_975(array.size - 1) * float(array.std(ddof=1)) / math.sqrt(array.size)
    return Estimate(mean, (max(mean - half, low), min(mean + half, high)))


@dataclass(frozen=True)
class Figures:
    """The four figures of one queue (or all queues): service level (share of offered answered within the
    queue's ``answer_seconds``; on a deferred queue the share of items falling due in the week finished within
    the deadline), ASA (mean wait of answered contacts, seconds), abandonment (share of offered),
    occupancy (handling time / floor time, in agent capacity)."""

    service_level: Estimate
    asa_seconds: Estimate
    abandonment: Estimate
    occupancy: Estimate
    offered_per_week: float

    def to_dict(self) -> dict[str, Any]:
        digits = {"asa_seconds": 2}
        return {m: getattr(self, m).to_dict(digits.get(m, 5)) for m in METRICS}


@dataclass(frozen=True)
class SimulationResult:
    """What ``wfm simulate`` reports. ``intervals`` has one row per queue and interval with forecast contacts:
    ``interval_start, queue, contacts, offered, service_level, asa_seconds, abandonment`` (pooled over
    replications; NaN where nothing was offered)."""

    replications: int
    seed: int
    routing: str
    absence_rate: float
    overall: Figures
    queues: dict[str, Figures]
    intervals: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object: ``{"overall": {metric: {"mean": m, "ci95": [lo, hi]}}, "queues": {id: {...}}}``
        with the metrics ``METRICS`` (the run's settings are the command's own options)."""
        return {"overall": self.overall.to_dict(), "queues": {q: f.to_dict() for q, f in self.queues.items()}}


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _occupancy(rep: Replication, queues: Sequence[int] | None, skilled: np.ndarray) -> float:
    """Handling time over floor time. For a queue, each agent's floor time is split over their queues in
    proportion to the time they spent on each (evenly over their skills when they handled nothing)."""
    busy, floor = rep.busy_seconds, rep.floor_seconds
    if queues is None:
        return float(busy.sum() / floor.sum()) if floor.sum() else math.nan
    per_agent = busy.sum(axis=1)
    even = skilled / np.maximum(skilled.sum(axis=1, keepdims=True), 1)
    share = np.where(per_agent[:, None] > 0, _ratio(busy, per_agent[:, None]), even)
    floor_share = float(np.nansum(share[:, queues] * floor[:, None]))
    return float(busy[:, queues].sum()) / floor_share if floor_share > 0 else math.nan


def summarise(inp: SimulationInput, reps: list[Replication], seed: int, routing: str, absence_rate: float
              ) -> SimulationResult:
    """Replications into per-queue and overall figures (mean and 95% CI over replications)."""
    skilled = np.zeros((len(inp.agent_ids), len(inp.queues)))
    for agent, skills in enumerate(inp.skills):
        skilled[agent, list(skills)] = 1.0
    queues = {queue.queue_id: _figures(reps, [q], skilled) for q, queue in enumerate(inp.queues)}
    overall = _figures(reps, None, skilled)
    return SimulationResult(len(reps), seed, routing, absence_rate, overall, queues, _intervals(inp, reps))


def _figures(reps: list[Replication], rows: list[int] | None, skilled: np.ndarray) -> Figures:
    """Figures of the queues ``rows`` together (None: all queues, and the occupancy of all floor time)."""
    values: dict[str, list[float]] = {m: [] for m in METRICS}
    offered_total = 0.0
    for rep in reps:
        chosen = slice(None) if rows is None else rows
        offered = float(rep.offered[chosen].sum())
        scored = float(rep.scored[chosen].sum())
        answered = float(rep.answered[chosen].sum())
        offered_total += offered
        values["service_level"].append(float(rep.answered_in_time[chosen].sum()) / scored if scored else math.nan)
        values["asa_seconds"].append(float(rep.wait_seconds[chosen].sum()) / answered if answered else math.nan)
        values["abandonment"].append(float(rep.abandoned[chosen].sum()) / offered if offered else math.nan)
        values["occupancy"].append(_occupancy(rep, rows, skilled))
    sl, asa, abandonment, occupancy = (estimate(values[m], high=HIGH[m]) for m in METRICS)
    return Figures(sl, asa, abandonment, occupancy, offered_per_week=offered_total / max(len(reps), 1))


def _intervals(inp: SimulationInput, reps: list[Replication]) -> pd.DataFrame:
    offered, answered, in_time, abandoned, waited, scored = (
        np.sum([getattr(r, name) for r in reps], axis=0)
        for name in ("offered", "answered", "answered_in_time", "abandoned", "wait_seconds", "scored"))
    q_idx, slots = np.nonzero(inp.contacts > 0)
    n = len(reps)
    return pd.DataFrame({
        "interval_start": [inp.week.slot_start(int(s)) for s in slots],
        "queue": [inp.queues[int(q)].queue_id for q in q_idx],
        "contacts": inp.contacts[q_idx, slots],
        "offered": offered[q_idx, slots] / n,
        "service_level": _ratio(in_time, scored)[q_idx, slots],
        "asa_seconds": _ratio(waited, answered)[q_idx, slots],
        "abandonment": _ratio(abandoned, offered)[q_idx, slots],
    })
