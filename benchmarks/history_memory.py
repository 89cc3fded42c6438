"""Peak memory of loading a large interval history, and of ``wfm forecast`` on it.

Writes a synthetic history (``--queues`` queues of 5-minute intervals, every day for ``--days`` days: 50 x 366
is about 200 MB) into a temporary folder, then measures each case in a fresh Python process (its own peak
resident set size, ``ru_maxrss``):

- ``load_history`` of the plain file (read by pyarrow into Arrow strings);
- ``load_history`` of the same file with one blank line (read again, exactly, by the csv module);
- ``wfm forecast`` of the plain file (one week, smoothed_profile, no holiday calendar).

Usage: ``python benchmarks/history_memory.py [--queues 50] [--days 366]``. Prints one line per case; the
temporary folder is removed afterwards. Figures depend on the machine; the README quotes one run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

LOAD = """
import resource, sys, time
from forecasting.history import load_history
start = time.perf_counter()
history = load_history(sys.argv[1])
print(len(history.frame), time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

FORECAST = """
import resource, sys, time
from scheduler.app.cli import main
start = time.perf_counter()
try:
    main(["forecast", sys.argv[1], "--start", sys.argv[2], "--holidays", "none", "--out", sys.argv[3]])
except SystemExit as exit:
    assert not exit.code, exit.code
print(0, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def write_history(path: Path, queues: int, days: int, seed: int = 0) -> int:
    """Interval rows ``interval_start, queue, contacts, aht_seconds``; returns the row count."""
    rng = np.random.default_rng(seed)
    starts = pd.date_range("2024-01-01", periods=days * 288, freq="5min").strftime("%Y-%m-%dT%H:%M:%S").to_numpy()
    with path.open("w", encoding="utf-8") as handle:
        handle.write("interval_start,queue,contacts,aht_seconds\n")
        for queue in range(queues):
            contacts = rng.poisson(20, len(starts))
            aht = np.round(rng.normal(300, 30, len(starts)), 1)
            handle.write("".join(f"{t},queue_{queue:02d},{c},{a}\n" for t, c, a in zip(starts, contacts, aht,
                                                                                       strict=True)))
    return queues * len(starts)


def measure(script: str, *args: str) -> tuple[float, float]:
    """(seconds, peak MB) of ``script`` run in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    _, seconds, peak_kb = done.stdout.split()[-3:]
    return float(seconds), int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--days", type=int, default=366)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wfm-history-memory-") as folder:
        plain = Path(folder) / "history.csv"
        rows = write_history(plain, options.queues, options.days)
        irregular = Path(folder) / "irregular.csv"
        with plain.open("rb") as source, irregular.open("wb") as target:
            target.write(source.readline() + source.readline() + b"\n")
            while block := source.read(1 << 24):
                target.write(block)
        size_mb = plain.stat().st_size / 2**20
        first_monday = pd.Timestamp("2024-01-01") + pd.Timedelta(days=options.days)
        first_monday += pd.Timedelta(days=(7 - first_monday.weekday()) % 7)
        print(f"history: {rows:,} rows, {plain.stat().st_size:,} bytes = {size_mb:,.0f} MiB "
              f"({options.queues} queues x {options.days} days x 288 intervals)")
        cases = (
            ("load_history, plain file (pyarrow)", LOAD, str(plain)),
            ("load_history, one blank line (csv module)", LOAD, str(irregular)),
            ("wfm forecast, plain file", FORECAST, str(plain), first_monday.date().isoformat(),
             str(Path(folder) / "forecast.csv")),
        )
        for label, script, *args in cases:
            seconds, peak_mb = measure(script, *args)
            print(f"{label:44} peak {peak_mb:7,.0f} MiB ({peak_mb / size_mb:4.1f}x the file)  {seconds:6.1f} s")


if __name__ == "__main__":
    main()
