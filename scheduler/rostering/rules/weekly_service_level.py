"""Soft (heavily weighted): each queue's weekly contact-weighted service level meets its target
(``objective.service_level: weekly``; off by default).

Per queue ``q``, the contacts answered within the target over the week are ``sum_t answered[q, t](H[q, t])``,
with ``H[q, t]`` the heads allocated to ``q`` in slot ``t`` and ``answered`` the concave integer curve of
``rostering.service_curves``. The shortfall ``max(0, target_units[q] - sum_t answered)`` costs
``objective.weekly_shortfall_contact`` per contact. The per-interval floor (``min_interval_service_level``) is
the instance's requirement, so the coverage rule prices it as under-staffing, and each head above it as
over-staffing: paid hours and staffing above the floor are minimised once the weekly target holds.

Heads ``H[q, t]`` come from an allocation of the agents on the floor, each to one queue they are skilled for,
separate from the coverage rule's allocation (which covers the floor). The exact scoring (``evaluate``,
``WeeklyState``) allocates each slot to maximise the answered contacts of all queues together, each queue's
weighted by its price (``WeeklyCurves.prices``: the Lagrange multiplier of its weekly target when each queue is
staffed alone with the fewest heads, ``service_curves.lean_heads``; all 1 without prices): greedily, one head at a
time to the queue with the largest weighted marginal gain that an augmenting path can still reach, which is
optimal for concave separable gains on the polymatroid of feasible head vectors. Unweighted, multi-skilled heads
went where the curves are steepest and the queue with the tightest target got what was left, sitting at its
target while the others were points above theirs, so no shift could go; priced, each head goes where it answers
most relative to its queue's threshold, and the weekly shortfall of a roster is what an allocation minimising it
would leave far more often. The scoring then counts each queue at
Erlang's own value for the heads it got (``WeeklyCurves.exact``, at or below the envelope: they differ only under
a queue's floor), as the independent validator does. The CP-SAT model and the LP bound choose their allocation
freely (they may favour a queue short of its target) and count by the envelope, so their value for a roster is
never above the scoring's: the proven bound stays a bound.

Faces: ``build`` (CP-SAT: allocation variables, the curve as linear cuts since it is concave and maximised,
a shortfall variable per queue), ``WeeklyState`` (the local search's exact scoring of one-agent moves),
``lp_rows`` (the aggregate LP's rows: the same cuts), ``cost`` (the objective term of a roster) and
``unreachable`` (queues whose target no roster can reach, for exit 3). A centre-wide rule: no agent's own
week keeps or breaks it, so its per-agent checks are the defaults.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from scheduler.domain.plan import PlanConfig
from scheduler.domain.shifts import candidate_span
from scheduler.domain.week import Week
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import LabourRule
from scheduler.rostering.service_curves import ANSWER_SCALE, WeeklyCurves

if TYPE_CHECKING:
    from ortools.linear_solver import pywraplp

    from scheduler.rostering.instance import Instance

NAME = "weekly_service_level"
UNIT = "contact short of target"
MODES = ("interval", "weekly")
# Deterministic units the local search is charged per slot a move's scoring looks up (CPU time per slot on the
# 2-core CI machine at ``solve.DETERMINISTIC_UNITS_PER_SECOND``).
UNITS_PER_SLOT_SCORE = 6e-6
# With ``CHARGE_ALLOCATIONS``, a look-up whose allocation is memoised is charged ``UNITS_PER_MEMO_SCORE`` and each
# allocation computed (a memo miss, in a move's scoring or in the state's recount) ``UNITS_PER_ALLOCATION``:
# measured with ``time.process_time`` on a 150-agent centre (3 queues, 6 skill sets), 2.8 microseconds per memoised
# look-up and 65 per allocation, where the flat charge above is 18 (about a cold memo's 19.8 per look-up): once
# the memo is warm, as for most of a run, the flat charge was 6.5 times the work, so fewer moves fit the budget.
CHARGE_ALLOCATIONS = True
UNITS_PER_MEMO_SCORE = 1.0e-6
UNITS_PER_ALLOCATION = 2.2e-5
# A move's scoring reads, per slot, what one head more or fewer of the moved agent's group answers under each weight
# set; ``WeeklyState`` keeps that per slot and group while the slot's floor stands, so the local search's repair,
# which scores every agent's shifts over the same slots, looks each up once per group instead of once per agent
# (150 agents, 6 skill sets at 150 x 3). A look-up found kept is charged this (a dictionary look-up and an array
# copy: about a microsecond, measured like the charges above).
UNITS_PER_KEPT_GAIN = 4e-7
# The aggregate LP's cuts per curve lie from this many heads below the floor to this many above the
# per-interval requirement.
LP_CUT_MARGIN = 1


def curves_of(instance: Instance) -> WeeklyCurves | None:
    """The instance's curves when the weekly mode is on, else None."""
    return getattr(instance, "service_curves", None)


