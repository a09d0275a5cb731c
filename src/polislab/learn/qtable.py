"""Tabular Q-learning pieces for compiled kernels (any model can use them).

epsilon-greedy choice with a decaying exploration rate and a floor, and the update
Q(s, a) <- Q(s, a) + w (r + gamma max_a' Q(s', a') - Q(s, a)) with the bias-corrected step
w = alpha / (1 - (1 - alpha)^n(s, a)) (n counts the updates of (s, a), this one included), so the
first update replaces the initial value and later ones approach alpha (seed 001's reference
implementation; issue 5). ``unseen[agent, s, a]`` holds (1 - alpha)^n, kept as a running product
(one multiplication per update instead of a power).
"""

from __future__ import annotations

from numba import njit

from polislab.core.rng import below, uniform


@njit(inline="always")
def greedy(q, agent, state):
    """The action with the larger Q-value; ties go to action 0."""
    return 1 if q[agent, state, 1] > q[agent, state, 0] else 0


@njit(inline="always")
def choose(rng, q, agent, state, epsilon):
    """epsilon-greedy over two actions."""
    if uniform(rng) < epsilon:
        return below(rng, 2)
    return greedy(q, agent, state)


@njit(inline="always")
def update(q, unseen, agent, state, action, reward, next_state, gamma, alpha, bias_corrected):
    """One Q-learning update; returns True when the greedy action of ``state`` changed."""
    before = greedy(q, agent, state)
    step = alpha
    if bias_corrected:
        unseen[agent, state, action] *= 1.0 - alpha
        step = alpha / (1.0 - unseen[agent, state, action])
    target = reward
    if next_state >= 0:
        target += gamma * max(q[agent, next_state, 0], q[agent, next_state, 1])
    q[agent, state, action] += step * (target - q[agent, state, action])
    return greedy(q, agent, state) != before
