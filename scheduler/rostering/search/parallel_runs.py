"""Local-search runs on the other cores: forked processes, each with its own deterministic budget and seeds.

In deterministic mode every CP-SAT solve and every local-search run is single-threaded, so on a machine with more
than one core the solve leaves the others idle. The local-search runs from the rounded LP roster are independent
(each from the same start, with its own seed: they end in different local optima, README "Where the worst gaps come
from"), so ``solver.workers - 1`` forked processes run more of them while the main process does its own runs
unchanged. Each worker has its own budget in deterministic units, its own seeds (``run_seed``: never one of the main
path's) and reads nothing of the main process after the fork, so its rosters do not depend on the machine's load.

A worker sends its rosters in batches. The first (its runs within what the main process's runs may spend) is
collected at one point (``finish``: after the main process's own runs, before the crossover restarts), in worker
order, and a roster is kept only when strictly better than the main's best: up to that point the roster is the one
``workers: 1`` gives, and ties go to the main process. With ``SECOND_BATCH`` (off: no better roster measured) the
worker then goes on to where the main process's budget ends: more runs, then crossover restarts of its own best; that
second batch is collected after the main process's neighbourhoods (``finish`` with ``batch`` 1) and kept only when
strictly better, so both cores work to the end of the budget and nothing before the end changes.

A worker's rosters come back through temporary files (pickled, one a batch, each renamed into place whole), so a
worker never blocks on the main process. The wall-clock cap and an interrupt end a wait: the workers are killed and
reaped, their runs dropped (the solve then reports its budget not completed, as any cut does). A worker runs at a
lower priority (``NICENESS``), so where the other core is busy it takes what is left of the machine and the main
process keeps the pace one process has; the main process then waits for the first batch only while the wall time
left still covers the seconds its own remaining budget stands for (``behind``), and for the second only until the
solve has used the wall time its whole budget stands for (``late``): past that the workers are killed and their
runs dropped (the first batch given up: the roster ``workers: 1`` gives, and ``kpis.json`` records one worker; the
second: the roster without it). A worker dies of SIGINT or SIGTERM (Ctrl-C reaches both processes; the main process
finishes with its best roster), and one killed from outside interrupts the main process's search; a worker that
finds its parent gone stops at its next step.

Measured at 150 agents x 3 queues, 60 s (README "Local-search runs on the second core" and "The second core to the
end of the budget"). Applied from ``MIN_AGENTS`` (``applies``); not measured below it, so the bundled example's 60
agents keep one process.
"""

from __future__ import annotations

import os
import pickle
import signal
import tempfile
import time
import traceback
import weakref
from collections.abc import Callable, Iterable
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
# Whether a worker goes on past its runs' share, to the end of the main process's budget, with a second batch of
# rosters the main process collects at the end of its search (``finish`` with ``batch`` 1). Off: at 150 x 3, 60 s, its
# further runs and crossovers found no better roster on any of the seeds measured, where the main process's own
# later phases had already moved on (README "The second core to the end of the budget").
SECOND_BATCH = False

# A worker's job: given its number and its ``stopped``, the batches of rosters it sends back, one after the other.
Job = Callable[[int, Callable[[], bool]], Iterable[list[Roster]]]


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


def late(seconds_left: float, margin_seconds: float) -> bool:
    """Whether the main process, its own budget spent, can wait for its workers' second batch no longer: the wall
    time left is only the limit's margin (``margin_seconds``: what the deterministic budget leaves of the limit for
    the machine's own speed), so the solve has used the wall time its whole budget stands for."""
    return seconds_left <= margin_seconds


def run_seed(seed: int, worker: int, run: int) -> int:
    """The seed of worker ``worker``'s (1, 2, ...) run ``run`` (0, 1, ...)."""
    return seed + SEED_STRIDE * worker + run


class WorkerFailed(RuntimeError):
    """A worker raised: its traceback is the message (a bug, not a cut: the solve must not hide it)."""


@dataclass
class Workers:
    """Forked workers still to be collected: process ids (of those not yet reaped) and result files (batch ``b`` at
    ``batch_path``), by worker number; ``ended``: the exit status of a worker already reaped."""

    pids: dict[int, int] = field(default_factory=dict)
    files: dict[int, Path] = field(default_factory=dict)
    ended: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._finalizer = weakref.finalize(self, _kill_and_reap, self.pids, self.files)

    def close(self) -> None:
        """Kill the workers not yet reaped, reap them and remove their files."""
        self._finalizer()


