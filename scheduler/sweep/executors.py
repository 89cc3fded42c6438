"""Where a sweep's jobs run: ``local`` worker processes on this machine, or Ray tasks.

Both take jobs with ``submit`` and hand back finished outcomes with ``wait``; the sweep decides what to submit
next (a headcount search submits as its probes come back). ``close(cancel=True)`` ends every running job at
once (Ctrl-C): nothing a cancelled job wrote survives, because a job publishes nothing itself.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from scheduler.errors import InputError
from scheduler.sweep.jobs import FAILED, JobOutcome, ScenarioJob, run_job, run_job_in_child

LOCAL, RAY = "local", "ray"
EXECUTORS = (LOCAL, RAY)
RAY_INSTALL = "pip install 'wfm-optimizer[ray]'"


class Executor(Protocol):
    capacity: int  # jobs that may run at once

    def submit(self, job: ScenarioJob) -> None: ...

    def wait(self) -> list[JobOutcome]:
        """Block until at least one submitted job has finished; its outcome (and any others finished)."""
        ...

    def close(self, cancel: bool = False) -> None: ...


def _start_method() -> str:
    # A fresh server process forks the workers: nothing of the driver's threads (a Ray client, a progress
    # ticker) is copied into them, and the plan modules are imported once, not per scenario.
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _child_main(job: ScenarioJob, conn: multiprocessing.connection.Connection) -> None:
    conn.send(run_job_in_child(job))
    conn.close()


@dataclass
class _Running:
    job: ScenarioJob
    process: Any
    conn: multiprocessing.connection.Connection


class LocalExecutor:
    """One worker process per job, at most ``workers`` at once. A process per job keeps scenarios apart: a
    worker that crashes (or is killed for memory) fails its own scenario only, and each scenario starts with
    the memory of a fresh process. Scratch files go to a private folder (``.NAME.sweep-XXXX`` in
    ``scratch_parent``, else the system's temporary folder) that ``close`` removes."""

    def __init__(self, workers: int, scratch_parent: Path | None = None, scratch_name: str = "wfm") -> None:
        self.capacity = workers
        self.context: Any = multiprocessing.get_context(_start_method())
        if _start_method() == "forkserver":
            self.context.set_forkserver_preload(["scheduler.sweep.jobs", "scheduler.app.pipeline"])
        if scratch_parent is not None:
            scratch_parent.mkdir(parents=True, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix=f".{scratch_name}.sweep-", dir=scratch_parent))
        self.running: dict[str, _Running] = {}

    def submit(self, job: ScenarioJob) -> None:
        receive, send = self.context.Pipe(duplex=False)
        process = self.context.Process(target=_child_main, args=(replace(job, scratch=str(self.scratch)), send),
                                       name=f"wfm-sweep-{job.tag}", daemon=True)
        process.start()
        send.close()  # the child holds the only writing end: its death closes the pipe
        self.running[job.tag] = _Running(job, process, receive)

    def wait(self) -> list[JobOutcome]:
        if not self.running:
            return []
        by_conn = {id(r.conn): r for r in self.running.values()}
        ready = multiprocessing.connection.wait([r.conn for r in self.running.values()])
        outcomes = []
        for conn in ready:
            run = by_conn[id(conn)]
            try:
                outcome = run.conn.recv()
            except (EOFError, OSError):
                run.process.join()
                outcome = JobOutcome(run.job.tag, FAILED, error=f"the worker process died (exit code "
                                     f"{run.process.exitcode}; out of memory?)")
            run.conn.close()
            run.process.join()
            del self.running[run.job.tag]
            outcomes.append(outcome)
        return outcomes

    def close(self, cancel: bool = False) -> None:
        for run in self.running.values():
            if cancel:
                run.process.terminate()
        for run in self.running.values():
            run.process.join(timeout=30)
            if run.process.is_alive():
                run.process.kill()
                run.process.join()
            run.conn.close()
        self.running.clear()
        shutil.rmtree(self.scratch, ignore_errors=True)


def _ray_module() -> Any:
    try:
        import ray
    except ImportError:
        raise InputError(f"--executor ray needs Ray, which is not installed: {RAY_INSTALL}") from None
    return ray


