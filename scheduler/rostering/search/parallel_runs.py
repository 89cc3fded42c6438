"""Local-search runs on the other cores: forked processes, each with its own deterministic budget and seeds.

In deterministic mode every CP-SAT solve and every local-search run is single-threaded, so on a machine with more
than one core the solve leaves the others idle. The local-search runs from the rounded LP roster are independent
(each from the same start, with its own seed: they end in different local optima, README "Where the worst gaps come
from"), so ``solver.workers - 1`` forked processes run more of them while the main process does its own runs
unchanged. Each worker has its own budget in deterministic units (what the main process's runs may spend), its own
seeds (``run_seed``: never one of the main path's) and reads nothing of the main process after the fork, so its
rosters do not depend on the machine's load. The main process collects them at one point (``finish``: after its
own runs, before the crossover restarts), in worker order, and keeps a roster only when strictly better than its
own best: up to that point the roster is the one ``workers: 1`` gives, and ties go to the main process.

A worker's rosters come back through a temporary file (pickled), so a worker never blocks on the main process. The
wall-clock cap and an interrupt end the wait: the workers are killed and reaped, their runs dropped (the solve then
reports its budget not completed, as any cut does). A worker runs at a lower priority (``NICENESS``), so where the
other core is busy it takes what is left of the machine and the main process keeps the pace one process has; the
main process then waits for it only while the wall time left still covers the seconds its own remaining budget
stands for (``finish``'s ``give_up``): past that the workers are killed and their runs dropped, and the roster is the
one ``workers: 1`` gives (``kpis.json`` records one worker). A worker dies of SIGINT or SIGTERM (Ctrl-C reaches both
processes; the main process finishes with its best roster), and one killed from outside interrupts the main
process's search; a worker that finds its parent gone stops at its next step.

Measured at 150 agents x 3 queues, 60 s (README "Local-search runs on the second core"): 4 of 17 seeds better,
none worse. Applied from ``MIN_AGENTS`` (``applies``); not measured below it, so the bundled example's 60 agents keep
one process.
"""

from __future__ import annotations

import os
import pickle
import signal
import tempfile
import time
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.domain.roster import Roster
from scheduler.rostering import effective_cover
from scheduler.rostering.instance import Instance
from scheduler.rostering.stopping import Stop

# Whether the deterministic solve runs local search in ``solver.workers - 1`` forked processes beside its own.
ENABLED = True
# Agents from which it applies (measured at 150; at 1,000 only its memory; not measured below 100).
MIN_AGENTS = 100
# A worker's run ``r`` has seed ``seed + SEED_STRIDE * worker + r``: far from the main path's seeds (``seed`` plus
# at most a few hundred: runs, crossovers, neighbourhood steps, days).
SEED_STRIDE = 1_000_003
# How often, in seconds, the main process looks whether a worker has finished or the solve must stop.
POLL_SECONDS = 0.02
# The workers' scheduling priority above the main process's (``os.nice``): on a busy machine they yield the core.
NICENESS = 10


def applies(instance: Instance, workers: int) -> bool:
    """Whether the solve's local-search runs use ``workers`` processes: more than one, on, ``MIN_AGENTS`` or more,
    head-count cover per interval (not the weighted, deferred-queue or weekly service-level modes), one week without
    a carry-in and not a re-plan (where the runs were not measured)."""
    config = instance.config
    return (ENABLED and workers > 1 and hasattr(os, "fork") and len(config.agents) >= MIN_AGENTS
            and not effective_cover.weighted(config) and not instance.deadlines and instance.service_curves is None
            and config.weeks == 1 and config.carry_in is None and config.replan is None)


def behind(seconds_left: float, units_left: float, units_per_second: float) -> bool:
    """Whether the main process can wait for its workers no longer: the wall time left is only what its own budget
    left stands for (``units_left`` at ``units_per_second``), so a longer wait would cut its later phases."""
    return seconds_left <= units_left / units_per_second


def run_seed(seed: int, worker: int, run: int) -> int:
    """The seed of worker ``worker``'s (1, 2, ...) run ``run`` (0, 1, ...)."""
    return seed + SEED_STRIDE * worker + run


