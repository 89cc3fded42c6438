"""The faces every labour rule shows, as one typed base class: ``LabourRule``.

A rule is the only place on the solver side that reads its contract keys. It shows:

- ``build(model)``: its CP-SAT encoding (constraints, or named penalty terms for a soft rule);
- ``keeps(agent, shifts)``: a fast, exact check that one agent's candidate week keeps it, used by the local
  search, the LP start and anything else that must not ask CP-SAT per move;
- ``keeps_change(agent, shifts, day)``: the same, incrementally, for a week that kept it before ``day`` changed;
- ``keeps_days(agent, worked)``: the same on a day pattern (which days are worked) for rules that depend on
  the days alone, used by the pre-checks and the lower bound's pattern enumeration;
- ``allows(agent, start_minute, end_minute)``: whether one candidate shift may be worked at all;
- ``aggregate(agent, rows)``: its rows in the aggregate LP (``search.lower_bound``), where aggregable;
- ``describe(agent)``: its name and value for a diagnosis line.

``reads`` says which aspects of a week the rule looks at, so a search move that changes only some aspects
(a break move changes only ``BREAKS``) asks only the rules that could notice; the default is everything.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Flag, auto
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Protocol

from scheduler.domain.plan import (
    WEEKEND_WEEKDAYS,
    Activity,
    Agent,
    Contract,
    PlanConfig,
    ShiftTemplate,
    TimeWindow,
    fits_availability,
)
from scheduler.domain.roster import ShiftAssignment
from scheduler.domain.shifts import ShiftOption, shift_options
from scheduler.domain.week import Week

if TYPE_CHECKING:
    from scheduler.rostering.model import PenaltyTerm, RosterModel

DAYS = 7
# One agent's week: the shift worked on each day index 0..6 (Monday first), or None for a day off.
AgentShifts = Sequence[ShiftAssignment | None]


class Aspect(Flag):
    """What a rule reads of a week, and what a search move changes."""

    DAYS = auto()  # which days are worked
    TIMES = auto()  # each shift's start and end
    PAY = auto()  # each shift's paid minutes and template
    BREAKS = auto()  # where breaks and activities lie inside each shift
    ALL = DAYS | TIMES | PAY | BREAKS


@dataclass(frozen=True)
class AgentWeek:
    """The fixed facts one agent's week is checked against: the agent, their contract, the week, which days
    are approved leave that the labour rules count (``leave_counts_on``: leave on a day the agent could not have
    worked anyway is not counted), which day indices are the weekend, and the candidate ``(template_id,
    start_minute)`` pairs per day (availability, time off, template weekdays, re-plan pins)."""

    config: PlanConfig
    week: Week
    agent: Agent
    contract: Contract
    leave: tuple[bool, ...]
    weekend: tuple[int, ...]

    @cached_property
    def candidates(self) -> tuple[frozenset[tuple[str, int]], ...]:
        return tuple(frozenset((o.template.template_id, o.start_minute)
                               for o in shift_options(self.config, self.agent, self.week, d)) for d in range(DAYS))

    @cached_property
    def must_work(self) -> tuple[bool, ...]:
        """Per day, whether a re-plan keeps a worked shift there."""
        pins = [self.config.pinned(self.agent.agent_id, self.week.day(d)) for d in range(DAYS)]
        return tuple(pinned and kept is not None for pinned, kept in pins)

    @cached_property
    def templates(self) -> dict[str, ShiftTemplate]:
        return {t.template_id: t for t in self.config.templates}

    @cached_property
    def activities(self) -> dict[str, Activity]:
        """The agent's activities by id."""
        return {a.activity_id: a for a in self.config.activities_of(self.agent.agent_id)}

    @property
    def leave_days(self) -> int:
        """Days of counted leave in the week."""
        return sum(self.leave)

    def leave_on(self, day: date) -> bool:
        """Whether the agent has counted leave on ``day`` (any date, also outside the week)."""
        return leave_counts_on(self.config, self.agent, day)

    @property
    def leave_counts_as_worked(self) -> bool:
        """Whether a day of leave counts as a working day (``contracts[].time_off_counts_as: worked_day``)."""
        return self.contract.time_off_counts_as == "worked_day"


def leave_counts_on(config: PlanConfig, agent: Agent, day: date) -> bool:
    """Whether the agent's approved leave on ``day`` counts for the labour rules: the one place on the solver side
    that decides it. Leave counts only on a day the agent could have worked had it not been on leave: its
    availability has a window on that weekday and one of its contract's shift templates runs on that weekday and
    fits wholly inside the window (re-plan pins and the contract's earliest start and latest end are not looked
    at). Leave on any other day (a Sunday of a Monday-to-Friday agent) is no leave for any rule: it is not a
    worked day (``time_off_counts_as: worked_day``) for the day limits, the runs of consecutive days or the
    averaged hours, and takes nothing off the weekly minimum or maximum."""
    if day not in agent.time_off:
        return False
    templates = tuple(config.template(t) for t in config.contract(agent.contract_id).template_ids)
    return workable_weekdays(agent.availability, templates)[day.weekday()]


