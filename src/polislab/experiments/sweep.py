"""Sweeps: expand a spec to runs, skip the runs already stored, execute the rest, store each.

An interrupted sweep resumes: run files appear only when a run is finished, so a second call
runs exactly the missing ones, none twice; a stored run whose checksums fail is set aside and runs
again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from polislab.core.machine import check_memory, replicates_that_fit
from polislab.core.registry import get_model
from polislab.experiments.claims import claim, release
from polislab.experiments.executors import Task, execute
from polislab.experiments.spec import Spec, run_key
from polislab.experiments.store import damage, remove_partial_files, set_aside, stored_keys, write_result

MAX_SEEDS_PER_TASK = 64
WAIT_FOR_OTHERS = 0.5  # seconds between looks at the runs another sweep has claimed


@dataclass
class SweepSummary:
    total: int
    already_stored: int
    ran: int


def plan_tasks(spec: Spec, skip: set[str], workers: int) -> list[Task]:
    """Group the runs not in ``skip`` (stored, or another sweep's) into tasks: seeds of one point
    share a task when the model runs replicates batched, split so that every worker has work."""
    batched = get_model(spec.model).simulate_batch is not None
    tasks = []
    points = spec.points()
    for params in points:
        seeds = [seed for seed in spec.run_seeds if run_key(params, seed) not in skip]
        if not seeds:
            continue
        check_memory(spec.model, params.memory_needed(1))  # a run that cannot fit stops the sweep before any work
        size = 1
        if batched:
            per_worker = -(-len(seeds) * len(points) // max(workers, 1))
            size = max(1, min(MAX_SEEDS_PER_TASK, per_worker, len(seeds),
                              replicates_that_fit(params.memory_needed(1), len(seeds))))
        values = params.to_dict()
        for start in range(0, len(seeds), size):
            tasks.append(Task(spec.model, values, tuple(seeds[start : start + size])))
    return tasks


def run_sweep(
    spec: Spec,
    out: str | Path,
    backend: str = "process",
    workers: int | None = None,
    address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    dashboard: bool = False,
) -> SweepSummary:
    """Run every run of ``spec`` not yet stored in ``out`` and store it. Runs another sweep on
    this machine has claimed are left to it and waited for (``claims``), so each is computed once;
    ``SweepSummary.ran`` counts the runs this sweep computed."""
    out = Path(out)
    remove_partial_files(out)
    keys = {run.key for run in spec.runs()}
    done = set()
    for key in stored_keys(out) & keys:  # a damaged run is set aside and runs again
        if damage(out, key) is None:
            done.add(key)
        else:
            set_aside(out, key)
    already = len(done)
    workers = workers or os.cpu_count() or 1
    ran = 0
    claimed: set[str] = set()

    def store(results) -> None:
        nonlocal ran
        for result in results:
            write_result(out, result)
            key = run_key(result.params, result.seed)
            release(out, [key])  # after the run file: a waiting sweep finds it stored
            claimed.discard(key)
            done.add(key)
            ran += 1
        if progress is not None:
            progress(len(done), len(keys))

    if progress is not None:
        progress(len(done), len(keys))
    try:
        while True:
            mine = {key for key in keys - done if claim(out, key)}
            finished = stored_keys(out) & mine  # stored, then released, by another sweep since we looked
            release(out, finished)
            done |= finished
            mine -= finished
            claimed |= mine
            tasks = plan_tasks(spec, keys - mine, workers if backend != "serial" else 1)
            execute(tasks, store, backend=backend, workers=workers, address=address, dashboard=dashboard)
            done |= stored_keys(out) & keys  # what the other sweeps stored meanwhile
            if done >= keys:
                break
            time.sleep(WAIT_FOR_OTHERS)
            if progress is not None:
                progress(len(done), len(keys))
    finally:
        release(out, claimed)
    return SweepSummary(total=len(keys), already_stored=already, ran=ran)


__all__ = ["SweepSummary", "plan_tasks", "run_sweep"]
