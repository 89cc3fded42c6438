"""Fast explanations of rules that cannot all hold, before any solver runs.

Each check names the agent and the rules in conflict, e.g. ``agent A017: contract full_time needs 36.0 h
but availability, time off and shift templates allow at most 30.0 h``.

Besides the quick checks, each agent's week is checked exactly at the level of days: is there any set of
working days (one of the 2^7 patterns) that keeps every per-day rule of the contract (min and max days,
max consecutive days, min consecutive days off, weekend limit) on days the agent can work (availability,
time off, template weekdays, the contract's earliest start and latest end), and whose shifts can pay between
the weekly minimum and maximum? Rest between shifts and breaks are not looked at, so a plan that passes can
still be infeasible; a plan that fails cannot be rostered. Activities are checked too: every attendee needs a
candidate shift containing the activity on one of its days inside its window (and a meeting's attendees one
such time in common).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations

from scheduler.domain.clock import minute_to_clock
from scheduler.domain.plan import WEEKDAYS, Agent, PlanConfig
from scheduler.domain.shifts import ShiftOption
from scheduler.domain.week import Week
from scheduler.rostering.rules import AGENT_RULES, AgentWeek, LabourRule, agent_week, allowed_options, shift_window
from scheduler.rostering.rules import max_days as max_days_rule
from scheduler.rostering.rules import min_days as min_days_rule
from scheduler.rostering.rules.weekly_hours import minimum_key, paid_range

DAYS = 7
# "availability" stands for the agent's availability, time off, template weekdays and the rules' shift filters
# together; the other day-pattern rules are the registry's (min_days is the demand they are checked against).
AVAILABILITY = "availability"
DAY_LIMITS: tuple[LabourRule, ...] = tuple(r for r in AGENT_RULES if r is not min_days_rule.RULE)
AVAILABILITY_PARTS = ["availability", "time off", "shift template weekdays"]

Pattern = tuple[bool, ...]  # worked or not, per day of the week
PatternRule = str | LabourRule  # AVAILABILITY or a rule of the registry


def _contract_window(facts: AgentWeek) -> list[str]:
    """The contract's own limits on when a shift may lie (``["latest_end 19:00"]``), named in the lines that
    blame availability: they take days and hours away like it."""
    return shift_window.RULE.window_keys(facts)


def _joined(parts: Sequence[str]) -> str:
    """``a, b and c``."""
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


def _options(config: PlanConfig, agent: Agent, week: Week, facts: AgentWeek, day: int) -> list[ShiftOption]:
    return list(allowed_options(config, week, agent, day, facts))


def _all_patterns() -> list[Pattern]:
    return [tuple(bool(bits >> d & 1) for d in range(DAYS)) for bits in range(2 ** DAYS)]


PATTERNS = _all_patterns()


def _keeps(pattern: Pattern, rules: Sequence[PatternRule], facts: AgentWeek, workable: Pattern) -> bool:
    """Whether ``pattern`` keeps each of the given day-pattern rules."""
    return all(all(w or not p for p, w in zip(pattern, workable, strict=True)) if rule == AVAILABILITY
               else rule.keeps_days(facts, pattern) for rule in rules)  # type: ignore[union-attr]


def _sums(paid_by_day: Sequence[frozenset[int]], pattern: Pattern) -> set[int]:
    """Every weekly paid total the worked days of ``pattern`` can add up to (one shift a worked day)."""
    totals = {0}
    for worked, paid in zip(pattern, paid_by_day, strict=True):
        if worked:
            totals = {t + p for t in totals for p in paid}
    return totals


def _active(facts: AgentWeek, workable: Pattern) -> list[PatternRule]:
    """The day-pattern rules that constrain this agent at all (the others cannot be to blame)."""
    return ([AVAILABILITY] if not all(workable) else []) + [r for r in DAY_LIMITS if r.restricts_days(facts)]


def _smallest_blame(active: Sequence[PatternRule],
                    fails: Callable[[Sequence[PatternRule]], bool]) -> list[PatternRule]:
    """The smallest set of active rules that already fails on its own (all of them when none smaller does)."""
    for size in range(1, len(active)):
        for subset in combinations(active, size):
            if fails(subset):
                return list(subset)
    return list(active)


def _describe(rules: Sequence[PatternRule], facts: AgentWeek, day_names: Sequence[str], workable: Pattern) -> str:
    """``rules`` as the subject of "allow(s) at most ...", with their values."""
    available = " ".join(name for name, ok in zip(day_names, workable, strict=True) if ok)
    parts = [f"available days ({available})" if r == AVAILABILITY else r.describe(facts)  # type: ignore[union-attr]
             for r in rules]
    if not parts:  # not reached: the quick checks catch a conflict no day-pattern rule takes part in
        return "the contract's rules allow"
    if len(parts) == 1:
        return parts[0] + (" allow" if rules[0] == AVAILABILITY else " allows")
    return ", ".join(parts[:-1]) + " and " + parts[-1] + " allow"


def _paid_list(paid_by_day: Sequence[frozenset[int]]) -> str:
    return ", ".join(f"{minutes / 60:.1f}" for minutes in sorted(set().union(*paid_by_day)))


def _pattern_conflict(facts: AgentWeek, needed: int, most_minutes: int, paid_by_day: Sequence[frozenset[int]],
                      day_names: Sequence[str]) -> str | None:
    """The exact day-pattern check of one agent's week: why no pattern fits (a line starting with the
    contract), or None when one does. ``paid_by_day`` holds the paid minutes of each day's candidates."""
    workable = tuple(bool(paid) for paid in paid_by_day)
    least_days = min_days_rule.least_days(facts)
    every_rule: list[PatternRule] = [AVAILABILITY, *DAY_LIMITS]

    def keeping(rules: Sequence[PatternRule]) -> list[Pattern]:
        return [p for p in PATTERNS if _keeps(p, rules, facts, workable)]

    kept = [p for p in keeping(every_rule) if sum(p) >= least_days]
    for pattern in sorted(kept, key=sum, reverse=True):  # more days reach the minimum hours more often
        if any(needed <= total <= most_minutes for total in _sums(paid_by_day, pattern)):
            return None

    who = f"contract {facts.contract.contract_id}"
    active = _active(facts, workable)

    def most_days(rules: Sequence[PatternRule]) -> int:
        return max(sum(p) for p in keeping(rules))

    if not kept:
        blame = _smallest_blame(active, lambda rules: most_days(rules) < least_days)
        subject = _describe(blame, facts, day_names, workable)
        return f"{who} needs {least_days} working days (min_days_per_week) but {subject} at most {most_days(blame)}"

    def most_paid(rules: Sequence[PatternRule]) -> int:
        # without the availability rule a day the agent cannot work counts as worked but pays nothing
        return max(sum(max(paid, default=0) for worked, paid in zip(p, paid_by_day, strict=True) if worked)
                   for p in keeping(rules) if sum(p) >= least_days)

    if most_paid(every_rule) < needed:
        blame = _smallest_blame(active, lambda rules: most_paid(rules) < needed)
        if AVAILABILITY in active and AVAILABILITY not in blame:  # the days it cannot work pay nothing
            blame = [AVAILABILITY, *blame]
        subject = _describe(blame, facts, day_names, workable)
        return f"{who} needs {needed / 60:.1f} h but {subject} at most {most_paid(blame) / 60:.1f} h"

    cheapest = min(sum(min(paid) for worked, paid in zip(p, paid_by_day, strict=True) if worked) for p in kept)
    if cheapest > most_minutes:
        return (f"{who} needs {least_days} working days (min_days_per_week) but its shortest shifts on them pay "
                f"{cheapest / 60:.1f} h, above max_weekly_hours {most_minutes / 60:.1f}")
    return (f"{who} has no choice of working days and shifts paying between {needed / 60:.1f} h and "
            f"{most_minutes / 60:.1f} h (shifts pay {_paid_list(paid_by_day)} h)")


