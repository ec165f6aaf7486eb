"""Replace an output folder whole, so nobody ever reads half of one."""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["swap_folder"]


def swap_folder(finished: Path, out: Path) -> None:
    """Put the `finished` folder in place of `out` (a sibling), removing the old one after."""
    if out.exists():
        old = out.parent / f".{out.name}-old"
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        finished.rename(out)
        shutil.rmtree(old)
    else:
        finished.rename(out)
