"""A planner's exports and folders as a new user has them (README "Centres never seen", second sweep): each gives
a plan or a one-line error that names the file and key, never a traceback or a message about the wrong file."""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from forecasting.history import load_history
from scheduler.app.pipeline import forecast_week, planned_week
from scheduler.demo.example import generate_example
from scheduler.diagnose.warnings import implausible_handle_times
from scheduler.errors import InputError
from scheduler.io import outputs
from scheduler.io.config import load_config
from scheduler.io.outputs import StagedOutput, check_out_dir
from tests.test_cli_plan import explain, wfm
from tests.test_hostile_inputs import one_line_error


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory.mktemp("exports") / "centre", agents=8, queues=2, weeks=3, seed=5,
                            time_limit_seconds=1)


def copy_centre(centre: Path, target: Path) -> Path:
    shutil.copytree(centre.parent, target)
    return target / "plan.yaml"


def edit_plan(config: Path, old: str, new: str) -> None:
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


def rewrite_csv(path: Path, edit=None, **writer: str) -> None:  # type: ignore[no-untyped-def]
    """Rewrite a CSV with ``csv.writer`` options (a delimiter, quoting), each data row through ``edit(i, row)``."""
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    if edit is not None:
        rows = [rows[0]] + [edit(i, row) for i, row in enumerate(rows[1:])]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n", **writer).writerows(rows)


@pytest.mark.parametrize("given", ["GMT+1", "America", "Europe"])  # a region's folder of zones: no traceback
def test_an_unknown_time_zone_is_named_in_the_plan_not_the_history(centre: Path, tmp_path: Path, given: str) -> None:
    config = copy_centre(centre, tmp_path / "c")
    zone = next(line for line in config.read_text().splitlines() if "timezone:" in line).split(":", 1)[1].strip()
    edit_plan(config, f"timezone: {zone}", f"timezone: {given}")
    with pytest.raises(InputError, match=r"^plan\.yaml: centre\.timezone must be an IANA time zone name .*"
                                         + re.escape(repr(given))):
        load_config(config)


def test_a_week_start_inside_the_history_names_the_key(centre: Path, tmp_path: Path) -> None:
    config = copy_centre(centre, tmp_path / "c")
    start = next(line for line in config.read_text().splitlines() if "week_start:" in line).split(":", 1)[1].strip()
    first = (tmp_path / "c" / "history.csv").read_text(encoding="utf-8").splitlines()[1][:10]
    monday = date.fromisoformat(first)
    edit_plan(config, f"week_start: {start}", f"week_start: {monday.isoformat()}")
    line = one_line_error(wfm("plan", config, "--out", tmp_path / "out", "--quiet"))
    assert "plan.yaml: forecast.week_start" in line and "history.csv ends" in line, line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("delimiter", "named"), [(";", "';'"), ("\t", "tabs")])
def test_a_history_separated_by_semicolons_or_tabs_says_so(centre: Path, tmp_path: Path, delimiter: str,
                                                           named: str) -> None:
    config = copy_centre(centre, tmp_path / "c")
    history = tmp_path / "c" / "history.csv"
    rewrite_csv(history, lambda _, row: [cell.replace(".", ",") for cell in row], delimiter=delimiter)
    with pytest.raises(InputError, match=f"separated by {named}, not commas"):
        load_history(history)
    line = one_line_error(wfm("plan", config, "--out", tmp_path / "out", "--quiet"))
    assert "history.csv row 1" in line and f"separated by {named}" in line


def test_an_agents_file_separated_by_semicolons_says_so(centre: Path, tmp_path: Path) -> None:
    config = copy_centre(centre, tmp_path / "c")
    rewrite_csv(tmp_path / "c" / "agents.csv", delimiter=";")
    with pytest.raises(InputError, match=r"agents\.csv: missing column\(s\) .*separated by ';', not commas"):
        load_config(config)


