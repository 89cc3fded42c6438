"""Requirements and outcomes of deferred queues (email, social, back-office) and of queues behind a chatbot.

``plan_requirements`` is what ``wfm plan`` and ``wfm staff`` staff with: live queues exactly as before
(``forecasting.queueing.staffing.requirements``, Erlang C or A); a deferred queue by the fluid backlog model
(``forecasting.queueing.deferred``): its smoothest work plan that keeps the target share of items within the
deadline, turned into whole agents per interval that cover the plan cumulatively; a queue behind a bot: the
contained share removed at every hour, the escalations inside the queue's hours staffed live, and those outside
them waiting for the next opening as a backlog staffed like deferred work within ``bot.backlog_deadline_minutes``.

Rostering then covers each interval's agents like any requirement (the cumulative plan is fixed before rostering,
so the roster's lower bound is a proven bound of that problem); ``deferred_outcomes`` replays the roster's actual
heads on each deferred queue through the FIFO backlog, so the KPIs say what the roster gives, blending included
(``blended_heads``: every head of a skill set holding deferred queues that no live queue's cover takes answers
the waiting item that falls due first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import combinations

import numpy as np
import pandas as pd

from forecasting.queueing.deferred import EPSILON, Outcome, clock_of, due_slots, plan_work, simulate, whole_heads
from forecasting.queueing.staffing import QueueTarget, requirements
from scheduler.domain.plan import MINUTES_PER_DAY, PlanConfig, Queue
from scheduler.domain.roster import Roster
from scheduler.domain.week import Week
from scheduler.rostering.coverage import CoverageResult, allocate, on_floor_by_skills
from scheduler.rostering.deadlines import DeadlineQueue, deadline_queue
from scheduler.rostering.rules import agent_week, weekly_hours
from scheduler.validation.kpis import DeferredKpis

SECONDS_PER_MINUTE = 60
# A per-slot cover of a requirement array by the heads on the floor (``rostering.coverage.allocate``).
Allocator = Callable[[np.ndarray, dict[tuple[str, ...], np.ndarray], list[str],
                      dict[tuple[int, tuple[str, ...], int], int] | None], np.ndarray]
# Columns added to requirements.csv when a queue is deferred or behind a bot (empty on live queues): the fluid
# work planned in the interval (agent-intervals, before shrinkage) and the backlog (contacts) left at its end.
DEFERRED_COLUMNS = ("work_agent_intervals", "backlog_contacts")


def has_backlog(queue: Queue) -> bool:
    """Whether the queue holds work that waits: deferred, or escalations of a bot outside the queue's hours."""
    return queue.deferred or queue.bot is not None


def keeps_all_hours(queue: Queue) -> bool:
    """Whether the forecast keeps the queue's intervals outside its opening hours (arrivals that wait)."""
    return has_backlog(queue)


def open_mask(queue: Queue, starts: pd.DatetimeIndex, interval_minutes: int) -> np.ndarray:
    """True where the queue is open, for interval starts ``starts`` (shape ``(slots,)``)."""
    minutes = np.asarray(starts.hour * 60 + starts.minute)
    weekdays = np.asarray(starts.day_of_week)
    mask = np.zeros(len(starts), dtype=bool)
    for day in range(7):
        window = queue.opening_hours.window(day)
        if window is not None:
            mask |= (weekdays == day) & (minutes >= window.start_minute) & (minutes < window.end_minute)
    return mask


