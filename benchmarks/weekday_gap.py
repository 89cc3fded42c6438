"""Where a roster loses to the aggregate LP, day by day and hour by hour, and whether each weekday is optimal for
the agents who work it (issue 17, README "Where the weekday gap is").

    python benchmarks/weekday_gap.py --seeds 805556 224053 --seconds 60 --day-seconds 10 --exchange 0,4

For each generator seed's centre (`wfm example --agents N --queues Q --seed S`, requirements as `wfm plan`
computes them) the library's roster at ``--seconds`` (deterministic budget, completed) is compared with the
aggregate LP's fractional plan (``search.lower_bound``, the solve's bound), and it prints:

- per day of the week: over-staffed agent-intervals and paid hours of the roster and of the LP, and the
  difference in objective units (under-staffing included);
- per weekday hour: the roster's over-staffed agent-intervals less the LP's, and its agent-intervals on break
  less the LP's;
- per weekday template and start: the roster's shifts less the LP's, summed over the weekdays;
- per weekday, CP-SAT on that day with **who works it fixed** (every agent rostered that day works it, with any
  template, start and breaks the rules allow; everyone else, and every other day, as rostered), hinted with the
  roster, presolve off, ``--day-seconds`` of deterministic time on one worker: its status, its roster's
  objective less the roster's and its proven bound less the roster's. ``OPTIMAL`` with 0 means no change of
  times, templates or breaks of that day's agents can improve the roster: what the roster loses on that day is
  in who works it;
- with ``--exchange 0,4``: the same on those days together, every agent who works one of them keeping its number of
  worked days among them but not which (worked days move between them, the weekly rules hold).

Each centre runs in a fresh process, one after the other; one JSON line per centre.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import tempfile
from collections import defaultdict

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model
from quality_seeds import centre  # the script beside this one (its folder is on the path when run)

from scheduler.domain.roster import Roster
from scheduler.rostering import solve
from scheduler.rostering.coverage import allocate, on_floor_by_skills
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import read_roster
from scheduler.rostering.search.lower_bound import _AggregateLp
from scheduler.rostering.stopping import new_solver

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = 5


def _roster_plan(instance: Instance, roster: Roster) -> dict[str, np.ndarray]:
    """The roster's over- and under-staffed agent-intervals, agents on break per slot, paid hours per day."""
    config, week = instance.config, instance.week
    on_floor = on_floor_by_skills(config, week, roster)
    scheduled = allocate(instance.requirements, on_floor, list(instance.queue_ids))
    covered = np.minimum(scheduled, instance.requirements).sum(axis=0)
    present = sum((v for v in on_floor.values()), np.zeros(week.slot_count, np.int64))
    on_shift = np.zeros(week.slot_count)
    paid = np.zeros(week.day_count)
    for shift in roster.shifts:
        day = (shift.date - week.day(0)).days
        for minute in range(shift.start_minute, shift.start_minute + shift.length_minutes, config.interval_minutes):
            on_shift[week.slot(day, minute)] += 1
        paid[day] += shift.paid_minutes / 60
    return {"over": present - covered, "under": instance.requirements.sum(axis=0) - covered,
            "on_break": on_shift - present, "paid": paid}