def test_a_header_that_is_just_wrong_gets_no_separator_hint(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text("when;queue;count\n2026-03-02T08:00:00;voice;1\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_history(history)
    assert "separated" not in str(raised.value)


def _with_aht(centre: Path, tmp_path: Path, aht) -> Path:  # type: ignore[no-untyped-def]
    config = copy_centre(centre, tmp_path / "c")
    rewrite_csv(tmp_path / "c" / "history.csv",
                lambda i, row: [*row[:3], aht(i, row)] if float(row[2]) > 0 else row)
    return config


def test_a_few_absurd_handle_times_are_named_with_what_they_do_to_the_mean(centre: Path, tmp_path: Path) -> None:
    config = _with_aht(centre, tmp_path, lambda i, row: "36000" if i % 50 == 0 else row[3])
    plan = load_config(config)
    lines = implausible_handle_times(plan, load_history(plan.history_path, timezone=plan.timezone))
    assert lines and all("history interval(s) have aht_seconds over 10x the queue's median" in line
                         for line in lines), lines
    assert "36,000 s" in lines[0] and "raise its mean handle time from" in lines[0]


def test_handle_times_in_the_wrong_unit_are_named_against_the_default(centre: Path, tmp_path: Path) -> None:
    config = _with_aht(centre, tmp_path, lambda i, row: "6")  # minutes, not seconds
    plan = load_config(config)
    lines = implausible_handle_times(plan, load_history(plan.history_path, timezone=plan.timezone))
    assert len(lines) == len(plan.queues), lines
    assert all("median aht_seconds is 6 s but plan.yaml's default_aht_seconds" in line for line in lines), lines


def test_ordinary_handle_times_give_no_warning(centre: Path) -> None:
    plan = load_config(centre)
    assert implausible_handle_times(plan, load_history(plan.history_path, timezone=plan.timezone)) == []
    assert implausible_handle_times(plan, None) == []


def test_the_handle_time_warning_reaches_stderr_and_kpis(centre: Path, tmp_path: Path) -> None:
    config = _with_aht(centre, tmp_path, lambda i, row: "36000")
    result = wfm("plan", config, "--out", tmp_path / "out", "--time-limit", "1")
    assert result.exit_code == 0, explain(result)
    assert "warning: queue" in result.output and "default_aht_seconds" in result.output
    warnings = json.loads((tmp_path / "out" / "kpis.json").read_text())["warnings"]
    assert any("default_aht_seconds" in line for line in warnings), warnings


def test_an_out_folder_that_cannot_be_written_beside_is_refused_before_any_work(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **kwargs: object) -> str:
        raise PermissionError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(outputs.tempfile, "mkdtemp", refused)
    with pytest.raises(InputError, match=r"--out '.*new/deeper': cannot write in '.*' \(Read-only file system\)"):
        check_out_dir(tmp_path / "new" / "deeper")
    assert list(tmp_path.iterdir()) == []


def test_a_publish_that_the_file_system_refuses_is_one_line_and_keeps_the_old_plan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "roster.csv").write_text("old\n")

    def refused(first: Path, second: Path) -> bool:
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(first))

    monkeypatch.setattr(outputs, "_exchange", refused)
    staged = StagedOutput(out)
    staged.write_text("roster.csv", "new\n")
    with pytest.raises(InputError, match=r"cannot publish to '.*out' \(Operation not permitted\); it is left as it"):
        staged.commit()
    assert (out / "roster.csv").read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_refused_publish_without_an_exchange_leaves_nothing_beside(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the file system cannot swap two folders in one step the old plan is moved aside and the staged one
    renamed in; a refused rename puts the old plan back and leaves no empty ``.out.old-*`` folder beside it."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "roster.csv").write_text("old\n")
    staged = StagedOutput(out)
    staged.write_text("roster.csv", "new\n")
    rename = os.rename

    def refused(first: str | Path, second: str | Path) -> None:
        if Path(first) == staged.staging:
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(first))
        rename(first, second)

    monkeypatch.setattr(outputs, "_exchange", lambda first, second: False)
    monkeypatch.setattr(outputs.os, "rename", refused)
    with pytest.raises(InputError, match=r"cannot publish to '.*out' \(Operation not permitted\); it is left as it"):
        staged.commit()
    assert (out / "roster.csv").read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.fixture
