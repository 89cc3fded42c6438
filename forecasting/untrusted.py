"""Rules for data we did not write: input files must be regular files, errors quote only a short excerpt of
a bad value, and ids that reach file names or CSV cells must be safe there.

Every loader (history, special days, plan YAML, agents, requirements, pinned roster, kpis, baseline) opens
its file through ``regular_file`` so a FIFO, a device such as ``/dev/zero`` or a directory is refused with
one line instead of blocking or filling memory. Error messages quote values with ``excerpt``: at most
``MAX_EXCERPT_CHARS`` characters, ``repr``-quoted, so a file named by mistake (``history: /etc/passwd``)
is never echoed back.

``id_problem`` is the one rule for ids that end up in output files (agent, queue and activity ids): no
control characters (a newline or NUL would break roster.csv and the calendar files), and no leading
character that a spreadsheet runs as a formula (``=``, ``@``, and ``+`` or ``-`` unless the whole id is a
number), which is how OWASP's CSV-injection advice is met: such ids are refused at load, so roster.csv,
coverage.csv and the other CSV outputs hold every id verbatim and read back unchanged.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from pathlib import Path

from forecasting.errors import InputError

MAX_EXCERPT_CHARS = 40
# after "not UTF-8 text": what a spreadsheet user does about it
UTF8_HINT = "; save it as UTF-8 (in Excel: CSV UTF-8)"
FORMULA_PREFIXES = ("=", "@", "+", "-")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# Unicode categories refused in ids: control characters (C0 such as newline and NUL, DEL, C1) and the line
# and paragraph separators, which split a line in many readers.
_BAD_ID_CATEGORIES = ("Cc", "Zl", "Zp")


def excerpt(value: object, limit: int = MAX_EXCERPT_CHARS) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters: ``'abc'``, or
    ``'abc'... (1,234 characters)`` for a longer string (its first ``limit`` characters, quoted)."""
    if not isinstance(value, str):
        text = repr(value)
        return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value):,} characters)"


def regular_file(path: Path | str, what: str = "file") -> Path:
    """``path`` if it names a regular file (symlinks followed); else ``InputError``: not found, a directory,
    or not a regular file (a FIFO, socket or device would block or never end)."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except (OSError, ValueError) as error:  # a NUL in the name, a name too long, a loop of symlinks
        raise InputError(f"{excerpt(str(path))}: cannot read {what} ({type(error).__name__})") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a directory, expected a {what}")
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: not a regular file (a FIFO, socket or device), expected a {what}")
    return path


def id_problem(text: str) -> str | None:
    """Why ``text`` cannot be an id that is written to output files, or None when it can."""
    for char in text:
        if unicodedata.category(char) in _BAD_ID_CATEGORIES:
            return f"contains the control character {char!r}"
    if text.startswith(FORMULA_PREFIXES) and not _NUMBER.match(text):
        return (f"starts with {text[0]!r}, which a spreadsheet opening the CSV outputs would run as a formula "
                "(ids must not start with =, @, or + or - unless they are a number)")
    return None


MAX_MESSAGE_CHARS = 120


def error_summary(error: BaseException) -> str:
    """The first line of another library's error message, cut to ``MAX_MESSAGE_CHARS``: a parser's message
    may quote the input it failed on."""
    lines = str(error).splitlines()
    first = lines[0] if lines else type(error).__name__
    return first if len(first) <= MAX_MESSAGE_CHARS else first[:MAX_MESSAGE_CHARS] + "..."


def separator_hint(header: list[str], required: tuple[str, ...]) -> str:
    """A hint for a CSV header read as too few columns because the file is separated by ``;`` or a tab (a
    spreadsheet's export where the decimal mark is a comma), else ``""``. The header itself is not quoted."""
    for separator, name in ((";", "';'"), ("\t", "tabs")):
        names = {part.strip().strip('"') for field in header for part in field.split(separator)}
        if all(column in names for column in required):
            return (f"; the header is separated by {name}, not commas: save the file as comma-separated CSV "
                    "with '.' as the decimal mark")
    return ""


def utf16_hint(header: list[str]) -> str:
    """For a CSV whose header holds NUL characters (UTF-16 text without a byte-order mark, as some spreadsheets
    save "Unicode text", read as UTF-8): the tail of a "not UTF-8 text" message, else ``""``."""
    if any("\x00" in name for name in header):
        return f" (NUL characters in the header: UTF-16?){UTF8_HINT}"
    return ""
