"""Hard: this week ends only in a state from which the weeks after it can still be worked.

A week planned alone (one week, or a week of a horizon, rostered one at a time) can end so that the next week
cannot keep its contract: a full-timer working Wednesday to Sunday, with every other weekend off
(``max_consecutive_weekends: 1``), 5 days in a row and two days off together, must keep Monday and Tuesday off
next week and its weekend too, and 3 weekdays do not pay a 36-h minimum. This rule allows only the end states
(the run of days worked at the week's end, the days off at its end, the weekends worked) after which
``week_patterns.reach_after`` finds a way through the horizon's later weeks and one ordinary week after them
that keeps each week's minimum and maximum paid hours, ``min_days_per_week`` and ``max_days_per_week``,
``max_consecutive_days``, ``min_consecutive_days_off`` and the weekend rules. That programme is a relaxation
(see its module), so an end state it refuses has no real continuation: the rule never refuses a week that could
be completed. Two cases add nothing: an agent none of whose end states this week can reach (under the same
relaxed rules and a re-plan's pinned days, ``week_patterns.this_week_ends``) has a continuation (the later weeks
cannot be worked whatever this week does: they say so themselves when planned, and a re-plan whose pins leave no
next week is planned as before), and an agent for whom no reachable end state is refused.

It depends on which days are worked alone (``keeps_days``): the local search, the LP bound's patterns and the
pre-checks ask it as any other day-pattern rule; in CP-SAT the refused patterns are forbidden assignments of the
agent's seven worked-day literals. With ``average_weekly_hours`` the averaged look-ahead (``average_hours``)
asks the same programme with its window; this rule asks it for reachability alone.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from scheduler.domain.horizon import NO_CARRY
from scheduler.rostering.held import held_for
from scheduler.rostering.model import PenaltyTerm, RosterModel
from scheduler.rostering.rules.base import DAYS, AgentWeek, Aspect, LabourRule, agent_week
from scheduler.rostering.rules.week_patterns import EndState, end_state, reach_after, this_week_ends


def refused_ends(agent: AgentWeek) -> frozenset[EndState]:
    """The end states this week can reach after which the later weeks cannot be worked (empty when none, or
    when no reachable end state is left). Computed once per agent's inputs (``inputs``), whatever config holds
    them: the solve's derived configs (the heads LP's, the exact-class bound's, the meetings') ask it again for the
    same agents (at 160 agents over 4 weeks 1-2 s a week, computed four times an agent when keyed by the config)."""
    return held_for(_HELD, agent.config, (agent.agent.agent_id, agent.week.start),
                    lambda: _by_inputs(agent), 4096)


def inputs(agent: AgentWeek) -> Hashable:
    """By value, everything ``_refused`` reads of the agent's week: the agent's availability and leave, its
    contract and the contract's templates, the week, the horizon's week number and length and the agent's carry-in,
    this week's candidate shifts (a re-plan's pins included), the counted leave and the weekend."""
    config, person = agent.config, agent.agent
    carry = config.carry_in
    horizon = (1, config.weeks, NO_CARRY) if carry is None else (
        carry.week_number, carry.weeks, carry.of(person.agent_id))
    templates = tuple(config.template(t) for t in agent.contract.template_ids)
    return (person.agent_id, person.availability, person.time_off, agent.contract, templates, agent.week.start,
            config.interval_minutes, horizon, agent.candidates, agent.must_work, agent.leave, agent.weekend)


def _by_inputs(agent: AgentWeek) -> frozenset[EndState]:
    key = inputs(agent)
    refused = _REFUSED.get(key)
    if refused is None:
        if len(_REFUSED) > 4096:
            _REFUSED.clear()
        refused = _REFUSED[key] = _refused(agent)
    return refused


def _refused(agent: AgentWeek) -> frozenset[EndState]:
    ends = this_week_ends(agent)
    reach = reach_after(agent, 0, None)
    refused = frozenset(end for end in ends if not reach.reaches(end))
    return frozenset() if refused == ends else refused


_HELD: dict = {}
_REFUSED: dict[Hashable, frozenset[EndState]] = {}


def weekend_barred(agent: AgentWeek) -> bool:
    """Whether the rule keeps the agent off this week's weekend altogether (every reachable end state that works
    it is refused): a planner's rules that leave no weekend to a contract with weekend shifts, worth a warning."""
    refused = refused_ends(agent)
    worked = [end for end in this_week_ends(agent) if end[1] > 0]
    return bool(refused) and bool(worked) and all(end in refused for end in worked)


def no_next_week(agent: AgentWeek) -> bool:
    """Whether every end state this week can reach leaves the later weeks unworkable (the rule then refuses
    nothing): the horizon fails for the agent whatever this week does, worth a warning before it does."""
    ends = this_week_ends(agent)
    reach = reach_after(agent, 0, None)
    return bool(ends) and not any(reach.reaches(end) for end in ends)


def limiting_keys(agent: AgentWeek) -> str:
    """The contract keys that carry a week's end into the next, as ``key value, ...`` (the set ones only)."""
    contract = agent.contract
    return ", ".join(f"{key} {value}" for key, value in (
        ("max_consecutive_days", contract.max_consecutive_days),
        ("min_consecutive_days_off", contract.min_consecutive_days_off),
        ("max_consecutive_weekends", contract.max_consecutive_weekends),
        ("max_weekends_in_horizon", contract.max_weekends_in_horizon)) if value is not None)


def refused_patterns(agent: AgentWeek) -> list[tuple[bool, ...]]:
    """The day patterns (worked or not, per day) whose end state the rule refuses."""
    refused = refused_ends(agent)
    if not refused:
        return []
    patterns = (tuple(bool(bits >> d & 1) for d in range(DAYS)) for bits in range(1 << DAYS))
    return [p for p in patterns if end_state(agent, p) in refused]


class NextWeek(LabourRule):
    name = "next_week_reachable"
    reads = Aspect.DAYS

    def build(self, model: RosterModel) -> list[PenaltyTerm]:
        return build(model)

    def keeps_days(self, agent: AgentWeek, worked: Sequence[bool]) -> bool:
        refused = refused_ends(agent)
        return not refused or end_state(agent, worked) not in refused

    def restricts_days(self, agent: AgentWeek) -> bool:
        return bool(refused_ends(agent))

    def signature(self, agent: AgentWeek) -> Hashable:
        return refused_ends(agent) or None

    def describe(self, agent: AgentWeek) -> str:
        return f"the next week's minimum hours and days reachable after this week ({limiting_keys(agent)})"


RULE = NextWeek()


def build(model: RosterModel) -> list[PenaltyTerm]:
    for agent in model.agents:
        facts = agent_week(model.config, model.week, agent)
        patterns = refused_patterns(facts)
        if not patterns:
            continue
        days = model.days_of(agent)
        works = [model.cp.new_bool_var(f"next_works_{agent.agent_id}_{d}") for d in range(DAYS)]
        for var, day in zip(works, days, strict=True):
            model.cp.add(var == day.works())
        model.cp.add_forbidden_assignments(works, [tuple(int(w) for w in p) for p in patterns])
    return []
