"""Atomic output folders: all files appear together, with ordinary permissions, or none do."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scheduler.io.outputs import StagedOutput


@pytest.fixture(autouse=True)
def _umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_new_folder_gets_ordinary_permissions(tmp_path: Path) -> None:
    staged = StagedOutput(tmp_path / "out")
    staged.write_text("roster.csv", "agent_id\n")
    staged.commit()
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "out" / "roster.csv").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_discard_leaves_existing_files_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "roster.csv").write_text("old\n")
    staged = StagedOutput(out)
    staged.write_text("roster.csv", "new\n")
    staged.discard()
    assert (out / "roster.csv").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_commit_replaces_files_and_subfolders(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "calendars").mkdir(parents=True)
    (out / "calendars" / "A001.ics").write_text("old\n")
    (out / "keep.txt").write_text("mine\n")
    staged = StagedOutput(out)
    (staged.path("calendars")).mkdir()
    staged.write_text("calendars/A002.ics", "new\n")
    staged.commit()
    assert sorted(p.name for p in (out / "calendars").iterdir()) == ["A002.ics"]
    assert (out / "keep.txt").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
