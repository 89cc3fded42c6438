"""``wfm sweep``: plan every scenario of a scenario file (or every site) on an executor and summarise them.

Output folder ``DIR``:
- ``DIR/<key>/``: the scenario's plan folder, exactly what ``wfm plan DIR/configs/<key>/plan.yaml --out
  DIR/<key>`` writes (published atomically when the scenario finishes; nothing for a scenario without a plan);
- ``DIR/configs/<key>/``: that merged plan YAML and its agents file;
- ``DIR/summary.csv``, ``DIR/summary.html`` and, with a headcount search, ``DIR/headcount.csv``, written when
  every scenario has finished.

Reproducibility: a deterministic plan (``solver.deterministic: true``, the default) is the same whatever the
executor and worker count as long as its work budget completes. The wall-clock cap is therefore generous by
default (``WALL_FACTOR`` times the time limit plus ``WALL_EXTRA_SECONDS``: a loaded machine is slowed, not
cut short), and the summary says for each plan whether its budget completed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from scheduler.io.config import check_solver_options
from scheduler.io.outputs import StagedOutput, check_out_dir, publish_permissions
from scheduler.sweep.executors import LOCAL, Executor, make_executor
from scheduler.sweep.headcount import HeadcountSearch
from scheduler.sweep.jobs import OK, JobOutcome, ScenarioJob, plan_yaml, versions
from scheduler.sweep.scenarios import Scenario, Sweep, load_sweep
from scheduler.sweep.summary import (
    TARGET_NOT_MET,
    CurvePoint,
    SummaryRow,
    headcount_csv,
    summary_csv,
    summary_html,
)

WALL_FACTOR = 4.0
WALL_EXTRA_SECONDS = 60.0
DEFAULT_TIME_LIMIT_SECONDS = 60.0  # solver.time_limit_seconds when the plan does not set it
FAILED_STATUSES = ("rejected", "infeasible", "failed")
PLAN_NAME = "plan.yaml"  # the merged plan's name in DIR/configs/<key>/


@dataclass(frozen=True)
class SweepResult:
    out_dir: Path
    rows: tuple[SummaryRow, ...]
    cpu_seconds: float = 0.0  # CPU time of every plan's worker, headcount probes included

    @property
    def failed(self) -> tuple[SummaryRow, ...]:
        return tuple(row for row in self.rows if row.status in FAILED_STATUSES)


def run_sweep(sweep_file: Path, out_dir: Path, *, executor: str = LOCAL, workers: int | None = None,
              ray_address: str | None = None, time_limit_seconds: float | None = None,
              wall_limit_seconds: float | None = None, progress: TextIO | None = sys.stderr) -> SweepResult:
    """Plan every scenario of ``sweep_file`` into ``out_dir`` (module docstring); bad input raises InputError
    before anything is written. A failed scenario gets its error in the summary; the others go on. Ctrl-C (or
    SIGTERM) stops every worker and raises KeyboardInterrupt: the scenarios published by then stay, whole;
    nothing else is written."""
    check_solver_options(time_limit_seconds, None, workers, wall_limit_seconds)
    check_out_dir(out_dir)
    sweep = load_sweep(sweep_file)
    runner = make_executor(executor, workers, ray_address, out_dir)
    try:
        with _terminate_as_interrupt():
            driver = _Driver(sweep, out_dir, runner, time_limit_seconds, wall_limit_seconds, progress)
            rows = driver.run()
    except BaseException:
        runner.close(cancel=True)
        raise
    runner.close()
    _write_atomic(out_dir / "summary.csv", summary_csv(rows))
    _write_atomic(out_dir / "summary.html", summary_html(rows, f"Sweep {sweep_file.name}"))
    if any(row.curve for row in rows):
        _write_atomic(out_dir / "headcount.csv", headcount_csv(rows))
    return SweepResult(out_dir, tuple(rows), driver.cpu_seconds)


class _Driver:
    """Submits jobs, collects outcomes, steers the headcount searches and publishes each finished scenario."""

    def __init__(self, sweep: Sweep, out_dir: Path, runner: Executor, time_limit_seconds: float | None,
                 wall_limit_seconds: float | None, progress: TextIO | None) -> None:
        self.sweep, self.out_dir, self.runner = sweep, out_dir, runner
        self.time_limit, self.wall_limit = time_limit_seconds, wall_limit_seconds
        self.progress = _Progress(progress, len(sweep.scenarios))
        self.queue: deque[ScenarioJob] = deque()
        self.jobs: dict[str, tuple[Scenario, ScenarioJob]] = {}
        self.searches: dict[str, HeadcountSearch] = {}
        self.probes: dict[tuple[str, int], ScenarioJob] = {}  # finished jobs of the searches, by key and count
        self.rows: dict[str, SummaryRow] = {}
        self.running = 0
        self.cpu_seconds = 0.0

    def run(self) -> list[SummaryRow]:
        for scenario in self.sweep.scenarios:
            solver = scenario.plan.get("solver")
            if isinstance(solver, dict) and solver.get("deterministic") is False:
                self.progress.line(f"warning: {scenario.key} solves in wall-clock mode (solver.deterministic: "
                                   "false): its plan is not reproducible")
            group = scenario.search
            if group is None:
                self.queue.append(self._job(scenario, None))
                continue
            search = self.searches[scenario.key] = HeadcountSearch(group.min_count, group.max_count)
            self.queue.extend(self._job(scenario, count) for count in search.next_counts())
        while self.queue or self.running:
            while self.queue and self.running < self.runner.capacity:
                self.runner.submit(self.queue.popleft())
                self.running += 1
                self.progress.running(self.running)
            for outcome in self.runner.wait():
                self.running -= 1
                self.cpu_seconds += outcome.cpu_seconds
                self._finished(outcome)
        self.progress.close()
        return [self.rows[s.key] for s in self.sweep.scenarios]

    def _job(self, scenario: Scenario, searched: int | None) -> ScenarioJob:
        given = scenario.plan.get("solver")
        solver: dict[str, Any] = given if isinstance(given, dict) else {}
        limit = self.time_limit or float(solver.get("time_limit_seconds", DEFAULT_TIME_LIMIT_SECONDS))
        deterministic = solver.get("deterministic", True) is not False
        tag = scenario.key if searched is None else f"{scenario.key}@{searched}"
        job = ScenarioJob(
            tag=tag, key=scenario.key, plan=scenario.plan, plan_name=PLAN_NAME,
            agents_name=scenario.agents_name, agents_csv=scenario.agents_csv(searched),
            history_name=scenario.history_path.name, history=scenario.history_path,
            recorded_config=(self.out_dir / "configs" / scenario.key / PLAN_NAME).as_posix(),
            time_limit_seconds=self.time_limit,
            wall_limit_seconds=self.wall_limit or WALL_FACTOR * limit + WALL_EXTRA_SECONDS,
            threads=1 if deterministic else int(solver.get("workers", 2)), versions=versions(),
            added=scenario.added_agents(searched))
        self.jobs[tag] = (scenario, job)
        return job

    def _finished(self, outcome: JobOutcome) -> None:
        scenario, job = self.jobs.pop(outcome.tag)
        search = self.searches.get(scenario.key)
        if search is None:
            row = SummaryRow(scenario.key, scenario.scenario_id, scenario.site, outcome.status, outcome.kpis,
                             outcome.error, job.added)
            self._publish(scenario, job, outcome, row)
            return
        searched = int(outcome.tag.rsplit("@", 1)[1])
        self.probes[scenario.key, searched] = job
        search.record(searched, outcome)
        self.progress.probe(scenario.key, job.added, outcome,
                            search.meets(searched) if searched in search.outcomes else None)
        counts = search.next_counts()
        self.queue.extendleft(self._job(scenario, count) for count in reversed(counts))
        if search.done:
            curve = tuple(CurvePoint(scenario.added_agents(c), o.kpis) for c, o in sorted(search.outcomes.items())
                          if o.kpis is not None)
            if search.failed is not None:
                failed = search.failed
                chosen = self.probes[scenario.key, int(failed.tag.rsplit("@", 1)[1])]
                row = SummaryRow(scenario.key, scenario.scenario_id, scenario.site, failed.status, failed.kpis,
                                 failed.error, chosen.added, curve)
                self._publish(scenario, chosen, failed, row)
                return
            shown = search.shown
            chosen = self.probes[scenario.key, shown]
            status = OK if search.answer is not None else TARGET_NOT_MET
            error = "" if search.answer is not None else \
                f"the targets are not met with {chosen.added} agents added (add_agents max)"
            best = search.outcomes[shown]
            row = SummaryRow(scenario.key, scenario.scenario_id, scenario.site, status, best.kpis, error,
                             chosen.added, curve)
            self._publish(scenario, chosen, best, row)

    def _publish(self, scenario: Scenario, job: ScenarioJob, outcome: JobOutcome, row: SummaryRow) -> None:
        """The scenario's merged config, then (with a plan) its plan folder, each published atomically."""
        configs = self.out_dir / "configs" / scenario.key
        plan = dict(scenario.plan)
        plan["history"] = os.path.relpath(scenario.history_path, configs.resolve())
        plan["agents"] = scenario.agents_name
        with StagedOutput(configs) as staged:
            staged.write_text(job.plan_name, plan_yaml(plan))
            staged.write_text(scenario.agents_name, job.agents_csv)
            staged.commit()
        if outcome.status == OK and outcome.files:
            with StagedOutput(self.out_dir / scenario.key) as staged:
                for name, data in outcome.files:
                    target = staged.path(name)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                staged.commit()
        self.rows[scenario.key] = row
        self.progress.finished(row)


