"""Learned recommenders (seed 002, section 4) throughput: environment steps (rewiring decisions)
per second at N = 10, 100 and 500 (Table 4 presets) with a random policy, and with MLP and GAT
ranking modules choosing for ``BATCH`` environments at once (one batched forward pass per step,
as in training and evaluation); then PPO training throughput (decisions per second) at N = 10
and 100 for both hidden modules. Issue 8 sets no floor; these figures are the baseline.

    python benchmarks/bench_learned.py [--quick]
"""

from __future__ import annotations

import resource
import sys
import time

import torch

from polislab import get_model
from polislab.models.coevolution.env import RecommenderEnv
from polislab.models.coevolution.policy import RankingModule
from polislab.models.coevolution.training import argmax_actions, random_actions

BATCH = 16


def environment_steps(preset: str, choose, seconds: float) -> float:
    """Decisions per second of ``BATCH`` environments stepped together for about ``seconds``."""
    envs = [RecommenderEnv(preset, "coops") for _ in range(BATCH)]
    observations = [env.reset(seed=i)[0] for i, env in enumerate(envs)]
    choose(observations, envs)  # warm-up: the first call imports and compiles (torch_geometric, numba)
    steps, start = 0, time.perf_counter()
    episode = BATCH
    while time.perf_counter() - start < seconds:
        actions = choose(observations, envs)
        for i, (env, action) in enumerate(zip(envs, actions)):
            observations[i], _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                episode += 1
                observations[i] = env.reset(seed=episode)[0]
        steps += len(envs)
    return steps / (time.perf_counter() - start)


def main() -> None:
    quick = "--quick" in sys.argv
    seconds = 2.0 if quick else 6.0
    torch.manual_seed(0)
    print(f"environment steps per second ({BATCH} environments stepped together; random policy, or one batched "
          f"forward pass per step)")
    for preset in ("table4-n10", "table4-n100", "table4-n500"):
        random = environment_steps(preset, random_actions, seconds)
        mlp = environment_steps(preset, argmax_actions(RankingModule("mlp").eval()), seconds)
        gat = environment_steps(preset, argmax_actions(RankingModule("gat").eval()), seconds)
        print(f"  {preset:12s} random {random:9.0f}   mlp {mlp:8.0f}   gat {gat:8.0f}")
    training = get_model("recommender-training")
    print("PPO training (8 environments x 32 decisions per update, 4 epochs of minibatches of 64)")
    for preset, decisions in (("table4-n10", 4096), ("table4-n100", 1024 if quick else 4096)):
        for hidden in ("mlp", "gat"):
            params = training.make_params(dict(environment=preset, hidden=hidden, decisions=decisions,
                                               eval_every=0, eval_episodes=1))
            start = time.perf_counter()
            result = training.simulate(params, 0)
            elapsed = time.perf_counter() - start
            print(f"  {preset:12s} {hidden}: {result.metrics['trained_decisions'] / elapsed:7.0f} decisions/s "
                  f"({result.metrics['trained_decisions']} decisions in {elapsed:.1f} s)")
    print(f"peak memory (this process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
