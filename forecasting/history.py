"""Contact history: load, validate and hold interval counts of contacts (and handle times) per queue.

Two layouts are accepted, told apart by their columns, in a CSV file (UTF-8, header row) or a Parquet file
(``.parquet``, read with pandas and pyarrow, same columns and rules; timestamp columns may be typed):

- *Interval rows*: ``interval_start, queue, contacts`` and optionally ``aht_seconds``; other columns (such
  as ``abandoned``) are ignored. ``interval_start`` is the local wall-clock start of the interval in
  ISO 8601 without a UTC offset (``2003-03-03T07:00:00``); with a ``timezone``, every row may instead carry
  its offset (``2003-03-03T07:00:00Z``, ``+01:00``: an ACD's export), read as that instant's local time.
- *Contact rows* (one row per contact): ``arrival_time, queue, handle_seconds``, detected when the file has
  ``arrival_time`` and no ``interval_start``. They are aggregated on load into intervals of
  ``interval_minutes`` (``DEFAULT_CONTACT_INTERVAL_MINUTES`` = 15 when not given): each contact counts in
  the interval its ``arrival_time`` falls in; ``contacts`` is the count and ``aht_seconds`` the mean of the
  known ``handle_seconds`` (a blank handle time is unknown: the contact is counted but left out of the
  mean). Zero-filling rule: on a queue-day with at least one contact, every interval from that day's first
  to its last contact interval gets a row, 0 contacts where nobody arrived; outside that span, and on days
  without contacts, there are no rows (closed, see below). ``handle_seconds`` must be blank or a finite
  number >= 0.

Rules checked on load (any failure raises ``InputError`` with one line naming the file and, where there
is one, the row and the column; in a CSV the row is the 1-based file line, header = row 1, in a Parquet
file it is the 1-based data row):

- The file is a regular file (not a FIFO or device), and ``queue`` is never blank; queue names are output
  ids (``forecasting.untrusted.id_problem``): no control characters and no leading ``=``, ``@``, or
  ``+``/``-`` unless a number, since they are written to forecast.csv.
- ``contacts`` is a number in [0, 1e7] (fractions are allowed, e.g. for scaled or merged data).
- ``aht_seconds`` (average handle time of the interval) is blank (unknown) or a number in (0, 86400] where
  ``contacts > 0``. Where ``contacts == 0`` a handle time means nothing: it may be blank or 0 and is
  stored as NaN. Negative values and text are errors on every row.
- ``(interval_start, queue)`` is unique: a duplicated row is an error naming both rows; nothing is summed
  or dropped silently. The one exception is daylight saving, below.
- Timestamps lie between 1900-01-01 and 2199-12-31 (``forecasting.ranges``).
- The interval length is inferred as the most common positive gap between consecutive timestamps of a
  queue (or given as ``interval_minutes``, which must then agree with the inferred one); it must be one
  of ``ALLOWED_INTERVAL_MINUTES`` and every gap must be a multiple of it, and every timestamp must start a
  whole interval counted from midnight (``07:15`` is fine for 15 minutes, ``07:20`` is not). A queue whose
  rows (48 or more) all lie on a coarser grid than the others' (30-minute rows among 15-minute queues) is an
  error: read at the finer interval it would be staffed every other interval.
- Every queue spans at least ``MIN_HISTORY_DAYS`` calendar days (first to last day, inclusive).

Daylight saving. Without ``timezone`` timestamps are plain wall-clock values and a repeated one is a
duplicate error. With ``timezone`` (an IANA name such as ``Europe/London``, read with ``zoneinfo``) the
timestamps are wall-clock times in that zone and:

- at the autumn change the hour that happens twice may appear twice per queue (at most two rows with the
  same local time inside the repeated hour); the two rows are *summed* into one interval: contacts added,
  ``aht_seconds`` the contact-weighted mean of the known handle times. That interval then holds two real
  hours of traffic; the frame keeps wall-clock times and does not split it. Contact rows in the repeated
  hour fall into the same local interval and are counted together the same way.
- at the spring change the skipped hour does not exist: it simply has no rows, which is not missing
  data (the gap around it is a whole number of intervals) and contact rows are never zero-filled into it.
  A row stamped inside the skipped hour is an error, since no such local time happened.

Missing rows. The history holds only the rows given (or aggregated); nothing else is filled in.
Forecasters read gaps by one rule: a queue-day with no row at all is a *closed day* (zero contacts, the
centre was shut, e.g. a public holiday or a weekend). An interval missing from a day that has other rows
is *unknown*, not zero: it is left out of that day's estimates rather than counted as a quiet interval.

Outliers are flagged, never changed: see ``History.outliers`` for the rule.

Memory. A CSV is read column by column into Arrow strings (pyarrow; only the columns used), parsed into
NumPy arrays by Arrow where it can, and never held as a Python object per field: a 200 MB interval history
peaks at under 4x its size (``benchmarks/history_memory.py``). A file that is not plain (blank lines, quoted
line breaks, a record of blank fields, a header below line 1) or that pyarrow refuses is read again by the
csv module, which decides rows, skipped lines and error messages exactly as the rules above say.
Error messages quote at most a short excerpt of a bad value and never the header (``history: /etc/passwd``
must not print the file).
"""

