"""The rostering instance: what every rostering and diagnosis function is asked about.

One immutable carrier instead of the ``(config, week, requirements)`` triple: the requirement array's shape is
checked against the config's queues and the week's slots once, here, and the array is made read-only so that no
phase can change what the others roster against.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from scheduler.domain.plan import PlanConfig
from scheduler.domain.week import Week
from scheduler.rostering.deadlines import DeadlineQueue
from scheduler.rostering.service_curves import WeeklyCurves


@dataclass(frozen=True)
class Instance:
    """A centre's week to roster.

    ``requirements`` is an int array ``[queue, slot]`` of agents required, queues in ``config.queues`` order and
    ``week.slot_count`` slots of ``config.interval_minutes`` minutes; it is stored as a read-only copy.
    ``deadlines``: the deferred queues covered cumulatively (``rostering.deadlines``; their requirement rows are
    then one plan that keeps the deadlines, which the per-interval searches use); empty: every row is covered
    interval by interval.
    """

    config: PlanConfig
    week: Week
    requirements: np.ndarray
    deadlines: tuple[DeadlineQueue, ...] = ()
    # the weekly service-level mode's answered-contact curves (``rostering.service_curves``); None: mode off
    service_curves: WeeklyCurves | None = None

    def __post_init__(self) -> None:
        if self.week.interval_minutes != self.config.interval_minutes:
            raise ValueError(f"the week's interval ({self.week.interval_minutes} min) is not the config's "
                             f"({self.config.interval_minutes} min)")
        required = np.asarray(self.requirements)
        expected = (len(self.config.queues), self.week.slot_count)
        if required.shape != expected:
            raise ValueError(f"requirements must have shape [queue, slot] = {expected} "
                             f"(queues {list(self.queue_ids)}), got {required.shape}")
        if required.size and not np.issubdtype(required.dtype, np.integer):
            raise ValueError(f"requirements must be whole agents (an integer array), got dtype {required.dtype}")
        if required.size and int(required.min()) < 0:
            raise ValueError(f"requirements must be >= 0, got {int(required.min())}")
        if required.dtype == np.int64 and not required.flags.writeable and required.base is None:
            return  # already a frozen array owning its data (another instance's): nothing can change it
        frozen = np.array(required, dtype=np.int64)  # a private copy: the caller's array stays theirs
        frozen.flags.writeable = False
        object.__setattr__(self, "requirements", frozen)

    @property
    def queue_ids(self) -> tuple[str, ...]:
        """The queues in requirement-row order."""
        return tuple(q.queue_id for q in self.config.queues)

    @property
    def slots(self) -> int:
        """Slots in the week (the requirement array's second axis)."""
        return self.week.slot_count

    def with_config(self, config: PlanConfig) -> Instance:
        """The same week and requirements under another config with the same queues (e.g. meetings fixed)."""
        return replace(self, config=config)

    def with_requirements(self, requirements: np.ndarray) -> Instance:
        """The same config and week with other requirements (e.g. padded by a shortfall)."""
        return replace(self, requirements=requirements)
