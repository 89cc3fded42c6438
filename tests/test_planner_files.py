"""A planner's own files (README "A planner's own files: fourth sweep (d22)"): an ACD's history with UTC offsets,
a plan.yaml typed by hand (``8:00`` without quotes), an HR export's skills in capitals. Each test fails on the code
before its fix."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import yaml

from forecasting.history import load_history
from scheduler.errors import InputError
from scheduler.io.config import _Loader
from tests.test_history import history_lines, load_error, write

ZONE = "Europe/Dublin"


def _with_offsets(lines: list[str], utc: bool) -> list[str]:
    """The same rows stamped with their UTC offset (``+00:00`` / ``+01:00``), or in UTC with a ``Z``."""
    out = []
    for line in lines:
        stamp, rest = line.split(",", 1)
        moment = datetime.fromisoformat(stamp).replace(tzinfo=ZoneInfo(ZONE))
        text = moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ") if utc else moment.isoformat()
        out.append(f"{text},{rest}")
    return out


def _across_the_spring_change() -> list[str]:
    """Three weeks of rows to 5 April 2026, the clocks going forward on 29 March (Dublin: +00:00 to +01:00)."""
    lines = history_lines(days=21)
    shift = datetime(2026, 3, 16) - datetime.fromisoformat(lines[0].split(",")[0][:10])
    return [f"{(datetime.fromisoformat(s) + shift).isoformat()},{r}" for s, r in (x.split(",", 1) for x in lines)]


@pytest.mark.parametrize("utc", [False, True], ids=["local_offset", "utc_z"])
def test_an_acds_times_with_offsets_are_read_as_local_times(tmp_path: Path, utc: bool) -> None:
    """Was exit 2 (``must be local time without a UTC offset``) though the offset names the instant exactly."""
    lines = _across_the_spring_change()
    plain = load_history(write(tmp_path, lines, name="plain.csv"), 15, timezone=ZONE)
    stamped = load_history(write(tmp_path, _with_offsets(lines, utc), name="stamped.csv"), 15, timezone=ZONE)
    assert np.array_equal(plain.frame["interval_start"].to_numpy(), stamped.frame["interval_start"].to_numpy())
    assert plain.frame["contacts"].tolist() == stamped.frame["contacts"].tolist()


def test_offsets_across_the_autumn_change_sum_the_repeated_hour(tmp_path: Path) -> None:
    """Round the clock across 25 October 2026 (Dublin: +01:00 to +00:00 at 02:00): the two instants of each local
    time from 01:00 to 01:45 are one interval holding both, as a file of local times is read."""
    start = datetime(2026, 10, 12, tzinfo=ZoneInfo("UTC"))
    instants = [start + timedelta(minutes=15 * k) for k in range(21 * 96)]
    rows = [f"{t.astimezone(ZoneInfo(ZONE)).isoformat()},q1,10,300" for t in instants]
    path = write(tmp_path, rows, header="interval_start,queue,contacts,aht_seconds", name="autumn.csv")
    frame = load_history(path, 15, timezone=ZONE).frame
    assert len(frame) == len(rows) - 4 and frame["contacts"].sum() == 10 * len(rows)
    night = frame.set_index("interval_start")["contacts"]
    assert [night[datetime(2026, 10, 25, 1, m)] for m in (0, 15, 30, 45)] == [20] * 4
    assert night[datetime(2026, 10, 25, 0, 45)] == night[datetime(2026, 10, 25, 2, 0)] == 10


def test_offsets_on_some_rows_only_are_refused_naming_a_row_without(tmp_path: Path) -> None:
    lines = _across_the_spring_change()
    mixed = _with_offsets(lines[:5], utc=False) + lines[5:]
    message = load_error_zone(write(tmp_path, mixed))
    assert "row 7: interval_start '2026-03-17T09:15:00' has no UTC offset but row 2 has one" in message


def test_offsets_without_a_time_zone_are_still_refused(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, _with_offsets(history_lines(), utc=True)))
    assert "must be local time without a UTC offset (or give the centre's time zone)" in message


def load_error_zone(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        load_history(path, 15, timezone=ZONE)
    return str(caught.value)


def test_a_time_typed_without_quotes_is_the_time_not_a_base_60_number() -> None:
    """YAML 1.1 reads ``8:00`` as 480 (and ``11:00`` as 660): ``earliest_start: 8:00`` was refused as ``got 480``,
    and a number key typed as ``8:30`` was read as 510 unseen."""
    read = yaml.load("earliest_start: 8:00\nlength_minutes: 8:30\nshrinkage: 0.1\ndays: 5\n", Loader=_Loader)
    assert read == {"earliest_start": "8:00", "length_minutes": "8:30", "shrinkage": 0.1, "days": 5}


def test_a_plan_with_unquoted_times_plans_as_the_quoted_one(tmp_path: Path) -> None:
    from scheduler.io.config import load_config
    from tests.tiny_centre import TinyAgent, TinyCentre
    from tests.tiny_centre import write as write_centre

    plan, _ = write_centre(TinyCentre(agents=(TinyAgent("A0", "full_time", ("q1",)),)), tmp_path)
    quoted = load_config(plan)
    plan.write_text(plan.read_text().replace('earliest_start: "08:00"', "earliest_start: 8:00").replace(
        '"08:00-20:00"', "8:00-20:00"))
    assert "earliest_start: 8:00" in plan.read_text()
    unquoted = load_config(plan)
    assert unquoted.templates == quoted.templates and unquoted.opening_hours == quoted.opening_hours
    plan.write_text(plan.read_text().replace("length_minutes: 480", "length_minutes: 8:00", 1))
    with pytest.raises(InputError, match=r"length_minutes must be a whole number.*'8:00'"):
        load_config(plan)


def test_an_hr_exports_skill_in_capitals_names_the_queue(tmp_path: Path) -> None:
    from scheduler.io.config import load_config
    from tests.tiny_centre import TinyAgent, TinyCentre
    from tests.tiny_centre import write as write_centre

    plan, _ = write_centre(TinyCentre(agents=(TinyAgent("A0", "full_time", ("Q1",)),)), tmp_path)
    with pytest.raises(InputError) as caught:
        load_config(plan)
    assert str(caught.value) == ("agents.csv row 2: agent A0 has unknown skill 'Q1' (the queue is 'q1': skills must "
                                 "match the queue ids exactly)")


@pytest.mark.parametrize(("typed", "hint"), [("TimeZone", "; keys are lower case with underscores: 'timezone'"),
                                              ("time zone", "; keys are lower case with underscores: 'timezone'"),
                                              ("timezon", "; did you mean 'timezone'?")])
def test_a_key_typed_by_hand_names_the_key_it_spells(tmp_path: Path, typed: str, hint: str) -> None:
    from scheduler.io.config import load_config
    from tests.tiny_centre import TinyAgent, TinyCentre
    from tests.tiny_centre import write as write_centre

    plan, _ = write_centre(TinyCentre(agents=(TinyAgent("A0", "full_time", ("q1",)),)), tmp_path)
    plan.write_text(plan.read_text().replace("  timezone: UTC", f"  {typed}: UTC"))
    with pytest.raises(InputError) as caught:
        load_config(plan)
    assert str(caught.value).startswith(f"plan.yaml: unknown key 'centre.{typed}' (expected one of: name, ")
    assert str(caught.value).endswith(f"{hint})")


def test_a_queue_renamed_mid_history_is_named_with_its_new_name(tmp_path: Path) -> None:
    """The ACD called the queue ``voice_old`` for its first two weeks: it was ignored without a word, and the
    forecast of ``voice`` learned from its last week alone."""
    from scheduler.diagnose.warnings import history_warnings
    from scheduler.io.config import load_config
    from tests.tiny_centre import TinyAgent, TinyCentre
    from tests.tiny_centre import write as write_centre

    plan, _ = write_centre(TinyCentre(agents=(TinyAgent("A0", "full_time", ("q1",)),)), tmp_path)
    lines = history_lines(days=28, queue="q1")
    renamed = [line.replace(",q1,", ",q1_old,") if line < "2024-01-15" else line for line in lines]
    history = load_history(write(tmp_path, renamed), 15)
    assert history.queues == ("q1", "q1_old")
    assert history_warnings(load_config(plan), history) == [
        "history.csv: queue 'q1_old' (history to 2024-01-14) is not among plan.yaml's queues and is ignored; queue "
        "q1's history starts on 2024-01-15: if it is 'q1_old' renamed, give both the same name in history.csv"]
    assert history_warnings(load_config(plan), load_history(write(tmp_path, lines), 15)) == []


@pytest.mark.parametrize("stamp", ["05/01/2024 09:00", "5.1.2024 09:00", "05-01-2024 09:00"])
def test_a_day_first_date_says_why_it_is_not_guessed(tmp_path: Path, stamp: str) -> None:
    lines = history_lines()
    lines[0] = f"{stamp},{lines[0].split(',', 1)[1]}"
    message = load_error(write(tmp_path, lines))
    assert message.endswith(f"got {stamp!r}; a date written day or month first is ambiguous: save it year first, "
                            "YYYY-MM-DDTHH:MM:SS")


def test_duplicate_rows_are_counted_and_the_fix_said(tmp_path: Path) -> None:
    """An export's page repeated: one row named, as before, and now how many and what to do."""
    lines = history_lines()
    message = load_error(write(tmp_path, lines + lines[10:13]))
    assert message.endswith("3 row(s) repeat a queue and interval_start: keep one row per queue and interval (a page "
                            "exported twice: delete the copies; parts of one interval: sum them)")


