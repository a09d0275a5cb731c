"""A socialbot's life as a Gymnasium environment ("Socialbots on Fire", seed 003; issue 24).

``World`` is what a run shares among its bots: the users' follow graph, each user's expected
cascade, the follower-count groups and the trained detector. ``BotEnv`` is one bot: an action is
an activity (post, repost, reply, mention) and a target group (the users' follower-count
quintiles, fewest first; a random user of the group who does not follow the bot yet is
addressed; a post addresses no one), numbered activity x groups + group. The observation is the
bot's share of each activity, the share of its life gone and its followers per action; the
reward the expected reach of the action's post in percent of the users; an episode ends when the
detector removes the bot (terminated) or its life is over (truncated). The info at its end holds
``influence`` (the summed reach of its posts, users), ``survival`` (actions), ``detected`` and
``followers`` and its activity ``counts``. The rules are ``SocialbotParams``'s docstring.
"""

from __future__ import annotations

import numpy as np

from polislab.core.environment import import_leaving_environment_alone
from polislab.core.rng import new_state
from polislab.core.seeding import derived_seed
from polislab.models.platform.kernels import follow_graph
from polislab.models.platform.model import pareto
from polislab.models.socialbots.cascade import followers_csr, spread, spread_of_each
from polislab.models.socialbots.detector import Detector
from polislab.models.socialbots.params import ACTIVITIES, SocialbotParams

(gymnasium,) = import_leaving_environment_alone("gymnasium")
POST, REPOST = 0, 1
GROUPS = 5


class World:
    """The users a run's bots live among: the follow graph, each user's expected cascade
    (``reach``), the follower-count groups, and the detector."""

    def __init__(self, params: SocialbotParams, seed: int):
        self.params = params
        rng = np.random.default_rng(derived_seed(seed, 0))
        self.state = new_state(derived_seed(seed, 1))
        fitness = np.cumsum(pareto(rng, params.n, params.fitness_exponent, 1.0))
        followees, counts, self.followers = follow_graph(params.n, params.follows, fitness, False, params.follows,
                                                         self.state)
        self.offsets, self.targets = followers_csr(followees, counts)
        self.reach = spread_of_each(self.offsets, self.targets, params.cascade_probability, params.cascade_samples,
                                    self.state)
        by_followers = np.argsort(self.followers, kind="stable")
        self.groups = np.array_split(by_followers, GROUPS)
        self.most_followed = by_followers[::-1]
        self.detector = Detector(params, derived_seed(seed, 2))

    def follow_back_chance(self, user: int, activity: int) -> float:
        chance = self.params.follow_back / (1.0 + self.followers[user] / self.params.follow_back_scale)
        return 0.5 * chance if activity == REPOST else chance

    def spread_from(self, followers: np.ndarray) -> float:
        """Monte Carlo cascade from a bot followed by ``followers`` (the bot not counted)."""
        n = self.params.n
        offsets = np.append(self.offsets, self.offsets[-1] + len(followers))
        targets = np.concatenate([self.targets, np.asarray(followers, dtype=np.int64)])
        return spread(offsets, targets, np.array([n]), self.params.cascade_probability, self.params.cascade_samples,
                      self.state) - 1.0


class BotEnv(gymnasium.Env):
    metadata = {"render_modes": []}
    action_space = gymnasium.spaces.Discrete(len(ACTIVITIES) * GROUPS)
    observation_space = gymnasium.spaces.Box(0.0, 1.0, (len(ACTIVITIES) + 2,), np.float32)

    def __init__(self, world: World):
        self.world, self.params = world, world.params

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.counts = np.zeros(len(ACTIVITIES), dtype=np.int64)
        self.following = np.zeros(self.params.n, dtype=bool)
        self.followers: list[int] = []
        self.reach = 0.0  # the expected reach of one post now: p x the followers' cascades
        self.influence, self.t, self.detected = 0.0, 0, False
        return self.observation(), {}

    def observation(self) -> np.ndarray:
        shares = self.counts / max(self.t, 1)
        return np.array([*shares, self.t / self.params.steps, min(len(self.followers) / max(self.t, 1), 1.0)],
                        dtype=np.float32)

    def step(self, action):
        activity, group = divmod(int(action), GROUPS)
        target = -1
        if activity != POST:
            members = self.world.groups[group]
            target = int(members[self.np_random.integers(len(members))])
        return self.act(activity, target)

    def act(self, activity: int, target: int):
        """One action: the activity, addressed to ``target`` (ignored for a post)."""
        world = self.world
        self.counts[activity] += 1
        if activity != POST and target >= 0 and not self.following[target]:
            if self.np_random.random() < world.follow_back_chance(target, activity):
                self.following[target] = True
                self.followers.append(target)
                self.reach += self.params.cascade_probability * world.reach[target]
        self.influence += self.reach
        self.t += 1
        if self.t % self.params.check_every == 0 and world.detector.flags(self.counts):
            self.detected = True
        terminated, truncated = self.detected, self.t >= self.params.steps and not self.detected
        info = {}
        if terminated or truncated:
            info = {"influence": self.influence, "survival": self.t, "detected": float(self.detected),
                    "followers": len(self.followers), "counts": self.counts.copy()}
        return self.observation(), 100.0 * self.reach / self.params.n, terminated, truncated, info
