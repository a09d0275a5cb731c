"""The sugar-and-spice world (seed 001, chapter 2) as message-passing agents (section 1.1).

The same society as ``kernels.run``, spelt as agents that only exchange messages on
``polislab.core.messages``: a matchmaker (agent type 1, the last row) ticks once per time unit,
draws an ordered pair (i, j) and tells i to meet j; i chooses its move from what it remembers of j
and sends it down j's channel; j chooses its own move (without looking at i's: play is
simultaneous), takes its wellbeing from Table 2.1, learns, and replies with its move; i then takes
its wellbeing and learns. Transit time 0.25 per message, so each meeting ends before the next tick.
Memories ``none`` and ``partner``; the learning is ``polislab.learn.qtable`` as in the fast kernel.

It exists to show (and test) that the engine carries a model whole: its statistics match the
fast kernel's within their seed-to-seed error (tests/core/test_messages.py); the fast kernel stays
the one to run, at about 10x the speed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from polislab.core.messages import Engine, random_unit, random_word, send
from polislab.core.seeding import derived_seed
from polislab.learn.qtable import greedy, step_table, update
from polislab.models.trade.kernels import STRANGER, greedy_actions
from polislab.models.trade.model import initial_q
from polislab.models.trade.params import TradeParams

TICK, MEET, MOVE, REPLY = 0, 1, 2, 3
TRANSIT = 0.25


@njit(inline="always")
def _choose(state, queue, agent, s):
    q, epsilon = state[0], state[3]
    action = greedy(q, agent, s)
    if random_unit(queue) < epsilon[agent]:
        action = int(random_word(queue) & 1)
    return action


@njit(inline="always")
def _learn(state, agent, other, s, mine, theirs):
    """Wellbeing of (mine, theirs), remember the game, Q-update toward the next state with other."""
    q, counts, steps, epsilon, pair_state, rewards, options, earned, met = state
    game = 2 * mine + theirs
    next_state = 0
    if pair_state.shape[0] > 1:
        pair_state[agent, other] = game
        next_state = game
    reward = rewards[game]
    update(q, counts, steps, agent, s, mine, reward, next_state, options[0], False)
    epsilon[agent] = max(options[2], epsilon[agent] * options[1])
    earned[agent] += reward
    met[agent] += 1


@njit(inline="always")
def _state_about(state, agent, other):
    pair_state = state[4]
    return pair_state[agent, other] if pair_state.shape[0] > 1 else 0


@njit
def trader(state, queue, now, agent, channel, kind, a, b, x):
    """A trader: MEET (a = partner) opens a meeting; MOVE (a = move, b = sender's state) comes from
    the partner in its channel; REPLY (a = move, b = 2 x my state + my move) closes the meeting."""
    if kind == MEET:
        s = _state_about(state, agent, a)
        mine = _choose(state, queue, agent, s)
        send(queue, now + TRANSIT, a, agent, MOVE, mine, s)
    elif kind == MOVE:
        s = _state_about(state, agent, channel)
        mine = _choose(state, queue, agent, s)
        _learn(state, agent, channel, s, mine, a)
        send(queue, now + TRANSIT, channel, agent, REPLY, mine, 2 * b + a)
    elif kind == REPLY:
        _learn(state, agent, channel, b >> 1, b & 1, a)


@njit
def matchmaker(state, queue, now, agent, channel, kind, a, b, x):
    """Each tick: a uniformly random ordered pair (i, j), i != j, and the next tick."""
    traders = agent
    i = int(random_unit(queue) * traders)
    j = int(random_unit(queue) * (traders - 1))
    if j >= i:
        j += 1
    send(queue, now, i, agent, MEET, j)
    send(queue, now + 1.0, agent, agent, TICK)


def simulate(params: TradeParams, seed: int) -> dict[str, float]:
    """Run ``params.encounters`` meetings; return the fast kernel's measures (mean wellbeing per
    agent over the last 10% of meetings, the share of agents whose policy always steals)."""
    if params.memory not in ("none", "partner"):
        raise ValueError("the message-passing trade world has memories none and partner")
    n = params.agents
    q, counts = initial_q(params)
    pair_state = np.full((n, n) if params.memory == "partner" else (1, 1), STRANGER, dtype=np.int64)
    options = np.array([params.discount, params.exploration_decay, params.exploration_floor])
    state = (q, counts, step_table(params.learning_rate, params.bias_corrected), np.full(n, params.exploration),
             pair_state, np.asarray(params.rewards, dtype=np.float64), options, np.zeros(n), np.zeros(n, dtype=np.int64))
    types = np.zeros(n + 1, dtype=np.int64)
    types[n] = 1
    engine = Engine((trader, matchmaker), types, derived_seed(seed, 1))
    engine.post(0.0, n, n, TICK)
    tail = int(params.encounters * 0.9)
    engine.run(state, until=float(tail))
    earned, met = state[7].copy(), state[8].copy()
    engine.run(state, until=float(params.encounters))
    per_agent = (state[7] - earned) / np.maximum(state[8] - met, 1)
    actions = greedy_actions(q, np.zeros((0, 0), dtype=np.int64))
    always_steal = actions[:, 0] == 1 if params.memory == "none" else actions[:, :4].all(axis=1)
    return {"mean_wellbeing": float(per_agent.mean()), "share_stealing": float(always_steal.mean()),
            "messages": engine.delivered}