from __future__ import annotations

import array
import contextlib
import csv
import difflib
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from forecasting.errors import InputError
from forecasting.queueing.limits import MAX_AHT_SECONDS, MAX_CONTACTS
from forecasting.ranges import TIMESTAMP_RANGE_TEXT, outside_timestamp_range
from forecasting.untrusted import (
    UTF8_HINT,
    error_summary,
    excerpt,
    id_problem,
    regular_file,
    separator_hint,
    utf16_hint,
)

REQUIRED_COLUMNS: tuple[str, ...] = ("interval_start", "queue", "contacts")
OPTIONAL_COLUMNS: tuple[str, ...] = ("aht_seconds",)
CONTACT_COLUMNS: tuple[str, ...] = ("arrival_time", "queue", "handle_seconds")
ALLOWED_INTERVAL_MINUTES: tuple[int, ...] = (5, 6, 10, 15, 30, 60)
DEFAULT_CONTACT_INTERVAL_MINUTES = 15
MIN_HISTORY_DAYS = 14
SECONDS_PER_MINUTE = 60
SECONDS_PER_DAY = 24 * 60 * SECONDS_PER_MINUTE

# Outlier rule (see History.outliers).
OUTLIER_MIN_OTHER_WEEKS = 3
OUTLIER_MADS = 5.0
OUTLIER_RATIO = 3.0
OUTLIER_MIN_SCALE_CONTACTS = 1.0
MAD_TO_SIGMA = 1.4826  # makes the MAD comparable to a standard deviation for normal data
OUTLIER_COLUMNS: tuple[str, ...] = ("queue", "interval_start", "contacts", "expected", "reason")

# A time part (after the first "T" or space) ending in "Z" or "+hh", "+hh:mm", "+hhmm" (or "-") carries a UTC
# offset; written for whole strings so pyarrow's vectorised regex (RE2) can test a column at once.
_OFFSET_PATTERN = r"[T ].*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
# A date of a spreadsheet's locale: day and month first in either order (05/01/2026, 1.5.26, 05-01-2026 ...).
_DAY_MONTH_PATTERN = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
# Reading a CSV: bytes per block when counting lines, records per block on the exact (csv module) path.
_READ_BLOCK_BYTES = 1 << 24
_EXACT_BLOCK_RECORDS = 100_000


@dataclass(frozen=True, eq=False)
class History:
    """Validated contact history of one or more queues.

    ``frame`` has one row per (queue, interval) given in the file (or aggregated from contact rows),
    sorted by ``queue`` then ``interval_start``, with a fresh ``RangeIndex`` and the columns:

    - ``interval_start``: ``datetime64[ns]``, naive local wall-clock start of the interval;
    - ``queue``: ``str``;
    - ``contacts``: ``float64``, contacts offered in the interval, >= 0;
    - ``aht_seconds``: ``float64``, average handle time in seconds, NaN where unknown, where the file
      has no ``aht_seconds`` column, or where ``contacts == 0``.

    ``timezone`` is the IANA zone the wall-clock times are in, or None when none was configured.
    Treat ``frame`` as read-only; derive new histories with ``before``.
    """

    frame: pd.DataFrame
    interval_minutes: int
    path: Path
    timezone: str | None = None

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

    @cached_property
    def outliers(self) -> pd.DataFrame:
        """Intervals whose contacts are far from the same weekday and time of day in the other weeks.

        Reported only; ``frame`` is not changed. For each row, ``expected`` is the median contacts of the
        rows of the same queue, weekday and time of day in the *other* weeks (weeks with no such row do
        not count; at least ``OUTLIER_MIN_OTHER_WEEKS`` are needed, else the row is never flagged). With
        ``scale = max(1.4826 * MAD of those weeks, 1 contact)`` a row is flagged when it is more than
        ``OUTLIER_MADS`` (5) scales away from ``expected`` *and* more than ``OUTLIER_RATIO`` (3) times
        above it (``reason`` starts "high") or below a third of it ("low"). Both tests are needed: the MAD
        test alone flags tiny absolute moves on steady queues, the ratio alone flags noise on quiet ones.

        Columns ``queue, interval_start, contacts, expected, reason`` (``reason`` is a one-line
        explanation), sorted like ``frame``; empty when nothing is flagged.
        """
        return _find_outliers(self.frame)

    def before(self, cutoff: date) -> History:
        """The rows that start before the day ``cutoff`` (for back-tests); the interval length is kept.

        Raises ``InputError`` when no row is left.
        """
        mask = self.frame["interval_start"] < pd.Timestamp(cutoff)
        if not mask.any():
            raise InputError(f"{self.path}: no history before {cutoff.isoformat()}")
        return replace(self, frame=self.frame.loc[mask].reset_index(drop=True))


