"""Soft: cumulative (deadline) cover of deferred queues (``rostering.deadlines``), the only solver-side home of it.

For each queue of ``Instance.deadlines``, the heads the roster allocates to it add up over the week: after its
``k``-th open interval the total ``done[k]`` may not pass ``upper[k]`` (no work before it arrives) and every head
short of ``lower[k]`` (the work already due) is *overdue* in that interval. Each overdue agent-interval costs, in
every open interval it stays overdue, ``overdue_price``: the understaffing weight ``w`` divided by the deadline
in intervals times the share the queue may leave late, ``D * (1 - target)``, that divisor kept within
``[1 / D, 1]``. So work overdue for a whole deadline costs ``w / (1 - target)`` (missing a 90% target by one
agent-interval of work costs what ten uncovered live agent-intervals cost), and never less than ``w`` per
interval: taking a head off a deferred queue, making its work late, is never cheaper than leaving a live queue
one head short, and missing the target share is never cheaper than staffing. Work left undone costs it in every
interval until the week ends. A head on the queue counts as covered (no overstaffing), like a head on a live
queue. The queue's requirement row
(the fluid plan's fixed heads per interval) is not covered interval by interval: it is one plan among many (the
searches start from it where they have nothing better).

The *cushion*: in each open interval, heads working the queue up to the fluid plan's heads there are worth
``cushion_price`` each beyond that (a concave value: every head short of the plan's costs it; heads above it
nothing more). Without it the model is indifferent to *when* deferred work is done, and bunches it; the agents
working deferred items are mostly blended agents who take a call first when one waits, so deferred work spread
as the plan spreads it keeps a cushion of such agents beside the live queues in every interval. The price is far
below an uncovered live head or an overdue one (a head never leaves a live queue or a deadline for the cushion)
and above an idle head (a present head works the plan's share rather than idle).

Faces:

- CP-SAT (``build`` and ``CoverHook``, which ``rules.coverage`` asks for the queue's allocation variables, so
  each agent is allocated once across live and deferred queues);
- the exact cost of a roster (``exact_cover``): a min-cost flow over the week (per interval, skill groups to
  live queues and to the deferred queue's chain of intervals, where work may run ahead up to what has arrived or
  fall behind at the overdue cost), whose optimum is the CP-SAT objective's cover part for that roster;
- the local search and the neighbourhoods work per interval on a restriction (``retarget``): the deferred rows
  become the heads the roster's exact optimum puts on each queue, so a move is scored exactly against them;
- the aggregate LP (``AggregateDeadlines``: the same cumulative rows over the relaxation's allocations), so the
  bound stays a proven bound of the cumulative problem, and the LP's deferred heads shape the first roster
  (``lp_target``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from scheduler.domain.plan import ObjectiveWeights
from scheduler.rostering.deadlines import DeadlineQueue
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import LabourRule

NAME = "deadline_cover"
UNIT = "uncovered agent-interval equivalent"
CUSHION = "deadline_cushion"
CUSHION_UNIT = "agent-interval short of the deferred plan"
# The cushion's price per head short of the fluid plan in an interval, as a share of the understaffing weight:
# a tenth, so ten such heads weigh one uncovered live head (and ten times an idle head at the default weights).
CUSHION_SHARE = 0.1


def live_requirements(instance: Instance) -> np.ndarray:
    """The requirement array ``[queue, slot]`` covered interval by interval: the deadline queues' rows zeroed."""
    if not instance.deadlines:
        return instance.requirements
    live = np.array(instance.requirements)
    for queue in instance.deadlines:
        live[queue.index] = 0
    return live


class CoverHook:
    """What ``rules.coverage`` asks while it builds the per-interval cover: the deadline queues' allocation
    variables of one skill set and slot (registered in ``RosterModel.allocations``), the slots it must build even
    in a neighbourhood, and the covered heads for the overstaffing term."""

    def __init__(self, model: RosterModel) -> None:
        self.model = model
        queue_ids = [q.queue_id for q in model.config.queues]
        self.queues = [(q.index, queue_ids[q.index], frozenset(q.open_slots)) for q in model.instance.deadlines]
        self.made: list[cp_model.IntVar] = []

    def slots(self) -> set[int]:
        """Slots where a deadline queue may be worked (all of them count, not only a neighbourhood's)."""
        return set().union(*(open_slots for _, _, open_slots in self.queues)) if self.queues else set()

    def allocations(self, skills: tuple[str, ...], slot: int, members: int) -> list[cp_model.IntVar]:
        made = []
        for index, queue_id, open_slots in self.queues:
            if queue_id in skills and slot in open_slots:
                alloc = self.model.cp.new_int_var(0, members, f"alloc_{slot}_{queue_id}")
                self.model.allocations[slot, skills, index] = alloc
                made.append(alloc)
        self.made.extend(made)
        return made

    def covered(self) -> list[cp_model.LinearExprT]:
        return [cp_model.LinearExpr.sum(self.made)] if self.made else []


