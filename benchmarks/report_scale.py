"""The plan report and roster.xlsx at centre sizes up to 1,000 agents and more: page size, build time, the time
headless Chromium takes to load the page and draw the agents' schedule, and the workbook's size and build time.

    python benchmarks/report_scale.py                       # 100, 1,000 agents
    python benchmarks/report_scale.py --agents 1000 3000 --browser

The report's data is synthetic but shaped like a plan's (``synthetic_report``): 3 queues of 15-minute intervals,
agents in 4 teams, 3 levels and 3 contracts, each working 5 days of 8.5-hour shifts with two breaks and a lunch,
every tenth agent with a 1-hour activity, a holiday on the Friday and a re-plan's changes on 2% of agent-days.
Build time is ``render`` alone (CPU seconds, ``time.process_time``); reading a plan folder adds the CSV reads.
The workbook is ``roster_workbook`` with the roster grid and the daily sheet (a one-row coverage sheet).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from scheduler.io.daily_totals import daily_totals
from scheduler.io.exports import Segment, roster_workbook
from scheduler.io.roster_grid import AgentProfile, agent_days
from scheduler.report.data import AgentWeek, MarkedDay, QueueSeries, ReportData
from scheduler.report.page import render

WEEK_START = date(2026, 3, 30)
INTERVAL_MINUTES = 15
QUEUES = ("sales", "service", "chat")


def synthetic_report(agents: int, seed: int = 0) -> ReportData:
    """A plan-shaped ``ReportData`` of ``agents`` agents (module docstring)."""
    rng = random.Random(seed)
    slots = 7 * 24 * 60 // INTERVAL_MINUTES
    weeks: list[AgentWeek] = []
    changes = []
    for number in range(agents):
        agent_id = f"A{number:05d}"
        segments: list[Segment] = []
        off = set(rng.sample(range(7), 2))
        for d in (d for d in range(7) if d not in off):
            day = WEEK_START + timedelta(days=d)
            start = (datetime.combine(day, datetime.min.time())
                     + timedelta(minutes=rng.choice(range(6 * 60, 14 * 60, 15))))
            segments.append(Segment(agent_id, day, "shift", start, start + timedelta(minutes=510)))
            for kind, after, length in (("break", 120, 15), ("lunch", 240, 30), ("break", 390, 15)):
                begin = start + timedelta(minutes=after + rng.choice((0, 15, 30)))
                segments.append(Segment(agent_id, day, kind, begin, begin + timedelta(minutes=length)))
            if number % 10 == 0 and d == min(set(range(7)) - off):
                begin = start + timedelta(minutes=300)
                segments.append(Segment(agent_id, day, "coaching", begin, begin + timedelta(minutes=60)))
            if rng.random() < 0.02:
                end = start + timedelta(minutes=510)
                changes.append((agent_id, day.isoformat(), "08:00-16:30", f"{start:%H:%M}-{end:%H:%M}",
                                "shift changed"))
        shifts = agent_days(segments)
        weeks.append(AgentWeek(agent_id, ("full_time", "part_time", "weekend")[number % 3],
                               tuple(sorted(rng.sample(QUEUES, rng.choice((1, 2))))), tuple(segments),
                               f"team {number % 4 + 1}", ("junior", "mid", "senior")[number % 3], frozenset(),
                               tuple(s for key in sorted(shifts) for s in shifts[key])))
    hours = np.arange(slots) % (24 * 60 // INTERVAL_MINUTES) / (60 / INTERVAL_MINUTES)
    open_ = (hours >= 8) & (hours < 20)
    series = []
    frames = []
    starts = pd.date_range(datetime.combine(WEEK_START, datetime.min.time()), periods=slots,
                           freq=f"{INTERVAL_MINUTES}min")
    for queue in QUEUES:
        required = np.where(open_, np.rint(agents / 9 * (1 + 0.5 * np.sin(hours / 3))), np.nan)
        scheduled = np.where(open_, required + np.array([rng.choice((-2, -1, 0, 0, 1, 2)) for _ in range(slots)]),
                             np.nan)
        level = np.where(open_, np.clip(0.8 + (scheduled - required) * 0.05, 0, 1), np.nan)
        forecast = np.where(open_, required * 3.5, np.nan)
        series.append(QueueSeries(queue, "voice", 0.8, required, scheduled, level, forecast,
                                  np.tile(forecast, 3)))
        frames.append(pd.DataFrame({"interval_start": starts, "queue": queue, "required": required,
                                    "scheduled": scheduled, "service_level": level, "contacts": forecast})
                      .loc[open_])
    table = pd.concat(frames, ignore_index=True)
    paid: dict[date, int] = {}
    for week in weeks:
        for shift in week.days:
            paid[shift.day] = paid.get(shift.day, 0) + shift.paid_minutes
    kpis = {"service_level": {"overall": 0.8, "by_queue": dict.fromkeys(QUEUES, 0.8)},
            "service_level_target": dict.fromkeys(QUEUES, 0.8), "understaffed_agent_hours": 10.0,
            "overstaffed_agent_hours": 5.0, "paid_hours": sum(paid.values()) / 60, "cost": 1000.0,
            "solver": {"gap": 0.01, "status": "FEASIBLE", "objective": 1.0, "best_bound": 1.0, "seed": 0},
            "penalties": {}, "shifts": sum(len(w.days) for w in weeks)}
    short = table[table["scheduled"] < table["required"]].reset_index(drop=True)
    return ReportData(
        title=f"Synthetic centre ({agents} agents)", week_start=WEEK_START, interval_minutes=INTERVAL_MINUTES,
        timezone="Europe/Dublin", kpis=kpis, queues=tuple(series), agents=tuple(weeks), understaffed=short,
        changes=tuple(changes), marked_days=(MarkedDay(WEEK_START + timedelta(days=4), "holiday", "Good Friday"),),
        daily=daily_totals(table, table, QUEUES, WEEK_START, INTERVAL_MINUTES, paid))


def browser_seconds(page: Path) -> float:
    """Wall seconds from navigation to the schedule drawn, in headless Chromium (tests/test_report.py's driver)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from test_report import CHROMIUM, DevTools

    if not CHROMIUM.is_file():
        return float("nan")
    profile = Path(tempfile.mkdtemp(prefix="wfm-chromium-"))
    tools = DevTools(profile)
    try:
        target = next(t for t in tools.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        session = tools.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})["sessionId"]
        tools.send("Page.enable", session=session)
        began = time.perf_counter()
        tools.send("Page.navigate", {"url": page.as_uri()}, session=session)
        tools.wait_event("Page.loadEventFired", timeout=300)
        drawn = tools.send("Runtime.evaluate", {"expression": "document.querySelectorAll('#gantt text.agent').length",
                                                "returnByValue": True}, session=session)["result"]["value"]
        seconds = time.perf_counter() - began
        assert drawn > 0
    finally:
        tools.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--browser", action="store_true", help="also time the page in headless Chromium")
    args = parser.parse_args()
    print(f"{'agents':>7} {'page MB':>8} {'render CPU s':>13} {'browser s':>10} {'xlsx MB':>8} {'xlsx CPU s':>11}")
    for agents in args.agents:
        data = synthetic_report(agents)
        began = time.process_time()
        text = render(data)
        cpu = time.process_time() - began
        browser = float("nan")
        if args.browser:
            with tempfile.TemporaryDirectory() as folder:
                page = Path(folder) / "report.html"
                page.write_text(text, encoding="utf-8")
                browser = browser_seconds(page)
        began = time.process_time()
        cover = pd.DataFrame({"interval_start": [pd.Timestamp(WEEK_START)], "queue": [QUEUES[0]], "required": [1.0],
                              "scheduled": [1.0], "service_level": [1.0]})
        book = roster_workbook([s for a in data.agents for s in a.segments], cover, WEEK_START,
                               profiles=[AgentProfile(a.agent_id, a.contract_id, a.skills, a.team, a.level)
                                         for a in data.agents], daily=data.daily)
        book_cpu = time.process_time() - began
        print(f"{agents:>7} {len(text.encode()) / 1e6:>8.2f} {cpu:>13.2f} {browser:>10.2f} {len(book) / 1e6:>8.2f} "
              f"{book_cpu:>11.2f}")


if __name__ == "__main__":
    main()
