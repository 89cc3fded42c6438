"""Each labour rule has one home: outside the rules package (and the independent validator, the config
loader that builds contracts, the domain that defines them and the demo that writes them), no module reads a
labour-rule field of a contract or the centre's break cap; it asks the rules' registry instead."""

from __future__ import annotations

import ast
from pathlib import Path

import scheduler

PACKAGE = Path(scheduler.__file__).parent
# Contract fields that are labour rules, and the centre-wide break cap.
RULE_FIELDS = {
    "min_weekly_minutes", "max_weekly_minutes", "max_days_per_week", "min_days_per_week", "min_rest_minutes",
    "max_consecutive_days", "min_consecutive_days_off", "max_weekend_days", "latest_end_minute",
    "max_late_shifts_per_week", "late_shift_start_minute", "time_off_counts_as", "max_agents_on_break",
    "floor_rules", "ratio_rules", "min_level",  # who is on the floor (``rules.floor_rules``, ``io.levels``)
    # over a horizon of weeks (``rules.horizon_weekends``, ``rules.average_hours``)
    "max_weekends_in_horizon", "max_consecutive_weekends", "average_weekly_minutes", "average_tolerance_minutes",
}
# Also a field of ShiftTemplate: a read counts only on an expression naming a contract.
CONTRACT_ONLY_FIELDS = {"earliest_start_minute"}
ALLOWED = {
    "rostering/rules",  # the rules themselves
    "validation/validate.py",  # the independent validator, by design
    "validation/horizon.py",  # the independent validator over several weeks, by design
    "io/config.py",  # builds the contracts from YAML
    "domain/plan.py",  # defines them
    "demo/example.py",  # writes the demo centre's contracts and its agents' history
    "io/levels.py",  # builds the floor and ratio rules and applies min_level, once at load
}


def _reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Attribute):
            continue
        owner = ast.unparse(node.value).lower()
        if node.attr in RULE_FIELDS or (node.attr in CONTRACT_ONLY_FIELDS and "contract" in owner):
            found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_outside_the_rules_reads_a_labour_rule_field() -> None:
    reads = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if any(relative == allowed or relative.startswith(allowed + "/") for allowed in ALLOWED):
            continue
        reads.extend(_reads(path))
    assert reads == []


def test_the_check_sees_a_read() -> None:
    """The checker itself: it finds the reads it exists to forbid (else the test above could never fail)."""
    rules = sorted((PACKAGE / "rostering" / "rules").glob("*.py"))
    assert any(_reads(path) for path in rules)
