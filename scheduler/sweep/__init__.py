"""What-if sweeps: many plans from one base (scenarios, headcount searches, sites), on this machine or Ray.

``run_sweep`` (``scheduler.sweep.run``) is the library entry point of ``wfm sweep``."""

from scheduler.sweep.run import SweepResult, run_sweep

__all__ = ["SweepResult", "run_sweep"]
