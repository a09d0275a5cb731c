"""Echo-chamber throughput and peak memory on one core (seed 000's model at several sizes).

    python benchmarks/bench_echochamber.py            # every case, a table
    python benchmarks/bench_echochamber.py --case dense-10000

Each case runs in its own process (so its peak memory is its own), builds the state, compiles
and warms up, then times ``advance`` alone: steps/s and agents x steps/s. Goals (issue 2): dense
n = 10,000 at >= 10 steps/s on one core (the notebook's autograd loop does about 2); sparse
n = 100,000 runs on a laptop CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

CASES = {
    # name: (preset, overrides, replicates, timed steps)
    "dense-10": ("chosen-listening", {"n": 10}, 1, 20_000),
    "dense-10-x1000-batched": ("chosen-listening", {"n": 10}, 1000, 2_000),
    "dense-1000": ("chosen-listening", {"n": 1000}, 1, 200),
    "dense-10000": ("chosen-listening", {"n": 10_000}, 1, 20),
    "dense-10000-fixed-listening": ("fixed-listening", {"n": 10_000, "listen_chance": 0.001}, 1, 40),
    "sparse-100000-k10": ("chosen-listening-and-evidence", {"n": 100_000, "graph": "sparse", "k": 10}, 1, 100),
    "sparse-1000000-k10": ("chosen-listening-and-evidence", {"n": 1_000_000, "graph": "sparse", "k": 10}, 1, 10),
    "autograd-10 (the notebook's loop)": ("chosen-listening", {"n": 10, "backend": "autograd"}, 1, 2_000),
    "autograd-10000 (the notebook's loop)": ("chosen-listening", {"n": 10_000, "backend": "autograd"}, 1, 3),
}


def measure(name: str) -> dict:
    import numba
    import torch

    numba.set_num_threads(1)
    torch.set_num_threads(1)
    from polislab import get_model
    from polislab.models.echochamber.model import advance, initial_state

    preset, overrides, replicates, steps = CASES[name]
    params = get_model("echochamber").make_params(overrides, preset=preset)
    state = initial_state(params, list(range(replicates)))
    advance(state, params, 2, 0)  # compile and warm up
    start = time.perf_counter()
    advance(state, params, steps, 2)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "case": name,
        "steps_per_s": steps / seconds,
        "agent_steps_per_s": steps * params.n * replicates / seconds,
        "replicate_steps_per_s": steps * replicates / seconds,
        "peak_mib": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=list(CASES))
    args = parser.parse_args()
    if args.case:
        print(json.dumps(measure(args.case)))
        return
    print(f"{'case':40s} {'steps/s':>12s} {'agents x steps/s':>18s} {'replicate steps/s':>18s} {'peak MiB':>10s}")
    for name in CASES:
        done = subprocess.run([sys.executable, __file__, "--case", name], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{name:40s} failed: {done.stderr.strip().splitlines()[-1]}")
            continue
        row = json.loads(done.stdout)
        print(f"{name:40s} {row['steps_per_s']:12.1f} {row['agent_steps_per_s']:18.3g} "
              f"{row['replicate_steps_per_s']:18.3g} {row['peak_mib']:10.0f}")


if __name__ == "__main__":
    main()