def load_history(path: Path, interval_minutes: int | None = None, timezone: str | None = None) -> History:
    """Read and validate a history CSV or Parquet file (see the module docstring for formats and rules).

    ``interval_minutes``: the interval length; for contact rows the length to aggregate to (default
    ``DEFAULT_CONTACT_INTERVAL_MINUTES``), for interval rows it must agree with the inferred length.
    ``timezone``: IANA name of the zone of the wall-clock times, for daylight-saving changes.

    Raises ``InputError`` with a one-line message naming the file and, where there is one, the row and
    column.
    """
    path = Path(path)
    zone = _zone(timezone, path)
    if interval_minutes is not None and interval_minutes not in ALLOWED_INTERVAL_MINUTES:
        allowed = ", ".join(str(m) for m in ALLOWED_INTERVAL_MINUTES)
        raise InputError(f"{path}: interval_minutes must be one of {allowed}, got {interval_minutes!r}")
    regular_file(path, "history file")
    parquet = path.suffix.lower() == ".parquet"
    if parquet:
        header, table = _read_parquet(path)
    else:
        header, header_line = _read_csv_header(path)
    contact_rows = "arrival_time" in header and "interval_start" not in header
    columns = _column_positions(header, path, CONTACT_COLUMNS if contact_rows else REQUIRED_COLUMNS)
    if parquet:
        text = {name: pc.utf8_trim_whitespace(_as_text(table.iloc[:, position])) for name, position in columns.items()}
        row_numbers = np.arange(1, len(table) + 1, dtype=np.int64)
        del table
    else:
        text, row_numbers = _read_csv_columns(path, len(header), header_line, columns)

    def column(name: str) -> pa.ChunkedArray:
        """The column's text, stripped (handed over once, so it is freed when parsed)."""
        return text.pop(name)

    queue_text = column("queue")
    blank_queue = _blank(queue_text)
    if contact_rows:
        arrival = _parse_timestamps(column("arrival_time"), row_numbers, path, "arrival_time", zone)
        if blank_queue.any():
            raise InputError(f"{path} row {row_numbers[blank_queue.argmax()]}: queue must not be empty")
        if zone is not None:
            _check_nonexistent(arrival, row_numbers, zone, path, "arrival_time")
        handle_seconds = _parse_handle_seconds(column("handle_seconds"), row_numbers, path)
        interval_minutes = interval_minutes or DEFAULT_CONTACT_INTERVAL_MINUTES
        _check_queue_names(queue_text, row_numbers, path)
        queue = queue_text.to_pandas()
        del queue_text
        frame = _aggregate_contacts(arrival, queue, handle_seconds, row_numbers, interval_minutes, zone)
        _check_span(frame, path)
    else:
        interval_start = _parse_timestamps(column("interval_start"), row_numbers, path, "interval_start", zone)
        if blank_queue.any():
            raise InputError(f"{path} row {row_numbers[blank_queue.argmax()]}: queue must not be empty")
        _check_queue_names(queue_text, row_numbers, path)
        queue = queue_text.to_pandas()
        del queue_text
        contacts = _parse_contacts(column("contacts"), row_numbers, path)
        if "aht_seconds" in columns:
            aht_seconds = _parse_aht(column("aht_seconds"), contacts, row_numbers, path)
        else:
            aht_seconds = np.full(len(contacts), np.nan)
        if zone is not None:
            _check_nonexistent(interval_start, row_numbers, zone, path, "interval_start")
        frame = pd.DataFrame(
            {
                "interval_start": interval_start,
                "queue": queue.astype(str),
                "contacts": contacts,
                "aht_seconds": aht_seconds,
                "_row": row_numbers,
            },
            copy=False,
        )
        del interval_start, queue, contacts, aht_seconds, row_numbers  # the frame holds them now
        frame = _sorted_by_queue_time_row(frame)
        if zone is not None:
            frame = _sum_repeated_hour(frame, zone)
        _check_duplicates(frame, path)
        _check_span(frame, path)
        inferred = _infer_interval_minutes(frame, path)
        if interval_minutes is not None and interval_minutes != inferred:
            raise InputError(
                f"{path}: interval_minutes is {interval_minutes} but the interval rows are {inferred} minutes apart "
                f"(most common gap); export the history in {interval_minutes}-minute intervals, or plan in "
                f"{inferred}-minute ones (a plan's centre.interval_minutes, wfm forecast's --interval)"
            )
        interval_minutes = inferred
        _check_alignment(frame, interval_minutes, path)
    return History(frame=frame.drop(columns="_row"), interval_minutes=interval_minutes, path=path, timezone=timezone)


