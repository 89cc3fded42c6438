"""Proficiency-weighted cover: requirements in average agents, an agent worth its proficiency on a queue.

On by default when some agent's proficiency differs from 1 (``weighted``; not with the weekly service level);
``solver.proficiency_cover: false`` counts heads in every face, as before.

An agent with proficiency ``p`` on a queue handles its contacts in ``1/p`` of the average handle time, so on
that queue they count as ``p`` average agents. Proficiencies are counted in hundredths (``SCALE``): agent ``a``
brings ``P[a, q] = round(100 p)`` hundredths of an average agent to queue ``q``.

Agents are grouped by skill set *and* proficiency vector (``CoverGroups``). In each interval every agent on the
floor answers one queue it is skilled for (a whole head, as without proficiencies), integer ``x[g, q] >= 0``
heads of group ``g`` on queue ``q`` with ``sum_q x[g, q] <= n[g]``, and the queue's effective cover is capped by
its requirement: ``cover[q] = min(100 * required[q], sum_g P[g, q] * x[g, q])`` hundredths. The allocation
maximises ``C = sum_q cover[q]`` and then

- under-staffing in the interval is ``sum_q required[q] - C / 100`` average agents;
- over-staffing is the heads on the floor beyond the average agents they cover, ``max(0, heads - C / 100)``.

Both fall as ``C`` grows, so maximising the cover minimises their weighted sum. With every proficiency 1 this is
the max-flow cover of ``rostering.coverage`` (``heads >= C`` always, so the ``max`` never binds): the plain
faces are used then, unchanged. Every face computes this same number: the CP-SAT coverage rule (``build``), the
local search (``WeightedCoverState``: each interval's exact cover kept with an allocation reaching it; one head
more or fewer is proven by bounds from it, ``quick_cover``, and solved afresh only when they do not meet),
the roster's scoring
(``cover_cost``), the LP bound (its relaxation, each skill set at its members' best proficiency) and, with
code of its own, the validator (``scheduler.validation.effective_cover``).

The per-interval problem is a small integer program (a bin-covering flavour: the last head on a queue may
overshoot it). ``best_cover`` solves it exactly: single-skill heads all go to their queue (that can never hurt);
the rest are placed greedily, and when the greedy cover falls short of an upper bound (the requirement, the
skilled heads' capacity per queue, every head at its best queue) a depth-first branch and bound over the
multi-skill heads proves or improves it; past ``BRANCH_LIMIT`` nodes CP-SAT solves the interval's integer
program to optimality. In the local search about two thirds of the one-head changes are proven by
``quick_cover`` (about 45 us against 0.3-1 ms for ``best_cover`` on the 70-agent example with levels); its
work, and ``best_cover``'s, is charged to the search's budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from scheduler.domain.plan import Agent, PlanConfig
from scheduler.domain.roster import ActivityAssignment, BreakAssignment, Roster
from scheduler.domain.week import Week
from scheduler.rostering.model import PenaltyTerm, RosterModel

SCALE = 100  # proficiencies and cover in hundredths of an average agent
# Branch-and-bound nodes per interval before the integer program decides: a node costs about 10 us, the program
# about 2.5 ms, so past a few hundred nodes the program is the cheaper proof. At 20,000 the scoring of one roster of
# 194 agents with levels took 3.4 s of CPU (197 intervals deep in the branch and bound), outside the budget and past
# the wall-clock cap; at 1,000, 0.7 s (README "The weighted cover's branch and bound capped").
BRANCH_LIMIT = 1_000
SUBSET_QUEUES = 6  # the branch and bound's Lagrangian rests try every set of queues up to this many queues
# The local search's work charge per interval cover solved, per branch-and-bound node and per integer program,
# and per ``quick_cover`` call (answered or not, its one-move tries included) and ``SlotBasis`` built beyond the
# search each belongs to (charged ``search.polish.UNITS_PER_SEARCH``, 30 us), in its search elements
# (``search.polish.UNITS_PER_SEARCH_ELEMENT`` at ``solve.DETERMINISTIC_UNITS_PER_SECOND``: 0.70 us of CPU each):
# about 100 us, 10 us, 3 ms plus 0.12 ms per arc of the program (a group's heads on an open queue), 10 us and
# 10 us. The program's was 2.5 ms flat: measured at 150 agents x 3 queues with levels it takes 11 ms on average
# (1,080 programs, 64 arcs in the median; 7.5 ms at 80 agents, 39 arcs), which mattered once ``BRANCH_LIMIT`` sent
# intervals to it after 1,000 nodes instead of 20,000 (the search took 1.13x its charge). The others fitted to the
# CPU time (``time.process_time``) of the weighted local search's cover on centres with levels of 25, 40, 70 and
# 150 agents: about 35-40 us per quick cover with its search, basis and flow updates, and 8-11 us per node. (They
# were once converted at 0.23 us an element, a deterministic unit taken for a second: the weighted local search was
# charged 3.4-4.5 times its CPU time, and on small centres the budget ended at a third of the limit; README
# *Levels*.)
SOLVE_ELEMENTS = 142
NODE_ELEMENTS = 14
# A node's bound reads every set of its queues (``SUBSET_QUEUES``): measured (one process, 200 random intervals each,
# ``_branch_and_bound`` timed per node) 11, 9.6, 11.9, 21.7 and 52.8 us a node at 2, 3, 4, 5 and 6 queues, about 9 us
# plus 0.165 us per element of the subsets' sum beyond three queues' 23 (``wide_node_elements``): at six queues with
# levels the local search took 3.4 times its charge (README "Levels over several weeks inside the time limit").
WIDE_NODE_BASE = 23
WIDE_NODE_SHARE = 0.165 / 0.70  # us of CPU an element of the subsets' sum, over the search element's 0.70 us
PROGRAM_ELEMENTS = 4_300
PROGRAM_ARC_ELEMENTS = 170
QUICK_ELEMENTS = 15
BASIS_ELEMENTS = 15

GroupKey = tuple[str, ...]


def hundredths(agent: Agent, queue_id: str) -> int:
    """The agent's proficiency on ``queue_id`` in hundredths of an average agent."""
    return int(round(agent.proficiency(queue_id) * SCALE))


