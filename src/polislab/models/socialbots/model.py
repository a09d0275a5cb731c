"""Socialbots against a detector (Le, Tran-Thanh & Lee, WWW 2022, "Socialbots on Fire", as seed
003 summarises it; issue 24). A run builds one ``World`` (follow graph, cascades, detector), then
lives ``episodes`` bots by ``policy``; with ``ppo`` it first trains the policy by PPO
(``learn.flat.FlatTask`` over ``env.BotEnv``; TorchRL's clipped loss) and then lives the bots by
sampling it, as it was trained (an argmax policy would repeat one activity, which no human does).

Metrics: the bots' mean ``influence`` (summed expected reach of their posts, users),
``final_spread`` (a Monte Carlo cascade from their final followers), ``survival`` (actions before
removal, or ``steps``), ``detected`` (the share removed), ``followers``, and the detector's
``detector_accuracy`` on held-out simulated accounts; artifacts hold them per bot. With ``ppo``
the series are the learning curve (``learn.ppo``).
"""

from __future__ import annotations

import numpy as np

from polislab.core.progress import Progress
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.core.seeding import derived_seed
from polislab.learn import ppo
from polislab.learn.flat import FlatTask
from polislab.models.socialbots.env import POST, BotEnv, World
from polislab.models.socialbots.params import ACTIVITIES, PRESETS, SocialbotParams

COLUMNS = ("influence", "survival", "detected", "followers")


class Heuristic:
    """A baseline bot's choice of activity and target at each action."""

    def __init__(self, params: SocialbotParams, world: World):
        self.params, self.world = params, world
        self.next_hub = 0

    def choose(self, env: BotEnv) -> tuple[int, int]:
        policy, rng = self.params.policy, env.np_random
        if env.t == 0:  # a new bot starts from the most followed user
            self.next_hub = 0
        if policy == "always-post":
            return POST, -1
        if policy == "mimic":
            activity = int(rng.choice(len(ACTIVITIES), p=np.asarray(self.params.human_profile) /
                                      np.sum(self.params.human_profile)))
        else:
            activity = int(rng.integers(len(ACTIVITIES)))
        if policy == "high-degree" and activity != POST:
            hubs = self.world.most_followed
            while env.following[hubs[self.next_hub % len(hubs)]] and self.next_hub < 2 * len(hubs):
                self.next_hub += 1
            target = int(hubs[self.next_hub % len(hubs)])
            self.next_hub += 1
            return activity, target
        return activity, int(rng.integers(self.params.n))


def live(params: SocialbotParams, world: World, seed: int, choose, caught: list | None = None) -> dict[str, np.ndarray]:
    """``episodes`` bots, each acting by ``choose(env, observation) -> (activity, target)``: per bot
    the ``COLUMNS`` and its final cascade; the activity counts of the bots the detector caught are
    appended to ``caught``."""
    rows = []
    for episode in range(params.episodes):
        env = BotEnv(world)
        observation, _ = env.reset(seed=derived_seed(seed, 20, episode))
        done, info = False, {}
        while not done:
            observation, _, terminated, truncated, info = env.act(*choose(env, observation))
            done = terminated or truncated
        rows.append([info[name] for name in COLUMNS] + [world.spread_from(np.array(env.followers, dtype=np.int64))])
        if caught is not None and env.detected:
            caught.append(info["counts"])
    values = np.array(rows, dtype=np.float64).T
    return dict(zip((*COLUMNS, "final_spread"), values))


def sampled(module, task: FlatTask):
    """A trained policy as ``choose``: an action sampled from its softmax by the bot's own
    random stream, split into activity and target as ``BotEnv.step`` does."""
    import torch

    def choose(env: BotEnv, observation: np.ndarray) -> tuple[int, int]:
        with torch.no_grad():
            logits = module(task.batch([observation])["observation"])[0]
        probabilities = torch.softmax(logits.double(), dim=0).numpy()
        action = int(env.np_random.choice(len(probabilities), p=probabilities / probabilities.sum()))
        activity, group = divmod(action, len(env.world.groups))
        members = env.world.groups[group]
        return activity, (-1 if activity == POST else int(members[env.np_random.integers(len(members))]))

    return choose


@register("socialbots", params=SocialbotParams, presets=PRESETS,
          summary="socialbots that want influence against a bot detector (seed 003, Socialbots on Fire)",
          smoke={"n": 200, "steps": 40, "episodes": 3, "detector_accounts": 60, "detector_trees": 10,
                 "cascade_samples": 10, "decisions": 80, "envs": 2, "rollout": 20, "minibatch": 20,
                 "eval_episodes": 1, "eval_every": 1}, uses_torch=True)
def simulate(params: SocialbotParams, seed: int, progress: Progress | None = None) -> Result:
    """Socialbots against a detector (seed 003; issue 24), over ``rounds`` of an arms race."""
    world = World(params, seed)
    rounds: dict[str, list] = {"step": [], **{name: [] for name in (*COLUMNS, "final_spread", "detector_accuracy")}}
    curves: dict[str, np.ndarray] = {}
    for round_ in range(params.rounds):
        if params.policy == "ppo":
            task = FlatTask(lambda: BotEnv(world), params.width, params.layers, episode_columns=COLUMNS)
            trainer = ppo.train(params, derived_seed(seed, 30, round_) if round_ else seed, task,
                                progress if params.rounds == 1 else None)
            curves = {name: np.asarray(values, dtype=np.float64) for name, values in trainer.curves.items()}
            choose = sampled(trainer.ranking, task)
        else:
            heuristic = Heuristic(params, world)
            choose = lambda env, observation: heuristic.choose(env)  # noqa: E731
        caught: list[np.ndarray] = []
        bots = live(params, world, derived_seed(seed, 31, round_) if round_ else seed, choose, caught)
        rounds["step"].append(round_ + 1)
        for name, values in bots.items():
            rounds[name].append(float(values.mean()))
        rounds["detector_accuracy"].append(world.detector.accuracy)
        if round_ + 1 < params.rounds:
            world.detector.learn_from_caught(np.array(caught).reshape(-1, len(ACTIVITIES)))
        if progress is not None and params.rounds > 1:
            progress(round_ + 1, params.rounds)
    metrics = {name: values[-1] for name, values in rounds.items() if name != "step"}
    series = {name: np.asarray(values, dtype=np.float64) for name, values in rounds.items()} if params.rounds > 1 \
        else curves
    return Result(params, seed, metrics, series, {f"bot_{name}": values for name, values in bots.items()})