def horizon(frame: pd.DataFrame, interval_minutes: int) -> pd.DatetimeIndex:
    """The interval starts of the whole weeks (from a Monday) that hold every row of ``frame``."""
    first = frame["interval_start"].min().normalize()
    first -= timedelta(days=int(first.day_of_week))
    last = frame["interval_start"].max().normalize()
    days = ((last - first).days // 7 + 1) * 7
    return pd.date_range(first, periods=days * MINUTES_PER_DAY // interval_minutes, freq=f"{interval_minutes}min")


def plan_requirements(config: PlanConfig, forecast: pd.DataFrame, targets: dict[str, QueueTarget]) -> pd.DataFrame:
    """Requirements of every queue in ``forecast`` (module docstring); without deferred or bot queues exactly
    ``staffing.requirements``. With them, two columns are added last (``DEFERRED_COLUMNS``, empty on live
    queues); a deferred queue has a row for every interval of the weeks planned (``service_level`` there is the
    share of the interval's arrivals handled within the deadline by the plan; occupancy and ASA are empty)."""
    special = {q.queue_id: q for q in config.queues if has_backlog(q)}
    if not special or forecast.empty:
        return requirements(forecast, targets)
    in_special = forecast["queue"].isin(list(special))
    parts = [requirements(forecast.loc[~in_special], targets)] if (~in_special).any() else []
    grid = horizon(forecast, config.interval_minutes)
    for queue_id in sorted(special):
        rows = forecast.loc[forecast["queue"] == queue_id]
        if rows.empty:
            continue
        queue = special[queue_id]
        part = (_deferred_rows if queue.deferred else _bot_rows)(config, queue, rows, grid, targets[queue_id])
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    for column in DEFERRED_COLUMNS:
        if column not in frame:
            frame[column] = np.nan
    frame = frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    columns = [c for c in frame.columns if c not in DEFERRED_COLUMNS] + list(DEFERRED_COLUMNS)
    frame["agents_required"] = frame["agents_required"].astype(np.int64)
    return frame.loc[:, columns]


def _on_grid(rows: pd.DataFrame, grid: pd.DatetimeIndex, default_aht: float) -> tuple[np.ndarray, np.ndarray]:
    """Contacts and AHT per grid interval (0 contacts and the default AHT where the forecast has no row)."""
    indexed = rows.set_index("interval_start")
    contacts = indexed["contacts"].astype(float).reindex(grid, fill_value=0.0).to_numpy()
    aht = indexed["aht_seconds"].astype(float).reindex(grid).fillna(default_aht).to_numpy()
    return contacts, aht


def _work(contacts: np.ndarray, aht: np.ndarray, interval_minutes: int) -> np.ndarray:
    return contacts * aht / (interval_minutes * SECONDS_PER_MINUTE)


def _backlog_contacts(outcome: Outcome, work: np.ndarray, contacts: np.ndarray) -> np.ndarray:
    """The backlog at the end of each slot in contacts: the work handled so far is mapped back to the contacts it
    held (first in first out, so it is the oldest arrivals' work, read off the cumulative work and contacts), and
    what has arrived but is not handled waits. Shapes ``(slots,)``."""
    cumulative_work, cumulative_contacts = np.cumsum(work), np.cumsum(contacts)
    served = cumulative_work - outcome.backlog
    if cumulative_work[-1] <= 0:
        return np.zeros_like(work)
    handled = np.interp(served, np.concatenate(([0.0], cumulative_work)), np.concatenate(([0.0], cumulative_contacts)))
    return np.maximum(cumulative_contacts - handled, 0.0)


def _deferred_rows(config: PlanConfig, queue: Queue, rows: pd.DataFrame, grid: pd.DatetimeIndex,
                   target: QueueTarget) -> pd.DataFrame:
    contacts, aht = _on_grid(rows, grid, queue.default_aht_seconds)
    if queue.bot is not None:  # a bot in front of a deferred social queue: only escalations reach people
        contacts = contacts * (1.0 - queue.bot.containment)
    work = _work(contacts, aht, config.interval_minutes)
    assert queue.deadline_minutes is not None
    plan = plan_work(work, open_mask(queue, grid, config.interval_minutes),
                     queue.deadline_minutes // config.interval_minutes, queue.deadline_clock,
                     queue.service_level_target, config.interval_minutes)
    return pd.DataFrame({
        "interval_start": grid, "queue": queue.queue_id, "contacts": contacts, "aht_seconds": aht,
        "agents_required": whole_heads(plan.work, target.shrinkage), "service_level": plan.outcome.within,
        "occupancy": np.nan, "asa_seconds": np.nan, "work_agent_intervals": plan.work,
        "backlog_contacts": _backlog_contacts(plan.outcome, work, contacts),
    })


def _bot_rows(config: PlanConfig, queue: Queue, rows: pd.DataFrame, grid: pd.DatetimeIndex,
              target: QueueTarget) -> pd.DataFrame:
    """A live queue behind a bot: Erlang for escalations in the queue's hours, plus the overnight backlog."""
    assert queue.bot is not None
    contacts, aht = _on_grid(rows, grid, queue.default_aht_seconds)
    escalated = contacts * (1.0 - queue.bot.containment)
    is_open = open_mask(queue, grid, config.interval_minutes)
    live = pd.DataFrame({"interval_start": grid[is_open], "queue": queue.queue_id, "contacts": escalated[is_open],
                         "aht_seconds": aht[is_open]})
    frame = requirements(live, {queue.queue_id: target})
    waiting = np.where(is_open, 0.0, escalated)
    waiting_work = _work(waiting, aht, config.interval_minutes)
    plan = plan_work(waiting_work, is_open, queue.bot.backlog_deadline_minutes // config.interval_minutes,
                     "open_hours", queue.service_level_target, config.interval_minutes)
    extra = whole_heads(plan.work, target.shrinkage)[is_open]
    frame["agents_required"] = frame["agents_required"].to_numpy() + extra
    frame["work_agent_intervals"] = plan.work[is_open]
    frame["backlog_contacts"] = _backlog_contacts(plan.outcome, waiting_work, waiting)[is_open]
    return frame


@dataclass(frozen=True)
class DeferredResult:
    """What the roster gives one deferred queue over the week (``Outcome`` of its actual heads), and the arrays
    ``[slot]`` of the week: ``contacts`` arriving in and ``backlog_contacts`` waiting at the end of each interval."""

    queue_id: str
    outcome: Outcome
    backlog_contacts: np.ndarray
    deadline_minutes: int
    contacts: np.ndarray
    # the work arriving per slot (agent-intervals) and whether it falls due inside the replay (``week_of``)
    work: np.ndarray | None = None
    due_inside: np.ndarray | None = None


BACKLOG_COLUMNS = ("interval_start", "queue", "contacts", "backlog_contacts", "oldest_minutes", "deadline_minutes",
                   "within_deadline")


def backlog_frame(week: Week, results: dict[str, DeferredResult]) -> pd.DataFrame:
    """``backlog.csv``: per deferred queue and interval of the week, the contacts arriving, the backlog and the
    oldest item's age (minutes on the deadline's clock) at the interval's end, the deadline, and the share of the
    interval's arrivals handled within it."""
    grid = pd.date_range(pd.Timestamp(week.start), periods=week.slot_count, freq=f"{week.interval_minutes}min")
    parts = [pd.DataFrame({"interval_start": grid, "queue": queue_id, "contacts": r.contacts,
                           "backlog_contacts": r.backlog_contacts, "oldest_minutes": r.outcome.oldest_minutes,
                           "deadline_minutes": r.deadline_minutes, "within_deadline": r.outcome.within})
             for queue_id, r in sorted(results.items())]
    return pd.concat(parts, ignore_index=True).loc[:, list(BACKLOG_COLUMNS)]


def deferred_outcomes(config: PlanConfig, week: Week, required: pd.DataFrame,
                      scheduled: np.ndarray) -> dict[str, DeferredResult]:
    """Per deferred queue, the FIFO backlog under the roster's heads on it (``scheduled``, ``[queue, slot]`` in
    config order, e.g. ``rostering.coverage.allocate``'s), each head working ``1 - shrinkage`` of its time."""
    results = {}
    grid = pd.date_range(pd.Timestamp(week.start), periods=week.slot_count, freq=f"{config.interval_minutes}min")
    for index, queue in enumerate(config.queues):
        if not queue.deferred or queue.deadline_minutes is None:
            continue
        rows = required.loc[required["queue"] == queue.queue_id]
        contacts, aht = _on_grid(rows, grid, queue.default_aht_seconds)
        work = _work(contacts, aht, config.interval_minutes)
        is_open = open_mask(queue, grid, config.interval_minutes)
        # worked only while open (as the model's deadline cover and ``wfm simulate`` work it): a head parked on
        # the queue after it closes (a night agent of a 24-hour centre) handles none of it
        capacity = np.where(is_open, scheduled[index].astype(float) * (1.0 - config.shrinkage), 0.0)
        due = due_slots(is_open, queue.deadline_minutes // config.interval_minutes, queue.deadline_clock)
        outcome = simulate(work, capacity, due, config.interval_minutes, clock_of(is_open, queue.deadline_clock))
        results[queue.queue_id] = DeferredResult(queue.queue_id, outcome, _backlog_contacts(outcome, work, contacts),
                                                 queue.deadline_minutes, contacts, work, due < week.slot_count)
    return results


def week_of(results: dict[str, DeferredResult], first_slot: int, slots: int) -> dict[str, DeferredResult]:
    """The replay of several weeks (``deferred_outcomes`` over their span) seen from one week, slots
    ``[first_slot, first_slot + slots)``: its arrays cut to the week, so its backlog starts with what the weeks
    before left, and the share within the deadline of the work arriving in the week that falls due inside the
    span (1.0 when none does)."""
    cut = slice(first_slot, first_slot + slots)
    found = {}
    for queue_id, r in results.items():
        assert r.work is not None and r.due_inside is not None
        work, inside, within = r.work[cut], r.due_inside[cut], r.outcome.within[cut]
        due_work = float(work[inside].sum())
        share = float((within * work)[inside].sum() / due_work) if due_work > EPSILON else 1.0
        outcome = Outcome(served=r.outcome.served[cut], backlog=r.outcome.backlog[cut], within=within,
                          oldest_minutes=r.outcome.oldest_minutes[cut], share_within=min(share, 1.0))
        found[queue_id] = replace(r, outcome=outcome, backlog_contacts=r.backlog_contacts[cut],
                                  contacts=r.contacts[cut], work=work, due_inside=inside)
    return found


def deadline_queues(config: PlanConfig, week: Week, required: pd.DataFrame) -> tuple[DeadlineQueue, ...]:
    """The deferred queues the roster covers cumulatively (``deadline_cover: cumulative``, the default), each
    with the work arriving per interval of the week (the requirement rows, ``plan_requirements``) and its real
    deadline: the roster aims at every item in time (lateness is a soft cost, so a target below 1 leaves room
    where keeping every item would cost more than it saves), as ``rostering.deadlines.DeadlineQueue``; empty
    without deferred queues."""
    result = []
    for index, queue in enumerate(config.queues):
        if not queue.deferred or queue.deadline_minutes is None or queue.deadline_cover != "cumulative":
            continue
        work, is_open, due = deadline_work(config, week, required, queue)
        result.append(deadline_queue(index, work, is_open, due, config.shrinkage,
                                     deadline_slots=queue.deadline_minutes // config.interval_minutes,
                                     service_level_target=queue.service_level_target))
    return tuple(result)


def deadline_work(config: PlanConfig, week: Week, required: pd.DataFrame,
                  queue: Queue) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A deferred queue with a deadline: the work arriving in each slot of the week (agent-intervals, from the
    requirement rows' contacts and AHT), where it is open, and the slot by whose end each slot's work falls due
    (``due_slots``; ``>= slots``: after the week); shapes ``(slots,)``."""
    if queue.deadline_minutes is None:
        raise ValueError(f"queue {queue.queue_id} has no deadline")
    grid = pd.date_range(pd.Timestamp(week.start), periods=week.slot_count, freq=f"{config.interval_minutes}min")
    contacts, aht = _on_grid(required.loc[required["queue"] == queue.queue_id], grid, queue.default_aht_seconds)
    is_open = open_mask(queue, grid, config.interval_minutes)
    due = due_slots(is_open, queue.deadline_minutes // config.interval_minutes, queue.deadline_clock)
    return _work(contacts, aht, config.interval_minutes), is_open, due


def blended_heads(config: PlanConfig, week: Week, roster: Roster, required: np.ndarray,
                  frame: pd.DataFrame, cover: Allocator = allocate) -> np.ndarray:
    """Heads per ``[queue, slot]`` (config order) working each deferred queue, replayed slot by slot.

    The cover (``rostering.coverage.allocate``'s max-flow) first staffs the live queues; every other head on the
    floor in a skill set holding deferred queues (those the cover gives a deferred queue and those it leaves
    spare: blending, an agent with no call waiting answers email) works the waiting item that falls due first
    (earliest deadline first across the set's deferred queues, each queue first in first out), as many heads as
    its waiting work needs, then the next. Specialist sets are used before sets holding more deferred queues.
    A deferred queue is worked only while open (its backlog waits for the opening, as the model's deadline cover
    and ``wfm simulate`` work it; ``deferred_outcomes`` gives heads no capacity on it while closed).
    Heads with nothing waiting stay on the queue the cover gave them (or the set's first deferred queue).
    ``frame``: the requirement rows (``plan_requirements``), for the work arriving. Live queues' rows hold the
    heads covering them; all rows are zero when no queue is deferred.
    ``cover``: the per-slot cover of ``required`` (``rostering.coverage.allocate``'s signature), another
    routing's choice of which heads answer the live queues.
    """
    queue_ids = [q.queue_id for q in config.queues]
    deferred = [i for i, q in enumerate(config.queues) if q.deferred and q.deadline_minutes is not None]
    if not deferred:  # nothing to replay: spare the max-flow pass
        return np.zeros_like(required)
    on_floor = on_floor_by_skills(config, week, roster)
    flows: dict[tuple[int, tuple[str, ...], int], int] = {}
    cover(required, on_floor, queue_ids, flows)
    heads = np.zeros_like(required)
    pool = {group: counts.copy() for group, counts in on_floor.items()}  # heads free for deferred work
    default: dict[tuple[str, ...], np.ndarray] = {}  # per set and slot, the deferred queue idle heads stay on
    for (slot, group, queue), sent in flows.items():
        if queue in deferred:
            default.setdefault(group, np.full(week.slot_count, -1))[slot] = queue
            continue
        heads[queue, slot] += sent
        pool[group][slot] -= sent
    groups = sorted((g for g in pool if any(queue_ids[i] in g for i in deferred)),
                    key=lambda g: (sum(queue_ids[i] in g for i in deferred), g))
    arrived: dict[int, np.ndarray] = {}  # cumulative work arrived by the end of each slot
    due: dict[int, np.ndarray] = {}
    is_open: dict[int, np.ndarray] = {}
    for index in deferred:
        work, is_open[index], due[index] = deadline_work(config, week, frame, config.queues[index])
        arrived[index] = np.cumsum(work)
    per_head = 1.0 - config.shrinkage
    done = dict.fromkeys(deferred, 0.0)
    for slot in range(week.slot_count):
        for group in groups:
            free = int(pool[group][slot])
            if free <= 0:
                continue
            mine = [i for i in deferred if queue_ids[i] in group]
            waiting = {i: float(arrived[i][slot]) - done[i] for i in mine}
            # a queue is worked only while open (its backlog waits for the opening, docs/config.md)
            urgent = sorted((i for i in mine if waiting[i] > EPSILON and is_open[i][slot]),
                            key=lambda i: (int(due[i][np.searchsorted(arrived[i], done[i] + EPSILON, side="right")]),
                                           i))
            for index in urgent:
                sent = min(free, int(np.ceil(waiting[index] / per_head - EPSILON)))
                heads[index, slot] += sent
                done[index] += min(waiting[index], sent * per_head)
                free -= sent
            if free > 0:
                chosen = default.get(group)
                idle = int(chosen[slot]) if chosen is not None and chosen[slot] >= 0 else mine[0]
                heads[idle, slot] += free
    return heads


def deferred_cover(config: PlanConfig, week: Week, cover: CoverageResult, required: pd.DataFrame,
                   heads: np.ndarray | None, replayed: dict[str, DeferredResult] | None = None,
                   ) -> tuple[CoverageResult, dict[str, DeferredResult]]:
    """The coverage with each deferred queue's ``service_level`` replaced by the share of the interval's arrivals
    the roster handles within the deadline with ``heads`` (``blended_heads``), and the queues' outcomes;
    unchanged (and ``{}``) without any. ``replayed``: the week's outcomes already replayed (``week_of`` a
    horizon's), used instead of replaying ``heads`` (then None)."""
    if replayed is None:
        assert heads is not None, "deferred_cover needs heads to replay or the replayed outcomes"
        replayed = deferred_outcomes(config, week, required, heads)
    results = replayed
    if not results:
        return cover, results
    frame = cover.frame.copy()
    for queue_id, result in results.items():
        rows = (frame["queue"] == queue_id).to_numpy()
        slots = np.array([week.slot_of(t) for t in frame.loc[rows, "interval_start"].dt.to_pydatetime()],
                         dtype=np.int64)
        frame.loc[rows, "service_level"] = result.outcome.within[slots]
    return replace(cover, frame=frame), results


def cumulative_rows(config: PlanConfig, week: Week, cover: CoverageResult, queues: tuple[DeadlineQueue, ...],
                    heads: np.ndarray) -> CoverageResult:
    """The coverage with the rows of each queue covered cumulatively (``deadline_queues``) measured against what
    the roster must do there rather than against the fluid plan: ``scheduled`` is the heads working the queue in
    the interval (``heads``, ``blended_heads``'s ``[queue, slot]``); ``required`` the heads the work due by the
    interval's end, not done before it, needs, or, when more, the heads that did useful work in it (work that
    had arrived, done ahead of its deadline). So a row is short by exactly the agent-intervals of work overdue
    at its end, and a head counts as over only where it had no arrived work left to do. ``done`` runs in whole
    heads after shrinkage, like ``DeadlineQueue.lower``; unchanged without such queues."""
    if not queues:
        return cover
    frame = cover.frame.copy()
    scheduled = np.array(cover.scheduled)
    for queue in queues:
        required = np.zeros(week.slot_count, dtype=np.int64)
        worked = np.asarray(heads[queue.index], dtype=np.int64)
        done = 0
        for slot, lower, upper in zip(queue.open_slots, queue.lower, queue.upper, strict=True):
            useful = min(int(worked[slot]), max(0, upper - done))
            required[slot] = max(lower - done, useful, 0)
            done += useful
        scheduled[queue.index] = worked
        rows = (frame["queue"] == config.queues[queue.index].queue_id).to_numpy()
        slots = np.array([week.slot_of(t) for t in frame.loc[rows, "interval_start"].dt.to_pydatetime()],
                         dtype=np.int64)
        frame.loc[rows, "required"] = required[slots]
        frame.loc[rows, "scheduled"] = worked[slots]
    return replace(cover, frame=frame, scheduled=scheduled)


def deferred_kpis(results: dict[str, DeferredResult]) -> dict[str, DeferredKpis]:
    """The ``deferred`` section of kpis.json (empty without deferred queues)."""
    return {queue_id: DeferredKpis(
        share_within_deadline=round(r.outcome.share_within, 6), deadline_minutes=r.deadline_minutes,
        peak_backlog_contacts=round(float(r.backlog_contacts.max(initial=0.0)), 2),
        end_of_week_backlog_contacts=round(float(r.backlog_contacts[-1]) if r.backlog_contacts.size else 0.0, 2),
        oldest_item_minutes=int(r.outcome.oldest_minutes.max(initial=0)),
    ) for queue_id, r in sorted(results.items())}


# Subsets of deferred queues whose joint work is checked against their skilled agents' hours (2^k - 1 of them).
MAX_JOINT_DEFERRED = 10


def backlog_shortfalls(config: PlanConfig, week: Week, required: np.ndarray) -> list[str]:
    """Deferred queues whose planned work is more than all the agents skilled for any of them could give in the
    week, even working only them, at their most paid minutes (``rules.weekly_hours``, leave included): no
    roster can clear their backlog in time. Each queue alone, then (up to ``MAX_JOINT_DEFERRED`` deferred
    queues) every larger set of them that shares agents (email and social answered by the same people), a set
    named only when none of its parts is already short."""
    deferred = [i for i, q in enumerate(config.queues) if q.deferred]
    hours = {a.agent_id: weekly_hours.paid_range(agent_week(config, week, a))[1] / 60 for a in config.agents}
    need = {i: float(required[i].sum()) * config.interval_minutes / 60 for i in deferred}
    sizes = range(1, len(deferred) + 1) if len(deferred) <= MAX_JOINT_DEFERRED else range(1, 2)
    problems: list[str] = []
    short: list[tuple[int, ...]] = []
    for size in sizes:
        for group in combinations(deferred, size):
            if any(set(part) <= set(group) for part in short):
                continue
            if not _shares_agents(config, group):
                continue  # a set that splits into parts sharing no agent is short only if a part is
            ids = {config.queues[i].queue_id for i in group}
            skilled = [a for a in config.agents if ids & set(a.skills)]
            need_hours, can_hours = sum(need[i] for i in group), sum(hours[a.agent_id] for a in skilled)
            if need_hours <= can_hours + 1e-9:
                continue
            short.append(group)
            names = ", ".join(repr(config.queues[i].queue_id) for i in group)
            what = f"deferred queue {names} needs" if size == 1 else f"deferred queues {names} together need"
            whose = "its" if size == 1 else "their"
            problems.append(f"{what} {need_hours:,.1f} agent-hours of work within {whose} deadline but {whose} "
                            f"{len(skilled)} skilled agent(s) can work at most {can_hours:,.1f} h in the week: "
                            f"short by {need_hours - can_hours:,.1f} agent-hours")
    return problems


def _shares_agents(config: PlanConfig, group: tuple[int, ...]) -> bool:
    """Whether the queues ``group`` (config indices) are connected by agents skilled for two of them."""
    ids = [config.queues[i].queue_id for i in group]
    reached = {ids[0]}
    grew = True
    while grew:
        grew = False
        for agent in config.agents:
            mine = set(agent.skills) & set(ids)
            if mine & reached and not mine <= reached:
                reached |= mine
                grew = True
    return len(reached) == len(ids)