def weighted(config: PlanConfig) -> bool:
    """Whether the roster's cover is weighted: ``solver.proficiency_cover`` is on (by default, unless the service
    level is weekly, whose curves count whole heads) and some agent's proficiency on a skill differs from 1 (else
    the plain, head-counting cover holds)."""
    setting = config.solver.proficiency_cover
    if setting is None:
        setting = config.weights.service_level != "weekly"
    return setting and any(
        hundredths(a, q) != SCALE for a in config.agents if a.proficiencies for q in a.skills)


def cover_key(agent: Agent, proficient: bool) -> GroupKey:
    """The agent's cover group: the skill set, with each skill's proficiency in hundredths when ``proficient``
    (``sales:80``), so agents of one group are interchangeable for the cover."""
    if not proficient:
        return agent.skills
    return tuple(f"{q}:{hundredths(agent, q)}" for q in agent.skills)


@dataclass(frozen=True)
class CoverGroups:
    """The cover groups of a config (sorted keys) with, per group, its queues (config order indices) and its
    proficiency on each in hundredths (aligned)."""

    keys: tuple[GroupKey, ...]
    queues_of: tuple[tuple[int, ...], ...]
    weights_of: tuple[tuple[int, ...], ...]
    index_of: dict[GroupKey, int]
    group_of: dict[str, int]  # agent id -> group index

    @staticmethod
    def of(config: PlanConfig) -> CoverGroups:
        queue_ids = [q.queue_id for q in config.queues]
        members: dict[GroupKey, Agent] = {}
        for agent in config.agents:
            members.setdefault(cover_key(agent, True), agent)
        keys = tuple(sorted(members))
        queues_of, weights_of = [], []
        for key in keys:
            agent = members[key]
            pairs = sorted((queue_ids.index(q), hundredths(agent, q)) for q in agent.skills)
            queues_of.append(tuple(q for q, _ in pairs))
            weights_of.append(tuple(w for _, w in pairs))
        index_of = {key: i for i, key in enumerate(keys)}
        return CoverGroups(keys, tuple(queues_of), tuple(weights_of), index_of,
                           {a.agent_id: index_of[cover_key(a, True)] for a in config.agents})


def best_worth(config: PlanConfig) -> dict[tuple[GroupKey, int], float]:
    """Per (skill set, queue index), the best proficiency there among the skill set's agents (average agents
    per head), for the LP bound's cover rows: a relaxation, since no head of the skill set brings more. Empty
    without proficiencies (every head worth 1)."""
    if not weighted(config):
        return {}
    queue_ids = [q.queue_id for q in config.queues]
    best: dict[tuple[GroupKey, int], int] = {}
    for agent in config.agents:
        for q in agent.skills:
            if q not in queue_ids:  # a marker naming no queue (``search.weighted_integer_bound``) brings nothing
                continue
            key = (agent.skills, queue_ids.index(q))
            best[key] = max(best.get(key, 0), hundredths(agent, q))
    return {key: value / SCALE for key, value in best.items()}


Allocation = dict[tuple[int, int], int]  # (group, queue) -> heads


def best_cover(groups: CoverGroups, required: Sequence[int], present: Sequence[tuple[int, int]],
               work: list[int] | None = None) -> tuple[int, Allocation]:
    """The largest effective cover ``C`` (hundredths) of ``required`` (heads per queue) by ``present`` ((group,
    heads on the floor) pairs), and one allocation reaching it (heads per (group, queue)). ``work``, when
    given, counts the branch-and-bound nodes (``[0]``) and the integer programs' and wide nodes' work (``[1]``, in the
    local search's elements: ``PROGRAM_ELEMENTS`` and ``PROGRAM_ARC_ELEMENTS`` an arc, ``wide_node_elements`` a node)
    spent."""
    capacity = [SCALE * int(r) for r in required]
    left = list(capacity)
    allocation: Allocation = {}
    flexible: list[tuple[int, int, list[tuple[int, int]]]] = []
    for group, heads in present:
        options = [(q, w) for q, w in zip(groups.queues_of[group], groups.weights_of[group], strict=True)
                   if capacity[q] > 0]
        if heads <= 0 or not options:
            continue
        if len(options) == 1:
            q, w = options[0]
            allocation[group, q] = heads
            left[q] -= w * heads
        else:
            flexible.append((group, heads, options))
    brought = [c - rest for c, rest in zip(capacity, left, strict=True)]  # by the single-skill heads
    reach = list(brought)
    for _, heads, options in flexible:
        for q, w in options:
            reach[q] += heads * w
    bound = min(sum(capacity), sum(min(c, r) for c, r in zip(capacity, reach, strict=True)),
                sum(min(c, b) for c, b in zip(capacity, brought, strict=True))
                + sum(heads * max(w for _, w in options) for _, heads, options in flexible))
    flexible.sort(key=lambda item: (len(item[2]), item[0]))
    for group, heads, options in flexible:
        for _ in range(heads):
            q, w = max(options, key=lambda o: (min(o[1], max(left[o[0]], 0)), left[o[0]], -o[0]))
            if left[q] <= 0:
                break
            allocation[group, q] = allocation.get((group, q), 0) + 1
            left[q] -= w
    covered = sum(min(c, c - rest) for c, rest in zip(capacity, left, strict=True))
    if covered >= bound or not flexible:
        return covered, allocation
    singles = {key: heads for key, heads in allocation.items() if len(_options_of(flexible, key[0])) == 0}
    base = sum(min(c, b) for c, b in zip(capacity, brought, strict=True))
    nodes = [0]
    found = _branch_and_bound([max(c - b, 0) for c, b in zip(capacity, brought, strict=True)], flexible,
                              covered - base, allocation, nodes)
    if work is not None:
        work[0] += nodes[0]
        work[1] += nodes[0] * wide_node_elements(len({q for _, _, options in flexible for q, _ in options}))
        if found is None:  # the program's work grows with its arcs (a head count per group and open queue)
            work[1] += PROGRAM_ELEMENTS + PROGRAM_ARC_ELEMENTS * sum(
                1 for g, heads in present if heads > 0 for q in groups.queues_of[g] if capacity[q] > 0)
    if found is None:  # too many branches: the integer program decides
        return _exact(groups, capacity, present)
    gain, chosen = found
    for g, q in chosen:
        singles[g, q] = singles.get((g, q), 0) + 1
    return base + gain, singles


