"""No traceback anywhere: random small centres through ``wfm schedule`` end to end (issue 13, item 7).

Hypothesis draws centres of 2-8 agents and 1-4 queues with random contract rules, availability, time off,
templates, activities, a break cap and requirements, and sometimes re-plans from the first run's roster with random
pinned days and a sick day. Every run must end with exit 0 (a roster), 1, 2 (bad input) or 3 (infeasible), print
no traceback, raise nothing but ``SystemExit``, and on exit 0 the independent validator must accept the roster.
Examples are derandomized (the same ones every run); budgets are wall-clock seconds (``deterministic: false``) so
the whole test takes about a minute; the assertions hold whatever the solver finds in its time.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.app.cli import main
from scheduler.io.config import load_config
from scheduler.validation.validate import read_roster, validate_roster
from tests.tiny_centre import WEEK_START, WEEKDAYS, TinyActivity, TinyAgent, TinyCentre, write

EXIT_CODES = {0, 1, 2, 3}
# Mostly lenient values, so that about half the centres can be rostered and the rest are refused for a reason.
AVAILABILITY = ("", "", "", "", "mon-fri 08:00-20:00", "sat-sun 08:00-20:00", "mon-sun 12:00-20:00",
                "tue-sat 08:00-16:00")
SLOTS_PER_DAY = 48


@st.composite
def centres(draw: st.DrawFn) -> TinyCentre:
    queues = tuple(f"q{i}" for i in range(1, draw(st.integers(1, 4)) + 1))
    agents = []
    for number in range(1, draw(st.integers(2, 8)) + 1):
        skills = draw(st.lists(st.sampled_from(queues), min_size=1, max_size=len(queues), unique=True))
        days_off = draw(st.lists(st.integers(0, 6), max_size=2, unique=True))
        agents.append(TinyAgent(f"A{number}", draw(st.sampled_from(("full_time", "part_time"))), tuple(sorted(skills)),
                                draw(st.sampled_from(AVAILABILITY)),
                                tuple(sorted(WEEK_START + timedelta(days=d) for d in days_off))))
    ids = [a.agent_id for a in agents]
    activities = []
    for number in range(draw(st.integers(0, 2))):
        days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=2, max_size=7, unique=True))
        earliest = draw(st.sampled_from(("08:00", "09:00", "12:00")))
        activities.append(TinyActivity(
            f"act{number}", draw(st.sampled_from((30, 60))),
            tuple(sorted(draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True)))),
            tuple(d for d in WEEKDAYS if d in days), earliest, draw(st.sampled_from(("13:00", "17:00", "20:00"))),
            draw(st.booleans())))
    required = {q: {draw(st.integers(0, 7 * SLOTS_PER_DAY - 1)): draw(st.integers(0, 4)) for _ in range(5)}
                for q in queues}
    full_low = draw(st.sampled_from((0, 0, 8, 16, 32)))
    part_low = draw(st.sampled_from((0, 0, 4, 8)))
    max_days = draw(st.sampled_from((5, 6, 7, 3)))
    return TinyCentre(
        agents=tuple(agents), queues=queues, required=required,
        contacts=draw(st.sampled_from((0.0, 1.3, 5.0))),
        max_agents_on_break=draw(st.one_of(st.none(), st.integers(1, 3))),
        activities=tuple(activities),
        full_time_hours=(full_low, full_low + draw(st.sampled_from((8, 16, 24)))),
        part_time_hours=(part_low, part_low + draw(st.sampled_from((4, 8, 16)))),
        max_days_per_week=max_days, min_days_per_week=draw(st.sampled_from((0, 0, 0, 1, 2))),
        max_consecutive_days=draw(st.sampled_from((5, 6, 7, 2, 3))), min_rest_hours=draw(st.sampled_from((0, 11, 14))),
        max_weekend_days=draw(st.sampled_from((2, 2, 1, 0))),
        break_window=draw(st.sampled_from(((120, 120), (120, 300), (60, 180)))),
        late_template=draw(st.booleans()),
        open_hours=draw(st.sampled_from((("08:00", "20:00"), ("00:00", "24:00"), ("10:00", "14:00")))),
    )


def _run(*args: object):
    result = CliRunner().invoke(main, [str(a) for a in args])
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code in EXIT_CODES, text
    assert "Traceback" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def _check_valid(plan: Path, out: Path) -> None:
    config = load_config(plan)
    assert validate_roster(config, read_roster(out / "roster.csv"), WEEK_START) == []
    assert json.loads((out / "kpis.json").read_text())["hard_violations"] == 0


@settings(max_examples=24, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(centre=centres(), limit=st.sampled_from((1, 2)), replan=st.booleans(),
       pin_days=st.lists(st.sampled_from(WEEKDAYS), max_size=3, unique=True), sick=st.integers(0, 6))
def test_random_centres_end_without_traceback(tmp_path_factory, centre: TinyCentre, limit: int, replan: bool,
                                              pin_days: list[str], sick: int) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    plan, requirements = write(centre, folder / "centre")
    plan.write_text(plan.read_text().replace("deterministic: true", "deterministic: false\n  workers: 1"))
    first = _run("schedule", plan, "--requirements", requirements, "--out", folder / "out", "--time-limit", limit,
                 "--quiet")
    if first.exit_code != 0:
        return
    _check_valid(plan, folder / "out")
    if not replan:
        return
    # A re-plan after a sick call: the first agent is off one more day; some days are pinned.
    sick_day = WEEK_START + timedelta(days=sick)
    lines = (folder / "centre" / "agents.csv").read_text().splitlines()
    fields = lines[1].split(",")
    fields[4] = ";".join(sorted(set(filter(None, fields[4].split(";"))) | {sick_day.isoformat()}))
    lines[1] = ",".join(fields)
    (folder / "centre" / "agents.csv").write_text("\n".join(lines) + "\n")
    args = ["--pin", folder / "out" / "roster.csv"] + (["--pin-days", ",".join(pin_days)] if pin_days else [])
    again = _run("schedule", plan, "--requirements", requirements, "--out", folder / "again", "--time-limit", limit,
                 "--quiet", *args)
    if again.exit_code == 0:
        _check_valid(plan, folder / "again")
        assert (folder / "again" / "changes.csv").is_file()
