"""Gymnasium and PettingZoo environments in which recommenders learn to choose new neighbours
(seed 002, section 4.1, Fig. 7 and Table 4; several at once: section 5).

Each ``step`` hands the recommended node to the paused coevolution kernel, which then runs at
full speed to the next rewiring decision (the kernel's Python-recommender pause, see
``kernels.run``). The observation is the decision (``decision.observe``: the focused node, the
links as an edge index, node features and an action mask). The action is the recommended node. A
decision with nothing to recommend (the focused node links to everyone) is answered 'none'
without asking.

Rewards (seed 002, Table 5), by name or any callable ``reward(state, terminal) -> float`` of the
kernel state, called after every step:
- ``coops`` (aligned): 2 (final fraction of cooperators - 0.5) when the episode ends, else 0;
- ``rewires`` (engagement): the episode's rewire requests to the recommender, divided by the time
  limit. Our choice: each request pays 1 / steps as it is made, so the undiscounted return is the
  source's end-of-episode count, normalised to [0, 1].
- ``coops-change`` (ours, for training only): ``coops`` shaped by its potential (Ng, Harada &
  Russell 1999): each step pays 2 x the change in the fraction of cooperators since the last one.
  The undiscounted return, 2 (final - initial fraction), differs from ``coops``'s by 2 (initial
  fraction - 0.5), which no action changes, so both rewards rank policies alike; but the
  critic learns from every step instead of from one payment after thousands of decisions.

An episode ends when the strategies are absorbed (terminated) or at Table 4's time limit
(truncated). A start that ends before its first rewiring decision is redrawn from the next seed.

``CompetingRecommendersEnv`` is the PettingZoo parallel version for several learning
recommenders sharing the users (seed 002, section 5: ``shares``, ``w2``, ``beta_med``,
``exclusive`` as in the coevolution model). Decisions still come one at a time: each step, every
agent sees the pending decision and a ``turn`` flag, and only the action of the agent whose user
decides is used. ``coops`` pays every agent at the end; ``rewires`` pays each agent for the
requests of its own users.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from polislab.core.environment import import_leaving_environment_alone
from polislab.core.errors import UsageError
from polislab.core.seeding import derived_seed
from polislab.learn.imitation import draw_from
from polislab.models.coevolution import kernels
from polislab.models.coevolution import recommenders as rec
from polislab.models.coevolution.decision import FEATURES, next_decision, teacher_choices
from polislab.models.coevolution.model import State, initial_state
from polislab.models.coevolution.params import PRESETS, CoevolutionParams

gymnasium, _pettingzoo = import_leaving_environment_alone("gymnasium", "pettingzoo")
spaces, ParallelEnv = gymnasium.spaces, _pettingzoo.ParallelEnv

REDRAWS = 100
Reward = Callable[[State, bool], float]


def coops_reward(state: State, terminal: bool) -> float:
    """seed 002, 4.2: rew = 2 (coops - 0.5) at the end of the episode."""
    if not terminal:
        return 0.0
    return 2.0 * (state.counters[kernels.COOPERATORS] / len(state.strategy) - 0.5)


REWARDS = {"coops": coops_reward, "rewires": None, "coops-change": None}  # None: paid per step, see the module


def _per_request(change: int, params: CoevolutionParams) -> float:
    return change / max(params.steps, 1)


def _per_cooperator(change: int, params: CoevolutionParams) -> float:
    return 2 * change / params.n


# the rewards paid each step for the change of a kernel counter: (counter, pay(change, params))
PAID_PER_COUNT = {"rewires": (kernels.REQUESTS, _per_request), "coops-change": (kernels.COOPERATORS, _per_cooperator)}
SHARED_REWARDS = ("coops", "rewires")  # the rewards of competing recommenders


def environment_params(preset: str | CoevolutionParams = "table4-n10", **overrides) -> CoevolutionParams:
    """The coevolution parameters of an environment: a Table 4 preset (or any preset) and overrides."""
    if isinstance(preset, CoevolutionParams):
        return preset.model_copy(update=overrides) if overrides else preset
    if preset not in PRESETS:
        raise UsageError(f"unknown environment preset '{preset}'; allowed: {', '.join(PRESETS)}")
    return CoevolutionParams(**{**PRESETS[preset], **overrides})


def heuristic_actions(name: str, seed: int):
    """Built-in recommender ``name`` as an environment policy ``choose(observations, envs) -> nodes``:
    a uniform draw from its choices (``decision.teacher_choices``; the focus itself, which keeps the
    link, when it has none), so a heuristic and a ranking module can play the same episodes."""
    rng = np.random.default_rng(seed)

    def choose(observations: list[dict], envs: list) -> list[int]:
        return [draw_from(teacher_choices(name, env.state, observation), observation["focus"], rng)
                for observation, env in zip(observations, envs)]

    return choose


class RecommenderEnv(gymnasium.Env):
    """One recommender serving every node of a coevolution run (seed 002, section 4)."""

    metadata = {"render_modes": []}

    def __init__(self, preset: str | CoevolutionParams = "table4-n10", reward: str | Reward = "coops",
                 **overrides):
        self.params = environment_params(preset, **overrides)
        if isinstance(reward, str) and reward not in REWARDS:
            raise UsageError(f"unknown reward '{reward}'; allowed: {', '.join(REWARDS)}, or a callable")
        self._reward = REWARDS.get(reward) if isinstance(reward, str) else reward
        self._counted, self._pay = PAID_PER_COUNT.get(reward, (None, None)) if isinstance(reward, str) else (None, None)
        n, links = self.params.n, self._links()
        self.observation_space = spaces.Dict({
            "features": spaces.Box(0.0, 1.0, (n, FEATURES), dtype=np.float32),
            "edge_index": spaces.Box(0, n - 1, (2, 2 * links), dtype=np.int64),
            "focus": spaces.Discrete(n),
            "mask": spaces.MultiBinary(n),
        })
        self.action_space = spaces.Discrete(n)
        self.state: State | None = None
        self._episode_seed = 0
        self._observation: dict | None = None

    def _links(self) -> int:
        return initial_state(self.params.model_copy(update={"recommender": "null"}), 0).graph.links

    # ----- gymnasium API -----

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._episode_seed = int(seed)
        else:
            self._episode_seed = int(self.np_random.integers(2**62))
        for attempt in range(REDRAWS):
            self.state = initial_state(self.params.model_copy(update={"recommender": "null"}),
                                       derived_seed(self._episode_seed, 7, attempt))
            self.state.recommender[:] = rec.PYTHON  # every rewiring decision pauses for the agent
            self._count = int(self.state.counters[self._counted]) if self._counted is not None else 0
            if self._run():
                return self._observation, self._info()
        raise RuntimeError(f"no rewiring decision in {REDRAWS} episodes of {self.params.n} nodes")

    def step(self, action):
        if self.state is None or self.state.counters[kernels.PENDING] == 0:
            raise RuntimeError("call reset() before step() and after an episode ends")
        state = self.state
        state.resolve(int(action))
        running = self._run()
        terminal = not running
        cooperators = int(state.counters[kernels.COOPERATORS])
        terminated = terminal and cooperators in (0, self.params.n)
        if self._counted is not None:  # rewires, coops-change: paid for the change of a count since the last step
            count = int(state.counters[self._counted])
            reward = self._pay(count - self._count, self.params)
            self._count = count
        else:
            reward = float(self._reward(state, terminal))
        return self._observation, reward, terminated, terminal and not terminated, self._info(terminal)

    # ----- checkpoints (learn.ppo): the whole environment as plain data -----

    def get_state(self) -> dict:
        return {"state": self.state.saved(), "np_random": self.np_random.bit_generator.state,
                "episode_seed": self._episode_seed, "count": self._count, "observation": self._observation}

    def set_state(self, saved: dict) -> None:
        self.state = State.from_saved(saved["state"])
        self.np_random.bit_generator.state = saved["np_random"]
        self._episode_seed, self._count, self._observation = (saved["episode_seed"], saved["count"],
                                                              saved["observation"])

    # ----- the kernel between decisions -----

    def _run(self) -> bool:
        """Run to the next decision (True) or to the end of the episode (False)."""
        observation = next_decision(self.state, self.params.steps)
        if observation is None:
            return False
        self._observation = observation
        return True

    def _info(self, terminal: bool = False) -> dict:
        """Counters so far; at the end of an episode also the degree variance (heterogeneity)."""
        c = self.state.counters
        info = {"cooperators": c[kernels.COOPERATORS] / self.params.n, "rewires": int(c[kernels.REWIRES]),
                "requests": int(c[kernels.REQUESTS]), "step": int(c[kernels.STEP]),
                "episode_seed": self._episode_seed}
        if terminal:
            info["heterogeneity"] = float(np.var(self.state.graph.degree))
        return info


gymnasium.register(id="polislab/Recommender-v0", entry_point=RecommenderEnv)


class CompetingRecommendersEnv(ParallelEnv):
    """Several learning recommenders competing for the users (PettingZoo parallel API)."""

    metadata = {"name": "polislab_competing_recommenders_v0", "render_modes": []}

    def __init__(self, preset: str | CoevolutionParams = "table4-n30", shares: tuple[float, ...] = (0.5, 0.5),
                 reward: str = "coops", w2: float = 0.1, **overrides):
        if reward not in SHARED_REWARDS:
            raise UsageError(f"unknown reward '{reward}'; allowed: {', '.join(SHARED_REWARDS)}")
        if len(shares) < 2 or len(shares) > len(PLACEHOLDERS):
            raise UsageError(f"shares has {len(shares)} recommenders; allowed: 2 to {len(PLACEHOLDERS)}")
        mixture = dict(zip(PLACEHOLDERS, shares))  # names only: every slot is handed to an agent below
        self.params = environment_params(preset, mixture=mixture, w2=w2, **overrides)
        self.reward_name = reward
        self.possible_agents = [f"recommender_{i}" for i in range(len(shares))]
        self.agents: list[str] = []
        single = RecommenderEnv(self.params.model_copy(update={"mixture": None, "w2": 0.0}), reward)
        space = spaces.Dict({**single.observation_space.spaces, "turn": spaces.Discrete(2)})
        self._observation_spaces = {agent: space for agent in self.possible_agents}
        self._action_spaces = {agent: spaces.Discrete(self.params.n) for agent in self.possible_agents}
        self.state_: State | None = None

    def observation_space(self, agent: str):
        return self._observation_spaces[agent]

    def action_space(self, agent: str):
        return self._action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict | None = None):
        self._seed = int(seed) if seed is not None else int(np.random.SeedSequence().generate_state(1)[0])
        for attempt in range(REDRAWS):
            state = initial_state(self.params, derived_seed(self._seed, 8, attempt))
            state.slot_codes[:] = rec.PYTHON + np.arange(len(self.possible_agents))
            state.recommender[:] = state.slot_codes[state.slot]
            self.state_ = state
            if self._advance():
                self.agents = list(self.possible_agents)
                return self._observations(), {agent: {} for agent in self.agents}
        raise RuntimeError(f"no rewiring decision in {REDRAWS} episodes of {self.params.n} nodes")

    def _advance(self) -> bool:
        """Run to the next decision (True) or to the end of the episode (False)."""
        observation = next_decision(self.state_, self.params.steps)
        if observation is None:
            return False
        self._observation = observation
        self._turn = int(self.state_.recommender[observation["focus"]] - rec.PYTHON)
        return True

    def _observations(self) -> dict:
        return {agent: {**self._observation, "turn": int(i == self._turn)}
                for i, agent in enumerate(self.possible_agents)}

    def step(self, actions: dict):
        state = self.state_
        acting = self._turn
        state.resolve(int(actions[self.possible_agents[acting]]))
        running = self._advance()
        n = self.params.n
        rewards = dict.fromkeys(self.agents, 0.0)
        if self.reward_name == "rewires":  # the request just answered, paid to the agent that answered it
            rewards[self.possible_agents[acting]] = 1.0 / max(self.params.steps, 1)
        elif not running:
            rewards = dict.fromkeys(self.agents, coops_reward(state, True))
        cooperators = int(state.counters[kernels.COOPERATORS])
        terminated = not running and cooperators in (0, n)
        truncated = not running and not terminated
        info = {"cooperators": cooperators / n, "shares": (state.slot_counts / n).tolist()}
        observations = self._observations()
        result = (observations, rewards, dict.fromkeys(self.agents, terminated), dict.fromkeys(self.agents, truncated),
                  {agent: info for agent in self.agents})
        if not running:
            self.agents = []
        return result


PLACEHOLDERS = [name for name in rec.BUILT_IN if rec.BUILT_IN[name] not in rec.DEGREE_BASED][:6]
