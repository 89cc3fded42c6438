"""``wfm simulate``'s outputs: the text table, the JSON object and the per-interval CSV."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from scheduler.io.outputs import frame_csv, json_text
from scheduler.simulation.plan_folder import coverage_prediction
from scheduler.simulation.stats import Estimate, Figures, SimulationResult


def _pm(value: Estimate, scale: float = 1.0, digits: int = 1) -> str:
    if math.isnan(value.mean):
        return "-"
    text = f"{value.mean * scale:.{digits}f}"
    if value.ci95 is not None:
        text += f" ± {(value.ci95[1] - value.ci95[0]) / 2 * scale:.{digits}f}"
    return text


def result_table(result: SimulationResult, predicted: dict[str, float] | None = None) -> str:
    """One line per queue and one overall: offered per week, SL %, ASA s, abandoned %, occupancy % (mean ± 95%
    CI half-width), and the plan's predicted SL % (``predicted``: per queue id, overall under ``""``) if given."""
    lines = [f"{result.replications} replication(s), seed {result.seed}, routing {result.routing}, "
             f"absence {result.absence_rate:.1%} of shifts",
             f"{'queue':<16} {'offered/week':>12} {'service level %':>16} {'ASA s':>14} {'abandoned %':>12} "
             f"{'occupancy %':>12}" + (f" {'plan predicted %':>16}" if predicted else "")]

    def line(name: str, key: str, f: Figures) -> str:
        text = (f"{name[:16]:<16} {f.offered_per_week:>12,.0f} {_pm(f.service_level, 100):>16} "
                f"{_pm(f.asa_seconds):>14} {_pm(f.abandonment, 100):>12} {_pm(f.occupancy, 100):>12}")
        if predicted:
            text += f" {predicted[key] * 100:>16.1f}" if key in predicted else f" {'-':>16}"
        return text

    lines += [line(q, q, f) for q, f in result.queues.items()]
    lines.append(line("overall", "", result.overall))
    return "\n".join(lines) + "\n"


def result_json(result: SimulationResult) -> str:
    return json_text(result.to_dict())


def intervals_csv(result: SimulationResult, plan_dir: Path | None) -> str:
    """Per queue and interval with forecast contacts: the simulated figures beside the plan's predictions
    (``erlang_service_level``: coverage.csv's Erlang-per-queue figure; ``predicted_service_level``: the pooled
    prediction, where the plan folder has them)."""
    frame = result.intervals.rename(columns={"service_level": "simulated_service_level"})
    cover = coverage_prediction(plan_dir) if plan_dir is not None else None
    if cover is not None and {"interval_start", "queue", "service_level"} <= set(cover.columns):
        keep = cover[["interval_start", "queue", "service_level"]].rename(
            columns={"service_level": "erlang_service_level"})
        if "predicted_service_level" in cover.columns:
            keep["predicted_service_level"] = cover["predicted_service_level"]
        frame = frame.merge(keep, on=["interval_start", "queue"], how="left")
    frame = frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    frame["interval_start"] = pd.to_datetime(frame["interval_start"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    return frame_csv(frame, 4)
