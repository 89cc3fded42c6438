"""Issue 13: centre-wide diagnosis, no empty roster, warnings for implausible input, re-plans that keep activities.

The centres are tiny (``tests.tiny_centre``) so each run takes seconds; ``tests.ecommerce_centre`` rebuilds the
issue's 80-agent centre for manual runs and is checked here for loading only.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from ortools.sat.python import cp_model

from scheduler.app.cli import main
from scheduler.diagnose.centre import break_cap_conflicts
from scheduler.domain.plan import PinnedShift
from scheduler.domain.roster import ActivityAssignment, BreakAssignment, ShiftAssignment, roster_csv
from scheduler.domain.week import Week
from scheduler.errors import InfeasibleError
from scheduler.io.config import load_config
from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.replan import day_text
from scheduler.rostering.search.sequential import BlockedByOthers
from scheduler.validation.validate import read_roster, validate_roster
from tests import ecommerce_centre
from tests.tiny_centre import WEEK_START, TinyActivity, TinyAgent, TinyCentre, write

WEEK = Week(WEEK_START, 30)


def wfm(*args: object):
    """``wfm ARGS`` in-process; plans and schedules get a generous wall-clock cap unless the test sets one, so a
    loaded machine cannot cut the deterministic budget short."""
    words = [str(a) for a in args]
    if words[0] in ("plan", "schedule") and "--wall-limit" not in words:
        words += ["--wall-limit", "900"]
    return CliRunner().invoke(main, words)


def schedule(plan: Path, requirements: Path, out: Path, *extra: object):
    return wfm("schedule", plan, "--requirements", requirements, "--out", out, "--time-limit", 2, *extra)


def _meeting_centre(cap: int) -> TinyCentre:
    """Four agents who must all attend a Monday 09:00 meeting, so all work Monday and (lunch two hours after a
    08:00 or 09:00 start) can take lunch in two intervals only."""
    agents = tuple(TinyAgent(f"A{i}", "full_time", ("q1",)) for i in range(1, 5))
    meeting = TinyActivity("meeting", 60, tuple(a.agent_id for a in agents), ("mon",), "09:00", "10:00", True)
    return TinyCentre(agents=agents, max_agents_on_break=cap, full_time_hours=(8, 40), break_window=(120, 120),
                      late_template=False, activities=(meeting,))


def test_break_cap_counted_before_solving(tmp_path: Path) -> None:
    # Six agents available Monday to Friday who must work five days: each weekday six lunches in five intervals.
    agents = tuple(TinyAgent(f"A{i}", "full_time", ("q1",), "mon-fri 08:00-20:00") for i in range(1, 7))
    centre = TinyCentre(agents=agents, max_agents_on_break=1, full_time_hours=(0, 40), min_days_per_week=5,
                        break_window=(120, 120), late_template=False)
    plan, requirements = write(centre, tmp_path / "centre")
    lines = break_cap_conflicts(load_config(plan), WEEK)
    assert len(lines) == 6  # the week, then each weekday
    assert lines[0].startswith("centre.max_agents_on_break 1 cannot hold: the agents' contracts need at least 30 "
                               "break and lunch intervals in the week, but their break windows span only 25 intervals")
    assert lines[1].startswith("centre.max_agents_on_break 1 cannot hold on Mon 2026-03-30: 6 agents must work")
    assert "at least 6 break and lunch intervals" in lines[1] and "span only 5 intervals" in lines[1]
    result = schedule(plan, requirements, tmp_path / "out")
    assert result.exit_code == 3 and "error: centre.max_agents_on_break 1 cannot hold: " in result.output
    assert not break_cap_conflicts(replace(load_config(plan), max_agents_on_break=2), WEEK)


def test_centre_wide_cause_named_when_no_roster_exists(tmp_path: Path) -> None:
    plan, requirements = write(_meeting_centre(cap=1), tmp_path / "centre")
    assert not break_cap_conflicts(load_config(plan), WEEK)  # the counting check cannot see it
    result = schedule(plan, requirements, tmp_path / "out")
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    message = result.output.strip().splitlines()[-1]
    assert message.startswith("error: no roster keeps centre.max_agents_on_break 1")
    assert message.endswith("without it a roster exists")
    assert not (tmp_path / "out").exists()


def test_same_centre_with_room_for_the_lunches_is_rostered(tmp_path: Path) -> None:
    plan, requirements = write(_meeting_centre(cap=2), tmp_path / "centre")
    result = schedule(plan, requirements, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert validate_roster(load_config(plan), read_roster(tmp_path / "out" / "roster.csv"), WEEK_START) == []


@pytest.fixture()
def no_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every start of the search fails as when greedy placement breaks the cap (issue 13's KeyError 'M02')."""
    def blocked(*args, **kwargs):
        raise BlockedByOthers("A1")
    monkeypatch.setattr(solve, "lp_weeks", lambda *args, **kwargs: {})
    monkeypatch.setattr(solve, "sequential_roster", blocked)