def _lp_plan(instance: Instance) -> tuple[dict[str, np.ndarray], dict[tuple[int, str, int], float]]:
    """The aggregate LP's fractional plan in the same terms, and its shifts per (day, template, start)."""
    config, week = instance.config, instance.week
    solver = pywraplp.Solver.CreateSolver("GLOP")
    lp = _AggregateLp(instance, solver)  # (the bound's own LP: its variables' values are the plan)
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        raise RuntimeError("the aggregate LP was not solved")
    covered, on_shift, on_break = (np.zeros(week.slot_count) for _ in range(3))
    paid = np.zeros(week.day_count)
    shifts: dict[tuple[int, str, int], float] = defaultdict(float)
    break_minutes: dict[tuple[str, int], int] = {}
    for _, _, _, day_vars in lp.classes:
        for day, variables in enumerate(day_vars):
            for option, var in variables:
                template = option.template
                for k, rule in enumerate(template.breaks):
                    break_minutes[template.template_id, k] = rule.minutes
                if var.solution_value() < 1e-9:
                    continue
                shifts[day, template.template_id, option.start_minute] += var.solution_value()
                paid[day] += var.solution_value() * option.paid_minutes / 60
                for minute in range(option.start_minute, option.start_minute + template.length_minutes,
                                    config.interval_minutes):
                    on_shift[week.slot(day, minute)] += var.solution_value()
    add_cover_and_breaks(solver, instance, break_minutes, covered, on_break)
    required = instance.requirements.sum(axis=0)
    return ({"over": on_shift - on_break - covered, "under": required - covered, "on_break": on_break,
             "paid": paid}, shifts)


def add_cover_and_breaks(solver: pywraplp.Solver, instance: Instance, break_minutes: dict[tuple[str, int], int],
                         covered: np.ndarray, on_break: np.ndarray) -> None:
    """Adds the solved aggregate LP's allocated heads per slot to ``covered`` and its heads on break per slot to
    ``on_break``, read from the columns' names: the allocations a<skills>_<slot>_<queue>, the breaks
    z<skills>_<day>_<template>_<start>_<k>_<minute> (``break_minutes``: each template's k-th break's length)."""
    config, week = instance.config, instance.week
    for var in solver.variables():
        value = var.solution_value()
        if value < 1e-9:
            continue
        if allocation := re.fullmatch(r"a.*_(\d+)_(\d+)", var.name()):
            covered[int(allocation.group(1))] += value
        elif re.fullmatch(r"z.*_\d+_\d+", var.name()):
            parts = var.name().split("_")
            day, template_id, k, start = int(parts[-5]), parts[-4], int(parts[-2]), int(parts[-1])
            for minute in range(start, start + break_minutes[template_id, k], config.interval_minutes):
                on_break[week.slot(day, minute)] += value


def _days_with_workers_fixed(instance: Instance, roster: Roster, days: tuple[int, ...], seconds: float) -> dict:
    """CP-SAT on ``days`` with who works fixed (see the module docstring): status, objective and bound less the
    roster's, in objective units. With two or more days, each agent keeps its number of worked days among them,
    not which: worked days may move between them (the exchange), the weekly rules still hold."""
    config, week = instance.config, instance.week
    current = solve._Roster(config, week)
    for agent in config.agents:
        current.set(agent.agent_id, tuple(s for s in roster.shifts if s.agent_id == agent.agent_id))
    dates = {week.day(day) for day in days}
    worked = {a.agent_id: sum(s.date in dates for s in current.shifts[a.agent_id]) for a in config.agents}
    freed = {agent_id for agent_id, count in worked.items() if count}
    model, _, scale = solve.build_model(
        instance, agents=[a for a in config.agents if a.agent_id in freed],
        fixed_on_floor=current.fixed_on_floor(excluded=freed),
        fixed_on_break=current.fixed_on_break(excluded=freed),
        fixed_floor_counts=current.fixed_floor_counts(excluded=freed))
    solve._hint(model, current)
    for agent_day in model.all_agent_days():
        if agent_day.day_index not in days:
            model.fix_shift(agent_day, next((s for s in current.shifts[agent_day.agent.agent_id]
                                             if s.date == week.day(agent_day.day_index)), None))
    for agent_id in freed:
        model.cp.add(sum(model.agent_days[agent_id, day].works() for day in days) == worked[agent_id])
    solver = new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = seconds * solve.DETERMINISTIC_UNITS_PER_SECOND
    solver.parameters.cp_model_presolve = False  # (as ``solve.replan_day``: the fixed days cost one propagation)
    status = solver.solve(model.cp)
    found = 0.0
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        others = [s for s in roster.shifts if s.agent_id not in freed]
        replanned = Roster(tuple(others) + read_roster(model, solver).shifts)
        found = solve._total(solve.evaluate(instance, replanned)) - solve._total(solve.evaluate(instance, roster))
    return {"days": "+".join(DAY_NAMES[week.day(day).weekday()] for day in days), "agents": len(freed),
            "status": solver.status_name(status), "found": round(found, 1),
            "bound_below_found": round((solver.objective_value - solver.best_objective_bound) / scale, 1)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None,
            "units": round(solver.response_proto.deterministic_time, 2)}


