"""Trade model: Q-learning traders who meet at random and trade or steal (seed 001, chapter 2).

Wellbeing W is an agent's mean reward per encounter and collective wellbeing the sum over
agents (seed 001, section 1.1); both are measured over the last 10% of the encounters run.
"""

from __future__ import annotations

import numpy as np

from polislab.core.progress import Progress
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.core.rng import new_state
from polislab.core.seeding import derived_seed
from polislab.learn.qtable import step_table
from polislab.models.trade import kernels
from polislab.models.trade.params import PRESETS, TradeParams

MEMORY_CODES = {"none": kernels.NONE, "partner": kernels.PARTNER, "own-last": kernels.OWN_LAST,
                "friends": kernels.FRIENDS}
WIN_STAY_LOSE_SHIFT, TIT_FOR_TAT, ALWAYS_STEAL = 6, 10, 15


def states(params: TradeParams) -> int:
    return 1 if params.memory == "none" else 5


def initial_q(params: TradeParams) -> tuple[np.ndarray, np.ndarray]:
    """Q-tables (agents x states x 2) and update counts, with imprinted policies (an imprint
    counts as ``imprint_weight`` updates, so the bias correction does not erase it at once)."""
    q = np.full((params.agents, states(params), 2), params.initial_q)
    counts = np.zeros(q.shape, dtype=np.int64)
    if params.initial_policies is not None:
        policies = params.initial_policies * (params.agents if len(params.initial_policies) == 1 else 1)
        for agent, policy in enumerate(policies):
            for state in range(min(4, q.shape[1])):
                action = (policy >> state) & 1
                q[agent, state, action] = params.imprint_q
                q[agent, state, 1 - action] = 0.0
                counts[agent, state] = params.imprint_weight
    return q, counts


class Market:
    """The traders' state and the kernel's arguments (seed 001, chapter 2): ``run`` advances it a
    chunk of encounters (``simulate`` between records, the live view in chunks of its own)."""

    def __init__(self, params: TradeParams, seed: int):
        n = params.agents
        q, self.counts = initial_q(params)
        self.q = q = q.astype(np.float32) if params.arithmetic == "float32" else q
        # the sticky tie rule keeps a best action per agent and state, set by the imprint (0 elsewhere)
        self.best = ((q[:, :, 1] > q[:, :, 0]).astype(np.int64) if params.ties == "sticky"
                     else np.zeros((0, 0), dtype=np.int64))
        self.step_sizes = step_table(params.learning_rate, params.bias_corrected)
        self.epsilon = np.full(n, params.exploration)
        self.pair_state = np.full((n, n) if params.memory == "partner" else (1, 1), kernels.STRANGER, dtype=np.int8)
        self.own_state = np.full(n, kernels.STRANGER, dtype=np.int64)
        width = params.friends if params.memory == "friends" else 1
        self.friend_ids = np.full((n, width), -1, dtype=np.int64)
        self.friend_state = np.full((n, width), kernels.STRANGER, dtype=np.int64)
        self.friend_count = np.zeros(n, dtype=np.int64)
        self.next_forget = np.zeros(n, dtype=np.int64)
        self.options = np.array([params.discount, params.exploration_decay, params.exploration_floor,
                                 params.remember == "last"])  # the learning rate lives in the step table
        self.rewards = np.asarray(params.rewards, dtype=np.float64)
        self.last_change = np.zeros(1, dtype=np.int64)
        self.rng = new_state(derived_seed(seed, 1))
        self.memory, self.learners = MEMORY_CODES[params.memory], n - params.frozen

    def run(self, encounters: int, ran: int, earned: np.ndarray, met: np.ndarray, stable: int) -> int:
        """Run ``encounters`` more (``ran`` so far), adding rewards to ``earned`` and meetings to
        ``met``; fewer when no policy changed for ``stable`` encounters (0: never stop). Returns
        the number run."""
        return kernels.run(encounters, ran, self.rng, self.q, self.counts, self.step_sizes, self.epsilon, self.best,
                           self.memory, self.pair_state, self.own_state, self.friend_ids, self.friend_state,
                           self.friend_count, self.next_forget, self.rewards, self.options, self.learners,
                           earned, met, self.last_change, stable)

    def policies(self, memory: str) -> tuple[np.ndarray, np.ndarray]:
        """Each agent's greedy actions and its policy number."""
        actions = kernels.greedy_actions(self.q, self.best)
        return actions, kernels.policy_numbers(actions, memory)


@register("trade", params=TradeParams, presets=PRESETS,
          summary="Q-learning traders who trade or steal in the sugar-and-spice world (seed 001)",
          smoke={"encounters": 5000, "stable_encounters": 1000})
def simulate(params: TradeParams, seed: int, progress: Progress | None = None) -> Result:
    """Sugar and spice world, version 1 (seed 001, chapter 2)."""
    n = params.agents
    market = Market(params, seed)
    earned, met = np.zeros(n), np.zeros(n, dtype=np.int64)
    every = params.record_every or max(1, params.encounters // 200)
    tail_start = int(params.encounters * 0.9)
    steps, wellbeing = [], []
    tail_earned, tail_met = None, None
    ran = 0
    while ran < params.encounters:
        chunk = min(every, params.encounters - ran)
        if ran < tail_start <= ran + chunk:
            chunk = max(1, tail_start - ran) if tail_start > ran else chunk
        before = earned.sum()
        done = market.run(chunk, ran, earned, met, params.stable_encounters)
        ran += done
        steps.append(ran)
        wellbeing.append((earned.sum() - before) / (2 * done))
        if tail_earned is None and ran >= tail_start:
            tail_earned, tail_met = earned.copy(), met.copy()
        if progress is not None:
            progress(ran, params.encounters)
        if done < chunk:
            break  # converged: no policy change for stable_encounters
    if tail_earned is None or ran < params.encounters:  # stopped early: measure the last 10% run
        tail_earned, tail_met = np.zeros(n), np.zeros(n, dtype=np.int64)
        chunk = max(1, ran // 10)
        market.run(chunk, ran, tail_earned, tail_met, 0)
        per_agent = tail_earned / np.maximum(tail_met, 1)
    else:
        per_agent = (earned - tail_earned) / np.maximum(met - tail_met, 1)
    actions, policies = market.policies(params.memory)
    q = market.q
    values, shares = np.unique(policies, return_counts=True)
    stranger = actions[:, -1] if q.shape[1] == 5 else policies
    metrics = {
        "mean_wellbeing": float(per_agent.mean()),
        "wellbeing_spread": float(per_agent.std()),
        "collective_wellbeing": float(per_agent.sum()),
        "modal_policy": int(values[np.argmax(shares)]),
        "modal_policy_share": float(shares.max() / n),
        "share_win_stay_lose_shift": float(np.mean(policies == WIN_STAY_LOSE_SHIFT)) if q.shape[1] > 1 else None,
        "share_stealing": float(np.mean(policies == (1 if q.shape[1] == 1 else ALWAYS_STEAL))),
        "share_strangers_robbed": float(stranger.mean()) if q.shape[1] == 5 else None,
        "policy_pair": int(policies[0] * 16 + policies[1]) if n == 2 and q.shape[1] > 1 else None,
        "encounters_run": ran,
        "converged": bool(params.stable_encounters and ran - market.last_change[0] >= params.stable_encounters),
    }
    series = {"step": np.array(steps), "mean_wellbeing": np.array(wellbeing)}  # step: encounters so far
    artifacts = {"policies": policies, "stranger_actions": stranger, "q": q, "wellbeing": per_agent}
    return Result(params, seed, metrics, series, artifacts)
