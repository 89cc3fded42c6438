"""Hard: at least the contract's ``min_rest_minutes`` between the end of a shift and the next day's start.

Encoded per candidate of the later day: that candidate and every earlier-day candidate ending too late for
it are mutually exclusive (one at-most-one each, which propagates better than a big-M on start times).
"""

from __future__ import annotations

from scheduler.domain.plan import MINUTES_PER_DAY
from scheduler.rostering.model import PenaltyTerm, RosterModel


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        rest = model.config.contract(agent.contract_id).min_rest_minutes
        days = model.days_of(agent)
        for earlier, later in zip(days, days[1:], strict=False):
            for option, var in zip(later.options, later.shift_vars, strict=True):
                latest_end = option.start_minute + MINUTES_PER_DAY - rest
                clashing = [v for o, v in zip(earlier.options, earlier.shift_vars, strict=True)
                            if o.end_minute > latest_end]
                if clashing:
                    model.cp.add_at_most_one([var, *clashing])
    return []