class _Graph:
    """Skill groups (sorted skill sets) and the queues each serves, by config queue index."""

    def __init__(self, config: PlanConfig, groups: Sequence[tuple[str, ...]] | None = None) -> None:
        queue_ids = [q.queue_id for q in config.queues]
        self.groups = list(groups) if groups is not None else sorted({a.skills for a in config.agents})
        self.queues_of = [sorted(queue_ids.index(s) for s in skills) for skills in self.groups]
        self.groups_of = [[g for g, qs in enumerate(self.queues_of) if q in qs] for q in range(len(queue_ids))]


def allocate_slot(counts: Sequence[int], graph: _Graph, curves: Sequence[tuple[int, ...] | None],
                  weights: Sequence[int] | None = None) -> list[int]:
    """Heads per queue that maximise the answered contacts of one slot, each queue's weighted by ``weights[q]``
    (default: all 1): ``counts[g]`` agents of group ``g`` on the floor, ``curves[q]`` the queue's curve there
    (None: no contacts). Greedy by weighted marginal gain (ties: the lower queue index), each head placed along
    an augmenting path."""
    weight = [1] * len(curves) if weights is None else list(weights)
    spare = list(counts)
    left = sum(spare)
    flow: list[dict[int, int]] = [defaultdict(int) for _ in counts]
    heads = [0] * len(curves)
    heap: list[tuple[int, int]] = []
    for q, curve in enumerate(curves):
        if curve is not None and len(curve) > 1 and graph.groups_of[q]:
            heapq.heappush(heap, (-weight[q] * (curve[1] - curve[0]), q))
    while heap and left:
        gain, q = heapq.heappop(heap)
        if gain >= 0:
            break
        if not _augment(q, spare, flow, graph):
            continue  # no head can reach q now, nor after more heads are placed (a polymatroid)
        left -= 1
        heads[q] += 1
        curve = curves[q]
        assert curve is not None
        if heads[q] + 1 < len(curve):
            heapq.heappush(heap, (-weight[q] * (curve[heads[q] + 1] - curve[heads[q]]), q))
    return heads


def _augment(target: int, spare: list[int], flow: list[dict[int, int]], graph: _Graph) -> bool:
    """One more head on queue ``target``: from a group with a spare head, shifting other groups' heads along
    the way; False when none can reach it."""
    took: dict[int, int] = {}  # group -> the queue it takes one more head on
    freed_by: dict[int, int] = {}  # queue -> the group that gives up one head there
    frontier = [target]
    seen = {target}
    while frontier:
        following = []
        for q in frontier:
            for g in graph.groups_of[q]:
                if g in took:
                    continue
                took[g] = q
                if spare[g] > 0:
                    spare[g] -= 1
                    while True:
                        flow[g][took[g]] += 1
                        if took[g] == target:
                            return True
                        q_given = took[g]
                        g = freed_by[q_given]
                        flow[g][q_given] -= 1
                for q2, units in flow[g].items():
                    if units > 0 and q2 not in seen:
                        seen.add(q2)
                        freed_by[q2] = g
                        following.append(q2)
        frontier = following
    return False


