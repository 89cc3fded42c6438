"""Cumulative (deadline) cover across the weeks of a horizon (``--weeks N``): each week's solve sees its deferred
queues' deadlines, with the backlog the weeks before left.

The deferred queues' cumulative bounds are drawn once over the whole horizon (``app.channels.deadline_queues`` on
one grid of all its days, so an item arriving late on a Sunday falls due on Monday by the real deadline, on the
clock or in open hours). Week ``n``'s solve gets its window of them (``rostering.deadlines.window``) less the
useful heads the rosters of weeks ``1 .. n-1`` worked on the queue: what those weeks left, overdue or not yet due,
waits at the week's start. The heads a week's roster works are its best allocation's (``rules.deadline_cover.
exact_cover``), the ones the model counted on, which the horizon's backlog replay also allocates against.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scheduler.app.channels import deadline_queues
from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import Roster
from scheduler.domain.week import Week
from scheduler.rostering.coverage import on_floor_by_skills
from scheduler.rostering.deadlines import DeadlineQueue, done_heads, window
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import deadline_cover


class HorizonDeadlines:
    """The horizon's cumulative deadline queues and the useful heads the weeks solved so far worked on each.

    ``required``: the requirement rows per week (``plan_requirements``, the horizon's fluid plan cut per week).
    """

    def __init__(self, config: PlanConfig, first: Week, required: list[pd.DataFrame]) -> None:
        span = Week(first.start, first.interval_minutes, 7 * len(required))
        frames = [r for r in required if len(r)]
        self.queues = deadline_queues(config, span, pd.concat(frames, ignore_index=True)) if frames else ()
        self.done = {q.index: 0 for q in self.queues}

    def week(self, number: int, week: Week) -> tuple[DeadlineQueue, ...]:
        """The deadline queues of week ``number`` (0-based) as its solve sees them (slots of ``week``)."""
        first = number * week.slot_count
        return tuple(window(q, first, week.slot_count, self.done[q.index]) for q in self.queues)

    def worked(self, instance: Instance, roster: Roster) -> np.ndarray:
        """Record the heads the week's ``roster`` works on each deadline queue (``instance``: the week's, with
        ``week``'s queues) and return its planned rows (``rules.deadline_cover.planned_rows``: heads per
        ``[queue, slot]``, what the backlog replay allocates against)."""
        planned = deadline_cover.planned_rows(instance, on_floor_by_skills(instance.config, instance.week, roster))
        for queue in instance.deadlines:
            self.done[queue.index] += done_heads(queue, planned[queue.index])
        return planned