def wide_node_elements(queue_count: int) -> int:
    """The search elements a branch-and-bound node over ``queue_count`` queues costs beyond ``NODE_ELEMENTS``: its
    Lagrangian rests sum over every set of up to ``SUBSET_QUEUES`` queues (each set and its members), so at four
    queues and more a node costs more than the three-queue node ``NODE_ELEMENTS`` was fitted on."""
    sets = 1 << queue_count if queue_count <= SUBSET_QUEUES else 1
    members = queue_count * sets // 2 if queue_count <= SUBSET_QUEUES else 0
    return max(0, round(WIDE_NODE_SHARE * (queue_count + sets + members - WIDE_NODE_BASE)))


def _options_of(flexible: list[tuple[int, int, list[tuple[int, int]]]], group: int) -> list[tuple[int, int]]:
    return next((options for g, _, options in flexible if g == group), [])


class _TooManyBranches(Exception):
    pass


def _branch_and_bound(free: list[int], flexible: list[tuple[int, int, list[tuple[int, int]]]], greedy_gain: int,
                      greedy: Allocation, nodes: list[int]) -> tuple[int, list[tuple[int, int]]] | None:
    """The best placement of the multi-skill heads on the queues' ``free`` hundredths (after the single-skill
    heads), by depth-first branch and bound: a head brings ``min(w, free[q])``, so placing a head never lowers
    the cover and only the placements matter; the heads of a group take queues in non-decreasing order (they are
    interchangeable); a branch is cut when its cover plus an optimistic rest (at most what the remaining heads
    could bring each queue, within its free room; and, for every set of queues, those filled and every other
    head at its best queue outside the set) cannot beat the best found.
    ``None`` past ``BRANCH_LIMIT`` nodes."""
    heads = [(g, options) for g, n, options in flexible for _ in range(n)]
    queues = sorted({q for _, options in heads for q, _ in options})
    # per queue, what the heads from ``i`` on could bring it
    could = {q: [0] * (len(heads) + 1) for q in queues}
    for i in range(len(heads) - 1, -1, -1):
        for q in queues:
            could[q][i] = could[q][i + 1]
        for q, w in heads[i][1]:
            could[q][i] += w
    # Lagrangian rests: for a set S of queues, the queues of S filled to their free room and every head from
    # ``i`` on at its best queue outside S (``outside[S][i]``); each S gives a bound, the least is kept
    subsets = [frozenset(q for k, q in enumerate(queues) if mask >> k & 1)
               for mask in range(1 << len(queues))] if len(queues) <= SUBSET_QUEUES else [frozenset()]
    outside = [[0] * (len(heads) + 1) for _ in subsets]
    for k, chosen in enumerate(subsets):
        row = outside[k]
        for i in range(len(heads) - 1, -1, -1):
            row[i] = row[i + 1] + max((w for q, w in heads[i][1] if q not in chosen), default=0)
    best_gain = [greedy_gain]
    best: list[list[tuple[int, int]]] = [[(g, q) for (g, q), n in greedy.items() if _options_of(flexible, g)
                                          for _ in range(n)]]
    path: list[tuple[int, int]] = []

    def dfs(i: int, gain: int, low: int) -> None:
        if gain > best_gain[0]:
            best_gain[0], best[0] = gain, list(path)
        if i == len(heads):
            return
        nodes[0] += 1
        if nodes[0] > BRANCH_LIMIT:
            raise _TooManyBranches
        optimistic = min(sum(min(free[q], could[q][i]) for q in queues),
                         min(sum(free[q] for q in chosen) + outside[k][i] for k, chosen in enumerate(subsets)))
        if gain + optimistic <= best_gain[0]:
            return
        group, options = heads[i]
        start = low if i > 0 and heads[i - 1][0] == group else 0
        ranked = sorted(range(start, len(options)), key=lambda k: (-min(options[k][1], free[options[k][0]]), k))
        placed = False
        for k in ranked:
            q, w = options[k]
            brings = min(w, free[q])
            if brings == 0:
                continue
            placed = True
            free[q] -= brings
            path.append((group, q))
            dfs(i + 1, gain + brings, k)
            path.pop()
            free[q] += brings
        if not placed:  # nowhere to help: the head waits (and so do its group's next heads)
            dfs(i + 1, gain, len(options))

    try:
        dfs(0, 0, 0)
    except _TooManyBranches:
        return None
    return best_gain[0], best[0]