def _zone(timezone: str | None, path: Path) -> ZoneInfo | None:
    if timezone is None:
        return None
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"{path}: unknown time zone {excerpt(timezone)}, expected an IANA name like Europe/London"
        ) from None


def _read_parquet(path: Path) -> tuple[list[str], pd.DataFrame]:
    """Header and the table (its data row ``i`` is row ``i + 1`` in errors)."""
    try:
        table = pd.read_parquet(path)
    except ImportError:
        raise InputError(f"{path}: reading Parquet needs the pyarrow package (pip install pyarrow)") from None
    except Exception as error:  # pyarrow raises several unrelated types for a corrupt file
        raise InputError(f"{path}: not a readable Parquet file ({error_summary(error)})") from None
    header = [str(name).strip() for name in table.columns]
    if not header:
        raise InputError(f"{path}: file has no columns")
    if table.empty:
        raise InputError(f"{path}: no data rows")
    return header, table


def _as_text(values: pd.Series) -> pa.ChunkedArray:
    """Parquet values as the text a CSV would hold: blanks for nulls, ISO 8601 for timestamps."""
    out = []
    for value in values.tolist():
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            out.append("")
        elif isinstance(value, datetime):
            out.append(value.isoformat())
        else:
            out.append(str(value))
    return pa.chunked_array([pa.array(out, type=pa.string())])


def _blank(text: pa.ChunkedArray) -> np.ndarray:
    """Where the (stripped) text is empty, as a bool array."""
    return pc.equal(text, "").to_numpy(zero_copy_only=False)


def _check_queue_names(queue: pa.ChunkedArray, rows: np.ndarray, path: Path) -> None:
    """Queue names are ids written to forecast.csv and the other outputs (``forecasting.untrusted.id_problem``)."""
    for name in pc.unique(queue).to_pylist():
        problem = id_problem(name)
        if problem:
            at = pc.index(queue, name).as_py()
            raise InputError(f"{path} row {rows[at]}: queue {excerpt(name)} {problem}")


def _parse_handle_seconds(text: pa.ChunkedArray, rows: np.ndarray, path: Path) -> np.ndarray:
    values = _to_float(text)
    bad = (~_blank(text) & ~np.isfinite(values)) | (values < 0)
    if bad.any():
        at = bad.argmax()
        raise InputError(
            f"{path} row {rows[at]}: handle_seconds must be blank or a number >= 0, got {excerpt(text[at].as_py())}"
        )
    return values


def _aggregate_contacts(
    arrival: np.ndarray,
    queue: pd.Series,
    handle_seconds: np.ndarray,
    rows: np.ndarray,
    interval_minutes: int,
    zone: ZoneInfo | None,
) -> pd.DataFrame:
    """Interval rows (with ``_row``, the first contact's row, or 0 for a zero-filled interval)."""
    contacts = pd.DataFrame(
        {
            "interval_start": pd.Series(arrival).dt.floor(f"{interval_minutes}min"),
            "queue": queue.astype(str),
            "handle_seconds": handle_seconds,
            "_row": rows,
        }
    )
    grouped = contacts.groupby(["queue", "interval_start"], sort=True)
    counted = grouped.agg(
        contacts=("_row", "size"), aht_seconds=("handle_seconds", "mean"), _row=("_row", "min")
    ).reset_index()
    counted["contacts"] = counted["contacts"].astype(float)
    counted["aht_seconds"] = counted["aht_seconds"].where(counted["aht_seconds"] > 0)
    day = counted["interval_start"].dt.normalize()
    bounds = counted.groupby([counted["queue"], day])["interval_start"].agg(["min", "max"])
    spans = [
        pd.DataFrame({"queue": name, "interval_start": pd.date_range(first, last, freq=f"{interval_minutes}min")})
        for (name, _), first, last in zip(bounds.index, bounds["min"], bounds["max"], strict=True)
    ]
    frame = pd.concat(spans, ignore_index=True).merge(counted, on=["queue", "interval_start"], how="left")
    if zone is not None:
        gap, _ = _dst_masks(frame["interval_start"], zone)
        frame = frame.loc[~gap]
    frame = frame.fillna({"contacts": 0.0, "_row": 0})
    frame["_row"] = frame["_row"].astype(np.int64)
    frame["interval_start"] = frame["interval_start"].astype("datetime64[ns]")
    columns = ["interval_start", "queue", "contacts", "aht_seconds", "_row"]
    return frame[columns].sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def _dst_masks(starts: pd.Series, zone: ZoneInfo) -> tuple[np.ndarray, np.ndarray]:
    """Which naive wall-clock times fall in the skipped spring hour (gap) or the repeated autumn hour."""
    unique = pd.unique(starts)
    gap_set: set[pd.Timestamp] = set()
    overlap_set: set[pd.Timestamp] = set()
    for value in unique:
        moment = pd.Timestamp(value).to_pydatetime()
        first = moment.replace(tzinfo=zone, fold=0).utcoffset()
        second = moment.replace(tzinfo=zone, fold=1).utcoffset()
        if first is None or second is None or first == second:
            continue
        (overlap_set if first > second else gap_set).add(pd.Timestamp(value))
    gap = starts.isin(gap_set).to_numpy(dtype=bool)
    overlap = starts.isin(overlap_set).to_numpy(dtype=bool)
    return gap, overlap


