"""Typed, immutable domain objects of a weekly plan.

Times of day are whole minutes after midnight (``*_minute``); durations carry their unit in the name.
Everything here is built once by ``scheduler.io.config.load_config`` and never mutated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from forecasting.day_effects import Event
    from scheduler.domain.horizon import CarryIn

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# A shift may run past midnight into the next day (a night shift), ending at most this many minutes after its own
# day's midnight (36:00, i.e. 12:00 the next day). It belongs to the day it starts on.
MAX_SHIFT_END_MINUTE = MINUTES_PER_DAY + 12 * 60
WEEKEND_WEEKDAYS: frozenset[int] = frozenset({5, 6})  # date.weekday() of Saturday and Sunday


@dataclass(frozen=True)
class TimeWindow:
    """A span of one day, ``[start_minute, end_minute)`` in minutes after midnight."""

    start_minute: int
    end_minute: int

    def contains(self, start_minute: int, end_minute: int) -> bool:
        return self.start_minute <= start_minute and end_minute <= self.end_minute


def fits_availability(windows: tuple[TimeWindow | None, ...], weekday: int, start_minute: int,
                      end_minute: int) -> bool:
    """Whether a shift from ``start_minute`` to ``end_minute`` of ``weekday`` lies inside ``windows`` (one per
    weekday): in that weekday's window, and a night shift's part past midnight (``end_minute`` > 1440) in the
    next weekday's window, which must then open at 00:00 (and the start day's run to 24:00)."""
    window = windows[weekday]
    if window is None or not window.contains(start_minute, min(end_minute, MINUTES_PER_DAY)):
        return False
    if end_minute <= MINUTES_PER_DAY:
        return True
    following = windows[(weekday + 1) % 7]
    return following is not None and following.contains(0, end_minute - MINUTES_PER_DAY)


@dataclass(frozen=True)
class OpeningHours:
    """Open window per weekday (index 0 = Monday); ``None`` means closed that day."""

    by_weekday: tuple[TimeWindow | None, ...]

    def window(self, weekday: int) -> TimeWindow | None:
        return self.by_weekday[weekday]


@dataclass(frozen=True)
class Bot:
    """A chatbot in front of a chat or social queue: it answers ``containment`` (in [0, 1)) of the contacts at
    every hour; the rest escalate to people. Escalations outside the queue's opening hours wait for the next
    opening (``escalate_during`` is ``open_hours``) and are handled within ``backlog_deadline_minutes`` of it."""

    containment: float
    escalate_during: str = "open_hours"
    backlog_deadline_minutes: int = 60


@dataclass(frozen=True)
class Queue:
    """A contact queue with its service goal.

    ``concurrency`` is how many contacts one agent handles at once (chat); 1 for voice and email.
    ``patience_seconds`` is the mean time a waiting contact stays before abandoning (> 0): staff with
    Erlang A; ``None`` (the default) staffs with Erlang C, where nobody abandons.
    ``deadline_minutes`` set makes the queue *deferred* (email, social, back-office work): items may wait, first
    in first out, and ``service_level_target`` is the share handled within the deadline, counted in the queue's
    opening hours or on the clock (``deadline_clock``: ``open_hours`` or ``elapsed``); ``answer_seconds`` is
    then 0 and unused. ``bot``: a chatbot in front of the queue (chat and social only).
    """

    queue_id: str
    channel: str
    service_level_target: float
    answer_seconds: float
    default_aht_seconds: float
    max_occupancy: float | None
    concurrency: int
    opening_hours: OpeningHours
    patience_seconds: float | None = None
    deadline_minutes: int | None = None
    deadline_clock: str = "open_hours"
    bot: Bot | None = None
    min_level: str | None = None  # only agents of this level or above take the queue (``levels[]``)
    # deferred queues: the roster covers the work cumulatively before each deadline (``cumulative``, the default
    # the config loader gives a deferred queue), or the fluid plan's heads interval by interval (``interval``)
    deadline_cover: str = "interval"

    @property
    def deferred(self) -> bool:
        """Staffed against a deadline by the backlog model, not as a live Erlang queue."""
        return self.deadline_minutes is not None


@dataclass(frozen=True)
class BreakRule:
    """One break or lunch of a shift template, placed inside a window relative to the shift start."""

    name: str
    kind: str  # "break" or "lunch": the roster's activity name
    minutes: int
    paid: bool
    earliest_after_start_minutes: int
    latest_after_start_minutes: int


@dataclass(frozen=True)
class ShiftTemplate:
    """A kind of shift: its length, when it may start, and its breaks in the order they are taken.

    ``length_minutes`` spans start to end, unpaid lunch included. A start plus the length may pass 1440 (up to
    ``MAX_SHIFT_END_MINUTE``): a night shift, which belongs to the day it starts on and covers the next day's
    first intervals. Consecutive breaks are at least
    ``min_break_gap_minutes`` apart (end of one to start of the next).
    """

    template_id: str
    length_minutes: int
    earliest_start_minute: int
    latest_start_minute: int
    start_step_minutes: int
    weekdays: tuple[int, ...]
    breaks: tuple[BreakRule, ...]
    min_break_gap_minutes: int

    @property
    def paid_minutes(self) -> int:
        return self.length_minutes - sum(b.minutes for b in self.breaks if not b.paid)

    @property
    def last_end_minute(self) -> int:
        """The end of its latest start, minutes after the start day's midnight (past 1440: a night shift)."""
        return self.latest_start_minute + self.length_minutes

    def start_minutes(self) -> tuple[int, ...]:
        return tuple(range(self.earliest_start_minute, self.latest_start_minute + 1, self.start_step_minutes))


