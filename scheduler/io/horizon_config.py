"""Config keys of a plan over several weeks: ``forecast.weeks`` and the contract keys the cross-week rules read
(docs/config.md, "Rosters over several weeks"). Errors name the file, key path and bad value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scheduler.domain.horizon import MAX_WEEKS, MIN_WEEKS

if TYPE_CHECKING:
    from scheduler.io.config import _Node

HORIZON_CONTRACT_KEYS = ("max_weekends_in_horizon", "max_consecutive_weekends", "average_weekly_hours",
                         "average_tolerance_hours")


def horizon_weeks(node: _Node) -> int:
    """``forecast.weeks`` (or ``--weeks``): whole weeks in [1, 6]."""
    return node.integer(MIN_WEEKS, MAX_WEEKS)


def check_weeks_option(weeks: int | None) -> None:
    """``--weeks`` with the rule of ``forecast.weeks`` (InputError naming the option); None: not given."""
    if weeks is not None:
        from scheduler.io.config import _Node

        horizon_weeks(_Node(None, "--weeks", weeks))


def horizon_contract_keys(node: _Node, min_weekly_minutes: int, max_weekly_minutes: int) -> dict[str, Any]:
    """The ``Contract`` fields of the horizon keys of one ``contracts[]`` entry (defaults: no limit)."""
    weekends = node.get("max_weekends_in_horizon", None)
    in_a_row = node.get("max_consecutive_weekends", None)
    average = node.get("average_weekly_hours", None)
    tolerance = node.get("average_tolerance_hours", 0)
    average_minutes = None
    if average.value is not None:
        hours = average.number(0.0, 168.0)
        average_minutes = round(hours * 60)
        if not min_weekly_minutes <= average_minutes <= max_weekly_minutes:
            raise average.fail(f"must lie between min_weekly_hours ({min_weekly_minutes / 60:g}) and "
                               f"max_weekly_hours ({max_weekly_minutes / 60:g})")
    return {
        "max_weekends_in_horizon": None if weekends.value is None else weekends.integer(0, MAX_WEEKS),
        "max_consecutive_weekends": None if in_a_row.value is None else in_a_row.integer(1, MAX_WEEKS),
        "average_weekly_minutes": average_minutes,
        "average_tolerance_minutes": round(tolerance.number(0.0, 168.0) * 60),
    }
