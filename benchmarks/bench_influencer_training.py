"""Influencer training (seed 003; issue 23) throughput on one core: the influencer's environment
alone (decisions per second: each a 5-day period of a 1000-user platform), PPO training on it
(decisions per second, updates and evaluations included), and peak memory.

    NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_influencer_training.py
"""

from __future__ import annotations

import resource
import time

from polislab import get_model
from polislab.models.platform.env import InfluencerEnv


def main() -> None:
    env = InfluencerEnv()
    env.reset(seed=0)
    env.step(0)  # compile
    env.reset(seed=1)
    start, decisions, done = time.perf_counter(), 0, False
    while not done:
        _, _, terminated, truncated, _ = env.step(int(env.action_space.sample()))
        decisions, done = decisions + 1, terminated or truncated
    seconds = time.perf_counter() - start
    print(f"environment: {decisions} decisions (one episode, 300 days of 1000 users) in {seconds:.2f} s, "
          f"{decisions / seconds:,.1f} decisions/s")
    spec = get_model("influencer-training")
    params = spec.make_params({"decisions": 960, "envs": 8, "rollout": 60, "eval_episodes": 4, "eval_every": 2})
    start = time.perf_counter()
    result = spec.simulate(params, 0)
    seconds = time.perf_counter() - start
    print(f"PPO: {result.metrics['trained_decisions']} decisions trained, {result.metrics['updates']} updates, "
          f"with evaluations, in {seconds:.1f} s: {result.metrics['trained_decisions'] / seconds:,.1f} decisions/s")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")


if __name__ == "__main__":
    main()
