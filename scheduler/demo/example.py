"""A seeded, realistic example contact centre, so a fresh clone can plan a week without outside data.

``generate_example`` writes three files into a folder: ``history.csv`` (whole weeks of 15-minute contact
counts and handle times per queue), ``agents.csv`` and ``plan.yaml`` (which names the other two by
relative path). The same arguments always give byte-identical files.

The synthetic centre is in Dublin: open Mon-Fri 08:00-20:00, Sat 09:00-17:00, Sun 10:00-16:00 (chat until
21:00 on weekdays). History ends on Sunday ``HISTORY_END``; the planned week is the Monday after. Exactly one
public holiday lies inside every history (St Patrick's Day, ``HOLIDAY``): the centre opens as usual but gets
about 15% of the normal volume, and the day after gets some of the deferred contacts. No other holiday is
simulated, even in histories long enough to reach one.

Volumes are calibrated to the agents: the planned week's expected contacts need ``TARGET_LOAD`` of the
productive hours (paid hours less paid breaks) the agents' contracts can give. Every queue is loaded to the
same share of the capacity of the agents skilled for it (a multi-skilled agent's hours are split evenly over
their skills). The need is the Erlang requirement the staffing stage computes (per 15-minute interval,
rounded up to whole agents, grossed up for shrinkage), not the simple estimate
``workload hours / PLANNING_OCCUPANCY / (1 - SHRINKAGE)``: that estimate ignores the Erlang queueing margin
and the whole-agent rounding of every interval, which together add a third to a 60-agent centre's need and
little to a 1,000-agent centre's, so calibrating on it would leave small centres short of agents. The simple
estimate is the upper bound of the search. 60, 150 and 1,000 agents thus all give instances that are
feasible but not trivial; very small centres with many queues cannot reach the target, as every open
interval of every queue needs at least one agent, and get the most volume that this floor covers.
"""

from __future__ import annotations

import csv
import io
import math
import operator
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from forecasting.queueing import erlang
from scheduler.demo.channels import (
    CHANNEL_SKILL_GROUPS,
    channel_lineup,
    channel_queue_yaml,
    night_factor,
    open_in_week,
    skipped_minutes,
)
from scheduler.demo.levels import with_levels
from scheduler.domain.clock import minute_to_clock
from scheduler.domain.plan import WEEKDAYS, BreakRule, Contract, ShiftTemplate, TimeWindow
from scheduler.errors import InputError
from scheduler.io.agents_csv import parse_availability
from scheduler.io.config import load_config

HISTORY_END = date(2026, 3, 29)  # a Sunday; fixed so that output never depends on today's date
HOLIDAY = date(2026, 3, 17)  # St Patrick's Day, a Tuesday, inside every history of 3 weeks or more
HOLIDAY_NAME = "St Patrick's Day"
TIMEZONE = "Europe/Dublin"
INTERVAL_MINUTES = 15
SHRINKAGE = 0.10
PLANNING_OCCUPANCY = 0.85
TARGET_LOAD = 0.75  # Erlang-required agent-hours / productive agent-hours the contracts can give
# Volume multipliers searched, relative to the simple estimate's volume (which is an upper bound).
CALIBRATION_MULTIPLIERS = np.geomspace(0.05, 1.0, 150)
# As forecasting.queueing.staffing: heads grossed up for shrinkage are rounded before the ceiling (float noise).
GROSS_UP_DECIMALS = 9
MAX_OCCUPANCY = 0.85
HOLIDAY_VOLUME_FACTOR = 0.15
DAY_AFTER_HOLIDAY_FACTOR = 1.10  # some contacts deferred from the holiday arrive the next day
WEEKLY_GROWTH = 0.003  # mild upward trend, per week; the planned week is the calibration point
DAY_NOISE_SIGMA = 0.04  # day-to-day over-dispersion of volumes beyond Poisson noise (log scale)
MIN_AHT_SECONDS = 1.0  # the shortest mean handle time written to the history
TIME_OFF_SHARE = 0.05
HISTORY_WEEKS_USED = 8
SMALL_CENTRE_AGENTS = 100
SMALL_CENTRE_TIME_LIMIT_SECONDS = 45.0
LARGE_CENTRE_TIME_LIMIT_SECONDS = 90.0

MIN_QUEUES, MAX_QUEUES = 1, 50
MIN_WEEKS, MAX_WEEKS = 3, 104
MAX_AGENTS = 10_000
MIN_TIME_LIMIT_SECONDS, MAX_TIME_LIMIT_SECONDS = 0.001, 86_400.0

SECONDS_PER_HOUR = 3600
MINUTES_PER_HOUR = 60

_WEEKDAY_FIVE = (0, 1, 2, 3, 4)
_CENTRE_CLOSE_WEEKDAY = 20 * 60
_CHAT_CLOSE_WEEKDAY = 21 * 60
_CENTRE_OPEN_WEEKDAY = 8 * 60
_SATURDAY_HOURS = (9 * 60, 17 * 60)
_SUNDAY_HOURS = (10 * 60, 16 * 60)