def read_only_folder(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A folder nobody may write in: mode 0555, or for root (whom modes do not stop) the immutable attribute."""
    folder = tmp_path / "locked"
    (folder / "out").mkdir(parents=True)
    (folder / "out" / "notes.txt").write_text("mine\n")
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)],
                                                        capture_output=True).returncode != 0:
        pytest.skip("no way to make a read-only folder here")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_plan_into_a_read_only_folder_is_one_line_with_exit_2(centre: Path, read_only_folder: Path) -> None:
    result = wfm("plan", centre, "--out", read_only_folder / "out", "--quiet")
    line = one_line_error(result)
    assert "--out" in line and "cannot write in" in line, line
    assert sorted(p.name for p in read_only_folder.iterdir()) == ["out"]
    assert [p.name for p in (read_only_folder / "out").iterdir()] == ["notes.txt"]


def test_the_hour_skipped_in_spring_is_neither_forecast_nor_staffed(centre: Path, tmp_path: Path) -> None:
    """A centre open 24 h in America/New_York, planning the week of 8 March 2026 (clocks 02:00 -> 03:00)."""
    config = copy_centre(centre, tmp_path / "c")
    history = tmp_path / "c" / "history.csv"
    rows = list(csv.reader(history.read_text(encoding="utf-8").splitlines()))
    last = max(datetime.fromisoformat(row[0]) for row in rows[1:])
    shift = datetime(2026, 3, 1, 23) - last  # the history ends on Sunday 1 March 2026
    shift = timedelta(days=shift.days - shift.days % 7)
    moved = [[(datetime.fromisoformat(row[0]) + shift).isoformat(), *row[1:]] for row in rows[1:]]
    nights = {(row[0][:10], row[1]) for row in moved}
    moved += [[f"{day}T{hour:02d}:{minute:02d}:00", queue, "2", "300"] for day, queue in sorted(nights)
              for hour in range(0, 7) for minute in range(0, 60, 15)]
    with history.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([rows[0], *moved])
    text = config.read_text(encoding="utf-8")
    text = re.sub(r'(mon|tue|wed|thu|fri|sat|sun): "\d\d:\d\d-\d\d:\d\d"', r'\1: "00:00-24:00"', text)
    text = re.sub(r"timezone: \S+", "timezone: America/New_York", text)
    text = re.sub(r"week_start: \S+", "week_start: 2026-03-02", text)
    config.write_text(text, encoding="utf-8")
    plan = load_config(config)
    loaded = load_history(plan.history_path, plan.interval_minutes, timezone=plan.timezone)
    forecast = forecast_week(plan, loaded, planned_week(plan, loaded))
    sunday = forecast.loc[forecast["interval_start"].dt.date == date(2026, 3, 8)]
    hours = set(sunday["interval_start"].dt.hour)
    assert {0, 1, 3, 4} <= hours and 2 not in hours, sorted(hours)
    monday = forecast.loc[forecast["interval_start"].dt.date == date(2026, 3, 2)]
    assert 2 in set(monday["interval_start"].dt.hour)


@pytest.mark.parametrize(("old", "new", "named"), [
    ("shrinkage: 0.1", "shrinkage: 0.1\nshrinkage: 0.3", "key 'shrinkage' appears twice (first on line"),
    ("    concurrency: 1\n", "    concurrency: 1\n    concurrency: 3\n", "key 'concurrency' appears twice"),
])
def test_a_key_given_twice_in_the_plan_is_refused_naming_the_line(centre: Path, tmp_path: Path, old: str, new: str,
                                                                  named: str) -> None:
    config = copy_centre(centre, tmp_path / "c")
    edit_plan(config, old, new)
    with pytest.raises(InputError, match=r"^plan\.yaml: line \d+ " + re.escape(named)):
        load_config(config)


def test_a_yaml_merge_key_may_still_be_overridden(centre: Path, tmp_path: Path) -> None:
    config = copy_centre(centre, tmp_path / "c")
    edit_plan(config, "objective:\n", "x_defaults: &d\n  paid_hour: 1\nobjective:\n  <<: *d\n")
    with pytest.raises(InputError, match="unknown key 'x_defaults'"):  # not a duplicate-key error
        load_config(config)


def test_a_mapping_first_reached_through_a_merge_may_override_its_own_merge(centre: Path, tmp_path: Path) -> None:
    # the voice queue's hours merge the centre's and override Monday inside an anchored mapping that the chat queue
    # then names: flattening the anchored mapping once for the merge puts Monday twice in it, which is no key given
    # twice in the file (it was refused as one when the alias was built)
    config = copy_centre(centre, tmp_path / "c")
    edit_plan(config, "  opening_hours:\n    mon:", "  opening_hours: &centre\n    mon:")
    edit_plan(config, "    concurrency: 1\n", "    concurrency: 1\n    opening_hours:\n      <<: &early\n"
                                             "        <<: *centre\n        mon: \"09:00-20:00\"\n      sun: closed\n")
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"    opening_hours:\n(      \w+: .*\n)+", "    opening_hours: *early\n", text, count=1),
                      encoding="utf-8")
    voice, chat = load_config(config).queues
    assert voice.opening_hours is not None and chat.opening_hours is not None
    assert voice.opening_hours.window(6) is None and voice.opening_hours.window(0) == chat.opening_hours.window(0)
    assert chat.opening_hours.window(0).start_minute == 9 * 60 and chat.opening_hours.window(6) is not None


def test_an_agents_column_given_twice_is_refused(centre: Path, tmp_path: Path) -> None:
    config = copy_centre(centre, tmp_path / "c")
    agents = tmp_path / "c" / "agents.csv"
    lines = agents.read_text(encoding="utf-8").splitlines()
    agents.write_text("\n".join([lines[0] + ",skills", *(line + ",x" for line in lines[1:])]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^agents\.csv row 1: column 'skills' appears more than once$"):
        load_config(config)


def test_a_history_queue_named_in_another_case_is_pointed_out(centre: Path, tmp_path: Path) -> None:
    config = copy_centre(centre, tmp_path / "c")
    queue = load_config(config).queues[0].queue_id
    rewrite_csv(tmp_path / "c" / "history.csv",
                lambda _, row: [row[0], queue.upper() if row[1] == queue else row[1], *row[2:]])
    line = one_line_error(wfm("plan", config, "--out", tmp_path / "out", "--quiet"))
    assert f"no history for queue(s) {queue} named in plan.yaml: queues (it has '{queue.upper()}' for {queue}" in line


def test_simulate_takes_a_plan_of_several_weeks_one_week_at_a_time(centre: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    planned = wfm("plan", centre, "--out", out, "--time-limit", "2", "--weeks", "2", "--quiet")
    assert planned.exit_code == 0, explain(planned)
    first = wfm("simulate", out, "--reps", "2", "--json", "--config", centre)
    assert first.exit_code == 0, explain(first)
    second = wfm("simulate", out, "--reps", "2", "--json", "--config", centre, "--week", "2")
    assert second.exit_code == 0, explain(second)
    assert json.loads(first.output) != json.loads(second.output)
    assert json.loads(wfm("simulate", out, "--reps", "2", "--json", "--config", centre, "--week", "1").output) == \
        json.loads(first.output)
    line = one_line_error(wfm("simulate", out, "--reps", "2", "--config", centre, "--week", "3"))
    assert "--week must be 1 to 2" in line


def test_example_and_forecast_into_a_read_only_folder_are_one_line(centre: Path, read_only_folder: Path) -> None:
    line = one_line_error(wfm("example", "--agents", "5", "--out", read_only_folder / "new"))
    assert "--out" in line and "cannot write in" in line, line
    history = centre.parent / "history.csv"
    line = one_line_error(wfm("forecast", history, "--start", "2030-01-07", "--days", "7",
                              "--out", read_only_folder / "forecast.csv"))
    assert "--out" in line and "cannot write in" in line, line
    assert sorted(p.name for p in read_only_folder.iterdir()) == ["out"]


def test_files_saved_in_a_windows_code_page_or_utf16_say_how_to_save_them(centre: Path, tmp_path: Path) -> None:
    config = copy_centre(centre, tmp_path / "c")
    agents = tmp_path / "c" / "agents.csv"
    first = agents.read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    agents.write_bytes(agents.read_text(encoding="utf-8").replace(first, "José", 1).encode("cp1252"))
    with pytest.raises(InputError, match=r"^agents\.csv: not UTF-8 text; save it as UTF-8 \(in Excel: CSV UTF-8\)$"):
        load_config(config)
    history = tmp_path / "c" / "history.csv"
    history.write_bytes(history.read_text(encoding="utf-8").replace(",", "\t").encode("utf-16"))
    with pytest.raises(InputError, match=r"history\.csv: not UTF-8 text .*; save it as UTF-8"):
        load_history(history)


@pytest.mark.parametrize("name", ["agents.csv", "history.csv"])
def test_utf16_without_a_byte_order_mark_is_named(centre: Path, tmp_path: Path, name: str) -> None:
    """UTF-16 text without a byte-order mark reads as UTF-8 with a NUL after every character: the error said
    columns were missing and quoted the header's NULs; it says what the file is and how to save it."""
    config = copy_centre(centre, tmp_path / "c")
    path = tmp_path / "c" / name
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16-le"))
    with pytest.raises(InputError, match=r"^\S*" + re.escape(f"{name}: not UTF-8 text (NUL characters in the header: "
                                                            "UTF-16?); save it as UTF-8 (in Excel: CSV UTF-8)") + "$"):
        load_config(config) if name == "agents.csv" else load_history(path)