class SlotAnswers:
    """Answered contacts per queue (scaled) of one slot's on-floor counts under one weight set (``set_index`` into
    ``WeeklyCurves.weight_sets()``), memoised by the counts."""

    def __init__(self, curves: WeeklyCurves, graph: _Graph, set_index: int = 0) -> None:
        self.curves, self.graph = curves, graph
        self._memo = curves.memo
        self._set = set_index
        self._weights = curves.weight_sets()[set_index]
        self.allocations = 0  # allocations computed here (memo misses of slots with contacts), for budgeting
        self._by_slot = {t: [by_slot.get(t) for by_slot in curves.values] for t in curves.slots()}
        # the heads are allocated by the concave envelope (greedy is optimal there) and counted at Erlang's own
        # values: under a queue's floor the envelope lies above Erlang and would count contacts never answered
        self._exact = {t: [curves.exact_curve(q, t) for q in range(len(curves.queue_ids))] for t in self._by_slot}

    def has(self, slot: int) -> bool:
        return slot in self._by_slot

    def heads(self, slot: int, counts: Sequence[int]) -> list[int]:
        """The heads per queue this weight set's allocation gives in ``slot`` (all 0 without contacts)."""
        curves = self._by_slot.get(slot)
        if curves is None:
            return [0] * len(self.curves.queue_ids)
        return allocate_slot(counts, self.graph, curves, self._weights)

    def answers(self, slot: int, counts: Sequence[int]) -> tuple[int, ...]:
        key = (slot, tuple(counts), self._set)
        found = self._memo.get(key)
        if found is None:
            curves = self._by_slot.get(slot)
            if curves is None:
                found = (0,) * len(self.curves.queue_ids)
            else:
                heads = allocate_slot(counts, self.graph, curves, self._weights)
                self.allocations += 1
                found = tuple(0 if c is None else c[min(h, len(c) - 1)]
                              for c, h in zip(self._exact[slot], heads, strict=True))
            self._memo[key] = found
        return found


def shortfall_units(curves: WeeklyCurves, answered: Sequence[int]) -> list[int]:
    """Per queue, the scaled contacts short of the weekly target."""
    return [max(0, t - a) for t, a in zip(curves.target_units, answered, strict=True)]


def week_answers(curves: WeeklyCurves, config: PlanConfig, floor: Mapping[tuple[str, ...], np.ndarray]) -> list[int]:
    """Scaled answered contacts per queue over the week, with ``floor[skills]`` agents on the floor per slot: under
    the weight set whose allocation leaves the least shortfall (the first when equal)."""
    return _counted(curves, *_columns(curves, config, floor))[1]


def week_allocation(curves: WeeklyCurves, config: PlanConfig,
                    floor: Mapping[tuple[str, ...], np.ndarray]) -> dict[str, dict[int, int]]:
    """The allocation ``week_answers`` counts: per queue id and slot with contacts, the heads it gets. Handed to
    the independent validator (``validation.weekly_service.weekly_levels``) as a certificate: it checks the heads
    against its own count of the agents on the floor and counts them with its own Erlang values, so a roster the
    scoring counts as meeting every target is found meeting it even when the validator's own search misses this
    allocation."""
    graph, columns = _columns(curves, config, floor)
    slots = SlotAnswers(curves, graph, _counted(curves, graph, columns)[0])
    out: dict[str, dict[int, int]] = {queue_id: {} for queue_id in curves.queue_ids}
    for slot in curves.slots():
        for q, heads in enumerate(slots.heads(slot, columns[:, slot].tolist() if columns.size
                                              else [0] * len(graph.groups))):
            if slot in curves.values[q]:
                out[curves.queue_ids[q]][slot] = heads
    return out


def _columns(curves: WeeklyCurves, config: PlanConfig,
             floor: Mapping[tuple[str, ...], np.ndarray]) -> tuple[_Graph, np.ndarray]:
    """The skill graph and the on-floor counts ``[group, slot]``."""
    graph = _Graph(config)
    zero = np.zeros(len(curves.floor_heads[0]) if curves.floor_heads.size else 0, dtype=np.int64)
    columns = np.array([floor.get(g, zero) for g in graph.groups], dtype=np.int64).reshape(len(graph.groups), -1)
    return graph, columns


def _counted(curves: WeeklyCurves, graph: _Graph, columns: np.ndarray) -> tuple[int, list[int]]:
    """The weight set whose allocation leaves the least shortfall (the first when equal) and its answered
    contacts per queue (scaled), with ``columns[group, slot]`` agents of ``graph``'s groups on the floor
    (``_columns``)."""
    best: list[int] | None = None
    chosen = 0
    for k in range(len(curves.weight_sets())):
        slots = SlotAnswers(curves, graph, k)
        total = [0] * len(curves.queue_ids)
        for slot in curves.slots():
            counts = columns[:, slot].tolist() if columns.size else [0] * len(graph.groups)
            for q, value in enumerate(slots.answers(slot, counts)):
                total[q] += value
        if best is None or sum(shortfall_units(curves, total)) < sum(shortfall_units(curves, best)):
            best, chosen = total, k
    assert best is not None
    return chosen, best


