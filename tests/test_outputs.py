"""Atomic output folders: all files appear together, with ordinary permissions, or none do."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scheduler.errors import InputError
from scheduler.io.outputs import StagedOutput, check_out_dir


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


def test_commit_swaps_the_whole_folder_and_keeps_foreign_files(tmp_path: Path) -> None:
    """The old plan's files are replaced together; a file the plan does not write (notes) stays, and its
    content is the same file (a hard link), so nothing is copied or lost."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "roster.csv").write_text("old\n")
    (out / "kpis.json").write_text("{}\n")
    (out / "notes.txt").write_text("mine\n")
    inode = (out / "notes.txt").stat().st_ino
    with StagedOutput(out) as staged:
        staged.write_text("roster.csv", "new\n")
        staged.commit()
    assert (out / "roster.csv").read_text() == "new\n"
    assert (out / "kpis.json").read_text() == "{}\n"  # not rewritten this time: carried over like any other file
    assert (out / "notes.txt").read_text() == "mine\n"
    assert (out / "notes.txt").stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_commit_falls_back_to_two_renames_without_an_atomic_exchange(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import scheduler.io.outputs as outputs

    monkeypatch.setattr(outputs, "_exchange", lambda first, second: False)
    out = tmp_path / "out"
    out.mkdir()
    (out / "roster.csv").write_text("old\n")
    with StagedOutput(out) as staged:
        staged.write_text("roster.csv", "new\n")
        staged.commit()
    assert (out / "roster.csv").read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_reject_keeps_the_result_beside_and_the_old_plan_in_place(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "roster.csv").write_text("old\n")
    with StagedOutput(out) as staged:
        staged.write_text("roster.csv", "bad\n")
        kept = staged.reject()
    assert (out / "roster.csv").read_text() == "old\n"
    assert kept.parent == tmp_path and kept.name.startswith("out.rejected-")
    assert (kept / "roster.csv").read_text() == "bad\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", kept.name]


def test_an_error_inside_the_block_or_abort_leaves_no_staging_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), StagedOutput(out) as staged:
        staged.write_text("roster.csv", "half\n")
        raise RuntimeError("stopped")
    assert list(tmp_path.iterdir()) == []
    staged = StagedOutput(out)
    staged.write_text("roster.csv", "x\n")
    staged.abort()
    staged.abort()  # idempotent
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", ["", "/", "/etc", "/usr/local/x", "/proc/self", "/sys"])
def test_check_out_dir_refuses_system_and_empty_paths(bad: str) -> None:
    with pytest.raises(InputError, match="--out"):
        check_out_dir(Path(bad) if bad else Path(""))


def test_check_out_dir_refuses_the_current_folder_and_existing_files(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.yaml").write_text("x")
    for bad in (Path("."), Path(".."), Path("plan.yaml")):
        with pytest.raises(InputError, match="--out"):
            check_out_dir(bad)
    check_out_dir(Path("out"))
    check_out_dir(tmp_path / "new" / "deeper")


def test_a_symlinked_folder_is_published_where_it_points(tmp_path: Path) -> None:
    real = tmp_path / "plans" / "week14"
    real.mkdir(parents=True)
    (real / "roster.csv").write_text("old\n")
    link = tmp_path / "current"
    link.symlink_to(real)
    with StagedOutput(link) as staged:
        staged.write_text("roster.csv", "new\n")
        staged.commit()
    assert link.is_symlink() and (link / "roster.csv").read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "plans"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["week14"]