def build(model: RosterModel) -> list[PenaltyTerm]:
    """The cumulative rows over the allocations ``CoverHook`` made, and the overdue penalty."""
    indices = {q.index for q in model.instance.deadlines}
    if not any(index in indices for _, _, index in model.allocations):
        return []  # no cover built (a model of one agent's own rules), or no one skilled: nothing to choose
    by_queue_slot: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for (slot, _, index), alloc in model.allocations.items():
        by_queue_slot[index, slot].append(alloc)
    overdue: list[cp_model.IntVar] = []
    per_late: list[int] = []
    weight = model.config.weights.understaffed_agent_interval
    short: list[cp_model.IntVar] = []
    never = 0  # plan heads no one may work (no allocation variable there): short whatever the roster
    for queue in model.instance.deadlines:
        done: cp_model.LinearExpr = cp_model.LinearExpr.sum([])
        floors = cushion_floors(model.instance, queue)
        for k, slot in enumerate(queue.open_slots):
            here = by_queue_slot.get((queue.index, slot), [])
            if floors[k] > 0 and here:
                gap = model.cp.new_int_var(0, int(floors[k]), f"deadline_cushion_{queue.index}_{k}")
                model.cp.add(gap >= int(floors[k]) - cp_model.LinearExpr.sum(here))
                short.append(gap)
            elif floors[k] > 0:
                never += int(floors[k])
            if here:  # (without, the total stands, within the earlier and so smaller upper bound)
                total = model.cp.new_int_var(0, queue.upper[k], f"deadline_done_{queue.index}_{k}")
                model.cp.add(total == done + cp_model.LinearExpr.sum(here))
                done = cp_model.LinearExpr.sum([total])
            if queue.lower[k] > 0:
                late = model.cp.new_int_var(0, queue.lower[k], f"deadline_overdue_{queue.index}_{k}")
                model.cp.add(late >= queue.lower[k] - done)
                overdue.append(late)
                per_late.append(overdue_price(queue, weight))
    return [PenaltyTerm(NAME, 1, cp_model.LinearExpr.weighted_sum(overdue, per_late), "objective unit"),
            PenaltyTerm(CUSHION, cushion_price(model.config.weights), cp_model.LinearExpr.sum(short) + never,
                        CUSHION_UNIT)]


def overdue(costs: Sequence[object]) -> bool:
    """Whether a roster's evaluated costs (``rostering.solve.RuleCost``) leave deadline work overdue."""
    return any(getattr(c, "rule", None) == NAME and getattr(c, "amount", 0) > 0 for c in costs)


def overdue_price(queue: DeadlineQueue, understaffed_weight: int) -> int:
    """Objective units per overdue agent-interval of ``queue`` per open interval (module docstring): the
    understaffing weight over ``deadline_slots * (1 - service_level_target)`` kept within ``[1 / D, 1]``, whole."""
    late_share = queue.deadline_slots * (1.0 - queue.service_level_target)
    return round(understaffed_weight / min(1.0, max(late_share, 1.0 / queue.deadline_slots)))


def cushion_price(weights: ObjectiveWeights) -> int:
    """Objective units per head short of the fluid plan's heads on a deferred queue in one open interval (module
    docstring): ``CUSHION_SHARE`` of the understaffing weight, whole, and at least one."""
    return max(1, round(weights.understaffed_agent_interval * CUSHION_SHARE))


def cushion_cost(exact: ExactCover, weights: ObjectiveWeights) -> tuple[str, int, str, int, int]:
    """The cushion's term of a roster's evaluated costs: rule, amount (heads short of the plan, summed over
    intervals), unit, weight (``cushion_price``) and penalty."""
    price = cushion_price(weights)
    return CUSHION, exact.cushion, CUSHION_UNIT, price, exact.cushion * price


def cushion_floors(instance: Instance, queue: DeadlineQueue) -> np.ndarray:
    """The fluid plan's heads on ``queue`` in each of its open slots (its requirement row there), shape
    ``(len(open_slots),)``: the heads the cushion values."""
    return np.asarray(instance.requirements[queue.index], dtype=np.int64)[list(queue.open_slots)]


