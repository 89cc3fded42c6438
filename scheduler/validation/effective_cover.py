"""An independent count of a roster's proficiency-weighted cover, from the roster's rows alone.

It shares no code with the solver (``scheduler.rostering``): it reads the roster frame (``validate.read_roster``),
puts each agent on the floor in an interval when a ``shift`` row covers the interval and no other row of the
agent (break, lunch, activity) overlaps it, and, per interval, gives each agent on the floor one queue they are
skilled for, as a 0/1 integer program per agent and queue (SCIP, through OR-Tools' linear solver), maximising
the cover in average agents: an agent brings ``round(100 * proficiency)`` hundredths of an average agent to the
queue, and a queue's cover is capped by its requirement. Under-staffing is the requirement less the cover;
over-staffing the heads on the floor beyond the cover (at least zero). With every proficiency 1 these are the
plain head counts. The solver's own figures must match these exactly.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from ortools.linear_solver import pywraplp

from scheduler.domain.plan import PlanConfig

HUNDREDTHS = 100


def _on_floor(roster: pd.DataFrame, week_start: date, interval_minutes: int, slots: int) -> dict[str, np.ndarray]:
    """Per agent, True in each interval of the week on a shift and clear of the agent's other rows."""
    origin = datetime.combine(week_start, datetime.min.time())
    step = timedelta(minutes=interval_minutes)
    starts = np.array([origin + k * step for k in range(slots)], dtype="datetime64[s]")
    ends = starts + np.timedelta64(interval_minutes * 60, "s")
    present: dict[str, np.ndarray] = {}
    away: dict[str, np.ndarray] = {}
    for agent_id, activity, first, last in zip(roster["agent_id"], roster["activity"], roster["start"], roster["end"],
                                               strict=True):
        start, end = pd.Timestamp(first).to_datetime64(), pd.Timestamp(last).to_datetime64()
        who = str(agent_id)
        if str(activity) == "shift":
            present[who] = present.get(who, np.zeros(slots, bool)) | ((starts >= start) & (ends <= end))
        else:
            away[who] = away.get(who, np.zeros(slots, bool)) | ((starts < end) & (ends > start))
    return {a: p & ~away.get(a, np.zeros(slots, bool)) for a, p in present.items()}


def _cover(agents: list[dict[str, int]], required: dict[str, int]) -> int:
    """The largest cover, in hundredths of an average agent, of ``required`` (heads per queue) by ``agents``
    (each a mapping queue -> hundredths the agent brings there)."""
    wanted = {q for q, r in required.items() if r > 0}
    if not any(wanted & set(skills) for skills in agents):
        return 0
    solver = pywraplp.Solver.CreateSolver("SCIP")
    cover = {q: solver.IntVar(0, HUNDREDTHS * r, f"cover_{q}") for q, r in required.items() if r > 0}
    brought: dict[str, list[tuple[pywraplp.Variable, int]]] = {q: [] for q in cover}
    for i, skills in enumerate(agents):
        choices = []
        for q, worth in skills.items():
            if q in cover:
                y = solver.BoolVar(f"y_{i}_{q}")
                choices.append(y)
                brought[q].append((y, worth))
        if choices:
            solver.Add(sum(choices) <= 1)
    if not cover:
        return 0
    for q, terms in brought.items():
        solver.Add(cover[q] <= sum(worth * y for y, worth in terms))
    solver.Maximize(sum(cover.values()))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        raise RuntimeError("the validator's cover of an interval was not solved to optimality")
    return int(round(solver.Objective().Value()))


def weighted_cover(config: PlanConfig, roster: pd.DataFrame, week_start: date, requirements: np.ndarray
                   ) -> tuple[float, float]:
    """Under- and over-staffing of ``roster`` (a ``validate.read_roster`` frame) in average agent-intervals,
    against ``requirements`` (heads per ``[queue, slot]``, config queue order, week from ``week_start``)."""
    slots = requirements.shape[1]
    floor = _on_floor(roster, week_start, config.interval_minutes, slots)
    queue_ids = [q.queue_id for q in config.queues]
    worth = {a.agent_id: {q: int(round(HUNDREDTHS * a.proficiency(q))) for q in a.skills} for a in config.agents}
    agent_ids = sorted(floor)
    under = over = 0
    for slot in range(slots):
        here = [a for a in agent_ids if floor[a][slot]]
        required = {q: int(requirements[i, slot]) for i, q in enumerate(queue_ids)}
        covered = _cover([worth[a] for a in here], required)
        under += HUNDREDTHS * sum(required.values()) - covered
        over += max(0, HUNDREDTHS * len(here) - covered)
    return under / HUNDREDTHS, over / HUNDREDTHS
