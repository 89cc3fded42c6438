"""Warnings for input that runs but is probably not what the planner meant: one line per queue and kind.

- ``target``: a queue's service goal needs far more agents than its load, more than ``LOAD_FACTOR`` times the
  offered load in Erlangs plus ``LOAD_MARGIN_AGENTS`` in some interval (e.g. 100% of contacts within 0 s);
- ``no_skill``: a queue is open or requires agents but no agent is skilled for it;
- ``no_shift``: a queue is open, or requires agents, in intervals that no shift of any agent skilled for it can
  cover (a centre open 24 h without a night template);
- ``aht`` (``implausible_handle_times``): history intervals whose ``aht_seconds`` is more than ``AHT_FACTOR``
  times the queue's median (a timer left running, one row in minutes or hours) when they raise the queue's
  contact-weighted mean handle time, which the forecast carries into every interval, by more than ``AHT_SHIFT``;
  or a queue whose median handle time is more than ``AHT_FACTOR`` times above or below its
  ``default_aht_seconds`` (the column in the wrong unit);
- ``unplanned`` (``unplanned_history_queues``): a history queue the plan does not name, which the forecast
  ignores; named with the planned queue whose history starts within a week of its end (a queue renamed in the
  ACD mid-history: the planned queue's forecast then learns from its new name's weeks alone).
- ``weekend``: a contract whose agents may work weekend shifts but whose weekly rules keep some of them off every
  weekend, because a week that works it leaves the next week short of the minimum hours or days
  (``rules.next_week``: 36 h of 8-h shifts, 5 days in a row, two days off together, every other weekend off);
  and an agent every week of whom leaves the next one so (a day of leave mid-week with those rules): the next week
  will have no roster for it.

The roster is still built; the lines go to stderr and to ``kpis.json`` (``warnings``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.history import History
from forecasting.untrusted import excerpt
from scheduler.domain.clock import minute_to_clock
from scheduler.domain.plan import PlanConfig
from scheduler.domain.shifts import previous_night_minutes, shift_options
from scheduler.domain.week import Week
from scheduler.rostering.rules import AgentWeek, agent_week, next_week

LOAD_FACTOR = 3.0
LOAD_MARGIN_AGENTS = 5.0
SECONDS_PER_MINUTE = 60
AHT_FACTOR = 10.0
RENAME_GAP_DAYS = 7  # a planned queue starting this soon after an unplanned one ends may be its new name
AHT_SHIFT = 0.1  # the rows above AHT_FACTOR x the median are named when they raise the mean handle time by 10%


def offered_erlangs(config: PlanConfig, week: Week, required: pd.DataFrame) -> np.ndarray:
    """Offered load per ``[queue, slot]`` in agents (Erlangs divided by the queue's concurrency)."""
    load = np.zeros((len(config.queues), week.slot_count))
    index = {q.queue_id: i for i, q in enumerate(config.queues)}
    seconds = config.interval_minutes * SECONDS_PER_MINUTE
    contacts = pd.to_numeric(required["contacts"], errors="coerce").fillna(0).to_numpy(float)
    aht = pd.to_numeric(required["aht_seconds"], errors="coerce").fillna(0).to_numpy(float)
    for queue_id, start, volume, handle in zip(required["queue"], required["interval_start"], contacts, aht,
                                               strict=True):
        row = index[queue_id]
        load[row, week.slot_of(start.to_pydatetime())] = volume * handle / seconds / config.queues[row].concurrency
    return load


def _slot_text(week: Week, slot: int) -> str:
    moment = week.slot_start(slot)
    return f"{moment:%a} {moment.date()} {minute_to_clock(moment.hour * 60 + moment.minute)}"


def open_slots(config: PlanConfig, week: Week, row: int) -> np.ndarray:
    """A bool array over the week's slots: queue ``row`` (config order) is open."""
    hours = config.queues[row].opening_hours
    mask = np.zeros(week.slot_count, dtype=bool)
    for day in range(7):
        window = hours.window(week.day(day).weekday())
        if window is not None:
            mask[week.slot(day, window.start_minute):week.slot(day, window.end_minute)] = True
    return mask


def coverable_slots(config: PlanConfig, week: Week) -> dict[str, np.ndarray]:
    """Per queue, a bool array over the week's slots: some agent skilled for it has a candidate shift there."""
    cover = {q.queue_id: np.zeros(week.slot_count, dtype=bool) for q in config.queues}
    for agent in config.agents:
        reach = np.zeros(week.slot_count, dtype=bool)
        for day in range(7):
            for option in shift_options(config, agent, week, day):
                first = week.slot(day, option.start_minute)
                reach[first:first + option.template.length_minutes // config.interval_minutes] = True
        for skill in agent.skills:
            if skill in cover:
                cover[skill] |= reach
    return cover


def before_nights_end(config: PlanConfig, week: Week) -> np.ndarray:
    """A bool array over the week's slots: the first day's slots before the latest end of a template that runs
    past midnight on the day before it (a Sunday night shift into Monday), which only the previous week covers."""
    mask = np.zeros(week.slot_count, dtype=bool)
    mask[:week.slot(0, previous_night_minutes(config, week))] = True
    return mask


def implausible_input(config: PlanConfig, week: Week, required: pd.DataFrame,
                      requirements: np.ndarray, carried_in: bool = False,
                      carried: np.ndarray | None = None) -> list[str]:
    """The warning lines (without the ``warning:`` prefix), in queue order. ``required`` is the requirements
    frame (``queue``, ``interval_start``, ``contacts``, ``aht_seconds``), ``requirements`` its ``[queue, slot]``
    array of agents required. ``carried_in``: the roster before the week is known (a later week of ``--weeks``, or
    ``--previous``), so its Sunday night shifts count as cover of the first hours (``carried``: their heads per
    ``[queue, slot]``, ``carried_cover.carried_heads``; None: none reach the week); only the first hours those
    heads leave short, which no shift of this week can make up, are warned of."""
    hours = config.interval_minutes / 60
    load = offered_erlangs(config, week, required)
    cover = coverable_slots(config, week)
    skilled = {skill for agent in config.agents for skill in agent.skills}
    lines = []
    for row, queue in enumerate(config.queues):
        need = requirements[row]
        excess = need > LOAD_FACTOR * load[row] + LOAD_MARGIN_AGENTS
        # deferred work and a bot's night backlog are done when convenient, not when they arrive
        if excess.any() and not queue.deferred and queue.bot is None:
            worst = int(np.argmax(np.where(excess, need - load[row], -np.inf)))
            lines.append(
                f"queue {queue.queue_id}: {int(excess.sum())} interval(s) need more than {LOAD_FACTOR:g}x the "
                f"offered load plus {LOAD_MARGIN_AGENTS:g} agents, e.g. {int(need[worst])} agents for "
                f"{load[row, worst]:.1f} Erlangs at {_slot_text(week, worst)}; check "
                f"service_level_target ({queue.service_level_target:g}) and answer_seconds ({queue.answer_seconds:g})")
        if not need.any() and not open_slots(config, week, row).any():
            continue
        if queue.queue_id not in skilled:
            lines.append(f"queue {queue.queue_id}: {need.sum() * hours:,.1f} required agent-hours but no agent is "
                         "skilled for it (agents' skills column)")
            continue
        bare = ((need > 0) | open_slots(config, week, row)) & ~cover[queue.queue_id]
        early = bare & before_nights_end(config, week)
        bare &= ~early
        if early.any() and not carried_in:
            last = int(np.flatnonzero(early)[-1])
            lines.append(
                f"queue {queue.queue_id}: {int(early.sum())} interval(s) ({need[early].sum() * hours:,.1f} "
                f"required agent-hours) from {_slot_text(week, int(np.argmax(early)))} to "
                f"{_slot_text(week, last + 1)} fall to the previous week's Sunday night shifts, which the plan of "
                "this week does not count as cover (README, \"Night shifts\")")
        elif early.any():  # the shifts before are known: warn of what they leave short there
            gap = need - (0 if carried is None else carried[row])
            short = early & (gap > 0)
            if short.any():
                lines.append(
                    f"queue {queue.queue_id}: {int(short.sum())} interval(s) from "
                    f"{_slot_text(week, int(np.argmax(short)))} that only the previous week's Sunday night shifts "
                    f"reach are short of {gap[short].sum() * hours:,.1f} agent-hours after them, which no shift of "
                    "this week can make up (README, \"Night shifts\")")
        if bare.any():
            first = int(np.argmax(bare))
            lines.append(
                f"queue {queue.queue_id}: open or required in {int(bare.sum())} interval(s) "
                f"({need[bare].sum() * hours:,.1f} required agent-hours) that no shift of an agent skilled for it "
                "can cover, from "
                f"{_slot_text(week, first)}; add a shift template or narrow the queue's "
                "opening_hours")
    return lines + next_week_warnings(config, week)


def next_week_warnings(config: PlanConfig, week: Week) -> list[str]:
    """Per contract, its agents that ``rules.next_week`` keeps off the week's weekend (the ``weekend`` lines)."""
    barred: dict[str, list[AgentWeek]] = {}
    lines = []
    for agent in config.agents:
        facts = agent_week(config, week, agent)
        if next_week.weekend_barred(facts):
            barred.setdefault(agent.contract_id, []).append(facts)
        elif next_week.no_next_week(facts):
            lines.append(f"agent {agent.agent_id}: every week it can work from {week.start} leaves the next week "
                         f"short of contract {agent.contract_id}'s minimum hours or days "
                         f"({next_week.limiting_keys(facts)}), with its availability and time off; "
                         "the next week will have no roster for it")
    for contract_id, weeks in barred.items():
        lines.append(f"contract {contract_id}: {len(weeks)} agent(s) kept off the weekend of {week.start} (e.g. "
                     f"{weeks[0].agent.agent_id}): a week that works it leaves the next week short of the contract's "
                     f"minimum hours or days ({next_week.limiting_keys(weeks[0])}); relax one of them or "
                     "min_weekly_hours to staff weekends with this contract")
    return lines


def implausible_handle_times(config: PlanConfig, history: History | None) -> list[str]:
    """The ``aht`` warning lines (without the ``warning:`` prefix), in queue order; none without a history."""
    if history is None or not history.has_aht:
        return []
    frame = history.frame
    lines = []
    for queue in config.queues:
        rows = frame.loc[(frame["queue"] == queue.queue_id).to_numpy() & frame["aht_seconds"].notna().to_numpy()]
        if rows.empty:
            continue
        aht = rows["aht_seconds"].to_numpy(float)
        contacts = rows["contacts"].to_numpy(float)
        median = float(np.median(aht))
        high = aht > AHT_FACTOR * median
        mean = float(np.average(aht, weights=contacts))
        rest = float(np.average(aht[~high], weights=contacts[~high])) if (~high).any() else mean
        if mean > (1 + AHT_SHIFT) * rest:
            worst = int(np.argmax(aht))
            lines.append(
                f"queue {queue.queue_id}: {int(high.sum())} history interval(s) have aht_seconds over "
                f"{AHT_FACTOR:g}x the queue's median of {median:,.0f} s, up to {aht[worst]:,.0f} s at "
                f"{rows['interval_start'].iloc[worst]:%Y-%m-%d %H:%M}; they raise its mean handle time from "
                f"{rest:,.0f} to {mean:,.0f} s, and the forecast's with it; check {history.path.name}'s aht_seconds")
        default = queue.default_aht_seconds
        if median > AHT_FACTOR * default or median * AHT_FACTOR < default:
            lines.append(
                f"queue {queue.queue_id}: the history's median aht_seconds is {median:,.0f} s but "
                f"{config.source.name}'s default_aht_seconds is {default:,.0f} s; check that both are in seconds")
    return lines


def history_warnings(config: PlanConfig, history: History | None) -> list[str]:
    """The warning lines about the history itself (``aht`` then ``unplanned``)."""
    return implausible_handle_times(config, history) + unplanned_history_queues(config, history)


def unplanned_history_queues(config: PlanConfig, history: History | None) -> list[str]:
    """The ``unplanned`` lines (without ``warning:``), one per history queue the plan does not name, in name order;
    none without a history."""
    if history is None:
        return []
    planned = {q.queue_id for q in config.queues}
    starts = history.frame.groupby("queue")["interval_start"]
    first = {str(q): t.date() for q, t in starts.min().items()}
    ends = {str(q): t.date() for q, t in starts.max().items()}
    lines = []
    for name in history.queues:
        if name in planned:
            continue
        last = ends[name]
        after = [(q, first[q]) for q in sorted(planned & set(first)) if 0 < (first[q] - last).days <= RENAME_GAP_DAYS]
        renamed = "".join(f"; queue {q}'s history starts on {day}: if it is {excerpt(name)} renamed, give "
                          f"both the same name in {history.path.name}" for q, day in after[:1])
        lines.append(f"{history.path.name}: queue {excerpt(name)} (history to {last}) is not among "
                     f"{config.source.name}'s queues and is ignored{renamed}")
    return lines
