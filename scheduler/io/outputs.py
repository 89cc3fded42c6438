"""Atomic writing of a plan's output files.

Files are written into a fresh temporary folder beside the destination and moved into place only when all of
them are complete, so a failed run never leaves a half-written roster and never touches files already there.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd


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


class StagedOutput:
    """Collects files in a temporary folder; ``commit`` moves them into ``out_dir`` together."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        parent = out_dir.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
        # mkdtemp makes the folder private (0700); the published folder gets the usual permissions.
        self.staging.chmod(0o777 & ~_umask())

    def path(self, name: str) -> Path:
        return self.staging / name

    def write_text(self, name: str, text: str) -> Path:
        target = self.path(name)
        target.write_text(text, encoding="utf-8", newline="")
        return target

    def commit(self) -> None:
        if not self.out_dir.exists():
            os.replace(self.staging, self.out_dir)
            return
        for item in sorted(self.staging.iterdir()):
            target = self.out_dir / item.name
            if item.is_dir() and target.is_dir():
                # A folder (calendars/) cannot replace a non-empty one: swap the old one out, then remove it.
                os.replace(target, self.staging / f".old.{item.name}")
            os.replace(item, target)
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
