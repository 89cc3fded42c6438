"""Small centres written as files (plan.yaml, agents.csv, requirements.csv) for ``wfm schedule`` end-to-end tests
and the fuzz test: a few agents, 30-minute intervals, every rule the config knows settable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

WEEK_START = date(2026, 3, 30)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
INTERVAL_MINUTES = 30


@dataclass(frozen=True)
class TinyAgent:
    agent_id: str
    contract: str
    skills: tuple[str, ...]
    availability: str = ""
    time_off: tuple[date, ...] = ()


@dataclass(frozen=True)
class TinyActivity:
    activity_id: str
    minutes: int
    agent_ids: tuple[str, ...]
    days: tuple[str, ...]
    earliest: str
    latest_end: str
    together: bool


@dataclass(frozen=True)
class TinyCentre:
    agents: tuple[TinyAgent, ...]
    queues: tuple[str, ...] = ("q1",)
    # per queue, slot of the week -> agents required (missing: 1 while open)
    required: dict[str, dict[int, int]] = field(default_factory=dict)
    contacts: float = 4.0
    aht_seconds: int = 300
    open_hours: tuple[str, str] = ("08:00", "20:00")
    max_agents_on_break: int | None = None
    activities: tuple[TinyActivity, ...] = ()
    full_time_hours: tuple[float, float] = (24, 40)
    part_time_hours: tuple[float, float] = (8, 24)
    max_days_per_week: int = 5
    min_days_per_week: int = 0
    max_consecutive_days: int = 6
    min_rest_hours: float = 11
    max_weekend_days: int = 2
    break_window: tuple[int, int] = (120, 300)  # minutes after the start of the day template's break
    late_template: bool = True


def _minute(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def plan_yaml(centre: TinyCentre) -> str:
    opening = f'"{centre.open_hours[0]}-{centre.open_hours[1]}"'
    lines = ["centre:", "  name: tiny", "  timezone: UTC", f"  interval_minutes: {INTERVAL_MINUTES}"]
    if centre.max_agents_on_break is not None:
        lines.append(f"  max_agents_on_break: {centre.max_agents_on_break}")
    lines += ["  opening_hours:", *(f"    {d}: {opening}" for d in WEEKDAYS),
              "history: history.csv", "agents: agents.csv", "forecast:", f"  week_start: {WEEK_START}", "queues:"]
    for queue_id in centre.queues:
        lines += [f"  - id: {queue_id}", "    channel: voice", "    service_level_target: 0.8",
                  "    answer_seconds: 20", f"    default_aht_seconds: {centre.aht_seconds}"]
    low, high = centre.break_window
    lines += [
        "shift_templates:",
        "  - id: day",
        "    length_minutes: 480",
        '    earliest_start: "08:00"',
        '    latest_start: "12:00"',
        "    start_step_minutes: 60",
        "    breaks:",
        f"      - {{kind: lunch, minutes: 30, earliest_after_start_minutes: {low}, "
        f"latest_after_start_minutes: {high}}}",
        "  - id: short",
        "    length_minutes: 240",
        '    earliest_start: "08:00"',
        '    latest_start: "16:00"',
        "    start_step_minutes: 60",
    ]
    if centre.late_template:
        lines += ["  - id: late", "    length_minutes: 480", '    earliest_start: "14:00"', '    latest_start: "16:00"',
                  "    breaks:", "      - {kind: break, minutes: 30, earliest_after_start_minutes: 180, "
                  "latest_after_start_minutes: 300}"]
    full_low, full_high = centre.full_time_hours
    part_low, part_high = centre.part_time_hours
    day_templates = "[day, late]" if centre.late_template else "[day]"
    for contract, (low_hours, high_hours), templates in (("full_time", (full_low, full_high), day_templates),
                                                          ("part_time", (part_low, part_high), "[short]")):
        lines += [f"  - id: {contract}", f"    min_weekly_hours: {low_hours}", f"    max_weekly_hours: {high_hours}",
                  f"    max_days_per_week: {centre.max_days_per_week}",
                  f"    min_days_per_week: {min(centre.min_days_per_week, centre.max_days_per_week)}",
                  f"    max_consecutive_days: {centre.max_consecutive_days}",
                  f"    min_rest_hours: {centre.min_rest_hours}",
                  f"    max_weekend_days: {centre.max_weekend_days}",
                  "    hourly_cost: 20", f"    shift_templates: {templates}"]
    index = lines.index("  - id: full_time")
    lines.insert(index, "contracts:")
    lines += ["solver:", "  time_limit_seconds: 3", "  seed: 0", "  deterministic: true"]
    if centre.activities:
        lines.append("activities:")
        for activity in centre.activities:
            lines += [f"  - id: {activity.activity_id}", f"    minutes: {activity.minutes}",
                      f"    agents: [{', '.join(activity.agent_ids)}]", f"    days: [{', '.join(activity.days)}]",
                      f'    earliest: "{activity.earliest}"', f'    latest_end: "{activity.latest_end}"',
                      f"    together: {'true' if activity.together else 'false'}"]
    return "\n".join(lines) + "\n"


def agents_csv(centre: TinyCentre) -> str:
    rows = ["agent_id,contract,skills,availability,time_off"]
    rows += [f"{a.agent_id},{a.contract},{';'.join(a.skills)},{a.availability},"
             f"{';'.join(d.isoformat() for d in a.time_off)}" for a in centre.agents]
    return "\n".join(rows) + "\n"


def requirements_csv(centre: TinyCentre) -> str:
    rows = ["interval_start,queue,contacts,aht_seconds,agents_required"]
    first, last = (_minute(t) for t in centre.open_hours)
    per_day = 24 * 60 // INTERVAL_MINUTES
    for day in range(7):
        for minute in range(first, last, INTERVAL_MINUTES):
            slot = day * per_day + minute // INTERVAL_MINUTES
            moment = f"{WEEK_START + timedelta(days=day)}T{minute // 60:02d}:{minute % 60:02d}:00"
            for queue_id in centre.queues:
                need = centre.required.get(queue_id, {}).get(slot, 1)
                rows.append(f"{moment},{queue_id},{centre.contacts},{centre.aht_seconds},{need}")
    return "\n".join(rows) + "\n"


def write(centre: TinyCentre, folder: Path) -> tuple[Path, Path]:
    """Write the centre; returns (plan.yaml, requirements.csv)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.yaml").write_text(plan_yaml(centre), encoding="utf-8")
    (folder / "agents.csv").write_text(agents_csv(centre), encoding="utf-8")
    (folder / "requirements.csv").write_text(requirements_csv(centre), encoding="utf-8")
    return folder / "plan.yaml", folder / "requirements.csv"
