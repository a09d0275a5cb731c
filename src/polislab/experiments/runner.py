"""Run replicates of one parameter point and summarise them (``polislab run``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from polislab.core.jsonable import jsonable
from polislab.core.params import Params
from polislab.core.progress import Progress
from polislab.core.registry import ModelSpec
from polislab.core.result import Result
from polislab.core.version import VERSION


def run_replicates(
    spec: ModelSpec, params: Params, seeds: Sequence[int], progress: Progress | None = None
) -> list[Result]:
    """One result per seed: batched in this process when the model can, else across cores."""
    if spec.simulate_batch is not None or len(seeds) == 1 or (os.cpu_count() or 1) == 1:
        return spec.run(params, seeds, progress=progress)
    from polislab.experiments.executors import Task, execute

    by_seed: dict[int, Result] = {}

    def collect(results: list[Result]) -> None:
        for result in results:
            by_seed[result.seed] = result
        if progress is not None:
            progress(len(by_seed), len(seeds))

    tasks = [Task(spec.name, params.to_dict(), (seed,)) for seed in seeds]
    execute(tasks, collect, backend="process")
    return [by_seed[seed] for seed in seeds]


def summarize(model: str, params: Params, results: Sequence[Result]) -> dict[str, Any]:
    """The ``run --json`` document: parameters, seeds, each replicate's metrics, and
    mean / std (population) / n of every numeric metric over replicates."""
    summary = {}
    for name in results[0].metrics:
        values = [r.metrics[name] for r in results]
        numbers = [float(v) for v in values if isinstance(v, (int, float)) and v is not None]
        if numbers and not all(isinstance(v, str) for v in values):
            summary[name] = {
                "mean": float(np.mean(numbers)),
                "std": float(np.std(numbers)),
                "n": len(numbers),
            }
    return {
        "model": model,
        "version": VERSION,
        "params": jsonable(params.to_dict()),
        "seeds": [r.seed for r in results],
        "replicates": [{"seed": r.seed, "metrics": r.metrics} for r in results],
        "summary": summary,
    }
