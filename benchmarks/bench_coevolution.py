"""Coevolution kernel throughput and peak memory on one core (seed 002 / Santos et al. 2006).

    python benchmarks/bench_coevolution.py

Goals (issue 3): N = 1000, k = 30: >= 8 million steps/s with `local` (the same rules in C reach
about 16 million here) and >= 3 million for every other built-in; >= 3 million at N = 100,000;
N = 1,000,000, k = 30 within 4 GB. Also the speed ratio against the pure-Python reference of the
tests. Kernel time only (graph built and kernel compiled first); each case in its own process.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

STEPS = 2_000_000
SIDE_BY_SIDE = 5  # alternated runs of each size for issue 28's ratio


def measure(recommender: str, n: int, steps: int) -> dict:
    if hasattr(os, "sched_setaffinity"):  # one core, the same one every time: runs vary less between cores
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    from polislab import get_model
    from polislab.models.coevolution import kernels
    from polislab.models.coevolution.model import advance, initial_state

    # the prisoner's dilemma at W = 1 (seed 002, Fig. 6); T = 1.5 keeps it from absorbing early
    params = get_model("coevolution").make_params(
        {"n": n, "k": 30, "w": 1.0, "beta": 0.005, "temptation": 1.5, "sucker": -0.2, "steps": steps,
         "recommender": recommender})
    warm = initial_state(params.model_copy(update={"n": 100}), 0)
    advance(warm, 1000, None)  # compile
    # many runs absorb (all C or all D) early: fresh seeds until ``steps`` steps were timed
    done, rewires, seconds, seed = 0, 0, 0.0, 1
    while done < steps:
        state = initial_state(params, seed)
        start = time.perf_counter()
        advance(state, steps - done, None)
        seconds += time.perf_counter() - start
        done += int(state.counters[kernels.STEP])
        rewires += int(state.counters[kernels.REWIRES])
        seed += 1
    return {"recommender": recommender, "n": n, "runs": seed - 1, "steps": done, "steps_per_s": done / seconds,
            "rewires": rewires, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def python_reference_speed() -> float:
    import random

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "models"))
    from coevolution_reference import simulate_reference

    from polislab import get_model
    from polislab.models.coevolution.model import initial_state

    params = get_model("coevolution").make_params({"n": 1000, "k": 30, "w": 1.0, "temptation": 1.5, "sucker": -0.2})
    state = initial_state(params, 1)
    payoff = {(1, 1): 1.0, (1, 0): -0.2, (0, 1): 1.5, (0, 0): 0.0}
    steps = 20_000
    start = time.perf_counter()
    simulate_reference(1000, state.graph.edges(), state.strategy.tolist(), steps, 0.005, 1.0, payoff, "local",
                       random.Random(1))
    return steps / (time.perf_counter() - start)


def memory_probe(mib: int = 100) -> tuple[float, float]:
    """This host's memory now: ns for one random cache line of a ``mib`` MiB array read alone (a
    chain of dependent loads), and per line when the reads are independent: what the N = 100,000
    rate waits on (the N = 1000 rate runs in the cache), printed so that sittings and machines
    can be compared."""
    import numpy as np
    from numba import njit

    @njit
    def chase(following, steps):
        i = 0
        for _ in range(steps):
            i = following[i * 8]
        return i

    @njit
    def gather(array, indices):
        total = 0
        for i in indices:
            total += array[i]
        return total

    lines = mib * 2**20 // 64
    order = np.random.default_rng(0).permutation(lines)
    following = np.zeros(lines * 8, dtype=np.int64)
    following[order * 8] = np.roll(order, -1)
    indices = np.random.default_rng(1).integers(0, lines, 2_000_000) * 8
    chase(following, 10)
    gather(following, indices[:10])
    start = time.perf_counter()
    chase(following, 1_000_000)
    alone = (time.perf_counter() - start) * 1e3
    start = time.perf_counter()
    gather(following, indices)
    return alone, (time.perf_counter() - start) * 1e9 / len(indices)


def main() -> None:
    if len(sys.argv) == 4:
        print(json.dumps(measure(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
        return
    from polislab.models.coevolution.recommenders import HEURISTICS

    cases = [(r, 1000, STEPS) for r in HEURISTICS] + [("local", 100_000, STEPS), ("good", 100_000, STEPS),
                                                       ("local", 1_000_000, STEPS)]
    print(f"{'recommender':22s} {'N':>9s} {'runs':>5s} {'steps':>9s} {'steps/s':>12s} {'rewires':>9s} {'peak MiB':>9s}")
    local_speed = None
    for recommender, n, steps in cases:
        done = subprocess.run([sys.executable, __file__, recommender, str(n), str(steps)],
                              capture_output=True, text=True, check=True)
        row = json.loads(done.stdout)
        if recommender == "local" and n == 1000:
            local_speed = row["steps_per_s"]
        print(f"{recommender:22s} {n:9d} {row['runs']:5d} {row['steps']:9d} {row['steps_per_s']:12.3g} "
              f"{row['rewires']:9d} {row['peak_mib']:9.0f}")
    from polislab.core.graph import generate

    generate("random-regular", 100, 4, 1)  # compiled before the clock
    start = time.perf_counter()
    generate("random-regular", 1_000_000, 30, 1)
    print(f"random regular graph, N = 1,000,000, k = 30 (Santos et al.'s degree): built in "
          f"{time.perf_counter() - start:.1f} s")
    before = memory_probe()
    rates = {1000: [], 100_000: []}
    for _ in range(SIDE_BY_SIDE):  # alternated, so both sizes see the same machine
        for n in rates:
            done = subprocess.run([sys.executable, __file__, "local", str(n), str(STEPS)], capture_output=True,
                                  text=True, check=True)
            rates[n].append(json.loads(done.stdout)["steps_per_s"])
    small, large = (sorted(rates[n])[SIDE_BY_SIDE // 2] for n in rates)
    print(f"local, medians of {SIDE_BY_SIDE} alternated: N = 1000 {small:.3g}, N = 100,000 {large:.3g} steps/s: "
          f"{large / small:.0%} (issue 28's floor: 40%)")
    after = memory_probe()
    print(f"this host's memory before and after (a random line of 100 MiB): {before[0]:.0f} and {after[0]:.0f} ns "
          f"alone, {before[1]:.1f} and {after[1]:.1f} ns each when independent")
    python = python_reference_speed()
    print(f"pure-Python reference (tests), local, N = 1000: {python:.3g} steps/s; "
          f"the kernel is {local_speed / python:.0f}x faster")


if __name__ == "__main__":
    main()
