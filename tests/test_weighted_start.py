"""The weighted solve's start target (``search.weighted_start``): requirements in average agents turned into heads
by the skilled agents' expected proficiency, for a head-counting start."""

from __future__ import annotations

import dataclasses

import numpy as np

from scheduler.domain.plan import SolverSettings
from scheduler.rostering import effective_cover
from scheduler.rostering.instance import Instance
from scheduler.rostering.search.weighted_start import expected_proficiency, heads_instance, inflated_requirements
from tests.test_rules import WEEK, agent, make_config

QUEUES = ("sales", "service")


def _instance(proficiencies: dict[str, tuple[float, ...]], required: tuple[int, int]) -> Instance:
    skills = {"J": QUEUES, "M": ("sales",), "S": ("service",)}
    people = tuple(dataclasses.replace(agent(name, skills=skills[name]), proficiencies=values)
                   for name, values in proficiencies.items())
    requirements = np.zeros((2, WEEK.slot_count), int)
    requirements[0, 40:44], requirements[1, 40:44] = required
    config = dataclasses.replace(make_config(people, queue_ids=QUEUES), solver=SolverSettings(proficiency_cover=True))
    return Instance(config, WEEK, requirements)


def test_expected_proficiency_is_the_skilled_agents_mean() -> None:
    instance = _instance({"J": (0.8, 0.7), "M": (1.0,), "S": (1.3,)}, (3, 3))
    assert np.allclose(expected_proficiency(instance.config), (0.9, 1.0))


def test_juniors_need_more_heads_and_seniors_fewer() -> None:
    instance = _instance({"J": (0.8, 1.2), "M": (0.8,), "S": (1.2,)}, (3, 5))
    heads = inflated_requirements(instance)
    assert heads[0, 40] == 4  # 3 average agents at 0.8 a head: 3.75 heads, rounded up
    assert heads[1, 40] == 5  # 5 / 1.2 = 4.17: a fifth head is still needed
    assert heads[:, :40].sum() == 0 and heads[:, 44:].sum() == 0  # no requirement, no heads
    aimed = heads_instance(instance)
    assert aimed.requirements.tolist() == heads.tolist()
    assert not effective_cover.weighted(aimed.config)  # the start counts heads against that target
    assert instance.requirements[0, 40] == 3  # the instance itself is untouched


def test_exact_quotients_are_not_rounded_up() -> None:
    instance = _instance({"J": (0.75, 1.0), "M": (0.75,), "S": (1.0,)}, (3, 2))
    assert inflated_requirements(instance)[:, 40].tolist() == [4, 2]  # 3 / 0.75 is 4, not 5


def test_proficiency_one_keeps_the_requirements() -> None:
    instance = _instance({"J": (), "M": (), "S": ()}, (3, 2))
    assert (inflated_requirements(instance) == instance.requirements).all()


def _many_skill_sets() -> Instance:
    """Ten queues, ten agents each skilled for a different pair of them: ten skill sets, with levels."""
    queues = tuple(f"q{i}" for i in range(10))
    people = tuple(dataclasses.replace(agent(f"A{i}", skills=(queues[i], queues[(i + 1) % 10])),
                                       proficiencies=(0.8, 1.2)) for i in range(10))
    requirements = np.zeros((10, WEEK.slot_count), int)
    requirements[:, 40:48] = 1
    config = dataclasses.replace(make_config(people, queue_ids=queues), solver=SolverSettings(proficiency_cover=True))
    return Instance(config, WEEK, requirements)


def _merged_calls(monkeypatch, on: bool) -> list[tuple[bool, int | None]]:
    from scheduler.rostering import solve

    calls: list[tuple[bool, int | None]] = []
    real = solve.solve_merged

    def spy(instance: Instance, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((effective_cover.weighted(instance.config), kwargs.get("max_skill_sets")))
        return real(instance, **kwargs)

    monkeypatch.setattr(solve, "solve_merged", spy)
    monkeypatch.setattr(solve, "WEIGHTED_MERGED_START", on)
    result = solve.solve_roster(_many_skill_sets(), time_limit_seconds=5, progress=None)
    assert result.roster.shifts  # a roster either way
    return calls


def test_many_skill_sets_start_from_the_merged_heads_lp(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from scheduler.rostering.search.subset_bound import skill_sets
    from scheduler.rostering.solve import WEIGHTED_MERGED_START_SKILL_SETS

    assert skill_sets(_many_skill_sets()) > WEIGHTED_MERGED_START_SKILL_SETS
    # on: the heads instance (weighted cover off) with its queues merged to at most that many skill sets
    assert _merged_calls(monkeypatch, True) == [(False, WEIGHTED_MERGED_START_SKILL_SETS)]
    assert _merged_calls(monkeypatch, False) == []  # off: the full heads LP, as before
