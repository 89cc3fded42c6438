"""Contact history: load, validate and hold interval counts of contacts (and handle times) per queue.

Two layouts are accepted, told apart by their columns, in a CSV file (UTF-8, header row) or a Parquet file
(``.parquet``, read with pandas and pyarrow, same columns and rules; timestamp columns may be typed):

- *Interval rows*: ``interval_start, queue, contacts`` and optionally ``aht_seconds``; other columns (such
  as ``abandoned``) are ignored. ``interval_start`` is the local wall-clock start of the interval in
  ISO 8601 without a UTC offset (``2003-03-03T07:00:00``).
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
  whole interval counted from midnight (``07:15`` is fine for 15 minutes, ``07:20`` is not).
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
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from forecasting.errors import InputError
from forecasting.queueing.limits import MAX_AHT_SECONDS, MAX_CONTACTS
from forecasting.ranges import TIMESTAMP_RANGE_TEXT, outside_timestamp_range

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

# A time part ending in "Z" or "+hh", "+hh:mm", "+hhmm" (or "-") carries a UTC offset.
_OFFSET_PATTERN = r"(?:Z|[+-]\d{2}(?::?\d{2})?)$"


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
    if path.suffix.lower() == ".parquet":
        header, records, rows = _read_parquet(path)
    else:
        header, records, rows = _read_csv(path)
    contact_rows = "arrival_time" in header and "interval_start" not in header
    columns = _column_positions(header, path, CONTACT_COLUMNS if contact_rows else REQUIRED_COLUMNS)
    for record, row in zip(records, rows, strict=True):
        if len(record) != len(header):
            raise InputError(f"{path} row {row}: expected {len(header)} fields like the header, got {len(record)}")
    row_numbers = np.asarray(rows, dtype=np.int64)

    def column(name: str) -> np.ndarray:
        position = columns[name]
        return np.asarray([record[position].strip() for record in records], dtype=object)

    queue = column("queue")
    blank_queue = queue == ""
    if contact_rows:
        arrival = _parse_timestamps(column("arrival_time"), row_numbers, path, "arrival_time")
        if blank_queue.any():
            raise InputError(f"{path} row {row_numbers[blank_queue.argmax()]}: queue must not be empty")
        if zone is not None:
            _check_nonexistent(arrival, row_numbers, zone, path, "arrival_time")
        handle_seconds = _parse_handle_seconds(column("handle_seconds"), row_numbers, path)
        interval_minutes = interval_minutes or DEFAULT_CONTACT_INTERVAL_MINUTES
        frame = _aggregate_contacts(arrival, queue, handle_seconds, row_numbers, interval_minutes, zone)
        _check_span(frame, path)
    else:
        interval_start = _parse_timestamps(column("interval_start"), row_numbers, path, "interval_start")
        if blank_queue.any():
            raise InputError(f"{path} row {row_numbers[blank_queue.argmax()]}: queue must not be empty")
        contacts = _parse_contacts(column("contacts"), row_numbers, path)
        if "aht_seconds" in columns:
            aht_seconds = _parse_aht(column("aht_seconds"), contacts, row_numbers, path)
        else:
            aht_seconds = np.full(len(records), np.nan)
        if zone is not None:
            _check_nonexistent(interval_start, row_numbers, zone, path, "interval_start")
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
        if zone is not None:
            frame = _sum_repeated_hour(frame, zone)
        _check_duplicates(frame, path)
        _check_span(frame, path)
        inferred = _infer_interval_minutes(frame, path)
        if interval_minutes is not None and interval_minutes != inferred:
            raise InputError(
                f"{path}: interval_minutes is {interval_minutes} but the interval rows are {inferred} minutes apart "
                "(most common gap)"
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
        raise InputError(f"{path}: unknown time zone {timezone!r}, expected an IANA name like Europe/London") from None


def _read_parquet(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data records as text (as a CSV would give them) and their 1-based data rows."""
    if not path.is_file():
        raise InputError(f"{path}: file not found" if not path.exists() else f"{path}: is a directory, expected a file")
    try:
        table = pd.read_parquet(path)
    except ImportError:
        raise InputError(f"{path}: reading Parquet needs the pyarrow package (pip install pyarrow)") from None
    except Exception as error:  # pyarrow raises several unrelated types for a corrupt file
        raise InputError(f"{path}: not a readable Parquet file ({str(error).splitlines()[0]})") from None
    header = [str(name).strip() for name in table.columns]
    if not header:
        raise InputError(f"{path}: file has no columns")
    if table.empty:
        raise InputError(f"{path}: no data rows")
    columns = [_as_text(table[name]) for name in table.columns]
    records = [list(values) for values in zip(*columns, strict=True)]
    return header, records, list(range(1, len(records) + 1))


