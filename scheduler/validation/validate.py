"""The independent roster validator: checks every hard labour rule on a roster.

It re-derives each rule from the semantics documented in ``scheduler.domain.plan`` and shares no code with the
CP-SAT model builder, so a modelling bug cannot hide itself. It works on wall-clock datetimes, not on the
model's slots or variables.

Conventions (the model builder must agree with them):

- A shift's *day* is the date its ``start`` falls on; the ``date`` column is a label that must equal it
  (rule ``segment_date``). A shift may end past midnight (a night shift), at most 12 hours past it (36:00
  of its day); it still counts on its start day for every day rule, and its hours past midnight are on the floor
  in the next day's intervals.
- A break or lunch row belongs to the agent's shift that wholly contains it (preferring the shift with the
  same ``date`` label); a break row inside no shift is a ``template`` violation.
- A shift matches the first template of its contract's ``template_ids`` that it fits exactly; its paid
  minutes are its length minus that template's unpaid break minutes. A shift fitting no template is
  counted with the first allowed template of the same length, else as wholly paid.
- Weekly rules (``weekly_hours``, ``max_days``, ``min_days``, ``max_consecutive_days``,
  ``min_consecutive_days_off``, ``max_weekend_days``) count the shifts whose day lies in the 7-day week and
  apply to every agent of the config, including agents with no shift. A day off is a day of the week with no
  shift, for any reason (time off included). Approved leave counts for these rules (``time_off_counts_as``, the
  weekly hours' credit) only on a day the agent could have worked (``could_work``: a template of its contract on
  that weekday fits inside its availability); leave on another day is an ordinary day off.
  ``min_consecutive_days_off`` judges only runs of days off that include neither the week's first nor its last
  day.
- ``shift_window`` compares each shift's start and end, as minutes after the midnight starting its day (an end
  the next day past 1440), with the contract's ``earliest_start_minute`` and ``latest_end_minute``.
- ``availability``: the shift lies inside the agent's window of its start's weekday; a night shift's part past
  midnight inside the next weekday's window, which must open at 00:00 (and the start day's must run to 24:00).
  ``min_rest`` applies between all consecutive shifts of an agent in the roster.
- A row whose ``activity`` is an ``activities[].id`` of the config is that activity, not a break: it is paid
  and off the floor, does not count towards the break cap or the template's breaks, and (rule ``activity``)
  must be taken by a named attendee, once per attendee in the week, wholly inside one of the agent's shifts,
  lasting the activity's minutes, on one of its weekdays, inside its window, overlapping none of that shift's
  breaks; a ``together`` activity at the same start for every attendee.
- Who is on the floor: an agent is on the floor in an interval their shift row covers and none of their break,
  lunch or activity rows does. A hard ``floor_rules[]`` entry needs at least ``min_agents`` of its agents (its
  ``agents`` list, or the agents whose ``level`` ranks at or above its ``level`` in ``levels[]``) on the floor
  in every interval of the week in which the centre (no ``queues``), or one of its queues, is open (rule
  ``floor_rule``), but for the first day's intervals before the latest end of a night shift template running on
  the day before (those are the previous week's to staff; where the roster before the week is known, the
  horizon's check counts them with it: ``first_hours_floor``); a hard ``ratio_rules[]`` entry allows at most
  ``max_juniors_per_senior`` agents at or below ``junior_level`` per agent at or above ``senior_level`` (rule
  ``ratio_rule``), in the same intervals. An agent without a level
  ranks as the most junior, and counts as no senior. Rule ``min_level``: no agent is skilled for a queue
  whose ``min_level`` ranks above the agent's level.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecasting.untrusted import excerpt
from scheduler.domain.plan import (
    WEEKDAYS,
    WEEKEND_WEEKDAYS,
    Agent,
    Contract,
    FloorRule,
    PlanConfig,
    ShiftTemplate,
    TimeWindow,
)
from scheduler.domain.roster import ROSTER_COLUMNS
from scheduler.errors import InputError
from scheduler.io.roster_csv import read_roster_rows

SHIFT = "shift"
DAYS_PER_WEEK = 7
SECONDS_PER_MINUTE = 60
MINUTES_PER_DAY = 24 * 60
NIGHT_HOURS_PAST_MIDNIGHT = 12  # a shift may end at most this long after the midnight that ends its start day

RULES = (
    "unknown_agent",
    "unknown_activity",
    "outside_week",
    "segment_date",
    "grid",
    "one_shift_per_day",
    "template",
    "weekly_hours",
    "max_days",
    "min_rest",
    "max_consecutive_days",
    "availability",
    "time_off",
    "min_days",
    "min_consecutive_days_off",
    "max_weekend_days",
    "shift_window",
    "max_late_shifts",
    "break_cap",
    "activity",
)


@dataclass(frozen=True)
class Violation:
    """One broken hard rule. ``date`` is the shift's day, or ``None`` for a rule over the whole week."""

    agent_id: str
    date: date | None
    rule: str
    detail: str


@dataclass(frozen=True)
class _Segment:
    """One roster row: ``row`` is its line in the source (header = row 1)."""

    row: int
    agent_id: str
    label: date
    activity: str
    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / SECONDS_PER_MINUTE

    @property
    def day(self) -> date:
        return self.start.date()

    def span(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end, self.start.date())}"


