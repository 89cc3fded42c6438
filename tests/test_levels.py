"""Levels and proficiency at load: the agents CSV's ``level`` column and ``skill:proficiency`` skills, the
config's ``levels[]``, per-queue ``min_level``, ``floor_rules[]`` and ``ratio_rules[]``; bad input named by row
or key (exit 2); a centre whose every proficiency is 1 plans exactly as without levels; the validator's
``min_level`` check; and ``wfm example --levels``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from scheduler.app.cli import main
from scheduler.demo.example import generate_example
from scheduler.domain.roster import roster_csv
from scheduler.domain.week import Week
from scheduler.errors import InputError
from scheduler.io.config import load_config
from scheduler.rostering.instance import Instance
from scheduler.rostering.rules import floor_rules
from scheduler.rostering.solve import solve_roster
from scheduler.validation.validate import validate_roster
from tests.tiny_centre import INTERVAL_MINUTES, WEEK_START, TinyAgent, TinyCentre, write

LEVELS_YAML = "levels:\n  - {id: junior, default_proficiency: 0.8}\n  - id: senior\n  - id: lead\n"
AGENTS = "agent_id,contract,skills,availability,time_off,level\n"


def _centre(tmp_path: Path, extra_yaml: str = LEVELS_YAML, rows: tuple[str, ...] = (), queues=("q1", "q2"),
            patch=None) -> Path:
    centre = TinyCentre(agents=(TinyAgent("A1", "full_time", ("q1",)),), queues=queues)
    plan, _ = write(centre, tmp_path)
    text = plan.read_text(encoding="utf-8")
    if patch is not None:
        text = text.replace(*patch)
    plan.write_text(text + extra_yaml, encoding="utf-8")
    if rows:
        (tmp_path / "agents.csv").write_text(AGENTS + "\n".join(rows) + "\n", encoding="utf-8")
    return plan


def test_levels_and_proficiencies_are_read(tmp_path: Path) -> None:
    plan = _centre(tmp_path, rows=("A1,full_time,q1:1.2;q2,,,senior", "A2,full_time,q2,,,junior", "A3,full_time,q1,,,"))
    config = load_config(plan)
    a1, a2, a3 = config.agents
    assert [lv.level_id for lv in config.levels] == ["junior", "senior", "lead"]
    assert (a1.level, a1.skills, a1.proficiency("q1"), a1.proficiency("q2")) == ("senior", ("q1", "q2"), 1.2, 1.0)
    assert (a2.level, a2.proficiency("q2")) == ("junior", 0.8)  # the level's default proficiency
    assert (a3.level, a3.proficiencies, a3.proficiency("q1")) == (None, (), 1.0)
    assert config.level_rank(a3.level) == 0 and config.level_rank("lead") == 2


def test_min_level_takes_the_queue_from_agents_below_it(tmp_path: Path) -> None:
    plan = _centre(tmp_path, rows=("A1,full_time,q1;q2:0.9,,,junior", "A2,full_time,q1;q2,,,senior"),
                   patch=("  - id: q2\n", "  - id: q2\n    min_level: senior\n"))
    a1, a2 = load_config(plan).agents
    assert (a1.skills, a1.proficiencies) == (("q1",), (0.8,))  # q2 (and its 0.9) gone; q1 at the default
    assert a2.skills == ("q1", "q2")


def test_an_agent_left_with_no_queue_is_refused(tmp_path: Path) -> None:
    plan = _centre(tmp_path, rows=("A1,full_time,q2,,,junior",),
                   patch=("  - id: q2\n", "  - id: q2\n    min_level: lead\n"))
    with pytest.raises(InputError, match=r"agents.csv: agent A1 \(level junior\) is skilled only for queues above"):
        load_config(plan)


@pytest.mark.parametrize(("row", "message"), [
    ("A1,full_time,q1,,,boss", r"agents.csv row 2: agent A1 has unknown level 'boss' \(known: junior, senior, lead\)"),
    ("A1,full_time,q1:0,,,", r"agents.csv row 2: agent A1 skills proficiency in 'q1:0' must be > 0 and <= 5"),
    ("A1,full_time,q1:5.5,,,", r"row 2: agent A1 skills proficiency in 'q1:5.5' must be > 0 and <= 5"),
    ("A1,full_time,q1:fast,,,", r"row 2: agent A1 skills 'q1:fast' is not 'QUEUE' or 'QUEUE:PROFICIENCY'"),
    ("A1,full_time,q1:0.9;q1:1,,,", r"row 2: agent A1 gives one skill two proficiencies"),
    ("A1,full_time,q9:1,,,", r"row 2: agent A1 has unknown skill 'q9'"),
])
def test_bad_agent_rows_are_named(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_config(_centre(tmp_path, rows=(row,)))


@pytest.mark.parametrize(("extra", "message"), [
    ("floor_rules:\n  - {id: f, level: boss}\n", r"floor_rules\[0\].level must name a level of levels\[\]"),
    ("floor_rules:\n  - {id: f, level: lead, queues: [q9]}\n", r"floor_rules\[0\].queues\[0\] must name a queue"),
    ("floor_rules:\n  - {id: f, agents: [A9]}\n", r"floor_rules\[0\].agents\[0\] must name an agent"),
    ("floor_rules:\n  - {id: f, level: lead, agents: [A1]}\n", r"floor_rules\[0\] must name exactly one of level"),
    ("floor_rules:\n  - {id: f, level: lead, hard: false}\n", r"missing key 'floor_rules\[0\].weight'"),
    ("floor_rules:\n  - {id: f, level: lead, weight: 5}\n", r"floor_rules\[0\].weight is only for a soft rule"),
    ("floor_rules:\n  - {id: f, level: lead, min_agents: 0}\n", r"floor_rules\[0\].min_agents must be >= 1"),
    ("ratio_rules:\n  - {id: r, junior_level: lead, senior_level: junior, max_juniors_per_senior: 2}\n",
     r"ratio_rules\[0\].senior_level must rank above junior_level lead"),
    ("ratio_rules:\n  - {id: r, junior_level: junior, senior_level: lead}\n",
     r"missing key 'ratio_rules\[0\].max_juniors_per_senior'"),
    ("  - {id: junior}\n", r"levels\[3\].id duplicates another level id"),
])
def test_bad_rules_are_named_by_key(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_config(_centre(tmp_path, LEVELS_YAML + extra))


def test_unknown_min_level_exits_2_naming_the_key(tmp_path: Path) -> None:
    plan = _centre(tmp_path, patch=("  - id: q2\n", "  - id: q2\n    min_level: boss\n"))
    result = CliRunner().invoke(main, ["validate", str(plan), str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    assert "queues[1].min_level must name a level of levels[]" in result.output


def test_floor_and_ratio_rules_are_read(tmp_path: Path) -> None:
    extra = (LEVELS_YAML + "floor_rules:\n  - {id: lead_on_floor, level: lead}\n"
             "  - {id: team, agents: [A1, A2], min_agents: 2, queues: [q2], hard: false, weight: 40}\n"
             "ratio_rules:\n  - {id: r, junior_level: junior, senior_level: senior, max_juniors_per_senior: 3}\n")
    config = load_config(_centre(tmp_path, extra, rows=("A1,full_time,q1,,,lead", "A2,full_time,q2,,,junior")))
    lead, team = config.floor_rules
    assert (lead.level, lead.min_agents, lead.queue_ids, lead.hard) == ("lead", 1, (), True)
    assert (team.agent_ids, team.min_agents, team.queue_ids, team.hard, team.weight) == (("A1", "A2"), 2, ("q2",),
                                                                                       False, 40)
    (ratio,) = config.ratio_rules
    assert (ratio.junior_level, ratio.senior_level, ratio.max_per_senior, ratio.hard) == ("junior", "senior", 3, True)


def test_every_proficiency_one_plans_exactly_as_without_levels(tmp_path: Path) -> None:
    """Levels, a level column and explicit proficiencies of 1 change nothing: same agents, same roster."""
    agents = tuple(TinyAgent(f"A{i}", "full_time" if i < 3 else "part_time", ("q1", "q2")) for i in range(5))
    centre = TinyCentre(agents=agents, queues=("q1", "q2"))
    plain, _ = write(centre, tmp_path / "plain")
    graded, _ = write(centre, tmp_path / "graded")
    graded.write_text(graded.read_text(encoding="utf-8") + "levels:\n  - id: junior\n  - id: senior\n",
                      encoding="utf-8")
    rows = [f"A{i},{a.contract},q1:1;q2:1.0,,,{'senior' if i % 2 else 'junior'}" for i, a in enumerate(agents)]
    (tmp_path / "graded" / "agents.csv").write_text(AGENTS + "\n".join(rows) + "\n", encoding="utf-8")
    configs = [load_config(plain), load_config(graded)]
    assert [(a.agent_id, a.skills, a.proficiencies) for a in configs[0].agents] == [
        (a.agent_id, a.skills, a.proficiencies) for a in configs[1].agents]
    week = Week(WEEK_START, INTERVAL_MINUTES)
    requirements = np.zeros((2, week.slot_count), int)
    requirements[:, week.slot(0, 9 * 60):week.slot(0, 17 * 60)] = 1
    requirements[:, week.slot(2, 9 * 60):week.slot(2, 17 * 60)] = 2
    rosters = [roster_csv(solve_roster(Instance(c, week, requirements), time_limit_seconds=1, progress=None).roster)
               for c in configs]
    assert rosters[0] == rosters[1] and rosters[0].count("\n") > 5


def test_validator_checks_min_level_itself(tmp_path: Path) -> None:
    """A config built in code with a junior skilled for a senior queue: the validator names it."""
    plan = _centre(tmp_path, rows=("A1,full_time,q1;q2,,,junior",))
    config = load_config(plan)
    queues = (config.queues[0], dataclasses.replace(config.queues[1], min_level="senior"))
    found = validate_roster(dataclasses.replace(config, queues=queues),
                            _empty_roster(tmp_path), WEEK_START)
    assert [(v.agent_id, v.rule) for v in found if v.rule == "min_level"] == [("A1", "min_level")]
    assert "level junior is skilled for q2, which needs senior or above" in found[0].detail


def _empty_roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("agent_id,date,activity,start,end\n", encoding="utf-8")
    return path


def test_example_with_levels(tmp_path: Path) -> None:
    plan = generate_example(tmp_path / "a", agents=40, weeks=3, seed=2, levels=True)
    again = generate_example(tmp_path / "b", agents=40, weeks=3, seed=2, levels=True)
    for name in ("agents.csv", "plan.yaml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    config = load_config(plan)
    assert [lv.level_id for lv in config.levels] == ["junior", "mid", "senior", "lead"]
    levels = [a.level for a in config.agents]
    assert levels.count("lead") >= 5 and {"junior", "mid", "senior"} <= set(levels)
    assert any(a.proficiencies for a in config.agents)
    (rule,) = config.floor_rules
    assert (rule.level, rule.min_agents, rule.queue_ids, rule.hard) == ("lead", 1, (), True)
    week = Week(config.week_start or WEEK_START, config.interval_minutes)
    assert floor_rules.reachable_conflicts(config, week) == []
    plain = load_config(generate_example(tmp_path / "c", agents=40, weeks=3, seed=2, levels=False))
    assert plain.levels == () and [a.skills for a in plain.agents] == [a.skills for a in config.agents]
    assert (tmp_path / "c" / "history.csv").read_bytes() == (tmp_path / "a" / "history.csv").read_bytes()
    assert again.name == "plan.yaml"


def test_effective_heads_weigh_the_allocated_agents_by_proficiency() -> None:
    """A (sales 0.5, service 1.5) and B (sales 1.0) on the floor, one head wanted on each queue: the cover sends
    B to sales and A to service, worth 1.0 and 1.5 average agents; with every proficiency 1, nothing to weigh."""
    from scheduler.domain.roster import Roster, ShiftAssignment
    from scheduler.rostering.proficiency import effective_heads
    from tests.test_rules import WEEK, agent, make_config

    a = dataclasses.replace(agent("A", skills=("sales", "service")), proficiencies=(0.5, 1.5))
    b = dataclasses.replace(agent("B", skills=("sales",)), proficiencies=(1.0,))
    config = make_config((a, b), queue_ids=("sales", "service"))
    roster = Roster(tuple(ShiftAssignment(who, WEEK.day(0), "day", 8 * 60, 510, 480, ()) for who in ("A", "B")))
    required = np.zeros((2, WEEK.slot_count), int)
    slot = WEEK.slot(0, 9 * 60)
    required[:, slot] = 1
    effective = effective_heads(config, WEEK, roster, required)
    assert effective is not None
    assert effective[:, slot].tolist() == [1.0, 1.5]
    assert effective[:, slot + 1].tolist() == [1.5, 0.0]  # nothing required: both on sales, the larger need
    plain = dataclasses.replace(config, agents=tuple(dataclasses.replace(x, proficiencies=()) for x in (a, b)))
    assert effective_heads(plain, WEEK, roster, required) is None


def test_report_checks_floor_rules_per_interval_and_xlsx_lists_levels() -> None:
    """One lead on Monday 08:00-10:00 with a break at 09:00, the centre open 06:00-24:00: the check keeps the 7
    intervals the lead is on the floor and lists the short ones from 06:00, 09:00 among them; the workbook
    gains an ``agents`` sheet of levels (and only for a centre with levels)."""
    import io
    import zipfile
    from datetime import datetime

    import pandas as pd

    from scheduler.domain.plan import FloorRule, Level
    from scheduler.io.exports import Segment, roster_workbook
    from scheduler.io.roster_grid import agent_profiles
    from scheduler.report.floor import floor_checks, floor_section
    from tests.test_rules import MON, agent, make_config

    lead = dataclasses.replace(agent("L1"), level="lead")
    config = dataclasses.replace(make_config((lead,)), levels=(Level("lead"),),
                                 floor_rules=(FloorRule("lead_on_floor", 1, "lead", (), (), True, 0),))

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 3, 30, hour, minute)

    segments = (Segment("L1", MON, "shift", at(8), at(10)), Segment("L1", MON, "break", at(9), at(9, 15)))
    (check,) = floor_checks(config, MON, segments)
    open_intervals = 7 * 18 * 4  # 06:00-24:00 every day, 15-minute intervals
    assert (check.key, check.hard, check.intervals, check.kept) == ("floor_rules[0] lead_on_floor", True,
                                                                    open_intervals, 7)
    assert check.short[0] == (at(6), 0, 1) and check.short[8] == (at(9), 0, 1) and check.short[9][0] == at(10)
    page = floor_section((check,))
    assert "floor_rules[0] lead_on_floor" in page and f"7 of {open_intervals:,}" in page
    cover = pd.DataFrame({"queue": []})
    # the roster sheet's grid has a level column when the agents have levels (scheduler.io.roster_grid)
    profiles = agent_profiles(config)
    assert [(p.agent_id, p.level) for p in profiles] == [("L1", "lead")]
    book = zipfile.ZipFile(io.BytesIO(roster_workbook(segments, cover, MON, profiles=profiles)))
    assert ">level<" in book.read("xl/sharedStrings.xml").decode()
    assert ">lead<" in book.read("xl/sharedStrings.xml").decode()
    plain = zipfile.ZipFile(io.BytesIO(roster_workbook(segments, cover, MON)))
    assert ">level<" not in plain.read("xl/sharedStrings.xml").decode()
    assert floor_section(()) == ""


def test_a_queue_id_with_a_colon_stays_a_plain_skill() -> None:
    from scheduler.io.agents_csv import parse_skills

    assert parse_skills("a:b; c:0.5; a:b:0.7", 1.0, {"a:b", "c"}) == (("a:b", 1.0), ("c", 0.5), ("a:b", 0.7))
    assert parse_skills("sales", 0.8) == (("sales", 0.8),)
