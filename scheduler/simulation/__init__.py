"""Agent-level discrete-event simulation of a published roster (``wfm simulate``) and the service level a
roster delivers with multi-skill pooling and whole-shift absence (``kpis.json``'s ``predicted_service_level``).

``simulate`` runs replications of ``engine.run_replication`` and summarises them (``stats``); ``plan_folder``
reads a plan folder's files into a ``model.SimulationInput``.
"""

from __future__ import annotations

import numpy as np

from scheduler.errors import InputError
from scheduler.simulation.engine import Replication, run_replication
from scheduler.simulation.model import SimulationInput, check_routing
from scheduler.simulation.stats import SimulationResult, summarise

MAX_REPLICATIONS = 10_000
# Expected contacts in one simulated week: the per-contact arrays of a replication stay in memory (about 60
# bytes a contact), so a bigger forecast is refused rather than exhausting memory.
MAX_CONTACTS_PER_WEEK = 5_000_000

__all__ = ["MAX_CONTACTS_PER_WEEK", "MAX_REPLICATIONS", "Replication", "SimulationInput", "SimulationResult",
           "absence_rate_of", "check_replications", "replications", "simulate"]


def absence_rate_of(option: str | float, inp: SimulationInput) -> float:
    """``plan`` (the plan's shrinkage), ``none`` (0) or a share in [0, 1)."""
    if option == "plan":
        return inp.absence_rate
    if option == "none":
        return 0.0
    try:
        rate = float(option)
    except (TypeError, ValueError):
        raise InputError(f"--absence must be plan, none or a number in [0, 1), got {str(option)[:40]!r}") from None
    if not 0 <= rate < 1:
        raise InputError(f"--absence must be in [0, 1), got {rate:g}")
    return rate


def check_replications(reps: int) -> int:
    if not 1 <= reps <= MAX_REPLICATIONS:
        raise InputError(f"--reps must be in [1, {MAX_REPLICATIONS:,}], got {reps}")
    return reps


def replications(inp: SimulationInput, reps: int, seed: int, routing: str, absence_rate: float
                 ) -> list[Replication]:
    """``reps`` independent replications; replication ``r`` draws from its own stream spawned from ``seed``,
    so the first ``r`` replications are the same whatever ``reps`` is."""
    check_routing(routing)
    expected = float(inp.contacts.sum())
    if expected > MAX_CONTACTS_PER_WEEK:
        raise InputError(f"forecast: {expected:,.0f} contacts in the week is more than the simulation takes "
                         f"({MAX_CONTACTS_PER_WEEK:,})")
    streams = np.random.SeedSequence(seed).spawn(check_replications(reps))
    return [run_replication(inp, np.random.default_rng(s), routing, absence_rate) for s in streams]


def simulate(inp: SimulationInput, *, reps: int = 30, seed: int = 0, routing: str = "longest-waiting",
             absence: str | float = "plan") -> SimulationResult:
    """Simulate the roster ``reps`` times; figures per queue and overall with 95% confidence intervals."""
    if not 0 <= seed <= 2**32 - 1:
        raise InputError(f"--seed must be in [0, {2**32 - 1}], got {seed}")
    rate = absence_rate_of(absence, inp)
    return summarise(inp, replications(inp, reps, seed, routing, rate), seed, routing, rate)