def skipped_local_times(starts: pd.Series, timezone: str) -> np.ndarray:
    """A bool mask of the naive wall-clock ``starts`` that do not exist in ``timezone`` (the hour the clocks skip
    at the spring daylight-saving change)."""
    return _dst_masks(starts, ZoneInfo(timezone))[0]


def _check_nonexistent(stamps: np.ndarray, rows: np.ndarray, zone: ZoneInfo, path: Path, name: str) -> None:
    gap, _ = _dst_masks(pd.Series(stamps), zone)
    if gap.any():
        at = np.flatnonzero(gap)[rows[gap].argmin()]
        raise InputError(
            f"{path} row {rows[at]}: {name} {pd.Timestamp(stamps[at]).isoformat()} does not exist in {zone.key} "
            "(the clocks skip that hour at the spring daylight-saving change)"
        )


def _sum_repeated_hour(frame: pd.DataFrame, zone: ZoneInfo) -> pd.DataFrame:
    """Sum the two rows a queue may have for one local time in the repeated autumn hour."""
    keys = ["queue", "interval_start"]
    _, overlap = _dst_masks(frame["interval_start"], zone)
    sizes = frame.groupby(keys)["_row"].transform("size").to_numpy()
    pairs = overlap & (sizes == 2)
    if not pairs.any():
        return frame
    pair_rows = frame.loc[pairs]
    known = pair_rows["aht_seconds"].notna()
    weighted = pair_rows.assign(
        _handle=(pair_rows["contacts"] * pair_rows["aht_seconds"]).where(known, 0.0),
        _known_contacts=pair_rows["contacts"].where(known, 0.0),
    )
    summed = weighted.groupby(keys, sort=False).agg(
        contacts=("contacts", "sum"),
        _handle=("_handle", "sum"),
        _known=("_known_contacts", "sum"),
        _row=("_row", "min"),
    )
    summed["aht_seconds"] = (summed["_handle"] / summed["_known"]).where(
        (summed["_known"] > 0) & (summed["contacts"] > 0)
    )
    merged = pd.concat([frame.loc[~pairs], summed.reset_index()[list(frame.columns)]], ignore_index=True)
    return merged.sort_values(["queue", "interval_start", "_row"], kind="stable").reset_index(drop=True)


def _find_outliers(frame: pd.DataFrame) -> pd.DataFrame:
    """See ``History.outliers``."""
    starts = frame["interval_start"]
    day = starts.dt.normalize()
    week = ((day - day.min()).dt.days // 7).to_numpy()
    key = pd.MultiIndex.from_arrays([frame["queue"], starts.dt.day_of_week, starts - day]).codes
    key_code = np.ravel_multi_index(tuple(key), tuple(int(c.max()) + 1 for c in key))
    _, key_index = np.unique(key_code, return_inverse=True)
    matrix = np.full((int(key_index.max()) + 1, int(week.max()) + 1), np.nan)
    matrix[key_index, week] = frame["contacts"].to_numpy(dtype=float)
    expected = np.full(len(frame), np.nan)
    scale = np.full(len(frame), np.nan)
    others = np.zeros(len(frame), dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: keys seen in one week only
        for column in range(matrix.shape[1]):
            at = np.flatnonzero(week == column)
            if not len(at):
                continue
            rest = np.delete(matrix[key_index[at]], column, axis=1)
            median = np.nanmedian(rest, axis=1)
            mad = np.nanmedian(np.abs(rest - median[:, None]), axis=1)
            expected[at] = median
            scale[at] = np.maximum(MAD_TO_SIGMA * mad, OUTLIER_MIN_SCALE_CONTACTS)
            others[at] = np.isfinite(rest).sum(axis=1)
    contacts = frame["contacts"].to_numpy(dtype=float)
    enough = others >= OUTLIER_MIN_OTHER_WEEKS
    far = np.abs(contacts - expected) > OUTLIER_MADS * scale
    high = enough & far & (contacts > OUTLIER_RATIO * expected)
    low = enough & far & (contacts * OUTLIER_RATIO < expected)
    flagged = np.flatnonzero(high | low)
    reasons = [
        f"{'high' if high[i] else 'low'}: {contacts[i]:g} contacts vs median {expected[i]:g} of {others[i]} other "
        f"weeks at the same weekday and time ({abs(contacts[i] - expected[i]) / scale[i]:.1f} MADs)"
        for i in flagged
    ]
    return pd.DataFrame(
        {
            "queue": frame["queue"].to_numpy()[flagged],
            "interval_start": starts.to_numpy()[flagged],
            "contacts": contacts[flagged],
            "expected": expected[flagged],
            "reason": pd.Series(reasons, dtype=object),
        },
        columns=list(OUTLIER_COLUMNS),
    )


@contextlib.contextmanager
def _csv_errors(path: Path) -> Iterator[None]:
    """Reading ``path`` with the csv module: an unreadable, non-UTF-8 or malformed file is an ``InputError``."""
    try:
        yield
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start}){UTF8_HINT}") from None
    except csv.Error as error:
        raise InputError(f"{path}: malformed CSV ({error})") from None


