"""A proven bound from column generation over agents' weeks (a Dantzig-Wolfe reformulation of the aggregate).

``search.lower_bound``'s aggregate LP counts a class's shifts per day and, per skill set, the breaks of those
shifts at each start: it never says which agent takes which start on consecutive days, nor which breaks go with
which shift. Here a column is one agent's whole WEEK: per day off, or a template at one start with each of its
breaks at one whole position. The master LP has the aggregate's cover structure (floor heads per skill set and
slot allocated to queues, the cover rows, the break cap, the hard floor rules) and one convexity row per class
(its columns' weights sum to its size). Its columns are priced by the master's duals: per class, per day and
template, the best start and break positions (a DP over the breaks, kept in order and spaced as
``rules.breaks`` checks them), then per weekly pattern (``lower_bound.weekly_patterns``: the days rules and the
weekly hours) the best week, min rest between days kept by a DP over the days (``rules.min_rest.rested``).
Every priced week is checked with every agent rule (``rules.keeps_week``) before it becomes a column.

**The bound.** For the master's rows other than the convexity rows and multipliers ``y`` of the right signs,

    L(y) = constant + sum_i y_i r_i + sum_c size_c * min_week (cost - y A)_week + sum_a min(0, rc_a * ub_a)

bounds every roster (every roster is a sum of its agents' weeks, each a point of its class's subproblem;
``a`` are the continuous allocation columns in their boxes). It is valid for *any* ``y``, so the loop can stop at
any iteration and keep its best ``L``. The pricing relaxes what it cannot price exactly, which keeps ``L`` valid:
rules that depend on start times across days other than min rest (``max_late_shifts``, a horizon's carried
rest, a re-plan's kept break starts) are left to the final check, so a week the check rejects is not added as a
column but still lowers the class's priced minimum; a class with more weekly patterns than
``lower_bound.MAX_PATTERNS_PER_CLASS`` is priced day by day with only its pinned days (no day rules, no hours).

The first multipliers are the aggregate LP's own duals on the same rows (the aggregate is solved first): at
those, each class's week subproblem is a restriction of the aggregate's per-class relaxation, so ``L`` starts at
or above the LP's optimum. Then each round solves the master (GLOP) with the weeks priced so far and prices at a
point between the best multipliers found and the master's duals (Wentges smoothing), falling back to the master's
own duals when that finds no improving column.

Only for plain interval cover (no deadline queues, weekly service-level mode, proficiency weights, activities)
and at most ``SHARED_BREAKS_ABOVE_SKILL_SETS`` skill sets (breaks per skill set). A measurement
(``benchmarks/week_columns.py``), not part of the solve: on the generator's 30- and 150-agent centres the master
converges to the aggregate LP's value (no rise, 8-17 s of CPU), on the two-day test week of seed 3 it closes the
LP's 25% to the proven optimum (README, *A bound by column generation over agents' weeks*).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from ortools.linear_solver import pywraplp

from scheduler.domain.plan import ShiftTemplate
from scheduler.domain.roster import BreakAssignment, ShiftAssignment
from scheduler.domain.shifts import ShiftOption
from scheduler.rostering import effective_cover
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import AgentWeek, break_cap, floor_rules, keeps_week
from scheduler.rostering.rules.min_rest import rested
from scheduler.rostering.search.lower_bound import (
    MAX_PATTERNS_PER_CLASS,
    RELATIVE_TOLERANCE,
    SHARED_BREAKS_ABOVE_SKILL_SETS,
    AgentClass,
    agent_classes,
    glop_solved,
    weekly_patterns,
)

# Rounds of master solve + pricing at most (deterministic work); the loop ends sooner when the master and the
# best bound meet within ``CONVERGED``.
DEFAULT_ROUNDS = 60
CONVERGED = 1e-5
# Weight of the best multipliers in the pricing point (Wentges smoothing; 0: the master's duals alone).
SMOOTHING = 0.5
# Cost of a class's artificial column (a week that covers nothing) and of an artificial head in a hard floor rule's
# row, per objective unit of a week's largest saving.
ARTIFICIAL_FACTOR = 10.0


@dataclass(frozen=True)
class WeekColumnBound:
    """The best Lagrangian bound found (objective units, rounded down to the 1/60 grid), the aggregate LP's bound,
    the bound at the LP's duals (round 0), the master's last value, rounds and columns, and CPU seconds
    (``time.process_time``) of the aggregate LP and of the column generation."""

    bound: float
    lp_bound: float
    first_bound: float
    master_value: float
    rounds: int
    columns: int
    rejected_weeks: int  # priced weeks the rules' check rejected (their classes priced as a relaxation)
    lp_cpu_seconds: float
    cg_cpu_seconds: float
    history: tuple[float, ...] = field(default=())  # best bound after each round
    master_history: tuple[float, ...] = field(default=())  # the master's value at each round


_Row = Optional[pywraplp.Constraint]  # noqa: UP045 (a row, or None where the model has none; a runtime alias)


def applies(instance: Instance) -> bool:
    """Whether the instance's cover is the plain per-interval head count the master holds."""
    config = instance.config
    skill_sets = {agent.skills for agent in config.agents}
    return (not instance.deadlines and instance.service_curves is None and not effective_cover.weighted(config)
            and not config.activities and len(skill_sets) <= SHARED_BREAKS_ABOVE_SKILL_SETS)