@dataclass(frozen=True)
class Contract:
    """Labour rules an agent is employed under. Hours are paid hours in the planned week.

    The rules after ``template_ids`` default to "no constraint":

    - ``min_days_per_week``: least number of working days (days with a shift) in the week;
    - ``min_consecutive_days_off``: least length of every run of days off lying wholly inside the week (a
      run that includes the week's Monday or Sunday is not constrained: the neighbouring weeks are unknown);
    - ``max_weekend_days``: most of the week's Saturday and Sunday worked (0-2);
    - ``earliest_start_minute`` / ``latest_end_minute``: every shift starts at or after / ends at or before
      this minute of its day (``None``: no limit); both count from the midnight that starts the shift's day,
      so an end may be 1440 (24:00) or later for a night shift (1800: 06:00 the next day);
    - ``max_late_shifts_per_week``: most shifts starting at or after ``late_shift_start_minute`` in the week
      (``None``: no limit);
    - ``time_off_counts_as``: ``worked_day`` (a day of approved leave counts as a working day for the day
      limits and takes its pro-rata share off the weekly minimum and maximum) or ``credit_minimum`` (it only
      takes its share off the minimum). Either way only leave on a day the agent could have worked counts (its
      availability has a window that weekday and one of the contract's templates runs that weekday and fits
      inside it); leave on another day is an ordinary day off.

    The rules themselves live in ``scheduler.rostering.rules``; only they read these fields on the solver side.
    """

    contract_id: str
    min_weekly_minutes: int
    max_weekly_minutes: int
    max_days_per_week: int
    min_rest_minutes: int
    max_consecutive_days: int
    hourly_cost: float
    template_ids: tuple[str, ...]
    min_days_per_week: int = 0
    min_consecutive_days_off: int = 1
    max_weekend_days: int = 2
    earliest_start_minute: int | None = None
    latest_end_minute: int | None = None
    max_late_shifts_per_week: int | None = None
    late_shift_start_minute: int = 14 * 60
    time_off_counts_as: str = "worked_day"
    # Over a horizon of several weeks (``forecast.weeks``; docs/config.md, "Rosters over several weeks"):
    max_weekends_in_horizon: int | None = None  # weekends with a worked Saturday or Sunday, at most
    max_consecutive_weekends: int | None = None  # weekends worked in a row, at most (1: every other weekend)
    average_weekly_minutes: int | None = None  # paid minutes per week, averaged over the horizon
    average_tolerance_minutes: int = 0  # the average may miss by this much per week


@dataclass(frozen=True)
class Preference:
    """A soft request of an agent, met or not, costing ``weight`` units of the preference weight when unmet.

    ``kind``: ``off`` (rather not work that day), ``on`` (rather work that day) or ``start`` (on days worked,
    rather start inside ``window``). The day is a weekday (``weekday``, 0 = Monday) or a date (``day``);
    a ``start`` request with neither applies to every day.
    """

    kind: str
    weekday: int | None
    day: date | None
    window: TimeWindow | None
    weight: int

    def applies_to(self, day: date) -> bool:
        if self.day is not None:
            return self.day == day
        return self.weekday is None or self.weekday == day.weekday()