def cost(curves: WeeklyCurves, config: PlanConfig,
         floor: Mapping[tuple[str, ...], np.ndarray]) -> tuple[str, float, str, int, float]:
    """The objective term of a roster with ``floor`` on the floor: (rule, contacts short, unit, weight,
    penalty)."""
    short = sum(shortfall_units(curves, week_answers(curves, config, floor))) / ANSWER_SCALE
    weight = config.weights.weekly_shortfall_contact
    return NAME, short, UNIT, weight, short * weight


class WeeklyState:
    """The local search's exact scoring: the answered contacts per queue of the current floor counts
    (``floor[group, slot]``, the cover state's array, groups sorted by skill set) under each weight set
    (``WeeklyCurves.weight_sets``), the roster counted under the one that leaves the least shortfall (as
    ``week_answers``), and the change of the shortfall penalty a one-agent move makes."""

    def __init__(self, curves: WeeklyCurves, config: PlanConfig, groups: Sequence[tuple[str, ...]],
                 floor: np.ndarray) -> None:
        self.curves, self.floor = curves, floor
        self.graph = _Graph(config, groups)
        self.sets = [SlotAnswers(curves, self.graph, k) for k in range(len(curves.weight_sets()))]
        self.weight = config.weights.weekly_shortfall_contact / ANSWER_SCALE
        self.targets = np.array(curves.target_units, dtype=np.int64)
        self.currents: list[dict[int, tuple[int, ...]]] = [{} for _ in self.sets]
        self.totals = np.zeros((len(self.sets), len(curves.queue_ids)), dtype=np.int64)
        self.work = 0  # slots scored (one per weight set), for budgeting (``UNITS_PER_SLOT_SCORE``)
        self.kept_reads = 0  # gains found kept (``UNITS_PER_KEPT_GAIN``)
        # per slot, per (group, +1 or -1): the answered contacts' change per weight set and queue ([set, queue]) of
        # one head more or fewer of the group there; dropped when the slot's floor changes (``refresh``)
        self._gains: dict[int, dict[tuple[int, int], np.ndarray]] = {}
        # per slot and weight set, ``steps``' answer (kept while the slot's floor stands), and the allocations it
        # computed (``UNITS_PER_ALLOCATION`` each)
        self._steps: dict[int, dict[int, tuple[np.ndarray, np.ndarray]]] = {}
        self.step_allocations = 0
        # per slot and queue, the most one head can change the answered contacts (the envelope's first rise, or
        # Erlang's steepest step, which can be steeper where Erlang's curve is convex)
        self.steepest = np.zeros((floor.shape[1], len(curves.queue_ids)), dtype=np.int64)
        for q, by_slot in enumerate(curves.values):
            for slot, curve in by_slot.items():
                exact = curves.exact_curve(q, slot) or curve
                self.steepest[slot, q] = max(curve[1] - curve[0], int(np.diff(exact).max())) if len(curve) > 1 else 0
        self.refresh(0, floor.shape[1])

    def charged_units(self) -> float:
        """The deterministic units the scoring's work so far is charged (``CHARGE_ALLOCATIONS``)."""
        kept = self.kept_reads * UNITS_PER_KEPT_GAIN + self.step_allocations * UNITS_PER_ALLOCATION
        if not CHARGE_ALLOCATIONS:
            return self.work * UNITS_PER_SLOT_SCORE + kept
        return (self.work * UNITS_PER_MEMO_SCORE
                + sum(slots.allocations for slots in self.sets) * UNITS_PER_ALLOCATION + kept)

    @property
    def best(self) -> int:
        """The weight set whose allocation leaves the least shortfall (the first when equal)."""
        return int(np.argmin(np.maximum(self.targets - self.totals, 0).sum(axis=1)))

    @property
    def total(self) -> np.ndarray:
        """Answered contacts per queue (scaled) under the best weight set."""
        return self.totals[self.best]

    @property
    def current(self) -> dict[int, tuple[int, ...]]:
        """Answered contacts per queue (scaled) of each slot with contacts, under the best weight set."""
        return self.currents[self.best]

    def refresh(self, first: int, last: int) -> None:
        """Recount the slots ``[first, last)`` after the floor changed there."""
        for slot in range(first, last):
            self._gains.pop(slot, None)
            self._steps.pop(slot, None)
        for k, (slots, current) in enumerate(zip(self.sets, self.currents, strict=True)):
            for slot in range(first, last):
                if not slots.has(slot):
                    continue
                now = slots.answers(slot, self.floor[:, slot].tolist())
                before = current.get(slot)
                if before != now:
                    self.totals[k] += np.array(now, dtype=np.int64) - (
                        0 if before is None else np.array(before, np.int64))
                    current[slot] = now

    def wanting(self) -> np.ndarray:
        """Per slot, whether a queue short of its weekly target is answered less there than at its per-interval
        requirement: where the local search's repair tries more hours (bool, shape (slots,))."""
        wanted = np.zeros(self.floor.shape[1], dtype=bool)
        short = self._short_queues()
        for slot in self.current:
            wanted[slot] = self._wants(slot, short)
        return wanted

    def wants(self, slot: int) -> bool:
        """``wanting()`` at one slot, without computing every slot's."""
        return slot in self.current and self._wants(slot, self._short_queues())

    def _short_queues(self) -> list[int]:
        """The queues short of their weekly target (none when the curves have no per-interval heads)."""
        if self.curves.interval_heads is None:
            return []
        return np.flatnonzero(self.total < self.targets).tolist()

    def _wants(self, slot: int, short: list[int]) -> bool:
        heads = self.curves.interval_heads
        if heads is None or not short:
            return False
        now = self.current[slot]
        return any(now[q] < self._exact_value(q, slot, int(heads[q, slot])) for q in short)

    def _exact_value(self, queue: int, slot: int, heads: int) -> int:
        curve = self.curves.exact_curve(queue, slot)
        return 0 if curve is None else curve[min(heads, len(curve) - 1)]

    def penalty(self, total: np.ndarray) -> np.ndarray:
        """Shortfall penalty of answered totals ``[..., queue]``."""
        return self.weight * np.maximum(self.targets - total, 0).sum(axis=-1)

    def deltas(self, group: int, first: int, change: np.ndarray) -> np.ndarray:
        """Change of the shortfall penalty per row of ``change`` (``[candidate, slot]``: -1, 0 or +1 head of
        ``group`` on slots ``first, first + 1, ...``): the least penalty over the weight sets after the move,
        minus the least now."""
        width = change.shape[1]
        last = first + width
        # Under some weight set no candidate can bring any queue below its target: every change costs nothing
        # (adding heads never lowers the answered contacts, and one head fewer per slot loses at most the curve's
        # steepest rise), and the least penalty stays 0.
        reach = self.steepest[first:last].sum(axis=0)
        if any((total - self.targets >= reach).all() for total in self.totals):
            return np.zeros(change.shape[0])
        queues = len(self.curves.queue_ids)
        plus = np.zeros((len(self.sets), width, queues), dtype=np.int64)
        minus = np.zeros((len(self.sets), width, queues), dtype=np.int64)
        up = [bool(v) for v in np.asarray((change > 0).any(axis=0)).ravel()]
        down = [bool(v) for v in np.asarray((change < 0).any(axis=0)).ravel()]
        for offset in range(width):
            slot = first + offset
            if not (up[offset] or down[offset]) or not self.sets[0].has(slot):
                continue
            if up[offset]:
                plus[:, offset] = self._gain(group, slot, +1)
            if down[offset]:
                minus[:, offset] = self._gain(group, slot, -1)
        adds, drops = (change > 0).astype(np.int64), (change < 0).astype(np.int64)
        after = np.min([self.penalty(self.totals[k] + adds @ plus[k] + drops @ minus[k])
                        for k in range(len(self.sets))], axis=0)
        return after - self.penalty(self.totals).min()

    def steps(self, slot: int, set_index: int) -> tuple[np.ndarray, np.ndarray]:
        """Per queue, the scaled contacts one head more (``up``) and one fewer (``down``, -1 where the allocation
        gives the queue no head) answer in ``slot`` at the heads weight set ``set_index``'s allocation of the current
        floor gives it (Erlang's values): one allocation per slot, for estimates (``search.weekly_repair``)."""
        kept = self._steps.setdefault(slot, {})
        found = kept.get(set_index)
        if found is not None:
            self.kept_reads += 1
            return found
        queues = len(self.curves.queue_ids)
        up, down = np.zeros(queues, dtype=np.int64), np.full(queues, -1, dtype=np.int64)
        if self.sets[set_index].has(slot):
            self.step_allocations += 1
            heads = self.sets[set_index].heads(slot, self.floor[:, slot].tolist())
            for q, h in enumerate(heads):
                curve = self.curves.exact_curve(q, slot)
                if curve is None:
                    continue
                top = len(curve) - 1
                up[q] = curve[min(h + 1, top)] - curve[min(h, top)]
                if h > 0:
                    down[q] = curve[min(h, top)] - curve[min(h - 1, top)]
        kept[set_index] = up, down
        return up, down

    def _gain(self, group: int, slot: int, sign: int) -> np.ndarray:
        """The answered contacts' change per weight set and queue (``[set, queue]``) of one head of ``group`` more
        (``sign`` +1) or fewer (-1) in ``slot`` (none fewer than none), kept while the slot's floor stands."""
        kept = self._gains.setdefault(slot, {})
        found = kept.get((group, sign))
        if found is not None:
            self.kept_reads += 1
            return found
        found = np.zeros((len(self.sets), len(self.curves.queue_ids)), dtype=np.int64)
        counts = self.floor[:, slot].tolist()
        if counts[group] + sign >= 0:
            counts[group] += sign
            for k, slots in enumerate(self.sets):
                found[k] = np.subtract(slots.answers(slot, counts), self.currents[k][slot])
        self.work += len(self.sets)
        kept[group, sign] = found
        return found


