"""Errors the scheduler raises, under the project's one root (``forecasting.errors.WfmError``).

``InputError`` is re-exported so scheduler code imports every error it raises from here.
"""

from __future__ import annotations

from forecasting.errors import InputError, WfmError

__all__ = ["InfeasibleError", "InputError", "QualityGateError", "WfmError"]


class InfeasibleError(WfmError):
    """The rules admit no roster; the message says which rules conflict (exit 3)."""

    exit_code = 3


class QualityGateError(WfmError):
    """A quality gate or validation failed (exit 1)."""

    exit_code = 1