def test_an_acds_30_minute_report_for_a_15_minute_plan_says_what_to_change(tmp_path: Path) -> None:
    message = load_error_zone(write(tmp_path, history_lines(interval_minutes=30)))
    assert message.endswith("interval_minutes is 15 but the interval rows are 30 minutes apart (most common gap); "
                            "export the history in 15-minute intervals, or plan in 30-minute ones (a plan's "
                            "centre.interval_minutes, wfm forecast's --interval)")


def _tiny_plan(tmp_path: Path) -> Path:
    from tests.tiny_centre import TinyAgent, TinyCentre
    from tests.tiny_centre import write as write_centre

    plan, _ = write_centre(TinyCentre(agents=(TinyAgent("A0", "full_time", ("q1",)),)), tmp_path)
    return plan


def test_a_percentage_typed_for_a_fraction_says_how_to_write_it(tmp_path: Path) -> None:
    from scheduler.io.config import load_config

    plan = _tiny_plan(tmp_path)
    plan.write_text(plan.read_text().replace("service_level_target: 0.8", "service_level_target: 80%"))
    with pytest.raises(InputError) as caught:
        load_config(plan)
    assert str(caught.value) == ("plan.yaml: queues[0].service_level_target must be a number, got '80%'; write a "
                                 "percentage as a fraction: 0.8")


