"""The seeded example centre: deterministic, loadable, realistic in shape, and feasible by construction."""

from __future__ import annotations

import csv
import math
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import pytest

import scheduler.demo.example as example
from forecasting.history import load_history
from forecasting.queueing.staffing import QueueTarget, requirements
from scheduler.demo.example import build_centre, generate_example
from scheduler.domain.plan import Agent, PlanConfig
from scheduler.errors import InputError
from scheduler.io.config import load_config

FILES = ("history.csv", "agents.csv", "plan.yaml")


@pytest.fixture(scope="module")
def plan_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory.mktemp("example") / "centre")


@pytest.fixture(scope="module")
def config(plan_path: Path) -> PlanConfig:
    return load_config(plan_path)


@pytest.fixture(scope="module")
def history(config: PlanConfig) -> pd.DataFrame:
    frame = pd.read_csv(config.history_path, dtype={"queue": str}, keep_default_na=False, na_values=[""])
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], format="%Y-%m-%dT%H:%M:%S")
    frame["day"] = frame["interval_start"].dt.date
    frame["weekday"] = frame["interval_start"].dt.day_of_week
    frame["hour"] = frame["interval_start"].dt.hour
    return frame


def _daily(history: pd.DataFrame) -> pd.DataFrame:
    return history.groupby(["queue", "day", "weekday"], as_index=False)["contacts"].sum()


# --- determinism and files -------------------------------------------------------------------------------


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    first = generate_example(tmp_path / "a", agents=25, weeks=4, seed=7).parent
    second = generate_example(tmp_path / "b", agents=25, weeks=4, seed=7).parent
    other = generate_example(tmp_path / "c", agents=25, weeks=4, seed=8).parent
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "history.csv").read_bytes() != (other / "history.csv").read_bytes()


def test_writes_the_three_files_and_returns_the_plan(plan_path: Path) -> None:
    assert plan_path.name == "plan.yaml"
    assert sorted(p.name for p in plan_path.parent.iterdir()) == sorted(FILES)
    assert [p.name for p in plan_path.parent.parent.iterdir()] == ["centre"]  # no staging folder left behind