@dataclass(frozen=True)
class QueueProfile:
    """A queue of the example and the shape of its demand.

    ``day_weights`` are relative day totals, Monday first. The intraday shape is a morning peak at
    ``peak_hour`` (later on weekends), an afternoon shoulder of relative height ``shoulder`` and a level
    that moves from a daytime base to ``evening_level`` after 16:30. Handle times are ``aht_seconds`` by day
    and grow by ``evening_aht_uplift`` towards closing; ``handle_cv`` is the coefficient of variation of one
    contact's handle time, which sets how noisy an interval's average is.
    """

    queue_id: str
    channel: str
    service_level_target: float
    answer_seconds: int
    aht_seconds: int
    concurrency: int
    weekday_close_minute: int
    day_weights: tuple[float, ...]
    peak_hour: float
    shoulder: float
    evening_level: float
    evening_aht_uplift: float
    handle_cv: float
    # Other channels (``--channels``, scheduler.demo.channels): a deadline makes the queue deferred; contacts
    # arrive around the clock when ``all_day`` (email, social, a chat behind a bot); ``bot_containment`` is the
    # share a bot answers.
    deadline_minutes: int | None = None
    deadline_clock: str = "open_hours"
    all_day: bool = False
    bot_containment: float | None = None

    def hours(self, weekday: int) -> tuple[int, int]:
        if weekday < 5:
            return (_CENTRE_OPEN_WEEKDAY, self.weekday_close_minute)
        return _SATURDAY_HOURS if weekday == 5 else _SUNDAY_HOURS


_VOICE_DAYS = (1.28, 1.10, 1.03, 0.97, 0.90, 0.45, 0.20)
_SALES_DAYS = (1.20, 1.08, 1.02, 0.97, 0.92, 0.52, 0.22)
_CHAT_DAYS = (1.15, 1.06, 1.02, 0.98, 0.92, 0.62, 0.38)
_BILLING_DAYS = (1.25, 1.08, 1.00, 0.97, 0.95, 0.40, 0.15)

_CATALOGUE: dict[str, QueueProfile] = {
    p.queue_id: p
    for p in (
        QueueProfile("voice", "voice", 0.80, 20, 360, 1, _CENTRE_CLOSE_WEEKDAY, _VOICE_DAYS,
                      10.5, 0.70, 0.22, 0.12, 0.9),
        QueueProfile("sales", "voice", 0.80, 20, 280, 1, _CENTRE_CLOSE_WEEKDAY, _SALES_DAYS,
                      11.0, 0.80, 0.30, 0.10, 0.9),
        QueueProfile("service", "voice", 0.80, 30, 420, 1, _CENTRE_CLOSE_WEEKDAY, _VOICE_DAYS,
                      10.25, 0.65, 0.22, 0.15, 0.9),
        QueueProfile("chat", "chat", 0.80, 60, 540, 2, _CHAT_CLOSE_WEEKDAY, _CHAT_DAYS,
                      10.75, 0.85, 0.55, 0.10, 0.7),
        QueueProfile("billing", "voice", 0.80, 30, 360, 1, _CENTRE_CLOSE_WEEKDAY, _BILLING_DAYS,
                      10.5, 0.75, 0.20, 0.10, 0.9),
        QueueProfile("retention", "voice", 0.80, 30, 600, 1, _CENTRE_CLOSE_WEEKDAY, _SALES_DAYS,
                      11.5, 0.80, 0.30, 0.12, 0.8),
        QueueProfile("technical", "voice", 0.80, 60, 720, 1, _CENTRE_CLOSE_WEEKDAY, _VOICE_DAYS,
                      10.0, 0.75, 0.40, 0.15, 0.8),
    )
}

_LINEUPS: dict[int, tuple[str, ...]] = {
    1: ("voice",),
    2: ("voice", "chat"),
    3: ("sales", "service", "chat"),
    4: ("sales", "service", "chat", "billing"),
    5: ("sales", "service", "chat", "billing", "retention"),
    6: ("sales", "service", "chat", "billing", "retention", "technical"),
}

# Beyond six queues, more lines of the voice queues (sales2, service2, ...): each line a queue of its own with
# the demand shape of its base, agents skilled for the line alone or for the line and its base.
_EXTRA_LINE_BASES = ("sales", "service", "billing", "retention", "technical")
_EXTRA_LINE_GROUPS = ((False, 5.0), (True, 3.0))  # (with the base queue, relative frequency)


def _lineup(queues: int) -> tuple[QueueProfile, ...]:
    """The queue profiles of a centre of ``queues`` queues (the catalogue's lineups, then extra lines)."""
    if queues in _LINEUPS:
        return tuple(_CATALOGUE[q] for q in _LINEUPS[queues])
    extra = []
    for number in range(queues - len(_LINEUPS[6])):
        base = _EXTRA_LINE_BASES[number % len(_EXTRA_LINE_BASES)]
        extra.append(replace(_CATALOGUE[base], queue_id=f"{base}{number // len(_EXTRA_LINE_BASES) + 2}"))
    return (*_lineup(6), *extra)


