"""The documented overhead beyond the time limit (README "Time limit"): one formula, with weeks in it, that both
benchmarks checking the promise read."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from scheduler.app.overhead import documented_overhead_s

ROOT = Path(__file__).resolve().parents[1]


def test_one_week_is_the_weekly_formula_and_each_week_adds_its_share() -> None:
    one = documented_overhead_s(151, 10)
    assert one == pytest.approx(4.0 + 0.02 * 151 + 0.1 * 10)
    assert documented_overhead_s(151, 10, weeks=1) == one
    four = documented_overhead_s(151, 10, weeks=4)
    assert four > documented_overhead_s(151, 10, weeks=2) > one
    assert four - documented_overhead_s(151, 10, weeks=3) == pytest.approx(
        documented_overhead_s(151, 10, weeks=2) - one)


@pytest.mark.parametrize("name", ["plan_scale", "new_centres"])
def test_the_benchmarks_use_the_one_formula(name: str) -> None:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert module.documented_overhead_s is documented_overhead_s
    assert not [n for n in vars(module) if n.startswith("OVERHEAD_")]  # no second copy of the constants
