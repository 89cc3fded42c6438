"""Rostering: typed plan config, the CP-SAT roster model, the independent validator, KPIs and the ``wfm`` CLI."""

__version__ = "0.1.0"