def _skill_groups(queue_ids: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], float], ...]:
    """``_SKILL_GROUPS`` plus, for each extra line (a queue numbered after another of the lineup: ``sales2``, and
    a channel named twice: ``chat2``, ``email2``), its own group and the group of the line and its base."""
    extra = []
    for queue_id in queue_ids:
        base = queue_id.rstrip("0123456789")
        if base == queue_id or base not in queue_ids:
            continue
        for with_base, weight in _EXTRA_LINE_GROUPS:
            extra.append(((base, queue_id) if with_base else (queue_id,), weight))
    return (*_SKILL_GROUPS, *extra)


# Skill sets and their relative frequency; a set is used when all its queues are in the lineup.
_SKILL_GROUPS: tuple[tuple[tuple[str, ...], float], ...] = (
    (("voice",), 65.0),
    (("voice", "chat"), 25.0),
    (("chat",), 10.0),
    (("sales",), 18.0),
    (("service",), 22.0),
    (("sales", "service"), 22.0),
    (("chat",), 6.0),
    (("service", "chat"), 12.0),
    (("sales", "service", "chat"), 6.0),
    (("billing",), 6.0),
    (("service", "billing"), 6.0),
    (("retention",), 4.0),
    (("sales", "retention"), 4.0),
    (("technical",), 6.0),
    (("service", "technical"), 4.0),
    *CHANNEL_SKILL_GROUPS,
)

_CONTRACT_MIX = (("full_time", 0.65), ("part_time", 0.25), ("weekend", 0.10))


@dataclass(frozen=True)
class ExampleAgent:
    """One row of the agents CSV, availability as written there."""

    agent_id: str
    contract_id: str
    skills: tuple[str, ...]
    availability: str
    time_off: tuple[date, ...]


@dataclass(frozen=True)
class ExampleCentre:
    """The generated centre before it is written: its queues, rules, agents and calibrated volumes.

    Per queue, for the planned week's expected volumes: ``weekly_contacts``, ``weekly_workload_hours``
    (contacts x AHT, divided by chat concurrency) and ``erlang_agent_hours`` (the Erlang head count of every
    interval grossed up for shrinkage, summed, in agent-hours). ``productive_hours`` is what the agents'
    contracts can give at most (paid hours less paid breaks), all queues together.
    """

    queues: tuple[QueueProfile, ...]
    templates: tuple[ShiftTemplate, ...]
    contracts: tuple[Contract, ...]
    agents: tuple[ExampleAgent, ...]
    weekly_contacts: dict[str, float]
    weekly_workload_hours: dict[str, float]
    erlang_agent_hours: dict[str, float]
    productive_hours: float

    @property
    def simple_required_agent_hours(self) -> float:
        """The simple estimate: workload hours / planning occupancy / (1 - shrinkage)."""
        return sum(self.weekly_workload_hours.values()) / PLANNING_OCCUPANCY / (1.0 - SHRINKAGE)

    @property
    def required_agent_hours(self) -> float:
        """Erlang-required agent-hours of the planned week, all queues."""
        return sum(self.erlang_agent_hours.values())


# --- arguments -------------------------------------------------------------------------------------------


