"""Trade (seed 001) throughput: encounters per second on one core for each memory variant with
100 agents, and a pure-Python loop of the same rules for comparison. Goals: >= 20 million
encounters/s for one-step memory with 100 agents (issue 5; pure Python does about 0.6 million),
and 100 agents at no less than 85% of the rate of 2 agents, measured side by side (issue 28).

    python benchmarks/bench_trade.py
"""

from __future__ import annotations

import random
import resource
import time

import numpy as np

from polislab import get_model


def python_encounters(agents: int, encounters: int) -> float:
    """The one-step-memory encounter loop in plain Python with flat lists."""
    rewards = [3.0, 0.0, 4.0, 1.0]
    q = [0.0] * (agents * 5 * 2)
    unseen = [1.0] * (agents * 5 * 2)
    memory = [4] * (agents * agents)
    epsilon = [0.25] * agents
    rng = random.Random(0)
    start = time.perf_counter()
    for _ in range(encounters):
        i = rng.randrange(agents)
        j = rng.randrange(agents - 1)
        j += j >= i
        si, sj = memory[i * agents + j], memory[j * agents + i]
        ai = rng.randrange(2) if rng.random() < epsilon[i] else int(q[(i * 5 + si) * 2 + 1] > q[(i * 5 + si) * 2])
        aj = rng.randrange(2) if rng.random() < epsilon[j] else int(q[(j * 5 + sj) * 2 + 1] > q[(j * 5 + sj) * 2])
        for me, s, a, o in ((i, si, ai, aj), (j, sj, aj, ai)):
            game = 2 * a + o
            k = (me * 5 + s) * 2 + a
            unseen[k] *= 0.999
            nxt = (me * 5 + game) * 2
            q[k] += 0.001 / (1 - unseen[k]) * (rewards[game] + 0.99 * max(q[nxt], q[nxt + 1]) - q[k])
            epsilon[me] = max(0.0025, epsilon[me] * 0.9999999)
        memory[i * agents + j], memory[j * agents + i] = 2 * ai + aj, 2 * aj + ai
    return encounters / (time.perf_counter() - start)


def main() -> None:
    spec = get_model("trade")
    spec.simulate(spec.make_params({"agents": 100, "encounters": 1000}), 0)  # compile
    print(f"{'memory':10s} {'agents':>7s} {'encounters/s':>14s}")
    for memory in ("none", "partner", "own-last", "friends"):
        params = spec.make_params({"agents": 100, "memory": memory, "encounters": 20_000_000})
        best = 0.0
        for _ in range(3):
            start = time.perf_counter()
            spec.simulate(params, 1)
            best = max(best, params.encounters / (time.perf_counter() - start))
        print(f"{memory:10s} {100:7d} {best:14.3g}")
    rates = {2: [], 100: []}
    for _ in range(5):  # alternated, so both see the same machine
        for agents in rates:
            params = spec.make_params({"agents": agents, "memory": "partner", "encounters": 20_000_000})
            start = time.perf_counter()
            spec.simulate(params, 1)
            rates[agents].append(params.encounters / (time.perf_counter() - start))
    two, hundred = (float(np.median(rates[agents])) for agents in (2, 100))
    print(f"one-step memory, medians of 5 alternated: 2 agents {two:.3g}, 100 agents {hundred:.3g} "
          f"encounters/s: {hundred / two:.0%} (floor 85%)")
    python = python_encounters(100, 200_000)
    print(f"pure Python, one-step memory, 100 agents: {python:.3g} encounters/s")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