class WeeklyServiceLevel(LabourRule):
    name = NAME
    hard = False
    per_agent = False

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)


RULE = WeeklyServiceLevel()


def build(model: RosterModel) -> list[PenaltyTerm]:
    """The CP-SAT face (module docstring); nothing when the weekly mode is off."""
    curves = curves_of(model.instance)
    if curves is None or (len(model.agents) < len(model.config.agents) and not model.fixed_on_floor):
        return []  # (a model of some agents that does not count the others: one agent's own rules)
    graph = _Graph(model.config)
    index = {g: i for i, g in enumerate(graph.groups)}
    members = [0] * len(graph.groups)
    for agent in model.config.agents:
        members[index[agent.skills]] += 1
    floor: dict[tuple[int, int], tuple[list, list]] = {}
    free: dict[tuple[int, int], int] = defaultdict(int)  # agents with variables who may be there
    for agent_day in model.all_agent_days():
        if not agent_day.options:
            continue
        g = index[agent_day.agent.skills]
        for slot, (variables, coefficients) in model.presence_terms(agent_day).items():
            vs, cs = floor.setdefault((g, slot), ([], []))
            vs.extend(variables)
            cs.extend(coefficients)
            free[g, slot] += 1
    fixed = model.fixed_on_floor
    constant = [[int(fixed[g][slot]) if g in fixed else 0 for g in graph.groups]
                for slot in range(model.week.slot_count)] if fixed else None
    touched = {slot for _, slot in floor}
    answers = SlotAnswers(curves, graph)
    answered: dict[int, list] = defaultdict(list)
    fixed_answered = [0] * len(curves.queue_ids)
    for slot in curves.slots():
        if fixed and slot not in touched:
            for q, value in enumerate(answers.answers(slot, constant[slot] if constant else [])):
                fixed_answered[q] += value
            continue
        by_queue: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        most = [0] * len(curves.queue_ids)
        for g, skills in enumerate(graph.groups):
            base = constant[slot][g] if constant else 0
            if (g, slot) not in floor and base == 0:
                continue
            upper = min(members[g], base + free.get((g, slot), 0))
            queues = [q for q in graph.queues_of[g] if slot in curves.values[q]]
            if not queues or upper == 0:
                continue
            heads = []
            for q in queues:
                var = model.cp.new_int_var(0, upper, f"sl_heads_{slot}_{'_'.join(skills)}_{q}")
                heads.append(var)
                by_queue[q].append(var)
                most[q] += upper
            variables, coefficients = floor.get((g, slot), ([], []))
            model.cp.add(cp_model.LinearExpr.sum(heads) <= cp_model.LinearExpr.weighted_sum(variables, coefficients)
                         + base)
        for q, heads in sorted(by_queue.items()):
            curve = curves.values[q][slot]
            top = min(most[q], len(curve) - 1)
            answer = model.cp.new_int_var(0, curve[top], f"sl_answered_{slot}_{q}")
            total = cp_model.LinearExpr.sum(heads)
            for k in _cut_points(curve, top):
                rise = curve[k + 1] - curve[k]
                model.cp.add(answer <= curve[k] + rise * (total - k))
            answered[q].append(answer)
    terms = []
    for q, target in enumerate(curves.target_units):
        need = target - fixed_answered[q]
        if need <= 0:
            continue
        short = model.cp.new_int_var(0, need, f"sl_short_{curves.queue_ids[q]}")
        model.cp.add(cp_model.LinearExpr.sum(answered[q]) + short >= need)
        terms.append(short)
    if not terms:
        return []
    return [PenaltyTerm(NAME, model.config.weights.weekly_shortfall_contact, cp_model.LinearExpr.sum(terms), UNIT,
                        ANSWER_SCALE)]


