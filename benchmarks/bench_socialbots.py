"""Socialbots model (seed 003; issue 24) throughput on one core: independent cascades (the
expected cascade of every user of a 10^5-user follow graph, users per second), the detector's
compiled checks (checks per second, against scikit-learn's own call), a bot's life (actions per
second, detector included), and peak memory.

    NUMBA_NUM_THREADS=1 python benchmarks/bench_socialbots.py
"""

from __future__ import annotations

import resource
import time

import numpy as np

from polislab import get_model
from polislab.core.rng import new_state
from polislab.models.socialbots.cascade import spread_of_each
from polislab.models.socialbots.env import World
from polislab.models.socialbots.model import Heuristic, live


def main() -> None:
    spec = get_model("socialbots")
    small = spec.make_params({"n": 200, "detector_accounts": 50, "detector_trees": 5, "cascade_samples": 5,
                              "episodes": 1})
    live(small, World(small, 0), 0, lambda env, obs: Heuristic(small, env.world).choose(env))  # compile
    params = spec.make_params({"n": 100_000, "cascade_samples": 100, "policy": "mimic", "episodes": 20})
    start = time.perf_counter()
    world = World(params, 1)
    built = time.perf_counter() - start
    start = time.perf_counter()
    spread_of_each(world.offsets, world.targets, params.cascade_probability, params.cascade_samples, new_state(3))
    cascades = time.perf_counter() - start
    print(f"world of {params.n:,} users built in {built:.2f} s (graph, cascades, detector)")
    print(f"expected cascade of every user, {params.cascade_samples} samples each: {cascades:.2f} s, "
          f"{params.n / cascades:,.0f} users/s")
    counts = np.random.default_rng(0).integers(0, 50, (2000, 4))
    start = time.perf_counter()
    for row in counts:
        world.detector.flags(row)
    compiled = (time.perf_counter() - start) / len(counts)
    from polislab.models.socialbots.detector import features

    start = time.perf_counter()
    for row in counts[:50]:
        world.detector.forest.predict_proba(features(row))
    library = (time.perf_counter() - start) / 50
    print(f"detector check: {1 / compiled:,.0f}/s compiled, {1 / library:,.0f}/s through scikit-learn "
          f"({library / compiled:,.0f}x)")
    heuristic = Heuristic(params, world)
    start = time.perf_counter()
    bots = live(params, world, 1, lambda env, obs: heuristic.choose(env))
    seconds = time.perf_counter() - start
    actions = bots["survival"].sum()
    print(f"bots' lives (mimic, final cascades included): {actions:,.0f} actions in {seconds:.2f} s, "
          f"{actions / seconds:,.0f} actions/s")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")


if __name__ == "__main__":
    main()