@lru_cache(maxsize=4096)
def workable_weekdays(availability: tuple[TimeWindow | None, ...],
                      templates: tuple[ShiftTemplate, ...]) -> tuple[bool, ...]:
    """Per weekday (0 = Monday), whether some template runs that weekday and fits inside the availability."""
    return tuple(window is not None and any(weekday in t.weekdays and any(
        fits_availability(availability, weekday, s, s + t.length_minutes) for s in t.start_minutes())
        for t in templates) for weekday, window in enumerate(availability))


def agent_week(config: PlanConfig, week: Week, agent: Agent) -> AgentWeek:
    contract = config.contract(agent.contract_id)
    leave = tuple(leave_counts_on(config, agent, week.day(d)) for d in range(DAYS))
    weekend = tuple(d for d in range(DAYS) if week.day(d).weekday() in WEEKEND_WEEKDAYS)
    return AgentWeek(config, week, agent, contract, leave, weekend)


def worked_days(shifts: AgentShifts) -> tuple[bool, ...]:
    return tuple(s is not None for s in shifts)


class ClassRows(Protocol):
    """The aggregate LP's view of one class of interchangeable agents (``search.lower_bound``)."""

    size: int  # agents in the class
    infinity: float
    summed: bool  # True when no weekly patterns were enumerated: day rules add their rows summed over the class

    def works(self, day: int) -> list[tuple[object, float]]:
        """(variable, coefficient) terms whose sum is the class's agents working ``day``."""

    def shifts(self, day: int) -> list[tuple[ShiftOption, object]]:
        """The class's candidate shifts on ``day`` with their count variables."""

    def bounded(self, low: float, high: float, terms: list[tuple[object, float]]) -> None:
        """Add ``low <= sum(terms) <= high``."""


class LabourRule(ABC):
    """One labour rule and all its faces (see the module docstring). Defaults: no day-pattern restriction,
    every shift allowed, no aggregate rows."""

    name: str
    hard: bool = True
    per_agent: bool = True  # False: centre-wide (cover, break cap), not checkable on one agent's week
    reads: Aspect = Aspect.ALL

    @abstractmethod
    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        """Add the rule to the CP-SAT model; a soft rule returns its penalty terms."""

    def keeps(self, agent: AgentWeek, shifts: AgentShifts) -> bool:
        """Whether one agent's week keeps the rule (exact). Default: the day-pattern check."""
        return self.keeps_days(agent, worked_days(shifts))

    def keeps_change(self, agent: AgentWeek, shifts: AgentShifts, day: int) -> bool:
        """Whether the week keeps the rule, given that it did with another shift (or none) on ``day``: the
        incremental check a search move of one day asks. Default: the whole week."""
        return self.keeps(agent, shifts)

    def keeps_days(self, agent: AgentWeek, worked: Sequence[bool]) -> bool:
        """Whether working exactly the days marked in ``worked`` keeps the rule, for rules that depend on
        which days are worked alone (every other rule returns True)."""
        return True

    def restricts_days(self, agent: AgentWeek) -> bool:
        """Whether ``keeps_days`` can reject any pattern for this agent."""
        return False

    def allows(self, agent: AgentWeek, start_minute: int, end_minute: int) -> bool:
        """Whether a shift from ``start_minute`` to ``end_minute`` (minutes after midnight of its day) may be
        worked at all."""
        return True

    def aggregate(self, agent: AgentWeek, rows: ClassRows) -> None:
        """Add the rule's rows for a class of agents like ``agent`` to the aggregate LP (default: none, which
        only widens the relaxation)."""
        return None

    def describe(self, agent: AgentWeek) -> str:
        """The rule's name and value in a diagnosis line, e.g. ``max_days_per_week 5``."""
        return self.name

    def signature(self, agent: AgentWeek) -> Hashable:
        """What, beyond the contract, skills, candidate shifts and leave, makes this rule treat the agent
        differently from another (the carry-in of a week of a horizon); agents are interchangeable in the
        aggregate LP only when every rule's signature agrees. Default: nothing."""
        return None


class BuildOnly(LabourRule):
    """A rule with the CP-SAT face only: the soft rules, and the centre-wide hard rules whose other faces live
    with the search that needs them (cover scoring, the break cap's counts)."""

    def __init__(self, name: str, build: Callable[[RosterModel], list[PenaltyTerm]], *, hard: bool) -> None:
        self.name = name
        self.hard = hard
        self.per_agent = False
        self._build = build

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return self._build(model)
