"""An e-commerce-like centre rebuilt from issue 13's description, for tests and manual reproduction.

Eight queues (pre-sales chat and phone, after-sales chat and phone, complaints, email, social, and a floor-lead
pseudo-queue), China's public holidays (``holidays: CN``), a coaching session for seven agents, a team meeting of
the floor leads, and a centre-wide break cap. ``write_centre`` writes ``history.csv`` (6 weeks of 15-minute
counts), ``agents.csv``, ``plan.yaml`` and ``requirements.csv`` (a flat requirement per open interval, for
``wfm schedule --requirements``) into a folder. Same arguments, same bytes.

Manual reproduction at the issue's size: ``python tests/ecommerce_centre.py /tmp/centre 80 16``.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np

QUEUES = (  # id, channel, concurrency, contacts per open interval on a weekday, AHT seconds
    ("presales_chat", "chat", 2, 6.0, 420),
    ("presales_phone", "voice", 1, 4.0, 300),
    ("aftersales_chat", "chat", 2, 5.0, 480),
    ("aftersales_phone", "voice", 1, 3.0, 360),
    ("complaints", "voice", 1, 1.0, 600),
    ("email", "email", 1, 2.0, 420),
    ("social", "chat", 2, 1.0, 300),
    ("floor_lead", "voice", 1, 0.2, 300),
)
SKILL_SETS = (
    ("presales_chat", "presales_phone"),
    ("aftersales_chat", "aftersales_phone"),
    ("presales_chat", "aftersales_chat", "social"),
    ("complaints", "aftersales_phone"),
    ("email", "social"),
    ("presales_phone", "aftersales_phone", "complaints"),
)
WEEK_START = date(2026, 4, 6)  # a Monday; Qingming (2026-04-05) falls in the history
HISTORY_WEEKS = 6
OPEN_MINUTE, CLOSE_MINUTE = 8 * 60, 22 * 60


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def agents_csv(agents: int) -> str:
    lines = ["agent_id,contract,skills,availability,time_off"]
    for number in range(1, agents + 1):
        agent_id = f"M{number:02d}"
        if number % 10 == 0:
            contract, skills = "full_time", ("floor_lead", "complaints")
        else:
            contract = "part_time" if number % 4 == 0 else "full_time"
            skills = SKILL_SETS[number % len(SKILL_SETS)]
        lines.append(f"{agent_id},{contract},{';'.join(skills)},,")
    return "\n".join(lines) + "\n"


def history_csv(seed: int) -> str:
    rng = np.random.default_rng(seed)
    first = WEEK_START - timedelta(days=7 * HISTORY_WEEKS)
    rows = ["interval_start,queue,contacts,aht_seconds"]
    for offset in range(7 * HISTORY_WEEKS):
        day = first + timedelta(days=offset)
        weekend = 0.7 if day.weekday() >= 5 else 1.0
        for minute in range(OPEN_MINUTE, CLOSE_MINUTE, 15):
            shape = 0.6 + 0.8 * np.sin(np.pi * (minute - OPEN_MINUTE) / (CLOSE_MINUTE - OPEN_MINUTE))
            for queue_id, _channel, _concurrency, rate, aht in QUEUES:
                count = int(rng.poisson(rate * shape * weekend))
                shown = f"{aht * rng.uniform(0.9, 1.1):.1f}" if count else ""
                rows.append(f"{day.isoformat()}T{_clock(minute)}:00,{queue_id},{count},{shown}")
    return "\n".join(rows) + "\n"


def requirements_csv(agents: int) -> str:
    """One agent per open interval on each queue but the floor lead's (two on the chats at peak), scaled down
    for small centres so the requirement stays near what the agents can give."""
    rows = ["interval_start,queue,contacts,aht_seconds,agents_required"]
    for offset in range(7):
        day = WEEK_START + timedelta(days=offset)
        for minute in range(OPEN_MINUTE, CLOSE_MINUTE, 15):
            for queue_id, _channel, _concurrency, rate, aht in QUEUES:
                peak = 10 * 60 <= minute < 20 * 60 and queue_id.endswith("chat") and agents >= 40
                need = (2 if peak else 1) if queue_id != "floor_lead" else 0
                rows.append(f"{day.isoformat()}T{_clock(minute)}:00,{queue_id},{rate:.1f},{aht},{need}")
    return "\n".join(rows) + "\n"


def plan_yaml(agents: int, max_agents_on_break: int | None, time_limit_seconds: float) -> str:
    ids = [f"M{n:02d}" for n in range(1, agents + 1)]
    coached = [a for i, a in enumerate(ids) if (i + 1) % 10][:7]
    leads = [a for i, a in enumerate(ids) if (i + 1) % 10 == 0] or ids[:2]
    lines = [
        "centre:",
        '  name: "E-commerce centre"',
        "  timezone: Asia/Shanghai",
        "  interval_minutes: 15",
    ]
    if max_agents_on_break is not None:
        lines.append(f"  max_agents_on_break: {max_agents_on_break}")
    lines += ["  opening_hours:"] + [f'    {d}: "{_clock(OPEN_MINUTE)}-{_clock(CLOSE_MINUTE)}"'
                                     for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]
    lines += [
        "history: history.csv",
        "agents: agents.csv",
        "holidays: CN",
        "forecast:",
        f"  week_start: {WEEK_START.isoformat()}",
        "queues:",
    ]
    for queue_id, channel, concurrency, _rate, aht in QUEUES:
        lines += [f"  - id: {queue_id}", f"    channel: {channel}", "    service_level_target: 0.8",
                  f"    answer_seconds: {3600 if channel == 'email' else 30}", f"    default_aht_seconds: {aht}",
                  "    max_occupancy: 0.85", f"    concurrency: {concurrency}"]
    lines += [
        "shrinkage: 0.1",
        "shift_templates:",
        "  - id: day8",
        "    length_minutes: 510",
        '    earliest_start: "08:00"',
        '    latest_start: "13:30"',
        "    start_step_minutes: 30",
        "    min_break_gap_minutes: 60",
        "    breaks:",
        "      - {name: break1, kind: break, minutes: 15, earliest_after_start_minutes: 90, "
        "latest_after_start_minutes: 180}",
        "      - {name: lunch, kind: lunch, minutes: 30, earliest_after_start_minutes: 210, "
        "latest_after_start_minutes: 300}",
        "      - {name: break2, kind: break, minutes: 15, earliest_after_start_minutes: 330, "
        "latest_after_start_minutes: 420}",
        "  - id: part5",
        "    length_minutes: 300",
        '    earliest_start: "08:00"',
        '    latest_start: "17:00"',
        "    start_step_minutes: 30",
        "    breaks:",
        "      - {name: break, kind: break, minutes: 15, earliest_after_start_minutes: 90, "
        "latest_after_start_minutes: 180}",
        "contracts:",
        "  - id: full_time",
        "    min_weekly_hours: 32",
        "    max_weekly_hours: 40",
        "    max_days_per_week: 5",
        "    min_rest_hours: 11",
        "    max_consecutive_days: 5",
        "    hourly_cost: 30",
        "    shift_templates: [day8]",
        "  - id: part_time",
        "    min_weekly_hours: 15",
        "    max_weekly_hours: 25",
        "    max_days_per_week: 5",
        "    min_rest_hours: 11",
        "    max_consecutive_days: 5",
        "    hourly_cost: 25",
        "    shift_templates: [part5]",
        "solver:",
        f"  time_limit_seconds: {time_limit_seconds}",
        "  seed: 0",
        "  deterministic: true",
        "activities:",
        "  - id: coaching",
        "    minutes: 60",
        f"    agents: [{', '.join(coached)}]",
        "    days: [mon, tue, wed, thu, fri]",
        '    earliest: "09:00"',
        '    latest_end: "18:00"',
        "    together: false",
        "  - id: team_meeting",
        "    minutes: 30",
        f"    agents: [{', '.join(leads)}]",
        "    days: [tue, wed, thu]",
        '    earliest: "10:00"',
        '    latest_end: "16:00"',
        "    together: true",
    ]
    return "\n".join(lines) + "\n"


def write_centre(folder: Path, *, agents: int = 24, max_agents_on_break: int | None = 4, seed: int = 0,
                 time_limit_seconds: float = 10) -> Path:
    """Write the centre's files into ``folder``; returns the path of ``plan.yaml``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "history.csv").write_text(history_csv(seed), encoding="utf-8")
    (folder / "agents.csv").write_text(agents_csv(agents), encoding="utf-8")
    (folder / "requirements.csv").write_text(requirements_csv(agents), encoding="utf-8")
    (folder / "plan.yaml").write_text(plan_yaml(agents, max_agents_on_break, time_limit_seconds), encoding="utf-8")
    return folder / "plan.yaml"


if __name__ == "__main__":
    cap = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    print(write_centre(Path(sys.argv[1]), agents=int(sys.argv[2]) if len(sys.argv) > 2 else 80,
                       max_agents_on_break=cap, time_limit_seconds=90))
