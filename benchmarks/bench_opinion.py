"""Opinion model (seed 003) throughput: agent updates per second on one core, for N = 100 (the
source's size) and N = 1,000,000 on a random geometric graph, each variant; the time to build
the million-agent geometric graph; and a pure-Python loop of the same rules for comparison.
Goals (issue 7): >= 10 million agent updates/s per core; the 10^6-agent graph in under a minute.

    python benchmarks/bench_opinion.py
"""

from __future__ import annotations

import random
import resource
import time

from polislab import get_model
from polislab.core.geometric import random_geometric

VARIANTS = {
    "learning (original)": {},
    "softmax exploration": {"exploration": "softmax"},
    "ergodic (expressed feedback)": {"feedback": "expressed"},
    "batched b = 10": {"batch": 10},
    "voter model": {"dynamics": "voter"},
}


def python_updates(n: int, updates: int) -> float:
    """The original update loop in plain Python on a ring of n agents with 10 neighbours each."""
    neighbours = [[(i + d) % n for d in (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)] for i in range(n)]
    rng = random.Random(0)
    q = [[rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5)] for _ in range(n)]
    opinion = [int(qi[1] > qi[0]) for qi in q]
    start = time.perf_counter()
    for _ in range(updates):
        i = rng.randrange(n)
        j = rng.choice(neighbours[i])
        a = rng.randrange(2) if rng.random() < 0.1 else opinion[i]
        q[i][a] = 0.99 * q[i][a] + 0.01 * (1.0 if a == opinion[j] else -1.0)
        opinion[i] = int(q[i][1] > q[i][0]) if q[i][1] != q[i][0] else opinion[i]
    return updates / (time.perf_counter() - start)


def rate(spec, params, seed: int = 1) -> float:
    """Updates per second of a run with two records (graph building excluded: timed separately;
    each record costs O(links) for the cluster count, 1 s at 10^6 agents)."""
    from polislab.models.opinion import model

    _, offsets, neighbours = model.build_graph(params, seed)
    q, opinion = model.initial_state(params, seed)
    start = time.perf_counter()
    out = model.evolve(params, offsets, neighbours, q, opinion, seed)
    return out["updates_run"] / (time.perf_counter() - start)


def main() -> None:
    spec = get_model("opinion")
    print(f"{'variant':30s} {'agents':>9s} {'updates/s':>11s}")
    for name, values in VARIANTS.items():
        for n, extra in ((100, {"radius": 0.225}), (1_000_000, {"radius": 0.003, "connected": False})):
            params = spec.make_params({"n": n, "updates": 30_000_000, "records": 2, "stop_at_consensus": False,
                                       **extra, **values})
            rate(spec, spec.make_params({**params.model_dump(), "updates": 1000}))  # compile
            print(f"{name:30s} {n:9d} {rate(spec, params):11.3g}", flush=True)
    start = time.perf_counter()
    _, offsets, neighbours = random_geometric(1_000_000, 0.003, 0)
    print(f"random geometric graph, 10^6 agents, radius 0.003 (mean degree {len(neighbours) / 1e6:.1f}): "
          f"{time.perf_counter() - start:.1f} s")
    print(f"pure Python, original rules, 100 agents: {python_updates(100, 300_000):.3g} updates/s")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