def test_no_start_falls_back_to_a_roster_of_the_hard_rules(tmp_path: Path, no_start: None) -> None:
    plan, _ = write(_meeting_centre(cap=2), tmp_path / "centre")
    config = load_config(plan)
    week = Week(WEEK_START, config.interval_minutes)
    requirements = np.ones((1, week.slot_count), dtype=np.int64)
    progress = io.StringIO()
    result = solve.solve_roster(Instance(config, week, requirements), time_limit_seconds=2, progress=progress)
    assert result.roster.shifts and np.isfinite(result.stats.objective)
    lines = [line.split("]")[0] + line.split("s  ", 1)[1] for line in progress.getvalue().splitlines()]
    assert len(lines) == len(set(lines))  # no progress line repeated
    assert any("[schedule:hard rules alone" in line for line in lines)
    (tmp_path / "roster.csv").write_text(roster_csv(result.roster))
    assert validate_roster(config, read_roster(tmp_path / "roster.csv"), WEEK_START) == []


def test_no_start_and_no_roster_is_exit_3_not_an_empty_roster(tmp_path: Path, no_start: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    plan, _ = write(_meeting_centre(cap=2), tmp_path / "centre")
    config = load_config(plan)
    week = Week(WEEK_START, config.interval_minutes)
    real = solve.solve_hard_rules
    monkeypatch.setattr(solve, "solve_hard_rules", lambda *a, **k: (cp_model.UNKNOWN, *real(*a, **k)[1:]))
    with pytest.raises(InfeasibleError, match="within the time limit"):
        solve.solve_roster(Instance(config, week, np.ones((1, week.slot_count), dtype=np.int64)), time_limit_seconds=2,
                           progress=None)


def test_implausible_input_warned_once_per_queue_and_kind(tmp_path: Path) -> None:
    agents = (TinyAgent("A1", "full_time", ("q1",)), TinyAgent("A2", "full_time", ("q1",)))
    slots = {slot: 21 for slot in range(20, 30)}  # 21 agents for 1.3 calls of 300 s per 30 minutes
    centre = TinyCentre(agents=agents, queues=("q1", "q2"), required={"q1": slots}, contacts=1.3,
                        open_hours=("00:00", "24:00"), full_time_hours=(0, 40))
    plan, requirements = write(centre, tmp_path / "centre")
    result = schedule(plan, requirements, tmp_path / "out")
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    kpis = json.loads((tmp_path / "out" / "kpis.json").read_text())
    assert [f"warning: {w}" for w in kpis["warnings"]] == warned
    assert len(warned) == 4, warned
    assert warned[0].startswith("warning: queue q1: 10 interval(s) need more than 3x the offered load plus 5 agents, "
                                "e.g. 21 agents for 0.2 Erlangs")
    assert warned[1].startswith("warning: queue q1: open or required in ") and "can cover" in warned[1]
    assert warned[2].startswith("warning: queue q2: ") and "no agent is skilled for it" in warned[2]
    # after the solve: how much of q1's shortage its two agents cannot cover in any roster
    assert warned[3].startswith("warning: queue 'q1': ")
    assert "of them in every roster: its 2 skilled agents" in warned[3]


def test_plausible_input_has_no_warnings(tmp_path: Path) -> None:
    plan, requirements = write(_meeting_centre(cap=2), tmp_path / "centre")
    result = schedule(plan, requirements, tmp_path / "out")
    assert result.exit_code == 0 and "warning:" not in result.stderr
    assert json.loads((tmp_path / "out" / "kpis.json").read_text())["warnings"] == []


def test_day_text(tmp_path: Path) -> None:
    config = load_config(write(_meeting_centre(cap=2), tmp_path)[0])
    shift = ShiftAssignment("A1", date(2026, 3, 30), "day", 540, 480, 480,
                            (BreakAssignment("lunch", 660, 30),), (ActivityAssignment("meeting", 600, 60),))
    assert day_text(config, shift) == "09:00-17:00 (meeting 10:00-11:00, lunch 11:00)"
    assert day_text(config, None) == "off"
    assert day_text(config, PinnedShift("day", 540, (660,), (("meeting", 600),))) == day_text(config, shift)


def _days(path: Path) -> dict[tuple[str, str], set[tuple[str, ...]]]:
    days: dict[tuple[str, str], set[tuple[str, ...]]] = defaultdict(set)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            days[row["agent_id"], row["date"]].add(tuple(row.values()))
    return days


def test_replan_keeps_pinned_activities_and_lists_every_change(tmp_path: Path) -> None:
    agents = tuple(TinyAgent(f"A{i}", "full_time" if i % 2 else "part_time", ("q1",)) for i in range(1, 6))
    coaching = TinyActivity("coaching", 60, ("A1", "A3", "A5"), ("mon", "tue", "wed", "thu", "fri"), "09:00",
                            "17:00", False)
    meeting = TinyActivity("meeting", 30, ("A1", "A3"), ("tue", "wed"), "10:00", "16:00", True)
    centre = TinyCentre(agents=agents, full_time_hours=(16, 40), activities=(coaching, meeting))
    plan, requirements = write(centre, tmp_path / "centre")
    assert schedule(plan, requirements, tmp_path / "out").exit_code == 0
    published = _days(tmp_path / "out" / "roster.csv")
    with (tmp_path / "out" / "roster.csv").open(newline="") as handle:
        activity_days = sorted({row["date"] for row in csv.DictReader(handle) if row["activity"] in ("coaching",
                                                                                                  "meeting")})
    pinned = {date.fromisoformat(d).strftime("%a").lower() for d in activity_days}
    sick_day = next(d for d in WEEK.days() if d.strftime("%a").lower() not in pinned)
    lines = (tmp_path / "centre" / "agents.csv").read_text().splitlines()
    lines[2] += sick_day.isoformat()  # A2 calls in sick on an unpinned day
    (tmp_path / "centre" / "agents.csv").write_text("\n".join(lines) + "\n")
    result = schedule(plan, requirements, tmp_path / "again", "--pin", tmp_path / "out" / "roster.csv",
                      "--pin-days", ",".join(sorted(pinned)))
    assert result.exit_code == 0, result.output
    now = _days(tmp_path / "again" / "roster.csv")
    for key in set(published) | set(now):
        if date.fromisoformat(key[1]).strftime("%a").lower() in pinned:
            assert now.get(key) == published.get(key), key  # to the minute, activities included
    with (tmp_path / "again" / "changes.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert (tmp_path / "again" / "changes.csv").read_text().startswith("agent_id,date,before,after,change\n")
    changed = {key for key in set(published) | set(now)
               if {r[2:] for r in published.get(key, set())} != {r[2:] for r in now.get(key, set())}}
    assert {(r["agent_id"], r["date"]) for r in rows} == changed
    if ("A2", sick_day.isoformat()) in published:
        assert ("A2", sick_day.isoformat()) in changed
    report = (tmp_path / "again" / "report.html").read_text()
    assert f"Changes against the published roster ({len(rows)} agent-days)" in report


def test_ecommerce_centre_loads(tmp_path: Path) -> None:
    plan = ecommerce_centre.write_centre(tmp_path / "centre", agents=24)
    config = load_config(plan)
    assert len(config.queues) == 8 and config.max_agents_on_break == 4 and config.holiday_country == "CN"
    assert {a.activity_id for a in config.activities} == {"coaching", "team_meeting"}
