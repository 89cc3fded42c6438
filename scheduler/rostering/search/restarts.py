"""When another local-search run from the rounded LP roster is worth starting.

The solve restarts the local search (``search.polish``) from the same rounded roster with another seed while its
share of the budget lasts, and keeps the best roster. A run from the rounded roster spends most of its work
repairing the rounding's under-staffing before it reaches the moves that compare good rosters, so a run cut off
by the budget ends far from its local optimum: on 150-agent centres at 60 s, every cut-off restart scored worse
than the first, complete run (3-9% gap against 1.3-6%), spending a third of the budget for nothing. A restart is
therefore started only when the budget left covers the longest run so far; what is left goes to the phases after
it (agent-by-agent passes while cover falls short, neighbourhoods).

When no further run from the rounded roster fits, the budget left goes first to *crossover* restarts: the best
roster with the whole weeks of half its agents taken from another run's roster (path relinking between two local
optima), polished again and kept if better; one starts only when the budget left covers the longest crossover run
so far (before the first, a share of the longest run from the rounded roster). At 60 s on 150-agent centres two
runs from the rounded roster leave too little for one (README "Where the worst gaps come from").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scheduler.domain.roster import Roster

# Budget a restart needs, as a multiple of the longest complete run so far (runs from the same roster with
# other seeds take about as long: within 25% on the centres measured).
RESTART_ROOM = 1.0


def restart_fits(budget_left: float, longest_run: float) -> bool:
    """Whether a run taking ``RESTART_ROOM`` times ``longest_run`` (budget units, or seconds in wall-clock mode)
    fits in ``budget_left`` (same unit)."""
    return budget_left >= RESTART_ROOM * longest_run


# Share of the agents whose weeks a crossover restart takes from the other roster (``crossover``), and the least
# budget left (deterministic units, or seconds in wall-clock mode) for which one is started.
CROSSOVER_SHARE = 0.5
CROSSOVER_MIN_LEFT = 0.5
# Budget the first crossover restart is assumed to take, as a share of the longest run from the rounded roster
# (a crossover's parents agree on most of the cover, so its run repairs less), then the longest crossover so far.
CROSSOVER_FIRST_GUESS = 0.6
# Crossover restarts at most (small centres finish a run in a fraction of the least budget left above).
MAX_CROSSOVERS = 10


def crossover(best: Roster, other: Roster, agent_ids: Sequence[str], rng: np.random.Generator,
              share: float = CROSSOVER_SHARE) -> Roster:
    """``best`` with the whole weeks of a random ``share`` of ``agent_ids`` taken from ``other`` (path relinking
    between two local optima: each week comes whole from a roster that kept the agent's own rules, so it still
    keeps them; the local search then repairs the cover where the two rosters disagree)."""
    chosen = set(rng.choice(sorted(agent_ids), size=max(1, round(share * len(agent_ids))), replace=False).tolist())
    shifts = [s for s in best.shifts if s.agent_id not in chosen] + [s for s in other.shifts if s.agent_id in chosen]
    return Roster(tuple(sorted(shifts, key=lambda s: (s.agent_id, s.date))))
