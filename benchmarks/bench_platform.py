"""Platform model (seed 003; issue 23) throughput on one core: one platform day of 10^5 users
(each active once on average, feeds of 20), for every built-in feed ranker, the Python ranker
``hot`` (a score function compiled into the loop) and the chronological one with the event log
on, as feed items read per second, the day's wall time (setup included: activity rates, the follow graph) and the kernel's
alone; and the peak memory of a day of 10^6 users, in a fresh process.
Floors (issue 23): a day of 10^5 users in under 2 s; 10^6 users in under 4 GB.

    NUMBA_NUM_THREADS=1 python benchmarks/bench_platform.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

from polislab import get_model
from polislab.models.platform.rankers import RANKERS

MILLION = """
import json, resource, sys
from polislab import get_model
spec = get_model("platform")
result = spec.simulate(spec.make_params({"n": 1_000_000, "days": 1}), 0)
print(json.dumps({"reads": result.metrics["reads"], "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def main() -> None:
    spec = get_model("platform")
    variants = [(ranker, False) for ranker in (*RANKERS, "hot")] + [("chronological", True)]
    for ranker, events in variants:  # compile every loop first
        spec.simulate(spec.make_params({"n": 200, "days": 1, "ranker": ranker, "follows": 10, "events": events}), 0)
    print(f"{'ranker':22s} {'users':>8s} {'day (s)':>8s} {'feed items read/s':>18s}")
    for ranker, events in variants:
        params = spec.make_params({"n": 100_000, "days": 1, "ranker": ranker, "events": events})
        start = time.perf_counter()
        result = spec.simulate(params, 1)
        seconds = time.perf_counter() - start
        name = f"{ranker}{' + events' if events else ''}"
        print(f"{name:22s} {params.n:8d} {seconds:8.2f} {result.metrics['reads'] / seconds:18,.0f}")
    done = subprocess.run([sys.executable, "-c", MILLION], capture_output=True, text=True, check=True)
    million = json.loads(done.stdout)
    print(f"10^6 users, one day: {million['reads']:,} feed items read, peak memory {million['peak'] / 2**20:.2f} GiB")
    print(f"this process: peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")


if __name__ == "__main__":
    main()
