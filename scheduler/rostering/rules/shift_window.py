"""Hard: every shift starts no earlier than the contract's ``earliest_start_minute`` and ends no later than
its ``latest_end_minute`` (e.g. no late finishes for part-timers).

Candidates outside the window are simply switched off, like availability, which the candidates already obey.
"""

from __future__ import annotations

from scheduler.rostering.model import PenaltyTerm, RosterModel


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        contract = model.config.contract(agent.contract_id)
        if contract.earliest_start_minute is None and contract.latest_end_minute is None:
            continue
        for agent_day in model.days_of(agent):
            for option, var in zip(agent_day.options, agent_day.shift_vars, strict=True):
                if not contract.allows_shift(option.start_minute, option.end_minute):
                    model.cp.add(var == 0)
    return []
