"""Gymnasium and PettingZoo environments in which influencers learn to win followers on the
platform (Jin & Guo 2024, as seed 003 summarises it; issue 23), for learners other than the
model's own tabular Q-learning (PPO, say).

A step is one decision period (``influencer_period`` days): the action is the influencer's
stance level and activity (``influencer_stances`` x ``influencer_rates`` choices, numbered stance
x rates + rate), the reward the followers it gained over the period (a candidate's vote share, with
``influencer_goal=votes``), the observation
``Influencers.observation`` (its last action one-hot when ``influencer_observe``, and whether its
followers fell, held or rose). An episode is ``days`` days: truncated at the end, never
terminated. ``InfluencerEnv`` is one influencer (``polislab/Influencer-v0``);
``InfluencersEnv``, the PettingZoo parallel version, has ``influencers`` of them acting at once.
Parameters are the platform's (``preset`` and any values), with ``influencer_policy`` unused.
"""

from __future__ import annotations

import numpy as np

from polislab.core.environment import import_leaving_environment_alone
from polislab.core.registry import get_model
from polislab.models.platform.model import Platform
from polislab.models.platform.params import PlatformParams

gymnasium, _pettingzoo = import_leaving_environment_alone("gymnasium", "pettingzoo")
spaces, ParallelEnv = gymnasium.spaces, _pettingzoo.ParallelEnv


def platform_params(preset: str | None, values: dict, influencers: int) -> PlatformParams:
    return get_model("platform").make_params({**values, "influencers": influencers}, preset=preset)


class _Periods:
    """The shared stepping: a platform advanced a decision period at a time."""

    def _start(self, seed: int) -> None:
        self.platform = Platform(self.params, seed)
        self.days_run = 0

    def _advance(self, actions) -> np.ndarray:
        """Act, run one period, learn the trend; each influencer's reward (the followers it gained,
        or a candidate's vote share)."""
        self.platform.agents.act(np.asarray(actions, dtype=np.int64), self.platform.opinion)
        self.platform.start_period()
        for _ in range(min(self.params.influencer_period, self.params.days - self.days_run)):
            self.platform.run_day()
            self.days_run += 1
        return self.platform.end_period()  # with a policy other than q-learning, learning only moves the state

    def _over(self) -> bool:
        return self.days_run >= self.params.days


class InfluencerEnv(_Periods, gymnasium.Env):
    metadata = {"render_modes": []}

    def __init__(self, preset: str | None = "influencer", **values):
        self.params = platform_params(preset, values, 1)
        probe = Platform(self.params.model_copy(update={"n": 3, "follows": 1, "influencers": 1}), 0).agents
        self.action_space = spaces.Discrete(probe.actions)
        self.observation_space = spaces.Box(0.0, 1.0, probe.observation(0).shape, np.float32)
        self.platform = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._start(seed if seed is not None else int(self.np_random.integers(2**31)))
        return self.platform.agents.observation(0), {}

    def step(self, action):
        gained = self._advance([int(action)])
        info = {"followers": int(self.platform.influencer_followers[0])}
        return self.platform.agents.observation(0), float(gained[0]), False, self._over(), info


gymnasium.register(id="polislab/Influencer-v0", entry_point=InfluencerEnv)


class InfluencersEnv(_Periods, ParallelEnv):
    metadata = {"render_modes": [], "name": "polislab_influencers_v0"}

    def __init__(self, preset: str | None = "influencer", influencers: int = 2, **values):
        self.params = platform_params(preset, values, influencers)
        self.possible_agents = [f"influencer_{j}" for j in range(influencers)]
        self.agents = []
        probe = Platform(self.params.model_copy(update={"n": influencers + 2, "follows": 1}), 0).agents
        self._action = spaces.Discrete(probe.actions)
        self._observation = spaces.Box(0.0, 1.0, probe.observation(0).shape, np.float32)
        self.platform = None

    def observation_space(self, agent):
        return self._observation

    def action_space(self, agent):
        return self._action

    def _observations(self) -> dict:
        return {agent: self.platform.agents.observation(j) for j, agent in enumerate(self.possible_agents)}

    def reset(self, seed: int | None = None, options: dict | None = None):
        self._start(seed if seed is not None else int(np.random.SeedSequence().generate_state(1)[0]))
        self.agents = list(self.possible_agents)
        return self._observations(), {agent: {} for agent in self.agents}

    def step(self, actions: dict):
        gained = self._advance([int(actions[agent]) for agent in self.possible_agents])
        over = self._over()
        rewards = {agent: float(gained[j]) for j, agent in enumerate(self.possible_agents)}
        observations = self._observations()
        done = {agent: False for agent in self.agents}
        truncated = {agent: over for agent in self.agents}
        infos = {agent: {"followers": int(self.platform.influencer_followers[j])}
                 for j, agent in enumerate(self.possible_agents)}
        if over:
            self.agents = []
        return observations, rewards, done, truncated, infos
