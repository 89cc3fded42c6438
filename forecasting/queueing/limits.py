"""Documented ranges of the queueing inputs (docs/config.md, README), shared by the loaders, the CLI and the
Erlang maths. Inside them every Erlang search is bounded; the maths itself refuses loads and head counts past
the caps with an ``InputError``, so no finite input can make a search run unbounded.

The caps are far beyond any real queue: the largest contact centres staff a few thousand agents on one
queue, and an interval of 5 to 60 minutes.
"""

from __future__ import annotations

# Offered load of one queue in one interval, Erlangs (contacts * AHT / interval seconds). The Erlang B
# recursion takes O(sqrt(load)) steps, so this caps the work per interval at tens of thousands of steps.
MAX_LOAD_ERLANGS = 100_000.0
# Agents (or chat slots) any Erlang search may return for one interval; the occupancy cap can ask for
# load / max_occupancy, which is what this bounds.
MAX_AGENTS = 1_000_000
# Contacts of one queue in one interval (history rows, forecasts, requirements CSVs, ``wfm erlang``).
MAX_CONTACTS = 10_000_000.0
# Average handle time and mean patience, seconds: at most one day.
MAX_AHT_SECONDS = 86_400.0
MAX_PATIENCE_SECONDS = 86_400.0
# Service-level threshold T, seconds: at most one day.
MAX_ANSWER_SECONDS = 86_400.0
# ``wfm erlang --period``: one second to one day.
MIN_PERIOD_SECONDS = 1.0
MAX_PERIOD_SECONDS = 86_400.0
# Erlang A sums over queue lengths; a row needing more states than this (a huge load with a patience far
# longer than the handle time) is refused instead of filling memory.
MAX_QUEUE_STATES = 5_000_000
# Chat contacts one agent handles at once.
MAX_CONCURRENCY = 20
# Lowest occupancy cap accepted from a config or ``wfm erlang``: real caps are 0.7 to 0.95, and a cap c asks for
# load / c agents, so this keeps the cap from multiplying the head count more than 20-fold.
MIN_MAX_OCCUPANCY = 0.05