# How long a cluster's head may take to accept a connection before --ray-address counts as unreachable (Ray
# itself keeps retrying for minutes).
CONNECT_TIMEOUT_SECONDS = 10.0


def _check_reachable(address: str) -> None:
    """InputError unless ``host:port`` (or ``ray://host:port``) accepts a TCP connection; ``auto`` and
    ``local`` are Ray's own lookups and are left to it."""
    if address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"--ray-address must be HOST:PORT, ray://HOST:PORT, auto or local, got {address!r}")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_SECONDS).close()
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise InputError(f"cannot reach the Ray cluster at --ray-address {address} ({reason})") from None


def _run_remote(job: ScenarioJob, history: bytes | None) -> JobOutcome:
    """The Ray task: the history's bytes arrive as a separate argument, shared by every job of one site."""
    return run_job(job if history is None else replace(job, history=history))


class RayExecutor:
    """Each job is a Ray task (``num_cpus`` = the solve's threads, no retries). Uses the Ray session already
    started in this process, else starts a local instance with ``workers`` CPUs, or connects to the cluster
    at ``address``; the history files go to the object store once per file."""

    def __init__(self, workers: int | None, address: str | None = None) -> None:
        ray = self.ray = _ray_module()
        self.started = False
        if address is not None:
            _check_reachable(address)
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                       "logging_level": "ERROR"}
            if address is None:
                options["num_cpus"] = workers or os.cpu_count() or 1
            else:
                options["address"] = address
            try:
                ray.init(**options)
            except Exception as error:  # Ray raises ConnectionError, RuntimeError, ValueError, ...
                text = " ".join(str(error).split())[:200]
                where = f"cannot reach the Ray cluster at --ray-address {address}" if address else \
                    "cannot start a local Ray instance"
                raise InputError(f"{where} ({type(error).__name__}: {text})") from None
            self.started = True
        cluster_cpus = int(ray.cluster_resources().get("CPU", 1))
        self.capacity = workers or max(1, cluster_cpus)
        self.remote = ray.remote(max_retries=0)(_run_remote)
        self.histories: dict[str, Any] = {}
        self.running: dict[Any, ScenarioJob] = {}

    def submit(self, job: ScenarioJob) -> None:
        history = None
        if isinstance(job.history, Path):
            path = str(job.history)
            if path not in self.histories:
                self.histories[path] = self.ray.put(job.history.read_bytes())
            history = self.histories[path]
        shipped = job if history is None else replace(job, history=b"")
        ref = self.remote.options(num_cpus=job.threads).remote(shipped, history)
        self.running[ref] = job

    def wait(self) -> list[JobOutcome]:
        if not self.running:
            return []
        ready, _ = self.ray.wait(list(self.running), num_returns=1)
        outcomes = []
        for ref in ready:
            job = self.running.pop(ref)
            try:
                outcomes.append(self.ray.get(ref))
            except Exception as error:  # the task's worker died, or Ray lost it
                text = " ".join(str(error).split())[:200]
                outcomes.append(JobOutcome(job.tag, FAILED, error=f"Ray task failed ({type(error).__name__}: "
                                                                  f"{text})"))
        return outcomes

    def close(self, cancel: bool = False) -> None:
        if cancel:
            for ref in self.running:
                with contextlib.suppress(Exception):  # already finished or gone: nothing left to stop
                    self.ray.cancel(ref, force=True)
        self.running.clear()
        self.histories.clear()
        if self.started:
            self.ray.shutdown()


def make_executor(name: str, workers: int | None, ray_address: str | None, out_dir: Path | None = None) -> Executor:
    """The executor ``name`` (``local`` or ``ray``); InputError when Ray is missing or cannot start."""
    if name not in EXECUTORS:
        raise InputError(f"--executor must be one of {', '.join(EXECUTORS)}, got {name!r}")
    if name == LOCAL:
        if ray_address is not None:
            raise InputError("--ray-address needs --executor ray")
        # Scratch files beside the output folder (like a plan's staging folder), removed when the sweep ends.
        parent = None if out_dir is None else out_dir.expanduser().resolve().parent
        return LocalExecutor(workers or os.cpu_count() or 1, parent, out_dir.name if out_dir else "wfm")
    return RayExecutor(workers, ray_address)