def _read_csv_header(path: Path) -> tuple[list[str], int]:
    """The header (the first record with a non-blank field, names stripped) and its 1-based file line."""
    with _csv_errors(path), path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        for record in reader:
            if any(field.strip() for field in record):
                return [name.strip() for name in record], reader.line_num
    expected = ",".join(REQUIRED_COLUMNS) + "[,aht_seconds]"
    raise InputError(f"{path}: file is empty, expected a header row {expected} and data rows")


def _read_csv_columns(
    path: Path, width: int, header_line: int, columns: dict[str, int]
) -> tuple[dict[str, pa.ChunkedArray], np.ndarray]:
    """The stripped text of ``columns`` (name -> position) for every data record, and each record's 1-based
    file line.

    Records whose fields are all blank are skipped, and a record with other than ``width`` fields is an
    error naming its line. A plain file (header on line 1, one record per line) is read by pyarrow straight
    into Arrow strings; anything else (blank lines, quoted line breaks, a parse error) is read again with the
    csv module, which gives the exact rows and messages. Either way the values are held as Arrow strings, so
    memory stays near the size of the columns' text rather than a Python object per field.
    """
    fast = _read_plain_csv(path, width, header_line, columns)
    return fast if fast is not None else _read_csv_exactly(path, width, columns)