class DeadlineCover(LabourRule):
    name = NAME
    hard = False
    per_agent = False

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def describe(self, agent: object) -> str:
        return "cumulative cover of deferred queues before their deadlines"


RULE = DeadlineCover()


@dataclass(frozen=True)
class ExactCover:
    """The best allocation of a roster's on-floor heads (cover part of the objective, in agent-intervals):
    ``under`` live requirement uncovered, ``over`` on-floor heads on no requirement, ``overdue`` overdue
    agent-intervals summed over the deadline queues' open intervals, each times its queue's ``overdue_price``
    over the understaffing weight (the penalty's amount, in uncovered live agent-intervals), ``heads`` heads per
    ``[queue, slot]`` on each queue (live: covering its requirement; deadline queues: working them), ``cushion``
    heads short of the fluid plan's on the deadline queues, summed over their open intervals (``cushion_price``
    each)."""

    under: int
    over: int
    overdue: float
    heads: np.ndarray
    cushion: int = 0


class ExactCovers:
    """``exact_cover`` of one instance, remembering its last ``size`` answers by the heads on the floor: the solve
    scores a roster it keeps (``solve.evaluate``) and then retargets its searches on the same roster
    (``solve_roster``'s ``searched``), and each min-cost flow costs up to 0.7 s of CPU at 100 agents on six
    channels (README "Levels over several weeks inside the time limit"). An answer is the one a fresh call gives
    (the flow is deterministic); callers must not change its ``heads``."""

    def __init__(self, instance: Instance, size: int = 4) -> None:
        self.instance, self.size = instance, size
        self._answers: dict[tuple, ExactCover] = {}

    def __call__(self, on_floor: dict[tuple[str, ...], np.ndarray]) -> ExactCover:
        key = tuple((group, on_floor[group].tobytes()) for group in sorted(on_floor))
        answer = self._answers.pop(key, None)
        if answer is None:
            answer = exact_cover(self.instance, on_floor)
            answer.heads.setflags(write=False)  # shared by every caller asking the same heads
            if len(self._answers) >= self.size:
                del self._answers[next(iter(self._answers))]  # the least recently asked
        self._answers[key] = answer
        return answer


