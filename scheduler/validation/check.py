"""The CI quality gate behind ``wfm check KPIS.json --baseline BASELINE.json``.

It compares the KPIs of a fresh plan (the ``kpis.json`` written by ``wfm plan``) with a committed baseline
and fails on a regression beyond the tolerances:

- weekly service level, overall and per queue: may drop by at most ``service_level_drop`` (absolute,
  a fraction in [0, 1]); a baseline queue missing from the current KPIs fails;
- ``understaffed_agent_hours``: may grow by at most ``understaffing_growth`` (relative) plus
  ``UNDERSTAFFING_SLACK_HOURS`` (absolute), so a baseline of 0 h does not fail on a quarter-hour;
- ``hard_violations``: must be 0 in the current KPIs, whatever the baseline had;
- optional: solver ``gap`` growth (absolute) and ``paid_hours`` growth (relative).

The CLI only parses arguments and calls ``run_check``; errors are one-line ``InputError`` messages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from forecasting.untrusted import excerpt
from scheduler.errors import InputError
from scheduler.validation.kpis import check_number, lookup, read_kpis_object

# Absolute slack on top of the relative understaffing growth: a baseline of 0 h would otherwise fail on
# any understaffing at all, and one 15-minute interval of one agent is noise, not a regression.
UNDERSTAFFING_SLACK_HOURS = 0.25
# Comparisons are of floats read back from JSON; a difference this small is rounding, not a regression.
FLOAT_TOLERANCE = 1e-9

SL_OVERALL = "service_level.overall"
SL_BY_QUEUE = "service_level.by_queue"
UNDERSTAFFED = "understaffed_agent_hours"
HARD_VIOLATIONS = "hard_violations"
GAP = "solver.gap"
PAID_HOURS = "paid_hours"


@dataclass(frozen=True)
class Tolerances:
    """How much worse than the baseline the current KPIs may be.

    ``service_level_drop``: absolute drop of a service level (fraction, 0.005 = half a percentage point).
    ``understaffing_growth``: relative growth of understaffed agent-hours (0.05 = 5 %), plus
    ``UNDERSTAFFING_SLACK_HOURS``. ``gap_growth``: absolute growth of the solver's relative optimality gap;
    ``paid_hours_growth``: relative growth of paid hours; ``None`` leaves that metric unchecked.
    """

    service_level_drop: float = 0.005
    understaffing_growth: float = 0.05
    gap_growth: float | None = None
    paid_hours_growth: float | None = None


# --tolerance key -> (Tolerances field, upper bound of the value or None, may it be switched off).
_TOLERANCE_KEYS: dict[str, tuple[str, float | None, bool]] = {
    "service_level": ("service_level_drop", 1.0, False),
    "understaffing": ("understaffing_growth", None, False),
    "gap": ("gap_growth", None, True),
    "paid_hours": ("paid_hours_growth", None, True),
}
_OFF = ("none", "off")


def parse_tolerances(items: Sequence[str], defaults: Tolerances) -> Tolerances:
    """Apply ``KEY=VALUE`` overrides (keys ``service_level``, ``understaffing``, ``gap``, ``paid_hours``)
    to ``defaults``; a later item wins over an earlier one with the same key.

    Values are numbers ≥ 0 (``service_level`` at most 1); ``gap`` and ``paid_hours`` also accept
    ``none``/``off`` to leave the metric unchecked. Raises ``InputError`` naming the bad item.
    """
    tolerances = defaults
    for item in items:
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key:
            raise InputError(f"--tolerance {item!r} must be KEY=VALUE, e.g. service_level=0.01")
        if key not in _TOLERANCE_KEYS:
            raise InputError(f"--tolerance {item!r}: unknown key {key!r}; expected one of {', '.join(_TOLERANCE_KEYS)}")
        field, upper, optional = _TOLERANCE_KEYS[key]
        if optional and text.lower() in _OFF:
            unchecked: dict[str, Any] = {field: None}  # an optional field (float | None)
            tolerances = replace(tolerances, **unchecked)
            continue
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0 or (upper is not None and value > upper):
            rule = f"a number in [0, {upper:g}]" if upper is not None else "a number >= 0"
            if optional:
                rule += " or none"
            raise InputError(f"--tolerance {item!r}: {key} must be {rule}, got {text!r}")
        tolerances = replace(tolerances, **{field: value})
    return tolerances


def _number(kpis: Mapping[str, Any], key_path: str, label: str, high: float | None = None) -> float:
    return float(check_number(lookup(kpis, key_path, label), key_path, label, high=high))


def _queue_levels(kpis: Mapping[str, Any], label: str) -> dict[str, float]:
    by_queue = lookup(kpis, SL_BY_QUEUE, label)
    if not isinstance(by_queue, Mapping):
        raise InputError(f"{label}: {SL_BY_QUEUE} must be a mapping of queue id to service level")
    return {
        str(queue): float(check_number(level, f"{SL_BY_QUEUE}.{queue}", label, high=1.0))
        for queue, level in by_queue.items()
    }


def load_kpis(path: str | Path) -> dict[str, Any]:
    """Read a ``kpis.json`` written by ``wfm plan`` (any version, or a hand-written baseline: the full schema
    is ``scheduler.validation.kpis.Kpis``) and check the keys the gate always needs.

    Required: ``service_level.overall`` and every ``service_level.by_queue`` value (fractions in [0, 1]),
    ``understaffed_agent_hours`` (hours ≥ 0) and ``hard_violations`` (a whole number ≥ 0). The optional
    ``solver.gap`` and ``paid_hours`` are checked when present (``gap`` may be null). Errors name the file
    as given and the key path, e.g. ``kpis.json: missing key service_level.by_queue``.
    """
    label = str(path)
    kpis = read_kpis_object(path, label)
    _number(kpis, SL_OVERALL, label, high=1.0)
    _queue_levels(kpis, label)
    _number(kpis, UNDERSTAFFED, label)
    violations = lookup(kpis, HARD_VIOLATIONS, label)
    if isinstance(violations, bool) or not isinstance(violations, int) or violations < 0:
        raise InputError(f"{label}: {HARD_VIOLATIONS} must be a whole number >= 0, got {excerpt(violations)}")
    solver = kpis.get("solver")
    if isinstance(solver, Mapping) and solver.get("gap") is not None:
        _number(kpis, GAP, label)
    if PAID_HOURS in kpis:
        _number(kpis, PAID_HOURS, label)
    return kpis


@dataclass(frozen=True)
class GateRow:
    """One gated metric. ``baseline``/``current`` are in the metric's own unit (service level as a fraction,
    hours, count); ``current`` is NaN when the metric is missing from the current KPIs. ``allowed`` states
    the bound the current value had to meet."""

    metric: str
    baseline: float
    current: float
    allowed: str
    passed: bool


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "missing"
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _floor_row(metric: str, baseline: float, current: float, drop: float) -> GateRow:
    floor = baseline - drop
    passed = not math.isnan(current) and current >= floor - FLOAT_TOLERANCE
    return GateRow(metric, baseline, current, f">= {_fmt(floor)} (-{_fmt(drop)})", passed)


def _ceiling_row(metric: str, baseline: float, current: float, ceiling: float, why: str) -> GateRow:
    return GateRow(metric, baseline, current, f"<= {_fmt(ceiling)} ({why})", current <= ceiling + FLOAT_TOLERANCE)


def compare(current: Mapping[str, Any], baseline: Mapping[str, Any], tolerances: Tolerances) -> list[GateRow]:
    """Gate rows, in order: overall service level, each baseline queue's service level (sorted by queue id;
    queues new in ``current`` are not gated), understaffed agent-hours, hard violations, then solver gap and
    paid hours when their tolerance is set. Both mappings are as returned by ``load_kpis``; a key the gate
    needs but missing raises ``InputError`` naming ``current`` or ``baseline``.
    """
    cur, base = "current kpis", "baseline kpis"
    rows = [
        _floor_row(
            "service_level (overall)",
            _number(baseline, SL_OVERALL, base, high=1.0),
            _number(current, SL_OVERALL, cur, high=1.0),
            tolerances.service_level_drop,
        )
    ]
    current_queues = _queue_levels(current, cur)
    for queue, level in sorted(_queue_levels(baseline, base).items()):
        rows.append(
            _floor_row(
                f"service_level ({queue})", level, current_queues.get(queue, math.nan), tolerances.service_level_drop
            )
        )

    base_under = _number(baseline, UNDERSTAFFED, base)
    growth = tolerances.understaffing_growth
    rows.append(
        _ceiling_row(
            UNDERSTAFFED,
            base_under,
            _number(current, UNDERSTAFFED, cur),
            base_under * (1 + growth) + UNDERSTAFFING_SLACK_HOURS,
            f"+{growth * 100:.4g}% +{UNDERSTAFFING_SLACK_HOURS:g} h",
        )
    )

    current_violations = _number(current, HARD_VIOLATIONS, cur)
    rows.append(
        GateRow(
            HARD_VIOLATIONS,
            _number(baseline, HARD_VIOLATIONS, base),
            current_violations,
            "== 0",
            current_violations == 0,
        )
    )

    if tolerances.gap_growth is not None:
        base_gap = _number(baseline, GAP, base)
        rows.append(
            _ceiling_row(
                GAP,
                base_gap,
                _number(current, GAP, cur),
                base_gap + tolerances.gap_growth,
                f"+{_fmt(tolerances.gap_growth)}",
            )
        )
    if tolerances.paid_hours_growth is not None:
        base_paid = _number(baseline, PAID_HOURS, base)
        rows.append(
            _ceiling_row(
                PAID_HOURS,
                base_paid,
                _number(current, PAID_HOURS, cur),
                base_paid * (1 + tolerances.paid_hours_growth),
                f"+{tolerances.paid_hours_growth * 100:.4g}%",
            )
        )
    return rows


def format_gate(rows: Sequence[GateRow]) -> str:
    """A plain aligned table (metric, baseline, current, change, allowed, result) and a summary line:
    ``quality gate passed`` or ``quality gate FAILED: N regression(s)``."""
    table = [("metric", "baseline", "current", "change", "allowed", "result")]
    for row in rows:
        change = row.current - row.baseline
        shown_change = "-" if math.isnan(change) else ("+" if change >= 0 else "") + _fmt(change)
        if shown_change == "+0":
            shown_change = "0"
        table.append(
            (
                row.metric,
                _fmt(row.baseline),
                _fmt(row.current),
                shown_change,
                row.allowed,
                "PASS" if row.passed else "FAIL",
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    # metric and allowed are text (left); the three numbers are right-aligned so their decimals line up.
    right = (False, True, True, True, False, False)
    lines = [
        "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(line, widths, right, strict=True)).rstrip()
        for line in table
    ]
    failed = sum(not row.passed for row in rows)
    lines.append("quality gate passed" if failed == 0 else f"quality gate FAILED: {failed} regression(s)")
    return "\n".join(lines)


def run_check(kpis_path: str | Path, baseline_path: str | Path, tolerances: Tolerances) -> tuple[bool, str]:
    """Load both files, compare them and format the result: ``(passed, report)``.

    Raises ``InputError`` for an unreadable or incomplete file, including a missing ``solver.gap`` or
    ``paid_hours`` when that tolerance is set. A failed gate is not an exception: the caller turns
    ``passed=False`` into exit 1 (``QualityGateError``).
    """
    current, baseline = load_kpis(kpis_path), load_kpis(baseline_path)
    for key_path, tolerance in ((GAP, tolerances.gap_growth), (PAID_HOURS, tolerances.paid_hours_growth)):
        if tolerance is not None:
            for kpis, path in ((current, kpis_path), (baseline, baseline_path)):
                _number(kpis, key_path, str(path))
    rows = compare(current, baseline, tolerances)
    return all(row.passed for row in rows), format_gate(rows)
