"""Run the catalog into a results directory (the first half of ``polislab reproduce``)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from polislab.core.progress import progress_bar, wants_progress
from polislab.experiments.catalog import Entry, entries
from polislab.experiments.sweep import run_sweep


def run_catalog(out: str | Path, quick: bool, only: str | None = None, backend: str = "process",
                workers: int | None = None) -> tuple[list[Entry], dict[str, float]]:
    """Run every entry's spec (``--quick``: its small version) not yet stored in ``out``; return the
    entries and the wall time of each. On a terminal each entry shows a progress bar; otherwise
    (piped, logged) each entry prints a line when it starts and when it ends, on stderr. Within
    ``spec.smoke_size()`` the specs run at smoke size."""
    chosen = entries(only)
    seconds = {}
    bars = wants_progress()
    for number, entry in enumerate(chosen, 1):
        if not bars:
            print(f"[{number}/{len(chosen)}] {entry.name}: started", file=sys.stderr, flush=True)
        start = time.perf_counter()
        with progress_bar(entry.name, bars) as progress:
            summary = run_sweep(entry.spec_for(quick), out, backend=backend, workers=workers, progress=progress)
        seconds[entry.name] = time.perf_counter() - start
        if not bars:
            print(f"[{number}/{len(chosen)}] {entry.name}: {summary.ran} runs in {seconds[entry.name]:.0f} s "
                  f"({summary.already_stored} already stored)", file=sys.stderr, flush=True)
    return chosen, seconds