def _exact(groups: CoverGroups, capacity: list[int], present: Sequence[tuple[int, int]]) -> tuple[int, Allocation]:
    """The integer program of the module docstring, solved to optimality by CP-SAT (one worker, so the same
    allocation every time): heads per (group, queue), each queue's cover."""
    model = cp_model.CpModel()
    brought: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
    heads_of: dict[tuple[int, int], cp_model.IntVar] = {}
    for g, heads in present:
        arcs = []
        for q, w in zip(groups.queues_of[g], groups.weights_of[g], strict=True):
            if capacity[q] > 0 and heads > 0:
                heads_of[g, q] = model.new_int_var(0, heads, f"x_{g}_{q}")
                arcs.append(heads_of[g, q])
                brought.setdefault(q, []).append((heads_of[g, q], w))
        if arcs:
            model.add(cp_model.LinearExpr.sum(arcs) <= heads)
    covers = []
    for q, terms in sorted(brought.items()):
        cover = model.new_int_var(0, capacity[q], f"c_{q}")
        model.add(cover <= cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [w for _, w in terms]))
        covers.append(cover)
    model.maximize(cp_model.LinearExpr.sum(covers))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    if solver.solve(model) != cp_model.OPTIMAL:
        raise RuntimeError("the weighted cover of an interval was not solved to optimality")
    allocation: Allocation = {key: int(solver.value(var)) for key, var in heads_of.items() if solver.value(var)}
    return int(round(solver.objective_value)), allocation


def slot_cost(under_weight: int, over_weight: int, required_total: int, heads: int, covered: int) -> int:
    """Under- and over-staffing cost of one interval, in hundredths of objective units (``covered`` in
    hundredths of an average agent, ``required_total`` and ``heads`` in heads)."""
    return under_weight * (SCALE * required_total - covered) + over_weight * max(0, SCALE * heads - covered)


_Memo = dict[tuple[tuple[int, ...], tuple[tuple[int, int], ...]], tuple[int, Allocation]]
# ``allocation_of``'s memo per cover groups (their queues and proficiencies, all ``best_cover`` reads of them), kept
# across calls: the exact scoring of a roster (``cover_cost``, three calls a week in the solve) and the published
# coverage (``effective_heads``) re-solved every interval's allocation, 3.7 s of CPU a call at 151 agents x 10
# queues with levels, although most intervals' floors repeat from one roster to the next. ``best_cover`` is a
# deterministic function of its arguments, so the memo changes no result; nothing charges a budget by its misses
# (the searches' own ``CoverTable``s keep their own memos and counts). Cleared past ``SHARED_MEMO_ENTRIES``.
_SHARED_MEMOS: dict[tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]], _Memo] = {}
SHARED_MEMO_ENTRIES = 50_000  # (about 25 MB)


def _shared_memo(groups: CoverGroups) -> _Memo:
    key = (groups.queues_of, groups.weights_of)
    memo = _SHARED_MEMOS.get(key)
    if memo is None or len(memo) > SHARED_MEMO_ENTRIES:
        _SHARED_MEMOS.clear()  # (one centre at a time in practice: a new one starts afresh)
        memo = _SHARED_MEMOS[key] = {}
    return memo


class CoverTable:
    """``best_cover`` per interval, memoised on (requirement, heads per group): a local search revisits the same
    few floors of an interval again and again."""

    def __init__(self, groups: CoverGroups, requirements: np.ndarray, memo: _Memo | None = None) -> None:
        self.groups = groups
        self.required = [tuple(column) for column in requirements.astype(np.int64).T.tolist()]
        self._memo: _Memo = {} if memo is None else memo
        self.solves = 0  # memo misses (work done, for budgeting)
        self.work = [0, 0]  # branch-and-bound nodes, and the programs' and wide nodes' elements spent (``best_cover``)

    def cover(self, slot: int, present: tuple[tuple[int, int], ...]) -> tuple[int, Allocation]:
        key = (self.required[slot], present)
        found = self._memo.get(key)
        if found is None:
            self.solves += 1
            found = self._memo[key] = best_cover(self.groups, self.required[slot], present, self.work)
        return found


def floor_by_group(groups: CoverGroups, week: Week, roster: Roster) -> np.ndarray:
    """Agents on the floor (on shift, not on break or at an activity) per ``[group, slot]``."""
    floor = np.zeros((len(groups.keys), week.slot_count), dtype=np.int64)
    for shift in roster.shifts:
        day = week.day_index(shift.date)
        row = floor[groups.group_of[shift.agent_id]]
        present = np.zeros(week.slot_count, dtype=np.int64)
        present[week.slot(day, shift.start_minute):week.slot(day, shift.end_minute)] = 1
        off_floor: tuple[BreakAssignment | ActivityAssignment, ...] = (*shift.breaks, *shift.activities)
        for segment in off_floor:
            present[week.slot(day, segment.start_minute):week.slot(day, segment.start_minute + segment.minutes)] = 0
        row += present
    return floor


def _present(floor: np.ndarray, slot: int) -> tuple[tuple[int, int], ...]:
    column = floor[:, slot]
    return tuple((int(g), int(column[g])) for g in np.flatnonzero(column).tolist())


