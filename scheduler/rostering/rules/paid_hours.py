"""Soft: paid hours cost money; a small weight per paid hour keeps the roster lean."""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduler.rostering.model import PenaltyTerm, RosterModel


def build(model: RosterModel) -> list[PenaltyTerm]:
    paid = cp_model.LinearExpr.sum([d.paid_minutes() for d in model.all_agent_days()])
    return [PenaltyTerm("paid_hours", model.config.weights.paid_hour, paid, "paid minute", divisor=60)]
