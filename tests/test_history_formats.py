"""History in other shapes: one row per contact, Parquet, flagged outliers and daylight-saving changes."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.history import DEFAULT_CONTACT_INTERVAL_MINUTES, OUTLIER_COLUMNS, load_history
from scheduler.errors import InputError

FIRST_DAY = date(2024, 1, 1)  # a Monday
CONTACT_HEADER = "arrival_time,queue,handle_seconds"
HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None


def write(tmp_path: Path, header: str, lines: list[str], name: str = "history.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def load_error(path: Path, **options: object) -> str:
    with pytest.raises(InputError) as caught:
        load_history(path, **options)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def contact_lines(days: int = 14) -> list[str]:
    """Each day: two contacts at 09:01 and 09:14 (handle 100 s, 200 s), one at 09:40 (300 s)."""
    lines = []
    for day in range(days):
        midnight = datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time())
        for minute, handle in ((1, 100), (14, 200), (40, 300)):
            lines.append(f"{(midnight + timedelta(hours=9, minutes=minute)).isoformat()},voice,{handle}")
    return lines


def interval_lines(first: datetime, days: int, slots: int = 4, interval_minutes: int = 15, hour: int = 9) -> list[str]:
    lines = []
    for day in range(days):
        midnight = datetime.combine(first.date() + timedelta(days=day), datetime.min.time())
        for slot in range(slots):
            start = midnight + timedelta(hours=hour, minutes=slot * interval_minutes)
            lines.append(f"{start.isoformat()},voice,{10 + slot},{180 + slot}")
    return lines


# --- one row per contact -------------------------------------------------------------------------------


def test_contact_rows_are_counted_into_intervals_with_the_mean_handle_time(tmp_path: Path) -> None:
    history = load_history(write(tmp_path, CONTACT_HEADER, contact_lines()[::-1]))

    assert history.interval_minutes == DEFAULT_CONTACT_INTERVAL_MINUTES == 15
    frame = history.frame
    assert list(frame.columns) == ["interval_start", "queue", "contacts", "aht_seconds"]
    assert frame["interval_start"].dtype == "datetime64[ns]"
    first_day = frame.loc[frame["interval_start"].dt.date == FIRST_DAY]
    assert first_day["interval_start"].dt.strftime("%H:%M").tolist() == ["09:00", "09:15", "09:30"]
    assert first_day["contacts"].tolist() == [2.0, 0.0, 1.0]  # 09:15 lies between contacts: zero-filled
    assert first_day["aht_seconds"].iloc[0] == 150.0
    assert np.isnan(first_day["aht_seconds"].iloc[1])
    assert first_day["aht_seconds"].iloc[2] == 300.0
    assert len(frame) == 14 * 3  # nothing before the first or after the last contact of a day


def test_contact_rows_aggregate_to_a_given_interval(tmp_path: Path) -> None:
    history = load_history(write(tmp_path, CONTACT_HEADER, contact_lines()), interval_minutes=60)
    assert history.interval_minutes == 60
    assert history.frame["contacts"].tolist() == [3.0] * 14
    assert history.frame["aht_seconds"].iloc[0] == 200.0


def test_blank_handle_time_counts_the_contact_but_not_in_the_mean(tmp_path: Path) -> None:
    lines = contact_lines()
    lines[0] = lines[0].rsplit(",", 1)[0] + ","
    frame = load_history(write(tmp_path, CONTACT_HEADER, lines)).frame
    assert frame.loc[0, "contacts"] == 2.0
    assert frame.loc[0, "aht_seconds"] == 200.0


@pytest.mark.parametrize("bad", ["yesterday", "2024-01-01T25:00:00", ""])
def test_contact_row_with_unparsable_arrival_time(tmp_path: Path, bad: str) -> None:
    lines = contact_lines()
    lines[4] = bad + "," + lines[4].split(",", 1)[1]
    assert "row 6: arrival_time must be an ISO 8601 local time" in load_error(write(tmp_path, CONTACT_HEADER, lines))


@pytest.mark.parametrize("bad", ["-5", "abc"])
def test_contact_row_with_bad_handle_time(tmp_path: Path, bad: str) -> None:
    lines = contact_lines()
    lines[7] = lines[7].rsplit(",", 1)[0] + "," + bad
    message = load_error(write(tmp_path, CONTACT_HEADER, lines))
    assert "row 9: handle_seconds must be blank or a number >= 0" in message


def test_contact_rows_need_all_their_columns(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, "arrival_time,queue", ["2024-01-01T09:00:00,voice"]))
    assert "row 1: missing column(s) handle_seconds" in message


def test_contact_rows_still_need_two_weeks(tmp_path: Path) -> None:
    assert "fewer than two weeks" in load_error(write(tmp_path, CONTACT_HEADER, contact_lines(days=13)))


def test_interval_rows_must_agree_with_a_given_interval(tmp_path: Path) -> None:
    path = write(tmp_path, "interval_start,queue,contacts,aht_seconds", interval_lines(datetime(2024, 1, 1), 14))
    assert load_history(path, interval_minutes=15).interval_minutes == 15
    assert "interval_minutes is 30 but the interval rows are 15 minutes apart" in load_error(path, interval_minutes=30)
    assert "interval_minutes must be one of" in load_error(path, interval_minutes=7)


# --- Parquet -------------------------------------------------------------------------------------------


@pytest.mark.skipif(not HAS_PYARROW, reason="reading Parquet needs pyarrow, which is not installed")
def test_parquet_interval_rows_load_like_csv(tmp_path: Path) -> None:
    csv_path = write(tmp_path, "interval_start,queue,contacts,aht_seconds", interval_lines(datetime(2024, 1, 1), 14))
    from_csv = load_history(csv_path)
    table = pd.read_csv(csv_path, parse_dates=["interval_start"])
    table.to_parquet(tmp_path / "history.parquet")

    from_parquet = load_history(tmp_path / "history.parquet")

    assert from_parquet.interval_minutes == 15
    pd.testing.assert_frame_equal(from_parquet.frame, from_csv.frame)


@pytest.mark.skipif(not HAS_PYARROW, reason="reading Parquet needs pyarrow, which is not installed")
def test_parquet_contact_rows_and_row_numbers_in_errors(tmp_path: Path) -> None:
    table = pd.read_csv(write(tmp_path, CONTACT_HEADER, contact_lines()))
    table.to_parquet(tmp_path / "contacts.parquet")
    assert load_history(tmp_path / "contacts.parquet").frame["contacts"].sum() == 14 * 3

    table.loc[4, "handle_seconds"] = -1.0
    table.to_parquet(tmp_path / "bad.parquet")
    assert "row 5: handle_seconds must be blank or a number >= 0" in load_error(tmp_path / "bad.parquet")


@pytest.mark.skipif(not HAS_PYARROW, reason="reading Parquet needs pyarrow, which is not installed")
def test_parquet_checks_match_csv(tmp_path: Path) -> None:
    table = pd.read_csv(
        write(tmp_path, "interval_start,queue,contacts,aht_seconds", interval_lines(datetime(2024, 1, 1), 14))
    )
    table.loc[2, "contacts"] = -3
    table.to_parquet(tmp_path / "bad.parquet")
    assert "row 3: contacts must be a number in [0, 1e+07]" in load_error(tmp_path / "bad.parquet")
    (tmp_path / "junk.parquet").write_text("not parquet", encoding="utf-8")
    assert "not a readable Parquet file" in load_error(tmp_path / "junk.parquet")
    assert "file not found" in load_error(tmp_path / "nope.parquet")


# --- outliers ------------------------------------------------------------------------------------------


def test_an_injected_spike_is_flagged_and_not_changed(tmp_path: Path) -> None:
    lines = interval_lines(datetime(2024, 1, 1), 35)
    spiked = 3 * 7 * 4 + 2  # day 21 (a Monday), 09:30
    lines[spiked] = lines[spiked].replace(",12,", ",120,")
    history = load_history(write(tmp_path, "interval_start,queue,contacts,aht_seconds", lines))

    outliers = history.outliers
    assert list(outliers.columns) == list(OUTLIER_COLUMNS)
    assert len(outliers) == 1
    row = outliers.iloc[0]
    assert row["queue"] == "voice"
    assert row["interval_start"] == pd.Timestamp("2024-01-22T09:30")
    assert row["contacts"] == 120.0
    assert row["expected"] == 12.0
    assert row["reason"].startswith("high: 120 contacts vs median 12 of 4 other weeks")
    assert history.frame["contacts"].max() == 120.0  # reported, not changed


def test_a_drop_is_flagged_but_noise_and_short_histories_are_not(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    lines = []
    for day in range(35):
        for slot in range(4):
            start = datetime(2024, 1, 1, 9) + timedelta(days=day, minutes=15 * slot)
            contacts = 0 if (day, slot) == (14, 1) else 100 + int(rng.integers(-20, 21))
            lines.append(f"{start.isoformat()},voice,{contacts}")
    outliers = load_history(write(tmp_path, "interval_start,queue,contacts", lines)).outliers
    assert outliers["interval_start"].tolist() == [pd.Timestamp("2024-01-15T09:15")]
    assert outliers["reason"].iloc[0].startswith("low: 0 contacts")

    short = interval_lines(datetime(2024, 1, 1), 14)
    short[3] = short[3].replace(",13,", ",900,")
    assert load_history(write(tmp_path, "interval_start,queue,contacts,aht_seconds", short)).outliers.empty


# --- daylight saving -----------------------------------------------------------------------------------

AUTUMN = datetime(2024, 10, 27)  # Europe/London: 02:00 BST back to 01:00 GMT, 01:00-01:59 happens twice
SPRING = datetime(2024, 3, 31)  # Europe/London: 01:00 GMT forward to 02:00 BST, 01:00-01:59 never happens
HEADER = "interval_start,queue,contacts,aht_seconds"


def night_lines(first: datetime, days: int) -> list[str]:
    """Half-hour intervals from 00:00 to 03:30 every day."""
    return interval_lines(first, days, slots=8, interval_minutes=30, hour=0)


def test_autumn_repeated_hour_is_summed_with_a_time_zone(tmp_path: Path) -> None:
    lines = night_lines(AUTUMN - timedelta(days=7), 14)
    repeated = [line.replace(",12,182", ",6,100") for line in lines if line.startswith("2024-10-27T01:00")]
    path = write(tmp_path, HEADER, lines + repeated)

    history = load_history(path, timezone="Europe/London")

    assert history.timezone == "Europe/London"
    at = history.frame.loc[history.frame["interval_start"] == pd.Timestamp("2024-10-27T01:00")]
    assert at["contacts"].tolist() == [18.0]
    assert at["aht_seconds"].iloc[0] == pytest.approx((12 * 182 + 6 * 100) / 18)
    assert len(history.frame) == 14 * 8


def test_without_a_time_zone_a_repeated_hour_is_a_duplicate(tmp_path: Path) -> None:
    lines = night_lines(AUTUMN - timedelta(days=7), 14)
    path = write(tmp_path, HEADER, lines + [lines[7 * 8 + 2]])
    assert f"row {14 * 8 + 2}: duplicate of row {7 * 8 + 4}" in load_error(path)


def test_repeats_outside_the_repeated_hour_stay_duplicates(tmp_path: Path) -> None:
    lines = night_lines(AUTUMN - timedelta(days=7), 14)
    path = write(tmp_path, HEADER, lines + [lines[7 * 8 + 5]])  # 02:30 happens once
    assert "duplicate of row" in load_error(path, timezone="Europe/London")
    three = write(tmp_path, HEADER, lines + [lines[7 * 8 + 2]] * 2, name="three.csv")
    assert "duplicate of row" in load_error(three, timezone="Europe/London")


def test_spring_skipped_hour_is_absent_not_missing(tmp_path: Path) -> None:
    lines = [
        line
        for line in night_lines(SPRING - timedelta(days=7), 14)
        if not line.startswith(("2024-03-31T01:00", "2024-03-31T01:30"))
    ]
    history = load_history(write(tmp_path, HEADER, lines), timezone="Europe/London")
    assert history.interval_minutes == 30
    assert len(history.frame) == 14 * 8 - 2

    inside = write(tmp_path, HEADER, night_lines(SPRING - timedelta(days=7), 14), name="inside.csv")
    message = load_error(inside, timezone="Europe/London")
    assert "row 60: interval_start 2024-03-31T01:00:00 does not exist in Europe/London" in message


def test_contact_rows_are_not_zero_filled_into_the_skipped_hour(tmp_path: Path) -> None:
    lines = []
    for day in range(14):
        midnight = SPRING - timedelta(days=7) + timedelta(days=day)
        for minute in (20, 200):  # 00:20 and 03:20
            lines.append(f"{(midnight + timedelta(minutes=minute)).isoformat()},voice,60")
    history = load_history(write(tmp_path, CONTACT_HEADER, lines), interval_minutes=30, timezone="Europe/London")
    spring_day = history.frame.loc[history.frame["interval_start"].dt.date == SPRING.date()]
    assert spring_day["interval_start"].dt.strftime("%H:%M").tolist() == ["00:00", "00:30", "02:00", "02:30", "03:00"]
    assert spring_day["contacts"].tolist() == [1.0, 0.0, 0.0, 0.0, 1.0]


def test_unknown_time_zone(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, night_lines(SPRING, 14))
    assert "unknown time zone 'Mars/Olympus'" in load_error(path, timezone="Mars/Olympus")
