"""The independent validator over a horizon of several weeks, and at the seam with a previous roster.

Like ``validate``, it shares no code with the model: it re-derives the rules from their documented meaning on
wall-clock datetimes. Weekly rules apply per calendar week: each week's rows are validated as one week
(``validate_roster``). Across the weeks (and from the previous roster's shifts, ``--previous``), it checks:

- ``min_rest``: the rest between an agent's last shift of one week (or of the previous roster) and the next
  shift in a later week;
- ``max_consecutive_days``: runs of working days (days of leave counted as worked with ``time_off_counts_as:
  worked_day``, in the horizon and in the previous roster's days, on days the agent could have worked:
  ``validate.counted_leave``) that span a week boundary and end inside the horizon, with a worked day among
  any ``limit + 1`` of them;
- ``min_consecutive_days_off``: runs of days off between two worked days that touch a week boundary (the runs
  a single week cannot judge); the days before the previous roster's first date are unknown;
- ``max_weekends_in_horizon`` (weekends of the horizon with a shift on Saturday or Sunday),
  ``max_consecutive_weekends`` (weekends worked in a row, the previous roster's included) and
  ``average_weekly_hours`` (paid minutes over the horizon within ``weeks x (average ± tolerance)``);
- ``floor_rule`` in the first hours of each week whose shifts before are known (every week but the first, and the
  first with ``previous``), counting the members the night before leaves on the floor (``first_hours_floor``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from scheduler.domain.plan import WEEKEND_WEEKDAYS, PlanConfig
from scheduler.errors import InputError
from scheduler.validation.validate import (
    SECONDS_PER_MINUTE,
    SHIFT,
    Violation,
    _assemble,
    _hours,
    _match_template,
    _paid_minutes,
    _Segment,
    _segments_of,
    _sort_key,
    counted_leave,
    first_hours_floor,
    read_roster,
    validate_roster,
)

DAYS_PER_WEEK = 7


def validate_horizon(config: PlanConfig, roster: pd.DataFrame | Path, start: date, weeks: int,
                     previous: Path | None = None) -> list[Violation]:
    """Every hard-rule violation of a roster over ``weeks`` weeks from ``start`` (a Monday), the seams with
    ``previous`` (a published roster.csv before ``start``) included; sorted as ``validate_roster`` sorts."""
    frame = read_roster(roster) if isinstance(roster, Path) else roster
    end = start + timedelta(days=DAYS_PER_WEEK * weeks)
    found: list[Violation] = []
    labels = frame["date"].map(lambda d: d if isinstance(d, date) else date.fromisoformat(str(d)))
    for k in range(weeks):
        week = start + timedelta(days=DAYS_PER_WEEK * k)
        inside = ((labels >= week) & (labels < week + timedelta(days=DAYS_PER_WEEK))).to_numpy(bool)
        found.extend(validate_roster(config, frame.loc[inside], week))
    outside = ((labels < start) | (labels >= end)).to_numpy(bool)
    for seg in _segments_of(frame.loc[outside]):
        found.append(Violation(seg.agent_id, seg.label, "outside_week",
                               f"{seg.activity} on {seg.label} outside the horizon {start}..{end - timedelta(1)}"))
    before = [] if previous is None else _segments_of(read_roster(previous))
    known_from = min((s.label for s in before), default=start)
    every = before + _segments_of(frame.loc[~outside])
    for k in range(0 if previous is not None else 1, weeks):  # the first hours, where the shifts before are known
        found.extend(first_hours_floor(config, every, start + timedelta(days=DAYS_PER_WEEK * k)))
    horizon_by_agent: dict[str, list[_Segment]] = defaultdict(list)
    for seg in _segments_of(frame.loc[~outside]):
        horizon_by_agent[seg.agent_id].append(seg)
    before_by_agent: dict[str, list[_Segment]] = defaultdict(list)
    for seg in before:
        before_by_agent[seg.agent_id].append(seg)
    contracts = {c.contract_id: c for c in config.contracts}
    templates = {t.template_id: t for t in config.templates}
    for agent in config.agents:
        contract = contracts[agent.contract_id]
        shifts, _ = _assemble(horizon_by_agent[agent.agent_id])
        earlier = [s for s in before_by_agent[agent.agent_id] if s.activity == SHIFT]
        seam = _Seam(agent.agent_id, start, end, known_from)
        found.extend(seam.rest(earlier, [s.segment for s in shifts], contract.min_rest_minutes))
        worked = {s.label for s in earlier} | {s.day for s in shifts}
        allowed = [templates[t] for t in contract.template_ids if t in templates]
        # leave counted as worked from the first known day (the previous roster's) joins the runs, as the solver's
        # carry-in counts it; the average counts the horizon's alone
        seamed = (set(counted_leave(agent, allowed, known_from, end))
                  if contract.time_off_counts_as == "worked_day" else set())
        counted = {d for d in seamed if d >= start}
        found.extend(seam.consecutive_days(worked, seamed, contract.max_consecutive_days))
        found.extend(seam.days_off(worked, contract.min_consecutive_days_off))
        found.extend(seam.weekends(worked, contract.max_weekends_in_horizon, contract.max_consecutive_weekends))
        if contract.average_weekly_minutes is not None:
            paid = sum(_paid_minutes(s, _match_template(s, allowed)[0], allowed) for s in shifts)
            low = weeks * (contract.average_weekly_minutes - contract.average_tolerance_minutes)
            high = weeks * (contract.average_weekly_minutes + contract.average_tolerance_minutes)
            # a day of leave counted as worked is paid time: average / days a week (rounded down) towards the average
            leave = (len(counted) * (contract.average_weekly_minutes // contract.max_days_per_week)
                     if contract.max_days_per_week else 0)
            if not low <= paid + leave <= high:
                credit = f" and {_hours(leave)} h of leave" if leave else ""
                found.append(Violation(agent.agent_id, None, "average_weekly_hours",
                                       f"paid {_hours(paid)} h{credit} over {weeks} weeks, average "
                                       f"{_hours((paid + leave) / weeks)} h outside {_hours(low / weeks)}-"
                                       f"{_hours(high / weeks)} h"))
    return sorted(found, key=_sort_key)


def horizon_start(config: PlanConfig, roster: pd.DataFrame, start: date | None) -> date:
    """The given Monday, else ``forecast.week_start``, else the Monday of the roster's earliest date."""
    if start is not None:
        return start
    if config.week_start is not None:
        return config.week_start
    if roster.empty:
        raise InputError("roster: no rows, and no week start given (--week-start)")
    earliest = min(d if isinstance(d, date) else date.fromisoformat(str(d)) for d in roster["date"])
    return earliest - timedelta(days=earliest.weekday())


