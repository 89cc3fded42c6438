"""A deferred queue whose deadline its few skilled agents cannot keep (``diagnose.deadline_reach``): a social queue
open 14 h a day answered by one part-timer misses its 120-minute deadline whatever the roster. The warning names the
queue, the open hours, the deadline and the agent's most hours (stderr and ``kpis.json``), its bound holds against
the published roster's share, and the centre as generated (several skilled agents) gets none."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from forecasting.history import load_history
from scheduler.app.channels import plan_requirements
from scheduler.app.pipeline import forecast_week, planned_week, queue_targets
from scheduler.demo.example import generate_example
from scheduler.diagnose.deadline_reach import unreachable_deadlines
from scheduler.io.config import load_config
from tests.test_cli_plan import explain, wfm


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory.mktemp("reach") / "c", agents=16, weeks=3, seed=3,
                            channels=["voice", "social"])


def _one_skilled(plan: Path) -> Path:
    """A copy of the centre whose social queue only one part-timer answers (120-min deadline, open 14 h a day),
    with a tenth of its contacts."""
    folder = plan.parent
    rows = list(csv.DictReader(io.StringIO((folder / "agents.csv").read_text())))
    keeper = next(r["agent_id"] for r in rows if r["contract"] == "part_time" and not r["availability"])
    for row in rows:  # the others answer the voice queue (``sales``) only
        row["skills"] = "social" if row["agent_id"] == keeper else "sales"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (folder / "agents_one.csv").write_text(text.getvalue())
    # a tenth of the work: 30 h a week would do it, were it spread evenly
    history = pd.read_csv(folder / "history.csv", dtype={"contacts": float})
    social_rows = history["queue"] == "social"
    history.loc[social_rows, "contacts"] = (history.loc[social_rows, "contacts"] / 10).round(3)
    history.to_csv(folder / "history_one.csv", index=False)
    config = yaml.safe_load(plan.read_text())
    config["agents"], config["history"] = "agents_one.csv", "history_one.csv"
    social = next(q for q in config["queues"] if q["id"] == "social")
    assert social["deadline_minutes"] == 120 and social["deadline_clock"] == "open_hours"
    one = folder / "plan_one.yaml"
    one.write_text(yaml.safe_dump(config, sort_keys=False))
    return one


def _warnings(plan: Path) -> dict[str, str]:
    config = load_config(plan)
    history = load_history(config.history_path, config.interval_minutes, timezone=config.timezone)
    week = planned_week(config, history)
    required = plan_requirements(config, forecast_week(config, history, week), queue_targets(config))
    return unreachable_deadlines(config, week, required)


def test_the_generated_centre_gets_no_warning(centre: Path) -> None:
    assert _warnings(centre) == {}


def test_one_part_timer_for_a_social_queue_is_named(centre: Path, tmp_path: Path) -> None:
    one = _one_skilled(centre)
    lines = _warnings(one)
    assert list(lines) == ["social"]
    line = lines["social"]
    assert "must be worked within 120 min, but its 1 skilled agent(s) can work at most" in line
    assert "service_level_target 90%" in line and "deadline_minutes" in line
    result = wfm("plan", one, "--out", tmp_path / "out", "--time-limit", "3")
    assert result.exit_code == 0, explain(result)
    assert f"warning: {line}" in result.output
    kpis = json.loads((tmp_path / "out" / "kpis.json").read_text())
    assert line in kpis["warnings"]
    # the bound is an upper bound: the published roster handles no more in time than the line allows
    best = float(line.split("at most ")[2].split("%")[0]) / 100
    assert kpis["deferred"]["social"]["share_within_deadline"] <= best + 0.005
