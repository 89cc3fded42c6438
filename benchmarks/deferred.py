"""Email and social as deferred queues against the same centre with them as live Erlang queues.

    python benchmarks/deferred.py                                     # 150 agents, seed 7, 60-s limit
    python benchmarks/deferred.py --agents 150 --seeds 7 8 9 --time-limit 60
    python benchmarks/deferred.py --time-limit 30 --wall-limit 3000       # budget completes: reproducible
    python benchmarks/deferred.py --seeds 223 243 405 780 960 --models deferred   # the deferred plan only
    python benchmarks/deferred.py --seeds 223 --models interval,cumulative --time-limit 30 --wall-limit 3000

For each seed the centre is ``wfm example --agents A --channels voice,voice,chat,email,social --seed S``. The
*deferred* plan is that plan.yaml as written (email within 24 h on the clock, social within 2 open hours, a bot
on chat); the *live* plan is the same file with email and social turned into live Erlang C queues (the way the
planner had to model them before: ``answer_seconds`` the deadline capped at one hour, ``max_occupancy`` 0.85,
staffed only inside their opening hours). Both are planned with ``wfm plan --time-limit T``. Each roster is then
judged by the same yardstick: the deferred plan's FIFO backlog replay (``scheduler.app.channels``) of the heads
the roster puts on email and social, blending included, gives each queue's share handled within its deadline;
``paid_h`` and ``cost`` are the rosters' paid hours and cost; ``live_understaffed_h`` the agent-hours short on
the live queues (sales, service, chat) in ``coverage.csv``; ``hard`` the independent validator's hard-rule
violations (0: valid). Wall-clock figures depend on the machine's load; the paid hours and shares do not, when
both solves complete their budget.

The *interval* and *cumulative* plans are the deferred plan with ``deadline_cover`` set on every deferred queue.
Besides that replay (``within_deadline``: live queues take their Erlang heads first, so it is pessimistic for
rosters that rely on blending), each row gives the plan's own published shares (``kpis_within_deadline``), the
plan's discrete-event simulation of every queue (``predicted``: calls first, deferred items when no call waits,
with ``live_sl_ci95`` its 95% half-widths on the live queues) and the plan's CPU seconds (``plan_cpu_s``).
``within_deadline`` lets a max-flow choose which of the equally able heads answer the calls, steered by the
deferred queues' fixed-plan rows (so it suits the fixed plan's rosters and is arbitrary for the others);
``within_deadline_specialists_first`` is live first by a rule the same for every roster: over the live rows
alone, agents without deferred skills answer the calls first, then those whose deferred work can wait longest.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import numpy as np
import yaml
from ortools.graph.python import min_cost_flow

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler.app.channels import blended_heads, deferred_outcomes  # noqa: E402
from scheduler.app.pipeline import read_requirements, requirement_array  # noqa: E402
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment  # noqa: E402
from scheduler.domain.week import Week  # noqa: E402
from scheduler.io.config import load_config  # noqa: E402

CHANNELS = "voice,voice,chat,email,social"
LIVE_ANSWER_CAP_SECONDS = 3600
LIVE_QUEUES = ("sales", "service", "chat")
COVERS = ("interval", "cumulative")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scheduler.app.cli", *args], capture_output=True, text=True,
                          cwd=ROOT)


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children: a solve's CPU, unlike its wall time,
    hardly depends on the machine's load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def live_variant(plan: Path) -> Path:
    """plan.yaml with every deferred queue turned into a live Erlang C queue, written beside it."""
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    for queue in data["queues"]:
        deadline = queue.pop("deadline_minutes", None)
        if deadline is None:
            continue
        queue.pop("deadline_clock", None)
        queue["answer_seconds"] = min(deadline * 60, LIVE_ANSWER_CAP_SECONDS)
        queue["max_occupancy"] = 0.85
    path = plan.with_name("plan-live.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def cover_variant(plan: Path, cover: str) -> Path:
    """plan.yaml with ``deadline_cover: cover`` on every deferred queue, written beside it."""
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    for queue in data["queues"]:
        if "deadline_minutes" in queue:
            queue["deadline_cover"] = cover
    path = plan.with_name(f"plan-{cover}.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def on_floor_roster(path: Path) -> Roster:
    """The roster CSV's shifts with every break, lunch and activity as time off the floor (all the replay needs)."""
    shifts: dict[tuple[str, str], tuple[datetime, datetime, list[BreakAssignment]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            start, end = datetime.fromisoformat(row["start"]), datetime.fromisoformat(row["end"])
            key = (row["agent_id"], row["date"])
            if row["activity"] == "shift":
                shifts[key] = (start, end, [])
            else:
                day = shifts[key][0].replace(hour=0, minute=0)
                shifts[key][2].append(BreakAssignment(row["activity"], int((start - day).total_seconds()) // 60,
                                                      int((end - start).total_seconds()) // 60))
    assignments = []
    for (agent_id, _), (start, end, breaks) in sorted(shifts.items()):
        minute = start.hour * 60 + start.minute
        length = int((end - start).total_seconds()) // 60
        assignments.append(ShiftAssignment(agent_id, start.date(), "", minute, length, length, tuple(breaks)))
    return Roster(tuple(assignments))


def judge(deferred_plan: Path, deferred_out: Path, roster_dir: Path,
          specialists_first: bool = False) -> dict[str, float]:
    """Share within the deadline per deferred queue of the roster in ``roster_dir``, by the deferred model.

    Default: the live queues get their Erlang heads by a max-flow over the requirement array (the deferred
    queues' fixed-plan rows included, which steers which of the equally able heads the live queues take);
    ``specialists_first``: over the live rows alone, the heads with the fewest deferred skills answer the calls
    (``specialists_first_cover``), the same for every roster."""
    config = load_config(deferred_plan)
    required = read_requirements(deferred_out / "requirements.csv", config)
    assert config.week_start is not None
    week = Week(config.week_start, config.interval_minutes)
    array = requirement_array(config, week, required)
    roster = on_floor_roster(roster_dir / "roster.csv")
    if specialists_first:
        array = array.copy()
        array[[i for i, q in enumerate(config.queues) if q.deferred]] = 0
        by_slack = sorted((q for q in config.queues if q.deferred),
                          key=lambda q: (-(q.deadline_minutes or 0), q.queue_id))
        rank = {q.queue_id: r for r, q in enumerate(by_slack, start=1)}
        heads = blended_heads(config, week, roster, array, required,
                              lambda r, f, q, flows: specialists_first_cover(r, f, q, rank, flows))
    else:
        heads = blended_heads(config, week, roster, array, required)
    results = deferred_outcomes(config, week, required, heads)
    return {queue: round(r.outcome.share_within, 4) for queue, r in results.items()}


def specialists_first_cover(required: np.ndarray, on_floor: dict[tuple[str, ...], np.ndarray],
                            queue_ids: list[str], rank: dict[str, int],
                            flows: dict[tuple[int, tuple[str, ...], int], int] | None = None) -> np.ndarray:
    """Heads per ``[queue, slot]`` covering ``required`` as much as the heads allow, each slot a min-cost flow in
    which a head answering a live call costs the ``rank`` of each of its deferred skills (1 for the longest
    deadline, then 2, ...): agents without deferred skills answer calls first, then those whose deferred work can
    wait longest (a routing's skill priority), so the agents of the most urgent backlog are left for it."""
    groups = sorted(on_floor)
    scheduled = np.zeros_like(required)
    for slot in range(required.shape[1]):
        flow = min_cost_flow.SimpleMinCostFlow()
        total, arcs = 0, []
        for g_index, group in enumerate(groups):
            present = int(on_floor[group][slot])
            if not present:
                continue
            node = 2 + g_index
            total += present
            flow.add_arc_with_capacity_and_unit_cost(0, node, present, 0)
            flow.add_arc_with_capacity_and_unit_cost(node, 1, present, 0)  # idle
            skills_deferred = sum(rank.get(s, 0) for s in group)
            for q, queue_id in enumerate(queue_ids):
                if queue_id in group and required[q, slot] > 0:
                    arcs.append((flow.add_arc_with_capacity_and_unit_cost(
                        node, 2 + len(groups) + q, present, skills_deferred), group, q))
        if not total:
            continue
        for q in range(len(queue_ids)):
            if required[q, slot] > 0:
                flow.add_arc_with_capacity_and_unit_cost(2 + len(groups) + q, 1, int(required[q, slot]),
                                                         -(sum(rank.values()) + 1))  # a covered call beats any order
        flow.set_node_supply(0, total)
        flow.set_node_supply(1, -total)
        if flow.solve() != flow.OPTIMAL:
            raise RuntimeError("the live-first cover found no optimum")
        for arc, group, q in arcs:
            if sent := flow.flow(arc):
                scheduled[q, slot] += sent
                if flows is not None:
                    flows[slot, group, q] = sent
    return scheduled


def run(agents: int, seed: int, time_limit: float, work: Path, wall_limit: float | None = None,
        models: tuple[str, ...] = ("deferred", "live")) -> list[dict[str, object]]:
    folder = work / f"c{agents}-{seed}"
    made = _cli("example", "--agents", str(agents), "--channels", CHANNELS, "--seed", str(seed), "--out", str(folder))
    if made.returncode:
        raise SystemExit(made.stderr)
    plans = {"deferred": folder / "plan.yaml", "live": live_variant(folder / "plan.yaml"),
             **{cover: cover_variant(folder / "plan.yaml", cover) for cover in COVERS}}
    plans = {name: path for name, path in plans.items() if name in models}
    outs = {name: folder / f"out-{name}" for name in plans}
    yardstick = next((name for name in plans if name != "live"), None)  # a deferred plan's requirements
    rows = []
    for name, plan in plans.items():
        cap = [] if wall_limit is None else ["--wall-limit", str(wall_limit)]
        before = _children_cpu()
        done = _cli("plan", str(plan), "--out", str(outs[name]), "--time-limit", str(time_limit), *cap, "--quiet")
        cpu = _children_cpu() - before
        if done.returncode:
            rows.append({"seed": seed, "model": name, "exit": done.returncode, "error": done.stderr.strip()[-300:]})
            continue
        kpis = json.loads((outs[name] / "kpis.json").read_text(encoding="utf-8"))
        required_h = sum(float(line.split(",")[4]) for line in
                         (outs[name] / "requirements.csv").read_text().splitlines()[1:]) * 15 / 60
        with (outs[name] / "coverage.csv").open(encoding="utf-8", newline="") as handle:
            live_under = sum(max(0, int(row["required"]) - int(row["scheduled"])) for row in csv.DictReader(handle)
                             if row["queue"] in LIVE_QUEUES)
        rows.append({
            "seed": seed, "model": name, "required_h": round(required_h, 1), "paid_h": kpis["paid_hours"],
            "cost": kpis["cost"], "understaffed_h": kpis["understaffed_agent_hours"],
            "live_understaffed_h": live_under * 15 / 60,
            "hard": kpis["hard_violations"],
            "live_sl": {q: v for q, v in kpis["service_level"]["by_queue"].items() if q in LIVE_QUEUES},
            "within_deadline": None if yardstick is None else judge(plans[yardstick], outs[yardstick], outs[name]),
            "within_deadline_specialists_first": None if yardstick is None else judge(
                plans[yardstick], outs[yardstick], outs[name], specialists_first=True),
            "live_sl_ci95": {q: v for q, v in kpis["predicted_service_level"].get("ci95_half_width", {}).items()
                             if q in LIVE_QUEUES},
            "kpis_within_deadline": {q: v["share_within_deadline"] for q, v in kpis.get("deferred", {}).items()},
            "predicted": kpis["predicted_service_level"]["by_queue"],
            "predicted_method": kpis["predicted_service_level"]["method"][:40],
            "plan_cpu_s": round(cpu, 1),
            "gap": kpis["solver"]["gap"], "budget_completed": kpis["solver"]["budget_completed"],
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--wall-limit", type=float, default=None,
                        help="wall-clock cap; a generous one lets the deterministic budget complete (reproducible)")
    parser.add_argument("--models", default="deferred,live",
                        help="which plans to solve, of deferred (as written), live, interval and cumulative "
                             "(deferred queues with that deadline_cover), comma-separated")
    args = parser.parse_args()
    models = tuple(m for m in args.models.split(",") if m)
    with tempfile.TemporaryDirectory(prefix="wfm-deferred-") as folder:
        for seed in args.seeds:
            for row in run(args.agents, seed, args.time_limit, Path(folder), args.wall_limit, models):
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