def test_replaces_existing_files(tmp_path: Path) -> None:
    out = tmp_path / "centre"
    out.mkdir()
    (out / "plan.yaml").write_text("stale", encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    generate_example(out, agents=10, weeks=3)
    load_config(out / "plan.yaml")
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["centre"]


def test_a_failed_generation_leaves_existing_files_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "centre"
    out.mkdir()
    for name in FILES:
        (out / name).write_text(f"old {name}", encoding="utf-8")

    def broken(path: Path) -> PlanConfig:
        raise InputError(f"{path.name}: broken on purpose")

    monkeypatch.setattr(example, "load_config", broken)
    with pytest.raises(InputError, match="broken on purpose"):
        generate_example(out, agents=10, weeks=3)
    for name in FILES:
        assert (out / name).read_text(encoding="utf-8") == f"old {name}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["centre"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"agents": 0}, "agents"),
        ({"agents": -5}, "agents"),
        ({"agents": 2.5}, "agents"),
        ({"agents": True}, "agents"),
        ({"agents": "60"}, "agents"),
        ({"queues": 0}, "queues"),
        ({"queues": 51}, "queues"),
        ({"weeks": 2}, "weeks"),
        ({"weeks": 0}, "weeks"),
        ({"seed": -1}, "seed"),
        ({"time_limit_seconds": 0}, "time_limit_seconds"),
        ({"time_limit_seconds": -3.0}, "time_limit_seconds"),
        ({"time_limit_seconds": math.nan}, "time_limit_seconds"),
        ({"time_limit_seconds": "45"}, "time_limit_seconds"),
    ],
)
def test_bad_arguments_raise_input_error_and_write_nothing(
    tmp_path: Path, arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        generate_example(tmp_path / "centre", **arguments)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_out_dir_that_is_a_file_is_rejected(tmp_path: Path) -> None:
    target = tmp_path / "centre"
    target.write_text("a file", encoding="utf-8")
    with pytest.raises(InputError, match="not a folder"):
        generate_example(target, agents=5, weeks=3)


# --- the plan --------------------------------------------------------------------------------------------


def test_plan_loads_with_the_expected_settings(config: PlanConfig, plan_path: Path) -> None:
    assert config.history_path == plan_path.parent / "history.csv"
    assert config.agents_path == plan_path.parent / "agents.csv"
    assert [q.queue_id for q in config.queues] == ["sales", "service", "chat"]
    chat = config.queue("chat")
    assert (chat.channel, chat.concurrency, chat.answer_seconds) == ("chat", 2, 60)
    assert (config.queue("sales").answer_seconds, config.queue("service").answer_seconds) == (20, 30)
    assert config.shrinkage == pytest.approx(0.10)
    assert config.interval_minutes == 15
    assert config.history_weeks == 8
    assert config.week_start == date(2026, 3, 30)
    assert config.solver.time_limit_seconds == 45
    assert (config.solver.seed, config.solver.workers, config.solver.deterministic) == (0, 2, True)
    assert len(config.holidays) == 1
    assert len(config.agents) == 60


@pytest.mark.parametrize("queues", [1, 2, 3, 4, 5, 6, 8, 30])
def test_every_queue_count_loads(tmp_path: Path, queues: int) -> None:
    config = load_config(generate_example(tmp_path / "centre", agents=12, queues=queues, weeks=3))
    assert len(config.queues) == queues
    skilled = {skill for agent in config.agents for skill in agent.skills}
    assert skilled == {q.queue_id for q in config.queues}
    assert all(q.channel == "voice" for q in config.queues if q.queue_id != "chat")


def test_time_limit_default_depends_on_size_and_can_be_given(tmp_path: Path) -> None:
    large = load_config(generate_example(tmp_path / "large", agents=150, weeks=3))
    given = load_config(generate_example(tmp_path / "given", agents=5, weeks=3, time_limit_seconds=2.5))
    assert large.solver.time_limit_seconds == 90
    assert given.solver.time_limit_seconds == 2.5


def test_templates_fit_opening_hours_and_stay_within_the_day(config: PlanConfig) -> None:
    for template in config.templates:
        starts = template.start_minutes()
        assert starts[0] >= 7 * 60 and starts[-1] + template.length_minutes <= 21 * 60, template.template_id
        fits = [
            (day, start)
            for day in template.weekdays
            for start in starts
            for queue in config.queues
            if (window := queue.opening_hours.window(day)) and window.contains(start, start + template.length_minutes)
        ]
        assert fits, f"{template.template_id} fits no opening hours"
        assert all(b.minutes % 15 == 0 for b in template.breaks)
    # Someone can work until every queue closes on a weekday.
    latest_end = max(t.latest_start_minute + t.length_minutes for t in config.templates if 0 in t.weekdays)
    assert latest_end >= max(q.opening_hours.window(0).end_minute for q in config.queues)  # type: ignore[union-attr]


# --- history ---------------------------------------------------------------------------------------------


def test_history_is_whole_weeks_of_open_intervals(history: pd.DataFrame, config: PlanConfig) -> None:
    with config.history_path.open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == ["interval_start", "queue", "contacts", "aht_seconds"]
    days = sorted(history["day"].unique())
    assert days[0] == date(2026, 1, 5) and days[0].weekday() == 0
    assert days[-1] == date(2026, 3, 29) and days[-1].weekday() == 6
    assert len(days) == 12 * 7
    assert config.week_start == days[-1] + timedelta(days=1)
    assert (history["interval_start"].dt.minute % 15 == 0).all()
    assert not history.duplicated(["interval_start", "queue"]).any()
    for queue in config.queues:
        rows = history[history["queue"] == queue.queue_id]
        minutes = rows["interval_start"].dt.hour * 60 + rows["interval_start"].dt.minute
        for weekday in range(7):
            window = queue.opening_hours.window(weekday)
            assert window is not None
            on_day = minutes[rows["weekday"] == weekday]
            assert on_day.min() == window.start_minute and on_day.max() == window.end_minute - 15
            per_day = on_day.groupby(rows.loc[rows["weekday"] == weekday, "day"]).size()
            assert (per_day == (window.end_minute - window.start_minute) // 15).all()


def test_history_loads_in_the_forecasting_stage(config: PlanConfig) -> None:
    loaded = load_history(config.history_path)
    assert loaded.interval_minutes == config.interval_minutes
    assert set(loaded.queues) == {q.queue_id for q in config.queues}


def test_contacts_are_counts_and_aht_is_blank_only_without_contacts(history: pd.DataFrame) -> None:
    assert (history["contacts"] >= 0).all()
    assert history["contacts"].dtype.kind == "i"
    assert history["aht_seconds"].isna().equals(history["contacts"] == 0)
    assert (history["aht_seconds"].dropna() > 0).all()


def test_monday_is_busier_than_saturday_and_sunday_is_quietest(history: pd.DataFrame, config: PlanConfig) -> None:
    daily = _daily(history)
    daily = daily[~daily["day"].isin(config.holidays)]
    for queue in config.queues:
        means = daily[daily["queue"] == queue.queue_id].groupby("weekday")["contacts"].mean()
        assert means[0] == means.max(), queue.queue_id
        assert means[0] > 1.5 * means[5] and means[5] > means[6], queue.queue_id


def test_intraday_peak_is_in_the_morning(history: pd.DataFrame, config: PlanConfig) -> None:
    weekdays = history[(history["weekday"] < 5) & ~history["day"].isin(config.holidays)]
    for queue in config.queues:
        by_hour = weekdays[weekdays["queue"] == queue.queue_id].groupby("hour")["contacts"].mean()
        assert 9 <= by_hour.idxmax() <= 11, queue.queue_id
        assert by_hour.max() > 2 * by_hour.iloc[-1], queue.queue_id  # an evening tail, not a plateau


def test_exactly_one_holiday_inside_the_history_with_low_volume(history: pd.DataFrame, config: PlanConfig) -> None:
    (holiday,) = config.holidays
    assert holiday.weekday() < 5
    assert history["day"].min() <= holiday <= history["day"].max()
    daily = _daily(history).groupby(["day", "weekday"], as_index=False)["contacts"].sum()
    same_weekday = daily[(daily["weekday"] == holiday.weekday()) & (daily["day"] != holiday)]
    on_holiday = daily.loc[daily["day"] == holiday, "contacts"].sum()
    assert on_holiday < 0.3 * same_weekday["contacts"].mean()


def test_aht_is_longer_in_the_evening(history: pd.DataFrame, config: PlanConfig) -> None:
    weekdays = history[(history["weekday"] < 5) & (history["contacts"] > 0)]
    for queue in config.queues:
        rows = weekdays[weekdays["queue"] == queue.queue_id]

        def weighted_aht(frame: pd.DataFrame) -> float:
            return float((frame["aht_seconds"] * frame["contacts"]).sum() / frame["contacts"].sum())

        morning = weighted_aht(rows[rows["hour"].between(9, 11)])
        evening = weighted_aht(rows[rows["hour"] >= 18])
        assert evening > morning, queue.queue_id
        assert morning == pytest.approx(queue.default_aht_seconds, rel=0.1), queue.queue_id


def test_volume_has_poisson_like_noise(history: pd.DataFrame) -> None:
    at_ten = history["interval_start"].dt.time == time(10, 0)
    monday_ten = history[(history["weekday"] == 0) & at_ten]
    for _, rows in monday_ten.groupby("queue"):
        assert rows["contacts"].nunique() > 3


# --- agents and calibration ------------------------------------------------------------------------------


def test_agent_mix_contracts_skills_availability_and_time_off(config: PlanConfig) -> None:
    agents = config.agents
    assert [a.agent_id for a in agents[:3]] == ["A001", "A002", "A003"]
    counts = {c.contract_id: sum(a.contract_id == c.contract_id for a in agents) for c in config.contracts}
    assert counts == {"full_time": 39, "part_time": 15, "weekend": 6}
    skill_sets = {a.skills for a in agents}
    assert any(len(s) == 1 for s in skill_sets)
    assert ("sales", "service") in skill_sets
    assert any(len(s) == 3 for s in skill_sets)
    assert sum(len(a.skills) > 1 for a in agents) >= len(agents) // 4
    restricted = [a for a in agents if any(w is None or (w.start_minute, w.end_minute) != (0, 1440)
                                           for w in a.availability)]
    assert 0 < len(restricted) < len(agents)
    weekend = [a for a in agents if a.contract_id == "weekend"]
    assert all(a.availability[0] is None and a.availability[5] is not None for a in weekend)
    week = {config.week_start + timedelta(days=d) for d in range(7)}  # type: ignore[operator]
    with_time_off = [a for a in agents if a.time_off]
    assert len(with_time_off) == 3
    assert all(a.time_off <= week and 1 <= len(a.time_off) <= 3 for a in with_time_off)


def _can_reach_weekly_minimum(config: PlanConfig, agent: Agent) -> bool:
    """Independent check: the best paid shift of each free day, at most max_days - days off of them."""
    contract = config.contract(agent.contract_id)
    assert config.week_start is not None
    best_paid = []
    for weekday in range(7):
        window = agent.availability[weekday]
        if window is None or config.week_start + timedelta(days=weekday) in agent.time_off:
            continue
        fitting = [
            t.paid_minutes
            for t in (config.template(i) for i in contract.template_ids)
            if weekday in t.weekdays and any(window.contains(s, s + t.length_minutes) for s in t.start_minutes())
        ]
        if fitting:
            best_paid.append(max(fitting))
    days_off = len(agent.time_off)
    needed = contract.min_weekly_minutes - days_off * (contract.min_weekly_minutes // contract.max_days_per_week)
    usable = sorted(best_paid, reverse=True)[: contract.max_days_per_week - days_off]
    return sum(usable) >= needed


@pytest.mark.parametrize(("agents", "seed"), [(60, 0), (60, 1), (150, 3), (333, 5)])
def test_every_agent_can_meet_their_contract_minimum(tmp_path: Path, agents: int, seed: int) -> None:
    config = load_config(generate_example(tmp_path / "centre", agents=agents, weeks=3, seed=seed))
    stuck = [a.agent_id for a in config.agents if not _can_reach_weekly_minimum(config, a)]
    assert stuck == []
    for contract in config.contracts:
        shortest = min(config.template(t).paid_minutes for t in contract.template_ids)
        assert shortest <= contract.max_weekly_minutes


@pytest.mark.parametrize("agents", [60, 150, 1000])
def test_erlang_need_is_about_three_quarters_of_the_productive_hours(agents: int) -> None:
    centre = build_centre(agents, 3, 0)
    assert 0.70 <= centre.required_agent_hours / centre.productive_hours <= 0.80
    # The simple estimate (workload / occupancy / (1 - shrinkage)) ignores the Erlang margin: it is lower.
    assert centre.simple_required_agent_hours < centre.required_agent_hours
    for queue_id in ("sales", "service", "chat"):
        assert centre.erlang_agent_hours[queue_id] > 0.15 * centre.required_agent_hours


def test_erlang_need_matches_the_staffing_stage() -> None:
    centre = build_centre(60, 3, 0)
    week_start = datetime.combine(example.HISTORY_END + timedelta(days=1), time())
    parts = []
    for profile in centre.queues:
        per_day = centre.weekly_contacts[profile.queue_id] / sum(profile.day_weights)
        for weekday in range(7):
            open_minute, close_minute = profile.hours(weekday)
            minutes = range(open_minute, close_minute, 15)
            parts.append(pd.DataFrame({
                "interval_start": [week_start + timedelta(days=weekday, minutes=m) for m in minutes],
                "queue": profile.queue_id,
                "contacts": per_day * profile.day_weights[weekday] * example._intraday_shape(profile, weekday),
                "aht_seconds": example._aht_shape(profile, weekday),
            }))
    targets = {
        p.queue_id: QueueTarget(queue=p.queue_id, service_level_target=p.service_level_target,
                                answer_seconds=p.answer_seconds, max_occupancy=example.MAX_OCCUPANCY,
                                interval_minutes=15, concurrency=p.concurrency, shrinkage=example.SHRINKAGE)
        for p in centre.queues
    }
    needed = requirements(pd.concat(parts, ignore_index=True), targets)
    by_queue = needed.groupby("queue")["agents_required"].sum() / 4
    for queue_id, hours in centre.erlang_agent_hours.items():
        assert by_queue[queue_id] == pytest.approx(hours)


def test_volumes_grow_at_least_as_fast_as_the_agents() -> None:
    small, large = build_centre(60, 3, 0), build_centre(150, 3, 0)
    for queue_id, contacts in small.weekly_contacts.items():
        # Erlang pooling: 2.5 times the agents answer somewhat more than 2.5 times the contacts.
        assert 2.5 <= large.weekly_contacts[queue_id] / contacts <= 4.5


def test_history_level_matches_the_calibration(history: pd.DataFrame, config: PlanConfig) -> None:
    centre = build_centre(60, 3, 0)
    recent = history[history["day"] >= date(2026, 3, 23)]
    for queue in config.queues:
        rows = recent[recent["queue"] == queue.queue_id]
        workload_hours = (rows["contacts"] * rows["aht_seconds"].fillna(0)).sum() / 3600 / queue.concurrency
        assert workload_hours == pytest.approx(centre.weekly_workload_hours[queue.queue_id], rel=0.12)


def test_the_annotated_example_in_the_config_reference_loads(tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "docs" / "config.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w+)\n(.*?)```", text, flags=re.S)
    plan = next(body for language, body in blocks if language == "yaml" and "shift_templates:" in body)
    agents = next(body for language, body in blocks if language == "csv" and body.startswith("agent_id"))
    (tmp_path / "plan.yaml").write_text(plan, encoding="utf-8")
    # The shortened plan has no sales queue and no weekend contract.
    agents = agents.replace("sales;", "").replace(",weekend,", ",part_time,")
    (tmp_path / "agents.csv").write_text(agents, encoding="utf-8")
    config = load_config(tmp_path / "plan.yaml")
    assert [t.paid_minutes for t in config.templates] == [480, 240]


def test_a_channel_named_twice_gets_agents_of_its_own() -> None:
    """The seventh sweep's centres (``--channels voice,voice,voice,chat,chat,email,social,backoffice``): the second
    chat queue (``chat2``, and ``email2``) had no skill set, so the small-centre fallback gave it one agent, often a
    weekend one, and every plan warned of 100-130 required agent-hours no shift could cover. A numbered queue now
    gets an extra line's skill sets (alone, and with its base), wherever it stands in the lineup; a queue that is
    not numbered gets none (``social`` at position 7 was given ``(social,)`` and ``(social, social)``), and the
    default lineup's extra voice lines keep theirs."""
    lineup = ("sales", "service", "billing", "chat", "chat2", "email", "social", "backoffice")
    extra = example._skill_groups(lineup)[len(example._SKILL_GROUPS):]
    assert extra == ((("chat2",), 5.0), (("chat", "chat2"), 3.0))
    default = tuple(p.queue_id for p in example._lineup(8))
    assert example._skill_groups(default)[len(example._SKILL_GROUPS):] == (
        (("sales2",), 5.0), (("sales", "sales2"), 3.0), (("service2",), 5.0), (("service", "service2"), 3.0))
    centre = build_centre(80, 3, 749757, channels=("voice", "voice", "voice", "chat", "chat", "email", "social",
                                                    "backoffice"))
    skilled = [a for a in centre.agents if "chat2" in a.skills]
    assert len(skilled) >= 3 and any(a.contract_id == "full_time" for a in skilled)
    assert all(set(a.skills) <= {"chat", "chat2"} for a in skilled)
