"""The one reader of roster CSV files (``docs/formats.md``): the validator and the re-plan both read through it.

It checks the file's shape only (found, UTF-8, well-formed CSV, the ``ROSTER_COLUMNS`` present, no row longer than
the header, none too short to reach every roster column) and returns each non-blank row's cells by column with its
line number; what the cells mean is the caller's to check, so the independent validator shares no rule code with the
model.
"""

from __future__ import annotations

import csv
from pathlib import Path

from forecasting.untrusted import error_summary, regular_file
from scheduler.domain.roster import ROSTER_COLUMNS
from scheduler.errors import InputError


def read_roster_rows(path: Path, what: str = "roster") -> list[tuple[int, dict[str, str]]]:
    """``(line, {column: text})`` for every non-blank row (header = line 1), the ``ROSTER_COLUMNS`` only.
    Raises ``InputError`` naming the file (``what`` names it when it is missing) and the row."""
    path = regular_file(Path(path), f"{what} file")
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path.name}: empty file (expected header {','.join(ROSTER_COLUMNS)})")
            names = [name.strip() for name in header]
            missing = [c for c in ROSTER_COLUMNS if c not in names]
            if missing:
                raise InputError(f"{path.name}: missing column(s) {', '.join(missing)}")
            position = {c: names.index(c) for c in ROSTER_COLUMNS}
            needed = max(position.values()) + 1  # a row must reach every roster column, even an empty one
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(names):
                    raise InputError(f"{path.name} row {reader.line_num}: more fields than the header has")
                if len(cells) < needed:  # a line cut short (a copy interrupted): refused before anything is planned
                    missing = [c for c, i in position.items() if i >= len(cells)]
                    raise InputError(f"{path.name} row {reader.line_num}: {len(cells)} field(s), no "
                                     f"{', '.join(missing)} (the header has {len(names)}; a line cut short?)")
                rows.append((reader.line_num, {c: cells[i] if i < len(cells) else "" for c, i in position.items()}))
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: not UTF-8 text") from None
    except csv.Error as exc:
        raise InputError(f"{path.name}: malformed CSV ({error_summary(exc)})") from None
    return rows
