"""Where a many-queue roster's under-staffing is, and how much of it no roster avoids, per queue.

    python benchmarks/scarce_queues.py --agents 150 --queues 8 --seeds 706842 881522 --own-seconds 60
    python benchmarks/scarce_queues.py --agents 150 --queues 8 --seeds 706842 --pairs technical:4

Each seed's centre is `wfm example --agents N --queues Q --seed S`, planned as `quality_seeds.py` plans it, solved
by the library in its deterministic mode (`--seconds`, no wall-clock cap). Per queue with a shortage it prints the
roster's short agent-intervals (one max-flow allocation's split: the total is exact, the split between queues one of
the optimal ones), the proven shortage of every roster (`search.queue_shortage.forced_shortage`, its own agents'
LP) and the best a solve of the queue's own-agents centre finds in `--own-seconds` (`own_agents_instance`, the
same deterministic budget): what the queue's own agents, rostered for it alone, leave short. The roster's shortage
less the own-agents best is at most what a better roster could avoid on that queue.

`--pairs QUEUE:DAY` (day index in the week) probes one short queue-day: the queue's agents who could cover its
short intervals that day, freed together with one more agent who shares one of their queues and works that day, the
day re-planned by CP-SAT (everyone else and every other day fixed, the roster as the hint, `--pair-seconds` each);
it prints each companion whose pair improves the roster, and how many were tried. The random neighbourhoods of the
search free agents of one queue; this frees the scarce queue's agents with someone from the large queue who can take
over what they leave.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality_seeds import centre  # noqa: E402

from scheduler.domain.shifts import shift_options  # noqa: E402
from scheduler.rostering import solve as solving  # noqa: E402
from scheduler.rostering.instance import Instance  # noqa: E402
from scheduler.rostering.search import queue_shortage  # noqa: E402
from scheduler.rostering.solve import ScheduleResult, solve_roster  # noqa: E402
from scheduler.rostering.stopping import Stop  # noqa: E402


def per_queue(instance: Instance, result: ScheduleResult, own_seconds: float) -> list[dict]:
    """Per queue with a shortage (roster or proven): skilled agents, requirement, short, forced, own-agents best."""
    short = solving._shortfall(instance, result.roster).sum(axis=1)
    rows = []
    for q, queue_id in enumerate(instance.queue_ids):
        forced = queue_shortage.forced_shortage(instance, q)
        if not short[q] and not forced:
            continue
        own = solve_roster(queue_shortage.own_agents_instance(instance, q), time_limit_seconds=own_seconds,
                           progress=None)
        rows.append({"queue": queue_id, "skilled": sum(queue_id in a.skills for a in instance.config.agents),
                     "required": int(instance.requirements[q].sum()), "short": int(short[q]), "forced": forced,
                     "own_best": round(own.stats.objective, 1), "own_bound": round(own.stats.best_bound, 1)})
    return rows


def pairs(instance: Instance, result: ScheduleResult, queue_id: str, day: int, seconds: float) -> dict:
    """The pair probe of ``--pairs`` (see the module's docstring): companions whose pair improves the roster."""
    config, week = instance.config, instance.week
    current = solving._Roster(config, week)
    for agent in config.agents:
        current.set(agent.agent_id, tuple(s for s in result.roster.shifts if s.agent_id == agent.agent_id))
    objective = solving._total(solving.evaluate(instance, current.roster()))
    q = list(instance.queue_ids).index(queue_id)
    slots = np.flatnonzero(solving._shortfall(instance, result.roster)[q]).tolist()
    first, last = day * week.slots_per_day, (day + 1) * week.slots_per_day
    slots = [s for s in slots if first <= s < last]
    coverers = [a for a in config.agents if queue_id in a.skills and any(
        week.slot(day, o.start_minute) <= s < week.slot(day, o.end_minute)
        for o in shift_options(config, a, week, day) for s in slots)]
    shared = {skill for a in coverers for skill in a.skills}
    date = week.day(day)
    companions = [a for a in config.agents if a not in coverers and shared.intersection(a.skills)
                  and any(s.date == date for s in current.shifts[a.agent_id])]
    budget = solving._Budget(1e6, True, Stop().start(None))
    better = []
    for companion in companions:
        freed = [*coverers, companion]
        ids = {a.agent_id for a in freed}
        solved = solving._solve_neighbourhood(
            instance, freed, current.fixed_on_floor(excluded=ids), current, budget.new_solver(seconds, 1, 7), budget,
            fixed_on_break=current.fixed_on_break(excluded=ids), free_days={day},
            fixed_floor_counts=current.fixed_floor_counts(excluded=ids))
        if solved is None:
            continue
        kept = {a: current.shifts[a] for a in ids}
        for agent_id, shifts in solved.items():
            current.set(agent_id, shifts)
        found = solving._total(solving.evaluate(instance, current.roster()))
        for agent_id, shifts in kept.items():
            current.set(agent_id, shifts)
        if found < objective - 1e-6:
            better.append({"companion": companion.agent_id, "skills": list(companion.skills),
                           "objective": round(found, 1)})
    return {"queue": queue_id, "day": day, "short_slots": len(slots), "coverers": [a.agent_id for a in coverers],
            "tried": len(companions), "objective": round(objective, 1), "better": better,
            "units": round(budget.total - budget.left(), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="generator seeds")
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--queues", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0, help="the centre's limit (deterministic budget)")
    parser.add_argument("--own-seconds", type=float, default=60.0, help="each own-agents solve's limit")
    parser.add_argument("--pairs", default="", help="QUEUE:DAY, the pair probe instead of the own-agents solves")
    parser.add_argument("--pair-seconds", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            instance = centre(args.agents, args.queues, seed, folder, args.seconds)
            result = solve_roster(instance, progress=io.StringIO())
            row: dict = {"agents": args.agents, "queues": args.queues, "seed": seed,
                         "objective": round(result.stats.objective, 1), "bound": round(result.stats.best_bound, 1),
                         "understaffed": round(result.costs[0].amount, 1)}
            if args.pairs:
                queue_id, day = args.pairs.split(":")
                row["pairs"] = pairs(instance, result, queue_id, int(day), args.pair_seconds)
            else:
                row["per_queue"] = per_queue(instance, result, args.own_seconds)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    sys.exit(main())
