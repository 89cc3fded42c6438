"""The roster simulation (``scheduler.simulation``, ``wfm simulate``): queueing theory where it is exact,
determinism, and one-line errors for bad input."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from forecasting.queueing.erlang import asa_seconds, service_level
from forecasting.queueing.erlang_a import erlang_a_metrics
from scheduler.app.cli import main
from scheduler.domain.week import Week
from scheduler.errors import InputError
from scheduler.simulation import simulate
from scheduler.simulation.model import SimQueue, SimShift, SimulationInput
from scheduler.simulation.stats import t_975

WEEK = Week(date(2026, 3, 30), 30)


def constant_centre(agents: int, contacts: float, aht_seconds: float, *, answer_seconds: float = 20,
                    patience_seconds: float | None = None, days: int = 2, concurrency: int = 1) -> SimulationInput:
    """One queue, ``contacts`` per 30-minute interval all day on ``days`` days, ``agents`` on the floor the
    whole time (one shift per agent and day, back to back)."""
    slots = np.zeros((1, WEEK.slot_count))
    slots[0, :days * WEEK.slots_per_day] = contacts
    shifts = tuple(SimShift(a, ((d * 86_400.0, (d + 1) * 86_400.0),)) for a in range(agents) for d in range(days))
    return SimulationInput(
        week=WEEK, queues=(SimQueue("q", answer_seconds, concurrency, patience_seconds, 0.8),), contacts=slots,
        aht_seconds=np.full_like(slots, aht_seconds), agent_ids=tuple(f"A{a}" for a in range(agents)),
        skills=tuple((0,) for _ in range(agents)), shifts=shifts, absence_rate=0.0)


def _within(value: float, ci: list[float] | tuple[float, float] | None, slack: float) -> bool:
    assert ci is not None
    return ci[0] - slack <= value <= ci[1] + slack


def test_single_skill_constant_load_matches_erlang_c() -> None:
    # 14 agents, 100 calls per 30 minutes, AHT 180 s: Erlang C gives 0.888 answered within 20 s.
    expected = float(service_level(14, 10.0, 180, 20))
    assert expected == pytest.approx(0.888, abs=0.0005)
    result = simulate(constant_centre(14, 100, 180), reps=6, seed=3, absence="none")
    sl = result.queues["q"].service_level
    # The interval is the replications' t interval; 0.003 allows for the empty system at each day's start.
    assert _within(expected, sl.ci95, 0.003), (sl, expected)
    assert abs(sl.mean - expected) < 0.01
    asa = result.queues["q"].asa_seconds
    assert _within(float(asa_seconds(14, 10.0, 180)), asa.ci95, 0.5)
    assert result.queues["q"].occupancy.mean == pytest.approx(10 / 14, abs=0.01)
    assert result.overall.abandonment.mean == 0


def test_patience_matches_erlang_a() -> None:
    # M/M/n+M: 10 agents, 10 Erlangs offered, mean patience 120 s; service level over all arrivals.
    metrics = erlang_a_metrics(10, 10.0, 180, 120, 20)
    result = simulate(constant_centre(10, 100, 180, patience_seconds=120), reps=6, seed=5, absence="none")
    figures = result.queues["q"]
    assert _within(float(metrics.abandon_probability), figures.abandonment.ci95, 0.003)
    assert _within(float(metrics.answered_within_t_of_all), figures.service_level.ci95, 0.005)


def test_chat_concurrency_is_servers_per_agent() -> None:
    # 7 agents with two chats each behave like 14 servers (exponential handle times).
    expected = float(service_level(14, 10.0, 180, 20))
    result = simulate(constant_centre(7, 100, 180, concurrency=2), reps=4, seed=2, absence="none")
    assert _within(expected, result.queues["q"].service_level.ci95, 0.005)


def test_absence_lowers_service_and_breaks_take_agents_off_the_floor() -> None:
    centre = constant_centre(14, 100, 180, days=1)
    full = simulate(centre, reps=3, seed=1, absence="none").queues["q"].service_level.mean
    absent = simulate(centre, reps=3, seed=1, absence=0.2).queues["q"].service_level.mean
    assert absent < full - 0.05
    # The same agents with a one-hour break each, all at once: nobody answers in that hour.
    with_break = tuple(SimShift(s.agent, ((0.0, 36_000.0), (39_600.0, 86_400.0))) for s in centre.shifts)
    broken = simulate(SimulationInput(**{**centre.__dict__, "shifts": with_break}), reps=3, seed=1, absence="none")
    hour = broken.intervals[broken.intervals["interval_start"].map(lambda t: 10 <= t.hour < 11)]
    assert (hour["service_level"] < 0.2).all()


def test_contacts_left_at_midnight_unless_the_queue_carries_them_overnight() -> None:
    # Contacts arrive Monday 22:00-23:00; the only agent works Tuesday 08:00-09:00.
    centre = constant_centre(1, 3, 60, days=1)
    contacts = np.zeros_like(centre.contacts)
    contacts[0, 44:46] = 3
    late = SimulationInput(**{**centre.__dict__, "contacts": contacts,
                              "shifts": (SimShift(0, ((86_400.0 + 8 * 3600, 86_400.0 + 9 * 3600),)),)})
    dropped = simulate(late, reps=2, seed=1, absence="none").queues["q"]
    assert dropped.service_level.mean == 0 and dropped.abandonment.mean == 0
    assert math.isnan(dropped.asa_seconds.mean)  # nobody answered
    queue = SimQueue("q", 20, 1, None, 0.8, carries_overnight=True)
    kept = simulate(SimulationInput(**{**late.__dict__, "queues": (queue,)}), reps=2, seed=1, absence="none")
    assert kept.queues["q"].asa_seconds.mean > 9 * 3600  # answered the next morning
    assert kept.queues["q"].abandonment.mean == 0


def test_same_seed_same_figures_and_prefix_replications() -> None:
    centre = constant_centre(5, 30, 240, days=1)
    one = simulate(centre, reps=3, seed=9)
    two = simulate(centre, reps=3, seed=9)
    assert one.to_dict() == two.to_dict()
    assert one.intervals.equals(two.intervals)
    other = simulate(centre, reps=3, seed=10)
    assert other.to_dict() != one.to_dict()


def test_a_forecast_too_big_to_simulate_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import scheduler.simulation as simulation

    monkeypatch.setattr(simulation, "MAX_CONTACTS_PER_WEEK", 1000)
    with pytest.raises(InputError, match="contacts in the week is more than the simulation takes"):
        simulate(constant_centre(2, 30, 60, days=1), reps=1)


def test_t_quantiles() -> None:
    for df, exact in ((1, 12.7062), (2, 4.3027), (3, 3.1824), (5, 2.5706), (6, 2.4469), (10, 2.2281), (29, 2.0452),
                      (100, 1.9840)):
        assert t_975(df) == pytest.approx(exact, abs=0.002)
    assert math.isclose(t_975(10**6), 1.96, abs_tol=1e-3)


# ------------------------------------------------------------------------------------------ the command


def _plan_folder(tmp_path: Path) -> Path:
    """A plan folder written by hand: two agents, one queue, Monday 09:00-11:00."""
    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "agents.csv").write_text("agent_id,contract,skills,availability,time_off\nA1,c,q,,\nA2,c,q,,\n")
    (plan / "history.csv").write_text("interval_start,queue,contacts\n2026-03-23T09:00:00,q,1\n")
    (plan / "plan.yaml").write_text(
        "centre: {interval_minutes: 30, opening_hours: {mon: '09:00-11:00'}}\n"
        "history: history.csv\nagents: agents.csv\nshrinkage: 0.1\n"
        "queues: [{id: q, channel: voice, service_level_target: 0.8, answer_seconds: 20, default_aht_seconds: 200}]\n"
        "shift_templates: [{id: t, length_minutes: 120, earliest_start: '09:00', latest_start: '09:00'}]\n"
        "contracts: [{id: c, max_weekly_hours: 40, shift_templates: [t]}]\n")
    (plan / "kpis.json").write_text(json.dumps({"week_start": "2026-03-30", "config": str(plan / "plan.yaml")}))
    (plan / "forecast.csv").write_text("interval_start,queue,contacts,aht_seconds\n"
                                       "2026-03-30T09:00:00,q,12,200\n2026-03-30T09:30:00,q,12,200\n"
                                       "2026-03-30T10:00:00,q,12,\n2026-03-30T10:30:00,q,12,200\n")
    (plan / "roster.csv").write_text(
        "agent_id,date,activity,start,end\n"
        "A1,2026-03-30,shift,2026-03-30T09:00:00,2026-03-30T11:00:00\n"
        "A1,2026-03-30,break,2026-03-30T10:00:00,2026-03-30T10:15:00\n"
        "A2,2026-03-30,shift,2026-03-30T09:00:00,2026-03-30T11:00:00\n")
    return plan


def test_command_json_shape_intervals_and_determinism(tmp_path: Path) -> None:
    plan = _plan_folder(tmp_path)
    args = ["simulate", str(plan), "--config", str(plan / "plan.yaml"), "--reps", "4", "--seed", "2", "--json",
            "--intervals", str(tmp_path / "out" / "intervals.csv")]
    (tmp_path / "out").mkdir()
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert list(data) == ["overall", "queues"] and list(data["queues"]) == ["q"]
    for figures in (data["overall"], data["queues"]["q"]):
        assert list(figures) == ["service_level", "asa_seconds", "abandonment", "occupancy"]
        assert all(list(v) == ["mean", "ci95"] for v in figures.values())
    sl = data["queues"]["q"]["service_level"]
    assert 0 <= sl["ci95"][0] <= sl["mean"] <= sl["ci95"][1] <= 1
    written = (tmp_path / "out" / "intervals.csv").read_text()
    assert written.splitlines()[0].startswith("interval_start,queue,contacts,offered,simulated_service_level")
    assert len(written.splitlines()) == 5
    again = CliRunner().invoke(main, args)
    assert again.output == first.output
    assert (tmp_path / "out" / "intervals.csv").read_text() == written
    table = CliRunner().invoke(main, args[:-3])
    assert table.exit_code == 0 and "overall" in table.output and "plan predicted" not in table.output
    kpis = json.loads((plan / "kpis.json").read_text())
    kpis["predicted_service_level"] = {"method": "simulation", "replications": 8, "seed": 1, "overall": 0.9321,
                                       "by_queue": {"q": 0.9321}, "ci95_half_width": {"q": 0.01}}
    (plan / "kpis.json").write_text(json.dumps(kpis))
    beside = CliRunner().invoke(main, args[:-3])
    assert "plan predicted %" in beside.output and beside.output.count("93.2") == 2


@pytest.mark.parametrize(("change", "message"), [
    (["--reps", "0"], "--reps must be in [1,"),
    (["--absence", "1"], "--absence must be in [0, 1)"),
    (["--absence", "often"], "--absence must be plan, none or a number"),
    (["--routing", "random"], "--routing must be one of"),
])
def test_command_bad_options(tmp_path: Path, change: list[str], message: str) -> None:
    plan = _plan_folder(tmp_path)
    result = CliRunner().invoke(main, ["simulate", str(plan), "--config", str(plan / "plan.yaml"), *change])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("name", "text", "message"), [
    ("roster.csv", None, "no roster.csv"),
    ("forecast.csv", None, "no forecast.csv"),
    ("kpis.json", None, "no kpis.json"),
    ("roster.csv", "agent_id,date,activity,start,end\nZ9,2026-03-30,shift,2026-03-30T09:00:00,2026-03-30T10:00:00\n",
     "roster.csv row 2: agent 'Z9'"),
    ("roster.csv", "agent_id,date\n", "roster.csv: missing column(s)"),
    ("forecast.csv", "interval_start,queue,contacts\n2026-03-30T09:00:00,nope,3\n", "forecast.csv row 2, column queue"),
    ("kpis.json", "{\"week_start\": \"soon\"}", "kpis.json: week_start must be a date"),
])
def test_command_bad_plan_folder(tmp_path: Path, name: str, text: str | None, message: str) -> None:
    plan = _plan_folder(tmp_path)
    if text is None:
        (plan / name).unlink()
    else:
        (plan / name).write_text(text)
    result = CliRunner().invoke(main, ["simulate", str(plan), "--config", str(plan / "plan.yaml")])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


HOUR = 3600.0


def _one_queue(queue: SimQueue, contacts: np.ndarray, aht_seconds: float, shifts: tuple[SimShift, ...],
               agents: int = 1) -> SimulationInput:
    return SimulationInput(week=WEEK, queues=(queue,), contacts=contacts[None, :],
                           aht_seconds=np.full((1, WEEK.slot_count), aht_seconds),
                           agent_ids=tuple(f"A{a}" for a in range(agents)), skills=tuple((0,) for _ in range(agents)),
                           shifts=shifts, absence_rate=0.0)


def test_a_deferred_burst_is_cleared_by_its_deadline_and_night_arrivals_wait_for_the_opening() -> None:
    # Monday: 10 emails a half-hour 07:00-08:00 (queue closed) and 09:00-09:30, AHT 300 s: some 2.5 h of work
    # that one agent on the floor 06:00-17:00 clears within 8 open hours (the burst's deadline), none abandons.
    contacts = np.zeros(WEEK.slot_count)
    contacts[[14, 15, 18]] = 10
    spans = ((9 * HOUR, 17 * HOUR),)
    email = SimQueue("email", 0, 1, None, 0.9, carries_overnight=True, open_windows=spans,
                     deadline_seconds=8 * HOUR, deadline_clock="open_hours")
    centre = _one_queue(email, contacts, 300, (SimShift(0, ((6 * HOUR, 17 * HOUR),)),))
    cleared = simulate(centre, reps=4, seed=1, absence="none").queues["email"]
    assert cleared.service_level.mean == 1.0 and cleared.abandonment.mean == 0
    # The agent is on the floor from 06:00 but the queue opens at 09:00: the night's items waited for it.
    assert cleared.asa_seconds.mean > HOUR
    # A 1-hour deadline: about 12 of the 30 items fit in the first open hour, the rest are late.
    tight = simulate(SimulationInput(**{**centre.__dict__, "queues": (replace(email, deadline_seconds=HOUR),)}),
                     reps=4, seed=1, absence="none").queues["email"]
    assert 0.2 < tight.service_level.mean < 0.6
    # On the elapsed clock the 07:00 items are due before the 09:00 opening: fewer are in time than on open hours.
    elapsed = simulate(SimulationInput(**{**centre.__dict__, "queues": (
        replace(email, deadline_seconds=HOUR, deadline_clock="elapsed"),)}), reps=4, seed=1, absence="none")
    assert elapsed.queues["email"].service_level.mean < tight.service_level.mean


def test_deferred_items_wait_overnight_and_blended_agents_answer_calls_first() -> None:
    # One agent, skilled for voice and email, on the floor 09:00-17:00 Monday and Tuesday; calls arrive all of
    # Monday's shift at a load the agent can just carry; 10 emails at 09:00 Monday, due within 24 h elapsed.
    calls, emails = np.zeros(WEEK.slot_count), np.zeros(WEEK.slot_count)
    calls[18:34] = 5  # 5 calls a half-hour, AHT 180 s: half the agent's time
    emails[18] = 10
    voice = SimQueue("voice", 20, 1, None, 0.8)
    email = SimQueue("email", 0, 1, None, 0.9, carries_overnight=True, deadline_seconds=24 * HOUR,
                     deadline_clock="elapsed")
    day = 86_400.0
    centre = SimulationInput(week=WEEK, queues=(voice, email), contacts=np.stack([calls, emails]),
                             aht_seconds=np.stack([np.full(WEEK.slot_count, 180.0), np.full(WEEK.slot_count, 600.0)]),
                             agent_ids=("A0",), skills=((1, 0),),
                             shifts=(SimShift(0, ((9 * HOUR, 17 * HOUR), (day + 9 * HOUR, day + 17 * HOUR))),),
                             absence_rate=0.0)
    blended = simulate(centre, reps=6, seed=4, absence="none", routing="skill-order")
    # The same emails as a live queue first in the agent's skill order: each free moment goes to an email while
    # any waits, and calls queue behind them; as deferred work they wait while a call waits.
    live = simulate(SimulationInput(**{**centre.__dict__, "queues": (voice, SimQueue("email", 20, 1, None, 0.8))}),
                    reps=6, seed=4, absence="none", routing="skill-order")
    assert blended.queues["voice"].asa_seconds.mean < 0.7 * live.queues["voice"].asa_seconds.mean
    assert blended.queues["email"].service_level.mean == 1.0  # all done within 24 h
    assert blended.queues["email"].abandonment.mean == 0


def test_a_bot_halves_the_people_load_and_night_escalations_are_due_after_the_opening() -> None:
    # 200 contacts per 30 minutes with half contained behave like 100 reaching 14 agents: Erlang C 0.888.
    centre = constant_centre(14, 200, 180)
    behind_bot = replace(centre.queues[0], people_share=0.5, open_windows=((0.0, 2 * 86_400.0),),
                         escalation_deadline_seconds=HOUR)
    result = simulate(SimulationInput(**{**centre.__dict__, "queues": (behind_bot,)}), reps=6, seed=3,
                      absence="none")
    figures = result.queues["q"]
    assert figures.offered_per_week == pytest.approx(100 * 96, rel=0.03)
    assert _within(float(service_level(14, 10.0, 180, 20)), figures.service_level.ci95, 0.003)
    # Escalations arriving 22:00-23:00 Monday wait (no midnight cut-off, no abandonment) for the 08:00 opening and
    # are in time within 60 open minutes of it: one agent at 08:00 answers 6 of them (AHT 60 s) well in time.
    night = np.zeros(WEEK.slot_count)
    night[44:46] = 6
    chat = SimQueue("chat", 20, 1, 120, 0.8, open_windows=((86_400.0 + 8 * HOUR, 86_400.0 + 20 * HOUR),),
                    people_share=0.5, escalation_deadline_seconds=HOUR)
    waited = simulate(_one_queue(chat, night, 60, (SimShift(0, ((86_400.0 + 8 * HOUR, 86_400.0 + 9 * HOUR),)),)),
                      reps=4, seed=2, absence="none").queues["chat"]
    assert waited.service_level.mean == 1.0 and waited.abandonment.mean == 0
    assert waited.asa_seconds.mean > 9 * HOUR


def test_plan_queues_become_deferred_and_bot_queues_in_the_simulation() -> None:
    from scheduler.domain.plan import Bot, OpeningHours, Queue, TimeWindow
    from scheduler.simulation.model import sim_queue

    weekdays = OpeningHours((TimeWindow(480, 1260),) * 5 + (None, None))
    email = Queue("email", "email", 0.9, 0, 420, None, 1, weekdays, deadline_minutes=1440, deadline_clock="elapsed")
    chat = Queue("chat", "chat", 0.8, 60, 540, 0.85, 2, weekdays, patience_seconds=300.0,
                 bot=Bot(containment=0.3, backlog_deadline_minutes=90))
    voice = Queue("voice", "voice", 0.8, 20, 300, 0.85, 1, weekdays)
    as_email, as_chat, as_voice = (sim_queue(q, WEEK) for q in (email, chat, voice))
    assert as_email.deferred and as_email.deadline_seconds == 86_400 and as_email.deadline_clock == "elapsed"
    assert as_email.carries_overnight and as_email.patience_seconds is None
    assert as_email.open_windows is not None and as_email.open_windows[0] == (8 * HOUR, 21 * HOUR)
    assert len(as_email.open_windows) == 5 and as_email.open_windows[4][0] == 4 * 86_400 + 8 * HOUR
    assert not as_chat.deferred and as_chat.people_share == pytest.approx(0.7)
    assert as_chat.escalation_deadline_seconds == 90 * 60 and as_chat.patience_seconds == 300.0
    assert as_voice == SimQueue("voice", 20.0, 1, None, 0.8)  # a live queue as before: open whenever staffed