class _Progress:
    """One line per finished scenario (``[sweep] 3/8 key: ...``) and, on a terminal, a redrawn bar."""

    WIDTH = 24

    def __init__(self, stream: TextIO | None, total: int) -> None:
        self.stream, self.total = stream, total
        self.tty = stream is not None and stream.isatty()
        self.done, self.started, self.in_flight = 0, time.monotonic(), 0

    def line(self, text: str) -> None:
        if self.stream is not None:
            self.stream.write(("\r\033[K" if self.tty else "") + text + "\n")
            self._bar()
            self.stream.flush()

    def running(self, count: int) -> None:
        self.in_flight = count
        if self.tty:
            self._bar()

    def probe(self, key: str, added: int, outcome: JobOutcome, meets: bool | None) -> None:
        verdict = "failed" if meets is None else "meets every target" if meets else "misses a target"
        figures = _figures(outcome) if outcome.kpis is not None else outcome.error
        self.line(f"[sweep] {key}: +{added} agents {verdict}: {figures}")

    def finished(self, row: SummaryRow) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        figures = row.error if row.kpis is None else _figures_of(row)
        added = f" (+{row.added} agents)" if row.added else ""
        self.line(f"[sweep] {self.done}/{self.total} {row.key}: {row.status}{added}, {figures} [{elapsed:.0f}s]")

    def _bar(self) -> None:
        if self.tty and self.stream is not None and self.done < self.total:
            filled = int(self.done / max(self.total, 1) * self.WIDTH)
            self.stream.write(f"\r\033[K[sweep] [{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{self.total} "
                              f"scenarios, {self.in_flight} running, {time.monotonic() - self.started:.0f}s")
            self.stream.flush()

    def close(self) -> None:
        if self.tty and self.stream is not None:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _figures(outcome: JobOutcome) -> str:
    kpis = outcome.kpis
    assert kpis is not None
    return (f"service level {kpis.service_level.overall:.1%}, understaffed {kpis.understaffed_agent_hours:,.1f} h, "
            f"paid {kpis.paid_hours:,.1f} h, cost {kpis.cost:,.2f}, gap {kpis.solver.gap:.1%}"
            + ("" if kpis.solver.budget_completed else ", cut short by the wall clock (not reproducible)"))


def _figures_of(row: SummaryRow) -> str:
    return _figures(JobOutcome(row.key, row.status, kpis=row.kpis)) + (f"; {row.error}" if row.error else "")


def _write_atomic(path: Path, text: str) -> None:
    """One file, written beside ``path`` and moved over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        publish_permissions(Path(temp))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the sweep like Ctrl-C (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
