"""Progress display for long solves on a terminal: a redrawn bar with ETA; plain lines otherwise."""

from __future__ import annotations

import threading
import time
from typing import Any


class SolveProgress:
    """A text stream for ``run_plan``'s progress on a terminal: stage lines pass through, and while the solver
    runs one redrawn line shows a bar of the time budget used, the ETA and the latest solver figures."""

    WIDTH = 28

    def __init__(self, stream: Any, budget_seconds: float) -> None:
        self.stream, self.budget = stream, max(budget_seconds, 1e-9)
        self.pending, self.detail = "", ""
        self.solve_started: float | None = None  # time.monotonic() when the solver's stage began
        self.lock, self.done = threading.Lock(), threading.Event()
        self.ticker = threading.Thread(target=self._tick, daemon=True)

    def write(self, text: str) -> int:
        with self.lock:
            self.pending += text
            while "\n" in self.pending:
                line, self.pending = self.pending.split("\n", 1)
                self._line(line)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def _line(self, line: str) -> None:
        if line.startswith("[schedule:"):
            phase, rest = line[len("[schedule:"):].split("]", 1)
            self.detail = f"{phase}: {rest.strip().split(None, 1)[-1]}"  # drop the solver's own elapsed time
            self._draw()
            return
        self.stream.write("\r\033[K" + line + "\n")
        if line.startswith("[staffing]") and self.solve_started is None:
            self.solve_started = time.monotonic()
            self.ticker.start()
        elif line.startswith("[schedule]"):
            self.done.set()
        if not self.done.is_set() and self.solve_started is not None:
            self._draw()

    def _draw(self) -> None:
        if self.solve_started is None or self.done.is_set():
            return
        elapsed = time.monotonic() - self.solve_started
        share = min(elapsed / self.budget, 1.0)
        filled = int(share * self.WIDTH)
        eta = max(self.budget - elapsed, 0.0)
        self.stream.write(f"\r\033[K[schedule] [{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%} "
                          f"{elapsed:5.0f}s, ETA {eta:4.0f}s  {self.detail}"[: 200])
        self.stream.flush()

    def _tick(self) -> None:
        while not self.done.wait(0.5):
            with self.lock:
                self._draw()

    def close(self) -> None:
        self.done.set()
        with self.lock:
            if self.pending:
                self._line(self.pending)
                self.pending = ""
        self.stream.flush()
