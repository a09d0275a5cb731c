"""PPO training of an influencer on the platform (seed 003; issue 23: "offer the same agent to
PPO"), registered as the model ``influencer-training`` so that training runs, sweeps, stores and
reports like any other run.

It joins the learning layer and the platform: the environment is ``platform.env.InfluencerEnv``
(a step is one decision period, the reward the followers gained in it, the observation the
influencer's last action and its follower trend), the policy and critic are perceptrons
(``learn.flat.FlatTask``), and the learning is ``learn.ppo`` (TorchRL's ``ClipPPOLoss`` and GAE over
``envs`` environments stepped together). ``gamma`` = 1, so a return is the followers gained over
the episode.

The series are the learning curve, one row per update (``step``), with the mean stance and
activity of the actions chosen. The metrics are the final evaluation of the kept argmax policy on
``eval_episodes`` fixed episodes (``eval_return``: followers gained; ``eval_followers``: at the
end) and, on the same episodes, of uniformly random actions (``random_return``): what the learning
added. The artifact ``policy`` holds the policy's weights as a ``torch.save`` of tensors alone,
which loads with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import io

import numpy as np
import torch

from polislab.core.progress import Progress
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.core.seeding import derived_seed
from polislab.learn import ppo
from polislab.learn.flat import FlatTask
from polislab.models.influencer_training.params import PRESETS, InfluencerTrainingParams
from polislab.models.platform.env import InfluencerEnv


def task(params: InfluencerTrainingParams) -> FlatTask:
    """The PPO task: the influencer's environment, perceptrons of the chosen shape, the followers
    at an episode's end, and the stance and activity of each chosen action."""

    def make_env() -> InfluencerEnv:
        return InfluencerEnv(params.environment, **params.platform)

    def describe(env: InfluencerEnv, action: int) -> tuple:
        agents = env.platform.agents
        return float(agents.stances[action // len(agents.rates)]), float(agents.rates[action % len(agents.rates)])

    return FlatTask(make_env, params.width, params.layers, episode_columns=("followers",),
                    action_columns=("stance", "activity"), describe=describe)


def random_actions(observations: list, envs: list) -> list[int]:
    """Uniformly random actions, each drawn by its environment's own random stream."""
    return [int(env.np_random.integers(env.action_space.n)) for env in envs]


@register("influencer-training", params=InfluencerTrainingParams, presets=PRESETS,
          summary="an influencer learns by PPO to win followers on the platform (seed 003)",
          smoke={"platform": {"n": 100, "days": 10, "follows": 5}, "decisions": 4, "envs": 2, "rollout": 2,
                 "minibatch": 4, "eval_episodes": 1, "eval_every": 1}, uses_torch=True)
def simulate(params: InfluencerTrainingParams, seed: int, progress: Progress | None = None) -> Result:
    """Train an influencer's policy by PPO on the platform and evaluate it (seed 003; issue 23)."""
    learning = task(params)
    trainer = ppo.train(params, seed, learning, progress)
    kept, kept_update = trainer.kept_policy()
    episodes_seed = seed if params.keep == "final" else derived_seed(seed, 14)
    learned = ppo.evaluate(ppo.argmax_actions(kept, learning.batch, learning.observation_keys), learning.make_env,
                           params.eval_episodes, episodes_seed, ("followers",))
    chance = ppo.evaluate(random_actions, learning.make_env, params.eval_episodes, episodes_seed, ("followers",))
    metrics = {"updates": trainer.update, "trained_decisions": trainer.update * params.envs * params.rollout,
               "kept_update": kept_update, "eval_return": float(learned["return"].mean()),
               "eval_followers": float(learned["followers"].mean()), "random_return": float(chance["return"].mean())}
    buffer = io.BytesIO()
    torch.save(kept.state_dict(), buffer)
    artifacts = {"policy": np.frombuffer(buffer.getvalue(), dtype=np.uint8), "eval_returns": learned["return"],
                 "random_returns": chance["return"]}
    series = {name: np.asarray(values, dtype=np.float64) for name, values in trainer.curves.items()}
    return Result(params, seed, metrics, series, artifacts)
