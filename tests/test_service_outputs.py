"""The plan's service-level prediction and surplus (``kpis.json``'s ``predicted_service_level`` and ``surplus``,
``surplus.csv``): on hand-made rosters whose answer is known."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scheduler.domain.plan import Agent, OpeningHours, PlanConfig, Queue, TimeWindow
from scheduler.domain.roster import BreakAssignment, Roster, ShiftAssignment
from scheduler.domain.week import Week
from scheduler.errors import InputError
from scheduler.simulation.prediction import predict_service_level, prediction_replications
from scheduler.validation.kpis import Kpis, PredictedServiceLevels, SurplusKpis
from scheduler.validation.surplus import surplus, surplus_csv
from tests.test_kpis import KPIS

MONDAY = date(2026, 3, 30)
WEEK = Week(MONDAY, 30)


def _config(agents: int, skills: tuple[tuple[str, ...], ...], queues: tuple[str, ...] = ("q",),
            shrinkage: float = 0.0) -> PlanConfig:
    queue_objs = tuple(Queue(q, "voice", 0.8, 20.0, 180.0, None, 1, _hours()) for q in queues)
    people = tuple(Agent(f"A{i}", "c", skills[i], (None,) * 7, frozenset()) for i in range(agents))
    return PlanConfig(source=Path("plan.yaml"), name="t", timezone="UTC", interval_minutes=30, opening_hours=_hours(),
                      history_path=Path("h.csv"), agents_path=Path("agents.csv"), holidays=(), history_weeks=8,
                      week_start=MONDAY, queues=queue_objs, shrinkage=shrinkage, templates=(), contracts=(),
                      agents=people)


def _hours() -> OpeningHours:
    return OpeningHours(tuple(TimeWindow(0, 24 * 60) for _ in range(7)))


def _shift(agent: str, start: int, end: int, breaks: tuple[BreakAssignment, ...] = ()) -> ShiftAssignment:
    return ShiftAssignment(agent, MONDAY, "t", start, end - start, end - start, breaks)


def test_surplus_is_the_spare_heads_given_to_named_agents_in_blocks() -> None:
    config = _config(3, (("q",), ("q",), ("q",)))
    roster = Roster((_shift("A0", 9 * 60, 13 * 60), _shift("A1", 9 * 60, 13 * 60),
                     _shift("A2", 9 * 60, 11 * 60)))
    required = np.zeros((1, WEEK.slot_count), dtype=np.int64)
    required[0, WEEK.slot(0, 9 * 60):WEEK.slot(0, 13 * 60)] = 1  # one head 09:00-13:00
    found = surplus(config, WEEK, roster, required)
    # 09-11 three on the floor, two spare; 11-13 two on the floor, one spare: 2*2 + 2*1 = 6 agent-hours.
    assert found.agent_hours == 6
    assert found.by_weekday["mon"] == 6 and found.by_weekday["tue"] == 0
    # The agent whose floor time ends first (A2 at 11:00) goes first; one other agent is spare all morning.
    spans = sorted((b.agent_id, b.start_minute, b.end_minute) for b in found.blocks)
    assert ("A2", 9 * 60, 11 * 60) in spans
    assert sum(b.end_minute - b.start_minute for b in found.blocks) == 6 * 60
    text = surplus_csv(config, WEEK, found)
    assert text.splitlines()[0] == "agent_id,date,start,end,minutes,skills"
    assert "A2,2026-03-30,09:00,11:00,120,q" in text


def test_no_surplus_where_every_head_is_needed_and_skills_matter() -> None:
    config = _config(2, (("a",), ("b",)), queues=("a", "b"))
    roster = Roster((_shift("A0", 9 * 60, 10 * 60), _shift("A1", 9 * 60, 10 * 60)))
    required = np.zeros((2, WEEK.slot_count), dtype=np.int64)
    required[0, WEEK.slot(0, 9 * 60):WEEK.slot(0, 10 * 60)] = 1
    found = surplus(config, WEEK, roster, required)
    # A1 only serves b, which needs nobody: A1 is surplus, A0 is not.
    assert [(b.agent_id, b.start_minute, b.end_minute) for b in found.blocks] == [("A1", 540, 600)]
    required[1, WEEK.slot(0, 9 * 60):WEEK.slot(0, 10 * 60)] = 1
    assert surplus(config, WEEK, roster, required).agent_hours == 0


def _forecast(contacts: float, start_minute: int, end_minute: int, queue: str = "q") -> pd.DataFrame:
    times = [pd.Timestamp(MONDAY) + timedelta(minutes=m) for m in range(start_minute, end_minute, 30)]
    return pd.DataFrame({"interval_start": times, "queue": queue, "contacts": contacts, "aht_seconds": 180.0})


def test_prediction_pools_and_takes_whole_shifts_off() -> None:
    # Ten agents all day on a 5-Erlang queue: near-perfect service with everyone in, worse with absence.
    config = _config(10, (("q",),) * 10)
    roster = Roster(tuple(_shift(f"A{i}", 8 * 60, 18 * 60) for i in range(10)))
    forecast = _forecast(50, 8 * 60, 18 * 60)
    present = predict_service_level(config, WEEK, forecast, roster)
    assert present.replications == prediction_replications(50 * 20)
    assert present.overall > 0.9 and present.by_queue["q"] == present.overall
    again = predict_service_level(config, WEEK, forecast, roster)
    assert again.overall == present.overall and np.array_equal(again.per_slot, present.per_slot)
    absent = predict_service_level(dataclasses.replace(config, shrinkage=0.3), WEEK, forecast, roster)
    assert absent.overall < present.overall - 0.05
    # Breaks take agents off the floor: everyone on break 12:00-13:00 leaves nobody to answer.
    lunch = (BreakAssignment("lunch", 12 * 60, 60),)
    broken = predict_service_level(config, WEEK, forecast,
                                   Roster(tuple(_shift(f"A{i}", 8 * 60, 18 * 60, lunch) for i in range(10))))
    assert broken.per_slot[0, WEEK.slot(0, 12 * 60 + 30)] < 0.05
    assert prediction_replications(0) >= 1


def test_kpis_round_trip_with_prediction_and_surplus() -> None:
    kpis = dataclasses.replace(
        KPIS,
        predicted_service_level=PredictedServiceLevels(method="simulation", replications=20, seed=18000,
                                                       overall=0.91, by_queue={"sales": 0.9, "chat": 0.95},
                                                       ci95_half_width={"sales": 0.004, "chat": 0.003}),
        surplus=SurplusKpis(agent_hours=12.5, by_weekday={"mon": 12.5}, block_hours=10.0, blocks=3))
    text = kpis.to_json()
    assert Kpis.from_json(text) == kpis
    assert list(json.loads(text))[-2:] == ["predicted_service_level", "surplus"]
    # A file without them (older versions) reads as before and writes the same bytes.
    assert "predicted_service_level" not in KPIS.to_json()
    with pytest.raises(InputError, match="predicted_service_level.overall must be a number in"):
        Kpis.from_json(text.replace('"overall": 0.91', '"overall": 1.5'))
    with pytest.raises(InputError, match="surplus.blocks must be a whole number"):
        Kpis.from_json(text.replace('"blocks": 3', '"blocks": -3'))


def test_a_plan_too_big_to_simulate_predicts_by_erlang_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import scheduler.simulation.prediction as prediction
    from scheduler.app.pipeline import queue_targets
    from scheduler.app.service_outputs import service_outputs
    from scheduler.rostering.coverage import coverage

    config = _config(2, (("q",), ("q",)))
    roster = Roster((_shift("A0", 9 * 60, 10 * 60), _shift("A1", 9 * 60, 10 * 60)))
    forecast = _forecast(10, 9 * 60, 10 * 60)
    required = np.zeros((1, WEEK.slot_count), dtype=np.int64)
    required[0, WEEK.slot(0, 9 * 60):WEEK.slot(0, 10 * 60)] = 2
    frame = forecast.assign(agents_required=2)
    cover = coverage(config, WEEK, roster, frame, required, queue_targets(config))
    simulated = service_outputs(config, WEEK, forecast, roster, required, cover)
    assert simulated.predicted.replications >= 2 and simulated.predicted.method.startswith("simulation")
    monkeypatch.setattr(prediction, "MAX_PREDICTED_CONTACTS", 5)
    erlang = service_outputs(config, WEEK, forecast, roster, required, cover)
    assert erlang.predicted.method.startswith("erlang per queue") and erlang.predicted.replications == 0
    assert (erlang.coverage["predicted_service_level"] == erlang.coverage["service_level"]).all()
    assert erlang.predicted.by_queue["q"] == pytest.approx(float(cover.frame["service_level"].mean()), abs=1e-6)


def test_report_section_shows_both_figures_and_refuses_a_damaged_file() -> None:
    from scheduler.report.service import service_section

    kpis = json.loads(dataclasses.replace(
        KPIS,
        predicted_service_level=PredictedServiceLevels(method="simulation <b>", replications=20, seed=1, overall=0.9,
                                                       by_queue={"sales": 0.95}, ci95_half_width={"sales": 0.004}),
        surplus=SurplusKpis(agent_hours=12.5, by_weekday={"mon": 12.5}, block_hours=10.0, blocks=3)).to_json())
    html = service_section(kpis)
    assert "95.0% ± 0.4" in html and "88.0%" in html  # predicted beside the Erlang figure of sales
    assert "12.5 agent-hours" in html and "simulation &lt;b&gt;" in html
    assert service_section(json.loads(KPIS.to_json())) == ""  # an older plan folder: no section
    kpis["surplus"]["blocks"] = "many"
    with pytest.raises(InputError, match="kpis.json: surplus.blocks"):
        service_section(kpis)