def allocation_of(config: PlanConfig, week: Week, roster: Roster, requirements: np.ndarray
                  ) -> tuple[CoverGroups, np.ndarray, np.ndarray, list[Allocation]]:
    """The roster's weighted cover: the groups, the floor per ``[group, slot]``, the cover per slot
    (hundredths) and each slot's allocation."""
    groups = CoverGroups.of(config)
    floor = floor_by_group(groups, week, roster)
    table = CoverTable(groups, requirements, _shared_memo(groups))
    covered = np.zeros(week.slot_count, dtype=np.int64)
    allocations: list[Allocation] = []
    for slot in range(week.slot_count):
        value, allocation = table.cover(slot, _present(floor, slot))
        covered[slot] = value
        allocations.append(allocation)
    return groups, floor, covered, allocations


def cover_cost(config: PlanConfig, week: Week, roster: Roster, requirements: np.ndarray) -> tuple[float, float]:
    """Under- and over-staffing of the roster in average agent-intervals (the objective's amounts)."""
    _, floor, covered, _ = allocation_of(config, week, roster, requirements)
    required = requirements.astype(np.int64).sum(axis=0)
    heads = floor.sum(axis=0)
    under = int((SCALE * required - covered).sum())
    over = int(np.maximum(SCALE * heads - covered, 0).sum())
    return under / SCALE, over / SCALE


def effective_heads(config: PlanConfig, week: Week, roster: Roster, requirements: np.ndarray) -> np.ndarray:
    """Average agents per ``[queue, slot]`` (float): each queue's allocated heads at their proficiency (not
    capped), and each group's spare heads on its skilled queue with the largest requirement (as
    ``coverage.allocate`` places spare heads), at their proficiency there."""
    groups, floor, _, allocations = allocation_of(config, week, roster, requirements)
    effective = np.zeros(requirements.shape, dtype=np.int64)
    for slot, allocation in enumerate(allocations):
        used = np.zeros(len(groups.keys), dtype=np.int64)
        for (g, q), heads in allocation.items():
            effective[q, slot] += heads * groups.weights_of[g][groups.queues_of[g].index(q)]
            used[g] += heads
        for g in np.flatnonzero(floor[:, slot] > used).tolist():
            spare = int(floor[g, slot] - used[g])
            k = max(range(len(groups.queues_of[g])),
                    key=lambda k: (requirements[groups.queues_of[g][k], slot], -groups.queues_of[g][k]))
            effective[groups.queues_of[g][k], slot] += spare * groups.weights_of[g][k]
    return effective / SCALE


@dataclass
class SlotBasis:
    """One interval's exact cover and an allocation reaching it, with the sums ``quick_cover`` bounds from: heads
    on the floor per group (``present``), hundredths per queue before the cap (``raw``), heads allocated per group
    (``used``), the queues at or over their requirement (``full``) and, over the heads on the floor, the sum of
    each head's best proficiency on a queue with a requirement (``best_anywhere``) and on such a queue not in
    ``full`` (``best_outside``)."""

    present: dict[int, int]
    covered: int
    allocation: Allocation
    raw: list[int]
    used: dict[int, int]
    full: frozenset[int]
    best_anywhere: int
    best_outside: int

    @staticmethod
    def of(groups: CoverGroups, capacity: Sequence[int], present: dict[int, int], covered: int,
           allocation: Allocation) -> SlotBasis:
        raw = [0] * len(capacity)
        used: dict[int, int] = {}
        for (g, q), heads in allocation.items():
            raw[q] += heads * groups.weights_of[g][groups.queues_of[g].index(q)]
            used[g] = used.get(g, 0) + heads
        full = frozenset(q for q, c in enumerate(capacity) if c > 0 and raw[q] >= c)
        anywhere = outside = 0
        for g, heads in present.items():
            best, out = _best_worths(groups, capacity, full, g)
            anywhere += heads * best
            outside += heads * out
        return SlotBasis(present, covered, allocation, raw, used, full, anywhere, outside)


def _best_worths(groups: CoverGroups, capacity: Sequence[int], full: frozenset[int], group: int) -> tuple[int, int]:
    """A head of ``group``'s best proficiency (hundredths) on a queue with a requirement, and on one not in
    ``full`` (0 where there is none)."""
    best = out = 0
    for q, w in zip(groups.queues_of[group], groups.weights_of[group], strict=True):
        if capacity[q] > 0:
            best = max(best, w)
            if q not in full:
                out = max(out, w)
    return best, out


def quick_cover(groups: CoverGroups, capacity: Sequence[int], basis: SlotBasis, group: int, sign: int
                ) -> tuple[int, Allocation] | None:
    """The exact cover (and an allocation reaching it) with one head of ``group`` more (``sign`` +1) or fewer
    (-1) than ``basis``, when a bound proves it; else ``None`` (then ``best_cover`` decides).

    Lower bounds are allocations: the basis's with the new head on a queue, or less the head whose removal costs
    least (nothing when the group has a spare head), then at most one other head moved (or a spare head put) to
    where it brings most (``_one_move``). Upper bounds: one head more adds at most its best proficiency and at
    most the room left in all queues; one fewer never adds; and, for any set ``S`` of queues, the cover is at
    most ``S``'s requirements plus every head at its best queue outside ``S`` (a Lagrangian rest, ``S`` empty
    or the basis's full queues). Where the lower bound meets an upper bound the cover is proven."""
    lower, allocation, upper = _bounds(groups, capacity, basis, group, sign)
    return (lower, allocation) if lower >= upper else None


