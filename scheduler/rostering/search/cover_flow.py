"""Exact cover of a roster kept up to date one agent at a time: a maximum flow per slot, repaired incrementally.

Cover in a slot is the maximum flow from the skill groups on the floor (supply: agents of the group) into the
queues (capacity: the requirement), a group sending only to queues it is skilled for. The local search changes
one agent at a time, so a slot's supply changes by one head of one group, and the maximum flow by at most one:

- one more head of group ``g`` raises the cover iff, in the residual graph, ``g`` reaches a queue still short
  (``gain[g]``);
- one fewer head of ``g`` lowers the cover iff every maximum flow uses all of ``g``'s heads: ``g`` has no spare
  head and no group with a spare head can take over its work along a residual path (``loss[g]``).

Both flags hold for every group of a slot from two graph searches, and depend only on the heads on the floor, so
a move is scored for all its slots at once from the flags (vectorised), and only the slots a taken move changed
are searched again. The work per slot grows with the skill graph's edges (groups x their queues), not with the
``2**queues`` sets of the supply-demand formula.
"""

from __future__ import annotations

import numpy as np

from scheduler.domain.plan import PlanConfig


class SlotFlow:
    """A maximum flow of one slot: ``flow[g][k]`` heads of group ``g`` on its ``k``-th queue, ``inflow[q]`` heads
    on queue ``q`` (at most ``required[q]``), ``spare[g]`` heads of ``g`` not needed."""

    __slots__ = ("queues_of", "groups_of", "required", "flow", "inflow", "spare", "covered")

    def __init__(self, queues_of: list[list[int]], groups_of: list[list[tuple[int, int]]],
                 required: list[int]) -> None:
        self.queues_of, self.groups_of, self.required = queues_of, groups_of, required
        self.flow = [[0] * len(queues) for queues in queues_of]
        self.inflow = [0] * len(groups_of)
        self.spare = [0] * len(queues_of)
        self.covered = 0

    def add(self, group: int) -> None:
        """One more head of ``group``; the flow stays maximum (one augmenting path from the group at most)."""
        self.spare[group] += 1
        flow, inflow, required = self.flow, self.inflow, self.required
        reached_by: dict[int, tuple[int, int]] = {}  # queue -> (group, index of the queue in its list)
        came_via: dict[int, tuple[int, int] | None] = {group: None}  # group -> (queue, index) it gives up
        frontier = [group]
        while frontier:
            following = []
            for x in frontier:
                for k, q in enumerate(self.queues_of[x]):
                    if q in reached_by:
                        continue
                    reached_by[q] = (x, k)
                    if inflow[q] < required[q]:
                        self._augment(q, reached_by, came_via)
                        self.spare[group] -= 1
                        return
                    for y, j in self.groups_of[q]:
                        if y not in came_via and flow[y][j] > 0:
                            came_via[y] = (q, j)
                            following.append(y)
            frontier = following

    def _augment(self, end: int, reached_by: dict[int, tuple[int, int]],
                 came_via: dict[int, tuple[int, int] | None]) -> None:
        self.inflow[end] += 1
        self.covered += 1
        queue = end
        while True:
            x, k = reached_by[queue]
            self.flow[x][k] += 1
            step = came_via[x]
            if step is None:
                return
            queue, j = step
            self.flow[x][j] -= 1

    def remove(self, group: int) -> None:
        """One head of ``group`` fewer (it has one); the flow stays maximum."""
        if self.spare[group] == 0 and not self._free(group):
            k = next(k for k, f in enumerate(self.flow[group]) if f > 0)
            self.flow[group][k] -= 1
            self.inflow[self.queues_of[group][k]] -= 1
            self.covered -= 1
            self.spare[group] += 1
        self.spare[group] -= 1

    def _free(self, group: int) -> bool:
        """Move one unit of ``group``'s work to a group with a spare head along a residual path, if one exists."""
        flow, spare = self.flow, self.spare
        came_via: dict[int, tuple[int, int, int, int] | None] = {group: None}  # y -> (z, k, q-index j of y, q)
        frontier = [group]
        while frontier:
            following = []
            for z in frontier:
                for k, q in enumerate(self.queues_of[z]):
                    if flow[z][k] == 0:
                        continue
                    for y, j in self.groups_of[q]:
                        if y in came_via:
                            continue
                        came_via[y] = (z, k, j, q)
                        if spare[y] > 0:
                            spare[y] -= 1
                            spare[group] += 1
                            node = y
                            while (via := came_via[node]) is not None:
                                z_, k_, j_, _ = via  # node takes over one unit z_ sent on queue q
                                flow[node][j_] += 1
                                flow[z_][k_] -= 1
                                node = z_
                            return True
                        following.append(y)
            frontier = following
        return False

    def flags(self) -> tuple[list[bool], list[bool]]:
        """Per group: whether one more head would raise the cover, and whether one fewer would lower it."""
        flow, inflow, required = self.flow, self.inflow, self.required
        groups = len(self.queues_of)
        short = [inflow[q] < required[q] for q in range(len(inflow))]
        gain = [False] * groups
        stack = [q for q, s in enumerate(short) if s]
        while stack:
            q = stack.pop()
            for y, _ in self.groups_of[q]:
                if gain[y]:
                    continue
                gain[y] = True
                for k, q2 in enumerate(self.queues_of[y]):
                    if flow[y][k] > 0 and not short[q2]:
                        short[q2] = True
                        stack.append(q2)
        freed = [s > 0 for s in self.spare]
        seen = [False] * len(inflow)
        stack = [g for g in range(groups) if freed[g]]
        while stack:
            y = stack.pop()
            for q in self.queues_of[y]:
                if seen[q]:
                    continue
                seen[q] = True
                for z, j in self.groups_of[q]:
                    if not freed[z] and flow[z][j] > 0:
                        freed[z] = True
                        stack.append(z)
        loss = [not f and any(row) for f, row in zip(freed, flow, strict=True)]
        return gain, loss


class CoverState:
    """Agents on the floor per skill group and slot (``floor``, ``[group, slot]``), the exact cover per slot
    (``covered``) and the flags that score a one-agent change exactly (see the module docstring)."""

    def __init__(self, config: PlanConfig, requirements: np.ndarray) -> None:
        queue_ids = [q.queue_id for q in config.queues]
        self.groups = sorted({a.skills for a in config.agents})
        self.group_of = {a.agent_id: self.groups.index(a.skills) for a in config.agents}
        slot_count = requirements.shape[1]
        self.floor = np.zeros((len(self.groups), slot_count), dtype=np.int64)
        self.required_total = requirements.sum(axis=0)
        self.under, self.over = config.weights.understaffed_agent_interval, config.weights.overstaffed_agent_interval
        self.queues_of = [sorted(queue_ids.index(s) for s in skills) for skills in self.groups]
        self.groups_of = [[(g, self.queues_of[g].index(q)) for g in range(len(self.groups)) if q in self.queues_of[g]]
                          for q in range(len(queue_ids))]
        required = requirements.astype(np.int64).T.tolist()
        self.slots = [SlotFlow(self.queues_of, self.groups_of, required[s]) for s in range(slot_count)]
        self.covered = np.zeros(slot_count, dtype=np.int64)
        self.gain = np.zeros((len(self.groups), slot_count), dtype=bool)
        self.loss = np.zeros((len(self.groups), slot_count), dtype=bool)
        self._flagged = np.full((len(self.groups), slot_count), -1, dtype=np.int64)  # floor the flags are for
        self.searches = 0  # slots whose flags were searched (work done, for budgeting)
        # work done, for budgeting: flag searches weighted by the skill graph's size (groups, queues and
        # edges, which each search may visit), and slots whose flow was repaired after a one-head change (each
        # repair's search grows with the graph too)
        self.graph_size = len(self.groups) + len(queue_ids) + sum(len(q) for q in self.queues_of)
        self.search_work = 0
        self.changed_slots = 0

    def change(self, group: int, first: int, row: np.ndarray, sign: int) -> None:
        """``sign`` (+1 or -1) heads of ``group`` on the slots ``first + i`` where ``row[i]`` is set."""
        offsets = np.flatnonzero(row).tolist()
        self.changed_slots += len(offsets)
        for offset in offsets:
            slot = first + offset
            flow = self.slots[slot]
            if sign > 0:
                flow.add(group)
            else:
                flow.remove(group)
            self.floor[group, slot] += sign
            self.covered[slot] = flow.covered

    def refresh(self, first: int, last: int) -> None:
        """Bring ``gain`` and ``loss`` up to date on slots ``[first, last)``."""
        stale = np.flatnonzero((self._flagged[:, first:last] != self.floor[:, first:last]).any(axis=0))
        for offset in stale.tolist():
            slot = first + offset
            gain, loss = self.slots[slot].flags()
            self.gain[:, slot] = gain
            self.loss[:, slot] = loss
            self._flagged[:, slot] = self.floor[:, slot]
        self.searches += len(stale)
        self.search_work += len(stale) * self.graph_size

    def deltas(self, group: int, first: int, change: np.ndarray) -> np.ndarray:
        """Change of the under- and over-staffing cost per row of ``change`` (``[candidate, slot]``, each entry
        -1, 0 or +1 head of ``group`` on slots ``first, first + 1, ...``)."""
        last = first + change.shape[1]
        self.refresh(first, last)
        covered = (np.where(change > 0, self.gain[group, first:last], False).astype(np.int64)
                   - np.where(change < 0, self.loss[group, first:last], False))
        return (self.over * (change - covered) - self.under * covered).sum(axis=1)

    def cost(self, slots: np.ndarray, floor: np.ndarray) -> int:
        """Under- and over-staffing cost of ``slots`` with ``floor`` (``[group, len(slots)]``) on the floor,
        computed afresh (for checks)."""
        total = 0
        for column, slot in enumerate(np.asarray(slots).tolist()):
            flow = SlotFlow(self.queues_of, self.groups_of, self.slots[slot].required)
            for group, heads in enumerate(floor[:, column].tolist()):
                for _ in range(heads):
                    flow.add(group)
            heads = int(floor[:, column].sum())
            total += self.under * (int(self.required_total[slot]) - flow.covered) + self.over * (heads - flow.covered)
        return total
