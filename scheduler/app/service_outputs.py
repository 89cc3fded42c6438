"""The plan's service-level prediction and surplus, as the pipeline publishes them: the ``kpis.json`` keys
``predicted_service_level`` and ``surplus``, ``coverage.csv``'s ``predicted_service_level`` column and
``surplus.csv``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import Roster, ShiftAssignment
from scheduler.domain.week import Week
from scheduler.rostering.coverage import COVERAGE_COLUMNS, CoverageResult
from scheduler.simulation.prediction import MAX_PREDICTED_CONTACTS, METHOD, predict_service_level
from scheduler.validation.kpis import PredictedServiceLevels, SurplusKpis
from scheduler.validation.surplus import surplus, surplus_csv

PREDICTED_COLUMN = "predicted_service_level"


@dataclass(frozen=True)
class ServiceOutputs:
    predicted: PredictedServiceLevels
    surplus: SurplusKpis
    coverage: pd.DataFrame  # coverage.csv: COVERAGE_COLUMNS then PREDICTED_COLUMN
    surplus_csv: str


def service_outputs(config: PlanConfig, week: Week, forecast: pd.DataFrame, roster: Roster, required: np.ndarray,
                    cover: CoverageResult, carried: tuple[ShiftAssignment, ...] = ()) -> ServiceOutputs:
    """``carried``: the shifts of the day before the week that reach into it (``carried_cover.reaching``), which the
    prediction simulates on the week's floor from Monday 00:00."""
    simulated = roster if not carried else Roster(tuple(carried) + roster.shifts)
    prediction = predict_service_level(config, week, forecast, simulated)
    frame = cover.frame[list(COVERAGE_COLUMNS)].copy()
    found = surplus(config, week, roster, required)
    if prediction is None:  # too many contacts to simulate in a plan: the Erlang figures, named as such
        frame[PREDICTED_COLUMN] = frame["service_level"]
        erlang = _erlang_levels(config, cover)
        predicted = PredictedServiceLevels(
            method=f"erlang per queue (more than {MAX_PREDICTED_CONTACTS:,} contacts: not simulated)",
            replications=0, seed=0, overall=erlang.pop("", 1.0), by_queue=erlang,
            ci95_half_width={q: 0.0 for q in erlang})
    else:
        index = {q.queue_id: i for i, q in enumerate(config.queues)}
        slots = np.array([week.slot_of(t) for t in frame["interval_start"].dt.to_pydatetime()], dtype=np.int64)
        queues = frame["queue"].map(index).to_numpy(dtype=np.int64)
        frame[PREDICTED_COLUMN] = prediction.per_slot[queues, slots] if len(frame) else np.zeros(0)
        channels = ("; deferred queues: share finished within the deadline; bots: escalated contacts only"
                    if any(q.deferred or q.bot is not None for q in config.queues) else "")
        predicted = PredictedServiceLevels(
            method=f"{METHOD}, longest-waiting routing, whole shifts absent at the shrinkage rate{channels}",
            replications=prediction.replications, seed=prediction.seed, overall=prediction.overall,
            by_queue=prediction.by_queue, ci95_half_width=prediction.ci95_half_width)
    return ServiceOutputs(
        predicted=predicted,
        surplus=SurplusKpis(agent_hours=found.agent_hours, by_weekday=found.by_weekday,
                            block_hours=found.block_hours, blocks=len(found.blocks)),
        coverage=frame,
        surplus_csv=surplus_csv(config, week, found),
    )


def _erlang_levels(config: PlanConfig, cover: CoverageResult) -> dict[str, float]:
    """Contact-weighted weekly Erlang service level per queue id, and overall under the key ``""``."""
    frame = cover.frame
    volume = frame["contacts"].to_numpy(float)
    level = frame["service_level"].to_numpy(float)
    out = {}
    for queue in config.queues:
        rows = (frame["queue"] == queue.queue_id).to_numpy()
        total = volume[rows].sum()
        out[queue.queue_id] = round(float((volume[rows] * level[rows]).sum() / total), 6) if total else 1.0
    out[""] = round(float((volume * level).sum() / volume.sum()), 6) if volume.sum() else 1.0
    return out
