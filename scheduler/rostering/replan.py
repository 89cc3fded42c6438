"""Read a published roster for re-planning: which agent-days to keep exactly, and what was published.

``--pin ROSTER.csv`` keeps the published shift (with its breaks and activities, to the minute), or the day off, of
every agent on the pinned days (``--pin-days``, default all seven), except where the agent now has time off
(a sick call): leave wins over the pin and the agent is off that day. On the other days the new plan may change
shifts and move activities, each changed agent-day costing ``objective.changed_shift`` (a kept shift with a
break moved ``objective.moved_break``), so it changes as little as the cover needs. ``changed_days`` lists the
agent-days that differ from the published roster (``changes.csv``).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from forecasting.untrusted import excerpt
from scheduler.domain.clock import minute_to_clock
from scheduler.domain.plan import WEEKDAYS, PinnedShift, PlanConfig, Replan
from scheduler.domain.roster import Roster, ShiftAssignment
from scheduler.domain.shifts import free_shift_options
from scheduler.domain.week import Week
from scheduler.errors import InfeasibleError, InputError
from scheduler.io.roster_csv import read_roster_rows

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CHANGES_FILE = "changes.csv"
CHANGES_COLUMNS = ("agent_id", "date", "before", "after")  # what a reader needs
CHANGES_WRITTEN = (*CHANGES_COLUMNS, "change")  # and what kind of change it is


def parse_pin_days(text: str | None, week: Week) -> set[date]:
    """``"mon,tue"``, ``"monday tuesday"`` or ``"2026-03-30;2026-03-31"`` (commas, semicolons or spaces between
    days) -> dates of the week; None or empty -> all seven. Each day is a whole token: ``mon;tue`` is two days,
    and ``monkey`` is refused."""
    if text is None or not text.strip():
        return set(week.days())
    days = set()
    for item in (t.lower() for t in re.split(r"[\s,;]+", text) if t):
        if item in WEEKDAYS or item in WEEKDAY_NAMES:
            days.add(week.day(WEEKDAYS.index(item[:3])))
            continue
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", item):
                raise ValueError(item)
            day = date.fromisoformat(item)
        except ValueError:
            raise InputError(f"--pin-days: {item[:40]!r} is neither a weekday (mon or monday) nor a date "
                             "YYYY-MM-DD") from None
        if day not in week.days():
            raise InputError(f"--pin-days: {item} is outside the planned week of {week.start}")
        days.add(day)
    return days


def load_replan(path: Path, config: PlanConfig, week: Week, pin_days: set[date]) -> Replan:
    """The published roster as pins and the baseline for counting changes; errors name the file and row."""
    agents = {a.agent_id: a for a in config.agents}
    shifts: dict[tuple[str, date], list] = {}
    breaks: dict[tuple[str, date], list[tuple[int, str, int, int]]] = {}
    activities: dict[tuple[str, date], list[tuple[int, str, int, int]]] = {}
    activity_ids = {a.activity_id for a in config.activities}
    for number, row in read_roster_rows(path, "pinned roster"):
        where = f"{path.name} row {number}"
        agent_id = row["agent_id"].strip()
        if agent_id not in agents:
            raise InputError(f"{where}: unknown agent {excerpt(agent_id)} (not in {config.agents_path.name})")
        try:
            day = date.fromisoformat(row["date"].strip())
            start = datetime.fromisoformat(row["start"].strip())
            end = datetime.fromisoformat(row["end"].strip())
        except ValueError:
            raise InputError(f"{where}: date, start or end is not ISO 8601") from None
        if day not in week.days():
            raise InputError(f"{where}: {day} is outside the planned week of {week.start}")
        # minutes after the row's date's midnight: a night shift's break after midnight is past 1440
        start_minute = int((start - datetime.combine(day, datetime.min.time())).total_seconds() // 60)
        minutes = int((end - start).total_seconds() // 60)
        key = (agent_id, day)
        activity = row["activity"].strip()
        if activity == "shift":
            if key in shifts:
                raise InputError(f"{where}: a second shift for {agent_id} on {day}")
            shifts[key] = [number, start_minute, minutes]
        elif activity in activity_ids:
            activities.setdefault(key, []).append((start_minute, activity, minutes, number))
        else:
            breaks.setdefault(key, []).append((start_minute, activity, minutes, number))

    published: dict[tuple[str, date], PinnedShift | None] = {}
    for (agent_id, day), (number, start_minute, minutes) in sorted(shifts.items()):
        taken = sorted(breaks.pop((agent_id, day), []))
        kept = _match(config, agent_id, start_minute, minutes, taken, f"{path.name} row {number}")
        carried = sorted(activities.pop((agent_id, day), []))
        for _start, activity_id, length, row_number in carried:
            offered = next(a for a in config.activities if a.activity_id == activity_id)
            if agent_id not in offered.agent_ids or length != offered.minutes:
                raise InputError(f"{path.name} row {row_number}: {activity_id} of {agent_id} on {day} is not one "
                                 f"of the agent's {offered.minutes}-minute activities in {config.source.name}")
        published[agent_id, day] = replace(kept, activity_starts=tuple((a, s) for s, a, _m, _n in carried))
    for leftover in (breaks, activities):
        if leftover:
            (agent_id, day), rows = next(iter(sorted(leftover.items())))
            raise InputError(f"{path.name} row {rows[0][3]}: {rows[0][1]} of {agent_id} on {day} has no shift")
    for agent in config.agents:
        for day in week.days():
            published.setdefault((agent.agent_id, day), None)
    pinned = released_for_leave(config, {key: value for key, value in published.items() if key[1] in pin_days})
    _check_pins_fit(config, week, pinned)
    return Replan(pinned=pinned, published=published)


def _match(config: PlanConfig, agent_id: str, start_minute: int, minutes: int,
           taken: list[tuple[int, str, int, int]], where: str) -> PinnedShift:
    agent = next(a for a in config.agents if a.agent_id == agent_id)
    for template_id in config.contract(agent.contract_id).template_ids:
        template = config.template(template_id)
        if template.length_minutes != minutes or start_minute not in template.start_minutes():
            continue
        if [(b.kind, b.minutes) for b in template.breaks] == [(kind, m) for _s, kind, m, _n in taken]:
            return PinnedShift(template_id, start_minute, tuple(s for s, _k, _m, _n in taken))
    raise InputError(f"{where}: the shift of {agent_id} matches no shift template of contract {agent.contract_id} "
                     "(length, start and breaks)")


def released_for_leave(config: PlanConfig, pinned: dict[tuple[str, date], PinnedShift | None]
                       ) -> dict[tuple[str, date], PinnedShift | None]:
    """``pinned`` with every pinned shift on a day of the agent's time off (a sick call, leave approved after
    publishing) turned into a pinned day off: leave wins over the pin, the agent is off that day, and the
    change against the published roster shows in ``changes.csv``. Every other pinned day stays as it is."""
    leave = {a.agent_id: a.time_off for a in config.agents}
    return {(agent_id, day): None if kept is not None and day in leave[agent_id] else kept
            for (agent_id, day), kept in pinned.items()}


def _check_pins_fit(config: PlanConfig, week: Week, pinned: dict[tuple[str, date], PinnedShift | None]) -> None:
    for (agent_id, day), kept in sorted(pinned.items()):
        if kept is None:
            continue
        agent = next(a for a in config.agents if a.agent_id == agent_id)
        options = free_shift_options(config, agent, week, week.day_index(day))
        if not any((o.template.template_id, o.start_minute) == (kept.template_id, kept.start_minute)
                   for o in options):
            raise InfeasibleError(f"agent {agent_id}: the pinned shift on {day} no longer fits their availability, "
                                  "time off or contract templates")
        for activity_id, start in kept.activity_starts:
            activity = next(a for a in config.activities if a.activity_id == activity_id)
            if day.weekday() not in activity.weekdays or start not in activity.start_minutes(config.interval_minutes):
                raise InfeasibleError(f"agent {agent_id}: the pinned {activity_id} on {day} at "
                                      f"{minute_to_clock(start)} no longer fits the activity's days and window")


def day_text(config: PlanConfig, shift: ShiftAssignment | PinnedShift | None) -> str:
    """An agent-day in short: ``09:00-17:30 (break 11:00, lunch 12:30, coaching 15:00-16:00)`` or ``off``."""
    if shift is None:
        return "off"
    if isinstance(shift, PinnedShift):
        template = config.template(shift.template_id)
        start, end = shift.start_minute, shift.start_minute + template.length_minutes
        breaks = [(m, b.kind, b.minutes) for m, b in zip(shift.break_starts, template.breaks, strict=True)]
        minutes = {a.activity_id: a.minutes for a in config.activities}
        activities = [(m, a, minutes[a]) for a, m in shift.activity_starts]
    else:
        start, end = shift.start_minute, shift.end_minute
        breaks = [(b.start_minute, b.kind, b.minutes) for b in shift.breaks]
        activities = [(a.start_minute, a.activity_id, a.minutes) for a in shift.activities]
    parts = [f"{kind} {minute_to_clock(m)}" for m, kind, _n in breaks]
    parts += [f"{name} {minute_to_clock(m)}-{minute_to_clock(m + n)}" for m, name, n in activities]
    items = sorted(zip([m for m, _k, _n in breaks] + [m for m, _a, _n in activities], parts, strict=True))
    inside = f" ({', '.join(text for _m, text in items)})" if items else ""
    return f"{minute_to_clock(start)}-{minute_to_clock(end)}{inside}"


def change_kind(before: PinnedShift | None, after: ShiftAssignment | None) -> str:
    """What changed on an agent-day: ``shift added``, ``shift removed``, ``shift changed`` (another template or
    start), else ``breaks moved`` and/or ``activities changed`` (the same shift)."""
    if before is None or after is None:
        return "shift added" if before is None else "shift removed"
    if (before.template_id, before.start_minute) != (after.template_id, after.start_minute):
        return "shift changed"
    kinds = []
    if before.break_starts != tuple(b.start_minute for b in after.breaks):
        kinds.append("breaks moved")
    if sorted(before.activity_starts) != sorted((a.activity_id, a.start_minute) for a in after.activities):
        kinds.append("activities changed")
    return ", ".join(kinds)


def changed_days(config: PlanConfig, week: Week, roster: Roster) -> list[tuple[str, date, str, str, str]]:
    """``(agent_id, date, before, after, change)`` for every agent-day whose shift, breaks or activities differ
    from the published roster (``day_text``; ``change_kind``), by agent and date; empty without a re-plan."""
    if config.replan is None:
        return []
    now = {(s.agent_id, s.date): s for s in roster.shifts}
    rows = []
    for agent in sorted(config.agents, key=lambda a: a.agent_id):
        for day in week.days():
            published = config.replan.published.get((agent.agent_id, day))
            shift = now.get((agent.agent_id, day))
            before, after = day_text(config, published), day_text(config, shift)
            if before != after:
                rows.append((agent.agent_id, day, before, after, change_kind(published, shift)))
    return rows


def changes_csv(rows: list[tuple[str, date, str, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CHANGES_WRITTEN)
    for agent_id, day, before, after, change in rows:
        writer.writerow([agent_id, day.isoformat(), before, after, change])
    return out.getvalue()
