"""Building the core's graphs at scale (issue 28): seconds and peak memory for each generator at
10^7 nodes and mean degree 10, each in a fresh process (so its peak is its own), compiled before
the clock. Floor: under 20 s, within 2x the graph's own size (its arrays as written).

    python benchmarks/bench_graphs.py                       # every generator, 10^7 nodes, k = 10
    python benchmarks/bench_graphs.py random-regular 1000000 30
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

KINDS = ("random-regular", "erdos-renyi", "scale-free")


def measure(kind: str, n: int, k: float) -> dict:
    from polislab.core.graph import NODE_WORDS, generate

    generate(kind, 1000, k, 1)  # compiled before the clock
    start = time.perf_counter()
    graph = generate(kind, n, k, 1)
    seconds = time.perf_counter() - start
    written = graph.links * 2 * (4 + 4 + 8) + n * NODE_WORDS * 8  # owner, position, list slot; node rows
    return {"kind": kind, "n": n, "k": k, "links": graph.links, "seconds": seconds,
            "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, "written_gib": written / 2**30}


def main() -> None:
    if len(sys.argv) == 4:
        print(json.dumps(measure(sys.argv[1], int(float(sys.argv[2])), float(sys.argv[3]))))
        return
    print(f"{'graph':16s} {'nodes':>12s} {'k':>4s} {'seconds':>8s} {'peak GiB':>9s} {'arrays GiB':>11s}")
    for kind in KINDS:
        done = subprocess.run([sys.executable, __file__, kind, str(10**7), "10"], capture_output=True, text=True,
                              check=True)
        row = json.loads(done.stdout)
        print(f"{kind:16s} {row['n']:12,d} {row['k']:4g} {row['seconds']:8.1f} {row['peak_gib']:9.2f} "
              f"{row['written_gib']:11.2f}")


if __name__ == "__main__":
    main()
