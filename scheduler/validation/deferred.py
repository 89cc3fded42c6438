"""An independent bound on what a roster can give a deferred queue, for checking the published figures.

Shares no code with the staffing model (``forecasting.queueing.deferred``), the replay (``scheduler.app.channels``)
or the solver: from the config, a roster frame (``validation.validate.read_roster``) and the requirement rows
(``interval_start, queue, contacts, aht_seconds``), it gives each deferred queue the time of *every* agent skilled
for it while on the floor (on shift, not on a break, lunch or activity), after shrinkage, as if no live queue needed
them, and serves the work first in first out, item fractions by the end of the interval. No allocation of the
agents can do better, so the share within the deadline published in ``kpis.json`` may never exceed this one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from scheduler.domain.plan import PlanConfig, Queue

SECONDS_PER_MINUTE = 60


def _open(queue: Queue, moment: datetime) -> bool:
    window = queue.opening_hours.window(moment.weekday())
    minute = moment.hour * 60 + moment.minute
    return window is not None and window.start_minute <= minute < window.end_minute


def within_deadline_bounds(config: PlanConfig, week_start: date, roster: pd.DataFrame,
                           requirements: pd.DataFrame) -> dict[str, float]:
    """Per deferred queue, the highest share of the work falling due in the week that the roster's skilled agents
    could handle within the deadline (module docstring); 1.0 when none falls due."""
    interval = config.interval_minutes
    start = datetime.combine(week_start, datetime.min.time())
    count = 7 * 24 * 60 // interval
    moments = [start + timedelta(minutes=interval * i) for i in range(count)]
    skills = {a.agent_id: set(a.skills) for a in config.agents}
    shifts = roster[roster["activity"] == "shift"]
    away = roster[roster["activity"] != "shift"]
    bounds = {}
    for queue in config.queues:
        if queue.deadline_minutes is None:
            continue
        heads = [0.0] * count
        for rows, sign in ((shifts, 1), (away, -1)):
            for agent_id, begin, end in zip(rows["agent_id"], rows["start"], rows["end"], strict=True):
                if queue.queue_id not in skills.get(agent_id, set()):
                    continue
                first = int((begin - start).total_seconds() // (interval * SECONDS_PER_MINUTE))
                last = int((end - start).total_seconds() // (interval * SECONDS_PER_MINUTE))
                for index in range(max(first, 0), min(last, count)):
                    heads[index] += sign
        rows = requirements[requirements["queue"] == queue.queue_id]
        arrived = [0.0] * count
        for moment, contacts, aht in zip(rows["interval_start"], rows["contacts"], rows["aht_seconds"], strict=True):
            index = int((moment - start).total_seconds() // (interval * SECONDS_PER_MINUTE))
            if 0 <= index < count:
                arrived[index] += float(contacts) * float(aht) / (interval * SECONDS_PER_MINUTE)
        opens = [_open(queue, m) for m in moments]
        steps = queue.deadline_minutes // interval
        # FIFO: ``served`` is the cumulative work done by the end of each interval
        served, total, done = [], 0.0, 0.0
        for index in range(count):
            total += arrived[index]
            capacity = heads[index] * (1.0 - config.shrinkage) if opens[index] else 0.0
            done = min(total, done + capacity)
            served.append(done)
        due_work = in_time = 0.0
        before = 0.0
        for index in range(count):
            work = arrived[index]
            due = index + steps - 1 if queue.deadline_clock == "elapsed" else _open_due(opens, index, steps)
            if due < count and work > 0:
                due_work += work
                in_time += min(max(served[due] - before, 0.0), work)
            before += work
        bounds[queue.queue_id] = in_time / due_work if due_work > 0 else 1.0
    return bounds


def _open_due(opens: list[bool], arrival: int, steps: int) -> int:
    counted = 0
    for index in range(arrival, len(opens)):
        counted += opens[index]
        if counted == steps:
            return index
    return len(opens)
