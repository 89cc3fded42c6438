"""Local-search runs in forked workers (``search.parallel_runs``): ``workers: 1`` is the one-process path,
``workers: 2`` is reproducible, a worker's better run is kept, and the wall-clock cap ends and reaps the workers."""

from __future__ import annotations

import io
import os
import re
import signal
import time

import pytest

from benchmarks.quality_seeds import centre
from scheduler.domain.roster import Roster
from scheduler.rostering import solve
from scheduler.rostering.instance import Instance
from scheduler.rostering.search import parallel_runs
from scheduler.rostering.stopping import INTERRUPT, WALL_CLOCK, Stop


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Instance:
    """A 20-agent, 2-queue centre of the generator at a 12-s limit (the LP start, runs in both processes)."""
    return centre(20, 2, 5, str(tmp_path_factory.mktemp("parallel")), 12.0)


@pytest.fixture
def anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers at any centre size (they apply from ``MIN_AGENTS``; the test centre is small)."""
    monkeypatch.setattr(parallel_runs, "MIN_AGENTS", 0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_workers_come_back_in_worker_order_and_a_failure_is_raised() -> None:
    rosters = [Roster(()), Roster(())]
    handle = parallel_runs.start(3, lambda worker, stopped: rosters[:worker], Stop())
    assert parallel_runs.finish(handle, Stop()) == rosters[:1] + rosters[:2]
    assert not handle.pids and not handle.files

    def broken(worker: int, stopped) -> list[Roster]:
        raise ValueError("bug in the worker")

    with pytest.raises(parallel_runs.WorkerFailed, match="bug in the worker"):
        parallel_runs.finish(parallel_runs.start(2, broken, Stop()), Stop())


def test_the_wall_cap_kills_and_reaps_a_worker_that_has_not_finished() -> None:
    stop = Stop(0.5).start()
    handle = parallel_runs.start(2, lambda worker, stopped: time.sleep(60) or [], stop)
    pids = list(handle.pids.values())
    started = time.monotonic()
    assert parallel_runs.finish(handle, stop) == []
    assert time.monotonic() - started < 10
    assert stop.reason == WALL_CLOCK
    assert not any(_alive(pid) for pid in pids)  # killed and reaped: not even a zombie


def test_a_worker_stopped_by_its_own_interrupt_marks_the_solve_cut() -> None:
    """A worker whose runs were cut (here: its ``stopped`` says so) is not the reproducible one: ``stop`` is
    interrupted and its runs are dropped."""
    stop = Stop()

    def interrupted(worker: int, stopped) -> list[Roster]:
        stop.interrupt()  # (the worker's copy of the stop: the main process's is untouched)
        return [Roster(())]

    handle = parallel_runs.start(2, interrupted, stop)
    assert stop.reason is None
    assert parallel_runs.finish(handle, stop) == []
    assert stop.reason is not None


def test_an_interrupt_ends_a_worker_and_the_main_process_search() -> None:
    """SIGINT (Ctrl-C reaches every process of the terminal's group) kills a worker at once; the main process drops
    its runs and its search is interrupted."""
    stop = Stop()
    handle = parallel_runs.start(2, lambda worker, stopped: time.sleep(60) or [], stop)
    (pid,) = handle.pids.values()
    time.sleep(0.5)  # (the worker's handlers are set before its job)
    os.kill(pid, signal.SIGINT)
    started = time.monotonic()
    assert parallel_runs.finish(handle, stop) == []
    assert time.monotonic() - started < 10 and stop.reason == INTERRUPT and not _alive(pid)


def test_one_worker_is_the_one_process_path(instance: Instance, anywhere: None,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """``workers: 1`` forks nothing and gives the roster of the path without workers."""
    monkeypatch.setattr(parallel_runs, "ENABLED", False)
    without = solve.solve_roster(instance, progress=None, workers=2)
    monkeypatch.setattr(parallel_runs, "ENABLED", True)

    def no_fork() -> int:
        raise AssertionError("forked with workers: 1")

    monkeypatch.setattr(os, "fork", no_fork)
    one = solve.solve_roster(instance, progress=None, workers=1)
    assert one.roster == without.roster and one.stats.objective == without.stats.objective
    assert one.stats.workers == without.stats.workers == 1


def test_two_workers_are_reproducible(instance: Instance, anywhere: None) -> None:
    first = solve.solve_roster(instance, progress=None, workers=2)
    second = solve.solve_roster(instance, progress=None, workers=2)
    assert first.roster == second.roster and first.stats.objective == second.stats.objective
    assert first.stats.workers == 2 and first.stats.budget_completed


def test_a_workers_better_run_is_kept(instance: Instance, anywhere: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The main process's runs change nothing (a stand-in local search that only the worker does for real): the
    worker's run is the best roster after the runs, and the start of what follows."""
    parent, real = os.getpid(), solve.polish

    def main_does_nothing(instance: Instance, roster: Roster, **kwargs) -> Roster:
        return roster if os.getpid() == parent else real(instance, roster, **kwargs)

    monkeypatch.setattr(solve, "polish", main_does_nothing)
    progress = io.StringIO()
    result = solve.solve_roster(instance, progress=progress, workers=2)

    def objectives(phase: str) -> list[float]:
        return [float(m.group(1).replace(",", "")) for m in re.finditer(
            rf"\[schedule:{re.escape(phase)}\]\s+\S+\s+objective ([\d,.]+)", progress.getvalue())]

    rounded = min(objectives("lp") + objectives("lp cover-kept"))
    worker = objectives("lp+polish (worker)")
    assert worker and min(worker) < rounded
    assert objectives("start")[0] <= min(worker) and result.stats.objective <= min(worker)


def test_the_wall_cap_stops_the_solve_with_its_worker(instance: Instance, anywhere: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker still running at the wall-clock cap is killed and reaped; the solve ends with the main process's
    roster, its budget marked not completed."""
    forked: list[int] = []
    real_start = parallel_runs.start

    def slow_start(workers: int, job, stop: Stop) -> parallel_runs.Workers:
        handle = real_start(workers, lambda worker, stopped: time.sleep(120) or [], stop)
        forked.extend(handle.pids.values())
        stop.deadline = time.monotonic() + 1.0  # the cap comes a second after the fork, however loaded the machine
        return handle

    monkeypatch.setattr(parallel_runs, "start", slow_start)
    started = time.monotonic()
    result = solve.solve_roster(instance, progress=None, workers=2, stop=Stop(600.0))
    assert time.monotonic() - started < 100
    assert forked and not any(_alive(pid) for pid in forked)
    assert not result.stats.budget_completed and result.stats.stopped_by == WALL_CLOCK


def test_the_main_process_is_behind_once_the_wall_time_left_is_what_its_budget_needs() -> None:
    assert not parallel_runs.behind(10.0, 1.0, 0.33)
    assert parallel_runs.behind(3.0, 1.0, 0.33) and parallel_runs.behind(0.0, 0.0, 0.33)


def test_a_worker_runs_at_a_lower_priority() -> None:
    """On a busy machine the worker yields the core (``NICENESS``): the main process keeps one process's pace."""
    handle = parallel_runs.start(2, lambda worker, stopped: [Roster(())] * os.getpriority(os.PRIO_PROCESS, 0),
                                 Stop())
    runs = parallel_runs.finish(handle, Stop())
    assert len(runs) == os.getpriority(os.PRIO_PROCESS, 0) + parallel_runs.NICENESS


def test_a_worker_given_up_is_killed_and_its_runs_dropped_without_a_cut() -> None:
    """``give_up`` (the wall time left is only what the main process's own budget needs) ends the wait: the
    worker is killed and reaped, its runs dropped, and the solve is not marked cut."""
    stop = Stop(600.0).start()
    handle = parallel_runs.start(2, lambda worker, stopped: time.sleep(60) or [Roster(())], stop)
    (pid,) = handle.pids.values()
    started = time.monotonic()
    assert parallel_runs.finish(handle, stop, give_up=lambda: time.monotonic() - started > 0.3) == []
    assert time.monotonic() - started < 10 and stop.reason is None and not _alive(pid)


def test_workers_given_up_leave_the_one_process_roster(instance: Instance, anywhere: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers too slow for the wall time left (here: never done) are given up: the solve's roster is the one
    ``workers: 1`` gives, its budget completed, and ``kpis.json`` records one worker."""
    one = solve.solve_roster(instance, progress=None, workers=1)
    real_start = parallel_runs.start

    def stuck_start(workers: int, job, stop: Stop) -> parallel_runs.Workers:
        return real_start(workers, lambda worker, stopped: time.sleep(120) or [], stop)

    monkeypatch.setattr(parallel_runs, "start", stuck_start)
    monkeypatch.setattr(parallel_runs, "behind", lambda seconds_left, units_left, units_per_second: True)
    given_up = solve.solve_roster(instance, progress=None, workers=2, stop=Stop(600.0))
    assert given_up.roster == one.roster and given_up.stats.objective == one.stats.objective
    assert given_up.stats.workers == 1 and given_up.stats.budget_completed


def test_a_workers_first_run_starts_from_the_other_dealing(instance: Instance, anywhere: None,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """With a stand-in local search that returns its start, each run's roster is where it started: the worker's
    first run does not start from the main process's first start (the rounded roster) but from the other dealing
    (``solve.WORKER_START_OFFSET``), so two processes that fit one run each search from two starts."""
    monkeypatch.setattr(solve, "polish", lambda instance, roster, **kwargs: roster)
    progress = io.StringIO()
    solve.solve_roster(instance, progress=progress, workers=2)
    text = progress.getvalue()
    main = re.search(r"\[schedule:lp cover-kept\]\s+\S+\s+objective ([\d,.]+)", text)
    worker = re.search(r"\[schedule:lp\+polish \(worker\)\]\s+\S+\s+objective ([\d,.]+)", text)
    assert main is not None and worker is not None
    assert worker.group(1) != main.group(1)