def _as_text(values: pd.Series) -> list[str]:
    """Parquet values as the text a CSV would hold: blanks for nulls, ISO 8601 for timestamps."""
    out = []
    for value in values.tolist():
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            out.append("")
        elif isinstance(value, datetime):
            out.append(value.isoformat())
        else:
            out.append(str(value))
    return out


def _parse_handle_seconds(text: np.ndarray, rows: np.ndarray, path: Path) -> np.ndarray:
    values = _to_float(text)
    bad = ((text != "") & ~np.isfinite(values)) | (values < 0)
    if bad.any():
        at = bad.argmax()
        raise InputError(f"{path} row {rows[at]}: handle_seconds must be blank or a number >= 0, got {text[at]!r}")
    return values


def _aggregate_contacts(
    arrival: np.ndarray,
    queue: np.ndarray,
    handle_seconds: np.ndarray,
    rows: np.ndarray,
    interval_minutes: int,
    zone: ZoneInfo | None,
) -> pd.DataFrame:
    """Interval rows (with ``_row``, the first contact's row, or 0 for a zero-filled interval)."""
    contacts = pd.DataFrame(
        {
            "interval_start": pd.Series(arrival).dt.floor(f"{interval_minutes}min"),
            "queue": pd.Series(queue, dtype=str),
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


def _column_positions(header: list[str], path: Path, required: tuple[str, ...]) -> dict[str, int]:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputError(f"{path} row 1: column {name!r} appears more than once")
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if missing:
        raise InputError(
            f"{path} row 1: missing column(s) {', '.join(missing)}; the header has {', '.join(header) or 'nothing'}"
        )
    return {name: header.index(name) for name in required + OPTIONAL_COLUMNS if name in seen}


def _parse_timestamps(text: np.ndarray, rows: np.ndarray, path: Path, name: str) -> np.ndarray:
    """Naive ``datetime64[ns]`` values; offsets, blanks and unparsable text are errors."""
    series = pd.Series(text, dtype=str)
    time_part = series.str.split(r"[T ]", n=1, regex=True).str[1].fillna("")
    with_offset = time_part.str.contains(_OFFSET_PATTERN, regex=True).to_numpy(dtype=bool)
    if with_offset.any():
        at = with_offset.argmax()
        raise InputError(f"{path} row {rows[at]}: {name} must be local time without a UTC offset, got {text[at]!r}")
    parsed = pd.to_datetime(series, format="ISO8601", errors="coerce")
    outside = outside_timestamp_range(parsed)
    if outside.any():
        at = outside.argmax()
        raise InputError(f"{path} row {rows[at]}: {name} must be {TIMESTAMP_RANGE_TEXT}, got {text[at]!r}")
    bad = parsed.isna().to_numpy()
    if bad.any():
        at = bad.argmax()
        raise InputError(
            f"{path} row {rows[at]}: {name} must be an ISO 8601 local time like 2003-03-03T07:00:00, got {text[at]!r}"
        )
    return parsed.to_numpy(dtype="datetime64[ns]")


def _to_float(text: np.ndarray) -> np.ndarray:
    """Numbers from text; NaN where the text is blank or not a number."""
    return pd.to_numeric(pd.Series(text, dtype=object).replace("", np.nan), errors="coerce").to_numpy(dtype=float)


def _parse_contacts(text: np.ndarray, rows: np.ndarray, path: Path) -> np.ndarray:
    values = _to_float(text)
    bad = ~((values >= 0) & (values <= MAX_CONTACTS))  # NaN fails too
    if bad.any():
        at = bad.argmax()
        raise InputError(f"{path} row {rows[at]}: contacts must be a number in [0, {MAX_CONTACTS:g}], "
                         f"got {text[at][:40]!r}")
    return values


def _parse_aht(text: np.ndarray, contacts: np.ndarray, rows: np.ndarray, path: Path) -> np.ndarray:
    values = _to_float(text)
    blank = text == ""
    not_number = ~blank & ~np.isfinite(values)
    negative = np.isfinite(values) & ((values < 0) | (values > MAX_AHT_SECONDS))
    zero_with_contacts = (values == 0) & (contacts > 0)
    bad = not_number | negative | zero_with_contacts
    if bad.any():
        at = bad.argmax()
        raise InputError(
            f"{path} row {rows[at]}: aht_seconds must be blank or a number in (0, {MAX_AHT_SECONDS:g}] where "
            f"contacts > 0 (blank or 0 where contacts = 0), got {text[at]!r}"
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
