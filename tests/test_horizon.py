"""Plans over several weeks (``--weeks``, ``forecast.weeks``) and from a previous roster (``--previous``), end to
end on tiny centres: every output covers the horizon, the independent validator finds nothing, the seam with
the previous roster is kept (and a roster that breaks it is caught), bad input is refused with the row or key
named, and ``--weeks 1`` changes nothing."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from scheduler.io.config import load_config
from scheduler.validation.horizon import validate_horizon
from scheduler.validation.validate import read_roster
from tests.test_cli_plan import explain, wfm
from tests.tiny_centre import WEEK_START, TinyAgent, TinyCentre, write

AGENTS = tuple(TinyAgent(f"A{i}", "full_time" if i < 3 else "part_time", ("q1",)) for i in range(5))
SUNDAY_BEFORE = WEEK_START - timedelta(days=1)


def _centre(folder: Path, weeks: int = 2, agents: tuple[TinyAgent, ...] = AGENTS) -> tuple[Path, Path]:
    """The tiny centre with requirements repeated over ``weeks`` weeks."""
    plan, requirements = write(TinyCentre(agents=agents), folder)
    lines = requirements.read_text(encoding="utf-8").splitlines()
    rows = [lines[0]]
    for week in range(weeks):
        for line in lines[1:]:
            stamp, rest = line.split(",", 1)
            moved = datetime.fromisoformat(stamp) + timedelta(days=7 * week)
            rows.append(f"{moved.isoformat()},{rest}")
    requirements.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return plan, requirements


def _previous(path: Path, rows: list[tuple[str, date, str, str]]) -> Path:
    """A roster.csv of shift rows (agent, date, start clock, end clock)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["agent_id", "date", "activity", "start", "end"])
        for agent_id, day, start, end in rows:
            writer.writerow([agent_id, day.isoformat(), "shift", f"{day}T{start}:00", f"{day}T{end}:00"])
    return path


def _valid_two_weeks(plan: Path, requirements: Path, out: Path) -> pd.DataFrame:
    """``wfm schedule --weeks 2`` of the plan (2-s limit): it exits 0 and the horizon validator finds the roster
    valid; the roster read back."""
    result = wfm("schedule", plan, "--requirements", requirements, "--out", out, "--weeks", "2",
                 "--time-limit", "2", "--quiet")
    assert result.exit_code == 0, explain(result)
    roster = read_roster(out / "roster.csv")
    assert validate_horizon(load_config(plan), roster, WEEK_START, 2) == []
    return roster


@pytest.fixture(scope="module")
def two_weeks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("horizon")
    plan, requirements = _centre(folder)
    plan.write_text(plan.read_text().replace(  # full-timers: every other weekend off, 32 h a week on average
        "    max_weekly_hours: 40\n", "    max_weekly_hours: 40\n    max_consecutive_weekends: 1\n"
        "    average_weekly_hours: 32\n    average_tolerance_hours: 2\n", 1).replace(
        "    max_weekly_hours: 24\n", "    max_weekly_hours: 24\n    max_weekends_in_horizon: 1\n", 1),
        encoding="utf-8")
    result = wfm("schedule", plan, "--requirements", requirements, "--out", folder / "out", "--weeks", "2",
                 "--time-limit", "2", "--quiet")
    assert result.exit_code == 0, explain(result)
    return plan, folder / "out"