def exact_cover(instance: Instance, on_floor: dict[tuple[str, ...], np.ndarray]) -> ExactCover:
    """The cover part of the objective for heads ``on_floor`` (per skill set, ``(slots,)``), minimised over
    allocations, as a min-cost flow (module docstring); equal to what CP-SAT's cover terms reach for the roster."""
    config = instance.config
    weights = config.weights
    under_w, over_w = int(weights.understaffed_agent_interval), int(weights.overstaffed_agent_interval)
    queue_ids = list(instance.queue_ids)
    live = live_requirements(instance)
    groups = sorted(on_floor)
    floor_total = int(sum(int(v.sum()) for v in on_floor.values()))
    lower_total = sum(q.lower[-1] for q in instance.deadlines if q.open_slots)
    big = floor_total + lower_total + 1
    supply = floor_total + big  # what the source sends: every unused head and unused debt goes straight to the sink
    longest = max((len(q.open_slots) for q in instance.deadlines), default=0)
    prices = {q.index: overdue_price(q, under_w) for q in instance.deadlines}
    cushion_w = cushion_price(weights)
    # a due head is always met, late if need be
    must = max([under_w, *prices.values()]) * (longest + 2) + over_w + cushion_w + 1
    tails: list[int] = []
    heads_: list[int] = []
    caps: list[int] = []
    costs: list[int] = []

    def arc(tail: int, head: int, capacity: int, cost: int) -> int:
        tails.append(tail)
        heads_.append(head)
        caps.append(capacity)
        costs.append(cost)
        return len(tails) - 1

    source, sink = 0, 1
    nodes = 2
    arc(source, sink, supply, 0)
    chain: dict[int, list[int]] = {}
    debt_arcs: list[tuple[int, int]] = []  # (arc, overdue price)
    for queue in instance.deadlines:
        first = nodes
        count = len(queue.open_slots)
        nodes += count + 1  # one node per open slot, then the debt still open at the week's end
        chain[queue.index] = list(range(first, first + count))
        steps = queue.due_steps
        for k in range(count):
            if steps[k] > 0:
                arc(first + k, sink, int(steps[k]), -must)
            slack = queue.upper[k] - queue.lower[k]
            if slack > 0:
                arc(first + k, first + k + 1 if k + 1 < count else sink, slack, 0)
            debt_arcs.append((arc(first + k + 1, first + k, big, prices[queue.index]), prices[queue.index]))
        arc(source, first + count, big, 0)
    live_arcs: list[tuple[int, int, int]] = []  # (arc, queue index, slot)
    deferred_arcs: list[tuple[int, int, int]] = []  # (arc, queue index, slot)
    open_rank = {q.index: {s: k for k, s in enumerate(q.open_slots)} for q in instance.deadlines}
    floors = {q.index: cushion_floors(instance, q) for q in instance.deadlines}
    cushion_arcs: list[int] = []
    deferred_node: dict[tuple[int, int], int] = {}  # (queue index, slot): the heads working it there

    def working(q: int, rank: int) -> int:
        """The node of the heads working deadline queue ``q`` in its open slot ``rank``: to its chain node, the
        first ``floor`` of them with the cushion's value."""
        nonlocal nodes
        node = deferred_node.get((q, rank))
        if node is None:
            node = deferred_node[q, rank] = nodes
            nodes += 1
            floor = int(floors[q][rank])
            if floor > 0:
                cushion_arcs.append(arc(node, chain[q][rank], floor, -cushion_w))
            arc(node, chain[q][rank], floor_total, 0)
        return node

    live_node: dict[tuple[int, int], int] = {}
    for g in groups:
        counts = on_floor[g]
        mine = [i for i, queue_id in enumerate(queue_ids) if queue_id in g]
        for slot in np.flatnonzero(counts).tolist():
            present = int(counts[slot])
            node = nodes
            nodes += 1
            arc(source, node, present, 0)
            for q in mine:
                if live[q, slot] > 0:
                    target = live_node.get((q, slot))
                    if target is None:
                        target = live_node[q, slot] = nodes
                        nodes += 1
                        live_arcs.append((arc(target, sink, int(live[q, slot]), -(under_w + over_w)), q, slot))
                    arc(node, target, present, 0)
                rank = open_rank.get(q, {}).get(slot)
                if rank is not None:
                    deferred_arcs.append((arc(node, working(q, rank), present, -over_w), q, slot))
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(np.asarray(tails, dtype=np.int64), np.asarray(heads_, dtype=np.int64),
                                              np.asarray(caps, dtype=np.int64), np.asarray(costs, dtype=np.int64))
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("the deadline cover's min-cost flow found no optimum")
    heads = np.zeros_like(live)
    for a, q, slot in (*live_arcs, *deferred_arcs):
        heads[q, slot] += flow.flow(a)
    live_covered = int(sum(flow.flow(a) for a, _, _ in live_arcs))
    floor_sum = int(sum(int(f.sum()) for f in floors.values()))
    return ExactCover(under=int(live.sum()) - live_covered, over=floor_total - int(heads.sum()),
                      overdue=sum(flow.flow(a) * price for a, price in debt_arcs) / max(under_w, 1), heads=heads,
                      cushion=floor_sum - int(sum(flow.flow(a) for a in cushion_arcs)))


def retarget(instance: Instance, heads: np.ndarray | dict[int, np.ndarray], overdue_rows: bool = True) -> Instance:
    """The per-interval restriction the searches score exactly: each deadline queue's row becomes ``heads`` (the
    heads an allocation puts on it per slot, e.g. ``ExactCover.heads``'s row) and the instance covers every row
    interval by interval. Where those heads leave work overdue (``overdue_rows``), the row asks the larger of
    them and the fluid plan's heads there, so the searches see the shortfall."""
    if not instance.deadlines:
        return instance
    rows = np.array(instance.requirements)
    for queue in instance.deadlines:
        mine = np.asarray(heads[queue.index], dtype=np.int64)
        if overdue_rows and queue.open_slots:
            done = np.cumsum(mine[list(queue.open_slots)])
            behind = np.asarray(queue.open_slots)[done < np.asarray(queue.lower)]
            mine = mine.copy()
            mine[behind] = np.maximum(mine[behind], rows[queue.index, behind])
        rows[queue.index] = mine
    return replace(instance, requirements=rows, deadlines=())


def planned_rows(instance: Instance, on_floor: dict[tuple[str, ...], np.ndarray]) -> np.ndarray:
    """The heads per ``[queue, slot]`` the best allocation of ``on_floor`` gives each queue (a live queue: the
    part of its requirement covered; a deadline queue: the heads working it): what the backlog replay
    (``app.channels.blended_heads``) allocates against, so that it gives the live queues and the deferred queues
    the heads the model gave them (then any head left idle works the backlog too); the instance's own array
    without deadline queues."""
    if not instance.deadlines:
        return instance.requirements
    return exact_cover(instance, on_floor).heads


