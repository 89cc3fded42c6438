"""The bundled example planned end to end: the quality the README claims, guarded against regression.

Runs the real weekly job on ``configs/example.yaml`` with its own solver settings (deterministic, 45 s
budget) once per session; checks every queue's weekly service level against its target, zero hard
violations from the independent validator, and the CI gate against ``baselines/example-kpis.json``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.app.pipeline import run_plan
from scheduler.rostering.stopping import Stop
from scheduler.validation.check import Tolerances, run_check
from scheduler.validation.kpis import read_kpis

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("example") / "out"
    return run_plan(ROOT / "configs" / "example.yaml", out, progress=None, stop=Stop(600))  # the budget decides


def test_example_roster_has_no_hard_violations(planned) -> None:
    assert planned.violations == ()
    assert planned.kpis.hard_violations == 0
    assert read_kpis(planned.out_dir / "kpis.json") == planned.kpis


def test_every_queue_meets_its_weekly_service_level_target(planned) -> None:
    by_queue = planned.kpis.service_level.by_queue
    for queue, target in planned.kpis.service_level_target.items():
        assert by_queue[queue] >= target, f"{queue}: {by_queue[queue]:.3f} < target {target}"


def test_quality_gate_against_committed_baseline(planned) -> None:
    tolerances = Tolerances(service_level_drop=0.01, understaffing_growth=0.5)
    passed, report = run_check(planned.out_dir / "kpis.json", ROOT / "baselines" / "example-kpis.json", tolerances)
    assert passed, report
