"""When a solve must end early: a wall-clock deadline and an interrupt (Ctrl-C, SIGTERM), in one object.

The deterministic work budget (``solve._Budget``) decides how much a reproducible run does; ``Stop`` is the hard
cap on top: every phase of the solve asks ``stopped()`` between steps, and every CP-SAT solve runs through
``Stop.solve``, which caps its ``max_time_in_seconds`` to the wall time left and lets an interrupt end it at once.

``on_signals`` turns the first SIGINT or SIGTERM into ``Stop.interrupt`` (the search ends with the best roster
found so far) and the second into ``KeyboardInterrupt`` (nothing is published). CP-SAT is told not to catch
SIGINT itself (it resets the handler to the default after each solve); while a solve runs in C++, Python signal
handlers wait, so a watcher thread reading the interpreter's wake-up pipe stops the solve as soon as the signal
arrives.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator

from ortools.sat.python import cp_model

WALL_CLOCK = "wall_clock"
INTERRUPT = "interrupt"
# A CP-SAT solve never gets less than this many seconds (it must be able to return its hint).
MIN_SOLVE_SECONDS = 0.01
# A capped CP-SAT solve that ends this close to its wall cap (or later) was cut by it; one that ends earlier stopped
# for its own reasons (its deterministic limit, in deterministic mode, whose wall-time safety net may lie past the
# cap), and must not end the search: that once stopped the example's neighbourhoods at 38.6 s of a 45-s limit.
CUT_SLACK_SECONDS = 0.1
# How often, in seconds, ``Stop.watching`` asks whether a solver without its own stop hook must end.
WATCH_POLL_SECONDS = 0.05
INTERRUPT_NOTICE = "[interrupt] finishing with the best roster found so far; interrupt again to abort\n"


def new_solver() -> cp_model.CpSolver:
    """A CP-SAT solver that leaves SIGINT to us (``catch_sigint_signal`` off)."""
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False
    return solver


class Stop:
    """A wall-clock deadline (``wall_seconds`` from ``start()``, none when ``None``) and an interrupt flag.

    ``reason`` is ``None`` while the solve may go on, then ``"wall_clock"`` or ``"interrupt"``."""

    def __init__(self, wall_seconds: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.wall_seconds, self.clock = wall_seconds, clock
        self.deadline: float | None = None
        self.reason: str | None = None
        self._solvers: list[cp_model.CpSolver] = []
        self._lock = threading.Lock()

    def start(self, wall_seconds: float | None = None) -> Stop:
        """Start the clock (``wall_seconds`` replaces the one given at creation when that was ``None``)."""
        if self.wall_seconds is None:
            self.wall_seconds = wall_seconds
        self.deadline = None if self.wall_seconds is None else self.clock() + self.wall_seconds
        return self

    def seconds_left(self) -> float:
        if self.reason is not None:
            return 0.0
        return float("inf") if self.deadline is None else max(0.0, self.deadline - self.clock())

    def stopped(self) -> bool:
        """Whether the solve must end now (the deadline has passed, or an interrupt came)."""
        if self.reason is None and self.deadline is not None and self.clock() >= self.deadline:
            self.reason = WALL_CLOCK
        return self.reason is not None

    def interrupt(self) -> None:
        """End the solve: the CP-SAT solve in progress stops at once, later phases see ``stopped()``."""
        with self._lock:
            if self.reason is None:
                self.reason = INTERRUPT
            for solver in self._solvers:
                solver.stop_search()

    def solve(self, solver: cp_model.CpSolver, model: cp_model.CpModel, *,
              wall_capped: bool = True) -> cp_model.CpSolverStatus:
        """``solver.solve(model)`` within the wall time left, stopped early by an interrupt. Returns the status.
        With ``wall_capped`` false only an interrupt stops it (the explanation of a run that found no roster
        keeps its own time)."""
        left = self.seconds_left() if wall_capped else float("inf")
        capped = left < solver.parameters.max_time_in_seconds
        if capped:
            solver.parameters.max_time_in_seconds = max(MIN_SOLVE_SECONDS, left)
        solver.parameters.catch_sigint_signal = False
        with self._lock:
            self._solvers.append(solver)
            if self.reason == INTERRUPT:
                solver.stop_search()
        try:
            status = solver.solve(model)
        finally:
            with self._lock:
                self._solvers.remove(solver)
        if (capped and status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE) and self.reason is None
                and (solver.wall_time >= solver.parameters.max_time_in_seconds - CUT_SLACK_SECONDS
                     or self.seconds_left() <= CUT_SLACK_SECONDS)):
            # the solve ran to the cap, by its own clock or by ours (CP-SAT's own wall time may end a few hundredths
            # of a second short of its limit, more on a loaded machine): the cap cut it short
            self.reason = WALL_CLOCK
        return status

    @contextlib.contextmanager
    def watching(self, interrupt: Callable[[], object], poll_seconds: float = WATCH_POLL_SECONDS) -> Iterator[None]:
        """While inside, a thread calls ``interrupt`` as soon as ``stopped()`` says so (the deadline has passed or
        an interrupt came), and again every ``poll_seconds`` until the block ends: for a solver that runs in C++
        without asking us (GLOP's ``InterruptSolve``), and whose solve may reset a request made before it began.
        Without a deadline the thread only waits for an interrupt."""
        done = threading.Event()

        def watch() -> None:
            while not done.wait(poll_seconds):
                if self.stopped():
                    interrupt()

        watcher = threading.Thread(target=watch, name="wfm-stop-watcher", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()
            watcher.join()


NO_STOP = Stop()  # never stops: for callers without a deadline (tests, one-off checks)


@contextlib.contextmanager
def on_signals(stop: Stop, signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[Stop]:
    """While inside, the first of ``signals`` interrupts ``stop`` and the second raises ``KeyboardInterrupt``;
    the previous handlers and wake-up descriptor come back on exit. Does nothing outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    received = [0]

    def handler(signum: int, frame: object) -> None:
        received[0] += 1
        if received[0] > 1:
            raise KeyboardInterrupt
        stop.interrupt()
        os.write(2, INTERRUPT_NOTICE.encode())  # not print: the main thread may be inside a write to stderr

    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    previous = {number: signal.signal(number, handler) for number in signals}
    previous_fd = signal.set_wakeup_fd(writer, warn_on_full_buffer=False)

    def watch() -> None:
        # Runs while the main thread may sit in C++ (a CP-SAT solve): the interpreter writes the signal number
        # to the wake-up pipe at once, so the solve is stopped without waiting for the Python handler.
        while True:
            data = os.read(reader, 64)
            if not data or b"\xff" in data:
                return
            if any(byte in signals for byte in data):
                stop.interrupt()

    watcher = threading.Thread(target=watch, name="wfm-signal-watcher", daemon=True)
    watcher.start()
    try:
        yield stop
    finally:
        signal.set_wakeup_fd(previous_fd)
        for number, old in previous.items():
            signal.signal(number, old)
        os.write(writer, b"\xff")  # wake the watcher so it ends
        watcher.join(timeout=1.0)
        os.close(writer)
        os.close(reader)