def test_tabs_and_spaces_at_line_ends_are_read_and_a_tab_indent_is_named(tmp_path: Path) -> None:
    """A trailing tab after a value (and CRLF) was exit 2, ``found character '\\t' that cannot start any token``."""
    from scheduler.io.config import load_config

    plan = _tiny_plan(tmp_path)
    plain = load_config(plan)
    text = plan.read_text()
    plan.write_bytes(text.replace("interval_minutes: 30", "interval_minutes: 30\t ").replace(
        "\n", " \r\n").encode())
    assert load_config(plan) == replace(plain, source=plan)
    plan.write_text(text.replace("\n  timezone:", "\n\ttimezone:"))
    with pytest.raises(InputError) as caught:
        load_config(plan)
    assert str(caught.value) == ("plan.yaml: line 3 found character '\\t' that cannot start any token; YAML indents "
                                 "and separates with spaces, not tabs: replace the tab")


def test_a_key_without_its_colon_names_the_keys_line(tmp_path: Path) -> None:
    """The seventh sweep's typo ``interval_minutes 15`` on line 4 was ``plan.yaml: line 5 could not find expected
    ':'``: PyYAML notices on the line after the key. The line named is now the key's."""
    from scheduler.io.config import load_config

    plan = _tiny_plan(tmp_path)
    text = plan.read_text()
    line = text[:text.index("interval_minutes: 30")].count("\n") + 1
    plan.write_text(text.replace("interval_minutes: 30", "interval_minutes 30"))
    with pytest.raises(InputError) as caught:
        load_config(plan)
    assert str(caught.value) == (f"plan.yaml: line {line} could not find expected ':' after the key there (YAML "
                                 f"stopped at line {line + 1})")


@pytest.mark.parametrize("character", ["\x0c", "\x0b", "\x1c"], ids=["form_feed", "vertical_tab", "separator"])
def test_dropping_blanks_at_line_ends_leaves_other_characters_to_yaml(tmp_path: Path, character: str) -> None:
    """The line-end strip split the text at every ``str.splitlines`` break: a control character in a name, which
    YAML refuses, became a line break and loaded as a space; a U+2028 in a quoted name became a space."""
    from scheduler.io.config import load_config

    plan = _tiny_plan(tmp_path)
    text = plan.read_text()
    assert "  name: " in text
    plan.write_text(re.sub(r"(\n  name: )(.*)", lambda m: f'{m.group(1)}"night{character}shift"', text, count=1))
    with pytest.raises(InputError, match="unacceptable character"):
        load_config(plan)
    plan.write_text(re.sub(r"(\n  name: )(.*)", lambda m: f'{m.group(1)}"night\u2028shift"', text, count=1))
    assert load_config(plan).name == "night\u2028shift"


def test_a_queue_without_history_says_what_to_do(tmp_path: Path) -> None:
    from scheduler.app.pipeline import forecast_week, planned_week
    from scheduler.io.config import load_config

    plan = _tiny_plan(tmp_path)
    config = load_config(plan)
    history = load_history(write(tmp_path, history_lines(days=21, interval_minutes=30, queue="q2")), 30)
    with pytest.raises(InputError) as caught:
        forecast_week(config, history, planned_week(config, history))
    assert str(caught.value).startswith("history.csv: no history for queue(s) q1 named in plan.yaml: queues; add the "
                                        "queue's rows to history.csv, or take it out of plan.yaml until it has two "
                                        "weeks of history")