@dataclass(frozen=True)
class Agent:
    """One agent. ``availability`` holds the window per weekday in which whole shifts must lie (a night shift's
    part past midnight in the next weekday's window, ``available``); ``None`` for a weekday means not available
    that day."""

    agent_id: str
    contract_id: str
    skills: tuple[str, ...]
    availability: tuple[TimeWindow | None, ...]
    time_off: frozenset[date]
    preferences: tuple[Preference, ...] = ()
    level: str | None = None  # a ``levels[]`` id; None: no level given (ranked as the most junior)
    # Proficiency per skill, aligned with ``skills`` (empty: 1.0 on every skill). An agent with proficiency p
    # on a queue is worth p average agents there (handle time = average handle time / p).
    proficiencies: tuple[float, ...] = ()

    def available(self, weekday: int, start_minute: int, end_minute: int) -> bool:
        """Whether a shift from ``start_minute`` to ``end_minute`` of ``weekday`` lies inside the availability
        (``fits_availability``)."""
        return fits_availability(self.availability, weekday, start_minute, end_minute)

    def proficiency(self, queue_id: str) -> float:
        """The agent's proficiency on ``queue_id`` (1.0 when none is given)."""
        if not self.proficiencies or queue_id not in self.skills:
            return 1.0
        return self.proficiencies[self.skills.index(queue_id)]


@dataclass(frozen=True)
class ObjectiveWeights:
    """Integer weights of the roster objective (per agent-interval, per paid hour)."""

    understaffed_agent_interval: int = 1000
    overstaffed_agent_interval: int = 10
    paid_hour: int = 1
    unmet_preference: int = 50
    start_change_hour: int = 0
    changed_shift: int = 100
    moved_break: int = 25
    unfair_shift: int = 20
    # ``objective.service_level``: "interval" staffs every interval to its target; "weekly" makes each queue's
    # weekly contact-weighted level meet it (``rostering.rules.weekly_service_level``) with every interval at
    # least at ``min_interval_service_level``; a contact short of a weekly target costs weekly_shortfall_contact.
    service_level: str = "interval"
    min_interval_service_level: float = 0.5
    weekly_shortfall_contact: int = 1000
    # ``objective.weekly_floor``: "tangent" keeps every interval at least where Erlang's curve meets its concave
    # envelope (``rostering.service_curves``); "level" only at ``min_interval_service_level``.
    weekly_floor: str = "tangent"
    # ``objective.weekly_start``: with the level floor, the start's lean requirement: "envelope" the fewest heads on
    # the concave envelope; "level" those raised to one level per queue by Erlang's own curve
    # (``rostering.search.level_lean``).
    weekly_start: str = "envelope"


@dataclass(frozen=True)
class Fairness:
    """Fair shares per agent and week: weekend days and late shifts (ending after ``late_end_minute``) beyond
    them cost ``objective.unfair_shift`` each, so the load spreads across agents."""

    late_end_minute: int
    fair_late_shifts: int
    fair_weekend_days: int


@dataclass(frozen=True)
class SolverSettings:
    time_limit_seconds: float = 60.0
    seed: int = 0
    workers: int = 2
    deterministic: bool = True
    # roster cover counts agents at their proficiency (``rostering.effective_cover``); off: heads; ``None`` (the
    # default): on when some agent's proficiency differs from 1, unless the service level is weekly
    proficiency_cover: bool | None = None


@dataclass(frozen=True)
class QualityGates:
    """Default tolerances of ``wfm check``: allowed absolute service-level drop, allowed relative growth
    of understaffed agent-hours."""

    service_level_drop: float = 0.005
    understaffing_growth: float = 0.05


@dataclass(frozen=True)
class PinnedShift:
    """A published shift: its template, start and break starts (minutes after midnight), and the activities it
    carries as ``(activity_id, start_minute)`` by start."""

    template_id: str
    start_minute: int
    break_starts: tuple[int, ...]
    activity_starts: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Replan:
    """A published roster to re-plan from. ``pinned`` agent-days are kept exactly (None: a day off kept);
    every other agent-day costs ``objective.changed_shift`` when its shift differs from ``published``."""

    pinned: dict[tuple[str, date], PinnedShift | None]
    published: dict[tuple[str, date], PinnedShift | None]


@dataclass(frozen=True)
class Activity:
    """A training session or team meeting of named agents: paid time off the floor, once in the week.

    Each attendee takes it once, wholly inside one of their worked shifts, starting on the interval grid, on
    one of ``weekdays`` (0 = Monday), inside ``window`` (start at or after its start, end at or before its end)
    and overlapping none of that shift's breaks. ``together``: every attendee at the same start on the same day
    (a meeting); otherwise each attendee at their own time (e.g. e-learning).
    """

    activity_id: str
    minutes: int
    agent_ids: tuple[str, ...]
    weekdays: tuple[int, ...]
    window: TimeWindow
    together: bool

    def start_minutes(self, interval_minutes: int) -> range:
        """Allowed starts, minutes after midnight, on the interval grid inside the window."""
        return range(self.window.start_minute, self.window.end_minute - self.minutes + 1, interval_minutes)