def test_two_week_plan_is_valid_and_every_output_covers_it(two_weeks: tuple[Path, Path]) -> None:
    plan, out = two_weeks
    second = WEEK_START + timedelta(days=7)
    roster = read_roster(out / "roster.csv")
    assert {d >= second for d in roster["date"]} == {False, True}
    config = load_config(plan)
    assert config.contracts[0].max_consecutive_weekends == 1 and config.contracts[1].max_weekends_in_horizon == 1
    assert validate_horizon(config, roster, WEEK_START, 2) == []
    weekend = roster[(roster["activity"] == "shift") & roster["date"].map(lambda d: d.weekday() >= 5)]
    weekends = weekend.groupby("agent_id")["date"].agg(lambda days: len({d - timedelta(d.weekday()) for d in days}))
    assert (weekends <= 1).all()  # every other weekend (full-timers) and one in the horizon (part-timers)
    assert wfm("validate", plan, out / "roster.csv", "--weeks", "2").exit_code == 0
    days = {line[:10] for line in (out / "coverage.csv").read_text().splitlines()[1:]}
    assert min(days) == WEEK_START.isoformat() and max(days) == (second + timedelta(days=6)).isoformat()
    assert second.isoformat() in (out / "roster_grid.csv").read_text().splitlines()[0]
    page = (out / "report.html").read_text()
    for start in (WEEK_START, second):
        assert f"weeks/{start}/report.html" in page
        assert (out / "weeks" / str(start) / "report.html").is_file()
    kpis = json.loads((out / "kpis.json").read_text())
    weekly = [json.loads((out / "weeks" / str(s) / "kpis.json").read_text()) for s in (WEEK_START, second)]
    assert kpis["shifts"] == sum(k["shifts"] for k in weekly)
    assert kpis["solver"]["best_bound"] <= kpis["solver"]["objective"]
    assert any(ics.read_text().count("BEGIN:VEVENT") for ics in (out / "calendars").glob("*.ics"))
    written = {p: p.read_bytes() for p in [out / "report.html", *(out / "weeks").glob("*/report.html")]}
    assert wfm("report", out, "--config", plan).exit_code == 0  # rebuilt from the folder: the same pages
    assert {p: p.read_bytes() for p in written} == written


def test_validator_catches_a_roster_breaking_the_seam(two_weeks: tuple[Path, Path], tmp_path: Path) -> None:
    """Sunday's shift until 22:00 in the previous roster, then Monday 08:00: 10 h of rest < 11 h; and seven
    days in a row across the boundary > 6."""
    plan, _ = two_weeks
    previous = _previous(tmp_path / "previous.csv", [("A0", SUNDAY_BEFORE - timedelta(days=d), "14:00", "22:00")
                                                     for d in range(4)])
    horizon = _previous(tmp_path / "roster.csv", [("A0", WEEK_START + timedelta(days=d), "08:00", "16:00")
                                                  for d in range(3)])
    found = validate_horizon(load_config(plan), read_roster(horizon), WEEK_START, 1, previous)
    rules = {(v.rule, "across the week boundary" in v.detail) for v in found}
    assert ("min_rest", True) in rules and ("max_consecutive_days", True) in rules
    result = wfm("validate", plan, horizon, "--previous", previous)
    assert result.exit_code == 1 and "across the week boundary" in result.output


def test_previous_roster_holds_the_first_days(tmp_path: Path) -> None:
    """Every full-timer worked Wednesday to Sunday until 22:00 before the plan (max 6 days in a row, 11 h rest):
    none starts before 09:00 on Monday, none works both Monday and Tuesday, though Monday needs cover."""
    plan, requirements = _centre(tmp_path, weeks=1)
    previous = _previous(tmp_path / "previous.csv", [(f"A{i}", SUNDAY_BEFORE - timedelta(days=d), "14:00", "22:00")
                                                     for i in range(3) for d in range(5)])
    result = wfm("schedule", plan, "--requirements", requirements, "--out", tmp_path / "out", "--previous",
                 previous, "--time-limit", "1", "--quiet")
    assert result.exit_code == 0, explain(result)
    roster = read_roster(tmp_path / "out" / "roster.csv")
    shifts = roster[(roster["activity"] == "shift") & roster["agent_id"].isin(["A0", "A1", "A2"])]
    monday = shifts[shifts["date"] == WEEK_START]
    assert (monday["start"].dt.hour >= 9).all()
    tuesday = set(shifts.loc[shifts["date"] == WEEK_START + timedelta(days=1), "agent_id"])
    assert not set(monday["agent_id"]) & tuesday
    assert validate_horizon(load_config(plan), roster, WEEK_START, 1, previous) == []