@dataclass(frozen=True)
class _Shift:
    segment: _Segment
    breaks: tuple[_Segment, ...]  # sorted by start

    @property
    def day(self) -> date:
        return self.segment.day


# ----------------------------------------------------------------------------------------------- reading


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):  # also pandas.Timestamp
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
    raise ValueError(value)


def _parse_datetime(value: Any) -> datetime:
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    elif isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if not isinstance(value, datetime):
        raise ValueError(value)
    if value.tzinfo is not None:
        raise ValueError("has a UTC offset; roster times are local")
    return value


def _segment(values: dict[str, Any], row: int, source: str) -> _Segment:
    where = f"{source} row {row}"
    for column in ROSTER_COLUMNS:
        value = values[column]
        if value is None or (not isinstance(value, str) and pd.isna(value)) or str(value).strip() == "":
            raise InputError(f"{where}, column {column}: is empty")
    try:
        label = _parse_date(values["date"])
    except ValueError:
        raise InputError(f"{where}, column date: {excerpt(values['date'])} is not a date YYYY-MM-DD") from None
    times: dict[str, datetime] = {}
    for column in ("start", "end"):
        try:
            times[column] = _parse_datetime(values[column])
        except ValueError as exc:
            reason = str(exc) if "offset" in str(exc) else "is not an ISO date-time YYYY-MM-DDTHH:MM:SS"
            raise InputError(f"{where}, column {column}: {excerpt(values[column])} {reason}") from None
    if times["end"] <= times["start"]:
        raise InputError(
            f"{where}, column end: {times['end'].isoformat()} is not after start {times['start'].isoformat()}"
        )
    return _Segment(
        row=row,
        agent_id=str(values["agent_id"]).strip(),
        label=label,
        activity=str(values["activity"]).strip(),
        start=times["start"],
        end=times["end"],
    )


def _frame(segments: Sequence[_Segment]) -> pd.DataFrame:
    index = pd.Index([s.row for s in segments], name="row", dtype="int64")
    return pd.DataFrame(
        {
            "agent_id": pd.Series([s.agent_id for s in segments], index=index, dtype=object),
            "date": pd.Series([s.label for s in segments], index=index, dtype=object),
            "activity": pd.Series([s.activity for s in segments], index=index, dtype=object),
            "start": pd.Series([s.start for s in segments], index=index, dtype="datetime64[s]"),
            "end": pd.Series([s.end for s in segments], index=index, dtype="datetime64[s]"),
        },
        index=index,
    )


def read_roster(path: Path) -> pd.DataFrame:
    """Read a roster CSV (``agent_id, date, activity, start, end``; other columns are ignored).

    Returns a frame with those five columns (``date`` holds ``datetime.date``, ``start``/``end`` naive
    datetimes), indexed by ``row``, the source line (header = row 1). A header-only file gives an empty
    frame. Raises ``InputError`` naming the file, row and column.
    """
    path = Path(path)
    segments = [_segment(values, row, path.name) for row, values in read_roster_rows(path)]
    return _frame(segments)


def _segments_of(roster: pd.DataFrame) -> list[_Segment]:
    """Rows of a roster frame, from ``read_roster`` or written by hand with ISO strings."""
    missing = [c for c in ROSTER_COLUMNS if c not in roster.columns]
    if missing:
        raise InputError(f"roster: missing column(s) {', '.join(missing)}")
    # Frames from read_roster carry their source lines; others are numbered as a CSV would be.
    rows = [int(r) for r in roster.index] if roster.index.name == "row" else list(range(2, len(roster) + 2))
    records = [{str(k): v for k, v in r.items()} for r in roster[list(ROSTER_COLUMNS)].to_dict("records")]
    return [_segment(values, row, "roster") for values, row in zip(records, rows, strict=True)]


# ------------------------------------------------------------------------------------------- formatting


def _minute_of_day(moment: datetime) -> float:
    return (moment - datetime.combine(moment.date(), time.min)).total_seconds() / SECONDS_PER_MINUTE


def _clock(moment: datetime, day: date | None = None) -> str:
    text = moment.strftime("%H:%M") + (f":{moment.second:02d}" if moment.second or moment.microsecond else "")
    if day is not None and moment.date() != day:
        if moment.time() == time.min and moment.date() == day + timedelta(days=1):
            return "24:00"
        text += f" (+{(moment.date() - day).days}d)"
    return text


def _hm(minute: float) -> str:
    whole = int(minute)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _hours(minutes: float) -> str:
    text = f"{minutes / 60:.2f}"
    return text[:-1] if text.endswith("0") else text


def _num(value: float) -> str:
    return f"{value:g}"


# --------------------------------------------------------------------------------------------- the rules


def _grid(segment: _Segment, interval_minutes: int) -> list[Violation]:
    step_seconds = interval_minutes * SECONDS_PER_MINUTE
    found = []
    for name, moment in (("start", segment.start), ("end", segment.end)):
        seconds = (moment - datetime.combine(moment.date(), time.min)).total_seconds()
        if seconds % step_seconds:
            found.append(
                Violation(segment.agent_id, segment.day, "grid",
                          f"{segment.activity} {name} {_clock(moment)} is off the {interval_minutes}-minute grid")
            )
    return found