@dataclass
class _Week:
    """One priced week: per day the option and its break starts (minutes after midnight), or None."""

    days: list[tuple[ShiftOption, tuple[int, ...]] | None]
    reduced_cost: float


# per template: the options' least reduced costs that day (breaks placed best) and the options
_DayCosts = dict[str, tuple[np.ndarray, list[ShiftOption]]]


class _Duals:
    """Multipliers on the master's non-convexity rows, as per-slot arrays (zero where a row is absent)."""

    def __init__(self, floor: dict[tuple[str, ...], np.ndarray], cover: np.ndarray, cap: np.ndarray,
                 presence: np.ndarray, convexity: np.ndarray) -> None:
        self.floor, self.cover, self.cap, self.presence = floor, cover, cap, presence
        self.convexity = convexity  # per class (the master's; not part of the bound, which prices each class)

    def mix(self, other: _Duals, weight: float) -> _Duals:
        """``weight * self + (1 - weight) * other``."""
        return _Duals({k: weight * v + (1 - weight) * other.floor[k] for k, v in self.floor.items()},
                      weight * self.cover + (1 - weight) * other.cover, weight * self.cap + (1 - weight) * other.cap,
                      weight * self.presence + (1 - weight) * other.presence,
                      weight * self.convexity + (1 - weight) * other.convexity)


def week_column_bound(instance: Instance, *, rounds: int = DEFAULT_ROUNDS,
                      smoothing: float = SMOOTHING) -> WeekColumnBound | None:
    """The aggregate LP, then column generation over agents' weeks (module docstring); ``None`` when it does not
    apply or the LP is not solved."""
    if not applies(instance):
        return None
    started = time.process_time()
    solved = glop_solved(instance)
    if solved is None:
        return None
    lp, _, lp_value = solved
    lp_seconds = time.process_time() - started
    generation = _Generation(instance)
    first = generation.duals_of(lambda key: lp.floor_rows.get(key), lambda key: lp.cover_rows.get(key),
                                lambda slot: lp.cap_rows.get(slot), lambda key: lp.presence_rows.get(key))
    first_value, weeks = generation.price(first)
    best_value, best_duals = first_value, first
    generation.add_columns(weeks)
    history = [best_value]
    masters: list[float] = []
    master_value = math.inf
    done = 0
    for done in range(1, rounds + 1):  # noqa: B007 (how many ran, after the loop)
        master_value, duals = generation.solve_master()
        masters.append(master_value)
        if master_value - best_value <= CONVERGED * abs(best_value):
            break
        added = 0
        for point in ((best_duals.mix(duals, smoothing),) if smoothing > 0 else ()) + (duals,):
            value, weeks = generation.price(point)
            if value > best_value:
                best_value, best_duals = value, point
            added = generation.add_columns(weeks, duals)
            if added:  # the master's own duals are priced only when the smoothed point finds nothing for it
                break
        history.append(best_value)
        if added == 0:
            break
    cg_seconds = time.process_time() - started - lp_seconds
    return WeekColumnBound(_rounded(best_value), _rounded(lp_value), _rounded(first_value), master_value, done,
                           generation.column_count, generation.rejected, lp_seconds, cg_seconds, tuple(history),
                           tuple(masters))


def _rounded(value: float) -> float:
    value -= RELATIVE_TOLERANCE * abs(value) + 1e-6  # GLOP's tolerances, as for the LP
    return max(0.0, math.floor(value * 60) / 60)


