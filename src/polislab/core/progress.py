"""Progress reporting: a model calls ``progress(done, total)``; the caller decides what shows.

A rich progress bar with ETA is shown only on a terminal; under ``--json`` or when stdout is
not a terminal nothing is printed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Progress = Callable[[int, int], None]
"""``progress(done, total)``: ``done`` units of work out of ``total`` are finished."""


def wants_progress(quiet: bool = False) -> bool:
    """Whether a progress bar belongs on this stdout (a terminal, and not asked to be quiet)."""
    return not quiet and sys.stdout.isatty()


@contextmanager
def progress_bar(description: str, enabled: bool) -> Iterator[Progress | None]:
    """Yield a ``Progress`` callback drawing a rich bar with ETA, or ``None`` when disabled."""
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress as RichProgress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with RichProgress(*columns, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
