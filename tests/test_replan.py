"""Re-plan from a published roster: pinned days kept to the minute, other days changed as little as possible."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.app.cli import main
from scheduler.demo.example import generate_example
from scheduler.domain.week import Week
from scheduler.errors import InfeasibleError, InputError
from scheduler.io.config import load_config
from scheduler.rostering.replan import load_replan, parse_pin_days

WEEK = Week(date(2026, 3, 30), 15)


def wfm(*args: object):
    """``wfm ARGS`` in-process; plans get a generous wall-clock cap, so a loaded machine cannot cut the
    deterministic budget short and change the roster a test compares."""
    words = [str(a) for a in args]
    if words[0] == "plan" and "--wall-limit" not in words:
        words += ["--wall-limit", "900"]
    return CliRunner().invoke(main, words, catch_exceptions=False)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("replan")
    plan = generate_example(folder / "centre", agents=14, weeks=3, seed=5)
    result = wfm("plan", plan, "--out", folder / "out", "--time-limit", "6", "--quiet")
    assert result.exit_code == 0, result.output
    return plan, folder / "out"


def segments(path: Path, days: set[str] | None = None) -> set[tuple[str, ...]]:
    with path.open(newline="") as handle:
        return {tuple(row.values()) for row in csv.DictReader(handle) if days is None or row["date"] in days}


def test_pin_days_parse() -> None:
    assert parse_pin_days(None, WEEK) == set(WEEK.days())
    assert parse_pin_days("mon, 2026-04-01", WEEK) == {date(2026, 3, 30), date(2026, 4, 1)}
    for bad in ("funday", "2026-04-20", "2026-13-01"):
        with pytest.raises(InputError, match="--pin-days"):
            parse_pin_days(bad, WEEK)


def test_replan_from_itself_keeps_every_shift(published, tmp_path: Path) -> None:
    plan, out = published
    result = wfm("plan", plan, "--out", tmp_path / "again", "--time-limit", "6", "--quiet",
                 "--pin", out / "roster.csv", "--pin-days", "mon,tue")
    assert result.exit_code == 0, result.output
    pinned = {"2026-03-30", "2026-03-31"}
    assert segments(tmp_path / "again" / "roster.csv", pinned) == segments(out / "roster.csv", pinned)
    # the published roster is a start of the search, so the re-plan is never worse than it
    again = json.loads((tmp_path / "again" / "kpis.json").read_text())
    before = json.loads((out / "kpis.json").read_text())
    assert again["solver"]["objective"] <= before["solver"]["objective"] + 1e-6


def test_replan_keeps_pinned_days_when_the_agent_loses_a_later_day(published, tmp_path: Path) -> None:
    plan, out = published
    rows = list(csv.DictReader((out / "roster.csv").open(newline="")))
    friday_worker = next(r["agent_id"] for r in rows if r["date"] == "2026-04-03" and r["activity"] == "shift")
    agents = (plan.parent / "agents.csv").read_text().splitlines()
    changed = []
    for line in agents:
        if line.startswith(friday_worker + ","):
            fields = line.split(",")
            fields[4] = ";".join(filter(None, [fields[4], "2026-04-03"]))  # sick on Friday: time off
            line = ",".join(fields)
        changed.append(line)
    (plan.parent / "agents_sick.csv").write_text("\n".join(changed) + "\n")
    sick_plan = plan.parent / "plan_sick.yaml"
    sick_plan.write_text(plan.read_text().replace("agents: agents.csv", "agents: agents_sick.csv"))
    result = wfm("plan", sick_plan, "--out", tmp_path / "sick", "--time-limit", "6", "--quiet",
                 "--pin", out / "roster.csv", "--pin-days", "mon,tue,wed")
    assert result.exit_code == 0, result.output
    pinned = {"2026-03-30", "2026-03-31", "2026-04-01"}
    assert segments(tmp_path / "sick" / "roster.csv", pinned) == segments(out / "roster.csv", pinned)
    new_rows = list(csv.DictReader((tmp_path / "sick" / "roster.csv").open(newline="")))
    assert not any(r["agent_id"] == friday_worker and r["date"] == "2026-04-03" for r in new_rows)
    checked = wfm("validate", sick_plan, tmp_path / "sick" / "roster.csv")
    assert checked.exit_code == 0, checked.output


def test_sick_on_a_pinned_day_releases_that_day_only(published, tmp_path: Path) -> None:
    plan, out = published
    rows = list(csv.DictReader((out / "roster.csv").open(newline="")))
    monday_worker = next(r["agent_id"] for r in rows if r["date"] == "2026-03-30" and r["activity"] == "shift")
    agents = (plan.parent / "agents.csv").read_text().splitlines()
    sick = [",".join(f[:4] + [";".join(filter(None, [f[4], "2026-03-30"]))] + f[5:])
            if (f := line.split(","))[0] == monday_worker else line for line in agents]
    (plan.parent / "agents_sick_monday.csv").write_text("\n".join(sick) + "\n")
    sick_plan = plan.parent / "plan_sick_monday.yaml"
    sick_plan.write_text(plan.read_text().replace("agents: agents.csv", "agents: agents_sick_monday.csv"))
    result = wfm("plan", sick_plan, "--out", tmp_path / "sick", "--time-limit", "6", "--quiet",
                 "--pin", out / "roster.csv", "--pin-days", "mon,tue")
    assert result.exit_code == 0, result.output
    pinned = {"2026-03-30", "2026-03-31"}
    kept = {row for row in segments(out / "roster.csv", pinned)
            if not (row[0] == monday_worker and row[1] == "2026-03-30")}
    assert segments(tmp_path / "sick" / "roster.csv", pinned) == kept  # leave wins; every other pin identical
    changes = list(csv.DictReader((tmp_path / "sick" / "changes.csv").open(newline="")))
    released = [c for c in changes if (c["agent_id"], c["date"]) == (monday_worker, "2026-03-30")]
    assert len(released) == 1 and released[0]["before"] != "off" and released[0]["after"] == "off"
    assert released[0]["change"] == "shift removed"
    for change in changes:  # the kind agrees with the two sides
        same_times = change["before"].split(" (")[0] == change["after"].split(" (")[0]
        assert (change["change"] in ("breaks moved", "activities changed", "breaks moved, activities changed")) \
            == same_times, change
    assert not any(c["date"] in pinned for c in changes if c is not released[0])
    checked = wfm("validate", sick_plan, tmp_path / "sick" / "roster.csv")
    assert checked.exit_code == 0, checked.output


def test_pinned_shift_that_no_longer_fits_is_exit_3(published, tmp_path: Path) -> None:
    plan, out = published
    rows = list(csv.DictReader((out / "roster.csv").open(newline="")))
    monday_worker = next(r["agent_id"] for r in rows if r["date"] == "2026-03-30" and r["activity"] == "shift")
    config = load_config(plan)
    from dataclasses import replace
    unavailable = tuple(a if a.agent_id != monday_worker else replace(a, availability=(None, *a.availability[1:]))
                        for a in config.agents)
    with pytest.raises(InfeasibleError, match=f"agent {monday_worker}: the pinned shift on 2026-03-30"):
        load_replan(out / "roster.csv", replace(config, agents=unavailable), WEEK, {date(2026, 3, 30)})
    # time off on a pinned day is not a conflict: the day is released (kept off), the published shift remembered
    sick = tuple(a if a.agent_id != monday_worker else replace(a, time_off=frozenset({date(2026, 3, 30)}))
                 for a in config.agents)
    replan = load_replan(out / "roster.csv", replace(config, agents=sick), WEEK, {date(2026, 3, 30)})
    assert replan.pinned[monday_worker, date(2026, 3, 30)] is None
    assert replan.published[monday_worker, date(2026, 3, 30)] is not None


def test_bad_pinned_rosters_are_exit_2(published, tmp_path: Path) -> None:
    plan, out = published
    text = (out / "roster.csv").read_text().splitlines()
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("\n".join([text[0], "Z999," + text[1].split(",", 1)[1]]) + "\n")
    result = wfm("plan", plan, "--out", tmp_path / "never", "--pin", unknown)
    assert result.exit_code == 2 and "unknown.csv row 2: unknown agent 'Z999'" in result.output
    assert not (tmp_path / "never").exists()
    orphan = tmp_path / "orphan.csv"
    orphan.write_text("\n".join([text[0]] + [line for line in text[1:] if ",shift," not in line][:1]) + "\n")
    result = wfm("plan", plan, "--out", tmp_path / "never", "--pin", orphan)
    assert result.exit_code == 2 and "has no shift" in result.output
    result = wfm("plan", plan, "--out", tmp_path / "never", "--pin-days", "mon")
    assert result.exit_code == 2 and "--pin-days needs --pin" in result.output


def test_replan_of_a_week_whose_contract_has_a_horizon_key(published, tmp_path: Path) -> None:
    """Every other weekend off (``max_consecutive_weekends: 1``) made every --pin exit 2 with a message about
    --weeks and --previous, neither given: a one-week re-plan now plans, the key held over that week."""
    plan, out = published
    text = plan.read_text().replace("    max_consecutive_days: 5\n", "    max_consecutive_days: 5\n"
                                    "    max_consecutive_weekends: 1\n", 1)
    assert "max_consecutive_weekends" in text
    weekends_off = plan.parent / "plan_weekends.yaml"
    weekends_off.write_text(text)
    result = wfm("plan", weekends_off, "--out", tmp_path / "again", "--time-limit", "6", "--quiet",
                 "--pin", out / "roster.csv", "--pin-days", "mon,tue")
    assert result.exit_code == 0, result.output
    pinned = {"2026-03-30", "2026-03-31"}
    assert segments(tmp_path / "again" / "roster.csv", pinned) == segments(out / "roster.csv", pinned)
    checked = wfm("validate", weekends_off, tmp_path / "again" / "roster.csv")
    assert checked.exit_code == 0, checked.output
    with_previous = wfm("plan", weekends_off, "--out", tmp_path / "x", "--pin", out / "roster.csv", "--weeks", "2")
    assert with_previous.exit_code == 2
