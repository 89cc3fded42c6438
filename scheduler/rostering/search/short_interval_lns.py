"""Neighbourhoods aimed at the short intervals of a proficiency-weighted roster: the agents who could cover them,
with the agents who could take over the work they leave, re-planned for their whole weeks by CP-SAT.

On small centres with levels (25 agents, ``wfm example --levels``) the weighted search ends with a few
intervals short (chat at its 08:00 weekday opening): only a handful of agents may work that early, and every one
of them already works all the days their contract allows, so covering the opening needs days off swapped between
three or four agents at once. The local search moves one shift at a time and the solver's random neighbourhoods
(four agents' weeks, ten agents' days) rarely free the right agents together.

Here each neighbourhood is aimed: the roster's short intervals are ranked by their weighted shortfall (average
agents, ``rostering.effective_cover``), grouped by queue and day, and the worst groups are taken in turn. For a
group the *coverers* are the agents skilled for its queue (``min_level`` already applied to skills) with a shift
option that day spanning one of its short intervals, the most proficient first; the *absorbers* are agents who
share a queue with the coverers and could work the days the coverers work now, so the days and hours the
coverers leave can be taken over. Their whole weeks are freed together; the solver (``rostering.solve``) builds
the neighbourhood model with every rule of the freed agents hard, the floor rules against everyone else's counts
and the weighted cover of everyone else fixed, hinted with the current roster, and keeps the result only when the
exact objective improves. A centre of at most ``WHOLE_CENTRE_AGENTS`` agents first tries every agent's week at
once, with the current roster as the hint.

Off by default (``solve.SHORT_INTERVAL_SEARCH``): on ten centres of 25 and 40 agents with levels it found no better
roster at 45 s (README *Levels*, "Neighbourhoods aimed at the short intervals"). Its hint completion
(``complete_hint``) is what lets CP-SAT start such a neighbourhood from the current roster at all.

Deterministic: the targets depend only on the roster; ties and the choice among more candidates than fit use the
solver's seeded generator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from scheduler.domain.plan import PlanConfig
from scheduler.domain.roster import Roster, ShiftAssignment
from scheduler.domain.shifts import shift_options
from scheduler.domain.week import Week
from scheduler.rostering import effective_cover

# Coverers and absorbers freed together at most (whole weeks).
COVER_AGENTS = 6
ABSORB_AGENTS = 4
# Budget of one neighbourhood solve, in seconds (deterministic units in deterministic mode, as the solver's).
SECONDS = 2.0
# A centre of at most this many agents first tries every agent's week at once, with this budget.
WHOLE_CENTRE_AGENTS = 30
WHOLE_CENTRE_SECONDS = 8.0
# Share of the budget left when the search starts that it may take (the random neighbourhoods get the rest), and
# failed neighbourhoods in a row after which it stops: the targets repeat once no group improves.
SHARE = 0.6
MAX_FAILURES = 6
# Deterministic units at most for completing a neighbourhood's hint (``complete_hint``; about 0.2 s of CPU on 25
# agents, nearly all presolve).
COMPLETION_UNITS = 1.0
# Short intervals (per queue and day) below this many hundredths of an average agent are not aimed at.
MIN_SHORT_HUNDREDTHS = 1


@dataclass(frozen=True)
class Target:
    """One queue's short intervals on one day: the queue (config order index), the day (week index), the week
    slots short and their total shortfall in hundredths of an average agent."""

    queue: int
    day: int
    slots: tuple[int, ...]
    short_hundredths: int


def short_by_queue(config: PlanConfig, week: Week, roster: Roster, requirements: np.ndarray) -> np.ndarray:
    """Shortfall per ``[queue, slot]`` in hundredths of an average agent (int64): the requirement less the
    queue's cover under the roster's exact weighted allocation (``effective_cover.allocation_of``)."""
    groups, _, _, allocations = effective_cover.allocation_of(config, week, roster, requirements)
    raw = np.zeros(requirements.shape, dtype=np.int64)
    for slot, allocation in enumerate(allocations):
        for (g, q), heads in allocation.items():
            raw[q, slot] += heads * groups.weights_of[g][groups.queues_of[g].index(q)]
    needed = effective_cover.SCALE * requirements.astype(np.int64)
    return needed - np.minimum(raw, needed)


def targets(config: PlanConfig, week: Week, roster: Roster, requirements: np.ndarray) -> list[Target]:
    """The roster's short intervals grouped by queue and day, the largest total shortfall first (ties by queue,
    then day)."""
    short = short_by_queue(config, week, roster, requirements)
    found: list[Target] = []
    for q in range(short.shape[0]):
        for day in range(week.day_count):
            first = day * week.slots_per_day
            row = short[q, first:first + week.slots_per_day]
            slots = tuple(first + int(s) for s in np.flatnonzero(row >= MIN_SHORT_HUNDREDTHS).tolist())
            if slots:
                found.append(Target(q, day, slots, int(row.sum())))
    return sorted(found, key=lambda t: (-t.short_hundredths, t.queue, t.day))


def neighbourhood(config: PlanConfig, week: Week, target: Target, weeks: Mapping[str, Sequence[ShiftAssignment]],
                  rng: np.random.Generator) -> tuple[str, ...]:
    """The agents freed for ``target``: up to ``COVER_AGENTS`` coverers (skilled for its queue, with a shift option
    that day spanning one of its short slots; the most proficient first, those not on the floor then first among
    equals) and up to ``ABSORB_AGENTS`` absorbers (sharing a queue with a coverer, able to work the most of the
    days the coverers work now; ties in an order drawn by ``rng``). Sorted agent ids."""
    queue_id = config.queues[target.queue].queue_id
    date = week.day(target.day)
    coverers: list[tuple[float, int, str]] = []
    for agent in config.agents:
        if queue_id not in agent.skills:
            continue
        spans = [(week.slot(target.day, o.start_minute), week.slot(target.day, o.end_minute))
                 for o in shift_options(config, agent, week, target.day)]
        if not any(first <= slot < last for first, last in spans for slot in target.slots):
            continue
        works = any(s.date == date for s in weeks.get(agent.agent_id, ()))
        coverers.append((-agent.proficiency(queue_id), int(works), agent.agent_id))
    coverers.sort()
    if len(coverers) > COVER_AGENTS:  # the best half by rank, the rest drawn: another try differs
        kept = coverers[:COVER_AGENTS // 2]
        rest = coverers[COVER_AGENTS // 2:]
        drawn = rng.choice(len(rest), size=COVER_AGENTS - len(kept), replace=False).tolist()
        coverers = kept + [rest[i] for i in sorted(drawn)]
    chosen = [agent_id for _, _, agent_id in coverers]
    if not chosen:
        return ()
    # Absorbers: agents sharing a queue with a coverer who could work the days the coverers work now (most such
    # days first, ties in a random order), so a coverer's day or hours can move to the short interval.
    shared = {q for agent in config.agents if agent.agent_id in chosen for q in agent.skills}
    busy_days = sorted({week.day_index(s.date) for agent_id in chosen for s in weeks.get(agent_id, ())})
    others = [a for a in config.agents if a.agent_id not in chosen and shared.intersection(a.skills)]
    order = rng.permutation(len(others)).tolist()
    ranked = sorted(range(len(others)), key=lambda i: (
        -sum(bool(shift_options(config, others[i], week, day)) for day in busy_days), order[i]))
    chosen.extend(others[i].agent_id for i in ranked[:ABSORB_AGENTS])
    return tuple(sorted(chosen))


def search(config: PlanConfig, week: Week, requirements: np.ndarray,
           weeks: Callable[[], Mapping[str, Sequence[ShiftAssignment]]],
           solve: Callable[[tuple[str, ...], float], bool], left: Callable[[], float], spend_step: Callable[[], None],
           rng: np.random.Generator) -> int:
    """Aimed neighbourhoods while the roster (``weeks()``, each agent's shifts, read again after each solve) has
    short intervals, ``left()`` is above zero and fewer than ``MAX_FAILURES`` solves in a row found nothing.
    ``solve(agent_ids, seconds)`` re-plans those agents' whole weeks and keeps the result if better, returning
    whether it did; ``spend_step()`` charges one step's work outside CP-SAT (choosing it, evaluating the roster).
    On a centre of at most ``WHOLE_CENTRE_AGENTS`` agents every agent is freed first. Returns the improvements."""
    improved = 0
    if len(config.agents) <= WHOLE_CENTRE_AGENTS and left() > 0:
        spend_step()
        improved += solve(tuple(sorted(a.agent_id for a in config.agents)), WHOLE_CENTRE_SECONDS)
    failures = 0
    turn = 0  # which of the current targets is next: an improvement starts again from the worst
    tried: set[tuple[str, ...]] = set()
    found: list[Target] | None = None  # the current roster's targets, found again after an improvement
    while left() > 0 and failures < MAX_FAILURES:
        spend_step()
        current = weeks()
        if found is None:
            found = targets(config, week, Roster(tuple(s for shifts in current.values() for s in shifts)),
                            requirements)
        if not found:
            break
        target = found[turn % len(found)]
        turn += 1
        freed = neighbourhood(config, week, target, current, rng)
        if not freed or (freed in tried and turn > len(found)):
            failures += 1
            continue
        tried.add(freed)
        if solve(freed, SECONDS):
            improved += 1
            failures, turn, found = 0, 0, None
            tried.clear()
        else:
            failures += 1
    return improved


def complete_hint(model: cp_model.CpModel, units: float) -> float:
    """Complete ``model``'s hint (a roster's shifts, breaks and allocations; its cover and penalty variables
    left out) to a value for every variable: the model with each hinted variable fixed to its hint is solved
    (single-threaded, at most ``units`` deterministic units) and its solution becomes the hint. Without it CP-SAT
    may spend a neighbourhood's whole budget searching for the hinted roster's completion and return nothing.
    Returns the deterministic units spent; the hint is left as it was when no completion is found."""
    proto = model.proto
    fixed = model.clone()
    for index, value in zip(proto.solution_hint.vars, proto.solution_hint.values, strict=True):
        domain = fixed.proto.variables[index].domain
        domain.clear()
        domain.extend([value, value])
    fixed.clear_hints()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = units
    status = solver.solve(fixed)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        model.clear_hints()
        for index in range(len(proto.variables)):
            model.add_hint(model.get_int_var_from_proto_index(index),
                           solver.value(fixed.get_int_var_from_proto_index(index)))
    return solver.response_proto.deterministic_time
