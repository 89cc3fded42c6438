"""One plan of a sweep as a self-contained job: everything it reads travels with it, everything it writes comes
back as bytes, so it runs the same in a local process or as a Ray task on another machine.

``run_job`` writes the job's plan YAML and agents file into a scratch folder, runs the ``wfm plan`` pipeline
(``scheduler.app.pipeline.run_plan``) into a scratch output folder and returns that folder's files. The config's
``source`` is set to the path the sweep records (``DIR/configs/<key>/plan.yaml``), so ``kpis.json`` names the
config a planner can re-run with ``wfm plan``, whatever machine planned it.
"""

from __future__ import annotations

import contextlib
import io
import signal
import tempfile
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import ortools
import yaml

from scheduler import __version__
from scheduler.errors import InfeasibleError, WfmError
from scheduler.validation.kpis import Kpis

OK, REJECTED, INFEASIBLE, FAILED = "ok", "rejected", "infeasible", "failed"


def versions() -> tuple[str, str]:
    """What must match between the machine that plans and the one that asked: byte-identical plans need the
    same wfm and OR-Tools."""
    return __version__, ortools.__version__


@dataclass(frozen=True)
class ScenarioJob:
    """One plan to run. ``history`` is the history file's path (same machine) or its bytes (Ray)."""

    tag: str  # unique within the sweep: the scenario key, and ``@N`` for a headcount probe with N agents added
    key: str
    plan: dict[str, Any]
    plan_name: str
    agents_name: str
    agents_csv: str
    history_name: str
    history: Path | bytes
    recorded_config: str  # kpis.json's "config"
    time_limit_seconds: float | None
    wall_limit_seconds: float
    threads: int  # CPU threads the solve uses (1 in deterministic mode)
    versions: tuple[str, str]
    added: int = 0  # agents added (a headcount probe's count)
    scratch: str | None = None  # folder for the job's scratch files (None: the system's)


@dataclass(frozen=True)
class JobOutcome:
    """What a job gives back: its status, the plan folder's files (relative path -> bytes; none unless ok)
    and its KPIs (none when it failed)."""

    tag: str
    status: str
    files: tuple[tuple[str, bytes], ...] = ()
    kpis: Kpis | None = None
    error: str = ""
    cpu_seconds: float = 0.0  # CPU time the job used in its worker (for measurements; not written anywhere)


def run_job(job: ScenarioJob) -> JobOutcome:
    """Plan one scenario; never raises for a failed plan (its error is in the outcome)."""
    started = time.process_time()
    outcome = _run_job(job)
    return replace(outcome, cpu_seconds=time.process_time() - started)


def _run_job(job: ScenarioJob) -> JobOutcome:
    from scheduler.app.pipeline import run_plan
    from scheduler.io.config import load_config
    from scheduler.rostering.stopping import Stop

    if job.versions != versions():
        return JobOutcome(job.tag, FAILED, error=f"this worker runs wfm {versions()[0]} with OR-Tools "
                          f"{versions()[1]}, the sweep wfm {job.versions[0]} with OR-Tools {job.versions[1]}: "
                          "install the same versions on every machine")
    try:
        with tempfile.TemporaryDirectory(prefix="wfm-job-", dir=job.scratch) as scratch, \
                contextlib.redirect_stderr(io.StringIO()):  # warnings are in kpis.json; stderr is the driver's
            folder = Path(scratch)
            plan = dict(job.plan)
            if isinstance(job.history, bytes):
                (folder / job.history_name).write_bytes(job.history)
                plan["history"] = job.history_name
            else:
                plan["history"] = str(job.history)
            plan["agents"] = job.agents_name
            (folder / job.agents_name).write_text(job.agents_csv, encoding="utf-8", newline="")
            config_path = folder / job.plan_name
            config_path.write_text(plan_yaml(plan), encoding="utf-8")
            config = replace(load_config(config_path), source=Path(job.recorded_config))
            out = folder / "out"
            # deterministic: one process per solve (no forked local-search runs, ``search.parallel_runs``), the
            # sweep already runs a job per core
            result = run_plan(config, out, time_limit_seconds=job.time_limit_seconds, progress=None,
                              workers=job.threads, stop=Stop(job.wall_limit_seconds))
            if result.violations:
                return JobOutcome(job.tag, REJECTED, kpis=result.kpis,
                                  error=f"{len(result.violations)} hard-rule violation(s); not published")
            files = tuple((path.relative_to(out).as_posix(), path.read_bytes())
                          for path in sorted(out.rglob("*")) if path.is_file())
            return JobOutcome(job.tag, OK, files=files, kpis=result.kpis)
    except InfeasibleError as error:
        return JobOutcome(job.tag, INFEASIBLE, error=_one_line(error))
    except WfmError as error:
        return JobOutcome(job.tag, FAILED, error=_one_line(error))
    except Exception as error:  # a bug must not take the other scenarios down: report it in the summary
        last = traceback.extract_tb(error.__traceback__)[-1:]
        where = f" at {Path(last[0].filename).name}:{last[0].lineno}" if last else ""
        return JobOutcome(job.tag, FAILED, error=f"{type(error).__name__}: {_one_line(error)}{where}")


def run_job_in_child(job: ScenarioJob) -> JobOutcome:
    """``run_job`` in a worker process of the local executor: Ctrl-C is the driver's to handle (it ends the
    workers), so the worker ignores SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return run_job(job)


def plan_yaml(plan: dict[str, Any]) -> str:
    """A merged plan mapping as YAML text (keys in the base's order)."""
    return yaml.safe_dump(plan, sort_keys=False, allow_unicode=True, width=120)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).splitlines())
