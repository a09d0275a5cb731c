"""Run the catalog into a results directory (the first half of ``polislab reproduce``)."""

from __future__ import annotations

from pathlib import Path

from polislab.core.progress import progress_bar, wants_progress
from polislab.experiments.catalog import Entry, entries
from polislab.experiments.sweep import run_sweep


def run_catalog(out: str | Path, quick: bool, only: str | None = None, backend: str = "process",
                workers: int | None = None) -> list[Entry]:
    """Run every entry's spec (``--quick``: its first seeds) not yet stored in ``out``."""
    chosen = entries(only)
    for entry in chosen:
        with progress_bar(entry.name, wants_progress()) as progress:
            run_sweep(entry.spec_for(quick), out, backend=backend, workers=workers, progress=progress)
    return chosen
