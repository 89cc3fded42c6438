"""The overhead ``wfm plan`` documents beyond its time limit (README "Time limit"), in seconds on an idle machine:
starting Python, loading, forecast, staffing and pre-checks before the solve; validation, the simulated
prediction, coverage, the reports, the workbook and the calendars after it. The benchmarks that check the promise
(``benchmarks/plan_scale.py``, ``benchmarks/new_centres.py``: ``within_promise``) read it from here."""

from __future__ import annotations

OVERHEAD_BASE_SECONDS = 4.0
OVERHEAD_SECONDS_PER_AGENT = 0.02
OVERHEAD_SECONDS_PER_QUEUE = 0.1
# Each planned week after the first adds its simulated prediction, validation, coverage, report and exports
# (measured at 151 agents x 10 queues with levels on an idle machine: about 3.1 s a week, the calendars by their
# own writer; README "Time limit", *Over several weeks*).
OVERHEAD_SECONDS_PER_AGENT_WEEK = 0.03
OVERHEAD_SECONDS_PER_QUEUE_WEEK = 0.1


def documented_overhead_s(agents: int, queues: int, weeks: int = 1) -> float:
    """Seconds the whole ``wfm plan`` may take beyond its time limit for ``agents`` agents, ``queues`` queues and
    ``weeks`` planned weeks (1 to 6)."""
    extra_weeks = max(weeks, 1) - 1
    return (OVERHEAD_BASE_SECONDS + OVERHEAD_SECONDS_PER_AGENT * agents + OVERHEAD_SECONDS_PER_QUEUE * queues
            + extra_weeks * (OVERHEAD_SECONDS_PER_AGENT_WEEK * agents + OVERHEAD_SECONDS_PER_QUEUE_WEEK * queues))
