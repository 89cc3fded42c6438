"""Contact history: load, validate and hold interval counts of contacts (and handle times) per queue.

The input is a CSV file (UTF-8, header row) with the columns ``interval_start, queue, contacts`` and
optionally ``aht_seconds``; other columns (such as ``abandoned``) are ignored. ``interval_start`` is the
local wall-clock start of the interval in ISO 8601 without a UTC offset (``2003-03-03T07:00:00``).

Rules checked on load (any failure raises ``InputError`` with one line naming the file and, where there
is one, the 1-based CSV row, header = row 1, and the column):

- ``contacts`` is a finite number >= 0 (fractions are allowed, e.g. for scaled or merged data).
- ``aht_seconds`` (average handle time of the interval) is blank (unknown) or a finite number > 0 where
  ``contacts > 0``. Where ``contacts == 0`` a handle time means nothing: it may be blank or 0 and is
  stored as NaN. Negative values and text are errors on every row.
- ``(interval_start, queue)`` is unique. Local times repeat at the autumn daylight-saving change; such
  rows must be summed before loading.
- The interval length is inferred as the most common positive gap between consecutive timestamps of a
  queue; it must be one of ``ALLOWED_INTERVAL_MINUTES`` and every gap must be a multiple of it, and every
  timestamp must start a whole interval counted from midnight (``07:15`` is fine for 15 minutes,
  ``07:20`` is not).
- Every queue spans at least ``MIN_HISTORY_DAYS`` calendar days (first to last day, inclusive).

Missing rows. The history holds only the rows given; nothing is filled in. Forecasters read gaps by one
rule: a queue-day with no row at all is a *closed day* (zero contacts, the centre was shut, e.g. a public
holiday or a weekend). An interval missing from a day that has other rows is *unknown*, not zero: it is
left out of that day's estimates rather than counted as a quiet interval.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.errors import InputError

REQUIRED_COLUMNS: tuple[str, ...] = ("interval_start", "queue", "contacts")
OPTIONAL_COLUMNS: tuple[str, ...] = ("aht_seconds",)
ALLOWED_INTERVAL_MINUTES: tuple[int, ...] = (5, 6, 10, 15, 30, 60)
MIN_HISTORY_DAYS = 14
SECONDS_PER_MINUTE = 60
SECONDS_PER_DAY = 24 * 60 * SECONDS_PER_MINUTE

# A time part ending in "Z" or "+hh", "+hh:mm", "+hhmm" (or "-") carries a UTC offset.
_OFFSET_PATTERN = r"(?:Z|[+-]\d{2}(?::?\d{2})?)$"


@dataclass(frozen=True, eq=False)
class History:
    """Validated contact history of one or more queues.

    ``frame`` has one row per (queue, interval) given in the file, sorted by ``queue`` then
    ``interval_start``, with a fresh ``RangeIndex`` and the columns:

    - ``interval_start``: ``datetime64[ns]``, naive local wall-clock start of the interval;
    - ``queue``: ``str``;
    - ``contacts``: ``float64``, contacts offered in the interval, >= 0;
    - ``aht_seconds``: ``float64``, average handle time in seconds, NaN where unknown, where the file
      has no ``aht_seconds`` column, or where ``contacts == 0``.

    Treat ``frame`` as read-only; derive new histories with ``before``.
    """

    frame: pd.DataFrame
    interval_minutes: int
    path: Path

    @property
    def queues(self) -> tuple[str, ...]:
        """Queue names, sorted."""
        return tuple(sorted(self.frame["queue"].unique()))

    @property
    def first_date(self) -> date:
        """The first calendar day with a row, any queue."""
        return self.frame["interval_start"].min().date()

    @property
    def last_date(self) -> date:
        """The last calendar day with a row, any queue."""
        return self.frame["interval_start"].max().date()

    @property
    def has_aht(self) -> bool:
        """Whether any row carries a handle time."""
        return bool(self.frame["aht_seconds"].notna().any())

    def before(self, cutoff: date) -> History:
        """The rows that start before the day ``cutoff`` (for back-tests); the interval length is kept.

        Raises ``InputError`` when no row is left.
        """
        mask = self.frame["interval_start"] < pd.Timestamp(cutoff)
        if not mask.any():
            raise InputError(f"{self.path}: no history before {cutoff.isoformat()}")
        return replace(self, frame=self.frame.loc[mask].reset_index(drop=True))


def load_history(path: Path) -> History:
    """Read and validate a history CSV (see the module docstring for the format and every rule).

    Raises ``InputError`` with a one-line message naming the file and, where there is one, the CSV row
    (header = row 1) and column.
    """
    path = Path(path)
    header, records, rows = _read_csv(path)
    columns = _column_positions(header, path)
    for record, row in zip(records, rows, strict=True):
        if len(record) != len(header):
            raise InputError(f"{path} row {row}: expected {len(header)} fields like the header, got {len(record)}")
    row_numbers = np.asarray(rows, dtype=np.int64)

    def column(name: str) -> np.ndarray:
        position = columns[name]
        return np.asarray([record[position].strip() for record in records], dtype=object)

    interval_start = _parse_timestamps(column("interval_start"), row_numbers, path)
    queue = column("queue")
    blank_queue = queue == ""
    if blank_queue.any():
        raise InputError(f"{path} row {row_numbers[blank_queue.argmax()]}: queue must not be empty")
    contacts = _parse_contacts(column("contacts"), row_numbers, path)
    if "aht_seconds" in columns:
        aht_seconds = _parse_aht(column("aht_seconds"), contacts, row_numbers, path)
    else:
        aht_seconds = np.full(len(records), np.nan)

    frame = pd.DataFrame(
        {
            "interval_start": interval_start,
            "queue": pd.Series(queue, dtype=str),
            "contacts": contacts,
            "aht_seconds": aht_seconds,
            "_row": row_numbers,
        }
    )
    frame = frame.sort_values(["queue", "interval_start", "_row"], kind="stable").reset_index(drop=True)
    _check_duplicates(frame, path)
    _check_span(frame, path)
    interval_minutes = _infer_interval_minutes(frame, path)
    _check_alignment(frame, interval_minutes, path)
    return History(frame=frame.drop(columns="_row"), interval_minutes=interval_minutes, path=path)


def _read_csv(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data records and their 1-based file rows (blank lines skipped)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header: list[str] | None = None
            records: list[list[str]] = []
            rows: list[int] = []
            for record in reader:
                if not any(field.strip() for field in record):
                    continue
                if header is None:
                    header = [name.strip() for name in record]
                    continue
                records.append(record)
                rows.append(reader.line_num)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a history CSV file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except csv.Error as error:
        raise InputError(f"{path}: malformed CSV ({error})") from None
    if header is None:
        expected = ",".join(REQUIRED_COLUMNS) + "[,aht_seconds]"
        raise InputError(f"{path}: file is empty, expected a header row {expected} and data rows")
    if not records:
        raise InputError(f"{path}: no data rows after the header")
    return header, records, rows


def _column_positions(header: list[str], path: Path) -> dict[str, int]:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputError(f"{path} row 1: column {name!r} appears more than once")
        seen.add(name)
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if missing:
        raise InputError(
            f"{path} row 1: missing column(s) {', '.join(missing)}; the header has {', '.join(header) or 'nothing'}"
        )
    return {name: header.index(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if name in seen}


def _parse_timestamps(text: np.ndarray, rows: np.ndarray, path: Path) -> np.ndarray:
    """Naive ``datetime64[ns]`` values; offsets, blanks and unparsable text are errors."""
    series = pd.Series(text, dtype=str)
    time_part = series.str.split(r"[T ]", n=1, regex=True).str[1].fillna("")
    with_offset = time_part.str.contains(_OFFSET_PATTERN, regex=True).to_numpy(dtype=bool)
    if with_offset.any():
        at = with_offset.argmax()
        raise InputError(
            f"{path} row {rows[at]}: interval_start must be local time without a UTC offset, got {text[at]!r}"
        )
    parsed = pd.to_datetime(series, format="ISO8601", errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        at = bad.argmax()
        raise InputError(
            f"{path} row {rows[at]}: interval_start must be an ISO 8601 local time like "
            f"2003-03-03T07:00:00, got {text[at]!r}"
        )
    return parsed.to_numpy(dtype="datetime64[ns]")


def _to_float(text: np.ndarray) -> np.ndarray:
    """Numbers from text; NaN where the text is blank or not a number."""
    return pd.to_numeric(pd.Series(text, dtype=object).replace("", np.nan), errors="coerce").to_numpy(dtype=float)


def _parse_contacts(text: np.ndarray, rows: np.ndarray, path: Path) -> np.ndarray:
    values = _to_float(text)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        at = bad.argmax()
        raise InputError(f"{path} row {rows[at]}: contacts must be a number >= 0, got {text[at]!r}")
    return values


def _parse_aht(text: np.ndarray, contacts: np.ndarray, rows: np.ndarray, path: Path) -> np.ndarray:
    values = _to_float(text)
    blank = text == ""
    not_number = ~blank & ~np.isfinite(values)
    negative = np.isfinite(values) & (values < 0)
    zero_with_contacts = (values == 0) & (contacts > 0)
    bad = not_number | negative | zero_with_contacts
    if bad.any():
        at = bad.argmax()
        raise InputError(
            f"{path} row {rows[at]}: aht_seconds must be blank or a number > 0 where contacts > 0 "
            f"(blank or 0 where contacts = 0), got {text[at]!r}"
        )
    return np.where(contacts > 0, values, np.nan)


def _check_duplicates(frame: pd.DataFrame, path: Path) -> None:
    duplicated = frame.duplicated(["queue", "interval_start"], keep=False).to_numpy()
    if not duplicated.any():
        return
    clashes = frame.loc[duplicated]
    later = clashes.duplicated(["queue", "interval_start"], keep="first")
    first_repeat = clashes.loc[later].sort_values("_row").iloc[0]
    original = clashes.loc[
        (clashes["queue"] == first_repeat["queue"]) & (clashes["interval_start"] == first_repeat["interval_start"])
    ]["_row"].min()
    raise InputError(
        f"{path} row {first_repeat['_row']}: duplicate of row {original} "
        f"(queue {first_repeat['queue']!r}, interval_start {first_repeat['interval_start'].isoformat()})"
    )


def _check_span(frame: pd.DataFrame, path: Path) -> None:
    days = frame["interval_start"].dt.normalize()
    span = days.groupby(frame["queue"]).agg(["min", "max"])
    span_days = (span["max"] - span["min"]).dt.days + 1
    short = span_days[span_days < MIN_HISTORY_DAYS]
    if len(short):
        queue = short.index[0]
        first, last = span.loc[queue, "min"].date(), span.loc[queue, "max"].date()
        raise InputError(
            f"{path}: fewer than two weeks of history for queue {queue!r}: {short.iloc[0]} day(s), "
            f"{first.isoformat()} to {last.isoformat()}; at least {MIN_HISTORY_DAYS} days are needed"
        )


def _infer_interval_minutes(frame: pd.DataFrame, path: Path) -> int:
    """The most common positive gap between consecutive rows of a queue, checked against the others."""
    seconds = frame["interval_start"].to_numpy().astype("datetime64[s]").astype(np.int64)
    same_queue = frame["queue"].to_numpy()[1:] == frame["queue"].to_numpy()[:-1]
    gaps = np.diff(seconds)[same_queue]
    gap_values, counts = np.unique(gaps, return_counts=True)
    mode_seconds = int(gap_values[counts.argmax()])  # ties: the shortest gap, np.unique sorts
    if mode_seconds % SECONDS_PER_MINUTE or mode_seconds // SECONDS_PER_MINUTE not in ALLOWED_INTERVAL_MINUTES:
        allowed = ", ".join(str(m) for m in ALLOWED_INTERVAL_MINUTES)
        raise InputError(
            f"{path}: cannot infer the interval length: the most common gap between consecutive intervals "
            f"of a queue is {mode_seconds / SECONDS_PER_MINUTE:g} minutes, it must be one of {allowed}"
        )
    interval_minutes = mode_seconds // SECONDS_PER_MINUTE
    all_gaps = np.diff(seconds, prepend=seconds[0])
    rows = frame["_row"].to_numpy()
    after = np.r_[False, same_queue]
    off = after & (all_gaps % mode_seconds != 0)
    if off.any():
        at = np.flatnonzero(off)[rows[off].argmin()]
        raise InputError(
            f"{path} row {rows[at]}: mixed interval lengths: interval_start is "
            f"{all_gaps[at] / SECONDS_PER_MINUTE:g} minutes after the previous interval of queue "
            f"{frame['queue'].iloc[at]!r} (row {rows[at - 1]}), not a multiple of the {interval_minutes}-minute "
            "interval inferred from the most common gap"
        )
    return interval_minutes


def _check_alignment(frame: pd.DataFrame, interval_minutes: int, path: Path) -> None:
    starts = frame["interval_start"]
    seconds_of_day = (starts - starts.dt.normalize()).dt.total_seconds().to_numpy()
    off = (seconds_of_day % (interval_minutes * SECONDS_PER_MINUTE)) != 0
    if off.any():
        rows = frame["_row"].to_numpy()
        at = np.flatnonzero(off)[rows[off].argmin()]
        raise InputError(
            f"{path} row {rows[at]}: interval_start {starts.iloc[at].isoformat()} is not aligned with the "
            f"{interval_minutes}-minute interval (intervals start at whole multiples of {interval_minutes} "
            "minutes after midnight)"
        )
