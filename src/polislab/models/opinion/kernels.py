"""The update loop of social reinforcement learning of opinions (seed 003; issue 7), compiled.

One agent update (Banisch & Olbrich 2019, as restated by Meylahn & Meylahn 2024): a uniformly
random agent i expresses an opinion a (greedy on its two Q-values, exploring epsilon-greedily or
by softmax); a uniformly random neighbour j rewards it, r = +1 if a agrees with j's opinion and
-1 otherwise; i updates Q_i(a) <- (1 - alpha) Q_i(a) + alpha r. The batched variant repeats
express-reward-update b times with the same neighbour (i's greedy opinion re-read each time, j's
held fixed): as b grows, i ends holding j's opinion, which is the voter model, where i copies
j's opinion outright.

Opinions are stored as 0 (-1) and 1 (+1). The kernel keeps the count of +1 opinions and of
discordant links (links joining opposite opinions) incrementally: a change of i's opinion costs
O(degree of i); every other update is O(1). Each variant compiles its own loop.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from polislab.core.prefetch import prefetch
from polislab.core.rng import advance_words, to_unit

LEARNING, VOTER = 0, 1
EPSILON, SOFTMAX = 0, 1
GREEDY, EXPRESSED = 0, 1
# counters: +1 opinions, discordant links, consensus exits, time consensus was entered,
# updates spent in consensus, first consensus time (-1: none yet)
PLUS, DISCORDANT, EXITS, ENTERED, IN_CONSENSUS, FIRST = range(6)


@njit(inline="always")
def expressed(q, greedy, agent, u, exploration, epsilon, temperature):
    """The opinion an agent whose greedy opinion is ``greedy`` expresses, from one uniform draw u."""
    if exploration == EPSILON:
        if u < epsilon:
            return 1 if u < 0.5 * epsilon else 0
        return greedy
    p_plus = 1.0 / (1.0 + math.exp(-(q[agent, 1] - q[agent, 0]) / temperature))
    return 1 if u < p_plus else 0


@njit(inline="always")
def change_opinion(offsets, neighbours, opinion, counters, agent, new, t, stop):
    """Give ``agent`` opinion ``new`` and update the counters; True when consensus stops the run."""
    was_consensus = counters[DISCORDANT] == 0
    old = opinion[agent]
    change = 0
    for p in range(offsets[agent], offsets[agent + 1]):
        change += 1 if opinion[neighbours[p]] == old else -1
    opinion[agent] = new
    counters[DISCORDANT] += change
    counters[PLUS] += 1 if new == 1 else -1
    if counters[DISCORDANT] == 0:
        counters[ENTERED] = t
        if counters[FIRST] < 0:
            counters[FIRST] = t
        return stop
    if was_consensus:
        counters[EXITS] += 1
        counters[IN_CONSENSUS] += t - counters[ENTERED]
    return False


AHEAD_INDEX, AHEAD_SLOT, AHEAD_NEIGHBOUR = 12, 8, 4  # prefetch distances, in updates
RING = 16  # a power of two above AHEAD_INDEX


@njit(inline="always")
def _draw_pair(ring_i, ring_u, g, n, p0, p1, p2, p3):
    """Draw update g's agent and neighbour slot from the pair stream; prefetch the agent's data."""
    word, p0, p1, p2, p3 = advance_words(p0, p1, p2, p3)
    ring_i[g & (RING - 1)] = int(to_unit(word) * n)
    word, p0, p1, p2, p3 = advance_words(p0, p1, p2, p3)
    ring_u[g & (RING - 1)] = to_unit(word)
    return p0, p1, p2, p3


@njit(inline="always")
def _locate(offsets, neighbours, ring_i, ring_u, ring_p, g):
    """Update g's position in the neighbour array (-1: an isolated agent); prefetch it."""
    slot = g & (RING - 1)
    i = ring_i[slot]
    start = offsets[i]
    degree = offsets[i + 1] - start
    ring_p[slot] = start + int(ring_u[slot] * degree) if degree > 0 else -1
    if degree > 0:
        prefetch(neighbours, ring_p[slot])


