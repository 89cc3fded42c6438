"""The one error hierarchy of the project.

Every error the CLI can meet is a ``WfmError``; its message is one line that names the file, row or key,
and ``exit_code`` is what the ``wfm`` command exits with.
"""

from __future__ import annotations


class WfmError(Exception):
    """Base class: a problem the user can fix, reported as one line without a traceback."""

    exit_code: int = 2


class InputError(WfmError):
    """Bad input: a missing file, a malformed CSV, a config key with a bad value (exit 2)."""

    exit_code = 2


class InfeasibleError(WfmError):
    """The rules admit no roster; the message says which rules conflict (exit 3)."""

    exit_code = 3


class QualityGateError(WfmError):
    """A quality gate or validation failed (exit 1)."""

    exit_code = 1
