"""The service level a roster delivers, predicted inside ``wfm plan`` by a short run of the roster simulation.

The Erlang figure of ``coverage.csv`` (``service_level``) staffs each queue on its own with the heads a
max-flow allocates to it, and spreads shrinkage as fractional heads. A real floor pools: a multi-skilled agent
idle on one queue answers the next contact of another, and absence takes whole shifts. The prediction here
runs the agent-level simulation (``scheduler.simulation.engine``, longest-waiting routing, whole-shift absence
at the plan's shrinkage) for enough replications that the weekly figure's Monte-Carlo error is small
(``PREDICTION_CONTACTS`` simulated contacts in all, between ``MIN_REPLICATIONS`` and ``MAX_REPLICATIONS``),
with a seed derived from the plan's solver seed, so the same plan gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import Roster
from scheduler.domain.week import Week
from scheduler.simulation import replications
from scheduler.simulation.model import shifts_from_roster, simulation_input
from scheduler.simulation.stats import summarise

PREDICTION_CONTACTS = 400_000  # simulated contacts per prediction: about 2-3 s of one core
MIN_REPLICATIONS, MAX_REPLICATIONS = 2, 40
# Above this many contacts a week (some 5,000 agents) the plan does not simulate: two weeks would take 10 s and
# more of CPU; the prediction is then the Erlang-per-queue figure, and says so.
MAX_PREDICTED_CONTACTS = 1_000_000
PREDICTION_ROUTING = "longest-waiting"
SEED_OFFSET = 18_000  # the prediction's stream differs from `wfm simulate --seed <solver seed>`'s
METHOD = "simulation"


@dataclass(frozen=True)
class Prediction:
    """Weekly service level (answered within ``answer_seconds`` / offered) overall and per queue, its 95% CI
    half-width per queue, and ``per_slot`` ``[queue, slot]`` pooled over the replications (1.0 where nothing
    was offered)."""

    replications: int
    seed: int
    overall: float
    by_queue: dict[str, float]
    ci95_half_width: dict[str, float]
    per_slot: np.ndarray


def prediction_replications(expected_contacts: float) -> int:
    if expected_contacts <= 0:
        return MIN_REPLICATIONS
    return int(np.clip(round(PREDICTION_CONTACTS / expected_contacts), MIN_REPLICATIONS, MAX_REPLICATIONS))


def predict_service_level(config: PlanConfig, week: Week, forecast: pd.DataFrame, roster: Roster
                          ) -> Prediction | None:
    """The roster's service level as the simulation sees it (see the module docstring); None above
    ``MAX_PREDICTED_CONTACTS``."""
    inp = simulation_input(config, week, forecast, shifts_from_roster(config, week, roster))
    if float(inp.contacts.sum()) > MAX_PREDICTED_CONTACTS:
        return None
    reps = prediction_replications(float(inp.contacts.sum()))
    seed = SEED_OFFSET + config.solver.seed
    runs = replications(inp, reps, seed, PREDICTION_ROUTING, inp.absence_rate)
    result = summarise(inp, runs, seed, PREDICTION_ROUTING, inp.absence_rate)
    scored = np.sum([r.scored for r in runs], axis=0)
    in_time = np.sum([r.answered_in_time for r in runs], axis=0)
    per_slot = np.where(scored > 0, in_time / np.maximum(scored, 1), 1.0)

    def mean(value: float) -> float:
        return 1.0 if value != value else round(value, 6)  # NaN: nothing offered all week

    def half(ci: tuple[float, float] | None) -> float:
        return 0.0 if ci is None else round((ci[1] - ci[0]) / 2, 6)

    return Prediction(
        replications=reps, seed=seed, overall=mean(result.overall.service_level.mean),
        by_queue={q: mean(f.service_level.mean) for q, f in result.queues.items()},
        ci95_half_width={q: half(f.service_level.ci95) for q, f in result.queues.items()},
        per_slot=per_slot)