def test_a_replan_after_a_previous_roster_keeps_the_seam(tmp_path: Path) -> None:
    """``--pin`` with ``--previous`` (a re-plan of a week of a horizon) exited 2. A full-timer on the published
    Monday worked the six days before it (at most 6 in a row): the re-plan (Sunday pinned) must take that Monday
    off, which the re-plan without the week before keeps (a changed day costs, an unchanged one does not)."""
    plan, requirements = _centre(tmp_path, weeks=1)
    published = tmp_path / "published"
    result = wfm("schedule", plan, "--requirements", requirements, "--out", published, "--time-limit", "1",
                 "--quiet")
    assert result.exit_code == 0, explain(result)
    roster = read_roster(published / "roster.csv")
    shifts = roster[roster["activity"] == "shift"]
    agent = sorted(shifts.loc[(shifts["date"] == WEEK_START) & shifts["agent_id"].isin(["A0", "A1", "A2"]),
                              "agent_id"])[0]
    previous = _previous(tmp_path / "previous.csv", [(agent, SUNDAY_BEFORE - timedelta(days=d), "08:00", "16:00")
                                                     for d in range(6)])
    result = wfm("schedule", plan, "--requirements", requirements, "--out", tmp_path / "again", "--time-limit", "1",
                 "--quiet", "--pin", published / "roster.csv", "--pin-days", "sun", "--previous", previous)
    assert result.exit_code == 0, explain(result)
    again = read_roster(tmp_path / "again" / "roster.csv")
    worked = again[(again["activity"] == "shift") & (again["agent_id"] == agent)]
    assert WEEK_START not in set(worked["date"])
    assert validate_horizon(load_config(plan), again, WEEK_START, 1, previous) == []
    with (tmp_path / "again" / "changes.csv").open(newline="") as handle:
        changes = list(csv.DictReader(handle))
    assert {"agent_id": agent, "date": WEEK_START.isoformat(), "change": "shift removed"}.items() <= next(
        c for c in changes if c["agent_id"] == agent and c["date"] == WEEK_START.isoformat()).items()
    sunday = (WEEK_START + timedelta(days=6)).isoformat()
    assert not any(c["date"] == sunday for c in changes)  # the pinned day kept
    several = wfm("schedule", plan, "--requirements", requirements, "--out", tmp_path / "x", "--weeks", "2",
                  "--pin", published / "roster.csv", "--previous", previous)
    assert several.exit_code == 2 and "--weeks above 1" in several.output


def test_weeks_1_changes_nothing(tmp_path: Path) -> None:
    plan, requirements = _centre(tmp_path, weeks=1)
    for name, extra in (("default", ()), ("one", ("--weeks", "1"))):
        result = wfm("schedule", plan, "--requirements", requirements, "--out", tmp_path / name, "--time-limit",
                     "1", "--wall-limit", "300", "--quiet", *extra)  # the deterministic budget decides
        assert result.exit_code == 0, explain(result)
    files = sorted(p.relative_to(tmp_path / "default") for p in (tmp_path / "default").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.is_file())
    for name in files:
        left, right = (tmp_path / "default" / name).read_bytes(), (tmp_path / "one" / name).read_bytes()
        if name.name == "kpis.json":  # only the wall times may differ
            drop = ('"seconds"', '"first_roster_seconds"')
            left, right = (b"\n".join(x for x in t.split(b"\n") if not x.strip().startswith(
                tuple(d.encode() for d in drop))) for t in (left, right))
        assert left == right, name


@pytest.mark.parametrize("weeks", ["0", "7"])
def test_weeks_out_of_range_is_refused(tmp_path: Path, weeks: str) -> None:
    plan, requirements = _centre(tmp_path, weeks=1)
    result = wfm("schedule", plan, "--requirements", requirements, "--out", tmp_path / "out", "--weeks", weeks)
    assert result.exit_code == 2 and "--weeks" in result.output, explain(result)


