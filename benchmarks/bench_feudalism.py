"""Feudalism (seed 001, ch. 3; issue 25) throughput on one core: turns and encounters per second
for 200 and 10,000 agents (4 ties each), and the time to the issue's scale: 10^4 agents for 10^6
encounters "in minutes on one core". Self-play that sets up the first ties is timed apart.

    python benchmarks/bench_feudalism.py
"""

from __future__ import annotations

import resource
import time

import numpy as np

from polislab.core.rng import new_state
from polislab.models.feudalism import kernels as k
from polislab.models.feudalism.model import new_buffer, new_world, options
from polislab.models.feudalism.params import FeudalismParams


def measure(agents: int, encounters: int) -> None:
    params = FeudalismParams(agents=agents, ties=4)
    opt = options(params)
    world, buffer = new_world(params, np.random.default_rng(0)), new_buffer(params)
    rng, counts = new_state(1), np.zeros(k.COUNTERS)
    start = time.perf_counter()
    k.first_ties(world, buffer, opt, rng, counts, params.contexts, False)
    setup = time.perf_counter() - start
    counts[:] = 0
    turns = 0
    start = time.perf_counter()
    while counts[k.C_ENCOUNTERS] < encounters:
        k.run_turns(world, buffer, opt, rng, counts, turns, 100_000, params.contexts)
        turns += 100_000
    seconds = time.perf_counter() - start
    print(f"{agents:7d} {setup:9.1f} {turns:10d} {int(counts[k.C_ENCOUNTERS]):11d} {seconds:8.1f} "
          f"{turns / seconds:10.3g} {counts[k.C_ENCOUNTERS] / seconds:13.3g} {counts[k.C_MOVES] / seconds:10.3g}")


def main() -> None:
    measure(200, 10_000)  # compile
    print(f"{'agents':>7s} {'setup s':>9s} {'turns':>10s} {'encounters':>11s} {'run s':>8s} {'turns/s':>10s} "
          f"{'encounters/s':>13s} {'moves/s':>10s}")
    measure(200, 200_000)
    measure(10_000, 1_000_000)
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