@dataclass(frozen=True)
class Level:
    """An agent level (``levels[]``, ordered from the most junior up) with the proficiency its agents have on
    a skill given without one."""

    level_id: str
    default_proficiency: float = 1.0


@dataclass(frozen=True)
class FloorRule:
    """At least ``min_agents`` of the named agents on the floor (working, not on break or in an activity) in
    every interval in which the centre (``queue_ids`` empty) or any of ``queue_ids`` is open.

    The agents are those of ``level`` or above, or the listed ``agent_ids``. Hard, or soft at ``weight`` per
    agent-interval short."""

    rule_id: str
    min_agents: int
    level: str | None
    agent_ids: tuple[str, ...]
    queue_ids: tuple[str, ...]
    hard: bool
    weight: int


@dataclass(frozen=True)
class RatioRule:
    """At most ``max_per_senior`` agents of ``junior_level`` or below per agent of ``senior_level`` or above on
    the floor, in every interval in which the centre (``queue_ids`` empty) or any of ``queue_ids`` is open.
    Hard, or soft at ``weight`` per junior too many per interval."""

    rule_id: str
    junior_level: str
    senior_level: str
    max_per_senior: int
    queue_ids: tuple[str, ...]
    hard: bool
    weight: int


@dataclass(frozen=True)
class PlanConfig:
    """Everything a weekly plan needs, resolved and validated."""

    source: Path
    name: str
    timezone: str
    interval_minutes: int
    opening_hours: OpeningHours
    history_path: Path
    agents_path: Path
    holidays: tuple[date, ...]
    history_weeks: int
    week_start: date | None
    queues: tuple[Queue, ...]
    shrinkage: float
    templates: tuple[ShiftTemplate, ...]
    contracts: tuple[Contract, ...]
    agents: tuple[Agent, ...]
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    solver: SolverSettings = field(default_factory=SolverSettings)
    quality_gates: QualityGates = field(default_factory=QualityGates)
    replan: Replan | None = None
    max_agents_on_break: int | None = None  # agents on break or lunch in one interval, centre-wide
    forecast_model: str = "smoothed_profile"  # forecasting.service.MODEL_NAMES
    holiday_country: str | None = None  # a country code or "auto" (forecasting.service.choose_holidays)
    fairness: Fairness | None = None
    activities: tuple[Activity, ...] = ()
    events: tuple[Event, ...] = ()  # forecasting.events
    special_days: tuple[tuple[date, float], ...] = ()  # date, multiplier (0: closed)
    make_up_day_hours: str = "weekday"  # a make-up working day opens as the weekday it replaces, or "weekend"
    volume_factor: float = 1.0  # forecast contacts are multiplied by it (what-if scenarios)
    aht_factor: float = 1.0  # forecast handle times are multiplied by it
    levels: tuple[Level, ...] = ()  # from the most junior up
    floor_rules: tuple[FloorRule, ...] = ()
    ratio_rules: tuple[RatioRule, ...] = ()
    weeks: int = 1  # forecast.weeks: consecutive weeks planned (scheduler.domain.horizon)
    carry_in: CarryIn | None = None  # what the days before the planned week leave (set per week by the horizon)

    def level_rank(self, level_id: str | None) -> int:
        """0 for the most junior level (and for an agent without a level), rising to the top level."""
        ids = [lv.level_id for lv in self.levels]
        return ids.index(level_id) if level_id in ids else 0

    def activities_of(self, agent_id: str) -> tuple[Activity, ...]:
        """The activities the agent attends, in config order."""
        return tuple(a for a in self.activities if agent_id in a.agent_ids)

    def pinned(self, agent_id: str, day: date) -> tuple[bool, PinnedShift | None]:
        """Whether the agent-day is pinned by a re-plan, and its kept shift (None: a kept day off)."""
        if self.replan is None or (agent_id, day) not in self.replan.pinned:
            return False, None
        return True, self.replan.pinned[agent_id, day]

    def queue(self, queue_id: str) -> Queue:
        return next(q for q in self.queues if q.queue_id == queue_id)

    def template(self, template_id: str) -> ShiftTemplate:
        return next(t for t in self.templates if t.template_id == template_id)

    def contract(self, contract_id: str) -> Contract:
        return next(c for c in self.contracts if c.contract_id == contract_id)
