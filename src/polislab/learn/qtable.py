"""Tabular Q-learning pieces for compiled kernels (any model can use them).

The greedy action, and the update
Q(s, a) <- Q(s, a) + w (r + gamma max_a' Q(s', a') - Q(s, a)) with the bias-corrected step
w = alpha / (1 - (1 - alpha)^n(s, a)) (n counts the updates of (s, a), this one included), so the
first update replaces the initial value and later ones approach alpha (seed 001's reference
implementation; issue 5), looked up in a table of steps by update count.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(inline="always")
def greedy(q, agent, state):
    """The action with the larger Q-value; ties go to action 0."""
    return 1 if q[agent, state, 1] > q[agent, state, 0] else 0


def step_table(alpha: float, bias_corrected: bool) -> np.ndarray:
    """The step of the n-th update, n = 0, 1, ...: alpha / (1 - (1 - alpha)^(n + 1)) until it
    equals alpha to double precision; the table ends at that entry (later updates use it: every
    step beyond equals alpha too, checked over 700 values of alpha)."""
    if not bias_corrected or alpha >= 1.0:
        return np.full(1, alpha)
    steps = _bias_corrected_steps(alpha, int(np.ceil(math.log(1e-17) / math.log1p(-alpha))) + 1)
    return steps[:int(np.argmax(steps == alpha)) + 1]


@njit(cache=True)
def _bias_corrected_steps(alpha, count):
    """alpha / (1 - (1 - alpha)^n), n = 1 .. count, one scalar libm call at a time: numpy's own
    expm1 and log1p are vectorised differently on CPUs with and without AVX-512 (303 of 37,412
    steps differed in the last bit at alpha = 0.001), which made a run's results depend on the
    machine."""
    steps = np.empty(count)
    rate = math.log1p(-alpha)
    for n in range(count):
        steps[n] = alpha / -math.expm1((n + 1) * rate)
    return steps


@njit(inline="always")
def update(q, counts, steps, agent, state, action, reward, next_state, gamma, track=True):
    """One Q-learning update; returns True when the greedy action of ``state`` changed (always
    False unless ``track``: the comparison costs time that only convergence tests need).
    ``counts`` holds each (state, action)'s updates so far, ``steps`` the bias-corrected steps
    (``step_table``, whose last entry, alpha, serves every later update): a table lookup instead
    of a power or a division per update, and a clamp instead of a branch (in a population some
    pairs are past the table's end and some not, a branch the CPU mispredicts: 20% of the trade
    kernel's time at 100 agents)."""
    before = greedy(q, agent, state) if track else 0
    n = counts[agent, state, action]
    counts[agent, state, action] = n + 1
    step = steps[min(n, steps.shape[0] - 1)]
    target = reward
    if next_state >= 0:
        target += gamma * max(q[agent, next_state, 0], q[agent, next_state, 1])
    q[agent, state, action] += step * (target - q[agent, state, action])
    return track and greedy(q, agent, state) != before


class QTable:
    """Tabular Q-learning over any number of states and actions, for a learner that decides
    rarely (in Python, between compiled stretches of a model): epsilon-greedy choice and the
    one-step update Q(s, a) <- Q(s, a) + alpha (r + gamma max_a' Q(s', a') - Q(s, a)).
    Ties among the greedy actions go to the lowest."""

    def __init__(self, states: int, actions: int, alpha: float, gamma: float, epsilon: float,
                 rng: np.random.Generator, initial: float = 0.0):
        self.q = np.full((states, actions), initial, dtype=np.float64)
        self.alpha, self.gamma, self.epsilon, self.rng = alpha, gamma, epsilon, rng

    def choose(self, state: int) -> int:
        if self.rng.random() < self.epsilon:
            return int(self.rng.integers(self.q.shape[1]))
        return int(np.argmax(self.q[state]))

    def learn(self, state: int, action: int, reward: float, next_state: int) -> None:
        target = reward + self.gamma * float(self.q[next_state].max())
        self.q[state, action] += self.alpha * (target - self.q[state, action])
