"""Atomic publishing of a plan's output folder, and the checks on where it may go.

Files are written into a fresh staging folder beside the destination ``DIR``. Publishing then switches ``DIR``
from the old plan to the new one in one step: the staging folder receives hard links to whatever else ``DIR``
holds (files that are not plan outputs, e.g. notes, are kept), and the two folders are swapped with Linux's
``renameat2(RENAME_EXCHANGE)``, which is atomic: a reader sees the old plan or the new one, never a mix, and
``DIR`` never disappears. On a file system or kernel without it, the swap is two renames (``DIR`` ->
``.DIR.old-XXXX``, staging -> ``DIR``); between them, a window of microseconds, ``DIR`` does not exist, and a
kill exactly there leaves the old plan in ``.DIR.old-XXXX`` and the new one in the staging folder, both whole.
The old plan is removed after the swap. A failed run, ``abort()`` or leaving the ``with`` block without
publishing removes the staging folder, so no staging folder is left behind and ``DIR`` is untouched.

A result that must not replace the plan (hard violations) is ``reject()``-ed: its folder is kept beside ``DIR``
as ``DIR.rejected-YYYYMMDD-HHMMSS`` for inspection, and ``DIR`` keeps the previous plan.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from scheduler.errors import InputError


def frame_csv(frame: pd.DataFrame, decimals: int = 4) -> str:
    """A CSV text with fixed float formatting, so the same values always give the same bytes."""
    return frame.to_csv(
        index=False, lineterminator="\n", float_format=f"%.{decimals}f", date_format="%Y-%m-%dT%H:%M:%S"
    )


def json_text(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish_permissions(path: Path) -> None:
    """Give a file made by ``tempfile.mkstemp`` (0600) the permissions an ordinary new file gets."""
    path.chmod(0o666 & ~_umask())


# Folders a plan may never be published to (nor anything inside the system ones): publishing swaps the
# whole folder.
SYSTEM_FOLDERS = ("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/media", "/mnt", "/opt",
                  "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var")
SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/sbin", "/sys", "/usr")
# renameat2 flag and the "current folder" file descriptor (linux/fs.h, fcntl.h).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _system_folder(resolved: Path) -> bool:
    text = str(resolved)
    if text in SYSTEM_FOLDERS or resolved == Path.home().resolve():
        return True
    return any(text.startswith(tree + "/") for tree in SYSTEM_TREES)


def check_out_dir(out_dir: Path, option: str = "--out") -> None:
    """InputError unless ``out_dir`` may hold a published plan: not empty text, the current folder or one above
    it, a system folder (``/``, ``/etc``, ``/usr``, ... or anything under ``/etc``, ``/usr``, ``/proc``, ...),
    the home folder itself, or an existing path that is not a folder."""
    if not str(out_dir).strip():
        raise InputError(f"{option} must name a folder, got {str(out_dir)!r}")
    resolved = out_dir.expanduser().resolve()
    if _system_folder(resolved):
        raise InputError(f"{option} must not be a system or home folder, got {str(out_dir)!r}")
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise InputError(f"{option} must not be the current folder or one above it (publishing replaces the "
                         f"whole folder), got {str(out_dir)!r}")
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{option} {str(out_dir)!r} exists and is not a folder")
    _check_writable_beside(resolved, option, str(out_dir))


def _check_writable_beside(resolved: Path, option: str, given: str) -> None:
    """InputError unless a staging folder can be made beside ``resolved`` (in its nearest existing ancestor when
    the parent is still to be made): a read-only folder or file system is refused before any work is done."""
    folder = resolved.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        os.rmdir(tempfile.mkdtemp(prefix=f".{resolved.name}.probe-", dir=folder))
    except OSError as error:
        raise InputError(f"{option} {given!r}: cannot write in {str(folder)!r} ({error.strerror})") from None


def check_out_file(out_file: Path, option: str = "--out") -> None:
    """InputError unless ``out_file`` may be written as one file: a name, not an existing folder, not inside a
    system folder."""
    if not out_file.name or out_file.is_dir():
        raise InputError(f"{option} must name a file, got {str(out_file)!r}")
    if _system_folder(out_file.expanduser().resolve().parent) or _system_folder(out_file.expanduser().resolve()):
        raise InputError(f"{option} must not be in a system or home folder, got {str(out_file)!r}")
    _check_writable_beside(out_file.expanduser().resolve(), option, str(out_file))


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False where the kernel, C library or file
    system does not offer it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(first))


def _link_tree(source: Path, target: Path) -> None:
    """``target`` gets hard links to ``source``'s files (copies where links are refused), recursively."""
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, target, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(str(source), str(target))