def _assemble(segments: Sequence[_Segment]) -> tuple[list[_Shift], list[Violation]]:
    """Give each break row to the shift containing it; report break rows that fit no shift."""
    shifts = sorted((s for s in segments if s.activity == SHIFT), key=lambda s: (s.start, s.end, s.row))
    owned: dict[int, list[_Segment]] = {s.row: [] for s in shifts}
    found: list[Violation] = []
    for brk in sorted((s for s in segments if s.activity != SHIFT), key=lambda s: (s.start, s.end, s.row)):
        hosts = [s for s in shifts if s.start <= brk.start and brk.end <= s.end]
        if not hosts:
            found.append(Violation(brk.agent_id, brk.label, "template",
                                   f"{brk.activity} {brk.span()} on {brk.day} lies inside no shift"))
            continue
        host = min(hosts, key=lambda s: (s.label != brk.label, s.start, s.row))
        owned[host.row].append(brk)
        if brk.label != host.label:
            found.append(Violation(brk.agent_id, host.day, "segment_date",
                                   f"{brk.activity} {brk.span()} is dated {brk.label}, its shift {host.label}"))
    return [_Shift(s, tuple(owned[s.row])) for s in shifts], found


def _segment_date(shift: _Shift) -> list[Violation]:
    seg = shift.segment
    found = []
    if seg.label != seg.day:
        found.append(Violation(seg.agent_id, seg.day, "segment_date",
                               f"shift {seg.span()} starts on {seg.day} but is dated {seg.label}"))
    if seg.end > datetime.combine(seg.day + timedelta(days=1), time.min) + timedelta(hours=NIGHT_HOURS_PAST_MIDNIGHT):
        found.append(Violation(seg.agent_id, seg.day, "segment_date",
                               f"shift {seg.span()} ends more than {NIGHT_HOURS_PAST_MIDNIGHT} h past midnight"))
    return found


def _template_mismatch(shift: _Shift, template: ShiftTemplate) -> str | None:
    """Why the shift does not fit ``template`` (the first reason found), or None when it fits."""
    seg = shift.segment
    if seg.minutes != template.length_minutes:
        return f"length {_hours(seg.minutes)} h, template {_hours(template.length_minutes)} h"
    weekday = seg.start.weekday()
    if weekday not in template.weekdays:
        return f"not worked on {WEEKDAYS[weekday]}"
    start = _minute_of_day(seg.start)
    if (
        not template.earliest_start_minute <= start <= template.latest_start_minute
        or (start - template.earliest_start_minute) % template.start_step_minutes
    ):
        return (f"starts {_clock(seg.start)}, allowed {_hm(template.earliest_start_minute)}-"
                f"{_hm(template.latest_start_minute)} every {template.start_step_minutes} min")
    got = [(b.activity, b.minutes) for b in shift.breaks]
    want = [(r.kind, r.minutes) for r in template.breaks]
    if got != want:
        shown = ", ".join(f"{k} {_num(m)}" for k, m in got) or "none"
        expected = ", ".join(f"{k} {_num(m)}" for k, m in want) or "none"
        return f"breaks [{shown}], expected [{expected}]"
    previous: _Segment | None = None
    for brk, rule in zip(shift.breaks, template.breaks, strict=True):
        if previous is not None:
            gap = (brk.start - previous.end).total_seconds() / SECONDS_PER_MINUTE
            if gap < 0:
                return f"{rule.name} {brk.span()} overlaps the break before it"
            if gap < template.min_break_gap_minutes:
                return (f"{rule.name} starts {_num(gap)} min after the previous break ends, "
                        f"minimum {template.min_break_gap_minutes}")
        offset = (brk.start - seg.start).total_seconds() / SECONDS_PER_MINUTE
        if not rule.earliest_after_start_minutes <= offset <= rule.latest_after_start_minutes:
            return (f"{rule.name} starts {_num(offset)} min after shift start, window "
                    f"{rule.earliest_after_start_minutes}-{rule.latest_after_start_minutes} min")
        previous = brk
    return None


def _match_template(
    shift: _Shift, allowed: Sequence[ShiftTemplate]
) -> tuple[ShiftTemplate | None, Violation | None]:
    reasons = []
    for template in allowed:
        reason = _template_mismatch(shift, template)
        if reason is None:
            return template, None
        reasons.append(f"{template.template_id}: {reason}")
    seg = shift.segment
    detail = f"shift {seg.span()} fits no allowed template (" + "; ".join(reasons or ["none allowed"]) + ")"
    return None, Violation(seg.agent_id, seg.day, "template", detail)


def _paid_minutes(shift: _Shift, matched: ShiftTemplate | None, allowed: Sequence[ShiftTemplate]) -> float:
    length = shift.segment.minutes
    if matched is None:
        matched = next((t for t in allowed if t.length_minutes == length), None)
    if matched is None:
        return length
    return length - sum(b.minutes for b in matched.breaks if not b.paid)