def test_forecast_weeks_key_is_checked(tmp_path: Path) -> None:
    plan, requirements = _centre(tmp_path, weeks=1)
    plan.write_text(plan.read_text().replace("forecast:\n", "forecast:\n  weeks: 9\n"), encoding="utf-8")
    result = wfm("schedule", plan, "--requirements", requirements, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "forecast.weeks" in result.output, explain(result)


@pytest.mark.parametrize(("rows", "said"), [
    ([("B9", SUNDAY_BEFORE, "08:00", "16:00")], "no shift rows (a previous roster as roster.csv is written) of an "
                                                 "agent in the agents file"),
    ([("A0", SUNDAY_BEFORE, "08:00", "16:00"), ("A1", WEEK_START, "08:00", "16:00")], "row 3: date"),
    ([("A0", SUNDAY_BEFORE - timedelta(days=9), "08:00", "16:00")], "not just before the planned horizon"),
])
def test_previous_roster_that_does_not_fit_is_refused(tmp_path: Path, rows: list, said: str) -> None:
    plan, requirements = _centre(tmp_path, weeks=1)
    previous = _previous(tmp_path / "previous.csv", rows)
    result = wfm("schedule", plan, "--requirements", requirements, "--out", tmp_path / "out", "--previous",
                 previous, "--quiet")
    assert result.exit_code == 2 and said in result.output, explain(result)
    assert not (tmp_path / "out").exists()


def test_a_previous_roster_cut_short_is_refused_before_planning(tmp_path: Path, monkeypatch) -> None:
    """A last line cut mid-row (``A0,DATE,sh``): its shift was skipped as an activity row, so the seam lost it,
    and the plan was solved before the validator refused the file (the ninth sweep, README). Now refused
    first, naming the row, and nothing is solved."""
    import scheduler.app.horizon as horizon

    plan, requirements = _centre(tmp_path, weeks=1)
    previous = _previous(tmp_path / "previous.csv", [("A0", SUNDAY_BEFORE, "08:00", "16:00")])
    previous.write_text(previous.read_text() + f"A1,{SUNDAY_BEFORE},sh", encoding="utf-8")

    def never(*args, **kwargs):
        raise AssertionError("solved")

    monkeypatch.setattr(horizon, "solve_roster", never)
    result = wfm("schedule", plan, "--requirements", requirements, "--out", tmp_path / "out", "--previous",
                 previous, "--quiet")
    assert result.exit_code == 2, explain(result)
    assert "previous.csv row 3: 3 field(s), no start, end" in result.output
    assert not (tmp_path / "out").exists()


def test_previous_roster_of_an_agent_who_has_left_is_skipped_with_a_warning(tmp_path: Path) -> None:
    """A planner's next week after an agent left: the published week still holds their rows (it was exit 2)."""
    plan, requirements = _centre(tmp_path, weeks=1)
    previous = _previous(tmp_path / "previous.csv", [("B9", SUNDAY_BEFORE, "08:00", "16:00"),
                                                     ("A0", SUNDAY_BEFORE, "08:00", "16:00")])
    result = wfm("schedule", plan, "--requirements", requirements, "--out", tmp_path / "out", "--previous",
                 previous, "--quiet")
    assert result.exit_code == 0, explain(result)
    said = ("previous.csv: 1 agent(s) not in the agents file of plan.yaml, their shifts skipped: 'B9' (row 2)")
    assert f"warning: {said}" in result.output
    assert said in json.loads((tmp_path / "out" / "kpis.json").read_text())["warnings"]
    checked = wfm("validate", plan, tmp_path / "out" / "roster.csv", "--previous", previous)
    assert checked.exit_code == 0, explain(checked)


def test_a_leavers_rows_still_say_which_days_the_previous_roster_covers(tmp_path: Path) -> None:
    """The horizon's validator knows the days from the previous roster's first date, a leaver's rows included;
    the carry-in must start from the same day, or a run of leave before the others' first shift counts for one
    and not the other."""
    from scheduler.io.previous_roster import read_previous

    plan, _ = _centre(tmp_path, weeks=1)
    monday_before = WEEK_START - timedelta(days=7)
    previous = _previous(tmp_path / "previous.csv", [("B9", monday_before, "08:00", "16:00"),
                                                     ("A0", SUNDAY_BEFORE, "08:00", "16:00")])
    shifts, known_from, warnings = read_previous(previous, load_config(plan), WEEK_START)
    assert [s.agent_id for s in shifts] == ["A0"] and len(warnings) == 1
    assert known_from == monday_before == min(read_roster(previous)["date"])


def test_history_too_short_for_the_weeks(tmp_path: Path) -> None:
    plan, _ = _centre(tmp_path, weeks=1)
    rows = ["interval_start,queue,contacts"] + [
        f"{WEEK_START - timedelta(days=21 - d)}T{m // 60:02d}:{m % 60:02d}:00,q1,3"
        for d in range(21) for m in range(8 * 60, 20 * 60, 30)]
    (tmp_path / "history.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = wfm("plan", plan, "--out", tmp_path / "out", "--weeks", "4", "--quiet")  # 3 weeks of history
    assert result.exit_code == 2 and "history.csv" in result.output and "too short" in result.output, explain(result)


def test_average_no_week_pattern_meets_exits_3(tmp_path: Path) -> None:
    """Full-timers' 8-h day shifts pay 7.5 h: no two weeks of them average 39 h."""
    plan, requirements = _centre(tmp_path)
    text = plan.read_text().replace("    max_weekly_hours: 40\n", "    max_weekly_hours: 40\n"
                                    "    average_weekly_hours: 39.2\n", 1)
    plan.write_text(text, encoding="utf-8")
    result = wfm("schedule", plan, "--requirements", requirements, "--out", tmp_path / "out", "--weeks", "2",
                 "--quiet")
    assert result.exit_code == 3 and "contracts[0].average_weekly_hours 39.2" in result.output, explain(result)


def test_leave_is_credited_towards_the_average(tmp_path: Path) -> None:
    """A full-timer (24-40 h, 5 days, 32 h on average) on leave all of week 2's working days: the leave counts
    5 x 6.4 h towards the average, so week 1 pays about 32 h; without the credit no week 1 could make up 64 h."""
    leave = tuple(WEEK_START + timedelta(days=7 + d) for d in range(5))
    agents = (dataclasses.replace(AGENTS[0], time_off=leave), *AGENTS[1:])
    plan, requirements = _centre(tmp_path, agents=agents)
    plan.write_text(plan.read_text().replace("    max_weekly_hours: 40\n", "    max_weekly_hours: 40\n"
                                             "    average_weekly_hours: 32\n    average_tolerance_hours: 4\n", 1),
                    encoding="utf-8")
    roster = _valid_two_weeks(plan, requirements, tmp_path / "out")
    shifts = roster[(roster["agent_id"] == "A0") & (roster["activity"] == "shift")]
    assert not shifts.empty and set(shifts["date"]).isdisjoint(leave)
    no_credit = plan.read_text().replace("    average_tolerance_hours: 4\n",
                                         "    average_tolerance_hours: 4\n    time_off_counts_as: credit_minimum\n", 1)
    plan.write_text(no_credit, encoding="utf-8")
    assert validate_horizon(load_config(plan), roster, WEEK_START, 2) != []  # the same roster, leave not credited


def test_each_week_gets_its_share_of_the_wall_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--wall-limit`` lifts every week's wall-clock cap (a share of it, not of ``--time-limit``), so a run with
    a generous wall limit is cut by nothing but its deterministic budget, however loaded the machine."""
    import scheduler.app.horizon as horizon

    caps: list[float] = []
    solve = horizon.solve_roster

    def recording(*args: object, stop: object = None, **kwargs: object) -> object:
        caps.append(stop.wall_seconds)  # type: ignore[attr-defined]
        return solve(*args, stop=stop, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(horizon, "solve_roster", recording)
    plan, requirements = _centre(tmp_path)
    result = wfm("schedule", plan, "--requirements", requirements, "--out", tmp_path / "out", "--weeks", "2",
                 "--time-limit", "2", "--wall-limit", "600", "--quiet")
    assert result.exit_code == 0, explain(result)
    assert len(caps) == 2 and min(caps) > 200  # about 300 s each (600 s over 2 weeks), not 1 s


def test_the_relaxed_bound_keeps_to_the_tenth_the_week_leaves_it() -> None:
    """A week with a carry-in leaves ``RELAXED_BOUND_SHARE`` of its share to the bound without the carry-in
    (``horizon.relaxed_bound``): an LP predicted over that tenth is neither built nor solved (the counting bound is
    given), one within it is (it had half the week's share, ``solve.LP_SHARE``, while the solve kept nine tenths)."""
    from scheduler.app import horizon
    from scheduler.rostering.instance import Instance
    from scheduler.rostering.search.lower_bound import lp_work, solve_aggregate
    from scheduler.rostering.solve import LP_SHARE, simple_lower_bound
    from tests.test_lp_start import _centre
    from tests.test_rules import WEEK

    config, req = _centre(8)
    instance = Instance(config, WEEK, req)
    lp = solve_aggregate(instance)
    assert lp is not None
    work = lp_work(lp.variables, lp.rows)
    seconds = work / (0.5 * (horizon.RELAXED_BOUND_SHARE + LP_SHARE))  # over the tenth, within half
    assert horizon.relaxed_bound(instance, seconds, math.inf) == simple_lower_bound(instance) < lp.bound
    assert horizon.relaxed_bound(instance, 1.01 * work / horizon.RELAXED_BOUND_SHARE, math.inf) == lp.bound