def _read_plain_csv(
    path: Path, width: int, header_line: int, columns: dict[str, int]
) -> tuple[dict[str, pd.Series], np.ndarray] | None:
    """The pyarrow path of ``_read_csv_columns``, or None when the file is not plain."""
    if header_line != 1:
        return None
    names = [f"c{position}" for position in range(width)]
    wanted = sorted(set(columns.values()))
    blocks: dict[int, list[pa.Array]] = {position: [] for position in wanted}
    try:
        reader = pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(skip_rows=1, column_names=names),
            convert_options=pa_csv.ConvertOptions(
                column_types={names[p]: pa.string() for p in wanted},
                include_columns=[names[p] for p in wanted],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in reader:  # stripped block by block, so the unstripped text is never held whole
            for position, chunks in blocks.items():
                chunks.append(pc.utf8_trim_whitespace(batch.column(names[position])))
    except (pa.ArrowException, OSError):
        return None
    stripped = {position: pa.chunked_array(chunks, type=pa.string()) for position, chunks in blocks.items()}
    records = len(stripped[wanted[0]])
    if records == 0 or _line_count(path) != records + 1:
        return None
    text = {name: stripped[position] for name, position in columns.items()}
    blank = np.logical_and.reduce([_blank(column) for column in text.values()])
    if blank.any():  # maybe a record of blank fields, which the exact reader skips
        return None
    return text, np.arange(2, len(blank) + 2, dtype=np.int64)


def _line_count(path: Path) -> int:
    """Lines in the file: line feeds, plus one for a last line without one."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while block := handle.read(_READ_BLOCK_BYTES):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def _read_csv_exactly(
    path: Path, width: int, columns: dict[str, int]
) -> tuple[dict[str, pa.ChunkedArray], np.ndarray]:
    """The csv-module path of ``_read_csv_columns``: streamed, stored in blocks of Arrow strings."""
    wanted = sorted(set(columns.values()))
    blocks: list[list[pa.Array]] = [[] for _ in wanted]
    pending: list[list[str]] = [[] for _ in wanted]
    rows = array.array("q")

    def flush() -> None:
        for position, values in enumerate(pending):
            blocks[position].append(pa.array(values, type=pa.string()))
            values.clear()

    with _csv_errors(path), path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header_seen = False
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            if not header_seen:
                header_seen = True
                continue
            if len(record) != width:
                raise InputError(f"{path} row {reader.line_num}: expected {width} fields like the header, "
                                 f"got {len(record)}")
            for position, values in zip(wanted, pending, strict=True):
                values.append(record[position].strip())
            rows.append(reader.line_num)
            if len(rows) % _EXACT_BLOCK_RECORDS == 0:
                flush()
    if not rows:
        raise InputError(f"{path}: no data rows after the header")
    flush()
    by_position = {
        position: pa.chunked_array(chunks, type=pa.string())
        for position, chunks in zip(wanted, blocks, strict=True)
    }
    return {name: by_position[position] for name, position in columns.items()}, np.frombuffer(rows, dtype=np.int64)


def _column_positions(header: list[str], path: Path, required: tuple[str, ...]) -> dict[str, int]:
    if hint := utf16_hint(header):
        raise InputError(f"{path}: not UTF-8 text{hint}")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputError(f"{path} row 1: column {excerpt(name)} appears more than once")
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if missing:
        # The header is not echoed: a file named by mistake (/etc/passwd) must not be printed; a close
        # match of a missing name (a typo) is quoted, cut short.
        hints = [f"{excerpt(close[0])} for {name}"
                 for name in missing for close in [difflib.get_close_matches(name, header, n=1)] if close]
        hint = f" (found {', '.join(hints)})" if hints else ""
        raise InputError(
            f"{path} row 1: missing column(s) {', '.join(missing)}; the header row has {len(header)} "
            f"column(s){hint}{separator_hint(header, required)}"
        )
    return {name: header.index(name) for name in required + OPTIONAL_COLUMNS if name in seen}


def _parse_timestamps(text: pa.ChunkedArray, rows: np.ndarray, path: Path, name: str,
                      zone: ZoneInfo | None = None) -> np.ndarray:
    """Naive ``datetime64[ns]`` local values; blanks and unparsable text are errors.

    Arrow parses the common ISO 8601 forms without a Python object per value; text it refuses is parsed
    again by pandas (``format="ISO8601"``), whose rules decide what is valid. Times with a UTC offset (``Z``,
    ``+01:00``, as an ACD exports them) are read as the instants they name, in ``zone``'s local time; without a
    zone, or where some rows have an offset and others none, they are an error.
    """
    with_offset = pc.match_substring_regex(text, _OFFSET_PATTERN).to_numpy(zero_copy_only=False)
    if with_offset.any() and (zone is None or not with_offset.all()):
        if zone is None:
            at = with_offset.argmax()
            raise InputError(f"{path} row {rows[at]}: {name} must be local time without a UTC offset (or give the "
                             f"centre's time zone), got {excerpt(text[at].as_py())}")
        at = (~with_offset).argmax()
        raise InputError(f"{path} row {rows[at]}: {name} {excerpt(text[at].as_py())} has no UTC offset but row "
                         f"{rows[with_offset.argmax()]} has one; give every time with its offset, or every time as "
                         "local time without one")
    if with_offset.any():
        parsed = pd.to_datetime(text.to_pandas(), format="ISO8601", errors="coerce", utc=True)
        parsed = parsed.dt.tz_convert(zone.key).dt.tz_localize(None)  # type: ignore[union-attr]
    else:
        try:
            parsed = pd.Series(pc.cast(text, pa.timestamp("ns")).to_numpy().astype("datetime64[ns]"))
        except pa.ArrowException:
            parsed = pd.to_datetime(text.to_pandas(), format="ISO8601", errors="coerce")
    outside = outside_timestamp_range(parsed)
    if outside.any():
        at = outside.argmax()
        raise InputError(f"{path} row {rows[at]}: {name} must be {TIMESTAMP_RANGE_TEXT}, "
                         f"got {excerpt(text[at].as_py())}")
    bad = parsed.isna().to_numpy()
    if bad.any():
        at = bad.argmax()
        shown = text[at].as_py()
        # 05/01/2026 is 5 January or 1 May: only the writer knows, so it is not guessed
        hint = ("; a date written day or month first is ambiguous: save it year first, YYYY-MM-DDTHH:MM:SS"
                if isinstance(shown, str) and _DAY_MONTH_PATTERN.match(shown.strip()) else "")
        raise InputError(
            f"{path} row {rows[at]}: {name} must be an ISO 8601 local time like 2003-03-03T07:00:00, "
            f"got {excerpt(shown)}{hint}"
        )
    return parsed.to_numpy(dtype="datetime64[ns]")


def _to_float(text: pa.ChunkedArray) -> np.ndarray:
    """Numbers from text; NaN where the text is blank or not a number (Arrow first, pandas for what it refuses)."""
    try:
        blank_as_null = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        return pc.cast(blank_as_null, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowException:
        return pd.to_numeric(text.to_pandas(), errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _parse_contacts(text: pa.ChunkedArray, rows: np.ndarray, path: Path) -> np.ndarray:
    values = _to_float(text)
    bad = ~((values >= 0) & (values <= MAX_CONTACTS))  # NaN fails too
    if bad.any():
        at = bad.argmax()
        raise InputError(f"{path} row {rows[at]}: contacts must be a number in [0, {MAX_CONTACTS:g}], "
                         f"got {excerpt(text[at].as_py())}")
    return values


def _parse_aht(text: pa.ChunkedArray, contacts: np.ndarray, rows: np.ndarray, path: Path) -> np.ndarray:
    values = _to_float(text)
    blank = _blank(text)
    not_number = ~blank & ~np.isfinite(values)
    negative = np.isfinite(values) & ((values < 0) | (values > MAX_AHT_SECONDS))
    zero_with_contacts = (values == 0) & (contacts > 0)
    bad = not_number | negative | zero_with_contacts
    if bad.any():
        at = bad.argmax()
        raise InputError(
            f"{path} row {rows[at]}: aht_seconds must be blank or a number in (0, {MAX_AHT_SECONDS:g}] where "
            f"contacts > 0 (blank or 0 where contacts = 0), got {excerpt(text[at].as_py())}"
        )
    return np.where(contacts > 0, values, np.nan)


def _sorted_by_queue_time_row(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` sorted by queue, interval_start and _row (a total order: rows are unique); a frame already
    in that order (the usual file) is not copied."""
    codes = pd.factorize(frame["queue"], sort=True)[0]
    starts, rows = frame["interval_start"].to_numpy(), frame["_row"].to_numpy()
    later_queue, same_queue = codes[1:] > codes[:-1], codes[1:] == codes[:-1]
    later_start, same_start = starts[1:] > starts[:-1], starts[1:] == starts[:-1]
    if (later_queue | (same_queue & (later_start | (same_start & (rows[1:] > rows[:-1]))))).all():
        return frame
    order = np.lexsort((rows, starts, codes))
    return frame.take(order).reset_index(drop=True)


def _check_duplicates(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` is sorted by queue, interval_start and _row, so a repeated key is the row after its twin."""
    codes = pd.factorize(frame["queue"])[0]
    starts = frame["interval_start"].to_numpy()
    later = np.r_[False, (codes[1:] == codes[:-1]) & (starts[1:] == starts[:-1])]
    if not later.any():
        return
    rows = frame["_row"].to_numpy()
    at = int(np.flatnonzero(later)[rows[later].argmin()])
    first = at
    while later[first]:
        first -= 1
    raise InputError(
        f"{path} row {rows[at]}: duplicate of row {rows[first]} "
        f"(queue {excerpt(frame['queue'].iloc[at])}, interval_start {pd.Timestamp(starts[at]).isoformat()}); "
        f"{int(later.sum()):,} row(s) repeat a queue and interval_start: keep one row per queue and interval (a "
        "page exported twice: delete the copies; parts of one interval: sum them)"
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
            f"{path}: fewer than two weeks of history for queue {excerpt(queue)}: {short.iloc[0]} day(s), "
            f"{first.isoformat()} to {last.isoformat()}; at least {MIN_HISTORY_DAYS} days are needed"
        )


# A queue with at least this many rows, all of them on a grid coarser than the inferred interval, is a queue of
# that coarser interval (by chance, a 15-minute queue's rows would all lie on the half hour with odds of 2^-48).
COARSER_QUEUE_MIN_ROWS = 48


def _infer_interval_minutes(frame: pd.DataFrame, path: Path) -> int:
    """The most common positive gap between consecutive rows of a queue, checked against the others."""
    seconds = frame["interval_start"].to_numpy().astype("datetime64[s]").astype(np.int64)
    codes = pd.factorize(frame["queue"])[0]  # integers, not a Python string per row
    same_queue = codes[1:] == codes[:-1]
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
            f"{excerpt(frame['queue'].iloc[at])} (row {rows[at - 1]}), not a multiple of the {interval_minutes}-minute "
            "interval inferred from the most common gap"
        )
    _check_coarser_queue(frame, seconds, codes, interval_minutes, path)
    return interval_minutes


def _check_coarser_queue(frame: pd.DataFrame, seconds: np.ndarray, codes: np.ndarray, interval_minutes: int,
                         path: Path) -> None:
    """Refuse a queue whose rows all start on a coarser grid than the inferred interval (a 30-minute queue among
    15-minute ones, its rows at :00 and :30 only, at least ``COARSER_QUEUE_MIN_ROWS`` of them): read as 15-minute
    intervals its contacts would fall in every other interval, and the roster would staff it half the time."""
    seconds_of_day = seconds % (24 * 3600)
    for coarser in sorted((m for m in ALLOWED_INTERVAL_MINUTES if m > interval_minutes and m % interval_minutes == 0),
                          reverse=True):
        off = np.bincount(codes, weights=(seconds_of_day % (coarser * SECONDS_PER_MINUTE) != 0).astype(float))
        rows = np.bincount(codes)
        aligned = np.flatnonzero((off == 0) & (rows >= COARSER_QUEUE_MIN_ROWS))
        if aligned.size and aligned.size < rows.size:  # some queues coarser than the others
            queue = frame["queue"].to_numpy()[np.flatnonzero(codes == aligned[0])[0]]
            raise InputError(
                f"{path}: queue {excerpt(queue)} has {coarser}-minute intervals (all {rows[aligned[0]]:,} of its "
                f"rows start at a multiple of {coarser} minutes) but other queues have {interval_minutes}-minute "
                f"ones; give every queue the same interval length (split its rows into {interval_minutes}-minute "
                "intervals)"
            )


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