def _availability(agent: Agent, shift: _Shift) -> list[Violation]:
    seg = shift.segment
    weekday = seg.start.weekday()
    window = agent.availability[weekday]
    if window is None:
        return [Violation(seg.agent_id, seg.day, "availability",
                          f"shift {seg.span()} on {WEEKDAYS[weekday]}, a day the agent is not available")]
    start = _minute_of_day(seg.start)
    if _inside(agent.availability, weekday, start, start + seg.minutes):
        return []
    following = agent.availability[(weekday + 1) % 7]
    after = "" if start + seg.minutes <= MINUTES_PER_DAY else (
        f" and {'none' if following is None else f'{_hm(following.start_minute)}-{_hm(following.end_minute)}'} "
        f"on {WEEKDAYS[(weekday + 1) % 7]}")
    return [Violation(seg.agent_id, seg.day, "availability",
                      f"shift {seg.span()} outside availability {_hm(window.start_minute)}-"
                      f"{_hm(window.end_minute)} on {WEEKDAYS[weekday]}{after}")]


def _inside(windows: Sequence[TimeWindow | None], weekday: int, start: float, end: float) -> bool:
    """Whether ``[start, end)`` minutes after the midnight of ``weekday`` lie inside the windows: the part up to
    24:00 inside that weekday's, any part after it inside the next weekday's counted from its 00:00."""
    for day, low, high in ((weekday, start, min(end, MINUTES_PER_DAY)),
                           ((weekday + 1) % 7, max(start - MINUTES_PER_DAY, 0), end - MINUTES_PER_DAY)):
        if high <= low and day != weekday:
            continue  # no part past midnight
        window = windows[day]
        if window is None or not (window.start_minute <= low and high <= window.end_minute):
            return False
    return True


def _one_shift_per_day(shifts: Sequence[_Shift]) -> list[Violation]:
    by_day: dict[date, list[_Shift]] = defaultdict(list)
    for shift in shifts:
        by_day[shift.day].append(shift)
    return [
        Violation(same[0].segment.agent_id, day, "one_shift_per_day",
                  f"{len(same)} shifts on one date: " + ", ".join(s.segment.span() for s in same))
        for day, same in by_day.items()
        if len(same) > 1
    ]


def _min_rest(shifts: Sequence[_Shift], contract: Contract) -> list[Violation]:
    found = []
    ordered = sorted(shifts, key=lambda s: (s.segment.start, s.segment.end, s.segment.row))
    for before, after in zip(ordered, ordered[1:], strict=False):
        rest = (after.segment.start - before.segment.end).total_seconds() / SECONDS_PER_MINUTE
        if rest < contract.min_rest_minutes:
            found.append(Violation(after.segment.agent_id, after.day, "min_rest",
                                   f"rest {_hours(rest)} h < {_hours(contract.min_rest_minutes)} h before {after.day}"))
    return found


def could_work(agent: Agent, allowed: Sequence[ShiftTemplate], day: date) -> bool:
    """Whether the agent could work a shift on ``day`` were it not on leave: one of its contract's templates
    (``allowed``) runs on that weekday and has a start at which the whole shift lies inside the agent's
    availability that weekday (pins and the contract's earliest start / latest end not looked at)."""
    if agent.availability[day.weekday()] is None:
        return False
    for template in allowed:
        if day.weekday() not in template.weekdays:
            continue
        start = template.earliest_start_minute
        while start <= template.latest_start_minute:
            if _inside(agent.availability, day.weekday(), start, start + template.length_minutes):
                return True
            start += template.start_step_minutes
    return False


def counted_leave(agent: Agent, allowed: Sequence[ShiftTemplate], first: date, end: date) -> list[date]:
    """The agent's approved days off in ``[first, end)`` that the rules count: those on a day it could have
    worked (``could_work``). Leave on another day (a Sunday of a Monday-to-Friday agent) counts for nothing."""
    return sorted(d for d in agent.time_off if first <= d < end and could_work(agent, allowed, d))


def _leave(agent: Agent, contract: Contract, allowed: Sequence[ShiftTemplate], week: date | None) -> list[date]:
    """The agent's counted days off inside the week that count as working days (``time_off_counts_as:
    worked_day``); none with ``credit_minimum``."""
    if week is None or contract.time_off_counts_as != "worked_day":
        return []
    return counted_leave(agent, allowed, week, week + timedelta(DAYS_PER_WEEK))