class _Seam:
    """One agent's checks across the week boundaries of the horizon ``[start, end)``; days from
    ``known_from`` are known (the previous roster's first date)."""

    def __init__(self, agent_id: str, start: date, end: date, known_from: date) -> None:
        self.agent_id, self.start, self.end, self.known_from = agent_id, start, end, known_from

    def _week(self, day: date) -> int:
        """The week a day lies in: 0 for the horizon's first, negative before it."""
        return (day - self.start).days // DAYS_PER_WEEK

    def rest(self, earlier: list[_Segment], shifts: list[_Segment], rest_minutes: int) -> list[Violation]:
        ordered = sorted([*earlier, *shifts], key=lambda s: (s.start, s.end, s.row))
        found = []
        for first, second in zip(ordered, ordered[1:], strict=False):
            if self._week(first.day) == self._week(second.day):
                continue  # inside one week: the week's own check
            rest = (second.start - first.end).total_seconds() / SECONDS_PER_MINUTE
            if rest < rest_minutes:
                found.append(Violation(self.agent_id, second.day, "min_rest",
                                       f"rest {_hours(rest)} h < {_hours(rest_minutes)} h before {second.day}, "
                                       f"across the week boundary (after the shift of {first.day})"))
        return found

    def consecutive_days(self, worked: set[date], counted: set[date], limit: int) -> list[Violation]:
        found = []
        for run in _runs(sorted(worked | counted)):
            if self._week(run[0]) == self._week(run[-1]) or self._week(run[-1]) < 0:
                continue  # the week's own check, or wholly in the previous roster
            if any(worked & set(run[i:i + limit + 1]) for i in range(len(run) - limit)):
                found.append(Violation(self.agent_id, run[0], "max_consecutive_days",
                                       f"{len(run)} consecutive days {run[0]}..{run[-1]} > maximum {limit}, "
                                       "across the week boundary"))
        return found

    def days_off(self, worked: set[date], least: int) -> list[Violation]:
        found = []
        days = sorted(d for d in worked if self.known_from <= d < self.end)
        for first, second in zip(days, days[1:], strict=False):
            gap = (second - first).days - 1
            off = [first + timedelta(days=i + 1) for i in range(gap)]
            if not 0 < gap < least or self._week(first) == self._week(second) or self._week(second) < 0:
                continue  # long enough, the week's own check, or wholly in the previous roster
            shown = str(off[0]) if gap == 1 else f"{off[0]}..{off[-1]}"
            found.append(Violation(self.agent_id, off[0], "min_consecutive_days_off",
                                   f"{gap} day(s) off ({shown}) between working days < minimum {least}, "
                                   "across the week boundary"))
        return found

    def weekends(self, worked: set[date], most: int | None, in_a_row: int | None) -> list[Violation]:
        found = []
        saturdays = sorted({d - timedelta(days=d.weekday() - 5) for d in worked if d.weekday() in WEEKEND_WEEKDAYS})
        in_horizon = [s for s in saturdays if self.start <= s < self.end]
        if most is not None and len(in_horizon) > most:
            found.append(Violation(self.agent_id, None, "weekends_in_horizon",
                                   f"{len(in_horizon)} weekends worked ({', '.join(map(str, in_horizon))}) > "
                                   f"maximum {most} in the horizon"))
        if in_a_row is not None:
            run: list[date] = []
            for saturday in [*saturdays, None]:
                if saturday is not None and run and run[-1] + timedelta(days=7) == saturday:
                    run.append(saturday)
                    continue
                if len(run) > in_a_row and run[-1] >= self.start:
                    found.append(Violation(self.agent_id, run[0], "weekends_in_horizon",
                                           f"{len(run)} weekends worked in a row from {run[0]} > maximum "
                                           f"{in_a_row}"))
                run = [] if saturday is None else [saturday]
        return found


def _runs(days: list[date]) -> list[list[date]]:
    runs: list[list[date]] = []
    for day in days:
        if runs and runs[-1][-1] + timedelta(days=1) == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs

