"""One replication of the week: an agent-level discrete-event simulation of a roster (heapq and plain lists).

The model:

- **Arrivals**: Poisson per queue and interval with the forecast's mean, at uniform times inside the interval.
- **Handle times**: exponential with the forecast AHT of the contact's arrival interval as mean, times the
  serving agent's ``handle_factor`` for the queue (1 by default). Exponential matches Erlang C's assumption;
  real handle times are often less variable, which helps the service level a little.
- **Agents** take contacts only while on the floor (shift less breaks, lunch and activities) and only of their
  skills. A contact in hand when a break or the shift's end comes is finished first (work carries over; the
  agent takes nothing new). An agent handles one voice or email contact at a time, or up to the queue's
  ``concurrency`` chats (never chats and calls together).
- **Routing**: an arriving contact goes to the skilled agent free the longest. An agent who becomes free takes,
  among the waiting contacts of their skills, the one that has waited longest (``longest-waiting``) or the
  head of the first queue in the agent's own skill order that has one (``skill-order``). Each queue is FIFO.
- **Abandonment**: where the queue has ``patience_seconds``, each contact's patience is exponential with
  that mean; a contact not answered within it hangs up.
- **Absence**: each shift is absent as a whole with probability ``absence_rate`` (the plan's shrinkage).
- A contact still waiting at midnight of its arrival day counts as unanswered (neither answered nor abandoned),
  unless its queue ``carries_overnight`` (a deferred queue: it waits for the next agent, however long).
- **Opening hours**: a queue with ``open_windows`` (deferred, or behind a bot) is worked only inside them; items
  arriving outside wait for the next opening, when the agents on the floor take them.
- **Deferred queues** (email, social, back-office; ``deadline_seconds``): FIFO, no abandonment, items wait
  overnight and across closed hours. An item is *in time* when its handling is finished within the deadline on
  the queue's clock (open seconds, or elapsed seconds); items falling due after the week's end are not scored
  (as the backlog replay of ``kpis.json``'s ``deferred`` section). **Blending**: an agent skilled for live and
  deferred queues takes a deferred item only when no live contact of the agent's skills waits and the agent has
  nothing in hand, one at a time (a chat agent may add live chats to it up to the concurrency, as the staffing
  counts one deferred contact per agent); a deferred item in hand is finished before the next call.
- **Bots** (``people_share`` < 1): only the escalated share of the forecast reaches people. Escalations inside
  the queue's hours are live contacts; those arriving outside wait for the opening in a line of their own (no
  abandonment), worked like deferred items (after the live contacts, as the plan staffs them: Erlang for the
  live escalations plus backlog work), and are in time when finished within ``escalation_deadline_seconds`` of
  open time.

Every random draw comes from the ``numpy.random.Generator`` passed in, in a fixed order, so a seed gives the
same replication byte for byte.
"""

from __future__ import annotations

import bisect
import heapq
from collections import deque
from dataclasses import dataclass

import numpy as np

from scheduler.simulation.model import SimulationInput

ON, OFF = 1, 0  # floor transitions; at equal times OFF sorts first, so back-to-back windows hand over cleanly
OPENS = 2  # a queue's opening (after the floor transitions of the same moment)
NO_CAP = 1 << 30
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Replication:
    """Per ``[queue, slot]`` (arrival interval) counts of one replication, and the agents' time.

    ``busy_seconds`` ``[agent, queue]`` is handling time in agent capacity (a chat counts ``1/concurrency``);
    ``floor_seconds`` ``[agent]`` is time on the floor of present shifts. ``answered_in_time`` counts live
    contacts answered within ``answer_seconds`` and deferred or waiting-escalation items finished by their
    deadline; the service level is ``answered_in_time / scored``."""

    offered: np.ndarray
    answered: np.ndarray
    answered_in_time: np.ndarray
    abandoned: np.ndarray
    wait_seconds: np.ndarray  # total wait of answered contacts
    busy_seconds: np.ndarray
    floor_seconds: np.ndarray
    scored: np.ndarray  # contacts whose service level counts: all but deferred items due after the week's end


def run_replication(inp: SimulationInput, rng: np.random.Generator, routing: str, absence_rate: float
                    ) -> Replication:
    """Simulate the week once. ``routing`` is ``longest-waiting`` or ``skill-order``; ``absence_rate`` in [0, 1)."""
    n_queues, n_slots = inp.contacts.shape
    n_agents = len(inp.agent_ids)
    interval = inp.interval_seconds
    # --- random draws, all up front and in a fixed order
    share = np.array([q.people_share for q in inp.queues])[:, None]
    counts = rng.poisson(np.maximum(inp.contacts, 0.0) * share).ravel()
    total = int(counts.sum())
    cell = np.repeat(np.arange(n_queues * n_slots), counts)
    arrival = (cell % n_slots + rng.random(total)) * interval
    work = rng.standard_exponential(total)
    patience_mean = np.array([q.patience_seconds or np.inf for q in inp.queues])
    patience = rng.standard_exponential(total) * patience_mean[cell // n_slots]
    absent = rng.random(len(inp.shifts)) < absence_rate
    order = np.argsort(arrival, kind="stable")
    cell, arrival, work = cell[order], arrival[order], work[order]
    queue_of = cell // n_slots
    due, by_due = _dues(inp, arrival, queue_of)
    patience_end = np.where(by_due, np.inf, arrival + patience[order])
    midnight = (np.floor(arrival / SECONDS_PER_DAY) + 1) * SECONDS_PER_DAY
    overnight = np.array([q.carries_overnight for q in inp.queues], dtype=bool)
    midnight = np.where(overnight[queue_of] | by_due, np.inf, midnight)
    deadline = np.minimum(patience_end, midnight)
    hangs_up = (patience_end <= midnight) & np.isfinite(patience_end)  # leaves by its patience, not the day's end
    aht = inp.aht_seconds.ravel()[cell] * work  # handle seconds before the agent's factor

    # --- floor transitions of the present shifts
    moves: list[tuple[float, int, int]] = []
    floor_seconds = np.zeros(n_agents)
    for shift, gone in zip(inp.shifts, absent.tolist(), strict=True):
        if gone:
            continue
        for start, end in shift.floor_windows:
            moves.append((start, ON, shift.agent))
            moves.append((end, OFF, shift.agent))
            floor_seconds[shift.agent] += end - start
    for q, queue in enumerate(inp.queues):
        moves.extend((start, OPENS, q) for start, _end in queue.open_windows or ())
    moves.sort()

    # Waiting lines: one per queue, then one per bot queue for the escalations that waited for its opening
    # (worked like deferred items: after the live contacts). ``of_line[l]`` is the line's queue.
    deferred = [q.deferred for q in inp.queues]
    of_line = list(range(n_queues))
    night_line = [-1] * n_queues
    for q, queue in enumerate(inp.queues):
        if queue.escalation_deadline_seconds is not None and not queue.deferred:
            night_line[q] = len(of_line)
            of_line.append(q)
    deferred += [True] * (len(of_line) - n_queues)
    line_of = np.where(by_due & (np.array(night_line)[queue_of] >= 0), np.array(night_line)[queue_of], queue_of)
    spans_of = [inp.queues[q].open_windows for q in of_line]
    windows = [None if spans is None else list(spans) for spans in spans_of]
    starts = [[w[0] for w in spans] if spans is not None else [] for spans in windows]
    conc = [inp.queues[q].concurrency for q in of_line]
    skills = [[line for q in s for line in (q, night_line[q]) if line >= 0] for s in inp.skills]
    factor = inp.factors().tolist()
    waiting: list[deque[int]] = [deque() for _ in of_line]
    idle: list[list[tuple[float, int, int, int]]] = [[] for _ in of_line]  # (since, tie, agent, version)
    on_floor = [False] * n_agents
    busy = [0] * n_agents
    cap = [NO_CAP] * n_agents
    version = [0] * n_agents
    busy_seconds = [[0.0] * n_queues for _ in range(n_agents)]
    completions: list[tuple[float, int, int, int]] = []  # (time, tie, agent, queue)
    wait = np.full(total, np.nan)
    finish = np.full(total, np.nan)
    live_skills = [[q for q in s if not deferred[q]] for s in skills]
    deferred_skills = [[q for q in s if deferred[q]] for s in skills]
    skilled_agents = [[a for a in range(n_agents) if q in inp.skills[a]] for q in range(n_queues)]
    abandoned = np.zeros(total, dtype=bool)
    arrival_l, deadline_l, queue_l, aht_l = arrival.tolist(), deadline.tolist(), line_of.tolist(), aht.tolist()
    hangs_up_l = hangs_up.tolist()
    tie = 0
    skill_order = routing == "skill-order"

    def is_open(q: int, now: float) -> bool:
        spans = windows[q]
        if spans is None:
            return True
        k = bisect.bisect_right(starts[q], now) - 1
        return k >= 0 and now < spans[k][1]

    def can_take(a: int, q: int) -> bool:
        b = busy[a]  # deferred work (one item at a time) only by an agent with nothing in hand
        return on_floor[a] and (b == 0 or (not deferred[q] and conc[q] > 1 and b < cap[a] and b < conc[q]))

    def head(q: int, now: float) -> int:
        line = waiting[q]
        while line:
            i = line[0]
            if deadline_l[i] > now:
                return i
            line.popleft()
            abandoned[i] = hangs_up_l[i]
        return -1

    def serve(i: int, a: int, line: int, now: float) -> None:
        nonlocal tie
        q = of_line[line]
        wait[i] = now - arrival_l[i]
        seconds = aht_l[i] * factor[a][q]
        finish[i] = now + seconds
        busy[a] += 1
        if conc[line] < cap[a]:
            cap[a] = conc[line]
        version[a] += 1
        busy_seconds[a][q] += seconds / conc[line]
        tie += 1
        heapq.heappush(completions, (now + seconds, tie, a, q))

    def offer(a: int, now: float) -> None:
        """Agent ``a`` is free for more: take waiting work, then wait in the idle lists of the skills it can take."""
        nonlocal tie
        while True:
            best, best_q = -1, -1
            for tier in (live_skills[a], deferred_skills[a]):  # deferred work only when no live contact waits
                for q in tier:
                    if not can_take(a, q) or not is_open(q, now):
                        continue
                    i = head(q, now)
                    if i < 0:
                        continue
                    if skill_order:
                        best, best_q = i, q
                        break
                    if best < 0 or arrival_l[i] < arrival_l[best]:
                        best, best_q = i, q
                if best >= 0:
                    break
            if best < 0:
                break
            waiting[best_q].popleft()
            serve(best, a, best_q, now)
        v = version[a]
        for q in skills[a]:
            if can_take(a, q):
                tie += 1
                heapq.heappush(idle[q], (now, tie, a, v))

    def free_agent(q: int) -> int:
        heap = idle[q]
        while heap:
            _since, _tie, a, v = heap[0]
            if v == version[a] and can_take(a, q):
                return a
            heapq.heappop(heap)
        return -1

    inf = float("inf")
    n_moves, m, i = len(moves), 0, 0
    while True:
        t_arrival = arrival_l[i] if i < total else inf
        t_move = moves[m][0] if m < n_moves else inf
        t_done = completions[0][0] if completions else inf
        if t_done <= t_move and t_done <= t_arrival:
            if t_done == inf:
                break
            now, _tie, a, q = heapq.heappop(completions)
            busy[a] -= 1
            if busy[a] == 0:
                cap[a] = NO_CAP
            version[a] += 1
            if on_floor[a]:
                offer(a, now)
        elif t_move <= t_arrival:
            now, kind, a = moves[m]
            m += 1
            if kind == OPENS:  # here ``a`` is the queue: the agents on the floor take what waited for the opening
                for agent in skilled_agents[a]:
                    if on_floor[agent]:
                        offer(agent, now)
                continue
            version[a] += 1
            on_floor[a] = kind == ON
            if kind == ON:
                offer(a, now)
        else:
            now, q = t_arrival, queue_l[i]
            a = free_agent(q) if is_open(q, now) else -1
            if a >= 0:
                serve(i, a, q, now)
                offer(a, now)  # a chat agent may take more; re-enters the idle lists with its new version
            else:
                waiting[q].append(i)
            i += 1
    for line in waiting:
        for j in line:
            abandoned[j] = hangs_up_l[j]

    answered = ~np.isnan(wait)
    limit = np.array([q.answer_seconds for q in inp.queues])[queue_of]
    scored = ~by_due | (due <= n_slots * interval)
    in_time = scored & answered & np.where(by_due, np.nan_to_num(finish, nan=inf) <= due,
                                           np.nan_to_num(wait, nan=inf) <= limit)
    size = n_queues * n_slots
    shape = (n_queues, n_slots)

    def per_cell(weights: np.ndarray | None = None, mask: np.ndarray | None = None) -> np.ndarray:
        chosen = cell if mask is None else cell[mask]
        w = None if weights is None else (weights if mask is None else weights[mask])
        return np.bincount(chosen, weights=w, minlength=size).reshape(shape).astype(float)

    return Replication(
        offered=per_cell(),
        answered=per_cell(mask=answered),
        answered_in_time=per_cell(mask=in_time),
        abandoned=per_cell(mask=abandoned),
        wait_seconds=per_cell(weights=np.nan_to_num(wait), mask=answered),
        busy_seconds=np.array(busy_seconds, dtype=float).reshape(n_agents, n_queues),
        floor_seconds=floor_seconds,
        scored=per_cell(mask=scored),
    )


def _dues(inp: SimulationInput, arrival: np.ndarray, queue_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per contact (shapes ``(contacts,)``): the moment (seconds from Monday 00:00) by which its handling must
    be finished, and whether it is judged so (deferred items; escalations behind a bot arriving while the queue
    is closed) rather than by its wait against ``answer_seconds`` (then the due time is inf)."""
    due = np.full(arrival.size, np.inf)
    by_due = np.zeros(arrival.size, dtype=bool)
    for q, queue in enumerate(inp.queues):
        mine = queue_of == q
        if not mine.any() or (queue.deadline_seconds is None and queue.escalation_deadline_seconds is None):
            continue
        spans = np.array(queue.open_windows or (), dtype=float).reshape(-1, 2)
        t = arrival[mine]
        if queue.deadline_seconds is not None:
            judged = np.ones(t.size, dtype=bool)
            if queue.deadline_clock == "elapsed":
                limit = t + queue.deadline_seconds
            else:
                limit = _open_after(spans, t, queue.deadline_seconds)
        else:
            assert queue.escalation_deadline_seconds is not None
            judged = ~_inside(spans, t)
            limit = _open_after(spans, t, queue.escalation_deadline_seconds)
        by_due[mine] = judged
        due[mine] = np.where(judged, limit, np.inf)
    return due, by_due


def _inside(spans: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Whether each moment ``t`` lies in one of the ``spans`` ``[start, end)`` (sorted, shape ``(n, 2)``)."""
    k = np.searchsorted(spans[:, 0], t, side="right") - 1
    return (k >= 0) & (t < spans[np.maximum(k, 0), 1]) if spans.size else np.zeros(t.size, dtype=bool)


def _open_after(spans: np.ndarray, t: np.ndarray, seconds: float) -> np.ndarray:
    """The moment when ``seconds`` of open time (inside ``spans``) have passed since each ``t``; inf past the
    last span."""
    if not spans.size:
        return np.full(t.size, np.inf)
    length = spans[:, 1] - spans[:, 0]
    open_end = np.cumsum(length)  # open seconds by each span's end
    k = np.searchsorted(spans[:, 0], t, side="right") - 1
    before = np.where(k >= 0, open_end[np.maximum(k, 0)] - length[np.maximum(k, 0)]
                      + np.clip(t - spans[np.maximum(k, 0), 0], 0.0, length[np.maximum(k, 0)]), 0.0)
    target = before + seconds
    j = np.searchsorted(open_end, target, side="left")
    inside = j < open_end.size
    jj = np.minimum(j, open_end.size - 1)
    return np.where(inside, spans[jj, 1] - (open_end[jj] - target), np.inf)