def lp_target(instance: Instance, heads: dict[int, np.ndarray]) -> Instance:
    """The per-interval restriction drawn from the aggregate LP's (fractional) heads per deadline queue and slot:
    rounded up cumulatively, within ``upper``, and at least ``lower`` by every open slot, so a roster covering
    it keeps every deadline (``retarget`` of those whole heads)."""
    if not instance.deadlines:
        return instance
    whole: dict[int, np.ndarray] = {}
    for queue in instance.deadlines:
        row = np.zeros(instance.slots, dtype=np.int64)
        if queue.open_slots:
            opened = list(queue.open_slots)
            fractional = np.asarray(heads.get(queue.index, np.zeros(instance.slots)), dtype=float)[opened]
            total = np.ceil(np.round(np.cumsum(fractional), 6) - 1e-9).astype(np.int64)
            total = np.maximum(np.minimum(total, np.asarray(queue.upper)), np.asarray(queue.lower))
            total = np.maximum.accumulate(total)
            row[opened] = np.diff(total, prepend=0)
        whole[queue.index] = row
    return retarget(instance, whole, overdue_rows=False)


class AggregateDeadlines:
    """The deadline queues' part of the aggregate LP (``search.lower_bound``): allocation variables per skill set
    and open slot (each saving one overstaffed agent-interval), running totals within ``upper`` and overdue
    variables at ``overdue_price``, as in the CP-SAT model."""

    def __init__(self, instance: Instance, solver: pywraplp.Solver, objective: pywraplp.Objective) -> None:
        self.instance, self.solver, self.objective = instance, solver, objective
        queue_ids = list(instance.queue_ids)
        self.queues = [(q.index, queue_ids[q.index], frozenset(q.open_slots)) for q in instance.deadlines]
        self.by_queue_slot: dict[tuple[int, int], list[pywraplp.Variable]] = defaultdict(list)
        self.weights = instance.config.weights

    def allocations(self, skills: tuple[str, ...], slot: int) -> list[pywraplp.Variable]:
        made = []
        for index, queue_id, open_slots in self.queues:
            if queue_id in skills and slot in open_slots:
                var = self.solver.NumVar(0, self.solver.infinity(), f"d{'_'.join(skills)}_{slot}_{index}")
                self.objective.SetCoefficient(var, -self.weights.overstaffed_agent_interval)
                self.by_queue_slot[index, slot].append(var)
                made.append(var)
        return made

    def by_slot(self) -> dict[int, list[pywraplp.Variable]]:
        slots: dict[int, list[pywraplp.Variable]] = defaultdict(list)
        for (_, slot), variables in sorted(self.by_queue_slot.items()):
            slots[slot].extend(variables)
        return slots

    def add_rows(self) -> None:
        """The running totals, overdue and cushion rows (after every allocation is made)."""
        solver = self.solver
        cushion_w = cushion_price(self.weights)
        for queue in self.instance.deadlines:
            previous = None
            floors = cushion_floors(self.instance, queue)
            for k, slot in enumerate(queue.open_slots):
                if floors[k] > 0:  # heads short of the plan's here: at least the plan less those working it
                    gap = solver.NumVar(0, float(floors[k]), "")
                    self.objective.SetCoefficient(gap, cushion_w)
                    cushion_row = solver.Constraint(float(floors[k]), solver.infinity())
                    cushion_row.SetCoefficient(gap, 1)
                    for var in self.by_queue_slot.get((queue.index, slot), []):
                        cushion_row.SetCoefficient(var, 1)
                total = solver.NumVar(0, float(queue.upper[k]), "")
                link = solver.Constraint(0, 0)
                link.SetCoefficient(total, 1)
                if previous is not None:
                    link.SetCoefficient(previous, -1)
                for var in self.by_queue_slot.get((queue.index, slot), []):
                    link.SetCoefficient(var, -1)
                if queue.lower[k] > 0:
                    late = solver.NumVar(0, float(queue.lower[k]), "")
                    self.objective.SetCoefficient(late, overdue_price(queue, self.weights.understaffed_agent_interval))
                    row = solver.Constraint(float(queue.lower[k]), solver.infinity())
                    row.SetCoefficient(late, 1)
                    row.SetCoefficient(total, 1)
                previous = total

    def heads(self) -> dict[int, np.ndarray]:
        """The LP's heads per deadline queue and slot (after solving), shape ``(slots,)`` each."""
        result = {q.index: np.zeros(self.instance.slots) for q in self.instance.deadlines}
        for (index, slot), variables in self.by_queue_slot.items():
            result[index][slot] += sum(max(0.0, v.solution_value()) for v in variables)
        return result
