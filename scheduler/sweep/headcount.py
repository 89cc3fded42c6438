"""Headcount search: the smallest number of added agents (``add_agents: {count: search}``) whose plan meets
every queue's service-level target, by bisection over plans.

The first round plans the two ends of the range at once; if the largest count misses the target, the search
ends there (target not met). Otherwise it bisects between the largest count known to miss and the smallest
known to meet. Which counts are planned depends only on the plans' results, never on how many run at once, so
the measured curve is the same on any executor. Bisection assumes more agents never lower the service level;
the curve it measured is reported so a planner can see where that did not hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduler.sweep.jobs import OK, JobOutcome
from scheduler.validation.kpis import Kpis

# Service levels are rounded to 6 decimals in kpis.json; a queue at its target within that meets it.
TARGET_TOLERANCE = 1e-9


def meets_targets(kpis: Kpis) -> bool:
    """Every queue's weekly service level reaches its target."""
    return all(kpis.service_level.by_queue.get(queue, 0.0) + TARGET_TOLERANCE >= target
               for queue, target in kpis.service_level_target.items())


@dataclass
class HeadcountSearch:
    """The search's state; ``next_counts`` says what to plan, ``record`` takes each plan's outcome."""

    low: int
    high: int
    outcomes: dict[int, JobOutcome] = field(default_factory=dict)
    failed: JobOutcome | None = None
    _pending: set[int] = field(default_factory=set)

    def next_counts(self) -> list[int]:
        """Counts to plan now (none while plans are out or when the search is over)."""
        if self._pending or self.done:
            return []
        if not self.outcomes:
            wanted = [self.low, self.high]
        else:
            low, high = self._bracket()
            wanted = [(low + high) // 2]
        self._pending.update(wanted)
        return wanted

    def record(self, count: int, outcome: JobOutcome) -> None:
        self._pending.discard(count)
        if outcome.status != OK or outcome.kpis is None:
            self.failed = self.failed or outcome
            return
        self.outcomes[count] = outcome

    def meets(self, count: int) -> bool:
        kpis = self.outcomes[count].kpis
        return kpis is not None and meets_targets(kpis)

    def _bracket(self) -> tuple[int, int]:
        """The largest count known to miss (``low - 1`` before the low end is planned) and the smallest known
        to meet."""
        missing = [c for c in self.outcomes if not self.meets(c)]
        meeting = [c for c in self.outcomes if self.meets(c)]
        return max(missing, default=self.low - 1), min(meeting, default=self.high + 1)

    @property
    def done(self) -> bool:
        if self.failed is not None:
            return not self._pending
        if self.low not in self.outcomes or self.high not in self.outcomes:
            return False
        if not self.meets(self.high) or self.meets(self.low):
            return True
        low, high = self._bracket()
        return high - low <= 1

    @property
    def answer(self) -> int | None:
        """The smallest count planned that meets every target (None: not met up to ``high``, or failed)."""
        if self.failed is not None:
            return None
        meeting = [c for c in self.outcomes if self.meets(c)]
        return min(meeting) if meeting else None

    @property
    def shown(self) -> int:
        """The count whose plan the sweep publishes: the answer, else the largest planned."""
        answer = self.answer
        return answer if answer is not None else max(self.outcomes, default=self.high)
