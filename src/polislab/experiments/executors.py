"""Executors: serial, process (all cores) and Ray. The executor changes nothing about results.

A task is (model name, parameters, seeds); it runs in a worker and its results come back to
the caller, which stores them, so only one process ever writes the store. Workers use one
thread each (numba, torch, BLAS): two threads per worker on a shared machine ran 10-40x
slower (DESIGN.md, Speed). Workers keep freed memory (``core/memory.py``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from polislab.core.errors import UsageError
from polislab.core.memory import retain_freed_memory
from polislab.core.result import Result

BACKENDS = ("serial", "process", "ray")
NO_USAGE_STATS = ("RAY_USAGE_STATS_ENABLED", "0")  # Ray's usage statistics off (no network at run time)
ONE_THREAD = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}


@dataclass(frozen=True)
class Task:
    model: str
    params: dict[str, Any]
    seeds: tuple[int, ...]


def run_task(task: Task) -> list[Result]:
    """Run one task: every seed of one parameter point (batched when the model can)."""
    from polislab.core.registry import get_model

    spec = get_model(task.model)
    return spec.run(spec.make_params(task.params), list(task.seeds))


def _one_thread_worker() -> None:
    os.environ.update(ONE_THREAD)
    retain_freed_memory()


def _run_task_in_worker(task: Task) -> list[Result]:
    """``run_task`` in a Ray worker, which keeps freed memory as the process pool's do."""
    retain_freed_memory()
    return run_task(task)


def execute(
    tasks: Sequence[Task],
    on_done: Callable[[list[Result]], None],
    backend: str = "process",
    workers: int | None = None,
    address: str | None = None,
    dashboard: bool = False,
) -> None:
    """Run every task on ``backend``, calling ``on_done`` in this process as each finishes. A Ray
    started here runs without its dashboard unless ``dashboard``."""
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend '{backend}'; allowed: {', '.join(BACKENDS)}")
    if not tasks:
        return
    if backend == "serial":
        with _one_thread_here():
            for task in tasks:
                on_done(run_task(task))
    elif backend == "process":
        _execute_processes(tasks, on_done, workers or os.cpu_count() or 1)
    else:
        _execute_ray(tasks, on_done, address, dashboard)


@contextlib.contextmanager
def _one_thread_here():
    """The serial backend computes as one worker does: numba and torch on one thread while it
    runs (48 coevolution runs took 26 s with every thread against 5.5 s with one), restored after."""
    import numba

    threads = numba.get_num_threads()
    torch = sys.modules.get("torch")  # imported only if a model already uses it
    torch_threads = torch.get_num_threads() if torch else None
    numba.set_num_threads(1)
    if torch:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(threads)
        if torch:
            torch.set_num_threads(torch_threads)


def _execute_processes(tasks, on_done, workers: int) -> None:
    context = get_context("spawn")  # fork after numba or torch threads started is unsafe
    with ProcessPoolExecutor(min(workers, len(tasks)), context, _one_thread_worker) as pool:
        pending = {pool.submit(run_task, task) for task in tasks}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                on_done(future.result())


def _execute_ray(tasks, on_done, address: str | None, dashboard: bool = False) -> None:
    try:
        import ray
    except ImportError:
        raise UsageError("backend 'ray' needs Ray: pip install 'polislab[ray]'") from None
    started_here = not ray.is_initialized()
    saved = os.environ.get(NO_USAGE_STATS[0])
    if started_here:
        os.environ[NO_USAGE_STATS[0]] = NO_USAGE_STATS[1]  # a laboratory tool reports nothing anywhere
        ray.init(
            address=address,
            include_dashboard=dashboard,
            log_to_driver=False,
            configure_logging=False,
            runtime_env={"env_vars": {**ONE_THREAD, NO_USAGE_STATS[0]: NO_USAGE_STATS[1]}},
        )
    try:
        remote = ray.remote(num_cpus=1)(_run_task_in_worker)
        pending = [remote.remote(task) for task in tasks]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for reference in done:
                on_done(ray.get(reference))
    finally:
        if started_here:
            ray.shutdown()
            if saved is None:
                os.environ.pop(NO_USAGE_STATS[0], None)
            else:
                os.environ[NO_USAGE_STATS[0]] = saved