def _weekly_hours(agent: Agent, contract: Contract, allowed: Sequence[ShiftTemplate], paid: float,
                  week: date | None) -> list[Violation]:
    days_off = 0 if week is None else len(counted_leave(agent, allowed, week, week + timedelta(DAYS_PER_WEEK)))
    per_day = contract.max_days_per_week
    credit = contract.min_weekly_minutes // per_day if per_day else 0
    minimum = max(0, contract.min_weekly_minutes - credit * days_off)
    maximum = float(contract.max_weekly_minutes)
    if contract.time_off_counts_as == "worked_day" and per_day:
        maximum = max(minimum, contract.max_weekly_minutes - days_off * (contract.max_weekly_minutes // per_day))
    if paid < minimum:
        note = (f" ({_hours(contract.min_weekly_minutes)} h less {days_off} time-off day(s) at {_hours(credit)} h)"
                if days_off else "")
        return [Violation(agent.agent_id, None, "weekly_hours",
                          f"paid {_hours(paid)} h < minimum {_hours(minimum)} h{note}")]
    if paid > maximum:
        note = f" ({days_off} time-off day(s) counted as worked)" if maximum < contract.max_weekly_minutes else ""
        return [Violation(agent.agent_id, None, "weekly_hours",
                          f"paid {_hours(paid)} h > maximum {_hours(maximum)} h{note}")]
    return []


def _max_days(agent: Agent, contract: Contract, days: Sequence[date], leave: Sequence[date]) -> list[Violation]:
    """More working days than the maximum, leave counted; leave alone breaks nothing (a week of leave longer than
    the contract's days is a week off)."""
    if not days or len(days) + len(leave) <= contract.max_days_per_week:
        return []
    note = f" (with {len(leave)} day(s) of time off counted)" if leave else ""
    return [Violation(agent.agent_id, None, "max_days",
                      f"{len(days) + len(leave)} working days > maximum {contract.max_days_per_week}{note}")]


def _max_consecutive_days(agent: Agent, contract: Contract, days: Sequence[date],
                          leave: Sequence[date]) -> list[Violation]:
    """Runs of working days (days of time off counted as worked among them) longer than the maximum; a run
    of time off alone breaks nothing."""
    worked, counted = set(days), set(days) | set(leave)
    limit = contract.max_consecutive_days
    runs: list[list[date]] = []
    for day in sorted(counted):
        if runs and runs[-1][-1] + timedelta(days=1) == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    found = []
    for run in runs:
        # the run breaks the rule if some limit + 1 consecutive days of it include a worked day
        if any(worked & set(run[i:i + limit + 1]) for i in range(len(run) - limit)):
            found.append(Violation(agent.agent_id, run[0], "max_consecutive_days",
                                   f"{len(run)} consecutive days {run[0]}..{run[-1]} > maximum {limit}"))
    return found


def _min_days(agent: Agent, contract: Contract, days: Sequence[date], leave: Sequence[date]) -> list[Violation]:
    if len(days) + len(leave) >= contract.min_days_per_week:
        return []
    return [Violation(agent.agent_id, None, "min_days",
                      f"{len(days) + len(leave)} working days < minimum {contract.min_days_per_week}")]


def _max_late_shifts(agent: Agent, contract: Contract, shifts: Sequence[_Shift]) -> list[Violation]:
    limit = contract.max_late_shifts_per_week
    if limit is None:
        return []
    threshold = timedelta(minutes=contract.late_shift_start_minute)
    late = [s for s in shifts if s.segment.start - datetime.combine(s.day, time.min) >= threshold]
    if len(late) <= limit:
        return []
    return [Violation(agent.agent_id, None, "max_late_shifts",
                      f"{len(late)} shifts starting at or after {_hm(contract.late_shift_start_minute)} > "
                      f"maximum {limit}")]


def _min_consecutive_days_off(agent: Agent, contract: Contract, week: date | None,
                              days: Sequence[date]) -> list[Violation]:
    if week is None:
        return []
    calendar = [week + timedelta(days=i) for i in range(DAYS_PER_WEEK)]
    worked = set(days)
    found = []
    run: list[date] = []
    for day in [*calendar, None]:  # None closes a run that reaches the week's last day
        if day is not None and day not in worked:
            run.append(day)
            continue
        inside = run and run[0] != calendar[0] and run[-1] != calendar[-1]
        if inside and len(run) < contract.min_consecutive_days_off:
            shown = str(run[0]) if len(run) == 1 else f"{run[0]}..{run[-1]}"
            found.append(Violation(agent.agent_id, run[0], "min_consecutive_days_off",
                                   f"{len(run)} day(s) off ({shown}) between working days < minimum "
                                   f"{contract.min_consecutive_days_off}"))
        run = []
    return found


def _max_weekend_days(agent: Agent, contract: Contract, days: Sequence[date]) -> list[Violation]:
    weekend = sorted(d for d in days if d.weekday() in WEEKEND_WEEKDAYS)
    if len(weekend) <= contract.max_weekend_days:
        return []
    shown = ", ".join(str(d) for d in weekend)
    return [Violation(agent.agent_id, None, "max_weekend_days",
                      f"{len(weekend)} weekend days worked ({shown}) > maximum {contract.max_weekend_days}")]


def _shift_window(contract: Contract, shift: _Shift) -> list[Violation]:
    seg = shift.segment
    midnight = datetime.combine(seg.day, time.min)
    found = []
    earliest, latest = contract.earliest_start_minute, contract.latest_end_minute
    if earliest is not None and seg.start < midnight + timedelta(minutes=earliest):
        found.append(Violation(seg.agent_id, seg.day, "shift_window",
                               f"shift {seg.span()} starts before the contract's earliest start {_hm(earliest)}"))
    if latest is not None and seg.end > midnight + timedelta(minutes=latest):
        found.append(Violation(seg.agent_id, seg.day, "shift_window",
                               f"shift {seg.span()} ends after the contract's latest end {_hm(latest)}"))
    return found


def _week_start(config: PlanConfig, segments: Sequence[_Segment], week_start: date | None) -> date | None:
    if week_start is not None:
        return week_start
    if config.week_start is not None:
        return config.week_start
    if not segments:
        return None
    earliest = min(s.label for s in segments)
    return earliest - timedelta(days=earliest.weekday())


def _sort_key(v: Violation) -> tuple[str, date, str, str]:
    return (v.agent_id, v.date or date.min, v.rule, v.detail)


def validate_roster(
    config: PlanConfig, roster: pd.DataFrame | Path, week_start: date | None = None
) -> list[Violation]:
    """Every hard-rule violation of ``roster`` (a frame from ``read_roster``, one with ISO strings, or a
    path), sorted by agent, date (week-level rules first), rule and detail.

    The week is the 7 days from ``week_start``, else ``config.week_start``, else the Monday of the earliest
    roster date. Raises ``InputError`` for rows that cannot be read.
    """
    frame = read_roster(roster) if isinstance(roster, Path) else roster
    segments = _segments_of(frame)
    week = _week_start(config, segments, week_start)
    week_end = None if week is None else week + timedelta(days=DAYS_PER_WEEK)
    agents = {a.agent_id: a for a in config.agents}
    contracts = {c.contract_id: c for c in config.contracts}
    templates = {t.template_id: t for t in config.templates}
    break_kinds = sorted({b.kind for t in config.templates for b in t.breaks})
    activity_ids = {a.activity_id for a in config.activities}
    activity_rows: list[_Segment] = []

    found: list[Violation] = []
    unknown_rows: Counter[str] = Counter()
    by_agent: dict[str, list[_Segment]] = defaultdict(list)
    for seg in segments:
        if seg.agent_id not in agents:
            unknown_rows[seg.agent_id] += 1
        elif seg.activity in activity_ids:
            activity_rows.append(seg)
            found.extend(_grid(seg, config.interval_minutes))
        elif seg.activity != SHIFT and seg.activity not in break_kinds:
            known = ", ".join([SHIFT, *break_kinds, *sorted(activity_ids)])
            found.append(Violation(seg.agent_id, seg.label, "unknown_activity",
                                   f"activity {excerpt(seg.activity)} {seg.span()} is none of {known}"))
        else:
            by_agent[seg.agent_id].append(seg)
            found.extend(_grid(seg, config.interval_minutes))
    found.extend(
        Violation(agent_id, None, "unknown_agent", f"agent {agent_id} is not in the agents file ({rows} row(s))")
        for agent_id, rows in unknown_rows.items()
    )

    shifts_of: dict[str, list[_Shift]] = {}
    for agent in config.agents:
        contract = contracts[agent.contract_id]
        allowed = [templates[t] for t in contract.template_ids if t in templates]
        shifts, problems = _assemble(by_agent[agent.agent_id])
        shifts_of[agent.agent_id] = shifts
        found.extend(problems)
        paid = 0.0
        days: set[date] = set()
        for shift in shifts:
            found.extend(_segment_date(shift))
            matched, mismatch = _match_template(shift, allowed)
            if mismatch is not None:
                found.append(mismatch)
            found.extend(_availability(agent, shift))
            found.extend(_shift_window(contract, shift))
            if shift.day in agent.time_off:
                found.append(Violation(agent.agent_id, shift.day, "time_off",
                                       f"shift {shift.segment.span()} on an approved day off"))
            if week is not None and week_end is not None and not week <= shift.day < week_end:
                found.append(Violation(agent.agent_id, shift.day, "outside_week",
                                       f"shift on {shift.day} outside the week {week}..{week_end - timedelta(1)}"))
                continue
            paid += _paid_minutes(shift, matched, allowed)
            days.add(shift.day)
        found.extend(_one_shift_per_day(shifts))
        found.extend(_min_rest(shifts, contract))
        leave = _leave(agent, contract, allowed, week)
        found.extend(_weekly_hours(agent, contract, allowed, paid, week))
        found.extend(_max_days(agent, contract, sorted(days), leave))
        found.extend(_max_consecutive_days(agent, contract, sorted(days), leave))
        found.extend(_min_days(agent, contract, sorted(days), leave))
        found.extend(_max_late_shifts(agent, contract, [s for s in shifts if s.day in days]))
        found.extend(_min_consecutive_days_off(agent, contract, week, sorted(days)))
        found.extend(_max_weekend_days(agent, contract, sorted(days)))
    found.extend(_break_cap(config, [seg for segs in by_agent.values() for seg in segs]))
    found.extend(_activities(config, activity_rows, shifts_of, week, week_end))
    found.extend(_who_is_on_the_floor(config, [seg for seg in segments if seg.agent_id in agents], week))
    return sorted(found, key=_sort_key)


def _activities(config: PlanConfig, rows: Sequence[_Segment], shifts_of: dict[str, list[_Shift]],
                week: date | None, week_end: date | None) -> list[Violation]:
    """Rule ``activity``: see the module docstring."""
    found = []
    for activity in config.activities:
        taken: dict[str, list[_Segment]] = defaultdict(list)
        for seg in (r for r in rows if r.activity == activity.activity_id):
            if week is not None and week_end is not None and not week <= seg.day < week_end:
                continue
            def fail(detail: str, seg: _Segment = seg) -> None:
                found.append(Violation(seg.agent_id, seg.day, "activity", f"{seg.activity} {seg.span()} {detail}"))
            if seg.agent_id not in activity.agent_ids:
                fail("is taken by an agent it does not name")
                continue
            taken[seg.agent_id].append(seg)
            if seg.minutes != activity.minutes:
                fail(f"lasts {_num(seg.minutes)} min, the activity {activity.minutes}")
            if seg.start.weekday() not in activity.weekdays:
                fail(f"on {WEEKDAYS[seg.start.weekday()]}, not one of its days")
            midnight = datetime.combine(seg.day, time.min)
            if (seg.start < midnight + timedelta(minutes=activity.window.start_minute)
                    or seg.end > midnight + timedelta(minutes=activity.window.end_minute)):
                fail(f"outside its window {_hm(activity.window.start_minute)}-{_hm(activity.window.end_minute)}")
            hosts = [sh for sh in shifts_of.get(seg.agent_id, [])
                     if sh.segment.start <= seg.start and seg.end <= sh.segment.end]
            if not hosts:
                fail("lies inside no shift")
                continue
            if seg.label != hosts[0].segment.label:
                fail(f"is dated {seg.label}, its shift {hosts[0].segment.label}")
            overlapped = [b for b in hosts[0].breaks if b.start < seg.end and seg.start < b.end]
            if overlapped:
                fail(f"overlaps {overlapped[0].activity} {overlapped[0].span()}")
        for agent_id in activity.agent_ids:
            count = len(taken.get(agent_id, []))
            if count != 1:
                found.append(Violation(agent_id, None, "activity",
                                       f"{activity.activity_id} taken {count} times in the week, must be once"))
        starts = sorted({seg.start for segs in taken.values() for seg in segs})
        if activity.together and len(starts) > 1:
            shown = ", ".join(f"{s:%a %H:%M}" for s in starts)
            found.append(Violation("(centre)", None, "activity",
                                   f"{activity.activity_id} is a meeting but starts at {len(starts)} times ({shown})"))
    return found


def _break_cap(config: PlanConfig, segments: Sequence[_Segment]) -> list[Violation]:
    """No more than ``max_agents_on_break`` agents on break or lunch in any interval (centre-wide)."""
    cap = config.max_agents_on_break
    if cap is None:
        return []
    step = timedelta(minutes=config.interval_minutes)
    on_break: Counter[datetime] = Counter()
    for seg in segments:
        if seg.activity == SHIFT:
            continue
        moment = seg.start
        while moment < seg.end:
            on_break[moment] += 1
            moment += step
    return [Violation("(centre)", moment.date(), "break_cap",
                      f"{count} agents on break at {_clock(moment)} > cap {cap}")
            for moment, count in sorted(on_break.items()) if count > cap]


def format_violations(violations: Sequence[Violation], *, roster: pd.DataFrame | None = None) -> str:
    """A plain aligned table (agent, date, rule, detail) and a one-line summary, for the CLI.

    With no violations only the summary is returned; it counts shifts and agents when ``roster`` is given.
    """
    if not violations:
        if roster is None:
            return "roster valid: 0 violations"
        shifts = roster[roster["activity"].astype(str).str.strip() == SHIFT]
        return f"roster valid: 0 violations ({len(shifts)} shifts, {shifts['agent_id'].nunique()} agents)"
    table = [("agent", "date", "rule", "detail")] + [
        (v.agent_id, v.date.isoformat() if v.date else "-", v.rule, v.detail) for v in violations
    ]
    widths = [max(len(line[i]) for line in table) for i in range(3)]
    lines = ["  ".join(line[i].ljust(widths[i]) for i in range(3)) + "  " + line[3] for line in table]
    lines.append(f"{len(violations)} violation(s)")
    return "\n".join(lines)


def _rank(config: PlanConfig, level: str | None) -> int:
    order = [lv.level_id for lv in config.levels]
    return order.index(level) if level in order else 0


def _floor_members(config: PlanConfig, rule: FloorRule) -> list[str]:
    """The agents a floor rule counts: its ``agents`` list, or the agents whose level ranks at or above its own."""
    return list(rule.agent_ids) if rule.level is None else [
        a.agent_id for a in config.agents
        if a.level is not None and _rank(config, a.level) >= _rank(config, rule.level)]


def _first_hours_end(config: PlanConfig, week: date) -> datetime:
    """The end of the week's first hours: the latest end past midnight of a night template running on the day
    before the week (the week's Monday 00:00 with none)."""
    sunday = (week - timedelta(days=1)).weekday()
    return datetime.combine(week, time.min) + timedelta(minutes=max(
        (t.latest_start_minute + t.length_minutes - MINUTES_PER_DAY for t in config.templates
         if sunday in t.weekdays and t.latest_start_minute + t.length_minutes > MINUTES_PER_DAY), default=0))


def first_hours_floor(config: PlanConfig, segments: Sequence[_Segment], week: date) -> list[Violation]:
    """Rule ``floor_rule`` in the week's first hours (before ``_first_hours_end``, which the single week's check
    leaves to the week before) when the roster before the week is known: ``segments`` are its rows and the
    week's. An interval of those hours in which the rule's centre or queues are open is checked where a shift
    template of a member's contract, running on the week's first weekday, spans it (from its earliest start to its
    latest start plus its length): there the week's own shifts can add to the members the shifts before leave on
    the floor (a lead on Sunday night, off the floor in its break rows). Every member on the floor counts,
    whichever day their shift is dated."""
    hard_floor = [r for r in config.floor_rules if r.hard]
    end = _first_hours_end(config, week)
    midnight = datetime.combine(week, time.min)
    if not hard_floor or end <= midnight:
        return []
    step = timedelta(minutes=config.interval_minutes)
    on_floor: dict[str, Counter[datetime]] = defaultdict(Counter)
    for seg in segments:
        sign = 1 if seg.activity == SHIFT else -1
        moment = max(seg.start, midnight)
        moment = midnight + (moment - midnight) // step * step
        while moment < min(seg.end, end):
            if moment >= seg.start:
                on_floor[seg.agent_id][moment] += sign
            moment += step
    contracts = {c.contract_id: c for c in config.contracts}
    found = []
    for rule in hard_floor:
        members = _floor_members(config, rule)
        allowed = {t for a in config.agents if a.agent_id in members
                   for t in contracts[a.contract_id].template_ids}
        spans = [(midnight + timedelta(minutes=t.earliest_start_minute),
                  midnight + timedelta(minutes=t.latest_start_minute + t.length_minutes))
                 for t in config.templates if t.template_id in allowed and week.weekday() in t.weekdays]
        hours = [config.opening_hours] if not rule.queue_ids else [
            q.opening_hours for q in config.queues if q.queue_id in rule.queue_ids]
        windows = [w for w in (h.by_weekday[week.weekday()] for h in hours) if w is not None]
        moment = midnight
        while moment < end:
            minute = (moment - midnight) // timedelta(minutes=1)
            opened = any(w.start_minute <= minute < w.end_minute for w in windows)
            if opened and any(first <= moment < last for first, last in spans):
                count = sum(1 for m in members if on_floor[m][moment] > 0)
                if count < rule.min_agents:
                    found.append(Violation("(centre)", week, "floor_rule",
                                           f"{rule.rule_id}: {count} of its agents on the floor at {_clock(moment)} "
                                           f"(with the shifts before the week), needs {rule.min_agents}"))
            moment += step
    return found


def _who_is_on_the_floor(config: PlanConfig, segments: Sequence[_Segment], week: date | None) -> list[Violation]:
    """Rules ``min_level``, ``floor_rule`` and ``ratio_rule``: see the module docstring."""
    found = []
    for agent in config.agents:
        for queue in config.queues:
            if (queue.min_level is not None and queue.queue_id in agent.skills
                    and _rank(config, agent.level) < _rank(config, queue.min_level)):
                found.append(Violation(agent.agent_id, None, "min_level",
                                       f"level {agent.level or '(none)'} is skilled for {queue.queue_id}, "
                                       f"which needs {queue.min_level} or above"))
    hard_floor = [r for r in config.floor_rules if r.hard]
    hard_ratio = [r for r in config.ratio_rules if r.hard]
    if week is None or not (hard_floor or hard_ratio):
        return found
    step = timedelta(minutes=config.interval_minutes)
    on_floor: dict[str, Counter[datetime]] = defaultdict(Counter)
    for seg in segments:
        sign = 1 if seg.activity == SHIFT else -1
        moment = seg.start
        while moment < seg.end:
            on_floor[seg.agent_id][moment] += sign
            moment += step

    # the first day's minutes that the day before's night shifts reach are the previous week's to staff
    carried_until = _first_hours_end(config, week)

    def open_moments(queue_ids: Sequence[str]) -> list[datetime]:
        hours = [config.opening_hours] if not queue_ids else [
            q.opening_hours for q in config.queues if q.queue_id in queue_ids]
        moments: set[datetime] = set()
        for offset in range(DAYS_PER_WEEK):
            day = week + timedelta(days=offset)
            for opening in hours:
                window = opening.by_weekday[day.weekday()]
                if window is None:
                    continue
                moment = datetime.combine(day, time.min) + timedelta(minutes=window.start_minute)
                while moment < datetime.combine(day, time.min) + timedelta(minutes=window.end_minute):
                    if moment >= carried_until:
                        moments.add(moment)
                    moment += step
        return sorted(moments)

    def present(agent_id: str, moment: datetime) -> int:
        return 1 if on_floor[agent_id][moment] > 0 else 0

    for rule in hard_floor:
        members = _floor_members(config, rule)
        for moment in open_moments(rule.queue_ids):
            count = sum(present(m, moment) for m in members)
            if count < rule.min_agents:
                found.append(Violation("(centre)", moment.date(), "floor_rule",
                                       f"{rule.rule_id}: {count} of its agents on the floor at {_clock(moment)}, "
                                       f"needs {rule.min_agents}"))
    for ratio in hard_ratio:
        juniors = [a.agent_id for a in config.agents if _rank(config, a.level) <= _rank(config, ratio.junior_level)]
        seniors = [a.agent_id for a in config.agents
                   if a.level is not None and _rank(config, a.level) >= _rank(config, ratio.senior_level)]
        for moment in open_moments(ratio.queue_ids):
            low = sum(present(j, moment) for j in juniors)
            high = sum(present(s, moment) for s in seniors)
            if low > ratio.max_per_senior * high:
                found.append(Violation("(centre)", moment.date(), "ratio_rule",
                                       f"{ratio.rule_id}: {low} {ratio.junior_level} or below on the floor at "
                                       f"{_clock(moment)} with {high} {ratio.senior_level} or above, at most "
                                       f"{ratio.max_per_senior} per senior"))
    return found