def _bounds(groups: CoverGroups, capacity: Sequence[int], basis: SlotBasis, group: int, sign: int
            ) -> tuple[int, Allocation, int]:
    """``quick_cover``'s lower bound (with its allocation) and upper bound."""
    covered = basis.covered
    best, out = _best_worths(groups, capacity, basis.full, group)
    full_capacity = sum(capacity[q] for q in basis.full)
    queues, weights = groups.queues_of[group], groups.weights_of[group]
    if sign > 0:
        upper = min(best, sum(capacity) - covered, basis.best_anywhere + best - covered,
                    full_capacity + basis.best_outside + out - covered) + covered
        gain, choice = 0, -1
        for q, w in zip(queues, weights, strict=True):
            brings = min(w, max(capacity[q] - basis.raw[q], 0))
            if brings > gain:
                gain, choice = brings, q
        allocation = dict(basis.allocation)
        if gain >= upper - covered:
            if choice >= 0:
                allocation[group, choice] = allocation.get((group, choice), 0) + 1
            return covered + gain, allocation, upper
        # the new head on each of its queues, then one other head moved or a spare one put
        present = dict(basis.present)
        present[group] = present.get(group, 0) + 1
        best_found, best_alloc = covered + gain, None
        for q, w in zip(queues, weights, strict=True):
            if capacity[q] <= 0:
                continue
            raw = list(basis.raw)
            raw[q] += w
            trial = dict(allocation)
            trial[group, q] = trial.get((group, q), 0) + 1
            value = _one_move(groups, capacity, raw, present, trial)
            if value > best_found:
                best_found, best_alloc = value, trial
            if best_found >= upper:
                break
        if best_alloc is None:
            if choice >= 0:
                allocation[group, choice] = allocation.get((group, choice), 0) + 1
            best_alloc = allocation
        return best_found, best_alloc, upper
    if basis.used.get(group, 0) < basis.present.get(group, 0):  # a spare head leaves: the allocation stands
        return covered, basis.allocation, covered
    upper = min(covered, basis.best_anywhere - best, full_capacity + basis.best_outside - out)
    loss, choice = -1, -1
    for q, w in zip(queues, weights, strict=True):
        if basis.allocation.get((group, q), 0) > 0:
            costs = max(0, w - max(basis.raw[q] - capacity[q], 0))
            if loss < 0 or costs < loss:
                loss, choice = costs, q
    if choice < 0:
        return -1, {}, upper
    allocation = dict(basis.allocation)
    allocation[group, choice] -= 1
    if not allocation[group, choice]:
        del allocation[group, choice]
    if covered - loss >= upper:
        return covered - loss, allocation, upper
    present = dict(basis.present)
    present[group] -= 1
    raw = list(basis.raw)
    raw[choice] -= groups.weights_of[group][groups.queues_of[group].index(choice)]
    return _one_move(groups, capacity, raw, present, allocation), allocation, upper


def _one_move(groups: CoverGroups, capacity: Sequence[int], raw: list[int], present: dict[int, int],
              allocation: Allocation) -> int:
    """The cover of ``allocation`` (hundredths per queue before the cap: ``raw``) improved by the best single
    change, a spare head put on a queue or an allocated head moved to another: ``allocation`` and ``raw`` are
    updated in place, the cover is returned."""
    covered = sum(min(c, r) for c, r in zip(capacity, raw, strict=True))
    room = [c - r for c, r in zip(capacity, raw, strict=True)]
    if not any(r > 0 for r in room):
        return covered
    used: dict[int, int] = {}
    for (g, _), heads in allocation.items():
        used[g] = used.get(g, 0) + heads
    best_gain, best_change = 0, None
    for g, heads in present.items():
        pairs = [(q, w) for q, w in zip(groups.queues_of[g], groups.weights_of[g], strict=True) if capacity[q] > 0]
        if len(pairs) < 2 and used.get(g, 0) >= heads:
            continue
        into = [(q, min(w, room[q])) for q, w in pairs if room[q] > 0]
        if not into:
            continue
        if used.get(g, 0) < heads:  # a spare head
            q, gain = max(into, key=lambda item: item[1])
            if gain > best_gain:
                best_gain, best_change = gain, (g, -1, q)
        for q_from, w_from in pairs:
            if allocation.get((g, q_from), 0) <= 0:
                continue
            loses = max(0, min(w_from, capacity[q_from] - raw[q_from] + w_from))
            for q, gain in into:
                if q != q_from and gain - loses > best_gain:
                    best_gain, best_change = gain - loses, (g, q_from, q)
    if best_change is None:
        return covered
    g, q_from, q = best_change
    weight_of = dict(zip(groups.queues_of[g], groups.weights_of[g], strict=True))
    if q_from >= 0:
        allocation[g, q_from] -= 1
        if not allocation[g, q_from]:
            del allocation[g, q_from]
        raw[q_from] -= weight_of[q_from]
    allocation[g, q] = allocation.get((g, q), 0) + 1
    raw[q] += weight_of[q]
    return covered + best_gain


