"""Loading and validating contact history: every bad input is one ``InputError`` line naming file and row."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.history import History, load_history
from scheduler.errors import InputError

HEADER = "interval_start,queue,contacts,aht_seconds"
FIRST_DAY = date(2024, 1, 1)  # a Monday


def history_lines(
    days: int = 14,
    interval_minutes: int = 15,
    open_minute: int = 9 * 60,
    slots: int = 4,
    queue: str = "voice",
    with_aht: bool = True,
) -> list[str]:
    """Data lines (no header) of a tidy history: ``slots`` intervals a day from ``open_minute``."""
    lines = []
    for day in range(days):
        midnight = datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time())
        for slot in range(slots):
            start = midnight + timedelta(minutes=open_minute + slot * interval_minutes)
            contacts = 10 + slot
            fields = [start.isoformat(), queue, str(contacts)] + ([str(180 + slot)] if with_aht else [])
            lines.append(",".join(fields))
    return lines


def write(tmp_path: Path, lines: list[str], header: str | None = HEADER, name: str = "history.csv") -> Path:
    path = tmp_path / name
    text = "\n".join(([header] if header is not None else []) + lines)
    path.write_text(text + ("\n" if text else ""), encoding="utf-8")
    return path


def with_field(lines: list[str], index: int, column: int, value: str) -> list[str]:
    """A copy of ``lines`` with one field replaced; data line ``index`` is CSV row ``index + 2``."""
    changed = list(lines)
    fields = changed[index].split(",")
    fields[column] = value
    changed[index] = ",".join(fields)
    return changed


def load_error(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        load_history(path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_loads_a_tidy_history(tmp_path: Path) -> None:
    lines = history_lines()
    lines[1] = lines[1].replace(",11,181", ",0,0")  # zero contacts: a zero AHT means nothing and is dropped
    history = load_history(write(tmp_path, lines[::-1]))

    assert isinstance(history, History)
    assert history.interval_minutes == 15
    assert history.path == tmp_path / "history.csv"
    frame = history.frame
    assert list(frame.columns) == ["interval_start", "queue", "contacts", "aht_seconds"]
    assert frame["interval_start"].dtype == "datetime64[ns]"
    assert frame["contacts"].dtype == float
    assert frame["aht_seconds"].dtype == float
    assert frame["interval_start"].is_monotonic_increasing
    assert len(frame) == 14 * 4
    assert frame["queue"].tolist() == ["voice"] * len(frame)
    assert frame.loc[0, "interval_start"] == pd.Timestamp("2024-01-01T09:00")
    assert frame.loc[0, "aht_seconds"] == 180.0
    assert np.isnan(frame.loc[1, "aht_seconds"]) and frame.loc[1, "contacts"] == 0.0
    assert (history.first_date, history.last_date) == (date(2024, 1, 1), date(2024, 1, 14))
    assert history.queues == ("voice",)
    assert history.has_aht


def test_aht_column_is_optional(tmp_path: Path) -> None:
    history = load_history(write(tmp_path, history_lines(with_aht=False), header="interval_start,queue,contacts"))
    assert history.frame["aht_seconds"].isna().all()
    assert not history.has_aht


def test_blank_aht_is_unknown_and_extra_columns_are_ignored(tmp_path: Path) -> None:
    lines = [line + ",3" for line in with_field(history_lines(), 5, 3, "")]
    history = load_history(write(tmp_path, lines, header=HEADER + ",abandoned"))
    assert list(history.frame.columns) == ["interval_start", "queue", "contacts", "aht_seconds"]
    assert np.isnan(history.frame.loc[5, "aht_seconds"])


@pytest.mark.parametrize("interval_minutes", [5, 6, 10, 15, 30, 60])
def test_infers_the_interval_length(tmp_path: Path, interval_minutes: int) -> None:
    lines = history_lines(interval_minutes=interval_minutes, open_minute=8 * 60, slots=6)
    assert load_history(write(tmp_path, lines)).interval_minutes == interval_minutes


def test_closed_days_and_sparse_intervals_do_not_change_the_inferred_length(tmp_path: Path) -> None:
    lines = history_lines(days=21, interval_minutes=5, slots=12)
    weekend = {"2024-01-06", "2024-01-07", "2024-01-13", "2024-01-14"}
    lines = [line for line in lines if line[:10] not in weekend]
    del lines[3]  # a lost interval inside an open day
    assert load_history(write(tmp_path, lines)).interval_minutes == 5


def test_queues_are_sorted_and_checked_apart(tmp_path: Path) -> None:
    lines = history_lines(queue="voice") + history_lines(queue="chat")
    history = load_history(write(tmp_path, lines))
    assert history.queues == ("chat", "voice")
    assert history.frame["queue"].tolist() == ["chat"] * 56 + ["voice"] * 56


def test_blank_lines_do_not_shift_row_numbers(tmp_path: Path) -> None:
    lines = with_field(history_lines(), 6, 2, "abc")
    lines.insert(3, "")
    message = load_error(write(tmp_path, lines))
    assert "row 9:" in message  # data line 6 moved one line down by the blank line


def test_before_keeps_earlier_rows(tmp_path: Path) -> None:
    history = load_history(write(tmp_path, history_lines()))
    earlier = history.before(date(2024, 1, 10))
    assert earlier.last_date == date(2024, 1, 9)
    assert earlier.interval_minutes == 15
    assert len(earlier.frame) == 9 * 4
    with pytest.raises(InputError, match="no history before"):
        history.before(date(2023, 12, 1))


# --- bad input: one line, file and row named -------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert "file not found" in load_error(tmp_path / "nope.csv")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert "is a directory" in load_error(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    assert "file is empty" in load_error(write(tmp_path, [], header=None))


def test_header_without_rows(tmp_path: Path) -> None:
    assert "no data rows" in load_error(write(tmp_path, []))


def test_missing_columns_are_named(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, ["2024-01-01T09:00:00,5"], header="interval_start,calls"))
    assert "row 1: missing column(s) queue, contacts" in message


def test_row_with_too_many_fields(tmp_path: Path) -> None:
    lines = history_lines()
    lines[2] += ",7"
    assert "row 4: expected 4 fields" in load_error(write(tmp_path, lines))


@pytest.mark.parametrize("bad", ["yesterday", "2024-13-01T09:00:00", ""])
def test_unparsable_timestamp(tmp_path: Path, bad: str) -> None:
    message = load_error(write(tmp_path, with_field(history_lines(), 7, 0, bad)))
    assert f"row 9: interval_start must be an ISO 8601 local time like 2003-03-03T07:00:00, got {bad!r}" in message


@pytest.mark.parametrize("stamp", ["2024-01-01T09:15:00+01:00", "2024-01-01T09:15:00Z", "2024-01-01T09:15:00-0500"])
def test_timestamp_with_utc_offset(tmp_path: Path, stamp: str) -> None:
    message = load_error(write(tmp_path, with_field(history_lines(), 1, 0, stamp)))
    assert "row 3: interval_start must be local time without a UTC offset" in message


def test_blank_queue(tmp_path: Path) -> None:
    assert "row 12: queue must not be empty" in load_error(write(tmp_path, with_field(history_lines(), 10, 1, " ")))


@pytest.mark.parametrize(
    ("field", "value"), [("abc", "abc"), ("-1", "-1"), ("", ""), ("nan", "nan"), ("inf", "inf"), ('"1,5"', "1,5")]
)
def test_bad_contacts(tmp_path: Path, field: str, value: str) -> None:
    message = load_error(write(tmp_path, with_field(history_lines(), 15, 2, field)))
    assert f"history.csv row 17: contacts must be a number in [0, 1e+07], got {value!r}" in message


@pytest.mark.parametrize("bad", ["-5", "0", "fast"])
def test_bad_aht_where_there_are_contacts(tmp_path: Path, bad: str) -> None:
    message = load_error(write(tmp_path, with_field(history_lines(), 20, 3, bad)))
    assert "row 22: aht_seconds must be blank or a number in (0, 86400] where contacts > 0" in message
    assert f"got {bad!r}" in message


def test_aht_is_ignored_where_there_are_no_contacts(tmp_path: Path) -> None:
    lines = with_field(with_field(history_lines(), 20, 2, "0"), 20, 3, "0")
    history = load_history(write(tmp_path, lines))
    assert np.isnan(history.frame.loc[20, "aht_seconds"])
    negative = with_field(with_field(history_lines(), 20, 2, "0"), 20, 3, "-1")
    assert "row 22: aht_seconds" in load_error(write(tmp_path, negative))


def test_duplicated_interval_names_both_rows(tmp_path: Path) -> None:
    lines = history_lines()
    lines.append(lines[4])
    message = load_error(write(tmp_path, lines))
    assert f"row {len(lines) + 1}: duplicate of row 6 (queue 'voice', interval_start 2024-01-02T09:00:00)" in message


def test_same_time_in_two_queues_is_not_a_duplicate(tmp_path: Path) -> None:
    load_history(write(tmp_path, history_lines(queue="a") + history_lines(queue="b")))


def test_mixed_interval_lengths(tmp_path: Path) -> None:
    lines = with_field(history_lines(), 9, 0, "2024-01-03T09:20:00")  # :05, :10 gaps amid 15-minute ones
    message = load_error(write(tmp_path, lines))
    assert "row 11: mixed interval lengths" in message
    assert "15-minute" in message


def test_a_30_minute_queue_among_15_minute_ones_is_refused(tmp_path: Path) -> None:
    """A planner appends a queue exported in 30-minute intervals to 15-minute ones: every gap is a multiple of 15,
    but read as 15-minute intervals its contacts would fall in every other interval and the roster would staff
    it half the time (it did, silently)."""
    lines = history_lines(queue="voice") + history_lines(queue="chat", interval_minutes=30)
    message = load_error(write(tmp_path, lines))
    assert "queue 'chat' has 30-minute intervals (all 56 of its rows start at a multiple of 30 minutes)" in message
    assert "other queues have 15-minute ones" in message
    sparse = [line for line in history_lines(queue="chat") if line[14:16] in ("00", "30")]  # 15-minute, sparse
    assert load_history(write(tmp_path, history_lines(queue="voice") + sparse[:47])).interval_minutes == 15


def test_timestamps_not_aligned_with_the_interval(tmp_path: Path) -> None:
    lines = history_lines(open_minute=9 * 60 + 5)  # 09:05, 09:20, ...: 15-minute gaps off the quarter hours
    message = load_error(write(tmp_path, lines))
    assert "row 2: interval_start 2024-01-01T09:05:00 is not aligned with the 15-minute interval" in message


def test_interval_length_outside_the_allowed_set(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, history_lines(interval_minutes=20)))
    assert "cannot infer the interval length" in message and "20 minutes" in message


def test_fewer_than_two_weeks(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, history_lines(days=13)))
    assert "fewer than two weeks of history for queue 'voice': 13 day(s), 2024-01-01 to 2024-01-13" in message


def test_every_queue_needs_two_weeks(tmp_path: Path) -> None:
    lines = history_lines(queue="voice") + history_lines(days=3, queue="chat")
    assert "queue 'chat'" in load_error(write(tmp_path, lines))


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes((HEADER + "\n").encode() + "2024-01-01T09:00:00,caf\xe9,1,2\n".encode("latin-1"))
    assert "not UTF-8" in load_error(path)