def _compile_run(dynamics: int, exploration: int, feedback: int, batched: bool):
    """The update loop for one variant; the variant is a compile-time constant here, so no
    untaken branch of another variant slows the loop.

    Pairs (i, j) come from their own random stream, drawn ``AHEAD_INDEX`` updates before use and
    kept in a ring that persists between calls, so the loop can prefetch i's graph entry, then
    j's slot, then j's opinion while earlier updates run: the graph never changes, so this
    reorders memory traffic only, never a result.
    """

    @njit(cache=True, nogil=True, _nrt=False)
    def run(updates, t0, offsets, neighbours, q, q_flat, opinion, counters, rng, pair_rng, ring_i, ring_u, ring_p,
            alpha, epsilon, temperature, batch, stop):
        """Run up to ``updates`` agent updates from time t0; return how many ran. ``q_flat`` is q
        seen as one row, ``ring_p`` scratch for RING positions: passed in, so the loop allocates
        nothing and compiles without numba's reference counting."""
        n = opinion.shape[0]
        s0, s1, s2, s3 = rng[0], rng[1], rng[2], rng[3]
        p0, p1, p2, p3 = pair_rng[0], pair_rng[1], pair_rng[2], pair_rng[3]
        if t0 == 0:  # first call: fill the ring
            for g in range(AHEAD_INDEX):
                p0, p1, p2, p3 = _draw_pair(ring_i, ring_u, g, n, p0, p1, p2, p3)
        for g in range(t0, t0 + AHEAD_SLOT):
            _locate(offsets, neighbours, ring_i, ring_u, ring_p, g)
        done = updates
        for step in range(updates):
            g = t0 + step
            p0, p1, p2, p3 = _draw_pair(ring_i, ring_u, g + AHEAD_INDEX, n, p0, p1, p2, p3)
            ahead = ring_i[(g + AHEAD_INDEX) & (RING - 1)]
            prefetch(offsets, ahead)
            prefetch(q_flat, 2 * ahead)
            prefetch(opinion, ahead)
            _locate(offsets, neighbours, ring_i, ring_u, ring_p, g + AHEAD_SLOT)
            position = ring_p[(g + AHEAD_NEIGHBOUR) & (RING - 1)]
            if position >= 0:
                prefetch(opinion, neighbours[position])
            position = ring_p[g & (RING - 1)]
            if position < 0:
                continue
            i = ring_i[g & (RING - 1)]
            j = neighbours[position]
            new = opinion[i]
            if dynamics == VOTER:
                new = opinion[j]
            else:
                for _ in range(batch if batched else 1):
                    word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
                    a = expressed(q, new, i, to_unit(word), exploration, epsilon, temperature)
                    answer = opinion[j]
                    if feedback == EXPRESSED:
                        word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
                        answer = expressed(q, answer, j, to_unit(word), exploration, epsilon, temperature)
                    q[i, a] = (1.0 - alpha) * q[i, a] + alpha * (1.0 if a == answer else -1.0)
                    if q[i, 1 - new] > q[i, new]:
                        new = 1 - new
            if new != opinion[i]:
                if change_opinion(offsets, neighbours, opinion, counters, i, new, g + 1, stop):
                    done = step + 1
                    break
        rng[0], rng[1], rng[2], rng[3] = s0, s1, s2, s3
        pair_rng[0], pair_rng[1], pair_rng[2], pair_rng[3] = p0, p1, p2, p3
        return done

    return run


_RUNS: dict = {}


def run(dynamics, exploration, feedback, batch, *args):
    """Dispatch to the compiled loop of this variant (compiled on first use)."""
    key = (dynamics, exploration if dynamics == LEARNING else 0, feedback if dynamics == LEARNING else 0,
           batch > 1 and dynamics == LEARNING)
    if key not in _RUNS:
        _RUNS[key] = _compile_run(*key)
    (updates, t0, offsets, neighbours, q, opinion, counters, rng, pair_rng, ring_i, ring_u, alpha, epsilon,
     temperature, stop) = args
    return _RUNS[key](updates, t0, offsets, neighbours, q, q.reshape(q.size), opinion, counters, rng, pair_rng, ring_i,
                      ring_u, np.empty(RING, dtype=np.int64), alpha, epsilon, temperature, batch, stop)


def discordant_links(offsets: np.ndarray, neighbours: np.ndarray, opinion: np.ndarray) -> int:
    """Links joining opposite opinions (each counted once)."""
    return int(disagreeing_neighbours(offsets, neighbours, opinion).sum()) // 2


@njit(cache=True)
def disagreeing_neighbours(offsets, neighbours, opinion):
    """How many of each agent's neighbours hold the other opinion (one pass over the rows, no
    temporaries of the links' size: at 10^7 agents, k = 10, numpy's took 1.6 GB)."""
    n = offsets.shape[0] - 1
    counts = np.zeros(n, dtype=np.int64)
    for i in range(n):
        mine = opinion[i]
        for p in range(offsets[i], offsets[i + 1]):
            counts[i] += opinion[neighbours[p]] != mine
    return counts