def _link_or_copy(source: str, target: str) -> None:
    if os.path.islink(source):
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _unpublishable(out_dir: Path, error: OSError) -> InputError:
    return InputError(f"cannot publish to {str(out_dir)!r} ({error.strerror}); it is left as it was")


class StagedOutput:
    """Collects files in a staging folder beside ``out_dir``; ``commit`` publishes them all in one step,
    ``reject`` keeps them beside ``out_dir`` instead, ``abort`` (or leaving a ``with`` block without either)
    removes them. ``abort`` is idempotent and safe to call from a signal handler's cleanup path."""

    def __init__(self, out_dir: Path) -> None:
        # A symlinked DIR is published where it points, so the link keeps naming the plan.
        self.out_dir = out_dir.resolve() if out_dir.is_symlink() else out_dir
        out_dir = self.out_dir
        parent = out_dir.resolve().parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
        except OSError as error:
            raise _unpublishable(out_dir, error) from None
        # mkdtemp makes the folder private (0700); the published folder gets the usual permissions.
        self.staging.chmod(0o777 & ~_umask())
        self.finished = False

    def __enter__(self) -> StagedOutput:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if not self.finished:
            self.abort()

    def path(self, name: str) -> Path:
        return self.staging / name

    def write_text(self, name: str, text: str) -> Path:
        target = self.path(name)
        target.write_text(text, encoding="utf-8", newline="")
        return target

    def commit(self) -> None:
        """Publish: ``out_dir`` switches from what it held to the staged files in one step (module docstring);
        entries of ``out_dir`` the staged files do not replace are kept."""
        try:
            if not self.out_dir.exists():
                os.rename(self.staging, self.out_dir)
            else:
                self._carry_over()
                if _exchange(self.staging, self.out_dir):
                    shutil.rmtree(self.staging, ignore_errors=True)  # now the old plan
                else:
                    old = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.old-", dir=self.staging.parent))
                    os.rename(self.out_dir, old / "plan")
                    try:
                        os.rename(self.staging, self.out_dir)
                    except OSError:
                        os.rename(old / "plan", self.out_dir)
                        os.rmdir(old)  # empty again: nothing left beside DIR
                        raise
                    shutil.rmtree(old, ignore_errors=True)
            self.finished = True
        except OSError as error:  # a read-only DIR, a full disk: one line, DIR as it was, no staging folder
            raise _unpublishable(self.out_dir, error) from None
        finally:
            if not self.finished:
                self.abort()

    def _carry_over(self) -> None:
        for item in sorted(self.out_dir.iterdir()):
            target = self.staging / item.name
            if not os.path.lexists(target):
                _link_tree(item, target)

    def reject(self) -> Path:
        """Keep the staged files beside ``out_dir`` as ``NAME.rejected-YYYYMMDD-HHMMSS`` (UTC) instead of
        publishing them; ``out_dir`` is left as it was. Returns the kept folder."""
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        kept = self.out_dir.resolve().parent / f"{self.out_dir.name}.rejected-{stamp}"
        number = 1
        while kept.exists():
            number += 1
            kept = kept.with_name(f"{self.out_dir.name}.rejected-{stamp}-{number}")
        try:
            os.rename(self.staging, kept)
            self.finished = True
        finally:
            if not self.finished:
                self.abort()
        return kept

    def abort(self) -> None:
        """Remove the staging folder (nothing is published); safe to call more than once."""
        self.finished = True
        shutil.rmtree(self.staging, ignore_errors=True)

    discard = abort
