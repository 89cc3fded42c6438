"""Solve the roster: a proven lower bound, a start rounded from the LP, local search, then large-neighbourhood
search.

1. **Bound.** The LP of the aggregate problem (``search.lower_bound``: agent classes, weekly patterns, break
   counts) and a counting bound (``simple_lower_bound``); the gap in ``kpis.json`` is measured against the larger.
2. **Start.** The LP's plan is rounded to agents (``search.lp_start``); agents whose rounded week breaks one of
   their rules are rostered one at a time against the rest (``search.sequential``). For plain interval cover it
   is also rounded day by day to keep its cover (``search.cover_rounding``); the better roster is the start.
3. **Local search** (``search.polish``): break, start and day moves scored exactly, from the rounded roster,
   restarted with a second seed while its share of the budget lasts, then from crossovers of the best roster and
   another run's while they fit (``search.restarts``); in deterministic mode with ``solver.workers`` above 1 (at 100
   agents or more, plain interval cover), forked workers do more runs on the other cores, each with its own budget
   and seeds, their rosters added to the pool before the crossovers (``search.parallel_runs``). If cover still
   falls short, agent-by-agent re-rostering passes add hours, and the local search runs again.
4. **Improve.** Large-neighbourhood search: a few agents' whole weeks, or one day of many agents sharing a queue,
   are freed, everyone else's cover is fixed as constants, and CP-SAT re-optimises the freed agents from the
   current roster as a complete hint. A roster is kept when its exact objective, evaluated from the roster itself
   by max-flow, improves.

At many queues (more than ``subset_bound.FULL_LP_MAX_SKILL_SETS`` skill sets), or when the full LP is predicted
too large or the wall clock cuts it, the bound and the start come from the LP of the centre with its queues merged
into groups (``search.subset_bound``: a relaxation, so still a proven bound).

With the proficiency-weighted cover (``rostering.effective_cover``) the bound is the weighted LP's
(``search.weighted_bound``) and the start the head-counting LP's, aimed at requirements inflated by the skilled
agents' mean proficiency (``search.weighted_start``), polished by heads then by the weighted cover.

Without any LP (GLOP failed, or its predicted work is over its share of the limit), the start is
agent-by-agent and no-break relaxation rounds (CP-SAT, breaks then placed greedily by
``rostering.break_placement``) add a second start and CP-SAT's bound; the local search then polishes the best.

Each neighbourhood model holds only the freed agents' variables, so the work per step does not grow with the
centre. In deterministic mode every solve is single-threaded and bounded by CP-SAT's deterministic time
(work units, not seconds) and the work outside CP-SAT is charged in the same units, so the same input and seed
give the same roster on a loaded machine.
"""

from __future__ import annotations

import functools
import math
import sys
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, TextIO

import numpy as np
import ortools
from ortools.sat.python import cp_model

from scheduler.diagnose.centre import explain_no_roster, solve_hard_rules
from scheduler.domain.plan import Agent, PlanConfig
from scheduler.domain.roster import Roster, ShiftAssignment
from scheduler.domain.shifts import candidate_span, shift_options
from scheduler.domain.week import Week
from scheduler.errors import InfeasibleError
from scheduler.rostering import effective_cover
from scheduler.rostering.activities import activities_kept, activity_overstaffing_credit, schedule_meetings
from scheduler.rostering.break_placement import place_breaks
from scheduler.rostering.coverage import allocate, on_break_counts, on_floor_by_skills
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import PenaltyTerm, RosterModel, read_roster
from scheduler.rostering.rules import (
    RULES,
    SOFT_RULE_MODULES,
    agent_week,
    break_cap,
    deadline_cover,
    floor_rules,
    weekly_service_level,
)
from scheduler.rostering.rules.weekly_hours import paid_range
from scheduler.rostering.search import (
    cover_rounding,
    day_replan,
    floor_repair,
    lp_size,
    parallel_runs,
    queue_shortage,
    scarce_pairs,
    short_interval_lns,
    weekly_start,
    weighted_start,
)
from scheduler.rostering.search.lower_bound import SHARED_BREAKS_ABOVE_SKILL_SETS, AggregateSolution, solve_charged
from scheduler.rostering.search.lp_start import lp_weeks
from scheduler.rostering.search.polish import polish
from scheduler.rostering.search.restarts import (
    CROSSOVER_FIRST_GUESS,
    CROSSOVER_MIN_LEFT,
    MAX_CROSSOVERS,
    crossover,
    restart_fits,
)
from scheduler.rostering.search.sequential import BlockedByOthers, sequential_roster
from scheduler.rostering.search.subset_bound import COARSER, capped_bound, many_skill_sets, skill_sets, solve_merged
from scheduler.rostering.search.subset_bound import LP_SHARE as MERGED_LP_SHARE
from scheduler.rostering.search.week_merge import applies as merge_applies
from scheduler.rostering.search.week_merge import merge as merge_pool
from scheduler.rostering.search.weighted_bound import weighted_bound
from scheduler.rostering.stopping import WALL_CLOCK, Stop, new_solver

# Why the search ended, besides the ``stopping`` reasons: its deterministic budget ran out, or it proved optimal.
BUDGET, OPTIMAL = "budget", "optimal"
_P = ParamSpec("_P")

# Share of the time limit the merged-queue bound after the search (``capped_bound_after_search``) may take in predicted
# LP work, each LP alone (at 150 x 8: about 1 s of CPU for the shortages' LPs and 1 s for the LP, 60-s limit).
BOUND_AFTER_SEARCH_SHARE = 0.05

# Deterministic work units CP-SAT spends per wall-clock second on this class of machine (measured on the
# 2-core CI machine); turns the configured seconds into a reproducible deterministic-time budget.
DETERMINISTIC_UNITS_PER_SECOND = 0.33
# Share of the time limit the deterministic budget aims at: the rest is room for the machine's own speed
# (the same work took 0.87-1.22x its idle time from one run to the next) and for work charged below its cost, so a
# completed budget ends inside the limit on an idle machine (``search.restarts``, README "Quality on unseen
# centres"). Set with ``benchmarks/budget_calibration.py`` so that a completed budget's CPU time is about 0.7 of
# the limit (median over its centres) and at most 0.85 (README "Budget calibration").
BUDGET_SHARE_OF_LIMIT = 0.8
# Share of the budget for each no-break relaxation round (bound and shifts).
FIRST_ROUND_SHARE = 0.45
ROUND_SHARE = 0.12
# Relaxation rounds at most; each after the first pads the requirement with the shortfall that placing breaks
# caused. Rounds stop when the budget left falls to the reserve kept for neighbourhood search.
MAX_ROUNDS = 6
LNS_RESERVE_SHARE = 0.1
# Without the LP: share of the budget for the local search on the agent-by-agent start (the best start gets
# another after the relaxation rounds, with what they leave beyond the neighbourhoods' reserve).
NO_LP_POLISH_SHARE = 0.25
# Re-rostering passes of the sequential start, while its spending stays within its share of the budget.
SEQUENTIAL_PASSES = 3
SEQUENTIAL_SHARE = 0.35
# Share of the budget left (at least of SEQUENTIAL_BUILD_LEAST of the budget) the agent-by-agent start's build may
# spend on the agents' own CP-SAT models: once the agents left would not fit at its pace, each gets the model without
# breaks, and once it is spent the agents left take copies of weeks already rostered (``search.copied_weeks``; a floor
# rule's agents keep their own model), so the first roster of a large centre leaves the local search budget (README
# *Levels*, "100-300 agents with levels").
SEQUENTIAL_BUILD_SHARE = 0.6
SEQUENTIAL_BUILD_LEAST = 0.35
# Local-search runs from the rounded LP roster (each with its own seed), while their spending stays within
# their share of the budget.
POLISH_STARTS = 100
POLISH_SHARE = 0.8
# Whether the budget no further run from the rounded roster fits goes first to crossover restarts: the best
# roster with half its agents' weeks taken from another run's (``search.restarts.crossover``), polished again.
CROSSOVER_RESTARTS = True
# Whether the LP is also rounded day by day to keep its cover (``search.cover_rounding``); the better of the two
# rounded rosters is the local search's start.
COVER_ROUNDING = True
# Whether the local-search runs from the rounded roster alternate their start: every second run starts from the
# cover-kept rounding with its patterns dealt the other way (``cover_rounding.EXACT_DEALING``: greedily for the
# start, by the integer program for the alternate), built when the first such run starts and charged to the budget.
# The runs end in different local optima, and which start's optimum is better differs from centre to centre; a run
# from the integer dealing can also stall with cover short (README "An exact dealing of the LP's patterns").
ALTERNATE_DEALING = True
# A forked worker's runs take the starts one further than the main process's (its first from the other dealing,
# where the main's first is from the rounded roster): at 60 s each process often fits one run, and the two runs
# from the same start ended at the same objective (README "The two fresh worst seeds at 150 x 3").
WORKER_START_OFFSET = 1
# Whether, after the crossover restarts, one week per agent is picked from the runs' rosters by an exact model of
# the objective (``search.week_merge``, within WEEK_MERGE_SECONDS), and the merged roster polished again. Off: on the
# worst 150-agent seeds the merge of the runs' rosters found no better roster (README "Merging the runs' local
# optima").
WEEK_MERGE = False
WEEK_MERGE_SECONDS = 3.0
# Agents freed together in one neighbourhood.
NEIGHBOURHOOD_AGENTS = 4
# Agents freed on one day in a day neighbourhood.
DAY_NEIGHBOURHOOD_AGENTS = 10
# Budget of one neighbourhood solve, in seconds (deterministic units in deterministic mode).
NEIGHBOURHOOD_SECONDS = 1.0
# Work outside CP-SAT, charged to the budget in deterministic units (CPU time measured with
# ``time.process_time`` on the 2-core CI machine, at DETERMINISTIC_UNITS_PER_SECOND) so a deterministic run's CPU
# time stays close to its limit: the aggregate LP by its size (``lower_bound.lp_work``), the check of each
# agent's rounded LP week, the evaluation of one neighbourhood step, and building, hinting and presolving a
# neighbourhood's model per variable and constraint (beyond CP-SAT's own deterministic time, which does not
# count them). Each in units: per agent whose rounded week is checked; per neighbourhood step (choosing it and
# evaluating the roster it gives); per variable and constraint of a neighbourhood's (or relaxation round's) model.
# The last was raised 1.5x when the neighbourhoods, where they ran long (example at 45 s, 150 x 3 at 60 s, 80
# agents with levels), took 1.13-1.45x the CPU they were charged while the LP and local search took 0.8-1.2x.
WEEK_CHECK_UNITS_PER_AGENT = 0.003
STEP_OVERHEAD_UNITS = 0.02
NEIGHBOURHOOD_UNITS_PER_ROW = 2.7e-5
# Share of the budget (predicted, deterministic) and of the wall-clock cap the aggregate LP may take; a larger LP
# is left out for the agent-by-agent start.
LP_SHARE = 0.5
LP_WALL_SHARE = 0.5
# Least share of the time limit, in seconds, for the fall-back to a roster of the hard rules alone (and the
# centre-wide diagnosis) when the search found no roster that keeps them all.
FALLBACK_SHARE = 0.25
# Whether the weighted solve's aimed start, when it breaks a hard floor rule, is repaired by CP-SAT on the rule's
# agents (``search.floor_repair``) rather than dropped for the agent-by-agent start (README *Levels*).
AIMED_FLOOR_REPAIR = True
# Seconds (deterministic units in deterministic mode) of each CP-SAT solve of the floor repair run once more when
# the search ends with a hard floor or ratio rule still short, before the hard rules alone are tried (0: not run).
# A rolling horizon's week whose 14 leads' repair found nothing in 0.66 units (``floor_repair.SECONDS``) was
# solved to optimality in 2.0 (README "The sweep's lead-rule failures re-run").
LAST_FLOOR_REPAIR_SECONDS = 10.0
# Whether the LP start's agent-by-agent completion (the agents whose rounded week breaks a rule of theirs) keeps to
# the budget left: once they would not fit it at the pace of their full models, the rest get the model without
# breaks (``sequential_roster``'s ``build_units_left``). On a 24-hour centre most rounded weeks break a rest rule,
# and the completion alone took 2.3 times the week's budget (README "The LP start's completion within the budget").
LP_BUILD_WITHIN_BUDGET = True
# Whether the weighted solve's aimed start (``search.weighted_start``) takes the heads LP with its queues merged
# (``search.subset_bound``, at most WEIGHTED_MERGED_START_SKILL_SETS skill sets) when the centre has more skill sets,
# instead of the full heads LP (about 23 s of predicted work at 151 agents x 10 queues, 20 skill sets). Off: its
# rounded start was far worse there (objective 116,016 -> 222,668.5 at 84 s; +8.3% on 198 x 10, -2.6% on 250 x 8;
# no better at 21 s, where the full LP does not fit: README *Levels*, "150 agents x 10 queues").
WEIGHTED_MERGED_START = False
WEIGHTED_MERGED_START_SKILL_SETS = COARSER[1]
# Whether the weighted solve, before its random neighbourhoods, re-plans the weeks of the agents who could cover its
# short intervals (``search.short_interval_lns``). Off: on ten centres of 25 and 40 agents with levels it found no
# better roster at 45 s (README *Levels*, "Neighbourhoods aimed at the short intervals").
SHORT_INTERVAL_SEARCH = False
# Whether an under-staffed roster of a centre with more than SHARED_BREAKS_ABOVE_SKILL_SETS skill sets, after its
# local-search runs, re-plans the days of its short queues' few able agents each with one companion from a queue they
# share (``search.scarce_pairs``), in SCARCE_PAIRS_SHARE of the budget kept back from the runs for them. Off: at 150 x 8
# (706842, 60 s) the runs' lost share cost more than the pairs found (66,826 -> 70,948; 594129 at 80 x 8 unchanged:
# README "The scarce queues' shortage at 8 queues").
SCARCE_PAIRS = False
SCARCE_PAIRS_SHARE = 0.2
# Extra CP-SAT parameters for every solve (tuning knob for benchmarks).
SUBSOLVER_PARAMETERS: dict[str, object] = {}