def run_one(job: tuple[int, int, int, float, float, list[tuple[int, ...]], str]) -> dict:
    agents, queues, seed, seconds, day_seconds, exchanges, folder = job
    instance = centre(agents, queues, seed, folder, seconds)
    result = solve.solve_roster(instance, progress=None)
    roster = result.roster
    mine, (lp, lp_shifts) = _roster_plan(instance, roster), _lp_plan(instance)
    week, weights = instance.week, instance.config.weights
    per_day = week.slots_per_day
    days = []
    for day in range(week.day_count):
        part = slice(day * per_day, (day + 1) * per_day)
        over = [float(plan["over"][part].sum()) for plan in (mine, lp)]
        under = [float(plan["under"][part].sum()) for plan in (mine, lp)]
        paid = [float(plan["paid"][day]) for plan in (mine, lp)]
        days.append({"day": DAY_NAMES[week.day(day).weekday()], "over": [round(x, 1) for x in over],
                     "paid_hours": [round(x, 1) for x in paid],
                     "cost_above_lp": round(weights.overstaffed_agent_interval * (over[0] - over[1])
                                            + weights.understaffed_agent_interval * (under[0] - under[1])
                                            + weights.paid_hour * (paid[0] - paid[1]), 1)})
    per_hour = 60 // instance.config.interval_minutes
    hours = []
    for hour in range(per_day // per_hour):
        slots = [d * per_day + hour * per_hour + i for d in range(WEEKDAYS) for i in range(per_hour)]
        over = float((mine["over"][slots] - lp["over"][slots]).sum())
        on_break = float((mine["on_break"][slots] - lp["on_break"][slots]).sum())
        if abs(over) >= 0.5 or abs(on_break) >= 0.5:
            hours.append({"hour": hour, "over_above_lp": round(over, 1), "on_break_above_lp": round(on_break, 1)})
    starts: dict[tuple[str, int], float] = defaultdict(float)
    for shift in roster.shifts:
        if (day := (shift.date - week.day(0)).days) < WEEKDAYS:
            starts[shift.template_id, shift.start_minute] += 1
    for (day, template_id, start), count in lp_shifts.items():
        if day < WEEKDAYS:
            starts[template_id, start] -= count
    return {"seed": seed, "objective": round(result.stats.objective, 1), "bound": round(result.stats.best_bound, 1),
            "gap": round(result.stats.gap, 4), "days": days, "weekday_hours": hours,
            "weekday_starts_above_lp": {f"{t} {m // 60:02d}:{m % 60:02d}": round(c, 1)
                                        for (t, m), c in sorted(starts.items()) if abs(c) >= 2},
            "weekday_replans": [_days_with_workers_fixed(instance, roster, (day,), day_seconds)
                                for day in range(WEEKDAYS)],
            "exchanges": [_days_with_workers_fixed(instance, roster, days, day_seconds) for days in exchanges]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="generator seeds")
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--queues", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--day-seconds", type=float, default=10.0, help="CP-SAT per weekday (x 0.33 det. units)")
    parser.add_argument("--exchange", nargs="*", default=[], metavar="DAYS",
                        help="day indices (0 = the week's first) freed together, worked days free to move "
                             "between them, e.g. 0,4")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            with context.Pool(1) as pool:
                exchanges = [tuple(int(day) for day in days.split(",")) for days in args.exchange]
                row = pool.apply(run_one, ((args.agents, args.queues, seed, args.seconds, args.day_seconds,
                                            exchanges, folder),))
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