class _Generation:
    """The master LP and the pricing of each class's weeks."""

    def __init__(self, instance: Instance) -> None:
        config, week = instance.config, instance.week
        self.config, self.week = config, week
        self.interval_minutes = config.interval_minutes
        self.slot_count = week.slot_count
        self.requirements = np.asarray(instance.requirements, float)
        self.queue_ids = [q.queue_id for q in config.queues]
        weights = config.weights
        self.saving = weights.understaffed_agent_interval + weights.overstaffed_agent_interval
        self.constant = float(weights.understaffed_agent_interval * self.requirements.sum())
        self.classes = agent_classes(config, week)
        self.counts = floor_rules.presence_rows(config, week)
        self.cap = break_cap.cap(config)
        self.patterns = [weekly_patterns(config, week, c, MAX_PATTERNS_PER_CLASS) for c in self.classes]
        self.skill_sets = sorted({c.skills for c in self.classes})
        # presence: per count row, a 0/1 mask of its slots (the rows' own slot lists)
        self.presence_mask = np.zeros((len(self.counts), self.slot_count))
        for i, count in enumerate(self.counts):
            self.presence_mask[i, list(count.slots)] = 1
        self.presence_coefficient = [np.array([count.coefficient(c.agent_ids[0]) for count in self.counts], float)
                                     for c in self.classes]
        # allocations: per skill set and slot some shift of its classes reaches, the queues it may cover there
        reached = {skills: np.zeros(self.slot_count, bool) for skills in self.skill_sets}
        for agent_class in self.classes:
            for d, options in enumerate(agent_class.options):
                for option in options:
                    reached[agent_class.skills][self._slots(d, option.start_minute,
                                                            option.template.length_minutes)] = True
        self.allocations: dict[tuple[str, ...], list[tuple[int, np.ndarray]]] = {}
        for skills in self.skill_sets:
            self.allocations[skills] = [(q, np.flatnonzero((self.requirements[q] > 0) & reached[skills]))
                                        for q, queue_id in enumerate(self.queue_ids) if queue_id in skills]
        self.floor_allowed = {skills: self._floor_mask(skills) for skills in self.skill_sets}
        self.column_count = 0
        self.rejected = 0
        self.seen: set[tuple[int, tuple]] = set()
        self._last_values: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._build_master()

    def _floor_mask(self, skills: tuple[str, ...]) -> np.ndarray:
        mask = np.zeros(self.slot_count, bool)
        for _, slots in self.allocations[skills]:
            mask[slots] = True
        return mask

    # ---- the master -------------------------------------------------------------------------------------------

    def _build_master(self) -> None:
        solver = pywraplp.Solver.CreateSolver("GLOP")
        assert solver is not None
        self.solver = solver
        infinity = solver.infinity()
        objective = solver.Objective()
        objective.SetMinimization()
        self.convexity = [solver.Constraint(len(c.agent_ids), len(c.agent_ids)) for c in self.classes]
        self.floor_rows: dict[tuple[tuple[str, ...], int], pywraplp.Constraint] = {}
        self.cover_rows: dict[tuple[int, int], pywraplp.Constraint] = {}
        for q in range(len(self.queue_ids)):
            for slot in np.flatnonzero(self.requirements[q] > 0).tolist():
                self.cover_rows[q, slot] = solver.Constraint(-infinity, float(self.requirements[q, slot]))
        for skills in self.skill_sets:
            for slot in np.flatnonzero(self.floor_allowed[skills]).tolist():
                self.floor_rows[skills, slot] = solver.Constraint(-infinity, 0)
            for q, slots in self.allocations[skills]:
                for slot in slots.tolist():
                    var = solver.NumVar(0, float(self.requirements[q, slot]), "")
                    objective.SetCoefficient(var, -self.saving)
                    self.floor_rows[skills, slot].SetCoefficient(var, 1)
                    self.cover_rows[q, slot].SetCoefficient(var, 1)
        self.cap_rows: dict[int, pywraplp.Constraint] = {}
        self.presence_rows: dict[tuple[int, int], pywraplp.Constraint] = {}
        for i, count in enumerate(self.counts):
            for slot in count.slots:
                self.presence_rows[i, slot] = solver.Constraint(float(count.needed), infinity)
        if self.cap is not None:
            for slot in range(self.slot_count):
                self.cap_rows[slot] = solver.Constraint(-infinity, float(self.cap))
        artificial = ARTIFICIAL_FACTOR * self.saving * self.week.slots_per_day * 7
        for row in self.convexity:
            var = solver.NumVar(0, infinity, "")
            objective.SetCoefficient(var, artificial)
            row.SetCoefficient(var, 1)
        # a hard floor rule's row may be met by no week priced yet: an artificial head there keeps the master
        # feasible (its value only steers the loop; the bound is the Lagrangian one, valid at any multipliers)
        for presence_row in self.presence_rows.values():
            var = solver.NumVar(0, infinity, "")
            objective.SetCoefficient(var, artificial)
            presence_row.SetCoefficient(var, 1)

    def solve_master(self) -> tuple[float, _Duals]:
        status = self.solver.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            raise RuntimeError(f"the master LP was not solved (status {status})")
        value = self.solver.Objective().Value() + self.constant
        return value, self.duals_of(self.floor_rows.get, self.cover_rows.get, self.cap_rows.get,
                                    self.presence_rows.get, master=True)

    def duals_of(self, floor: Callable[[tuple[tuple[str, ...], int]], _Row], cover: Callable[[tuple[int, int]], _Row],
                 cap: Callable[[int], _Row], presence: Callable[[tuple[int, int]], _Row],
                 master: bool = False) -> _Duals:
        """The multipliers of the rows ``floor((skills, slot))``, ``cover((q, slot))``, ``cap(slot)`` and
        ``presence((count, slot))`` return (``None``: absent, zero), with their signs made to fit the rows' sides
        (at most zero on the upper-bounded rows, at least zero on the lower-bounded ones)."""
        floor_duals = {}
        for skills in self.skill_sets:
            values = np.zeros(self.slot_count)
            for slot in np.flatnonzero(self.floor_allowed[skills]).tolist():
                row = floor((skills, slot))
                values[slot] = 0.0 if row is None else min(0.0, row.dual_value())
            floor_duals[skills] = values
        cover_duals = np.zeros((len(self.queue_ids), self.slot_count))
        for q, slot in self.cover_rows:
            row = cover((q, slot))
            cover_duals[q, slot] = 0.0 if row is None else min(0.0, row.dual_value())
        cap_duals = np.zeros(self.slot_count)
        if self.cap is not None:
            for slot in range(self.slot_count):
                row = cap(slot)
                cap_duals[slot] = 0.0 if row is None else min(0.0, row.dual_value())
        presence_duals = np.zeros((len(self.counts), self.slot_count))
        for i, slot in self.presence_rows:
            row = presence((i, slot))
            presence_duals[i, slot] = 0.0 if row is None else max(0.0, row.dual_value())
        convexity_duals = np.array([row.dual_value() if master else 0.0 for row in self.convexity])
        return _Duals(floor_duals, cover_duals, cap_duals, presence_duals, convexity_duals)

    def add_columns(self, weeks: list[tuple[int, _Week]], check: _Duals | None = None) -> int:
        """Add the weeks as master columns (those not already there; with ``check``, only those whose reduced
        cost at those multipliers is negative). Returns how many were added."""
        added = 0
        for number, priced in weeks:
            key = (number, tuple(None if d is None else (d[0].template.template_id, d[0].start_minute, d[1])
                                 for d in priced.days))
            if key in self.seen:
                continue
            if check is not None and self._reduced_cost(number, priced, check) >= -1e-7:
                continue
            self.seen.add(key)
            self._add_column(number, priced)
            added += 1
        return added

    def _column(self, number: int, priced: _Week) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """A week's cost and its per-slot shift (on shift), floor (on the floor) and break indicators."""
        weights = self.config.weights
        cost = 0.0
        on_shift = np.zeros(self.slot_count)
        on_break = np.zeros(self.slot_count)
        for d, day in enumerate(priced.days):
            if day is None:
                continue
            option, starts = day
            template = option.template
            floor_minutes = template.length_minutes - sum(b.minutes for b in template.breaks)
            cost += weights.paid_hour * option.paid_minutes / 60
            cost += weights.overstaffed_agent_interval * (floor_minutes // self.interval_minutes)
            on_shift[self._slots(d, option.start_minute, template.length_minutes)] = 1
            for start, rule in zip(starts, template.breaks, strict=True):
                on_break[self._slots(d, start, rule.minutes)] = 1
        return cost, on_shift, on_shift - on_break, on_break

    def _reduced_cost(self, number: int, priced: _Week, duals: _Duals) -> float:
        cost, on_shift, on_floor, on_break = self._column(number, priced)
        skills = self.classes[number].skills
        presence = self.presence_coefficient[number] @ (duals.presence * self.presence_mask) if len(self.counts) \
            else np.zeros(self.slot_count)
        return float(cost + on_floor @ duals.floor[skills] - on_break @ duals.cap - on_shift @ presence
                     - duals.convexity[number])

    def _add_column(self, number: int, priced: _Week) -> None:
        cost, on_shift, on_floor, on_break = self._column(number, priced)
        skills = self.classes[number].skills
        var = self.solver.NumVar(0, self.solver.infinity(), "")
        self.solver.Objective().SetCoefficient(var, cost)
        self.convexity[number].SetCoefficient(var, 1)
        for slot in np.flatnonzero(on_floor).tolist():
            row = self.floor_rows.get((skills, slot))
            if row is not None:
                row.SetCoefficient(var, -1)
        for slot in np.flatnonzero(on_break).tolist():
            row = self.cap_rows.get(slot)
            if row is not None:
                row.SetCoefficient(var, 1)
        coefficients = self.presence_coefficient[number]
        for (i, slot), presence_row in self.presence_rows.items():
            if coefficients[i] and on_shift[slot]:
                presence_row.SetCoefficient(var, float(coefficients[i]))
        self.column_count += 1

    def _slots(self, day: int, start_minute: int, minutes: int) -> list[int]:
        first = self.week.slot(day, start_minute)
        return [s for s in range(first, first + -(-minutes // self.interval_minutes)) if 0 <= s < self.slot_count]

    # ---- pricing ----------------------------------------------------------------------------------------------

    def price(self, duals: _Duals) -> tuple[float, list[tuple[int, _Week]]]:
        """``L(duals)`` of the module docstring, and each class's best week that keeps every rule (if negative
        reduced cost is not required here: the caller decides)."""
        value = self.constant
        for (q, slot), row in self.cover_rows.items():
            value += duals.cover[q, slot] * row.ub()
        for i, count in enumerate(self.counts):
            value += duals.presence[i, list(count.slots)].sum() * count.needed
        if self.cap is not None:
            value += duals.cap.sum() * self.cap
        for skills in self.skill_sets:
            for q, slots in self.allocations[skills]:
                reduced = -self.saving - duals.floor[skills][slots] - duals.cover[q, slots]
                value += np.minimum(0.0, reduced * self.requirements[q, slots]).sum()
        weeks = []
        cache: dict[tuple, dict] = {}
        for number, agent_class in enumerate(self.classes):
            least, priced = self._price_class(number, agent_class, duals, cache)
            value += len(agent_class.agent_ids) * least
            if priced is not None:
                weeks.append((number, priced))
        return value, weeks

    def _slot_values(self, number: int, duals: _Duals) -> tuple[np.ndarray, np.ndarray]:
        """Per slot (padded by two days of zeros): what a slot on shift and a slot on break add to a week's
        reduced cost, on top of its shift's fixed cost."""
        skills = self.classes[number].skills
        pad = 2 * self.week.slots_per_day
        shift_value = np.zeros(self.slot_count + pad)
        break_value = np.zeros(self.slot_count + pad)
        shift_value[:self.slot_count] = duals.floor[skills]
        if len(self.counts):
            shift_value[:self.slot_count] -= self.presence_coefficient[number] @ (duals.presence * self.presence_mask)
        break_value[:self.slot_count] = -duals.floor[skills] - duals.cap
        return (np.concatenate([[0.0], np.cumsum(shift_value)]), np.concatenate([[0.0], np.cumsum(break_value)]))

    def _day_costs(self, number: int, duals: _Duals, day: int, options: tuple[ShiftOption, ...],
                   cache: dict) -> _DayCosts:
        """Per template, the options' best reduced costs that day (start, breaks placed best) and the options."""
        agent_class = self.classes[number]
        key = (agent_class.skills, tuple(self.presence_coefficient[number]))
        if key not in cache:
            cache[key] = {"values": self._slot_values(number, duals)}
        self._last_values[number] = cache[key]["values"]
        shift_sums, break_sums = cache[key]["values"]
        by_template: dict[str, list[ShiftOption]] = defaultdict(list)
        for option in options:
            by_template[option.template.template_id].append(option)
        result = {}
        weights = self.config.weights
        for template_id, chosen in by_template.items():
            memo = (day, template_id, tuple(o.start_minute for o in chosen))
            if memo in cache[key]:
                result[template_id] = cache[key][memo]
                continue
            template = chosen[0].template
            starts = np.array([self.week.slot(day, o.start_minute) for o in chosen])
            length_slots = -(-template.length_minutes // self.interval_minutes)
            floor_minutes = template.length_minutes - sum(b.minutes for b in template.breaks)
            fixed = weights.paid_hour * template.paid_minutes / 60 + weights.overstaffed_agent_interval * (
                floor_minutes // self.interval_minutes)
            costs = fixed + shift_sums[starts + length_slots] - shift_sums[starts]
            costs = costs + _best_breaks(template, chosen, day * self.week.slots_per_day, break_sums,
                                         self.interval_minutes)[0]
            result[template_id] = (costs, chosen)
            cache[key][memo] = result[template_id]
        return result

    def _price_class(self, number: int, agent_class: AgentClass, duals: _Duals,
                     cache: dict) -> tuple[float, _Week | None]:
        """The class's least reduced cost over its weeks (a relaxation where the pricing is one, see the module
        docstring) and the best week that keeps every rule, if the priced one does."""
        days = [self._day_costs(number, duals, d, agent_class.options[d], cache) for d in range(7)]
        facts = agent_class.facts
        patterns = self.patterns[number]
        if patterns is None:  # too many patterns: each day alone, pinned days worked
            week: list[tuple[ShiftOption, float] | None] = []
            least = 0.0
            for d, day in enumerate(days):
                best: tuple[float, ShiftOption] | None = None
                for costs, options in day.values():
                    j = int(costs.argmin())
                    if best is None or costs[j] < best[0]:
                        best = (float(costs[j]), options[j])
                if best is None or (best[0] >= 0 and not agent_class.must_work[d]):
                    week.append(None)
                    continue
                week.append((best[1], best[0]))
                least += best[0]
            return least, self._checked(number, agent_class, week, least)
        # per pattern: the sum of each day's best (rest relaxed), then min rest by a DP over the days, best first
        templates = [[""] + sorted(day) for day in days]
        table = [np.array([0.0] + [float(day[t][0].min()) for t in names[1:]]) for day, names in
                 zip(days, templates, strict=True)]
        index_of = [{t: i for i, t in enumerate(names)} for names in templates]
        cached = self._pattern_index(number, index_of)
        relaxed = sum(table[d][cached[:, d]] for d in range(7))
        order = np.argsort(relaxed, kind="stable")
        best_value, best_week = math.inf, None
        for p in order:
            if relaxed[p] >= best_value - 1e-9:
                break
            value, week_options = self._recover(facts, patterns[p], days)
            if value < best_value:
                best_value, best_week = value, week_options
        if best_week is None:  # no pattern keeps min rest: the relaxed least still bounds
            return float(relaxed.min()), None
        return best_value, self._checked(number, agent_class, best_week, best_value)

    def _pattern_index(self, number: int, index_of: list[dict[str, int]]) -> np.ndarray:
        patterns = self.patterns[number]
        assert patterns is not None
        return np.array([[index_of[d]["" if t is None else t] for d, t in enumerate(p)] for p in patterns],
                        int).reshape(len(patterns), 7)

    def _recover(self, facts: AgentWeek, pattern: Sequence[str | None], days: list[_DayCosts]
                 ) -> tuple[float, list[tuple[ShiftOption, float] | None] | None]:
        """The best week of one pattern with min rest kept between consecutive worked days: a DP over each run of
        worked days (state: the day's option), and the options it chose."""
        total = 0.0
        chosen: list[tuple[ShiftOption, float] | None] = [None] * 7
        worked = [t or "" for t in pattern]
        d = 0
        while d < 7:
            if pattern[d] is None:
                d += 1
                continue
            run = [d]
            while run[-1] + 1 < 7 and pattern[run[-1] + 1] is not None:
                run.append(run[-1] + 1)
            values = days[d][worked[d]][0].copy()
            links = []
            for previous_day, day in zip(run, run[1:], strict=False):
                earlier = days[previous_day][worked[previous_day]][1]
                costs, options = days[day][worked[day]]
                allowed = np.array([[rested(facts, e.end_minute, o.start_minute) for o in options] for e in earlier])
                candidates = np.where(allowed, values[:, None], math.inf)
                links.append(candidates.argmin(axis=0))
                values = costs + candidates.min(axis=0)
            j = int(values.argmin())
            total += float(values[j])
            if not math.isfinite(total):
                return math.inf, None
            for position in range(len(run) - 1, -1, -1):
                day = run[position]
                costs, options = days[day][worked[day]]
                chosen[day] = (options[j], float(costs[j]))
                if position > 0:
                    j = int(links[position - 1][j])
            d = run[-1] + 1
        return total, chosen

    def _checked(self, number: int, agent_class: AgentClass, week: list[tuple[ShiftOption, float] | None],
                 value: float) -> _Week | None:
        """The priced week with its breaks placed, if it keeps every agent rule (else counted as rejected)."""
        facts = agent_class.facts
        days: list[tuple[ShiftOption, tuple[int, ...]] | None] = []
        shifts: list[ShiftAssignment | None] = []
        for d, day in enumerate(week):
            if day is None:
                days.append(None)
                shifts.append(None)
                continue
            option = day[0]
            starts = self._break_starts(number, option, d)
            days.append((option, starts))
            template = option.template
            shifts.append(ShiftAssignment(agent_class.agent_ids[0], self.week.day(d), template.template_id,
                                          option.start_minute, template.length_minutes, template.paid_minutes,
                                          tuple(BreakAssignment(rule.kind, start, rule.minutes)
                                                for start, rule in zip(starts, template.breaks, strict=True))))
        if not keeps_week(facts, shifts):
            self.rejected += 1
            return None
        return _Week(days, value)

    def _break_starts(self, number: int, option: ShiftOption, day: int) -> tuple[int, ...]:
        _, break_sums = self._last_values[number]
        return _best_breaks(option.template, [option], day * self.week.slots_per_day, break_sums,
                            self.interval_minutes)[1][0]


def _best_breaks(template: ShiftTemplate, options: Sequence[ShiftOption], day_first_slot: int,
                 break_sums: np.ndarray, interval_minutes: int) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Per option (same template, same day, whose first slot is ``day_first_slot``), the least sum of the break
    slot values (``break_sums``: their running sums) over the break positions the breaks rule allows (on the grid
    inside each window, in order, each at least the previous one's end plus the template's gap), and those
    positions (minutes after midnight). A DP over the breaks, all options at once."""
    starts = np.array([o.start_minute for o in options])
    if not template.breaks:
        return np.zeros(len(options)), [() for _ in options]
    layers: list[tuple[np.ndarray, np.ndarray | None]] = []
    values = np.zeros((len(options), 1))
    previous_offsets = np.zeros(1, int)
    for k, rule in enumerate(template.breaks):
        offsets = np.arange(rule.earliest_after_start_minutes, rule.latest_after_start_minutes + 1, interval_minutes)
        first = day_first_slot + (starts[:, None] + offsets[None, :]) // interval_minutes
        cost = break_sums[first + -(-rule.minutes // interval_minutes)] - break_sums[first]
        links = None
        if k == 0:
            values = cost
        else:  # the previous break at a position ending, with the gap, no later than this start
            previous = template.breaks[k - 1]
            last = np.searchsorted(previous_offsets, offsets - previous.minutes - template.min_break_gap_minutes,
                                   side="right") - 1
            running = np.minimum.accumulate(values, axis=1)
            # an index of the least value among the first i + 1 positions
            where = np.maximum.accumulate(np.where(values == running, np.arange(values.shape[1])[None, :], -1),
                                          axis=1)
            safe = np.maximum(last, 0)
            values = cost + np.where(last[None, :] >= 0, running[:, safe], math.inf)
            links = np.where(last[None, :] >= 0, where[:, safe], -1)
        layers.append((offsets, links))
        previous_offsets = offsets
    chosen = []
    for n in range(len(options)):
        j = int(values[n].argmin())
        positions = []
        for k in range(len(template.breaks) - 1, -1, -1):
            offsets, links = layers[k]
            positions.append(int(starts[n] + offsets[j]))
            if links is not None:
                j = int(links[n, j])
        chosen.append(tuple(reversed(positions)))
    return values.min(axis=1), chosen
