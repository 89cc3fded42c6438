"""The root of the project's error hierarchy, and the input errors forecasting raises.

Every error the CLI can meet is a ``WfmError``; its message is one line that names the file, row or key,
and ``exit_code`` is what the ``wfm`` command exits with. Scheduling errors (no feasible roster, a failed
quality gate) live in ``scheduler.errors`` and derive from the same root.
"""

from __future__ import annotations


class WfmError(Exception):
    """Base class: a problem the user can fix, reported as one line without a traceback."""

    exit_code: int = 2


class InputError(WfmError):
    """Bad input: a missing file, a malformed CSV, a config key with a bad value (exit 2)."""

    exit_code = 2