class WeightedCoverState:
    """The local search's exact weighted cover, with ``search.cover_flow.CoverState``'s interface: heads on the
    floor per ``[group, slot]`` (``floor``), the cover per slot (``covered``, hundredths; below
    ``required_total`` a slot is short), and the exact cost change of one head more or fewer of a group per slot
    (memoised ``best_cover`` solves)."""

    def __init__(self, config: PlanConfig, requirements: np.ndarray) -> None:
        self.cover_groups = CoverGroups.of(config)
        self.groups = list(self.cover_groups.keys)
        self.group_of = self.cover_groups.group_of
        slot_count = requirements.shape[1]
        self.floor = np.zeros((len(self.groups), slot_count), dtype=np.int64)
        self.required_heads = requirements.astype(np.int64).sum(axis=0)
        # a slot counts as short (the local search's repair targets) when its cover is a whole average agent or
        # more below the requirement: smaller shortfalls, which juniors leave almost everywhere, are left to the
        # exactly scored moves, so the repair's search stays on the slots where an agent is missing
        self.required_total = SCALE * self.required_heads - SCALE + 1
        self.under, self.over = config.weights.understaffed_agent_interval, config.weights.overstaffed_agent_interval
        self.table = CoverTable(self.cover_groups, requirements)
        self._covered = np.zeros(slot_count, dtype=np.int64)
        self._stale: set[int] = set()  # slots whose cover is solved again when next read
        self._charged = (0, 0, 0, 0, 0)  # the table's nodes, programs and solves, quick covers and bases charged
        self.graph_size = len(self.groups) + len(config.queues) + sum(len(q) for q in self.cover_groups.queues_of)
        self._plus = np.zeros((len(self.groups), slot_count), dtype=np.int64)
        self._minus = np.zeros((len(self.groups), slot_count), dtype=np.int64)
        # the slot version each delta was solved for
        self._known_plus = np.full((len(self.groups), slot_count), -1, dtype=np.int64)
        self._known_minus = np.full((len(self.groups), slot_count), -1, dtype=np.int64)
        self._version = np.zeros(slot_count, dtype=np.int64)
        self.searches = 0
        self.search_work = 0
        self.changed_slots = 0
        self.capacity = [[SCALE * r for r in column] for column in self.table.required]
        self._basis: dict[int, SlotBasis] = {}  # per slot, its exact cover at the current version
        self.quick = [0, 0]  # ``quick_cover`` calls and bases built (for budgeting)

    def _cost(self, slot: int, present: tuple[tuple[int, int], ...]) -> int:
        covered, _ = self.table.cover(slot, present)
        heads = sum(h for _, h in present)
        return slot_cost(self.under, self.over, int(self.required_heads[slot]), heads, covered)

    def change(self, group: int, first: int, row: np.ndarray, sign: int) -> None:
        """``sign`` (+1 or -1) heads of ``group`` on the slots ``first + i`` where ``row[i]`` is set."""
        offsets = np.flatnonzero(row).tolist()
        self.changed_slots += len(offsets)
        for offset in offsets:
            slot = first + offset
            self.floor[group, slot] += sign
            self._version[slot] += 1
            basis = self._basis.pop(slot, None)
            found = None if basis is None or basis.present.get(group, 0) + sign < 0 else self._quick(
                slot, basis, group, sign)
            if basis is None or found is None:
                self._stale.add(slot)
                continue
            present = dict(basis.present)
            present[group] = present.get(group, 0) + sign
            if not present[group]:
                del present[group]
            self._set_basis(slot, present, *found)

    @property
    def covered(self) -> np.ndarray:
        """The cover per slot in hundredths of an average agent (solved for the changed slots on reading)."""
        for slot in sorted(self._stale):
            self._covered[slot] = self.basis(slot).covered
        self._stale.clear()
        self._charge()
        return self._covered

    def _refresh(self, group: int, plus_slots: list[int], minus_slots: list[int]) -> None:
        """The cost change of one head more of ``group`` on ``plus_slots`` and one fewer on ``minus_slots``."""
        solves = self.table.solves
        for slots, known, deltas, sign in ((plus_slots, self._known_plus, self._plus, 1),
                                           (minus_slots, self._known_minus, self._minus, -1)):
            for slot in slots:
                if known[group, slot] != self._version[slot]:
                    self.searches += 1
                    deltas[group, slot] = self._step(slot, group, sign)
                    known[group, slot] = self._version[slot]
        self.search_work += (self.table.solves - solves) * self.graph_size
        self._charge()

    def _set_basis(self, slot: int, present: dict[int, int], covered: int, allocation: Allocation) -> None:
        self.quick[1] += 1
        self._basis[slot] = SlotBasis.of(self.cover_groups, self.capacity[slot], present, covered, allocation)
        self._covered[slot] = covered

    def _quick(self, slot: int, basis: SlotBasis, group: int, sign: int) -> tuple[int, Allocation] | None:
        self.quick[0] += 1
        return quick_cover(self.cover_groups, self.capacity[slot], basis, group, sign)

    def basis(self, slot: int) -> SlotBasis:
        """The slot's exact cover at the current floor (solved by ``best_cover`` when not known)."""
        if slot not in self._basis:
            present = _present(self.floor, slot)
            self._set_basis(slot, dict(present), *self.table.cover(slot, present))
        return self._basis[slot]

    def _step(self, slot: int, group: int, sign: int) -> int:
        """The slot's cost change (hundredths of objective units) with ``sign`` heads of ``group`` more."""
        basis = self.basis(slot)
        if basis.present.get(group, 0) + sign < 0:
            return 0
        found = self._quick(slot, basis, group, sign)
        if found is not None:
            on_floor = sum(basis.present.values())
            required = int(self.required_heads[slot])
            return (slot_cost(self.under, self.over, required, on_floor + sign, found[0])
                    - slot_cost(self.under, self.over, required, on_floor, basis.covered))
        base = _present(self.floor, slot)
        heads = dict(base)
        heads[group] = heads.get(group, 0) + sign
        if heads[group] < 0:
            return 0
        return self._cost(slot, tuple(sorted((g, h) for g, h in heads.items() if h))) - self._cost(slot, base)

    def _charge(self) -> None:
        """Add the cover solves' own work to ``search_work`` (in the local search's elements)."""
        nodes, programs = self.table.work
        charged_nodes, charged_programs, charged_solves, charged_quick, charged_bases = self._charged
        self.search_work += ((self.table.solves - charged_solves) * SOLVE_ELEMENTS
                             + (nodes - charged_nodes) * NODE_ELEMENTS
                             + (programs - charged_programs)
                             + (self.quick[0] - charged_quick) * QUICK_ELEMENTS
                             + (self.quick[1] - charged_bases) * BASIS_ELEMENTS)
        self._charged = (nodes, programs, self.table.solves, self.quick[0], self.quick[1])

    def deltas(self, group: int, first: int, change: np.ndarray) -> np.ndarray:
        """Change of the under- and over-staffing cost per row of ``change`` (``[candidate, slot]``, each entry
        -1, 0 or +1 head of ``group`` on slots ``first, first + 1, ...``), in objective units."""
        last = first + change.shape[1]
        self._refresh(group, (first + np.flatnonzero((change > 0).any(axis=0))).tolist(),
                      (first + np.flatnonzero((change < 0).any(axis=0))).tolist())
        plus, minus = self._plus[group, first:last], self._minus[group, first:last]
        return (np.where(change > 0, plus, 0) + np.where(change < 0, minus, 0)).sum(axis=1) / SCALE

    def cost(self, slots: np.ndarray, floor: np.ndarray) -> float:
        """Under- and over-staffing cost of ``slots`` with ``floor`` (``[group, len(slots)]``) on the floor,
        computed afresh (for checks), in objective units."""
        total = 0
        for column, slot in enumerate(np.asarray(slots).tolist()):
            present = tuple((int(g), int(floor[g, column])) for g in np.flatnonzero(floor[:, column]).tolist())
            covered, _ = best_cover(self.cover_groups, self.table.required[slot], present)
            total += slot_cost(self.under, self.over, int(self.required_heads[slot]), sum(h for _, h in present),
                               covered)
        return total / SCALE


