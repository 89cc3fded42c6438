"""What the simulation runs on: a published roster, the forecast it was planned against, and the queues.

Times are seconds from the planned Monday 00:00 (local wall clock). Arrays indexed ``[queue, slot]`` follow
the config's queue order and the week's slots (``scheduler.domain.week``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import timedelta

import numpy as np
import pandas as pd

from scheduler.domain.plan import PlanConfig, Queue
from scheduler.domain.roster import ActivityAssignment, BreakAssignment, Roster
from scheduler.domain.week import Week
from scheduler.errors import InputError

SECONDS_PER_MINUTE = 60
ROUTINGS = ("longest-waiting", "skill-order")


@dataclass(frozen=True)
class SimQueue:
    """One queue as the simulation sees it: ``concurrency`` contacts per agent at once (chat), exponential
    patience of mean ``patience_seconds`` (None: nobody abandons). ``carries_overnight``: waiting contacts stay
    in the queue past midnight (a deferred queue such as email); otherwise one still waiting at midnight of its
    arrival day counts as unanswered.

    Deferred work and bots (all optional; the defaults are a live queue worked whenever a skilled agent is on the
    floor):

    - ``open_windows``: ``(start_s, end_s)`` spans of the week (seconds from Monday 00:00) when people work the
      queue; None means whenever an agent is on the floor. Items arriving outside wait for the next opening.
    - ``deadline_seconds``: the queue is *deferred*: every item is in time when its handling is finished within
      this long after arrival on the ``deadline_clock`` (``open_hours``: only time inside ``open_windows``
      counts; ``elapsed``: the clock). Deferred items never abandon and wait overnight; an agent takes them only
      when no live contact of the agent's skills waits (blending).
    - ``people_share``: the share of the forecast contacts that reach people (``1 - containment`` behind a bot).
    - ``escalation_deadline_seconds``: behind a bot, contacts arriving outside ``open_windows`` wait (no
      abandonment, no midnight cut-off) and are in time when finished within this many open seconds of the
      next opening."""

    queue_id: str
    answer_seconds: float
    concurrency: int
    patience_seconds: float | None
    service_level_target: float
    carries_overnight: bool = False
    open_windows: tuple[tuple[float, float], ...] | None = None
    deadline_seconds: float | None = None
    deadline_clock: str = "open_hours"
    people_share: float = 1.0
    escalation_deadline_seconds: float | None = None

    @property
    def deferred(self) -> bool:
        return self.deadline_seconds is not None


@dataclass(frozen=True)
class SimShift:
    """One agent's shift: the windows ``(start_s, end_s)`` when the agent is on the floor (the shift less its
    breaks, lunch and activities), in seconds from the week's Monday 00:00. A shift is absent or present as a
    whole."""

    agent: int
    floor_windows: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class SimulationInput:
    """A roster against a forecast. ``contacts`` and ``aht_seconds`` are ``[queue, slot]`` float arrays
    (expected arrivals per interval, mean handle seconds); ``skills[a]`` lists agent ``a``'s queue indices in
    the agent's own order (the order ``skill-order`` routing serves them in). ``handle_factor`` ``[agent, queue]``
    multiplies the forecast AHT for that agent (1 everywhere by default; a hook for per-agent proficiency).
    ``absence_rate`` is the default share of shifts absent as a whole (the plan's shrinkage)."""

    week: Week
    queues: tuple[SimQueue, ...]
    contacts: np.ndarray
    aht_seconds: np.ndarray
    agent_ids: tuple[str, ...]
    skills: tuple[tuple[int, ...], ...]
    shifts: tuple[SimShift, ...]
    absence_rate: float
    handle_factor: np.ndarray = field(default_factory=lambda: np.ones((0, 0)))

    @property
    def interval_seconds(self) -> float:
        return float(self.week.interval_minutes * SECONDS_PER_MINUTE)

    def factors(self) -> np.ndarray:
        """``handle_factor``, or ones ``[agent, queue]`` when none was given."""
        if self.handle_factor.shape == (len(self.agent_ids), len(self.queues)):
            return self.handle_factor
        return np.ones((len(self.agent_ids), len(self.queues)))


def sim_queues(config: PlanConfig, week: Week) -> tuple[SimQueue, ...]:
    return tuple(sim_queue(q, week) for q in config.queues)


def sim_queue(queue: Queue, week: Week) -> SimQueue:
    """The simulation's view of a configured queue: live as before; a deferred queue (``deadline_minutes``) or a
    queue behind a bot is worked only in its opening hours of the ``week``."""
    live = SimQueue(queue.queue_id, float(queue.answer_seconds), int(queue.concurrency), queue.patience_seconds,
                    float(queue.service_level_target))
    if not queue.deferred and queue.bot is None:
        return live
    bot = queue.bot
    shaped = replace(
        live, open_windows=opening_windows(queue, week),
        people_share=1.0 if bot is None else 1.0 - float(bot.containment),
        escalation_deadline_seconds=None if bot is None else float(bot.backlog_deadline_minutes * SECONDS_PER_MINUTE))
    if queue.deadline_minutes is None:
        return shaped
    return replace(shaped, deadline_seconds=float(queue.deadline_minutes * SECONDS_PER_MINUTE),
                   deadline_clock=queue.deadline_clock, carries_overnight=True, patience_seconds=None,
                   escalation_deadline_seconds=None)


def opening_windows(queue: Queue, week: Week) -> tuple[tuple[float, float], ...]:
    """The queue's opening hours over the ``week`` as ``(start_s, end_s)`` from its Monday 00:00, in order."""
    spans = []
    for day in range(7):
        window = queue.opening_hours.window((week.start + timedelta(days=day)).weekday())
        if window is not None and window.end_minute > window.start_minute:
            offset = day * 24 * 60
            spans.append((float((offset + window.start_minute) * SECONDS_PER_MINUTE),
                          float((offset + window.end_minute) * SECONDS_PER_MINUTE)))
    return tuple(spans)


def demand_arrays(config: PlanConfig, week: Week, forecast: pd.DataFrame, source: str = "forecast"
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``contacts`` and ``aht_seconds`` ``[queue, slot]`` from forecast rows (``interval_start, queue, contacts,
    aht_seconds``); rows outside the week are an error naming ``source``. AHT is the queue's default where the
    interval has none."""
    index = {q.queue_id: i for i, q in enumerate(config.queues)}
    contacts = np.zeros((len(config.queues), week.slot_count))
    aht = np.array([[q.default_aht_seconds] * week.slot_count for q in config.queues], dtype=float)
    if contacts.size == 0:
        return contacts, aht.reshape(contacts.shape)
    for row, (queue, start, volume, handle) in enumerate(zip(forecast["queue"], forecast["interval_start"],
                                                             forecast["contacts"], forecast["aht_seconds"],
                                                             strict=True)):
        if queue not in index:
            raise InputError(f"{source} row {row + 2}: queue {queue!r} is not a queue of {config.source.name}")
        slot = week.slot_of(pd.Timestamp(start).to_pydatetime())
        if not 0 <= slot < week.slot_count:
            raise InputError(f"{source} row {row + 2}: interval {start} is outside the week of {week.start}")
        contacts[index[queue], slot] += float(volume)
        if handle == handle and float(handle) > 0:  # NaN and zero: the queue's default
            aht[index[queue], slot] = float(handle)
    return contacts, aht


def agent_skills(config: PlanConfig) -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]:
    index = {q.queue_id: i for i, q in enumerate(config.queues)}
    ids = tuple(a.agent_id for a in config.agents)
    return ids, tuple(tuple(index[s] for s in a.skills if s in index) for a in config.agents)


def _minus(window: tuple[int, int], holes: list[tuple[int, int]]) -> tuple[tuple[float, float], ...]:
    """``window`` (minutes) less the ``holes``, as seconds."""
    start, end = window
    out = []
    for hole_start, hole_end in sorted(holes):
        if hole_start > start:
            out.append((start, min(hole_start, end)))
        start = max(start, hole_end)
    if start < end:
        out.append((start, end))
    # a night dated the day before the week (carried into it) is on the week's floor from Monday 00:00 only
    return tuple((float(max(a, 0) * SECONDS_PER_MINUTE), float(b * SECONDS_PER_MINUTE))
                 for a, b in out if b > max(a, 0))


def shifts_from_roster(config: PlanConfig, week: Week, roster: Roster) -> tuple[SimShift, ...]:
    """The roster's shifts as on-floor windows (a roster object, as the plan builds it); a shift dated the day
    before the week (a Sunday night the week before leaves on its floor, ``carried_cover.reaching``) counts from the
    week's Monday 00:00."""
    index = {a.agent_id: i for i, a in enumerate(config.agents)}
    shifts = []
    for shift in roster.shifts:
        offset = week.day_index(shift.date) * 24 * 60
        off_floor: tuple[BreakAssignment | ActivityAssignment, ...] = (*shift.breaks, *shift.activities)
        holes = [(offset + s.start_minute, offset + s.start_minute + s.minutes) for s in off_floor]
        shifts.append(SimShift(index[shift.agent_id],
                               _minus((offset + shift.start_minute, offset + shift.end_minute), holes)))
    return tuple(shifts)


def shifts_from_segments(config: PlanConfig, week: Week, rows: list[tuple[str, int, str, int, int]],
                         source: str) -> tuple[SimShift, ...]:
    """Shifts from roster rows ``(agent_id, day_index, activity, start_minute, end_minute)`` (minutes from the
    week's Monday 00:00): each ``shift`` row less the other rows of that agent and day. Day -1 is the day before the
    week: its night shifts count from Monday 00:00 (the rows of a horizon's earlier week)."""
    index = {a.agent_id: i for i, a in enumerate(config.agents)}
    windows: dict[tuple[str, int], tuple[int, int]] = {}
    holes: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for row, (agent, day, activity, start, end) in enumerate(rows):
        if agent not in index:
            raise InputError(f"{source} row {row + 2}: agent {agent!r} is not in {config.agents_path.name}")
        if not -1 <= day < 7:
            raise InputError(f"{source} row {row + 2}: date outside the week of {week.start}")
        if end <= start:
            raise InputError(f"{source} row {row + 2}: end is not after start")
        if activity == "shift":
            if (agent, day) in windows:
                raise InputError(f"{source} row {row + 2}: a second shift for {agent} on the same day")
            windows[agent, day] = (start, end)
        else:
            holes[agent, day].append((start, end))
    return tuple(SimShift(index[agent], _minus(window, holes[agent, day]))
                 for (agent, day), window in sorted(windows.items(), key=lambda kv: (index[kv[0][0]], kv[0][1])))


def simulation_input(config: PlanConfig, week: Week, forecast: pd.DataFrame, shifts: tuple[SimShift, ...],
                     source: str = "forecast") -> SimulationInput:
    contacts, aht = demand_arrays(config, week, forecast, source)
    ids, skills = agent_skills(config)
    # proficiency p on a queue: the agent's handle time there is the forecast AHT / p (docs/config.md, levels)
    factors = (np.array([[1.0 / a.proficiency(q.queue_id) for q in config.queues] for a in config.agents])
               if any(a.proficiencies for a in config.agents) else np.ones((0, 0)))
    return SimulationInput(week=week, queues=sim_queues(config, week), contacts=contacts, aht_seconds=aht,
                           agent_ids=ids, skills=skills, shifts=shifts, absence_rate=float(config.shrinkage),
                           handle_factor=factors)


def check_routing(routing: str) -> str:
    if routing not in ROUTINGS:
        raise InputError(f"--routing must be one of {', '.join(ROUTINGS)}, got {routing!r}")
    return routing