def explain_conflicts(config: PlanConfig, week: Week) -> list[str]:
    """Every conflict found, one line each (at most one per agent); empty when none is evident."""
    problems = []
    day_names = [WEEKDAYS[week.day(d).weekday()] for d in range(DAYS)]
    cache: dict[tuple, str | None] = {}
    for agent in config.agents:
        facts = agent_week(config, week, agent)
        contract = facts.contract
        who = f"agent {agent.agent_id}: contract {contract.contract_id}"
        needed, most_minutes = paid_range(facts)
        least_days, most_days = min_days_rule.least_days(facts), max_days_rule.most_days(facts)
        if least_days > most_days:
            problems.append(f"{who} needs {least_days} working days (min_days_per_week) but "
                            f"max_days_per_week is {most_days}")
            continue
        if needed == 0 and least_days == 0:
            continue
        options = [_options(config, agent, week, facts, d) for d in range(DAYS)]
        workable = [day_names[d] for d in range(DAYS) if options[d]]
        if len(workable) < least_days:
            problems.append(f"{who} needs {least_days} working days (min_days_per_week) but "
                            f"{_joined(AVAILABILITY_PARTS + _contract_window(facts))} leave {len(workable)} "
                            f"({', '.join(workable) or 'none'})")
            continue
        per_day = sorted((max((o.paid_minutes for o in day), default=0) for day in options), reverse=True)
        best = sum(per_day[: most_days])
        if best < needed:
            templates = f"shift templates ({', '.join(contract.template_ids)})"
            problems.append(
                f"{who} needs {needed / 60:.1f} h but "
                f"{_joined(['availability', 'time off', f'max {most_days} days', *_contract_window(facts), templates])}"
                f" allow at most {best / 60:.1f} h"
            )
            continue
        smallest = min((o.paid_minutes for day in options for o in day), default=0)
        if smallest > most_minutes:
            problems.append(
                f"{who} allows "
                f"{most_minutes / 60:.1f} h a week but its shortest shift pays {smallest / 60:.1f} h"
            )
            continue
        paid_by_day = tuple(frozenset(o.paid_minutes for o in day) for day in options)
        key = (contract.contract_id, needed, most_minutes, paid_by_day, facts.leave)
        if key not in cache:
            cache[key] = _pattern_conflict(facts, needed, most_minutes, paid_by_day, day_names)
        if cache[key] is not None:
            problems.append(f"agent {agent.agent_id}: {cache[key]}")
    return problems + _activity_conflicts(config, week)


