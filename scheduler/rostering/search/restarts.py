"""When another local-search run from the rounded LP roster is worth starting.

The solve restarts the local search (``search.polish``) from the same rounded roster with another seed while its
share of the budget lasts, and keeps the best roster. A run from the rounded roster spends most of its work
repairing the rounding's under-staffing before it reaches the moves that compare good rosters, so a run cut off
by the budget ends far from its local optimum: on 150-agent centres at 60 s, every cut-off restart scored worse
than the first, complete run (3-9% gap against 1.3-6%), spending a third of the budget for nothing. A restart is
therefore started only when the budget left covers the longest run so far; what is left goes to the phases after
it (agent-by-agent passes while cover falls short, neighbourhoods).
"""

from __future__ import annotations

# Budget a restart needs, as a multiple of the longest complete run so far (runs from the same roster with
# other seeds take about as long: within 25% on the centres measured).
RESTART_ROOM = 1.0


def restart_fits(budget_left: float, longest_run: float) -> bool:
    """Whether a run taking ``RESTART_ROOM`` times ``longest_run`` (budget units, or seconds in wall-clock mode)
    fits in ``budget_left`` (same unit)."""
    return budget_left >= RESTART_ROOM * longest_run
