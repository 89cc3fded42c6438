"""A deferred queue whose deadline its skilled agents cannot keep, whatever the roster (a pre-solve warning).

An item arriving in slot ``t`` can only be worked in an open slot from ``t`` to the slot it falls due by
(``due_slots``). Arrivals are grouped by the first open slot they can be worked in, each group's window running
to the latest due slot among them. A shift touches the groups whose window meets its open slots, a run of them;
an agent works at most one shift a day, on at most ``max_days.most_days`` days, and at most as many shifts as its
most paid minutes (``weekly_hours``, leave included) hold of its shortest option. So the work the skilled agents
can reach in time is at most the sum, over each of them, of its best days' best shift's reach; the rest of the
week's due work (and any falling due before the queue opens again) is late whatever the roster. When the share
left is below the queue's ``service_level_target``, one line names the queue, the open hours its arrivals span,
the deadline and the skilled agents' most hours. Every step over-counts what the agents can reach (each works
only this queue, every shift at its best start, agents' reaches counted apart even where they overlap), so the
warning is never raised where some roster could keep the target. The roster is still built (``warnings``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scheduler.app.channels import deadline_work
from scheduler.domain.plan import Agent, PlanConfig, Queue
from scheduler.domain.shifts import shift_options
from scheduler.domain.week import Week
from scheduler.rostering.rules import agent_week, max_days, weekly_hours

EPSILON = 1e-9


def unreachable_deadlines(config: PlanConfig, week: Week, required: pd.DataFrame) -> dict[str, str]:
    """Per deferred queue whose target share within the deadline no roster reaches, in queue order, the warning
    line (without ``warning:``). ``required``: the requirement rows (``queue``, ``interval_start``, ``contacts``,
    ``aht_seconds``)."""
    lines = {}
    for queue in config.queues:
        if not queue.deferred or queue.deadline_minutes is None:
            continue
        skilled = [a for a in config.agents if queue.queue_id in a.skills]
        if not skilled:
            continue  # ``implausible_input`` says no agent is skilled for it
        line = _queue_line(config, week, required, queue, queue.deadline_minutes, skilled)
        if line is not None:
            lines[queue.queue_id] = line
    return lines


def _queue_line(config: PlanConfig, week: Week, required: pd.DataFrame, queue: Queue, deadline_minutes: int,
                skilled: list[Agent]) -> str | None:
    work, is_open, due = deadline_work(config, week, required, queue)
    slots = work.size
    counted = (work > EPSILON) & (due < slots)  # what falls due after the week is next week's to judge
    total = float(work[counted].sum())
    if total <= EPSILON:
        return None
    open_slots = np.flatnonzero(is_open)
    first = np.searchsorted(open_slots, np.arange(slots))  # rank of the first open slot at or after each slot
    last = np.searchsorted(open_slots, due, side="right") - 1  # rank of the last open slot by the due slot
    late = counted & (last < first)  # due before the queue opens again: late whatever is done
    kept = counted & ~late
    groups = np.zeros(open_slots.size)
    np.add.at(groups, first[kept], work[kept])
    reach_to = np.full(open_slots.size, -1)
    np.maximum.at(reach_to, first[kept], last[kept])
    reach_to = np.maximum.accumulate(reach_to)  # the latest rank each group (or one before it) may be worked in
    cumulative = np.concatenate(([0.0], np.cumsum(groups)))
    reached = sum(_most_reached(config, week, agent, open_slots, reach_to, cumulative) for agent in skilled)
    missed = float(work[late].sum()) + max(0.0, float(groups.sum()) - reached)
    best = 1.0 - missed / total
    if best >= queue.service_level_target - EPSILON:
        return None
    hours = config.interval_minutes / 60
    arrival_hours = np.unique(first[kept]).size * hours
    most = sum(weekly_hours.paid_range(agent_week(config, week, a))[1] for a in skilled) / 60
    return (f"queue {queue.queue_id}: its work arrives over {arrival_hours:,.1f} open hours of the week and must be "
            f"worked within {deadline_minutes} min, but its {len(skilled)} skilled agent(s) can work at most "
            f"{most:,.1f} h in the week: at most {best:.0%} of its work can be handled within the deadline whatever "
            f"the roster (service_level_target {queue.service_level_target:.0%}); skill more agents for it or "
            "lengthen its deadline_minutes")


def _most_reached(config: PlanConfig, week: Week, agent: Agent, open_slots: np.ndarray, reach_to: np.ndarray,
                  cumulative: np.ndarray) -> float:
    """The most work (agent-intervals) the agent's shifts can touch in time: its best days' best shift each."""
    best_by_day, shortest = [], None
    for day in range(7):
        options = shift_options(config, agent, week, day)
        if not options:
            continue
        starts = np.array([week.slot(day, o.start_minute) for o in options])
        ends = starts + np.array([-(-o.template.length_minutes // config.interval_minutes) for o in options])
        low = np.searchsorted(open_slots, starts)  # the shift's first and last open rank
        high = np.searchsorted(open_slots, ends) - 1
        earliest = np.searchsorted(reach_to, low)  # the first group still in time at the shift's first open slot
        touched = np.where(high >= low, cumulative[np.maximum(high + 1, 0)] - cumulative[earliest], 0.0)
        best_by_day.append(float(touched.max()))
        paid = min(o.paid_minutes for o in options)
        shortest = paid if shortest is None else min(shortest, paid)
    if not best_by_day or shortest is None:
        return 0.0
    facts = agent_week(config, week, agent)
    shifts = min(max_days.most_days(facts), weekly_hours.paid_range(facts)[1] // max(shortest, 1))
    return float(sum(sorted(best_by_day, reverse=True)[:shifts]))
