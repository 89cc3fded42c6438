"""``benchmarks/schedule_scale.py --weeks``'s CPU stamps (README "Measured: rosters over several weeks"): each
progress line is passed on with the process's CPU seconds, and each week's CPU is counted from its start line to
its ``done`` line, so a week's figure on a loaded machine is its own work, not the load."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_schedule_scale", ROOT / "benchmarks" / "schedule_scale.py")
assert _spec is not None and _spec.loader is not None
schedule_scale = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(schedule_scale)


def test_each_week_is_charged_the_cpu_from_its_start_line_to_its_done_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    clock = iter([1.0, 2.0, 12.0, 12.5, 30.0, 31.0, 40.0])
    monkeypatch.setattr(schedule_scale.time, "process_time", lambda: next(clock))
    stamps = schedule_scale._CpuStamps()
    lines = ["[week]    0.5s  1/2: week of 2026-03-30, 10.0 required agent-hours",
             "[schedule:lp]   3.0s  objective 5.0  bound 4.0  gap 20.00%",
             "[week]   20.0s  1/2 done: 9 shifts, objective 5.0, bound without carry-in 4.0",
             "[week]   20.0s  2/2: week of 2026-04-06, 10.0 required agent-hours",
             "[week]   50.0s  2/2 done: 9 shifts, objective 6.0, bound without carry-in 4.0",
             "[schedule]   50.1s  2 weeks, 18 shifts, gap 27.27% against the sum of the weeks' bounds",
             "[validate]   50.2s  0 hard-rule violation(s) over 2 weeks"]
    for line in lines:  # as print() writes them: the text, then the newline
        stamps.write(line)
        stamps.write("\n")
    assert stamps.week_solve_cpu(2) == [11.0, 17.5]
    assert stamps.cpu_at["[schedule] 2 weeks, 18 shifts, gap 27.27% against the sum of the weeks' bounds"] == 31.0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == lines[0] + "  [cpu 1.0s]" and err[-1] == lines[-1] + "  [cpu 40.0s]"


def test_a_line_written_in_pieces_is_stamped_once_when_it_ends(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(schedule_scale.time, "process_time", lambda: 7.0)
    stamps = schedule_scale._CpuStamps()
    stamps.write("[week]  1.0s  1/1: ")
    assert capsys.readouterr().err == ""
    stamps.write("week of 2026-03-30\n[wee")
    assert capsys.readouterr().err == "[week]  1.0s  1/1: week of 2026-03-30  [cpu 7.0s]\n"
