"""Oracle throughput and peak memory (seed 004): each design at 1000 runs x 10,000 steps, one
core, and the whole four-oracle reproduction. Goal (issue 6): the four oracles of the post
(4 x 1000 x 10,000 steps) in under 10 seconds.

    python benchmarks/bench_oracle.py
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

DESIGNS = ("deluded", "low-bandwidth", "high-bandwidth", "counterfactual", "repeated-risk", "derivative-free")


def measure(design: str, runs: int, steps: int) -> dict:
    from polislab import get_model

    spec = get_model("oracle")
    params = spec.make_params({"oracle": design, "runs": runs, "steps": steps})
    start = time.perf_counter()
    spec.simulate(params, 0)
    seconds = time.perf_counter() - start
    return {
        "design": design,
        "seconds": seconds,
        "steps_per_s": steps / seconds,
        "run_steps_per_s": runs * steps / seconds,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    if len(sys.argv) == 4:
        print(json.dumps(measure(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
        return
    print(f"{'design':18s} {'runs':>8s} {'seconds':>8s} {'steps/s':>10s} {'runs x steps/s':>15s} {'peak MiB':>9s}")
    post_total = 0.0
    for runs in (1000, 100_000):
        for design in DESIGNS:
            steps = 10_000 if runs == 1000 else 1000
            done = subprocess.run([sys.executable, __file__, design, str(runs), str(steps)],
                                  capture_output=True, text=True, check=True)
            row = json.loads(done.stdout)
            if runs == 1000 and design in DESIGNS[:4]:
                post_total += row["seconds"]
            print(f"{design:18s} {runs:8d} {row['seconds']:8.2f} {row['steps_per_s']:10.0f} "
                  f"{row['run_steps_per_s']:15.3g} {row['peak_mib']:9.0f}")
    print(f"the post's four oracles, 1000 runs x 10,000 steps each: {post_total:.1f} s")


if __name__ == "__main__":
    main()