def build(model: RosterModel) -> list[PenaltyTerm]:
    """The coverage rule's CP-SAT face with proficiencies (see the module docstring): integer heads per (group,
    queue), each queue's cover capped by its requirement, over-staffing per slot at least zero."""
    groups = CoverGroups.of(model.config)
    queue_ids = [q.queue_id for q in model.config.queues]
    group_size = np.bincount(list(groups.group_of.values()), minlength=len(groups.keys))
    floor: dict[tuple[int, int], tuple[list, list]] = {}
    heads_terms: dict[int, list] = {}
    for agent_day in model.all_agent_days():
        if not agent_day.options:
            continue
        g = groups.group_of[agent_day.agent.agent_id]
        for slot, (variables, coefficients) in model.presence_terms(agent_day).items():
            vs, cs = floor.setdefault((g, slot), ([], []))
            vs.extend(variables)
            cs.extend(coefficients)
            hv = heads_terms.setdefault(slot, [])
            hv.append(cp_model.LinearExpr.weighted_sum(variables, coefficients))
    fixed = {groups.index_of[key]: counts for key, counts in model.fixed_on_floor.items()}
    touched = {slot for _, slot in floor}
    slots = [s for s in range(model.week.slot_count) if not fixed or s in touched]
    under_terms, over_terms = [], []
    required_total = 0
    for slot in slots:
        cover_of: dict[int, list[tuple[cp_model.IntVar, int]]] = {}
        heads_constant = 0
        for g in range(len(groups.keys)):
            constant = int(fixed[g][slot]) if g in fixed else 0
            heads_constant += constant
            if (g, slot) not in floor and constant == 0:
                continue
            allocations = []
            for q, w in zip(groups.queues_of[g], groups.weights_of[g], strict=True):
                required = int(model.requirements[q, slot])
                if required == 0:
                    continue
                alloc = model.cp.new_int_var(0, int(group_size[g]), f"alloc_{slot}_{queue_ids[q]}")
                allocations.append(alloc)
                model.allocations[slot, groups.keys[g], q] = alloc
                cover_of.setdefault(q, []).append((alloc, w))
            if allocations:
                variables, coefficients = floor.get((g, slot), ([], []))
                model.cp.add(cp_model.LinearExpr.sum(allocations)
                             <= cp_model.LinearExpr.weighted_sum(variables, coefficients) + constant)
        slot_required = int(model.requirements[:, slot].sum())
        required_total += slot_required
        covered = []
        for q, terms in sorted(cover_of.items()):
            capacity = SCALE * int(model.requirements[q, slot])
            cover = model.cp.new_int_var(0, capacity, f"cover_{slot}_{queue_ids[q]}")
            model.cp.add(cover <= cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [w for _, w in terms]))
            covered.append(cover)
        slot_cover = cp_model.LinearExpr.sum(covered)
        under_terms.append(slot_cover)
        heads = cp_model.LinearExpr.sum(heads_terms.get(slot, [])) + heads_constant
        most = SCALE * (int(sum(int(c[slot]) for c in fixed.values())) + len(heads_terms.get(slot, [])))
        over = model.cp.new_int_var(0, max(most, 0), f"over_{slot}")
        model.cp.add(over >= SCALE * heads - slot_cover)
        over_terms.append(over)
    weights = model.config.weights
    return [
        PenaltyTerm("understaffing", weights.understaffed_agent_interval,
                    SCALE * required_total - cp_model.LinearExpr.sum(under_terms), "agent-interval", divisor=SCALE),
        PenaltyTerm("overstaffing", weights.overstaffed_agent_interval, cp_model.LinearExpr.sum(over_terms),
                    "agent-interval", divisor=SCALE),
    ]


def hint(model: RosterModel, roster: Roster) -> None:
    """Hint the weighted cover's allocation variables with ``roster``'s allocation (``build``'s keys)."""
    groups, _, _, allocations = allocation_of(model.config, model.week, roster, model.requirements)
    for (slot, key, q), var in model.allocations.items():
        model.cp.add_hint(var, allocations[slot].get((groups.index_of[key], q), 0))
