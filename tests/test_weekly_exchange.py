"""The weekly mode's drop-and-add exchange (``search.weekly_exchange``, issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.domain.roster import Roster
from scheduler.rostering.rules import weekly_service_level as rule
from scheduler.rostering.search import polish as local
from scheduler.rostering.search import weekly_exchange
from scheduler.rostering.solve import evaluate
from tests.test_weekly_service_level import WEEK, WEEKLY, _instance, _tiny


def _objective(instance, roster: Roster) -> float:
    return sum(c.penalty for c in evaluate(instance, roster))


def test_exchange_trades_long_shifts_for_shorter_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Part-timers may work a 4-hour or an 8-hour shift; every agent starts on three 8-hour shifts. Once the local
    # search's own moves (start, break and day moves of the same template, the repair and the trim) are done, a
    # drop of one shift with a shorter shift put elsewhere still pays fewer hours with every target kept.
    instance = _instance(_two_templates(tmp_path / "c"))
    monkeypatch.setattr(weekly_exchange, "EXCHANGE", False)
    roster = local.polish(instance, _start(instance), max_sweeps=20)
    before = _objective(instance, roster)
    polisher = local._Polisher(instance, roster)
    spent: list[float] = []
    assert weekly_exchange.exchange(polisher, spent.append)
    after_roster = local._roster(polisher)
    assert sum(spent) > 0  # charged to the budget
    assert _objective(instance, after_roster) < before - 1e-9  # the kept pairs lower the exact objective
    assert sum(s.paid_minutes for s in after_roster.shifts) < sum(s.paid_minutes for s in roster.shifts)
    costs = {c.rule: c.amount for c in evaluate(instance, after_roster)}
    assert costs.get(rule.NAME, 0.0) == 0.0  # every weekly target still met
    for agent_id in polisher.agents:  # every agent's week keeps its rules
        for day in range(7):
            assert polisher.keeps(agent_id, day, polisher.by_key.get((agent_id, day)))
    # with no budget left it tries nothing
    assert not weekly_exchange.exchange(local._Polisher(instance, roster), spent.append, stopped=lambda: True)


def test_exchange_does_nothing_outside_the_weekly_mode(tmp_path: Path) -> None:
    from scheduler.rostering.instance import Instance

    instance = _instance(_two_templates(tmp_path / "c"))
    plain = Instance(instance.config, instance.week, instance.requirements, instance.deadlines)
    assert plain.service_curves is None
    polisher = local._Polisher(plain, _start(instance))
    spent: list[float] = []
    assert not weekly_exchange.exchange(polisher, spent.append) and not spent


def _two_templates(folder: Path, contacts: float = 2.5) -> Path:
    """The two-queue tiny centre in the weekly mode, its part-timers allowed the 8-hour day shift too."""
    plan = _tiny(folder, ("q1", "q2"), "objective:\n" + WEEKLY, contacts=contacts)
    text = plan.read_text(encoding="utf-8")
    assert "shift_templates: [short]" in text
    plan.write_text(text.replace("shift_templates: [short]", "shift_templates: [day, short]"), encoding="utf-8")
    return plan


def _start(instance) -> Roster:
    """Each agent on three 8-hour day shifts (days ``i``, ``i + 2``, ``i + 4`` of the week), the odd ones from
    12:00, the others from 08:00."""
    shifts = []
    for index, agent in enumerate(instance.config.agents):
        start = 12 * 60 if index % 2 else 8 * 60
        for d in sorted({index % 7, (index + 2) % 7, (index + 4) % 7}):
            options = [o for o in local.allowed_options(instance.config, WEEK, agent, d)
                       if o.template.template_id == "day" and o.start_minute == start]
            shifts.append(local._with_breaks(agent.agent_id, WEEK.day(d), options[0])[0])
    return Roster(tuple(shifts))


def test_the_weekly_sweeps_trim_shifts_not_worth_their_pay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One sweep, with budget for many: the sweeps have not stalled, so the repair and the trim have not run. In the
    # weekly mode the shifts whose pay and over-staffing cost more than their cover are dropped after that sweep
    # all the same (``SWEEP_TRIM``); outside it the sweep is as before.
    from scheduler.rostering.instance import Instance

    instance = _instance(_two_templates(tmp_path / "c", contacts=1.0))  # (the three shifts: more than it needs)
    start = _start(instance)
    trimmed = local.polish(instance, start, max_sweeps=1)
    monkeypatch.setattr(weekly_exchange, "SWEEP_TRIM", False)
    swept = local.polish(instance, start, max_sweeps=1)
    assert sum(s.paid_minutes for s in trimmed.shifts) < sum(s.paid_minutes for s in swept.shifts)
    assert _objective(instance, trimmed) < _objective(instance, swept) - 1e-9
    polisher = local._Polisher(instance, trimmed)
    for agent_id in polisher.agents:  # every agent's week keeps its rules
        for day in range(7):
            assert polisher.keeps(agent_id, day, polisher.by_key.get((agent_id, day)))
    plain = Instance(instance.config, instance.week, instance.requirements, instance.deadlines)
    untrimmed = local.polish(plain, start, max_sweeps=1)  # (``SWEEP_TRIM`` still off here)
    monkeypatch.setattr(weekly_exchange, "SWEEP_TRIM", True)
    assert local.polish(plain, start, max_sweeps=1) == untrimmed
