"""Influencers: agents on the platform that choose a stance and an activity to win followers
(Jin & Guo 2024, summarised in seed 003; the rules are ``PlatformParams``'s docstring). They
decide in Python between the compiled days, through ``polislab.learn.qtable.QTable``."""

from __future__ import annotations

import numpy as np

from polislab.learn.qtable import QTable
from polislab.models.platform.params import PlatformParams
from polislab.models.platform.text import ChatWriter, classify, template_post

TRENDS = 3  # followers fell, held, rose over the last period


def writer(params: PlatformParams):
    """The influencers' writer (``text.py``): None, or a function from a stance to a post."""
    if params.influencer_writer == "template":
        return template_post
    if params.influencer_writer == "chat":
        return ChatWriter(params.chat_endpoint, params.chat_model, params.chat_cache).write
    return None


class Influencers:
    """The last ``params.influencers`` users, their actions and, for q-learning, their tables."""

    def __init__(self, params: PlatformParams, opinion: np.ndarray, rng: np.random.Generator):
        self.params, self.rng = params, rng
        self.ids = np.arange(params.n - params.influencers, params.n)
        self.stances = np.linspace(-1.0, 1.0, params.influencer_stances)
        self.rates = np.asarray(params.influencer_rates, dtype=np.float64)
        self.actions = len(self.stances) * len(self.rates)
        observed = self.actions if params.influencer_observe else 1
        self.tables = [QTable(observed * TRENDS, self.actions, params.influencer_learning_rate,
                              params.influencer_discount, params.influencer_exploration, rng)
                       for _ in self.ids]
        self.own = opinion[self.ids].copy()  # the "user" policy posts its initial opinion
        self.action = np.zeros(len(self.ids), dtype=np.int64)
        self.state = np.full(len(self.ids), TRENDS // 2, dtype=np.int64)  # as after action 0 with followers held
        self.history: list[np.ndarray] = []
        self.writer = writer(params)
        self.posts: list[str] = []  # with a writer: each influencer's post at each decision

    def decide(self, opinion: np.ndarray) -> None:
        """Choose each influencer's action for the next period by its policy, and act on it."""
        policy = self.params.influencer_policy
        chosen = self.action.copy()
        for j in range(len(self.ids)):
            if policy == "q-learning":
                chosen[j] = self.tables[j].choose(int(self.state[j]))
            elif policy == "random":
                chosen[j] = self.rng.integers(self.actions)
        self.act(chosen, opinion)

    def act(self, actions, opinion: np.ndarray) -> None:
        """Take ``actions`` (one per influencer, chosen here or by an environment's learner):
        post their stances from now."""
        self.action[:] = actions
        for j, user in enumerate(self.ids):
            opinion[user] = self.stance(j)
            if self.writer is not None:  # the stance readers see is what the post says
                post = self.writer(opinion[user])
                self.posts.append(post)
                opinion[user] = classify(post)
        self.history.append(self.action.copy())

    def observation(self, j: int) -> np.ndarray:
        """What influencer j sees: its last action one-hot (with self-observation) and whether
        its followers fell, held or rose, one-hot."""
        last = self.state[j] // TRENDS
        seen = np.zeros((self.actions if self.params.influencer_observe else 0) + TRENDS, dtype=np.float32)
        if self.params.influencer_observe:
            seen[last] = 1.0
        seen[-TRENDS + self.state[j] % TRENDS] = 1.0
        return seen

    def settled_stances(self) -> np.ndarray:
        """Each influencer's stance without exploring: a q-learner's greedy action in its current
        state, any other policy's current stance."""
        if self.params.influencer_policy != "q-learning":
            return np.array([self.stance(j) for j in range(len(self.ids))])
        greedy = [int(np.argmax(table.q[self.state[j]])) for j, table in enumerate(self.tables)]
        return self.stances[np.array(greedy) // len(self.rates)]

    def stance(self, j: int) -> float:
        policy = self.params.influencer_policy
        if policy == "fixed":
            stances = self.params.influencer_stance
            return float(stances[j if len(stances) > 1 else 0])
        if policy == "user":
            return float(self.own[j])
        return float(self.stances[self.action[j] // len(self.rates)])

    def rate(self, j: int) -> float:
        policy = self.params.influencer_policy
        if policy == "fixed":
            return float(self.rates.max())
        if policy == "user":
            return float(self.rates.mean())
        return float(self.rates[self.action[j] % len(self.rates)])

    def schedule(self, who: np.ndarray) -> np.ndarray:
        """``who`` (the day's activations, -1: drawn by the schedule) with each influencer's
        activations, a Poisson number at its rate, inserted at random places."""
        for j, user in enumerate(self.ids):
            times = self.rng.poisson(self.rate(j))
            if times:
                places = self.rng.integers(0, len(who) + 1, times)
                who = np.insert(who, np.sort(places), user)
        return who

    def learn(self, rewards: np.ndarray, change: np.ndarray | None = None) -> None:
        """The period's rewards (followers gained, or vote shares): update the tables, move to the
        next state, whose trend is the sign of ``change`` (by default of the reward itself)."""
        change = rewards if change is None else change
        for j, reward in enumerate(rewards):
            trend = 1 + int(np.sign(change[j])) if self.params.influencer_trend else TRENDS // 2  # off: always "held"
            last = self.action[j] if self.params.influencer_observe else 0
            following = int(last * TRENDS + trend)
            if self.params.influencer_policy == "q-learning":
                self.tables[j].learn(int(self.state[j]), int(self.action[j]), float(reward), following)
            self.state[j] = following
