"""Parsing and formatting of times of day (minutes after midnight)."""

from __future__ import annotations

import re

from scheduler.domain.plan import MINUTES_PER_DAY, TimeWindow

CLOCK_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})$")


def clock_to_minute(text: str, allow_24: bool = False) -> int:
    """``"08:30"`` -> 510. ``"24:00"`` only with ``allow_24`` (an end of day). Raises ValueError."""
    m = CLOCK_PATTERN.match(text.strip())
    if not m or int(m.group(2)) >= 60:
        raise ValueError(text)
    total = int(m.group(1)) * 60 + int(m.group(2))
    if total > (MINUTES_PER_DAY if allow_24 else MINUTES_PER_DAY - 1):
        raise ValueError(text)
    return total


def minute_to_clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_window(text: str) -> TimeWindow | None:
    """``"08:00-20:00"`` -> window; ``"closed"`` -> None; raises ValueError otherwise."""
    text = text.strip()
    if text.lower() == "closed":
        return None
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(text)
    s, e = clock_to_minute(start), clock_to_minute(end, allow_24=True)
    if e <= s:
        raise ValueError(text)
    return TimeWindow(s, e)
