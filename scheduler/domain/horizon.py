"""A plan of several consecutive weeks (``forecast.weeks``) and what one week inherits from the days before it.

The horizon is rostered one calendar week at a time (``scheduler.app.horizon``); each week's model is the
ordinary 7-day model plus a ``CarryIn``: per agent, what the days before the week (the earlier weeks of the
horizon, and before the first week the published roster given with ``--previous``) leave behind. The cross-week
rules (``rostering.rules.carry_rest``, ``carry_days``, ``horizon_weekends``, ``average_hours``) read it; a week
without one (``PlanConfig.carry_in is None``) is planned exactly as a single week.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

MIN_WEEKS = 1
MAX_WEEKS = 6


@dataclass(frozen=True)
class AgentCarry:
    """One agent's state at the start of a week.

    ``last_end_minute``: the end of the agent's last shift before the week, in minutes after the week's Monday
    00:00 (<= 0 unless that shift runs past midnight into Monday), None when no earlier shift is known.
    ``worked_run_days``: consecutive days worked (or on leave counted as worked) up to the day before the week.
    ``off_run_days``: consecutive days off up to the day before the week, after a known worked day (None: no
    worked day known, so the run is not judged). ``weekend_run``: consecutive weekends worked up to the last
    one before the week. ``weekends_worked`` and ``paid_minutes``: weekends worked and paid minutes in the
    horizon's earlier weeks (the previous roster does not count). ``weekend_days`` and ``late_shifts``: for
    fairness over the horizon, in the horizon's earlier weeks. ``floor_slots``: the week's slots in which a shift
    before it (a Sunday night) has the agent on the floor, breaks and activities left out."""

    last_end_minute: int | None = None
    worked_run_days: int = 0
    off_run_days: int | None = None
    weekend_run: int = 0
    weekends_worked: int = 0
    paid_minutes: int = 0
    weekend_days: int = 0
    late_shifts: int = 0
    floor_slots: tuple[int, ...] = ()


NO_CARRY = AgentCarry()


@dataclass(frozen=True)
class CarryIn:
    """The state every agent starts week ``week_number`` (1-based) of a ``weeks``-week horizon with.

    ``shifts_known``: the shifts before the week are known (a later week of the horizon, or ``--previous``), so the
    floor rules count the agents they leave on its floor (``AgentCarry.floor_slots``) in its first hours."""

    week_number: int
    weeks: int
    agents: Mapping[str, AgentCarry] = field(default_factory=dict)
    shifts_known: bool = False

    def of(self, agent_id: str) -> AgentCarry:
        return self.agents.get(agent_id, NO_CARRY)

    @property
    def weeks_left(self) -> int:
        """Weeks of the horizon after this one."""
        return self.weeks - self.week_number