def _activity_conflicts(config: PlanConfig, week: Week) -> list[str]:
    """Attendees with no candidate shift that can contain the activity (on its days, inside its window), and
    meetings whose attendees share no such time; one line each."""
    problems = []
    by_id = {a.agent_id: a for a in config.agents}
    interval = config.interval_minutes
    for activity in config.activities:
        what = (f"activity {activity.activity_id} ({activity.minutes} min, "
                f"{','.join(WEEKDAYS[d] for d in activity.weekdays)} {minute_to_clock(activity.window.start_minute)}"
                f"-{minute_to_clock(activity.window.end_minute)})")
        times: list[set[tuple[int, int]]] = []
        for agent_id in activity.agent_ids:
            agent = by_id[agent_id]
            facts = agent_week(config, week, agent)
            possible: set[tuple[int, int]] = set()
            for day in range(DAYS):
                if week.day(day).weekday() not in activity.weekdays:
                    continue
                options = _options(config, agent, week, facts, day)
                possible.update((day, minute) for minute in activity.start_minutes(interval)
                                if any(o.start_minute <= minute and minute + activity.minutes <= o.end_minute
                                       for o in options))
            if not possible:
                problems.append(f"{what}: agent {agent_id} has no candidate shift containing it (availability, "
                                "time off, shift templates, the contract's earliest start and latest end)")
            times.append(possible)
        if activity.together and all(times) and not set.intersection(*times):
            problems.append(f"{what}: its agents have no time in common at which all of them could attend")
    return problems


def days_no_week_works(config: PlanConfig, week: Week, agent: Agent) -> tuple[frozenset[int], str]:
    """The days the agent has a candidate shift on but no week of theirs works: no set of working days that keeps
    every day-pattern rule of the contract (the look-ahead to the next week's included) and whose shifts can pay
    between the weekly minimum and maximum works them. With the rules to blame, as ``"max_consecutive_days 5 and
    ..."`` (the fewest that already close those days, with the weekly minimum). Empty when the agent has no
    such week at all (``explain_conflicts`` names that) or when every workable day is worked by one. The same
    relaxation as ``explain_conflicts`` (rest and breaks are not looked at), so a day it names is closed in every
    roster: the floor rules' pre-check (``floor_rules.reachable_conflicts``) leaves such days out of their reach."""
    facts = agent_week(config, week, agent)
    needed, most_minutes = paid_range(facts)
    options = [_options(config, agent, week, facts, d) for d in range(DAYS)]
    paid_by_day = tuple(frozenset(o.paid_minutes for o in day) for day in options)
    workable = tuple(bool(paid) for paid in paid_by_day)
    key = (facts.contract, needed, most_minutes, paid_by_day, facts.leave, facts.must_work,
           tuple(rule.signature(facts) for rule in DAY_LIMITS))
    found = _CLOSED.get(key)
    if found is None:
        if len(_CLOSED) > 4096:
            _CLOSED.clear()
        found = _CLOSED[key] = _closed_days(facts, needed, most_minutes, paid_by_day, workable)
    return found


_CLOSED: dict[tuple, tuple[frozenset[int], str]] = {}


def _closed_days(facts: AgentWeek, needed: int, most_minutes: int, paid_by_day: Sequence[frozenset[int]],
                 workable: Pattern) -> tuple[frozenset[int], str]:
    least_days = min_days_rule.least_days(facts)

    def worked_days(rules: Sequence[PatternRule]) -> set[int]:
        days: set[int] = set()
        for pattern in PATTERNS:
            new = {d for d in range(DAYS) if pattern[d]} - days
            if (new and sum(pattern) >= least_days and _keeps(pattern, rules, facts, workable)
                    and any(needed <= total <= most_minutes for total in _sums(paid_by_day, pattern))):
                days |= new
        return days

    every_rule: list[PatternRule] = [AVAILABILITY, *DAY_LIMITS]
    worked = worked_days(every_rule)
    closed = frozenset(d for d in range(DAYS) if workable[d] and d not in worked)
    if not worked or not closed:
        return frozenset(), ""
    active = [r for r in DAY_LIMITS if r.restricts_days(facts)]
    blame = _smallest_blame(active, lambda rules: not closed & worked_days([AVAILABILITY, *rules]))
    hours = minimum_key(facts) if needed else ""
    parts = [p for p in (hours, *(r.describe(facts) for r in blame)) if p]  # type: ignore[union-attr]
    return closed, _joined(parts)