def batch_path(base: Path, batch: int) -> Path:
    """Where a worker writes its batch ``batch`` (0, 1, ...), whole: written beside it, then renamed."""
    return base.with_name(f"{base.name}.{batch}")


def start(workers: int, job: Job, stop: Stop) -> Workers:
    """Fork ``workers - 1`` processes; worker ``k`` (1, 2, ...) runs ``job(k, stopped)`` and sends back each batch
    of rosters it yields as soon as it is complete. ``stopped`` says the worker must end: ``stop`` (its copy: a
    deadline, an interrupt the worker receives itself) or its parent gone."""
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


def finish(handle: Workers | None, stop: Stop, give_up: Callable[[], bool] = lambda: False, batch: int = 0,
           last: bool = True) -> list[Roster]:
    """The workers' rosters of batch ``batch``, worker by worker, each in its run order, once every worker has sent
    it (a worker that ended without it, its job done, sends none); none when ``handle`` is ``None`` or closed. When
    ``stop`` says the solve must end first, or ``give_up`` says the main process can wait no longer (a busy
    machine: the workers are behind), the workers are killed and their runs dropped; a worker killed or stopped
    from outside interrupts ``stop``. The workers are killed and reaped after the ``last`` batch, or when one is
    dropped. Raises ``WorkerFailed`` when a worker raised."""
    if handle is None:
        return []
    rosters: list[Roster] = []
    complete = False
    try:
        for worker in sorted(handle.files):
            path = batch_path(handle.files[worker], batch)
            while not path.exists():
                if worker not in handle.ended:
                    done, code = os.waitpid(handle.pids[worker], os.WNOHANG)
                    if done:  # reaped: never killed again (its process id may be reused)
                        handle.ended[worker] = code
                        del handle.pids[worker]
                        continue  # (it may have written the batch just before it ended)
                if worker in handle.ended:
                    break
                if stop.stopped() or give_up():
                    return []  # (``close`` below kills and reaps them)
                time.sleep(POLL_SECONDS)
            if not path.exists():  # ended without the batch: its job done, or killed (a signal of its own, out of
                status = handle.ended[worker]  # memory: a cut)
                if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
                    continue
                stop.interrupt()
                return []
            kind, value = pickle.loads(path.read_bytes())
            if kind == "error":
                raise WorkerFailed(f"local-search worker {worker} failed:\n{value}")
            if kind == "cut":  # the worker was stopped (its own interrupt): its runs are not the reproducible ones
                stop.interrupt()
                return []
            rosters.extend(value)
        complete = True
        return rosters
    finally:
        if last or not complete:
            handle.close()


def _work(worker: int, job: Job, stopped: Callable[[], bool], path: Path) -> None:
    """The forked worker's whole life: the job, each batch it yields (or its traceback) pickled to its batch file,
    then ``os._exit`` (no ``atexit`` handlers, no buffers of the parent flushed twice)."""
    code = 1
    try:
        os.nice(NICENESS)
        for number in (signal.SIGINT, signal.SIGTERM):  # an interrupt ends a worker at once (the main process
            if signal.getsignal(number) is not signal.SIG_IGN:  # drops its runs); one ignored stays ignored
                signal.signal(number, signal.SIG_DFL)
        batch = 0
        try:
            for runs in job(worker, stopped):
                cut = stopped()
                _write(path, batch, ("cut" if cut else "runs", runs))
                batch += 1
                if cut:
                    break
        except Exception:
            _write(path, batch, ("error", traceback.format_exc()))
        code = 0
    except BaseException:  # a second interrupt (``KeyboardInterrupt``) or a failed write: no result
        code = 1
    finally:
        os._exit(code)


def _write(base: Path, batch: int, result: tuple[str, object]) -> None:
    """``result`` pickled to batch ``batch``'s file, whole or not at all (written beside it, then renamed)."""
    final = batch_path(base, batch)
    partial = final.with_name(final.name + ".part")
    partial.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(partial, final)


def _kill_and_reap(pids: dict[int, int], files: dict[int, Path]) -> None:
    for pid in pids.values():
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    pids.clear()
    for base in files.values():
        for path in base.parent.glob(f"{base.name}.*"):
            path.unlink(missing_ok=True)
        base.unlink(missing_ok=True)
    files.clear()