def _cut_points(curve: tuple[int, ...], top: int) -> list[int]:
    """The heads ``k < top`` where the curve's slope changes (one cut per distinct line)."""
    points = []
    previous = None
    for k in range(min(top, len(curve) - 1)):
        slope = curve[k + 1] - curve[k]
        if slope != previous:
            points.append(k)
            previous = slope
    return points


def lp_rows(instance: Instance, solver: pywraplp.Solver, objective: pywraplp.Objective,
            floor_terms: Mapping[tuple[tuple[str, ...], int], list[tuple[pywraplp.Variable, int]]],
            floor_total: Mapping[int, list[tuple[pywraplp.Variable, int]]],
            members: Mapping[str, tuple[str, ...]] | None = None,
            pieces_out: dict[tuple[int, int], list[tuple[pywraplp.Variable, int]]] | None = None) -> float:
    """The aggregate LP's face (``search.lower_bound``): per skill set and slot, heads allocated to its queues
    within its agents on the floor (``floor_terms``; with shared breaks, all allocations within ``floor_total``
    too), answered contacts under the curve's cuts, and the weekly shortfall priced in the objective. Returns
    the objective constant it adds (none). With queues merged (``search.subset_bound``), ``members`` names the
    queues each merged id stands for: its heads may go to any of them (agents skilled for one member count as
    skilled for all, so still a relaxation). ``pieces_out`` is given, per (queue, slot), the curve's increments
    and their slopes (``lp_heads`` reads the LP's answered contacts from them)."""
    curves = curves_of(instance)
    if curves is None:
        return 0.0
    infinity = solver.infinity()
    queue_index = {q: i for i, q in enumerate(curves.queue_ids)}
    heads: dict[tuple[int, int], list[pywraplp.Variable]] = defaultdict(list)
    # a skill set that serves one queue with contacts in a slot gives it all its heads there: its on-floor terms
    # go straight into the queue's row (one row and one column fewer; without shared breaks, whose row needs
    # every allocation as a variable)
    direct: dict[tuple[int, int], list[tuple[pywraplp.Variable, int]]] = defaultdict(list)
    by_slot: dict[int, list[pywraplp.Variable]] = defaultdict(list)
    for (skills, slot), terms in sorted(floor_terms.items()):
        variables = []
        served = [queue_index[queue_id] for merged in skills
                  for queue_id in (members or {}).get(merged, (merged,))]
        served = [q for q in served if slot in curves.values[q]]
        if len(served) == 1 and not floor_total.get(slot):
            direct[served[0], slot].extend(terms)
            heads.setdefault((served[0], slot), [])
            continue
        for q in served:
            var = solver.NumVar(0, infinity, f"w{'_'.join(skills)}_{slot}_{q}")
            variables.append(var)
            heads[q, slot].append(var)
        if variables:
            row = solver.Constraint(-infinity, 0)
            for var in variables:
                row.SetCoefficient(var, 1)
            for var, coefficient in terms:
                row.SetCoefficient(var, row.GetCoefficient(var) - coefficient)
            by_slot[slot].extend(variables)
    for slot, terms in sorted(floor_total.items()):
        if by_slot.get(slot):
            row = solver.Constraint(-infinity, 0)
            for var in by_slot[slot]:
                row.SetCoefficient(var, 1)
            for var, coefficient in terms:
                row.SetCoefficient(var, row.GetCoefficient(var) - coefficient)
    answered: dict[int, list[tuple[pywraplp.Variable, int]]] = defaultdict(list)
    for (q, slot), variables in sorted(heads.items()):
        curve = curves.values[q][slot]
        last = len(curve) - 1
        if last == 0:
            continue
        # The curve as increments of falling slope (the LP fills them in order, as it is concave and
        # maximised), one row per interval. Exact between the floor and the per-interval requirement (each
        # a margin wider); outside, one increment at the neighbouring steeper slope, as long as it takes to
        # reach the curve's value there: a line above the curve, so the relaxation stays a relaxation.
        low = min(last, max(0, int(curves.floor_heads[q, slot]) - LP_CUT_MARGIN))
        high = last if curves.interval_heads is None else min(
            last, max(low, int(curves.interval_heads[q, slot]) + LP_CUT_MARGIN))
        pieces: list[tuple[float, int]] = []  # (length in heads, slope)
        if low > 0:
            first = curve[1] - curve[0]
            pieces.append(((curve[low] - curve[0]) / first, first))
        pieces.extend((1.0, curve[k + 1] - curve[k]) for k in range(low, high))
        if high < last:
            steep = curve[high + 1] - curve[high]
            pieces.append(((curve[last] - curve[high]) / steep, steep))
        row = solver.Constraint(-infinity, 0)  # the increments taken <= the heads allocated
        for var in variables:
            row.SetCoefficient(var, -1)
        for var, coefficient in direct.get((q, slot), ()):
            row.SetCoefficient(var, row.GetCoefficient(var) - coefficient)
        for i, (length, slope) in enumerate(pieces):
            piece = solver.NumVar(0, length, f"v{slot}_{q}_{i}")
            row.SetCoefficient(piece, 1)
            answered[q].append((piece, slope))
            if pieces_out is not None:
                pieces_out.setdefault((q, slot), []).append((piece, slope))
    weight = instance.config.weights.weekly_shortfall_contact / ANSWER_SCALE
    for q, target in enumerate(curves.target_units):
        short = solver.NumVar(0, infinity, f"short{q}")
        row = solver.Constraint(target - sum(curves.value(q, t, 0) for t in curves.values[q]), infinity)
        row.SetCoefficient(short, 1)
        for piece, slope in answered[q]:
            row.SetCoefficient(piece, slope)
        objective.SetCoefficient(short, weight)
    return 0.0


