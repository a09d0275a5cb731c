"""Learned recommenders (seed 002, section 4) throughput: environment steps (rewiring decisions)
per second at N = 10, 100 and 500 (Table 4 presets) with a random policy, and with MLP and GAT
ranking modules choosing for ``BATCH`` environments at once (one batched forward pass per step,
as in training and evaluation); then PPO training throughput (decisions per second, evaluations
left out) at N = 10 and 100 for both hidden modules, imitation of a heuristic (GAT) at the same
sizes, and GAT PPO at N = 500 (on a GPU with 64 environments; on the CPU with 8).
Where the time goes (two threads, 3 December 2026): a PPO update at N = 100 (about 245 ms)
spends 78% in its four epochs of forward and backward passes, a third of that in the compiled
graph attention (``polislab.learn.attention``) and the rest spread over torch's linear layers,
the critic, the loss, TensorDict and Adam; stepping the environments and choosing (one batched
forward pass a step) takes the other 22%.

    python benchmarks/bench_learned.py [--quick] [--device cuda] [--no-retain]

``--no-retain`` leaves glibc's allocator as it is instead of keeping freed memory as the
``polislab`` command does (``polislab/core/memory.py``): the difference is that module's figures.
"""

from __future__ import annotations

import resource
import sys
import time

import torch

from polislab import get_model
from polislab.core.memory import retain_freed_memory
from polislab.models.coevolution.env import RecommenderEnv
from polislab.learn.ranking import RankingModule
from polislab.models.coevolution.decision import FEATURES
from polislab.models.recommender_training.model import argmax_actions, new_trainer, random_actions

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


def training_speed(values: dict, updates: int) -> float:
    """PPO decisions per second over ``updates`` updates after a warm-up one (no evaluations)."""
    params = get_model("recommender-training").make_params(dict(values, decisions=10**9, eval_every=0))
    trainer = new_trainer(params, 0)
    trainer.train_one_update()
    start = time.perf_counter()
    for _ in range(updates):
        trainer.train_one_update()
    return updates * trainer.params.envs * trainer.params.rollout / (time.perf_counter() - start)


def main() -> None:
    quick = "--quick" in sys.argv
    device = sys.argv[sys.argv.index("--device") + 1] if "--device" in sys.argv else "cpu"
    seconds = 2.0 if quick else 6.0
    retained = "--no-retain" not in sys.argv and retain_freed_memory()  # as the polislab command does
    torch.manual_seed(0)
    print(f"freed memory {'kept in the process' if retained else 'returned to the system (glibc default)'}")
    print(f"device {device}; environment steps per second ({BATCH} environments stepped together; random policy, "
          f"or one batched forward pass per step)")
    for preset in ("table4-n10", "table4-n100", "table4-n500"):
        random = environment_steps(preset, random_actions, seconds)
        mlp = environment_steps(preset, argmax_actions(RankingModule(FEATURES, "mlp").eval().to(device)), seconds)
        gat = environment_steps(preset, argmax_actions(RankingModule(FEATURES, "gat").eval().to(device)), seconds)
        print(f"  {preset:12s} random {random:9.0f}   mlp {mlp:8.0f}   gat {gat:8.0f}")
    print("PPO training (8 environments x 32 decisions per update, 4 epochs of minibatches of 64)")
    for preset, updates in (("table4-n10", 8), ("table4-n100", 2 if quick else 8)):
        for hidden in ("mlp", "gat"):
            speed = training_speed(dict(environment=preset, hidden=hidden, device=device), updates)
            print(f"  {preset:12s} {hidden}: {speed:7.0f} decisions/s")
    print("Imitation of cooperators-lowest before PPO (the same batches and epochs; the heuristic plays)")
    for preset, updates in (("table4-n10", 8), ("table4-n100", 2 if quick else 8)):
        speed = training_speed(dict(environment=preset, hidden="gat", imitate="cooperators-lowest",
                                    imitation_decisions=10**9, device=device), updates)
        print(f"  {preset:12s} gat: {speed:7.0f} decisions/s")
    if device != "cpu":
        speed = training_speed(dict(environment="table4-n500", hidden="gat", summary="mean", envs=64, minibatch=128,
                                    device=device), 2 if quick else 6)
        print(f"  table4-n500  gat, 64 environments, minibatches of 128: {speed:7.0f} decisions/s")
    else:
        speed = training_speed(dict(environment="table4-n500", hidden="gat"), 2 if quick else 6)
        print(f"  table4-n500  gat (PPO, 8 environments): {speed:7.1f} decisions/s")
    print(f"peak memory (this process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
