"""The documented range of timestamps in histories, forecasts and requirements (README, docs/config.md).

pandas stores times as 64-bit counts (nanoseconds for the arithmetic here), which end in April 2262; a
timestamp past that wraps silently to 1677 when converted. Real contact-centre data lies well inside
1900-2199, so anything outside is refused on load, naming the row.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

EARLIEST_TIMESTAMP = pd.Timestamp("1900-01-01")
# Exclusive.
LATEST_TIMESTAMP = pd.Timestamp("2200-01-01")
TIMESTAMP_RANGE_TEXT = "between 1900-01-01 and 2199-12-31"


def date_in_range(day: date) -> bool:
    """True when ``day`` lies in the documented range (a whole week after it still fits pandas' clock)."""
    return EARLIEST_TIMESTAMP.date() <= day < LATEST_TIMESTAMP.date()


def outside_timestamp_range(parsed: pd.Series) -> np.ndarray:
    """Boolean mask (n,) of parsed times (any resolution; NaT counts as inside) outside the range."""
    known = parsed.notna().to_numpy()
    inside = ((parsed >= EARLIEST_TIMESTAMP) & (parsed < LATEST_TIMESTAMP)).to_numpy()
    return known & ~inside