def lp_heads(instance: Instance, answered: Mapping[tuple[int, int], float]) -> np.ndarray | None:
    """Per queue and slot (``[queue, slot]``, fractional), the heads whose answered contacts on Erlang's own curve
    (``WeeklyCurves.exact_curve``, linear between head counts) reach what the aggregate LP's plan answers there
    (``answered``: the LP's increments times their slopes, on the envelope and its cut lines, which count more
    per head below the tangent point), and at least the floor; None outside the weekly mode. What the weekly LP's
    plan keeps when it is rounded (``search.weekly_start.cover_target``)."""
    curves = curves_of(instance)
    if curves is None:
        return None
    heads = np.array(curves.floor_heads, dtype=float)
    for (q, slot), value in answered.items():
        curve = curves.exact_curve(q, slot)
        if curve is None:
            continue
        reach = curves.value(q, slot, 0) + value - 1e-6 * max(1.0, abs(value))
        n = next((n for n, v in enumerate(curve) if v >= reach), len(curve) - 1)
        needed = float(n) if n == 0 or curve[n] <= curve[n - 1] else n - (curve[n] - reach) / (curve[n] - curve[n - 1])
        heads[q, slot] = max(heads[q, slot], needed)
    return heads


def unreachable(instance: Instance) -> list[str]:
    """One line per queue whose weekly target no roster reaches: even with every agent skilled for it on the
    floor in every interval one of their candidate shifts spans (all at once, on this queue alone), the
    answered contacts stay short. Names the queue, its target and the best reachable level."""
    curves = curves_of(instance)
    if curves is None:
        return []
    config, week = instance.config, instance.week
    available = _available(config, week, curves.queue_ids)
    lines = []
    for q, queue_id in enumerate(curves.queue_ids):
        best = sum(curves.value(q, slot, int(available[q, slot])) for slot in curves.values[q])
        if best < curves.target_units[q] and curves.contacts[q] > 0:
            level = best / ANSWER_SCALE / curves.contacts[q]
            lines.append(f"queue {queue_id!r}: its weekly service-level target {curves.target_level[q]:.1%} is out of "
                         f"reach (objective.service_level: weekly): with every agent skilled for it on the floor in "
                         f"every interval they could work, the best reachable weekly level is {level:.1%}")
    return lines


def _available(config: PlanConfig, week: Week, queue_ids: Sequence[str]) -> np.ndarray:
    """Agents skilled for each queue whose candidate shifts span each slot, ``[queue, slot]``."""
    available = np.zeros((len(queue_ids), week.slot_count), dtype=np.int64)
    index = {q: i for i, q in enumerate(queue_ids)}
    for agent in config.agents:
        for day in range(7):
            span = candidate_span(config, agent, week, day)
            if span is None:
                continue
            for skill in agent.skills:
                available[index[skill], span[0]:span[1]] += 1
    return available
