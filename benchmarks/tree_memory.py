"""Peak memory of a command and every process it starts, summed: for a solve whose local-search runs fork workers
(``search.parallel_runs``), where the maximum RSS of one process says nothing of the parent and child together.

    python benchmarks/tree_memory.py -- python benchmarks/quality_seeds.py --seconds 60 --seeds 805556 --workers 2

Samples ``/proc`` every ``--every`` seconds (Linux): the process tree's summed RSS (pages shared by a fork after it
counted once per process, so an upper bound) and summed PSS (shared pages split between the processes sharing
them: the memory the tree takes), and prints the peaks of both, in MB, and the most processes seen at once, as one
JSON line after the command's own output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # (the task ended between the listing and the read)
            found.extend(int(p) for p in (task / "children").read_text().split())
    return found


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(_children(current))
    return pids


def _kb(pid: int, path: str, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.2, help="seconds between samples")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    process = subprocess.Popen(command)
    peak_rss = peak_pss = most = 0
    while process.poll() is None:
        pids = _tree(process.pid)
        peak_rss = max(peak_rss, sum(_kb(p, "status", "VmRSS") for p in pids))
        peak_pss = max(peak_pss, sum(_kb(p, "smaps_rollup", "Pss") for p in pids))
        most = max(most, len(pids))
        time.sleep(args.every)
    print(json.dumps({"peak_tree_rss_mb": round(peak_rss / 1024), "peak_tree_pss_mb": round(peak_pss / 1024),
                      "most_processes": most, "returncode": process.returncode}), flush=True)
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()
