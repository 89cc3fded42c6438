"""Activities (training, team meetings): config, the hard rule on pinned tiny models, cover and cost, the meeting
time fixed before solving, greedy placement, the independent validator, the pre-check, and an end-to-end solve."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from scheduler.demo.example import generate_example
from scheduler.diagnose.prechecks import explain_conflicts
from scheduler.domain.plan import Activity, TimeWindow
from scheduler.domain.roster import ActivityAssignment, BreakAssignment, Roster, ShiftAssignment, roster_csv
from scheduler.errors import InfeasibleError, InputError
from scheduler.io.config import load_config
from scheduler.rostering.activities import activities_kept, schedule_meetings
from scheduler.rostering.break_placement import place_breaks
from scheduler.rostering.coverage import on_floor_by_skills
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import RosterModel
from scheduler.rostering.model import read_roster as read_model_roster
from scheduler.rostering.rules import RULES, activities, breaks, one_shift_per_day
from scheduler.rostering.solve import evaluate, solve_roster
from scheduler.validation.validate import read_roster, validate_roster
from tests.test_rules import WEEK, agent, feasible, hm, make_config, make_model, solve, take_break, work

WEEKDAYS_ONLY = (0, 1, 2, 3, 4)


def activity(activity_id: str = "meeting", agents: tuple[str, ...] = ("A1",), *, minutes: int = 60,
             days: tuple[int, ...] = tuple(range(7)), window: tuple[str, str] = ("00:00", "24:00"),
             together: bool = False) -> Activity:
    return Activity(activity_id, minutes, agents, days, TimeWindow(hm(window[0]), hm(window[1])), together)


def config_with(*acts: Activity, agent_ids: tuple[str, ...] = ("A1",)):
    return replace(make_config(agents=tuple(agent(a) for a in agent_ids)), activities=acts)


def activity_model(config) -> RosterModel:
    model = make_model(config)
    for rule in (one_shift_per_day.build, breaks.build, activities.build):
        rule(model)
    return model


def take(model: RosterModel, agent_id: str, day: int, start: str, activity_id: str = "meeting") -> None:
    model.cp.add(model.agent_days[agent_id, day].activities[activity_id][hm(start)] == 1)


def standard_breaks(model: RosterModel, agent_id: str, day: int) -> None:
    take_break(model, agent_id, day, 0, "09:30")  # shift 08:00-16:30: break 09:30-09:45, lunch 12:00-12:30
    take_break(model, agent_id, day, 1, "12:00")


# ------------------------------------------------------------------------------------------------- config


ACTIVITY_YAML = """
activities:
  - id: weekly_meeting
    minutes: 60
    agents: [A001, A002]
    days: [mon, tue, wed]
    earliest: "09:00"
    latest_end: "17:00"
    together: true
  - id: elearning
    minutes: 30
    agents: [A003]
    together: false
