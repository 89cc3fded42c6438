"""The rostering instance: shape, values and immutability checked once, at construction."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scheduler.domain.week import Week
from scheduler.rostering.instance import Instance
from scheduler.rostering.model import RosterModel
from tests.test_rules import MON, WEEK, agent, make_config

CONFIG = make_config(agents=(agent("A1", skills=("sales", "care")),), queue_ids=("sales", "care"))


def _requirements(value: int = 1) -> np.ndarray:
    return np.full((2, WEEK.slot_count), value, dtype=np.int64)


def test_queue_ids_and_slots_follow_the_config_and_the_week() -> None:
    instance = Instance(CONFIG, WEEK, _requirements())
    assert instance.queue_ids == ("sales", "care")
    assert instance.slots == 7 * 24 * 60 // 15 == instance.requirements.shape[1]


@pytest.mark.parametrize("shape", [(1, WEEK.slot_count), (3, WEEK.slot_count), (2, WEEK.slot_count - 1), (2,)])
def test_a_requirement_array_of_the_wrong_shape_is_refused(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"shape \[queue, slot\] = \(2, 672\).*'sales', 'care'"):
        Instance(CONFIG, WEEK, np.zeros(shape, dtype=np.int64))


def test_negative_or_fractional_requirements_are_refused() -> None:
    negative = _requirements()
    negative[1, 5] = -1
    with pytest.raises(ValueError, match=">= 0, got -1"):
        Instance(CONFIG, WEEK, negative)
    with pytest.raises(ValueError, match="integer array"):
        Instance(CONFIG, WEEK, _requirements().astype(float) / 2)


def test_a_week_cut_at_another_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        Instance(CONFIG, Week(MON, 30), np.zeros((2, Week(MON, 30).slot_count), dtype=np.int64))


def test_the_requirements_are_a_read_only_copy() -> None:
    mine = _requirements()
    instance = Instance(CONFIG, WEEK, mine)
    mine[0, 0] = 99  # the caller's array stays theirs and writable
    assert instance.requirements[0, 0] == 1
    with pytest.raises(ValueError, match="read-only"):
        instance.requirements[0, 0] = 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        instance.requirements = mine  # type: ignore[misc]


def test_with_config_and_with_requirements_keep_the_rest() -> None:
    instance = Instance(CONFIG, WEEK, _requirements())
    renamed = dataclasses.replace(CONFIG, name="other")
    moved = instance.with_config(renamed)
    assert moved.config is renamed and moved.week is WEEK
    assert moved.requirements is instance.requirements  # already frozen: shared, not copied
    padded = instance.with_requirements(instance.requirements + 1)
    assert int(padded.requirements.sum()) == int(instance.requirements.sum()) + 2 * WEEK.slot_count
    assert not padded.requirements.flags.writeable
    with pytest.raises(ValueError, match="shape"):
        instance.with_config(make_config(queue_ids=("sales",)))


def test_the_model_reads_the_instance() -> None:
    instance = Instance(CONFIG, WEEK, _requirements(2))
    model = RosterModel(instance)
    assert model.config is CONFIG and model.week is WEEK
    assert model.requirements is instance.requirements
