"""Two-link repair of an interval the one-change repair left short: one agent's day changes to cover it, and the
intervals that change uncovers are repaired in turn.

The local search's repair (``polish._repair``) covers a short interval with one change that lowers the objective
by itself: a day off gets a shift, or a worked day another template or start. Where every agent with the short
queue's skill who could take the interval is already working elsewhere that day (an early shift, say), each such
change uncovers other intervals and costs more than it gains, so the interval stayed short: one interval at the
under-staffing weight was a third of the worst gap measured at 150 agents and 60 s. A chain fixes it: the early
shift becomes a late one, and an agent with room (a part-timer's day off) covers the morning it left. Here the
first link is each of the few best changes that cover the interval (scored with the shortfall they cause), and
the second the one-change repair of what is then short; the chain is kept only if the roster's cost fell.
"""

from __future__ import annotations

from collections.abc import Callable

from scheduler.domain.roster import ShiftAssignment
from scheduler.rostering.search import polish as local
from scheduler.rostering.search.cover_flow import CoverState

# First links tried per short interval (the best by their own change of the objective).
FIRST_LINKS = 4
# Short intervals tried at most per call: chains are for the few intervals a polished roster leaves short (one on
# the worst 150-agent seed); a re-plan can leave hundreds, whose chains (each link a repair pass) cost far more CPU
# than they are charged (a pinned 150 x 8 re-plan: 450 s for a 30-s budget with unbounded chains).
MAX_SHORT_SLOTS = 8


def chain_repair(polisher: local._Polisher, spend: Callable[[float], None],
                 stopped: Callable[[], bool] = lambda: False) -> bool:
    """Cover each interval still short with a two-link chain where that lowers the roster's cost (cover, paid
    hours, soft rules). Only for the head-count cover without floor rules or a weekly service-level target.
    Returns whether anything changed."""
    if type(polisher.cover) is not CoverState or polisher.floor is not None or polisher.weekly is not None:
        return False
    changed = False
    for slot in polisher.short_slots()[:MAX_SHORT_SLOTS]:
        if stopped():
            break
        if not polisher.is_short(slot):  # an earlier chain covered it
            continue
        before = roster_cost(polisher)
        for agent_id, day, candidate in _first_links(polisher, slot, spend):
            saved = dict(polisher.by_key)
            current = polisher.by_key.get((agent_id, day))
            if current is not None:
                polisher.take(current)
            polisher.put(candidate)
            local._repair(polisher, spend, stopped)
            if roster_cost(polisher) < before - 1e-9:
                changed = True
                break
            restore(polisher, saved)
    return changed


def _first_links(polisher: local._Polisher, slot: int,
                 spend: Callable[[float], None]) -> list[tuple[str, int, ShiftAssignment]]:
    """The ``FIRST_LINKS`` changes covering ``slot`` (by agents whose skills would raise its cover) whose own
    change of the objective (shortfall they cause included) is lowest and that keep the agent's rules, one per
    agent: ``(agent, day index, new shift)``."""
    config = polisher.config
    paid_weight = config.weights.paid_hour
    day, minute = divmod(slot, polisher.slots_per_day)
    minute *= polisher.interval
    scored = []
    cover = polisher.cover
    assert isinstance(cover, CoverState)  # (the head-count cover: ``chain_repair`` checks)
    cover.refresh(slot, slot + 1)
    for agent_id in sorted(polisher.agents):
        if not cover.gain[cover.group_of[agent_id], slot]:
            continue  # one more head of the agent's skills would not raise the cover there
        current = polisher.by_key.get((agent_id, day))
        if current is not None and current.start_minute <= minute < current.end_minute:
            continue  # on shift then already (on a break, or the flow sends it elsewhere)
        candidates = local.covering_candidates(polisher, agent_id, day, minute)
        spend(len(candidates) * local.UNITS_PER_MOVE)
        deltas = polisher._window_deltas(agent_id, day, current, candidates)
        paid_before = 0 if current is None else current.paid_minutes
        for index, (candidate, delta) in enumerate(zip(candidates, deltas, strict=True)):
            if delta is not None:
                delta += paid_weight * (candidate.paid_minutes - paid_before) / 60
                scored.append((delta, agent_id, index, candidate))
    links: list[tuple[str, int, ShiftAssignment]] = []
    for _, agent_id, _, candidate in sorted(scored, key=lambda item: item[:3]):
        if len(links) == FIRST_LINKS:
            break
        if any(agent_id == linked for linked, _, _ in links):
            continue  # one link per agent: the chains differ
        spend(local.SWAP_CHECK_UNITS)
        if polisher.keeps(agent_id, day, candidate):
            links.append((agent_id, day, candidate))
    return links


def restore(polisher: local._Polisher, saved: dict[tuple[str, int], ShiftAssignment]) -> None:
    """Put the roster back to ``saved`` (shifts by agent and day index)."""
    for key in [k for k, s in polisher.by_key.items() if saved.get(k) is not s]:
        polisher.take(polisher.by_key[key])
    for key, shift in saved.items():
        if key not in polisher.by_key:
            polisher.put(shift)


def roster_cost(polisher: local._Polisher) -> float:
    """The roster's cost as the polisher sees it: under- and over-staffing, paid hours and soft rules."""
    cover = polisher.cover
    heads = cover.floor.sum(axis=0)
    staffing = float((cover.over * (heads - cover.covered) + cover.under * (cover.required_total - cover.covered))
                     .sum())
    paid = polisher.config.weights.paid_hour * sum(s.paid_minutes for s in polisher.by_key.values()) / 60
    soft = sum(polisher.week_soft(agent_id, -1, None) for agent_id in polisher.agents if polisher.soft[agent_id])
    return staffing + paid + soft