"""


def test_config_reads_activities(tmp_path: Path) -> None:
    plan = generate_example(tmp_path / "c", agents=10, weeks=3)
    assert load_config(plan).activities == ()
    plan.write_text(plan.read_text() + ACTIVITY_YAML)
    meeting, elearning = load_config(plan).activities
    assert meeting == Activity("weekly_meeting", 60, ("A001", "A002"), (0, 1, 2), TimeWindow(540, 1020), True)
    assert elearning == Activity("elearning", 30, ("A003",), tuple(range(7)), TimeWindow(0, 1440), False)


@pytest.mark.parametrize(("before", "after", "message"), [
    ("[A001, A002]", "[A001, A999]", r"activities\[0\].agents\[1\] must name an agent of the agents file, got 'A999'"),
    ("minutes: 60", "minutes: 50", r"activities\[0\].minutes must be a multiple of the interval \(15 min\), got 50"),
    ('latest_end: "17:00"', 'latest_end: "09:45"',
     r"activities\[0\].latest_end leaves less than the activity's 60 minutes after earliest \(09:00\)"),
    ("[mon, tue, wed]", "[mon, tue, wday]", r"activities\[0\].days\[2\] must be a weekday"),
    ("id: elearning", "id: lunch", r"activities\[1\].id must differ from the roster's other activity names"),
    ("id: elearning", "id: weekly_meeting", r"activities\[1\].id duplicates another activity id"),
    ("    together: false\n", "", r"missing key 'activities\[1\].together'"),
    ('earliest: "09:00"', 'earliest: "09:10"', r"activities\[0\].earliest must be a multiple of the interval"),
])
def test_config_errors_name_the_key_path(tmp_path: Path, before: str, after: str, message: str) -> None:
    plan = generate_example(tmp_path / "c", agents=10, weeks=3)
    plan.write_text(plan.read_text() + ACTIVITY_YAML.replace(before, after, 1))
    with pytest.raises(InputError, match=message):
        load_config(plan)


# ------------------------------------------------------------------------------------------- the hard rule


def test_rule_is_registered_after_the_break_rules() -> None:
    names = [name for name, _ in RULES]
    assert names.index("activities") == names.index("break_cap") + 1


def test_only_attendees_get_activity_variables() -> None:
    model = make_model(config_with(activity(window=("09:00", "17:00"), days=WEEKDAYS_ONLY), agent_ids=("A1", "A2")))
    assert set(model.agent_days["A1", 0].activities["meeting"]) == set(range(hm("09:00"), hm("16:00") + 1, 15))
    assert model.agent_days["A1", 5].activities == {}  # Saturday is not one of its days
    assert model.agent_days["A2", 0].activities == {}


class TestActivityRule:
    def test_once_inside_a_worked_shift_clear_of_breaks_feasible(self) -> None:
        model = activity_model(config_with(activity()))
        work(model, "A1", {0: "08:00"})
        standard_breaks(model, "A1", 0)
        take(model, "A1", 0, "10:00")
        assert feasible(model)

    def test_outside_every_worked_shift_infeasible(self) -> None:
        model = activity_model(config_with(activity()))
        work(model, "A1", {0: "08:00"})
        take(model, "A1", 1, "10:00")  # Tuesday is not worked
        assert not feasible(model)

    def test_running_past_the_shift_end_infeasible(self) -> None:
        model = activity_model(config_with(activity()))
        work(model, "A1", {0: "08:00"})
        take(model, "A1", 0, "16:00")  # 16:00-17:00, the shift ends 16:30
        assert not feasible(model)

    def test_overlapping_a_break_infeasible(self) -> None:
        model = activity_model(config_with(activity()))
        work(model, "A1", {0: "08:00"})
        standard_breaks(model, "A1", 0)
        take(model, "A1", 0, "09:00")  # 09:00-10:00 over the 09:30 break
        assert not feasible(model)

    def test_twice_in_the_week_infeasible(self) -> None:
        model = activity_model(config_with(activity()))
        work(model, "A1", {0: "08:00", 1: "08:00"})
        take(model, "A1", 0, "10:00")
        take(model, "A1", 1, "10:00")
        assert not feasible(model)

    def test_never_taken_infeasible(self) -> None:
        model = activity_model(config_with(activity(days=(5,))))
        work(model, "A1", {0: "08:00"})  # works only on Monday; the activity is on Saturdays
        assert not feasible(model)

    @pytest.mark.parametrize(("second", "ok"), [((0, "10:00"), True), ((0, "11:00"), False), ((1, "10:00"), False)])
    def test_together_means_same_day_and_start(self, second: tuple[int, str], ok: bool) -> None:
        model = activity_model(config_with(activity(agents=("A1", "A2"), together=True), agent_ids=("A1", "A2")))
        work(model, "A1", {0: "08:00", 1: "08:00"})
        work(model, "A2", {0: "08:00", 1: "08:00"})
        take(model, "A1", 0, "10:00")
        take(model, "A2", *second)
        assert feasible(model) is ok


def test_activity_is_off_the_floor_and_the_model_cost_matches_evaluate() -> None:
    config = config_with(activity(window=("10:00", "11:00")))
    required = np.zeros((1, WEEK.slot_count), int)
    required[0, WEEK.slot(0, hm("08:00")):WEEK.slot(0, hm("16:30"))] = 1
    model = make_model(config, required)
    terms = [t for name, rule in RULES for t in rule(model) if name in ("one_shift_per_day", "breaks", "activities",
                                                                          "coverage", "paid_hours")]
    work(model, "A1", {0: "08:00"})
    standard_breaks(model, "A1", 0)
    model.cp.minimize(sum(t.expression * (t.weight * 60 // t.divisor) for t in terms))
    status, solver = solve(model)
    roster = read_model_roster(model, solver)
    (shift,) = roster.shifts
    assert shift.activities == (ActivityAssignment("meeting", hm("10:00"), 60),)
    on_floor = on_floor_by_skills(config, WEEK, roster)[("sales",)]
    assert on_floor[WEEK.slot(0, hm("10:00")):WEEK.slot(0, hm("11:00"))].tolist() == [0, 0, 0, 0]
    costs = {c.rule: c.amount for c in evaluate(Instance(config, WEEK, required), roster)}
    assert costs["understaffing"] == 4 + 1 + 2  # the meeting, the break and the lunch
    assert costs["paid_hours"] == 8.0  # the meeting is paid
    model_cost = {t.rule: solver.value(t.expression) / t.divisor for t in terms}
    assert model_cost["understaffing"] == costs["understaffing"]
    assert model_cost["overstaffing"] == costs["overstaffing"]


# ------------------------------------------------------------------------------------ meetings fixed first


def _demand_with_quiet_hour(quiet_day: int, quiet_start: str) -> np.ndarray:
    required = np.zeros((1, WEEK.slot_count), int)
    for day in WEEKDAYS_ONLY:
        required[0, WEEK.slot(day, hm("08:00")):WEEK.slot(day, hm("18:00"))] = 2
    first = WEEK.slot(quiet_day, hm(quiet_start))
    required[0, first:first + 4] = 0
    return required


def test_meeting_fixed_at_the_lowest_demand_time_all_can_attend() -> None:
    meeting = activity(agents=("A1", "A2"), days=WEEKDAYS_ONLY, window=("09:00", "17:00"), together=True)
    config = config_with(meeting, agent_ids=("A1", "A2"))
    fixed = schedule_meetings(Instance(config, WEEK, _demand_with_quiet_hour(2, "14:00"))).activities[0]
    assert (fixed.weekdays, fixed.window) == ((2,), TimeWindow(hm("14:00"), hm("15:00")))
    # A2 is off on Wednesdays: the quietest time all can attend is elsewhere
    away = replace(config, agents=(agent("A1"), agent("A2", availability=(*((TimeWindow(0, 1440),) * 2), None,
                                                                           *((TimeWindow(0, 1440),) * 4)))))
    fixed = schedule_meetings(Instance(away, WEEK, _demand_with_quiet_hour(2, "14:00"))).activities[0]
    assert fixed.weekdays != (2,)


def test_meeting_no_time_suits_names_the_activity() -> None:
    meeting = activity(agents=("A1", "A2"), days=(0,), together=True)
    config = replace(config_with(meeting, agent_ids=("A1", "A2")),
                     agents=(agent("A1", time_off=frozenset({WEEK.day(0)})), agent("A2")))
    with pytest.raises(InfeasibleError, match="activity meeting: no time in the week"):
        schedule_meetings(Instance(config, WEEK, np.zeros((1, WEEK.slot_count), int)))
    assert explain_conflicts(config, WEEK) == [
        "activity meeting (60 min, mon 00:00-24:00): agent A1 has no candidate shift containing it (availability, "
        "time off, shift templates, the contract's earliest start and latest end)"]


def test_neighbourhood_model_keeps_the_other_attendees_meeting_time() -> None:
    meeting = activity(agents=("A1", "A2"), days=WEEKDAYS_ONLY, window=("09:00", "17:00"), together=True)
    config = config_with(meeting, agent_ids=("A1", "A2"))
    fixed = schedule_meetings(Instance(config, WEEK, _demand_with_quiet_hour(3, "11:00")))
    model = RosterModel(Instance(fixed, WEEK, np.zeros((1, WEEK.slot_count), int)), agents=[fixed.agents[1]])
    assert {d: list(model.agent_days["A2", d].activities.get("meeting", {})) for d in range(7)
            if model.agent_days["A2", d].activities.get("meeting")} == {3: [hm("11:00")]}


# ----------------------------------------------------------------------------------------- greedy placement


def test_greedy_placement_puts_missing_activities_at_the_most_spare_cover_and_breaks_avoid_them() -> None:
    meeting = activity(agents=("A1", "A2"), window=("09:00", "12:00"), together=True)
    config = config_with(meeting, activity("elearn", ("A2",), minutes=30), agent_ids=("A1", "A2"))
    required = np.full((1, WEEK.slot_count), 2)
    required[0, WEEK.slot(0, hm("09:30")):WEEK.slot(0, hm("10:30"))] = 0  # quiet 09:30-10:30 on Monday
    shifts = [ShiftAssignment(a, WEEK.day(0), "day", hm("08:00"), 510, 480, ()) for a in ("A1", "A2")]
    roster = place_breaks(Instance(config, WEEK, required), shifts)
    for shift in roster.shifts:
        assert ActivityAssignment("meeting", hm("09:30"), 60) in shift.activities
        assert shift.breaks[0].start_minute >= hm("10:30") or shift.breaks[0].start_minute + 15 <= hm("09:30")
    assert activities_kept(config, roster)


def test_activities_kept_rejects_a_meeting_at_two_times() -> None:
    config = config_with(activity(agents=("A1", "A2"), together=True), agent_ids=("A1", "A2"))
    taken = (BreakAssignment("break", hm("09:30"), 15), BreakAssignment("lunch", hm("12:00"), 30))
    shifts = tuple(ShiftAssignment(a, WEEK.day(0), "day", hm("08:00"), 510, 480, taken,
                                   (ActivityAssignment("meeting", hm(start), 60),))
                   for a, start in (("A1", "10:00"), ("A2", "13:00")))
    assert not activities_kept(config, Roster(shifts))
    assert activities_kept(config, Roster((shifts[0], replace(shifts[1], activities=shifts[0].activities))))


# --------------------------------------------------------------------------------------------- validator


ROWS = ["agent_id,date,activity,start,end",
        "A1,2026-03-30,shift,2026-03-30T08:00:00,2026-03-30T16:30:00",
        "A1,2026-03-30,break,2026-03-30T09:30:00,2026-03-30T09:45:00",
        "A1,2026-03-30,meeting,2026-03-30T10:00:00,2026-03-30T11:00:00",
        "A1,2026-03-30,lunch,2026-03-30T12:00:00,2026-03-30T12:30:00",
        "A2,2026-03-30,shift,2026-03-30T08:00:00,2026-03-30T16:30:00",
        "A2,2026-03-30,break,2026-03-30T09:30:00,2026-03-30T09:45:00",
        "A2,2026-03-30,meeting,2026-03-30T10:00:00,2026-03-30T11:00:00",
        "A2,2026-03-30,lunch,2026-03-30T12:00:00,2026-03-30T12:30:00"]


def _violations(tmp_path: Path, rows: list[str], **meeting) -> list[str]:
    config = config_with(activity(agents=("A1", "A2"), **meeting), agent_ids=("A1", "A2"))
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(rows) + "\n")
    return [f"{v.agent_id} {v.rule}: {v.detail}" for v in validate_roster(config, read_roster(path), WEEK.start)]


def test_validator_accepts_activities_and_does_not_count_them_as_breaks(tmp_path: Path) -> None:
    assert _violations(tmp_path, ROWS, together=True, window=("09:00", "17:00")) == []


@pytest.mark.parametrize(("row", "replacement", "meeting", "expected"), [
    (3, "A1,2026-03-30,meeting,2026-03-30T09:00:00,2026-03-30T10:00:00", {},
     "A1 activity: meeting 09:00-10:00 overlaps break 09:30-09:45"),
    (3, "A1,2026-03-31,meeting,2026-03-31T10:00:00,2026-03-31T11:00:00", {},
     "A1 activity: meeting 10:00-11:00 lies inside no shift"),
    (3, "A1,2026-03-30,meeting,2026-03-30T13:00:00,2026-03-30T14:00:00", {"together": True},
     "(centre) activity: meeting is a meeting but starts at 2 times (Mon 10:00, Mon 13:00)"),
    (3, "A1,2026-03-30,meeting,2026-03-30T10:00:00,2026-03-30T10:30:00", {},
     "A1 activity: meeting 10:00-10:30 lasts 30 min, the activity 60"),
    (3, "A1,2026-03-30,meeting,2026-03-30T10:00:00,2026-03-30T11:00:00", {"window": ("10:30", "17:00")},
     "A1 activity: meeting 10:00-11:00 outside its window 10:30-17:00"),
    (3, "A1,2026-03-30,meeting,2026-03-30T10:00:00,2026-03-30T11:00:00", {"days": (1,)},
     "A1 activity: meeting 10:00-11:00 on mon, not one of its days"),
    (3, "A1,2026-03-30,lunch,2026-03-30T12:00:00,2026-03-30T12:30:00", {},
     "A1 activity: meeting taken 0 times in the week, must be once"),
])
def test_validator_catches_a_misplaced_activity(tmp_path: Path, row: int, replacement: str, meeting: dict,
                                                 expected: str) -> None:
    rows = list(ROWS)
    rows[row] = replacement
    if expected.endswith("0 times in the week, must be once"):
        del rows[row]  # A1 has no meeting row at all
    assert expected in _violations(tmp_path, rows, **meeting)


# ----------------------------------------------------------------------------------------------- end to end


def test_solve_places_the_meeting_in_the_quietest_hour_and_the_validator_agrees(tmp_path: Path) -> None:
    meeting = activity(agents=("A1", "A2", "A3"), days=WEEKDAYS_ONLY, window=("09:00", "17:00"), together=True)
    elearn = activity("elearn", ("A4",), minutes=30)
    config = config_with(meeting, elearn, agent_ids=("A1", "A2", "A3", "A4"))
    required = _demand_with_quiet_hour(2, "14:00")
    result = solve_roster(Instance(config, WEEK, required), time_limit_seconds=5, progress=None)
    taken = sorted((s.agent_id, s.date, a.activity_id, a.start_minute) for s in result.roster.shifts
                   for a in s.activities)
    assert taken[:3] == [(a, WEEK.day(2), "meeting", hm("14:00")) for a in ("A1", "A2", "A3")]
    assert [t[:3] for t in taken[3:]] == [("A4", t[1], "elearn") for t in taken[3:]]
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(result.roster))
    assert "A1,2026-04-01,meeting,2026-04-01T14:00:00,2026-04-01T15:00:00" in path.read_text()
    assert validate_roster(config, read_roster(path), WEEK.start) == []
    assert result.stats.objective == pytest.approx(sum(c.penalty for c in evaluate(Instance(config, WEEK, required),
                                                                                   result.roster)))
    again = solve_roster(Instance(config, WEEK, required), time_limit_seconds=5, progress=None)
    assert roster_csv(again.roster) == roster_csv(result.roster)


def test_meeting_of_an_attendee_with_no_week_at_all_names_the_agent_not_the_meeting() -> None:
    # A2 must work 7 days but may work 5: no week exists for A2 even without the meeting
    strict = replace(make_config().contracts[0], contract_id="strict", max_days_per_week=5, min_days_per_week=5,
                     min_weekly_minutes=50 * 60)
    meeting = activity(agents=("A1", "A2"), days=WEEKDAYS_ONLY, window=("09:00", "17:00"), together=True)
    config = replace(config_with(meeting, agent_ids=("A1", "A2")), contracts=(*make_config().contracts, strict),
                     agents=(agent("A1"), agent("A2", contract="strict")))
    with pytest.raises(InfeasibleError, match=r"^agent A2: contract strict rules .* \(an attendee of activity "
                                              r"meeting, even without it\)$"):
        schedule_meetings(Instance(config, WEEK, np.zeros((1, WEEK.slot_count), int)))
