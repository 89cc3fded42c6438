"""Whose is the weighted solve's gap, the bound's or the roster's? Bounds of a planned centre with levels.

    python benchmarks/weighted_gap.py CENTRE/plan.yaml:OUT [CENTRE/plan.yaml:OUT ...] [--nodes N] [--cpsat UNITS]

For each centre (its ``plan.yaml``) and the folder ``wfm plan`` wrote (``OUT``: its ``requirements.csv`` and
``kpis.json``) it prints, in objective units:

- *published*: the roster's objective and the bound the solve published (``kpis.json``);
- *weighted LP*: the weighted LP bound as the solve computes it (``search.weighted_bound``: best member's
  proficiency per skill set, breaks shared), whether or not the solve's budget let it run, and its predicted work;
- *exact LP*: the same LP (breaks shared) with classes split by proficiency vector
  (``search.weighted_integer_bound.exact_classes``), and its predicted work (``lower_bound.lp_work``);
- *integer*: SCIP's proven bound of the exact-class aggregate model in integers (``search.weighted_integer_bound``), its
  best integer point (a relaxed plan, not a roster) and the CPU seconds it took (``--nodes 0``: left out);
- with ``--cpsat S``: CP-SAT on the full weighted roster model (one worker, ``S`` deterministic units), its
  proven bound and best roster.

CPU seconds are ``time.process_time`` of this process (SCIP and GLOP run in it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from datetime import date
from pathlib import Path

from scheduler.app.pipeline import read_requirements, requirement_array
from scheduler.domain.week import Week
from scheduler.io.config import load_config
from scheduler.rostering.instance import Instance
from scheduler.rostering.search.lower_bound import lp_work, solve_aggregate
from scheduler.rostering.search.weighted_integer_bound import exact_classes, weighted_integer_bound


def _instance(plan: Path, out: Path) -> Instance:
    config = load_config(plan)
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    week = Week(date.fromisoformat(kpis["week_start"]), config.interval_minutes)
    required = read_requirements(out / "requirements.csv", config)
    return Instance(config, week, requirement_array(config, week, required))


def _cpsat(instance: Instance, units: float) -> tuple[float, float]:
    from ortools.sat.python import cp_model

    from scheduler.rostering.solve import build_model
    model, _, scale = build_model(instance)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = units
    status = solver.solve(model.cp)
    found = solver.objective_value / scale if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else float("inf")
    return solver.best_objective_bound / scale, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("centres", nargs="+", help="PLAN_YAML:OUT_FOLDER pairs")
    parser.add_argument("--nodes", type=int, default=2000, help="SCIP's branch-and-bound nodes at most (0: no SCIP)")
    parser.add_argument("--scip-wall", type=float, default=900.0, help="SCIP's wall-clock seconds at most")
    parser.add_argument("--cpsat", type=float, default=0.0, help="CP-SAT deterministic units on the full model")
    args = parser.parse_args()
    for pair in args.centres:
        plan, out = (Path(part) for part in pair.split(":"))
        instance = _instance(plan, out)
        solver = json.loads((out / "kpis.json").read_text(encoding="utf-8"))["solver"]
        row: dict[str, object] = {"centre": str(plan.parent.name), "agents": len(instance.config.agents),
                                  "objective": solver.get("objective"), "published_bound": solver.get("best_bound")}
        started = time.process_time()
        weighted = solve_aggregate(instance, shared_breaks=True)
        row["weighted_lp"] = None if weighted is None else round(weighted.bound, 1)
        row["weighted_lp_cpu_s"] = round(time.process_time() - started, 1)
        row["weighted_lp_work_s"] = None if weighted is None else round(lp_work(weighted.variables, weighted.rows), 2)
        exact = dataclasses.replace(instance, config=exact_classes(instance.config))
        started = time.process_time()
        exact_lp = solve_aggregate(exact, shared_breaks=True)  # as the solve computes it
        row["exact_lp"] = None if exact_lp is None else round(exact_lp.bound, 1)
        row["exact_lp_cpu_s"] = round(time.process_time() - started, 1)
        row["exact_lp_work_s"] = None if exact_lp is None else round(lp_work(exact_lp.variables, exact_lp.rows), 2)
        started = time.process_time()
        found = (weighted_integer_bound(instance, node_limit=args.nodes, wall_seconds=args.scip_wall)
                 if args.nodes else None)
        row["integer_cpu_s"] = round(time.process_time() - started, 1)
        if found is not None:
            row.update(integer=round(found.bound, 1), integer_point=round(found.incumbent, 1),
                       integer_optimal=found.optimal, integer_columns=found.variables, integers=found.integers)
        if args.cpsat > 0:
            started = time.process_time()
            bound, best = _cpsat(instance, args.cpsat)
            row.update(cpsat_bound=round(bound, 1), cpsat_roster=round(best, 1),
                       cpsat_cpu_s=round(time.process_time() - started, 1))
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
