"""Writing files atomically: a run, a policy or a checkpoint is either whole on disk or absent."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

TEMPORARY_PREFIX = ".partial-"


def write_atomically(path: str | Path, write: Callable[[Path], object]) -> None:
    """``write(temporary)``, then rename the temporary file onto ``path`` (one filesystem step)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{TEMPORARY_PREFIX}{os.getpid()}-{path.name}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