@dataclass(frozen=True)
class SolveStats:
    """What the solver did: status, objective and proven bound in penalty units, relative gap, wall time."""

    status: str
    objective: float
    best_bound: float
    gap: float
    seconds: float
    seed: int
    workers: int
    deterministic: bool
    ortools_version: str
    first_roster_seconds: float = math.nan  # wall time to the first complete roster
    budget_completed: bool = True  # False when the wall-clock cap or an interrupt cut the search short
    stopped_by: str = "budget"  # "budget", "optimal", "wall_clock" or "interrupt"


@dataclass(frozen=True)
class RuleCost:
    rule: str
    amount: float
    unit: str
    weight: int
    penalty: float


@dataclass(frozen=True)
class ScheduleResult:
    roster: Roster
    stats: SolveStats
    costs: tuple[RuleCost, ...]


def _gap(objective: float, bound: float) -> float:
    return 0.0 if objective <= bound else (objective - bound) / max(abs(objective), 1e-9)


def build_model(
    instance: Instance,
    *,
    with_breaks: bool = True,
    agents: Sequence[Agent] | None = None,
    fixed_on_floor: dict[tuple[str, ...], np.ndarray] | None = None,
    with_coverage: bool = True,
    fixed_on_break: np.ndarray | None = None,
    fixed_floor_counts: dict[str, np.ndarray] | None = None,
) -> tuple[RosterModel, list[PenaltyTerm], int]:
    """The model with every rule and its objective; returns the objective's integer scale too.

    ``with_coverage=False`` keeps only each agent's own rules (a tiny model whose solution is a valid start)."""
    model = RosterModel(instance, with_breaks=with_breaks, agents=agents,
                        fixed_on_floor=fixed_on_floor, fixed_on_break=fixed_on_break,
                        fixed_floor_counts=fixed_floor_counts)
    terms: list[PenaltyTerm] = []
    for name, rule in RULES:
        if with_coverage or name not in ("coverage", weekly_service_level.NAME):
            terms.extend(rule(model))
    scale = math.lcm(*(t.divisor for t in terms))
    model.cp.minimize(cp_model.LinearExpr.sum([t.expression * (t.weight * scale // t.divisor) for t in terms]))
    return model, terms, scale


class _Budget:
    """Time left, counted in CP-SAT deterministic units (deterministic mode) or wall-clock seconds; none once
    ``stop`` says the wall-clock cap has passed or an interrupt came."""

    def __init__(self, seconds: float, deterministic: bool, stop: Stop) -> None:
        self.deterministic, self.stop = deterministic, stop
        self.total = seconds * DETERMINISTIC_UNITS_PER_SECOND * BUDGET_SHARE_OF_LIMIT if deterministic else seconds
        self.used = 0.0
        self.held = 0.0  # kept back for a later phase (``search.day_replan``): not left to the phases before it
        self._start = time.monotonic()

    def left(self) -> float:
        if self.stop.stopped():
            return 0.0
        used = self.used if self.deterministic else time.monotonic() - self._start
        return max(0.0, self.total - used - self.held)

    def new_solver(self, seconds: float, threads: int, seed: int) -> cp_model.CpSolver:
        solver = new_solver()
        solver.parameters.num_workers = threads
        solver.parameters.random_seed = seed
        for name, value in SUBSOLVER_PARAMETERS.items():
            setattr(solver.parameters, name, value)
        amount = max(0.01, min(self.left(), seconds * (DETERMINISTIC_UNITS_PER_SECOND if self.deterministic else 1)))
        if self.deterministic:
            solver.parameters.max_deterministic_time = amount
            solver.parameters.max_time_in_seconds = 10 * amount / DETERMINISTIC_UNITS_PER_SECOND  # safety net
        else:
            solver.parameters.max_time_in_seconds = amount
        return solver

    def charge(self, solver: cp_model.CpSolver) -> None:
        self.spend(solver.response_proto.deterministic_time)

    def spend(self, units: float) -> None:
        """Charge deterministic units (only deterministic mode counts them; wall-clock mode reads the clock)."""
        self.used += units


def evaluate(instance: Instance, roster: Roster,
             exact: Callable[[dict[tuple[str, ...], np.ndarray]], deadline_cover.ExactCover] | None = None,
             ) -> tuple[RuleCost, ...]:
    """The objective's terms for a roster, computed from the roster (max-flow cover), as the model defines them;
    with deadline queues their min-cost flow by ``exact`` (default a fresh ``deadline_cover.exact_cover``)."""
    config, week, requirements = instance.config, instance.week, instance.requirements
    queue_ids = list(instance.queue_ids)
    on_floor = on_floor_by_skills(config, week, roster)
    scheduled = allocate(requirements, on_floor, queue_ids)
    covered = int(np.minimum(scheduled, requirements).sum())
    under: float = int(requirements.sum()) - covered
    over: float = int(sum(int(v.sum()) for v in on_floor.values())) - covered
    if effective_cover.weighted(config):  # average agents, proficiency-weighted (``rostering.effective_cover``)
        under, over = effective_cover.cover_cost(config, week, roster, requirements)
    paid_hours = sum(s.paid_minutes for s in roster.shifts) / 60
    weights = config.weights
    deadline: tuple[RuleCost, ...] = ()
    if instance.deadlines:  # deferred queues covered cumulatively: the best allocation is a min-cost flow
        exact_of = exact if exact is not None else functools.partial(deadline_cover.exact_cover, instance)
        best = exact_of(on_floor)
        under, over = best.under, best.over
        deadline = (RuleCost(deadline_cover.NAME, best.overdue, deadline_cover.UNIT,
                             weights.understaffed_agent_interval, best.overdue * weights.understaffed_agent_interval),
                    RuleCost(*deadline_cover.cushion_cost(best, weights)))
    return (
        RuleCost("understaffing", under, "agent-interval", weights.understaffed_agent_interval,
                 under * weights.understaffed_agent_interval),
        RuleCost("overstaffing", over, "agent-interval", weights.overstaffed_agent_interval,
                 over * weights.overstaffed_agent_interval),
        RuleCost("paid_hours", paid_hours, "paid hour", weights.paid_hour, paid_hours * weights.paid_hour),
        *(_soft_cost(module, config, week, roster) for module in SOFT_RULE_MODULES),
        *(RuleCost(rule, amount, unit, weight, amount * weight)
          for rule, amount, unit, weight in floor_rules.costs(config, week, roster)),
        *((RuleCost(*weekly_service_level.cost(instance.service_curves, config, on_floor)),)
          if instance.service_curves is not None else ()),
        *deadline,
    )


def _soft_cost(module, config: PlanConfig, week: Week, roster: Roster) -> RuleCost:
    amount = module.amount(config, week, roster.shifts) / module.DIVISOR
    return RuleCost(module.RULE, amount, module.UNIT, module.weight(config), amount * module.weight(config))


def simple_lower_bound(instance: Instance) -> float:
    """A bound no roster can beat, from counting alone: every agent is paid at least their contract's minimum
    (less time-off credit) and spends at least that share of it on the floor, beyond the total requirement
    that floor time is over-staffing; and a queue's requirement in a slot beyond the agents skilled for it
    who are available then stays uncovered."""
    config, week, requirements = instance.config, instance.week, deadline_cover.live_requirements(instance)
    weights = config.weights
    paid_minutes = 0
    floor_minutes = 0.0
    available = np.zeros_like(requirements)
    index = {q.queue_id: i for i, q in enumerate(config.queues)}
    proficient = effective_cover.weighted(config)
    worth = np.zeros(requirements.shape, dtype=np.int64)
    for agent in config.agents:
        contract = config.contract(agent.contract_id)
        minimum = paid_range(agent_week(config, week, agent))[0]
        paid_minutes += minimum
        templates = [config.template(t) for t in contract.template_ids]
        floor_share = min((t.length_minutes - sum(b.minutes for b in t.breaks)) / t.paid_minutes for t in templates)
        floor_minutes += minimum * floor_share
        for day in range(7):
            span = candidate_span(config, agent, week, day)
            if span is None:
                continue
            first, last = span
            for skill in agent.skills:
                available[index[skill], first:last] += 1
                if proficient:  # hundredths of an average agent (``rostering.effective_cover``)
                    worth[index[skill], first:last] += effective_cover.hundredths(agent, skill)
    uncovered: float = int(np.maximum(requirements - available, 0).sum())
    if proficient:
        short = int(np.maximum(effective_cover.SCALE * requirements.astype(np.int64) - worth, 0).sum())
        uncovered = short / effective_cover.SCALE
    useful = int(requirements.sum()) + sum(q.upper[-1] for q in instance.deadlines if q.upper)  # at most
    surplus = max(0, math.ceil(floor_minutes / config.interval_minutes - 1e-9) - useful)
    return (uncovered * weights.understaffed_agent_interval + surplus * weights.overstaffed_agent_interval
            + paid_minutes / 60 * weights.paid_hour)


def within_break_cap(config: PlanConfig, week: Week, roster: Roster) -> bool:
    cap = break_cap.cap(config)
    return cap is None or int(on_break_counts(week, roster).max(initial=0)) <= cap


def _total(costs: Sequence[RuleCost]) -> float:
    return float(sum(c.penalty for c in costs))


class _Roster:
    """The current roster by agent, with each agent's on-floor slots for fast constant sums."""

    def __init__(self, config: PlanConfig, week: Week) -> None:
        self.config, self.week = config, week
        self.shifts: dict[str, tuple[ShiftAssignment, ...]] = {}
        self.on_floor: dict[str, np.ndarray] = {}
        self.on_break: dict[str, np.ndarray] = {}
        proficient = effective_cover.weighted(config)  # proficiencies: cover groups per proficiency vector too
        self.skills = {a.agent_id: effective_cover.cover_key(a, proficient) for a in config.agents}

    def set(self, agent_id: str, shifts: tuple[ShiftAssignment, ...]) -> None:
        self.shifts[agent_id] = shifts
        counts = on_floor_by_skills(self.config, self.week, Roster(shifts))
        self.on_floor[agent_id] = next(iter(counts.values())) if counts else np.zeros(self.week.slot_count, np.int64)
        self.on_break[agent_id] = on_break_counts(self.week, Roster(shifts))

    def fixed_on_break(self, excluded: Collection[str]) -> np.ndarray:
        total = np.zeros(self.week.reach_slot_count, np.int64)
        for agent_id, counts in self.on_break.items():
            if agent_id not in excluded:
                total += counts
        return total

    def fixed_on_floor(self, excluded: Collection[str]) -> dict[tuple[str, ...], np.ndarray]:
        fixed: dict[tuple[str, ...], np.ndarray] = {}
        for agent_id, counts in self.on_floor.items():
            if agent_id not in excluded:
                skills = self.skills[agent_id]
                fixed[skills] = fixed.get(skills, 0) + counts
        return fixed

    def fixed_floor_counts(self, excluded: Collection[str]) -> dict[str, np.ndarray]:
        """Each floor or ratio rule's count of the agents not ``excluded`` (``rules.floor_rules``)."""
        return floor_rules.fixed_counts(self.config, self.week, self.on_floor, set(excluded), self.all_shifts())

    def all_shifts(self) -> Iterator[ShiftAssignment]:
        return (s for shifts in self.shifts.values() for s in shifts)

    def roster(self) -> Roster:
        shifts = [s for agent_id in sorted(self.shifts) for s in self.shifts[agent_id]]
        return Roster(tuple(sorted(shifts, key=lambda s: (s.agent_id, s.date))))


def _weekly_memo_restored(solve: Callable[Concatenate[Instance, _P], ScheduleResult]
                          ) -> Callable[Concatenate[Instance, _P], ScheduleResult]:
    """``solve``, leaving the weekly curves' memo of answered contacts as it found it: the weekly scoring charges the
    allocations it computes, not those it finds memoised, so a solve's budget would otherwise depend on the solves of
    the same instance before it (README issue 18)."""

    @functools.wraps(solve)
    def restored(instance: Instance, *args: _P.args, **kwargs: _P.kwargs) -> ScheduleResult:
        memo = None if instance.service_curves is None else instance.service_curves.memo
        kept = None if memo is None else dict(memo)
        try:
            return solve(instance, *args, **kwargs)
        finally:
            if memo is not None and kept is not None:
                memo.clear()
                memo.update(kept)

    return restored


@_weekly_memo_restored
def solve_roster(
    instance: Instance,
    *,
    time_limit_seconds: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: TextIO | None = sys.stderr,
    stop: Stop | None = None,
    bound_after_search: bool = True,
) -> ScheduleResult:
    """Roster the instance's week against its requirements.

    ``bound_after_search``: prove the capped merged-queue bound after the search where it applies
    (``capped_bound_after_search``); off where the caller proves its own bound (a week of a horizon with carry-in).

    ``stop`` ends the search early with the best roster found (an interrupt, or its wall-clock cap, by default
    the time limit counted from here; ``wfm plan`` and ``wfm schedule`` always pass one): every phase checks it,
    GLOP is interrupted by it, and a first complete roster still being built when it comes is finished from
    copies of weeks already rostered (``search.copied_weeks``). Without a ``stop``, a deterministic
    solve has no wall-clock cap, so a library caller (and the test suite) gets the same roster for the same
    input and seed however loaded the machine is; a wall-clock-mode solve is capped at the limit."""
    started = time.monotonic()
    settings = instance.config.solver
    limit = settings.time_limit_seconds if time_limit_seconds is None else time_limit_seconds
    stop = Stop().start(None if settings.deterministic else limit) if stop is None else stop.start(limit)
    instance = instance.with_config(schedule_meetings(instance))  # meeting times first: every model agrees
    config, week, requirements = instance.config, instance.week, instance.requirements
    seed = settings.seed if seed is None else seed
    threads = 1 if settings.deterministic else (settings.workers if workers is None else workers)
    budget = _Budget(limit, settings.deterministic, stop)
    recorded_workers = threads  # (the processes of the local-search runs, when they use more than one)
    units_per_second = DETERMINISTIC_UNITS_PER_SECOND if settings.deterministic else None  # fall-back solves

    last_line: list[tuple[str, float, float]] = []  # the last progress line, so repeats are not printed again

    def report(phase: str, objective: float, bound: float) -> None:
        if progress is not None and last_line != [(phase, objective, bound)]:
            last_line[:] = [(phase, objective, bound)]
            print(f"[schedule:{phase}] {time.monotonic() - started:6.1f}s  objective {objective:,.1f}  "
                  f"bound {bound:,.1f}  gap {_gap(objective, bound):.2%}", file=progress, flush=True)

    agents = list(config.agents)
    current = _Roster(config, week)
    costs: tuple[RuleCost, ...]
    objective, costs = math.inf, ()
    first_roster_seconds = math.nan
    refused: dict[tuple[str, str], int] = {}  # rejected rosters by phase and reason: one progress line each

    exact_covers = deadline_cover.ExactCovers(instance)  # a kept roster is scored, then its searches retargeted

    def keep_if_better(roster: Roster, phase: str) -> None:
        nonlocal objective, costs, first_roster_seconds
        why = ("over the break cap" if not within_break_cap(config, week, roster)
               else "activities misplaced" if config.activities and not activities_kept(config, roster) else None)
        if why is not None:
            refused[phase, why] = refused.get((phase, why), 0) + 1
            if refused[phase, why] == 1:
                report(f"{phase} ({why}, not kept)", math.inf, bound)
            return
        candidate = evaluate(instance, roster, exact_covers)
        if _total(candidate) < objective:
            if not math.isfinite(objective):
                first_roster_seconds = time.monotonic() - started
            objective, costs = _total(candidate), candidate
            for agent in agents:
                current.set(agent.agent_id, tuple(s for s in roster.shifts if s.agent_id == agent.agent_id))
        report(phase, _total(candidate), bound)

    def searched(roster: Roster) -> Instance:
        """What the per-interval searches score against: the instance, or with deadline queues its restriction
        to the roster's best deferred plan (``rules.deadline_cover.retarget``)."""
        if not instance.deadlines:
            return instance
        return deadline_cover.retarget(instance, exact_covers(on_floor_by_skills(config, week, roster)).heads)

    def hard_rules_alone() -> cp_model.CpSolverStatus:
        """CP-SAT on the hard rules alone with what is left of the budget (at least the fallback share of the
        limit); a roster it finds is kept if better. Returns its status."""
        seconds = max(budget.left() / (DETERMINISTIC_UNITS_PER_SECOND if budget.deterministic else 1),
                      limit * FALLBACK_SHARE)
        status, model, solver = solve_hard_rules(instance, seconds, seed=seed,
                                                 units_per_second=units_per_second, stop=stop)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            keep_if_better(read_roster(model, solver), "hard rules alone")
        return status

    bound = simple_lower_bound(instance)
    lp_timed_out: list[bool] = []  # the wall clock, not the budget, ended the LP: the run is not reproducible
    # every LP of the start together within LP_WALL_SHARE of the wall clock left now (each one's share of what the
    # one before left added up to three quarters of it: a levels week on a busy machine left its start a quarter)
    lp_wall_end = time.monotonic() + LP_WALL_SHARE * stop.seconds_left()

    def lp_wall_left() -> float:
        return max(0.0, lp_wall_end - time.monotonic())

    def merged_lp(max_skill_sets: int | None = None) -> AggregateSolution | None:
        """The LP of the centre with its queues merged (``subset_bound``), charged to the budget."""
        return solve_merged(instance, seconds=lp_wall_left(),
                            max_work_seconds=MERGED_LP_SHARE * limit, on_time_out=lambda: lp_timed_out.append(True),
                            max_skill_sets=max_skill_sets,
                            spend_seconds=lambda seconds: budget.spend(seconds * DETERMINISTIC_UNITS_PER_SECOND),
                            stop=stop)

    pattern_counts = lp_size.PatternCounts()  # the weekly patterns, counted once for both LPs' size floors
    if effective_cover.weighted(config):  # proficiency-weighted cover: the agent-by-agent start (README, *Levels*)
        aggregate = None
        weighted_lp = weighted_bound(instance, limit, wall_seconds=lp_wall_left(),
                                     spend_seconds=lambda s: budget.spend(s * DETERMINISTIC_UNITS_PER_SECOND),
                                     on_time_out=lambda: lp_timed_out.append(True), stop=stop,
                                     counts=pattern_counts)
        if weighted_lp is not None and weighted_lp > bound:  # the LP's proven bound, when it fits its share
            bound = weighted_lp
            report("bound", math.inf, bound)
    elif many_skill_sets(instance):  # the full LP would take minutes: the LP of merged queues
        aggregate = merged_lp()
    else:
        factor = weekly_start.lp_work_factor(instance)  # the weekly mode's LP takes GLOP longer than its size says
        # (the weekly mode's LP predicted over its share from its size's floor is not built, at the centres whose
        # merged-queue start below applies: ``search.lp_size``; at 60 x 3 skipping it changed rosters for the worse)
        many = skill_sets(instance) > COARSER[1]  # (where the merged-queue start below applies)
        skip = many and lp_size.weekly_lp_over(instance, LP_SHARE * limit)
        aggregate = None if skip else _charged_lp(
            instance, LP_SHARE * limit, budget, stop, lp_timed_out, factor, lp_wall_left())
        if aggregate is None and instance.service_curves is not None and not lp_timed_out:
            # the weekly mode: the per-interval LP's start (past 8 skill sets at most the merged LP's share: there
            # the lean LP at half the limit left the search too little to meet the weekly targets, README issue 18)
            aggregate = weekly_start.interval_lp_start(
                instance, seconds=lp_wall_left(),
                max_work_seconds=(MERGED_LP_SHARE if many else LP_SHARE) * limit,
                on_time_out=lambda: lp_timed_out.append(True),
                spend_seconds=lambda seconds: budget.spend(seconds * DETERMINISTIC_UNITS_PER_SECOND), stop=stop)
            if aggregate is None and not lp_timed_out and many:
                # that one over its share too: the merged-queue LP of the same lean requirement (``search.lp_size``)
                aggregate = lp_size.merged_lean_start(
                    instance, seconds=lp_wall_left(), max_work_seconds=MERGED_LP_SHARE * limit,
                    max_skill_sets=COARSER[1], on_time_out=lambda: lp_timed_out.append(True),
                    spend_seconds=lambda seconds: budget.spend(seconds * DETERMINISTIC_UNITS_PER_SECOND), stop=stop)
        elif aggregate is None and skill_sets(instance) > (fewer := COARSER[-1] if lp_timed_out else COARSER[1]):
            # too large, or cut by a busy machine's clock: the LP of merged queues (fewer skill sets, smaller)
            aggregate = merged_lp(fewer)
    if aggregate is not None and aggregate.bound > bound:
        bound = aggregate.bound
        report("bound", math.inf, bound)
    # the LP shared its breaks between skill sets, or merged queues, or none was solved: the capped merged-queue LP,
    # after the search, may prove more (``capped_bound_after_search``)
    bound_after = bound_after_search and queue_shortage.applies(instance) and (
        aggregate is None or skill_sets(instance) > SHARED_BREAKS_ABOVE_SKILL_SETS)
    bound -= activity_overstaffing_credit(config)  # both bounds above leave activities on the floor
    if config.replan is not None:  # re-planning: the published roster itself, where it still keeps every rule
        published = _published_roster(instance, stop)
        if published is not None:
            keep_if_better(published, "published")

    lp_instance = instance  # what the LP start plans against
    if effective_cover.weighted(config):  # the head-counting LP aimed at the weighted cover (``weighted_start``)
        lp_instance = weighted_start.heads_instance(instance)
        # (its bound is the heads problem's, not the weighted one's: not taken)
        if WEIGHTED_MERGED_START and skill_sets(lp_instance) > WEIGHTED_MERGED_START_SKILL_SETS:
            # many skill sets: the heads LP with its queues merged (``subset_bound``), seconds instead of a quarter
            # of the limit, leaving the weighted local search the rest
            aggregate = solve_merged(
                lp_instance, seconds=lp_wall_left(), max_work_seconds=MERGED_LP_SHARE * limit,
                on_time_out=lambda: lp_timed_out.append(True), max_skill_sets=WEIGHTED_MERGED_START_SKILL_SETS,
                spend_seconds=lambda seconds: budget.spend(seconds * DETERMINISTIC_UNITS_PER_SECOND), stop=stop)
        elif stop.stopped() or not lp_size.lp_over(lp_instance, LP_SHARE * limit, spend_seconds=lambda seconds: (
                budget.spend(seconds * DETERMINISTIC_UNITS_PER_SECOND)), counts=pattern_counts):
            # one over its share before it is built: not built; past the wall cap not counted (``_charged_lp``
            # gives up on its own, as before the count)
            aggregate = _charged_lp(lp_instance, LP_SHARE * limit, budget, stop, lp_timed_out, seconds=lp_wall_left())
    order = sorted(agents, key=lambda a: (sum(len(shift_options(config, a, week, d)) for d in range(7)),
                                          a.agent_id))
    if aggregate is not None:
        # Start: the aggregate LP rounded to agents (those whose rounded week fails a rule are rostered one at a
        # time against the others), then re-rostered agent by agent against the rest.
        budget.spend(len(agents) * WEEK_CHECK_UNITS_PER_AGENT)
        try:
            start = deadline_cover.lp_target(lp_instance, aggregate.deadline_heads)  # the LP's deferred plan
            weeks = sequential_roster(start, order, seed=seed, improve_passes=0,
                                      initial=lp_weeks(start, aggregate), spend=budget.spend, stop=stop,
                                      build_units_left=budget.left if LP_BUILD_WITHIN_BUDGET else None)
            keep_if_better(_roster_of(weeks), "lp")
        except BlockedByOthers:
            report("lp (an agent found no week beside the others, not kept)", math.inf, bound)
        cover_kept_units: list[float] = []  # what the cover-kept rounding cost, when it ran
        weekly_target = weekly_start.cover_target(instance, aggregate) if lp_instance is instance else None
        if COVER_ROUNDING and weekly_target is not None and cover_rounding.applies(weekly_target):
            # the weekly mode's start LP rounded to keep its heads per queue and slot (``weekly_start``)
            weekly_kept = _cover_kept(weekly_target, aggregate, order, seed, budget, stop, cover_rounding.EXACT_DEALING,
                                      weekly_start.BALANCED_DEALING)
            if weekly_kept is not None:
                keep_if_better(weekly_kept, "lp weekly cover-kept")
        if COVER_ROUNDING and lp_instance is instance and cover_rounding.applies(instance):
            cover_left = budget.left()
            cover_kept = _cover_kept(instance, aggregate, order, seed, budget, stop, cover_rounding.EXACT_DEALING)
            if cover_kept is None:
                report("lp cover-kept (an agent found no week beside the others, not kept)", math.inf, bound)
            else:
                keep_if_better(cover_kept, "lp cover-kept")
            cover_kept_units.append(cover_left - budget.left())
        if lp_instance is not instance and _floor_short(costs) and AIMED_FLOOR_REPAIR:
            # the aimed start breaks a hard floor rule: CP-SAT on the rule's agents (``search.floor_repair``)
            _repair_floor(lp_instance, current, budget, threads, seed, keep_if_better)
        # Local search from the rounded roster (``search.polish``), restarted with another seed while its
        # share of the budget lasts; the best roster is kept. Without a rounded roster there is nothing to polish.
        pairs_held = bool(SCARCE_PAIRS and lp_instance is instance and costs and costs[0].amount > 0
                          and not instance.deadlines and skill_sets(instance) > SHARED_BREAKS_ABOVE_SKILL_SETS)
        if pairs_held:  # under-staffed at many skill sets: a share kept back from the local-search runs
            budget.held = SCARCE_PAIRS_SHARE * budget.total
        rounded = current.roster()
        rounded_instance = searched(rounded) if lp_instance is instance else lp_instance
        longest_run = 0.0  # the most budget one local-search run from the rounded roster has taken
        runs: list[Roster] = []  # each run's roster, for the crossover restarts
        polish_left = budget.left if lp_instance is instance else (  # the aimed start: leave the fall-back some
            lambda: budget.left() - weighted_start.FALLBACK_SHARE * budget.total)
        other_start: list[Roster | None] = []  # the other dealing's cover-kept roster, once built

        def other_dealing() -> Roster | None:
            return _cover_kept(instance, aggregate, order, seed, budget, stop, not cover_rounding.EXACT_DEALING)

        processes = settings.workers if workers is None else workers
        worker_units = POLISH_SHARE * budget.total - (budget.total - budget.left())  # what the runs here may start in
        extra = parallel_runs.start(processes, functools.partial(
            _worker_runs, instance, aggregate, order, rounded, rounded_instance, searched, tuple(cover_kept_units),
            worker_units, seed, stop), stop) if (
            settings.deterministic and math.isfinite(objective) and lp_instance is instance and not stop.stopped()
            and worker_units > 0 and parallel_runs.applies(instance, processes)) else None  # merged below
        recorded_workers = threads if extra is None else processes
        for restart in range(POLISH_STARTS if math.isfinite(objective) else 0):
            if stop.stopped():  # past the cap a run moves nothing; its setup and scoring cost seconds
                break
            if restart and (budget.total - budget.left() > POLISH_SHARE * budget.total or _floor_short(costs)
                            or not restart_fits(budget.left(), longest_run) or lp_instance is not instance):
                break  # (a hard floor rule still short: its neighbourhoods below need the budget)
            start_roster, start_instance = _run_start(restart, rounded, rounded_instance, other_start, longest_run,
                                                      cover_kept_units, budget.left, other_dealing, searched)
            left_before = budget.left()  # (the other dealing's build is not part of the run's length)
            runs.append(polish(start_instance, start_roster, seed=seed + restart, units_left=polish_left,
                               spend=budget.spend, stopped=stop.stopped,
                               head_count_cover=True))  # proficiencies: the weighted one below
            keep_if_better(runs[-1], "lp+polish")
            longest_run = max(longest_run, left_before - budget.left())
        gave_up: list[bool] = []  # a busy machine: the wall time left is only what the main's own budget needs

        def give_up() -> bool:
            if parallel_runs.behind(stop.seconds_left(), budget.left(), DETERMINISTIC_UNITS_PER_SECOND):
                gave_up.append(True)
            return bool(gave_up)

        worker_runs = parallel_runs.finish(extra, stop, give_up=give_up)
        if gave_up:
            recorded_workers = threads  # the workers' runs dropped: the roster is the one process's
        for run in worker_runs:  # the other workers' runs, in their pool and kept if better
            runs.append(run)
            keep_if_better(run, "lp+polish (worker)")
        if lp_instance is not instance and _floor_short(costs) and AIMED_FLOOR_REPAIR:
            # the aimed start breaks a hard floor rule: CP-SAT on the rule's agents (``search.floor_repair``)
            _repair_floor(lp_instance, current, budget, threads, seed, keep_if_better)
        if pairs_held:  # the short queues' pairs (``search.scarce_pairs``), in the share kept back for them
            budget.held = 0.0
            if costs and costs[0].amount > 0 and not _floor_short(costs):
                _scarce_pairs(instance, current, budget, threads, seed, keep_if_better, lambda: objective)
        if CROSSOVER_RESTARTS and runs and lp_instance is instance and costs and not _floor_short(costs) and not (
                costs[0].amount > 0 or deadline_cover.overdue(costs)):  # (under-staffed: the passes below first)
            if day_replan.applies(instance):  # the whole-day re-plan's share, kept back from these restarts only
                budget.held = day_replan.RESERVE_SHARE * budget.total
            _crossover_restarts(instance, current, runs, rounded, budget, stop, seed, keep_if_better, searched,
                                longest_run)
            budget.held = 0.0
        if WEEK_MERGE and runs and lp_instance is instance and costs and not _floor_short(costs) and not (
                costs[0].amount > 0 or deadline_cover.overdue(costs)) and merge_applies(instance):
            starts = [rounded] + [r for r in other_start if r is not None]  # (their weeks add diversity)
            _merge_weeks(instance, current, runs + starts, budget, stop, threads, seed, keep_if_better, searched)
        aimed_short = lp_instance is not instance and _floor_short(costs)  # the agent-by-agent start below
        if costs and (costs[0].amount > 0 or deadline_cover.overdue(costs)) and budget.left() > 0 and not aimed_short:
            weeks = sequential_roster(
                searched(current.roster()) if lp_instance is instance else lp_instance, order, seed=seed,
                improve_passes=SEQUENTIAL_PASSES, initial=dict(current.shifts), spend=budget.spend, stop=stop,
                another_pass=lambda: budget.total - budget.left() < SEQUENTIAL_SHARE * budget.total)
            keep_if_better(_roster_of(weeks), "lp+passes")
            if not stop.stopped():
                keep_if_better(polish(searched(current.roster()), current.roster(), seed=seed,
                                      units_left=budget.left, spend=budget.spend, stopped=stop.stopped),
                               "lp+passes+polish")
    if aggregate is None or (lp_instance is not instance and _floor_short(costs)):
        # Without the LP (GLOP failed), or when the aimed heads start still breaks a hard floor rule (the
        # agent-by-agent start values a head by the floor shortfall it saves): agents rostered one at a time
        # against the cover still missing, then no-break relaxation rounds.
        # the build's units: its share of the budget left, and at least of SEQUENTIAL_BUILD_LEAST of the budget (after
        # an aimed start that broke a floor rule and spent the budget, copies alone gave a far worse roster)
        allowance = SEQUENTIAL_BUILD_SHARE * max(budget.left(), SEQUENTIAL_BUILD_LEAST * budget.total)
        build_spent = [0.0]

        def build_spend(units: float) -> None:
            build_spent[0] += units
            budget.spend(units)

        try:
            weeks = sequential_roster(
                instance, order, seed=seed, improve_passes=SEQUENTIAL_PASSES,
                another_pass=lambda: budget.total - budget.left() < SEQUENTIAL_SHARE * budget.total,
                spend=build_spend, stop=stop, build_units_left=lambda: allowance - build_spent[0])
            keep_if_better(_roster_of(weeks), "sequential")
        except BlockedByOthers:
            report("sequential (an agent found no week beside the others, not kept)", math.inf, bound)
        if math.isfinite(objective) and not stop.stopped():  # local search on the agent-by-agent start, within its
            # share of the budget (past the cap it would move nothing, and its setup and scoring cost seconds)
            floor = max(0.0, budget.left() - NO_LP_POLISH_SHARE * budget.total)
            keep_if_better(polish(searched(current.roster()), current.roster(), seed=seed,
                                  units_left=lambda: budget.left() - floor,
                                  spend=budget.spend, stopped=stop.stopped), "sequential+polish")

        # Start 2 and a bound: the no-break relaxation, its shifts given breaks greedily; further rounds pad the
        # relaxation's requirement with the shortfall the breaks caused, so its shifts leave room for them.
        padded = requirements
        shortfall = requirements
        for round_number in range(MAX_ROUNDS):
            if round_number and (budget.left() < LNS_RESERVE_SHARE * budget.total or not shortfall.any()):
                break
            if stop.stopped() and math.isfinite(objective):
                break
            if math.isfinite(objective) and budget.left() < LNS_RESERVE_SHARE * budget.total:
                break  # a roster and the budget all but spent: the first round too would only overrun it (at 160
                # agents with levels its model's build alone took 3 s of CPU, charged 1.65 units, with 0.12 left)
            relaxation, _, scale = build_model(instance.with_requirements(padded), with_breaks=False)
            share = FIRST_ROUND_SHARE if round_number == 0 else ROUND_SHARE
            solver = budget.new_solver(limit * share, threads, seed + round_number)
            status = stop.solve(solver, relaxation.cp)
            budget.charge(solver)
            budget.spend(NEIGHBOURHOOD_UNITS_PER_ROW * (len(relaxation.cp.proto.variables)
                                                        + len(relaxation.cp.proto.constraints)))
            if status == cp_model.INFEASIBLE:
                raise InfeasibleError(explain_no_roster(instance, limit * FALLBACK_SHARE,
                                                        units_per_second=units_per_second, stop=stop))
            if round_number == 0:
                relaxed_bound = solver.best_objective_bound / scale
                bound = max(bound, relaxed_bound) if math.isfinite(relaxed_bound) else bound
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                break
            placed = place_breaks(instance, list(read_roster(relaxation, solver).shifts))
            keep_if_better(placed, f"round{round_number}")
            shortfall = _shortfall(instance, placed)
            padded = padded + shortfall
        if math.isfinite(objective) and not stop.stopped():  # local search on the best start, leaving the
            # neighbourhoods their reserve
            keep_if_better(polish(searched(current.roster()), current.roster(), seed=seed,
                                  units_left=lambda: budget.left() - LNS_RESERVE_SHARE * budget.total,
                                  spend=budget.spend, stopped=stop.stopped), "polish")
    for (phase, why), count in refused.items():
        if count > 1:
            report(f"{phase} ({why}, {count} rosters not kept in all)", math.inf, bound)
    if not math.isfinite(objective):  # no start kept every hard rule: the hard rules alone, or why none exists
        status = hard_rules_alone()
        if not math.isfinite(objective):
            raise InfeasibleError(explain_no_roster(instance, limit * FALLBACK_SHARE,
                                                    full_status=status, units_per_second=units_per_second,
                                                    stop=stop))
    report("start", objective, bound)
    if (SHORT_INTERVAL_SEARCH and effective_cover.weighted(config) and not instance.deadlines and costs
            and costs[0].amount > 0):  # weighted and under-staffed: the short intervals' agents first
        _search_short_intervals(instance, current, budget, threads, seed, keep_if_better, lambda: objective)

    # Improve: large-neighbourhood search, alternating two kinds of neighbourhood: a few random agents' whole
    # weeks, and one day of many agents who share a queue (start times and breaks move together there).
    rng = np.random.default_rng(seed)
    agent_ids = [a.agent_id for a in agents]
    by_id = {a.agent_id: a for a in agents}
    size = min(len(agents), NEIGHBOURHOOD_AGENTS)
    step = 0
    search_instance = searched(current.roster())
    if (day_replan.applies(instance) and math.isfinite(objective) and objective > bound + 1e-6
            and not _floor_short(costs)):
        # a whole day of every agent re-planned at once (``search.day_replan``), before the random neighbourhoods
        def replan_one(day: int) -> bool:
            before = objective
            keep_if_better(replan_day(search_instance, current.roster(), day, budget, threads, seed + day),
                           "day re-plan")
            return objective < before - 1e-6
        if day_replan.replan(day_replan.days_in_order(instance, current.roster()), replan_one, budget.left):
            search_instance = searched(current.roster())
    while budget.left() > 0.01 and objective > bound + 1e-6:
        step += 1
        budget.spend(STEP_OVERHEAD_UNITS)
        short = _floor_short(costs)
        if short:  # a hard floor or ratio rule still short: free the agents it counts around a short interval
            freed, free_days = _floor_neighbourhood(config, week, current, rng, whole_week=step % 2 == 0)
        elif step % 2:
            freed, free_days = _week_neighbourhood(config, agent_ids, size, rng), None
        else:
            freed, free_days = _day_neighbourhood(config, week, current, rng)
        fixed = current.fixed_on_floor(excluded=set(freed))
        solved = _solve_neighbourhood(search_instance, [by_id[a] for a in freed], fixed,
                                      current, budget.new_solver(NEIGHBOURHOOD_SECONDS, threads, seed + step), budget,
                                      fixed_on_break=current.fixed_on_break(excluded=set(freed)),
                                      free_days=free_days,
                                      fixed_floor_counts=current.fixed_floor_counts(excluded=set(freed)))
        if solved is None:
            continue
        before = {a: current.shifts[a] for a in freed}
        for agent_id, shifts in solved.items():
            current.set(agent_id, shifts)
        candidate = evaluate(instance, current.roster(), exact_covers)
        if _total(candidate) < objective - 1e-6:
            costs, objective = candidate, _total(candidate)
            report("improve", objective, bound)
            search_instance = searched(current.roster())
        else:
            for agent_id, shifts in before.items():
                current.set(agent_id, shifts)
        if size == len(agents) and free_days is None and not short:
            break
    if _floor_short(costs) and math.isfinite(objective):
        # the search ended with a hard floor or ratio rule met only elastically, its budget spent
        _last_floor_repair(lp_instance, current, limit, budget, threads, seed, keep_if_better)
    proven = False  # that no roster keeps the hard rules together
    if _floor_short(costs):  # the search met a hard floor or ratio rule only elastically: CP-SAT on the hard rules
        proven = hard_rules_alone() == cp_model.INFEASIBLE

    broken_lines = floor_rules.broken(config, week, current.roster())
    if broken_lines:  # the search met a hard floor or ratio rule only elastically and could not keep it
        more = f" (and {len(broken_lines) - 1} more)" if len(broken_lines) > 1 else ""
        verdict = ("no roster keeps the hard rules together (proven by CP-SAT); the best roster found breaks"
                   if proven else "no roster was found that keeps")
        raise InfeasibleError(f"{verdict} {broken_lines[0]}{more}; add agents the rule counts, widen their "
                              f"availability, relax the rule{'' if proven else ' or raise --time-limit'}")
    if bound_after and math.isfinite(objective) and not stop.stopped() and objective > bound + 1e-6:
        merged_bound = capped_bound_after_search(instance, limit, stop)
        if merged_bound > bound:
            bound = merged_bound
            report("bound", objective, bound)
    optimal = objective <= bound + 1e-6
    # (a wall clock that cuts the bound after the search counts: an uncut run would report a higher bound)
    cut = stop.reason or (WALL_CLOCK if lp_timed_out else None)
    if cut == WALL_CLOCK and not settings.deterministic and stop.wall_seconds == limit:
        cut = None  # in wall-clock mode the budget is the cap itself: running out of it is completing it
    stopped_by = cut or (OPTIMAL if optimal else BUDGET)
    stats = SolveStats("OPTIMAL" if optimal else "FEASIBLE", objective, bound,
                       _gap(objective, bound), time.monotonic() - started, seed, recorded_workers,
                       settings.deterministic, ortools.__version__, first_roster_seconds, cut is None, stopped_by)
    return ScheduleResult(current.roster(), stats, costs)


def capped_bound_after_search(instance: Instance, limit: float, stop: Stop) -> float:
    """The coarsest merged-queue LP's bound with its groups capped by the scarce queues' shortage in every roster
    (``subset_bound.capped_bound``), for a centre whose LP shared its breaks between skill sets (9-24), merged its
    queues (more) or was not solved: at 8 queues its breaks per skill set and the scarce queues' shortage prove far
    more (150 agents: 42,400 against 32,358), at 16 queues the shortage (398,440 against 229,290), in a fraction of
    the work. A bound only: it runs after the search, outside its budget, so the roster is the one the search found;
    each of its LPs' predicted work is capped at ``BOUND_AFTER_SEARCH_SHARE`` of the limit, and the wall clock left
    (``stop``) cuts it. Its meetings already placed (``schedule_meetings``), the LP leaves them on the floor: their
    credit is taken off. ``-inf`` when it is not solved. (A horizon's week with carry-in:
    ``horizon.relaxed_bound_after``.)"""
    bound = capped_bound(instance, COARSER[-1], BOUND_AFTER_SEARCH_SHARE * limit, stop)
    return -math.inf if bound is None else bound - activity_overstaffing_credit(instance.config)


def _cover_kept(instance: Instance, aggregate: AggregateSolution, order: list[Agent], seed: int, budget: _Budget,
                stop: Stop, exact: bool, balanced: bool = False) -> Roster | None:
    """The cover-kept rounding of the LP (``search.cover_rounding``, its patterns dealt by the integer program when
    ``exact``, else greedily; ``ALTERNATE_DEALING`` builds the other dealing for every second run), the agents its
    weeks leave out rostered one at a time, charged to ``budget``; ``None`` when one of them finds no week."""
    budget.spend(len(order) * WEEK_CHECK_UNITS_PER_AGENT)
    try:
        return _roster_of(sequential_roster(instance, order, seed=seed, improve_passes=0, spend=budget.spend, stop=stop,
                                            build_units_left=budget.left if LP_BUILD_WITHIN_BUDGET else None,
                                            initial=cover_rounding.cover_weeks(instance, aggregate, spend=budget.spend,
                                                                               stop=stop, exact=exact,
                                                                               balanced=balanced)))
    except BlockedByOthers:
        return None


def _worker_runs(instance: Instance, aggregate: AggregateSolution, order: list[Agent], rounded: Roster,
                 rounded_instance: Instance, searched: Callable[[Roster], Instance],
                 cover_kept_units: tuple[float, ...], units: float, seed: int, stop: Stop, worker: int,
                 stopped: Callable[[], bool]) -> list[Roster]:
    """A forked worker's local-search runs from the rounded roster (``search.parallel_runs``), within its own
    ``units`` and while another fits, as the main process's runs: where the cover-kept rounding ran
    (``cover_kept_units``: what it cost), every second run starts from it dealt the other way
    (``ALTERNATE_DEALING``). Seeds ``parallel_runs.run_seed``."""
    budget = _Budget(0.0, True, stop)
    budget.total = units
    runs: list[Roster] = []
    other: list[Roster | None] = []
    longest = 0.0
    for run in range(POLISH_STARTS):
        if stopped() or budget.left() <= 0 or (run and not restart_fits(budget.left(), longest)):
            break
        start, start_instance = _run_start(run + WORKER_START_OFFSET, rounded, rounded_instance, other, longest,
                                           cover_kept_units,
                                           budget.left, lambda: _cover_kept(instance, aggregate, order, seed, budget,
                                                                            stop, not cover_rounding.EXACT_DEALING),
                                           searched)
        left_before = budget.left()
        runs.append(polish(start_instance, start, seed=parallel_runs.run_seed(seed, worker, run),
                           units_left=budget.left, spend=budget.spend, stopped=stopped, head_count_cover=True))
        longest = max(longest, left_before - budget.left())
    return runs


def _run_start(run: int, rounded: Roster, rounded_instance: Instance, other: list[Roster | None], longest: float,
               cover_kept_units: Sequence[float], left: Callable[[], float], other_dealing: Callable[[], Roster | None],
               searched: Callable[[Roster], Instance]) -> tuple[Roster, Instance]:
    """Where run ``run`` starts: the rounded roster, or, every second run where the cover-kept rounding ran
    (``ALTERNATE_DEALING``; ``cover_kept_units``: what it cost), the other dealing's cover-kept roster, built once
    into ``other`` when it and the longest run so far fit the budget ``left``."""
    if run % 2 and ALTERNATE_DEALING and cover_kept_units:
        if not other and restart_fits(left(), longest + cover_kept_units[0]):
            other.append(other_dealing())
        if other and other[0] is not None:
            return other[0], searched(other[0])
    return rounded, rounded_instance


def _crossover_restarts(instance: Instance, current: _Roster, runs: list[Roster], rounded: Roster, budget: _Budget,
                        stop: Stop, seed: int, keep_if_better: Callable[[Roster, str], None],
                        searched: Callable[[Roster], Instance], longest_run: float) -> None:
    """Local-search runs from crossovers of the best roster and another run's (the rounded roster when only one
    run completed), while the budget left covers the longest such run so far (``search.restarts``); each result
    is kept if better. Cheaper than a run from the rounded roster: the two parents agree on most of the cover."""
    rng = np.random.default_rng(seed + POLISH_STARTS)
    agent_ids = [a.agent_id for a in instance.config.agents]
    longest = CROSSOVER_FIRST_GUESS * longest_run  # before the first: a share of a run from the rounded roster
    first = True
    for _ in range(MAX_CROSSOVERS):
        if budget.left() <= CROSSOVER_MIN_LEFT or not restart_fits(budget.left(), longest) or stop.stopped():
            break
        best = current.roster()
        others = [r for r in runs if r != best] or [rounded]
        start = crossover(best, others[int(rng.integers(len(others)))], agent_ids, rng)
        left_before = budget.left()
        runs.append(polish(searched(start), start, seed=seed + POLISH_STARTS + len(runs), units_left=budget.left,
                           spend=budget.spend, stopped=stop.stopped, head_count_cover=True))
        keep_if_better(runs[-1], "crossover+polish")
        longest = left_before - budget.left() if first else max(longest, left_before - budget.left())
        first = False


def _merge_weeks(instance: Instance, current: _Roster, pooled: list[Roster], budget: _Budget, stop: Stop,
                 threads: int, seed: int, keep_if_better: Callable[[Roster, str], None],
                 searched: Callable[[Roster], Instance]) -> None:
    """One week per agent from the best roster and the runs' rosters, picked by CP-SAT on the exact objective
    (``search.week_merge``), then polished; each result is kept if better. ``pooled``: the runs' rosters, best
    first after the current roster, then the starts they came from."""
    best = current.roster()
    parents = [best] + [r for r in pooled if r != best]
    merged = merge_pool(
        instance, parents, lambda: budget.new_solver(WEEK_MERGE_SECONDS, threads, seed),
        solve=lambda solver, model: _charged_solve(budget, solver, model),
        spend_rows=lambda rows: budget.spend(NEIGHBOURHOOD_UNITS_PER_ROW * rows))
    if merged is None or merged.roster == best:
        return
    keep_if_better(merged.roster, "merge")
    start = current.roster()
    keep_if_better(polish(searched(start), start, seed=seed + 2 * POLISH_STARTS, units_left=budget.left,
                          spend=budget.spend, stopped=stop.stopped, head_count_cover=True), "merge+polish")


def _charged_solve(budget: _Budget, solver: cp_model.CpSolver, model: cp_model.CpModel) -> cp_model.CpSolverStatus:
    """``model`` solved by ``solver`` under the budget's stop, its deterministic time charged to ``budget``."""
    status = budget.stop.solve(solver, model)
    budget.charge(solver)
    return status


def _repair_floor(heads: Instance, current: _Roster, budget: _Budget, threads: int, seed: int,
                  keep_if_better: Callable[[Roster, str], None], seconds: float | None = None,
                  phase: str = "lp+floor repair") -> None:
    """Repair the hard floor rules ``current`` breaks by CP-SAT on the rules' agents, without cover and with
    few shifts changed (``search.floor_repair``), modelled on ``heads`` (the aimed head-counting instance), each
    solve given ``seconds`` (default ``floor_repair.SECONDS``); each result is kept if better by the weighted
    objective."""
    by_id = {a.agent_id: a for a in heads.config.agents}

    def solve(neighbourhood: floor_repair.Neighbourhood) -> None:
        freed = set(neighbourhood.agent_ids)
        solved = _solve_neighbourhood(
            heads, [by_id[a] for a in neighbourhood.agent_ids], None, None,
            budget.new_solver(floor_repair.SECONDS if seconds is None else seconds, threads, seed), budget,
            with_coverage=False,
            fixed_on_break=current.fixed_on_break(excluded=freed),
            fixed_floor_counts=current.fixed_floor_counts(excluded=freed),
            shape=lambda model, terms, scale: floor_repair.aim_at_few_changes(model, terms, scale, current.shifts,
                                                                              neighbourhood.days))
        if solved is not None:
            keep_if_better(_roster_of({**current.shifts, **solved}), phase)

    floor_repair.repair(heads.config, heads.week, lambda: current.shifts, solve,
                        lambda: budget.stop.stopped() or budget.left() <= 0.01)


def _last_floor_repair(heads: Instance, current: _Roster, limit: float, budget: _Budget, threads: int, seed: int,
                       keep_if_better: Callable[[Roster, str], None]) -> None:
    """The floor repair (``_repair_floor``) once more, for a search that ended with a hard floor or ratio rule
    short: each CP-SAT solve given ``LAST_FLOOR_REPAIR_SECONDS``, on a budget of its own (the fall-back's share of
    ``limit``, at least two such solves), since the search's is spent; nothing past the wall-clock cap."""
    if LAST_FLOOR_REPAIR_SECONDS <= 0 or budget.stop.stopped():
        return
    own = _Budget(max(limit * FALLBACK_SHARE, 2 * LAST_FLOOR_REPAIR_SECONDS), budget.deterministic, budget.stop)
    _repair_floor(heads, current, own, threads, seed, keep_if_better, seconds=LAST_FLOOR_REPAIR_SECONDS,
                  phase="last floor repair")
    budget.spend(own.used)


def _search_short_intervals(instance: Instance, current: _Roster, budget: _Budget, threads: int, seed: int,
                            keep_if_better: Callable[[Roster, str], None], objective: Callable[[], float]) -> None:
    """Re-plan the whole weeks of the agents who could cover the weighted roster's short intervals, with the agents
    who could take over their work (``search.short_interval_lns``), within ``short_interval_lns.SHARE`` of the
    budget left; each result is kept if better."""
    by_id = {a.agent_id: a for a in instance.config.agents}
    reserve = budget.left() * (1 - short_interval_lns.SHARE)
    solves = [0]

    def hinted(model: RosterModel) -> None:  # the current roster as a hint every variable has a value in
        _hint(model, current)
        units = short_interval_lns.complete_hint(model.cp, short_interval_lns.COMPLETION_UNITS)
        # (its presolve of the fixed copy is most of its work, and CP-SAT's deterministic time leaves it out)
        budget.spend(units + NEIGHBOURHOOD_UNITS_PER_ROW * (len(model.cp.proto.variables)
                                                            + len(model.cp.proto.constraints)))

    def solve(agent_ids: tuple[str, ...], seconds: float) -> bool:
        freed = set(agent_ids)
        solves[0] += 1
        before = objective()
        solved = _solve_neighbourhood(
            instance, [by_id[a] for a in agent_ids], current.fixed_on_floor(excluded=freed), None,
            budget.new_solver(seconds, threads, seed + solves[0]), budget,
            fixed_on_break=current.fixed_on_break(excluded=freed),
            fixed_floor_counts=current.fixed_floor_counts(excluded=freed),
            shape=lambda model, terms, scale: hinted(model))
        if solved is not None:
            keep_if_better(_roster_of({**current.shifts, **solved}), "short intervals")
        return objective() < before - 1e-6

    short_interval_lns.search(instance.config, instance.week, instance.requirements, lambda: current.shifts, solve,
                              lambda: budget.left() - reserve, lambda: budget.spend(STEP_OVERHEAD_UNITS),
                              np.random.default_rng(seed + 1))


def _scarce_pairs(instance: Instance, current: _Roster, budget: _Budget, threads: int, seed: int,
                  keep_if_better: Callable[[Roster, str], None], objective: Callable[[], float]) -> None:
    """Re-plan one day of a short queue's able agents with one companion at a time (``search.scarce_pairs``), the
    worst short queue-day first, within ``SCARCE_PAIRS_SHARE`` of the budget; each result kept if better, the
    targets found again after it. Ends when a whole pass over the targets improves nothing."""
    config, week = instance.config, instance.week
    by_id = {a.agent_id: a for a in config.agents}
    reserve = max(0.0, budget.left() - SCARCE_PAIRS_SHARE * budget.total)
    rng = np.random.default_rng(seed + 2)
    solves = 0
    improved = True
    while improved and budget.left() > reserve:
        improved = False
        budget.spend(STEP_OVERHEAD_UNITS)
        for target in scarce_pairs.targets(week, _shortfall(instance, current.roster())):
            coverers = scarce_pairs.coverers(config, week, target)
            if not coverers:
                continue
            for companion in scarce_pairs.companions(config, week, target, coverers, current.shifts, rng):
                if budget.left() <= reserve:
                    return
                freed = {*coverers, companion}
                solves += 1
                solved = _solve_neighbourhood(
                    instance, [by_id[a] for a in sorted(freed)], current.fixed_on_floor(excluded=freed), current,
                    budget.new_solver(scarce_pairs.SECONDS, threads, seed + solves), budget,
                    fixed_on_break=current.fixed_on_break(excluded=freed), free_days={target.day},
                    fixed_floor_counts=current.fixed_floor_counts(excluded=freed))
                budget.spend(STEP_OVERHEAD_UNITS)
                if solved is not None:
                    before = objective()
                    keep_if_better(_roster_of({**current.shifts, **solved}), "scarce pairs")
                    improved = objective() < before - 1e-6
                if improved:
                    break
            if improved:
                break


def _roster_of(weeks: dict[str, tuple[ShiftAssignment, ...]]) -> Roster:
    return Roster(tuple(sorted((s for w in weeks.values() for s in w), key=lambda s: (s.agent_id, s.date))))


def _published_roster(instance: Instance, stop: Stop) -> Roster | None:
    """The re-plan's published roster, if every agent's published week still keeps all hard rules (each agent's
    check within the wall time ``stop`` leaves; one that cannot finish leaves the published roster out)."""
    config, week = instance.config, instance.week
    if config.replan is None:
        return None
    shifts: list[ShiftAssignment] = []
    for agent in config.agents:
        model = RosterModel(instance, agents=[agent])
        for name, rule in RULES:
            if name not in ("coverage", weekly_service_level.NAME):
                rule(model)
        for agent_day in model.days_of(agent):
            kept = config.replan.published.get((agent.agent_id, week.day(agent_day.day_index)))
            for option, var in zip(agent_day.options, agent_day.shift_vars, strict=True):
                same = kept is not None and (option.template.template_id, option.start_minute) == (
                    kept.template_id, kept.start_minute)
                model.cp.add(var == int(same))
            if kept is not None:
                for k, slot in enumerate(agent_day.breaks.get(kept.template_id, [])):
                    if kept.break_starts[k] not in slot.starts:
                        return None
                    model.cp.add(slot.starts[kept.break_starts[k]] == 1)
            taken = set() if kept is None else set(kept.activity_starts)
            if any(m not in agent_day.activities.get(a, {}) for a, m in taken):
                return None
            for activity_id, starts in agent_day.activities.items():  # the published activities, to the minute
                for minute, var in starts.items():
                    model.cp.add(var == int((activity_id, minute) in taken))
        solver = new_solver()
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = 10  # work, not seconds: the same answer on a loaded machine
        if stop.solve(solver, model.cp) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        shifts.extend(read_roster(model, solver).shifts)
    return Roster(tuple(sorted(shifts, key=lambda s: (s.agent_id, s.date))))


def _shortfall(instance: Instance, roster: Roster) -> np.ndarray:
    """Required heads the roster leaves uncovered, per ``[queue, slot]``."""
    on_floor = on_floor_by_skills(instance.config, instance.week, roster)
    scheduled = allocate(instance.requirements, on_floor, list(instance.queue_ids))
    return np.maximum(instance.requirements - scheduled, 0)


def _solve_neighbourhood(
    instance: Instance,
    agents: Sequence[Agent],
    fixed_on_floor: dict[tuple[str, ...], np.ndarray] | None,
    current: _Roster | None,
    solver: cp_model.CpSolver | Callable[[], cp_model.CpSolver],
    budget: _Budget,
    *,
    with_coverage: bool = True,
    fixed_on_break: np.ndarray | None = None,
    free_days: set[int] | None = None,
    fixed_floor_counts: dict[str, np.ndarray] | None = None,
    shape: Callable[[RosterModel, list[PenaltyTerm], int], None] | None = None,
    units_per_row: float = NEIGHBOURHOOD_UNITS_PER_ROW,
) -> dict[str, tuple[ShiftAssignment, ...]] | None:
    """Roster ``agents`` with everyone else's cover fixed; ``current`` (when given) is the complete hint, and
    with ``free_days`` the agents keep their current shifts on every other day; ``shape`` changes the built model
    (its objective terms and scale) before the solve; ``units_per_row`` charges the build per variable and
    constraint. A ``solver`` given as a factory is made once the build is charged, so a build as costly as the
    solve (``replan_day``'s) cannot push the solve past the budget."""
    model, terms, scale = build_model(instance, agents=agents, fixed_on_floor=fixed_on_floor,
                                      with_coverage=with_coverage, fixed_on_break=fixed_on_break,
                                      fixed_floor_counts=fixed_floor_counts)
    if shape is not None:
        shape(model, terms, scale)
    if current is not None:
        _hint(model, current)
        if free_days is not None:
            for agent_day in model.all_agent_days():
                if agent_day.day_index not in free_days:
                    day = model.week.day(agent_day.day_index)
                    model.fix_shift(agent_day, next(
                        (s for s in current.shifts.get(agent_day.agent.agent_id, ()) if s.date == day), None))
    build_units = units_per_row * (len(model.cp.proto.variables) + len(model.cp.proto.constraints))
    if not isinstance(solver, cp_model.CpSolver):
        budget.spend(build_units)
        solver, build_units = solver(), 0.0
    status = _charged_solve(budget, solver, model.cp)
    budget.spend(build_units)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    roster = read_roster(model, solver)
    return {a.agent_id: tuple(s for s in roster.shifts if s.agent_id == a.agent_id) for a in agents}


def replan_day(instance: Instance, roster: Roster, day: int, budget: _Budget, threads: int, seed: int) -> Roster:
    """``roster`` with day ``day`` (index in the week) re-planned for every agent at once by CP-SAT, the other days
    fixed and the roster as the hint, within ``day_replan.SOLVE_SECONDS`` of ``budget`` (the build charged first, the
    solve given what is left after it); the roster itself when CP-SAT returns nothing (``search.day_replan``)."""
    if day_replan.PIN_OTHER_DAYS:
        instance = day_replan.pinned_except(instance, roster, day)
    agents = list(instance.config.agents)
    everyone = {a.agent_id for a in agents}
    current = _Roster(instance.config, instance.week)
    for agent in agents:
        current.set(agent.agent_id, tuple(s for s in roster.shifts if s.agent_id == agent.agent_id))

    def day_solver() -> cp_model.CpSolver:
        solver = budget.new_solver(day_replan.SOLVE_SECONDS, threads, seed)
        solver.parameters.cp_model_presolve = day_replan.PRESOLVE
        return solver

    solved = _solve_neighbourhood(instance, agents, current.fixed_on_floor(excluded=everyone), current, day_solver,
                                  budget, fixed_on_break=current.fixed_on_break(excluded=everyone), free_days={day},
                                  fixed_floor_counts=current.fixed_floor_counts(excluded=everyone),
                                  units_per_row=day_replan.UNITS_PER_ROW)
    if solved is None:
        return roster
    return _roster_of(dict(solved))


def _week_neighbourhood(config: PlanConfig, agent_ids: list[str], size: int, rng: np.random.Generator) -> list[str]:
    """``size`` random agents sharing a random queue (any agents when fewer share it)."""
    queue_id = config.queues[int(rng.integers(len(config.queues)))].queue_id
    skilled = [a.agent_id for a in config.agents if queue_id in a.skills]
    pool = skilled if len(skilled) >= size else agent_ids
    return sorted(rng.choice(pool, size=size, replace=False).tolist())


def _day_neighbourhood(config: PlanConfig, week: Week, current: _Roster,
                       rng: np.random.Generator) -> tuple[list[str], set[int]]:
    """A random day and queue, and up to ``DAY_NEIGHBOURHOOD_AGENTS`` agents skilled for the queue who could
    work that day (those working it first)."""
    day = int(rng.integers(7))
    queue_id = config.queues[int(rng.integers(len(config.queues)))].queue_id
    date = week.day(day)
    working: list[str] = []
    able: list[str] = []
    for agent in config.agents:
        if queue_id not in agent.skills or not shift_options(config, agent, week, day):
            continue
        works = any(s.date == date for s in current.shifts.get(agent.agent_id, ()))
        (working if works else able).append(agent.agent_id)
    chosen: list[str] = []
    for group in (working, able):
        room = DAY_NEIGHBOURHOOD_AGENTS - len(chosen)
        if room > 0 and group:
            chosen.extend(rng.choice(group, size=min(room, len(group)), replace=False).tolist())
    return sorted(chosen), {day}


def _charged_lp(instance: Instance, max_work_seconds: float, budget: _Budget, stop: Stop, timed_out: list[bool],
                factor: float = 1.0, seconds: float = math.inf) -> AggregateSolution | None:
    """The aggregate LP of ``instance`` when its predicted work times ``factor`` (a mode whose LP takes GLOP longer
    than its size says) is within ``max_work_seconds``, charged to ``budget``; one built and found over it is charged
    its build. ``timed_out`` gets ``True`` when the wall clock (``seconds``, ``stop``) cut it (then nothing is
    charged: the run is not reproducible anyway)."""
    return solve_charged(instance, max_work_seconds,
                         lambda seconds: budget.spend(seconds * DETERMINISTIC_UNITS_PER_SECOND), timed_out,
                         seconds=seconds, factor=factor, stop=stop,
                         method=weekly_start.lp_method(instance))


def _floor_short(costs: Sequence[RuleCost]) -> bool:
    return any(c.rule == floor_rules.HARD_TERM and c.amount > 0 for c in costs)


def _floor_neighbourhood(config: PlanConfig, week: Week, current: _Roster, rng: np.random.Generator, *,
                         whole_week: bool) -> tuple[list[str], set[int] | None]:
    """The agents a hard floor or ratio rule counts, around one of its short intervals: up to
    ``DAY_NEIGHBOURHOOD_AGENTS`` of them on that day, or ``NEIGHBOURHOOD_AGENTS`` of them for the whole week."""
    candidates = floor_rules.short_hard_counts(config, week, dict(current.on_floor), current.all_shifts())
    count, short = candidates[int(rng.integers(len(candidates)))]
    day = int(short[int(rng.integers(len(short)))]) // week.slots_per_day
    members = [agent_id for agent_id, _ in count.coefficients]
    size = NEIGHBOURHOOD_AGENTS if whole_week else DAY_NEIGHBOURHOOD_AGENTS
    chosen = sorted(rng.choice(members, size=min(size, len(members)), replace=False).tolist())
    return chosen, None if whole_week else {day}


def _hint(model: RosterModel, current: _Roster) -> None:
    """The current roster as a complete hint: shifts, breaks and the max-flow allocation of cover."""
    for agent_day in model.all_agent_days():
        day = model.week.day(agent_day.day_index)
        shift = next((s for s in current.shifts.get(agent_day.agent.agent_id, ()) if s.date == day), None)
        model.hint_shift(agent_day, shift)
    if effective_cover.weighted(model.config):
        effective_cover.hint(model, current.roster())
        return
    flows: dict[tuple[int, tuple[str, ...], int], int] = {}
    on_floor = on_floor_by_skills(model.config, model.week, current.roster())
    allocate(model.requirements, on_floor, [q.queue_id for q in model.config.queues], flows)
    for key, var in model.allocations.items():
        model.cp.add_hint(var, flows.get(key, 0))