class WorkerFailed(RuntimeError):
    """A worker raised: its traceback is the message (a bug, not a cut: the solve must not hide it)."""


@dataclass
class Workers:
    """Forked workers still to be collected: process ids and result files, by worker number."""

    pids: dict[int, int] = field(default_factory=dict)
    files: dict[int, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._finalizer = weakref.finalize(self, _kill_and_reap, self.pids, self.files)

    def close(self) -> None:
        """Kill the workers not yet reaped, reap them and remove their files."""
        self._finalizer()


def start(workers: int, job: Callable[[int, Callable[[], bool]], list[Roster]], stop: Stop) -> Workers:
    """Fork ``workers - 1`` processes; worker ``k`` (1, 2, ...) runs ``job(k, stopped)`` and sends back the rosters
    it returns. ``stopped`` says the worker must end: ``stop`` (its copy: a deadline, an interrupt the worker
    receives itself) or its parent gone."""
    handle = Workers()
    parent = os.getpid()
    for worker in range(1, workers):
        descriptor, name = tempfile.mkstemp(prefix=f"wfm-runs-{parent}-{worker}-", suffix=".pickle")
        os.close(descriptor)
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            _work(worker, job, lambda: stop.stopped() or os.getppid() != parent, Path(name))
        handle.pids[worker], handle.files[worker] = pid, Path(name)
    return handle


def finish(handle: Workers | None, stop: Stop, give_up: Callable[[], bool] = lambda: False) -> list[Roster]:
    """The workers' rosters, worker by worker, each in its run order, once every worker has ended; none when
    ``handle`` is ``None``. When ``stop`` says the solve must end first, or ``give_up`` says the main process can
    wait no longer (a busy machine: the workers are behind), the workers are killed and their runs dropped; a
    worker killed or stopped from outside interrupts ``stop``. Raises ``WorkerFailed`` when a worker raised."""
    if handle is None:
        return []
    rosters: list[Roster] = []
    try:
        for worker in sorted(handle.pids):
            pid = handle.pids[worker]
            status = None
            while status is None:
                done, code = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = code
                elif stop.stopped() or give_up():
                    return []  # (``close`` below kills and reaps them)
                else:
                    time.sleep(POLL_SECONDS)
            del handle.pids[worker]
            payload = handle.files[worker].read_bytes()
            if not os.WIFEXITED(status) or not payload:  # killed (a signal of its own, out of memory): a cut
                stop.interrupt()
                return []
            kind, value = pickle.loads(payload)
            if kind == "error":
                raise WorkerFailed(f"local-search worker {worker} failed:\n{value}")
            if kind == "cut":  # the worker was stopped (its own interrupt): its runs are not the reproducible ones
                stop.interrupt()
                return []
            rosters.extend(value)
        return rosters
    finally:
        handle.close()


def _work(worker: int, job: Callable[[int, Callable[[], bool]], list[Roster]], stopped: Callable[[], bool],
          path: Path) -> None:
    """The forked worker's whole life: the job, its result (or traceback) pickled to ``path``, then ``os._exit``
    (no ``atexit`` handlers, no buffers of the parent flushed twice)."""
    code = 1
    try:
        os.nice(NICENESS)
        for number in (signal.SIGINT, signal.SIGTERM):  # an interrupt ends a worker at once (the main process
            if signal.getsignal(number) is not signal.SIG_IGN:  # drops its runs); one ignored stays ignored
                signal.signal(number, signal.SIG_DFL)
        try:
            runs = job(worker, stopped)
            result: tuple[str, object] = ("cut" if stopped() else "runs", runs)
        except Exception:
            result = ("error", traceback.format_exc())
        path.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        code = 0
    except BaseException:  # a second interrupt (``KeyboardInterrupt``) or a failed write: no result
        code = 1
    finally:
        os._exit(code)


def _kill_and_reap(pids: dict[int, int], files: dict[int, Path]) -> None:
    for pid in pids.values():
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    pids.clear()
    for path in files.values():
        path.unlink(missing_ok=True)
    files.clear()