def _whole_number(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise InputError(f"{name} must be a whole number, got {value!r}")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise InputError(f"{name} must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise InputError(f"{name} must be between {low} and {high}, got {number}")
    return number


def _check_time_limit(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"time_limit_seconds must be a finite number, got {value!r}")
    if not MIN_TIME_LIMIT_SECONDS <= value <= MAX_TIME_LIMIT_SECONDS:
        raise InputError(
            f"time_limit_seconds must be between {MIN_TIME_LIMIT_SECONDS:g} and {MAX_TIME_LIMIT_SECONDS:g}, "
            f"got {value!r}"
        )
    return float(value)


# --- rules: templates and contracts ----------------------------------------------------------------------


def _break(name: str, kind: str, minutes: int, paid: bool, earliest: int, latest: int) -> BreakRule:
    return BreakRule(name, kind, minutes, paid, earliest, latest)


def _templates(close_minute: int) -> tuple[ShiftTemplate, ...]:
    """The shift templates; ``close_minute`` is the latest weekday closing time of any queue."""
    full_day_breaks = (
        _break("break1", "break", 15, True, 90, 180),
        _break("lunch", "lunch", 30, False, 210, 300),
        _break("break2", "break", 15, True, 330, 420),
    )
    day_length = 510
    return (
        ShiftTemplate("day8", day_length, 7 * 60 + 45, 10 * 60, 15, _WEEKDAY_FIVE, full_day_breaks, 60),
        ShiftTemplate("late8", day_length, 10 * 60 + 30, close_minute - day_length, 30, _WEEKDAY_FIVE,
                      full_day_breaks, 60),
        ShiftTemplate("part4", 240, 8 * 60, close_minute - 240, 30, tuple(range(7)),
                      (_break("break", "break", 15, True, 90, 150),), 60),
        ShiftTemplate("part6", 390, 8 * 60, close_minute - 390, 30, tuple(range(6)),
                      (_break("break", "break", 15, True, 60, 150),
                       _break("lunch", "lunch", 30, False, 180, 270)), 60),
        # Saturday opens 09:00-17:00, so the weekend day shift is 8 h long with an unpaid lunch (7.5 h paid).
        ShiftTemplate("weekend8", 480, 9 * 60, 9 * 60, 15, (5,),
                      (_break("break1", "break", 15, True, 90, 150),
                       _break("lunch", "lunch", 30, False, 180, 270),
                       _break("break2", "break", 15, True, 330, 390)), 60),
        # Fits Sunday's 10:00-16:00 and Saturday mornings.
        ShiftTemplate("weekend6", 360, 9 * 60, 11 * 60, 30, (5, 6),
                      (_break("break1", "break", 15, True, 60, 150),
                       _break("break2", "break", 15, True, 210, 300)), 60),
    )


def _contracts() -> tuple[Contract, ...]:
    hour = MINUTES_PER_HOUR
    return (
        Contract("full_time", 36 * hour, 40 * hour, 5, 11 * hour, 5, 22.0, ("day8", "late8", "weekend8", "weekend6")),
        Contract("part_time", 16 * hour, 30 * hour, 5, 11 * hour, 5, 20.0, ("part4", "part6", "weekend6")),
        Contract("weekend", 8 * hour, 16 * hour, 2, 11 * hour, 2, 23.0, ("weekend8", "weekend6")),
    )


# --- agents ----------------------------------------------------------------------------------------------


def _largest_remainder(total: int, shares: Sequence[float]) -> list[int]:
    """Split ``total`` into whole counts proportional to ``shares`` (deterministic)."""
    weight = sum(shares)
    exact = [total * s / weight for s in shares]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _best_day_shift(
    weekday: int, window: TimeWindow | None, contract: Contract, templates: dict[str, ShiftTemplate]
) -> ShiftTemplate | None:
    """The allowed template with the most paid minutes that fits the day's availability, if any."""
    if window is None:
        return None
    best: ShiftTemplate | None = None
    for template_id in contract.template_ids:
        template = templates[template_id]
        if weekday not in template.weekdays:
            continue
        if not any(window.contains(s, s + template.length_minutes) for s in template.start_minutes()):
            continue
        if best is None or template.paid_minutes > best.paid_minutes:
            best = template
    return best


def _paid_break_minutes(template: ShiftTemplate) -> int:
    return sum(b.minutes for b in template.breaks if b.paid)


def _week_days(
    agent: ExampleAgent, contract: Contract, templates: dict[str, ShiftTemplate], week_start: date
) -> list[ShiftTemplate]:
    """The best shift of each day the agent can work in the week (not on time off), most paid first."""
    windows = parse_availability(agent.availability)
    days = []
    for weekday in range(7):
        if week_start + timedelta(days=weekday) in agent.time_off:
            continue
        best = _best_day_shift(weekday, windows[weekday], contract, templates)
        if best is not None:
            days.append(best)
    return sorted(days, key=lambda t: (-t.paid_minutes, _paid_break_minutes(t)))


def _can_meet_minimum(
    agent: ExampleAgent, contract: Contract, templates: dict[str, ShiftTemplate], week_start: date
) -> bool:
    """Whether the agent can reach the contract's weekly minimum, time-off credit included.

    Conservative: each day of time off is also taken to use up one of the contract's working days.
    """
    off_days = sum(1 for d in agent.time_off if 0 <= (d - week_start).days < 7)
    needed = contract.min_weekly_minutes - off_days * (contract.min_weekly_minutes // contract.max_days_per_week)
    days = _week_days(agent, contract, templates, week_start)[: max(contract.max_days_per_week - off_days, 0)]
    return sum(t.paid_minutes for t in days) >= needed


def _productive_minutes(
    agent: ExampleAgent, contract: Contract, templates: dict[str, ShiftTemplate], week_start: date
) -> float:
    """Most productive minutes (paid time less paid breaks) the agent can give in the week."""
    days = _week_days(agent, contract, templates, week_start)[: contract.max_days_per_week]
    paid = sum(t.paid_minutes for t in days)
    productive = float(sum(t.paid_minutes - _paid_break_minutes(t) for t in days))
    if paid > contract.max_weekly_minutes:
        productive *= contract.max_weekly_minutes / paid
    return productive


# Availability patterns per contract and their probabilities; {close} is the last weekday closing time.
# Full-timers: any time, early shifts only, late shifts only. Part-timers: any time, school hours, evenings.
_AVAILABILITY: dict[str, tuple[tuple[str, float], ...]] = {
    "full_time": (("", 0.70), ("mon-fri 07:00-18:30", 0.15), ("mon-fri 10:00-{close}", 0.15)),
    "part_time": (("", 0.40), ("mon-fri 09:00-15:00", 0.40), ("mon-fri 16:00-{close}", 0.20)),
    "weekend": (("sat-sun 08:00-20:00", 1.0),),
}


def _agents(
    rng: np.random.Generator,
    count: int,
    queue_ids: tuple[str, ...],
    contracts: dict[str, Contract],
    templates: dict[str, ShiftTemplate],
    close_minute: int,
    week_start: date,
) -> tuple[ExampleAgent, ...]:
    contract_ids = [c for c, _ in _CONTRACT_MIX]
    contract_counts = _largest_remainder(count, [s for _, s in _CONTRACT_MIX])
    contract_of = [cid for cid, n in zip(contract_ids, contract_counts, strict=True) for _ in range(n)]
    contract_of = [contract_of[i] for i in rng.permutation(count)]

    groups: dict[tuple[str, ...], float] = {}
    for skills, weight in _skill_groups(queue_ids):
        if all(s in queue_ids for s in skills):
            groups[skills] = groups.get(skills, 0.0) + weight
    group_list = list(groups)
    group_counts = _largest_remainder(count, list(groups.values()))
    grouped = [g for g, n in zip(group_list, group_counts, strict=True) for _ in range(n)]
    skills_of = [list(grouped[i]) for i in rng.permutation(count)]
    # Small centres: every queue needs someone skilled for it.
    for queue_id in queue_ids:
        if not any(queue_id in s for s in skills_of):
            fewest = min(range(count), key=lambda i: (len(skills_of[i]), i))
            skills_of[fewest].append(queue_id)

    width = max(3, len(str(count)))
    rows = []
    for i in range(count):
        contract_id = contract_of[i]
        patterns = _AVAILABILITY[contract_id]
        choice = int(rng.choice(len(patterns), p=[p for _, p in patterns]))
        availability = patterns[choice][0].format(close=minute_to_clock(close_minute))
        ordered_skills = tuple(q for q in queue_ids if q in skills_of[i])
        rows.append(ExampleAgent(f"A{i + 1:0{width}d}", contract_id, ordered_skills, availability, ()))

    # Approved time off: whole consecutive days inside the planned week, on days the agent could work.
    for i in sorted(int(x) for x in rng.choice(count, size=round(TIME_OFF_SHARE * count), replace=False)):
        row = rows[i]
        contract = contracts[row.contract_id]
        windows = parse_availability(row.availability)
        # Weekday staff take leave on weekdays; weekend staff on their weekend days.
        candidates = range(7) if row.contract_id == "weekend" else _WEEKDAY_FIVE
        workable = [d for d in candidates if _best_day_shift(d, windows[d], contract, templates) is not None]
        length = int(rng.integers(1, 4))
        first = int(rng.integers(0, len(workable)))
        while length > 0:
            days = workable[first:first + length]
            candidate = ExampleAgent(row.agent_id, row.contract_id, row.skills, row.availability,
                                     tuple(week_start + timedelta(days=d) for d in days))
            if _can_meet_minimum(candidate, contract, templates, week_start):
                rows[i] = candidate
                break
            length -= 1
    return tuple(rows)


# --- demand ----------------------------------------------------------------------------------------------


def _interval_starts(profile: QueueProfile, weekday: int) -> np.ndarray:
    """Starts (minutes of the day) of the intervals contacts arrive in: the opening hours, or all day."""
    open_minute, close_minute = (0, 24 * MINUTES_PER_HOUR) if profile.all_day else profile.hours(weekday)
    return np.arange(open_minute, close_minute, INTERVAL_MINUTES)


def _intraday_shape(profile: QueueProfile, weekday: int) -> np.ndarray:
    """Share of the day's contacts in each open interval of the day (sums to 1)."""
    hours = (_interval_starts(profile, weekday) + INTERVAL_MINUTES / 2) / MINUTES_PER_HOUR
    peak = profile.peak_hour + (0.75 if weekday >= 5 else 0.0)
    morning = np.exp(-0.5 * ((hours - peak) / 1.3) ** 2)
    afternoon = profile.shoulder * np.exp(-0.5 * ((hours - 14.75) / 1.7) ** 2)
    base_day = 0.30
    evening = base_day + (profile.evening_level - base_day) * np.clip((hours - 16.5) / 4.0, 0.0, 1.0)
    shape = morning + afternoon + evening
    if profile.all_day:
        shape = shape * night_factor(hours)
    return shape / shape.sum()


def _aht_shape(profile: QueueProfile, weekday: int) -> np.ndarray:
    """Expected handle time (seconds) of each open interval of the day."""
    hours = (_interval_starts(profile, weekday) + INTERVAL_MINUTES / 2) / MINUTES_PER_HOUR
    evening = profile.evening_aht_uplift * np.clip((hours - 17.0) / 4.0, 0.0, 1.0)
    weekend = 0.04 if weekday >= 5 else 0.0
    return profile.aht_seconds * (1.0 + evening + weekend)


def _unit_workload_hours(profile: QueueProfile) -> float:
    """Workload hours of a week with one contact per unit of day weight (concurrency applied)."""
    seconds = sum(
        profile.day_weights[d] * float(np.dot(_intraday_shape(profile, d), _aht_shape(profile, d)))
        for d in range(7)
    )
    return seconds / SECONDS_PER_HOUR / profile.concurrency


def _week_intervals(profile: QueueProfile) -> tuple[np.ndarray, np.ndarray]:
    """Expected contacts per unit of day weight and expected AHT of every open interval of a week."""
    contacts = [profile.day_weights[d] * _intraday_shape(profile, d) for d in range(7)]
    return np.concatenate(contacts), np.concatenate([_aht_shape(profile, d) for d in range(7)])


def _erlang_agent_hours(profile: QueueProfile, units: np.ndarray) -> np.ndarray:
    """Erlang-required agent-hours of a week for each scale in ``units`` (contacts per unit day weight); a
    deferred queue needs its workload grossed up for shrinkage, a queue behind a bot Erlang for the escalations
    in its hours."""
    if profile.deadline_minutes is not None:
        return units * _unit_workload_hours(profile) / (1.0 - SHRINKAGE)
    per_unit, aht = _week_intervals(profile)
    if profile.bot_containment is not None:
        per_unit = per_unit * (1.0 - profile.bot_containment) * open_in_week(profile)
    load = units[:, None] * per_unit[None, :] * aht[None, :] / (INTERVAL_MINUTES * MINUTES_PER_HOUR)
    heads = erlang.chat_required_agents(load, aht[None, :], profile.answer_seconds, profile.service_level_target,
                                        profile.concurrency, MAX_OCCUPANCY)
    gross = np.ceil(np.round(np.asarray(heads) / (1.0 - SHRINKAGE), GROSS_UP_DECIMALS))
    return gross.sum(axis=1) * INTERVAL_MINUTES / MINUTES_PER_HOUR


def _calibrated_units(profile: QueueProfile, simple_units: float, target_hours: float) -> float:
    """Contacts per unit day weight whose Erlang requirement is ``target_hours`` (interpolated on a grid)."""
    units = simple_units * CALIBRATION_MULTIPLIERS
    hours = _erlang_agent_hours(profile, units)
    below = np.flatnonzero(hours <= target_hours)
    if below.size == 0:  # one agent (grossed up) in every open interval already exceeds the target
        return float(units[np.flatnonzero(hours == hours[0])[-1]])
    i = int(below[-1])
    if i == len(units) - 1 or hours[i + 1] == hours[i]:
        return float(units[i])
    share = (target_hours - hours[i]) / (hours[i + 1] - hours[i])
    return float(units[i] + share * (units[i + 1] - units[i]))


def build_centre(agents: int, queues: int, seed: int, channels: Sequence[str] | None = None) -> ExampleCentre:
    """The example centre's queues, rules, agents and calibrated weekly volumes (nothing is written);
    ``channels`` (e.g. ``voice,voice,chat,email,social``) picks the queues instead of ``queues``."""
    agents = _whole_number("agents", agents, 1, MAX_AGENTS)
    queues = _whole_number("queues", queues, MIN_QUEUES, MAX_QUEUES)
    seed = _whole_number("seed", seed, 0, 2**63 - 1)
    agents_rng, _ = np.random.default_rng(seed).spawn(2)
    profiles = _lineup(queues) if channels is None else channel_lineup(channels, _lineup(6), _EXTRA_LINE_BASES)
    queue_ids = tuple(p.queue_id for p in profiles)
    close_minute = max(p.weekday_close_minute for p in profiles)
    templates = _templates(close_minute)
    contracts = _contracts()
    template_map = {t.template_id: t for t in templates}
    contract_map = {c.contract_id: c for c in contracts}
    week_start = HISTORY_END + timedelta(days=1)
    rows = _agents(agents_rng, agents, queue_ids, contract_map, template_map, close_minute, week_start)

    capacity_hours = dict.fromkeys(queue_ids, 0.0)
    for row in rows:
        minutes = _productive_minutes(row, contract_map[row.contract_id], template_map, week_start)
        for skill in row.skills:
            capacity_hours[skill] += minutes / MINUTES_PER_HOUR / len(row.skills)
    contacts, workload, need = {}, {}, {}
    for profile in profiles:
        target_hours = TARGET_LOAD * capacity_hours[profile.queue_id]
        simple_units = target_hours * PLANNING_OCCUPANCY * (1.0 - SHRINKAGE) / _unit_workload_hours(profile)
        if profile.deadline_minutes is None:
            units = _calibrated_units(profile, simple_units, target_hours)
        else:  # deferred work has no queueing margin: its need is its workload
            units = simple_units / PLANNING_OCCUPANCY
        contacts[profile.queue_id] = units * sum(profile.day_weights)
        workload[profile.queue_id] = units * _unit_workload_hours(profile)
        need[profile.queue_id] = float(_erlang_agent_hours(profile, np.array([units]))[0])
    return ExampleCentre(profiles, templates, contracts, rows, contacts, workload, need,
                         sum(capacity_hours.values()))


def _history_csv(centre: ExampleCentre, weeks: int, rng: np.random.Generator) -> str:
    first_day = HISTORY_END - timedelta(days=7 * weeks - 1)
    days = [first_day + timedelta(days=i) for i in range(7 * weeks)]
    per_queue: list[dict[date, tuple[np.ndarray, np.ndarray, np.ndarray]]] = []
    for profile in centre.queues:
        # Expected contacts per unit of day weight, at the planned week's level.
        scale = centre.weekly_contacts[profile.queue_id] / sum(profile.day_weights)
        day_noise = np.exp(rng.normal(-DAY_NOISE_SIGMA**2 / 2, DAY_NOISE_SIGMA, size=len(days)))
        by_day = {}
        for index, day in enumerate(days):
            weekday = day.weekday()
            weeks_before_plan = weeks - index // 7
            level = scale * profile.day_weights[weekday] * (1.0 + WEEKLY_GROWTH) ** (-weeks_before_plan)
            if day == HOLIDAY:
                level *= HOLIDAY_VOLUME_FACTOR
            elif day == HOLIDAY + timedelta(days=1):
                level *= DAY_AFTER_HOLIDAY_FACTOR
            expected = level * day_noise[index] * _intraday_shape(profile, weekday)
            counts = rng.poisson(expected)
            # The mean of n handle times with coefficient of variation cv: gamma, shape n / cv^2.
            shape = np.maximum(counts, 1) / profile.handle_cv**2
            aht = rng.gamma(shape, _aht_shape(profile, weekday) / shape)
            by_day[day] = (_interval_starts(profile, weekday), counts, aht)
        per_queue.append(by_day)

    out = io.StringIO()
    out.write("interval_start,queue,contacts,aht_seconds\n")
    for day in days:
        stamp = day.isoformat()
        rows: list[tuple[int, int, str]] = []
        skipped = skipped_minutes(day, TIMEZONE)  # the spring change's missing hour (queues open all night)
        for order, (profile, by_day) in enumerate(zip(centre.queues, per_queue, strict=True)):
            starts, counts, aht = by_day[day]
            for minute, count, seconds in zip(starts.tolist(), counts.tolist(), aht.tolist(), strict=True):
                if minute in skipped:
                    continue
                # a mean handle time under a second (a lone email drawn from a wide gamma) is not a real one
                shown = f"{max(seconds, MIN_AHT_SECONDS):.1f}" if count > 0 else ""
                line = f"{stamp}T{minute_to_clock(minute)}:00,{profile.queue_id},{count},{shown}\n"
                rows.append((minute, order, line))
        rows.sort()
        out.writelines(line for _, _, line in rows)
    return out.getvalue()


def _agents_csv(centre: ExampleCentre) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("agent_id", "contract", "skills", "availability", "time_off"))
    for row in centre.agents:
        writer.writerow((row.agent_id, row.contract_id, ";".join(row.skills), row.availability,
                         ";".join(d.isoformat() for d in row.time_off)))
    return out.getvalue()


# --- plan YAML -------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    """A YAML number with fixed formatting: whole numbers without a point, others with up to 3 decimals."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _clock(minute: int) -> str:
    return f'"{minute_to_clock(minute)}"'


def _hours_yaml(profile: QueueProfile, indent: str) -> list[str]:
    return [f'{indent}{WEEKDAYS[d]}: "{minute_to_clock(a)}-{minute_to_clock(b)}"'
            for d in range(7) for a, b in [profile.hours(d)]]


def _plan_yaml(centre: ExampleCentre, agents: int, weeks: int, seed: int, time_limit_seconds: float) -> str:
    week_start = HISTORY_END + timedelta(days=1)
    centre_hours = _CATALOGUE["voice"]
    lines = [
        f"# Example contact centre: {agents} agents, {len(centre.queues)} queues, {weeks} weeks of history, "
        f"seed {seed}.",
        "# Generated by scheduler.demo.example.generate_example; the format is documented in docs/config.md.",
        "centre:",
        f'  name: "Example centre ({agents} agents, {len(centre.queues)} queues)"',
        f"  timezone: {TIMEZONE}",
        f"  interval_minutes: {INTERVAL_MINUTES}",
        "  opening_hours:",
        *_hours_yaml(centre_hours, "    "),
        "history: history.csv",
        "agents: agents.csv",
        "holidays:",
        f"  - {HOLIDAY.isoformat()}  # {HOLIDAY_NAME}: open, about {HOLIDAY_VOLUME_FACTOR:.0%} of normal volume",
        "forecast:",
        f"  history_weeks: {min(HISTORY_WEEKS_USED, weeks)}",
        f"  week_start: {week_start.isoformat()}",
        "queues:",
    ]
    for profile in centre.queues:
        if profile.deadline_minutes is not None or profile.bot_containment is not None:
            lines += channel_queue_yaml(profile, _number(profile.service_level_target), _number(MAX_OCCUPANCY))
        else:
            lines += [
                f"  - id: {profile.queue_id}",
                f"    channel: {profile.channel}",
                f"    service_level_target: {_number(profile.service_level_target)}",
                f"    answer_seconds: {profile.answer_seconds}",
                f"    default_aht_seconds: {profile.aht_seconds}",
                f"    max_occupancy: {_number(MAX_OCCUPANCY)}",
                f"    concurrency: {profile.concurrency}",
            ]
        if profile.weekday_close_minute != _CENTRE_CLOSE_WEEKDAY:
            lines += ["    opening_hours:", *_hours_yaml(profile, "      ")]
    lines += [
        f"shrinkage: {_number(SHRINKAGE)}  # unplanned absence only; breaks and lunches are scheduled",
        "shift_templates:",
    ]
    for template in centre.templates:
        lines += [
            f"  - id: {template.template_id}",
            f"    length_minutes: {template.length_minutes}",
            f"    earliest_start: {_clock(template.earliest_start_minute)}",
            f"    latest_start: {_clock(template.latest_start_minute)}",
            f"    start_step_minutes: {template.start_step_minutes}",
            f"    days: [{', '.join(WEEKDAYS[d] for d in template.weekdays)}]",
            f"    min_break_gap_minutes: {template.min_break_gap_minutes}",
            "    breaks:",
        ]
        for rule in template.breaks:
            lines += [
                f"      - {{name: {rule.name}, kind: {rule.kind}, minutes: {rule.minutes}, "
                f"paid: {'true' if rule.paid else 'false'}, "
                f"earliest_after_start_minutes: {rule.earliest_after_start_minutes}, "
                f"latest_after_start_minutes: {rule.latest_after_start_minutes}}}"
            ]
    lines.append("contracts:")
    for contract in centre.contracts:
        lines += [
            f"  - id: {contract.contract_id}",
            f"    min_weekly_hours: {_number(contract.min_weekly_minutes / MINUTES_PER_HOUR)}",
            f"    max_weekly_hours: {_number(contract.max_weekly_minutes / MINUTES_PER_HOUR)}",
            f"    max_days_per_week: {contract.max_days_per_week}",
            f"    min_rest_hours: {_number(contract.min_rest_minutes / MINUTES_PER_HOUR)}",
            f"    max_consecutive_days: {contract.max_consecutive_days}",
            f"    hourly_cost: {_number(contract.hourly_cost)}",
            f"    shift_templates: [{', '.join(contract.template_ids)}]",
        ]
    lines += [
        "objective:",
        "  understaffed_agent_interval: 1000",
        "  overstaffed_agent_interval: 10",
        "  paid_hour: 1",
        "solver:",
        f"  time_limit_seconds: {_number(time_limit_seconds)}",
        "  seed: 0",
        "  workers: 2",
        "  deterministic: true",
        "quality_gates:",
        "  service_level_drop: 0.005",
        "  understaffing_growth: 0.05",
    ]
    return "\n".join(lines) + "\n"


# --- writing ---------------------------------------------------------------------------------------------

OUTPUT_FILES = ("history.csv", "agents.csv", "plan.yaml")


def generate_example(
    out_dir: Path,
    *,
    agents: int = 60,
    queues: int = 3,
    weeks: int = 12,
    seed: int = 0,
    time_limit_seconds: float | None = None,
    channels: Sequence[str] | None = None,
    levels: bool = False,
) -> Path:
    """Write ``history.csv``, ``agents.csv`` and ``plan.yaml`` of a synthetic centre into ``out_dir``.

    ``agents`` >= 1 agents, ``queues`` in 1..50 (beyond 6, extra lines of the voice queues), ``weeks`` >= 3
    whole weeks of 15-minute history ending on
    Sunday ``HISTORY_END``; the plan is for the week after. ``time_limit_seconds`` is the solver's limit
    (default 45 s up to 100 agents, 90 s above). The files are built in a temporary folder beside
    ``out_dir``, checked with ``load_config`` and then moved in, each replaced atomically. Returns the path
    of ``plan.yaml``. ``channels`` (one of voice, chat, email, social, backoffice per queue; see
    ``scheduler.demo.channels``) picks the queues instead of ``queues``. Raises ``InputError`` for bad arguments.
    ``levels``: agent levels, proficiencies and a lead on the floor (``scheduler.demo.levels``).
    """
    agents = _whole_number("agents", agents, 1, MAX_AGENTS)
    queues = _whole_number("queues", queues, MIN_QUEUES, MAX_QUEUES)
    weeks = _whole_number("weeks", weeks, MIN_WEEKS, MAX_WEEKS)
    seed = _whole_number("seed", seed, 0, 2**63 - 1)
    limit = _check_time_limit(time_limit_seconds)
    if limit is None:
        limit = SMALL_CENTRE_TIME_LIMIT_SECONDS if agents <= SMALL_CENTRE_AGENTS else LARGE_CENTRE_TIME_LIMIT_SECONDS
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder")

    centre = build_centre(agents, queues, seed, channels)
    _, history_rng = np.random.default_rng(seed).spawn(2)
    contents = {
        "history.csv": _history_csv(centre, weeks, history_rng),
        "agents.csv": _agents_csv(centre),
        "plan.yaml": _plan_yaml(centre, agents, weeks, seed, limit),
    }
    if levels:
        contents["agents.csv"], contents["plan.yaml"] = with_levels(contents["agents.csv"], contents["plan.yaml"],
                                                                    seed)

    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    except OSError as error:  # a read-only folder: one line, nothing written
        raise InputError(f"--out {str(out_dir)!r}: cannot write in {str(out_dir.parent)!r} ({error.strerror})"
                         ) from None
    try:
        for name in OUTPUT_FILES:
            with (staging / name).open("w", encoding="utf-8", newline="") as handle:
                handle.write(contents[name])
                handle.flush()
                os.fsync(handle.fileno())
        load_config(staging / "plan.yaml")
        out_dir.mkdir(exist_ok=True)
        # plan.yaml last: whoever sees it finds the files it names complete.
        for name in OUTPUT_FILES:
            os.replace(staging / name, out_dir / name)
    except OSError as error:
        raise InputError(f"--out {str(out_dir)!r}: cannot write there ({error.strerror})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "plan.yaml"
