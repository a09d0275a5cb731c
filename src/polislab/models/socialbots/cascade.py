"""Independent cascades over the follow graph (Kempe, Kleinberg & Tardos 2003; the influence
measure of "Socialbots on Fire", seed 003): a post passes from each newly reached user to each of
its followers with probability p, once. Flat arrays: the followers of user u are
``targets[offsets[u]:offsets[u + 1]]``."""

from __future__ import annotations

import numpy as np
from numba import njit

from polislab.core.geometric import csr_from_edges
from polislab.core.rng import uniform


def followers_csr(followees: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The followers of each user as (offsets, targets), from each user's followee list."""
    n = len(counts)
    followers = np.repeat(np.arange(n), counts)
    followed = followees[np.arange(followees.shape[1])[None, :] < counts[:, None]]
    return csr_from_edges(n, np.column_stack([followed, followers]), directed=True)


@njit(cache=True, nogil=True)
def _reached(offsets, targets, seeds, p, samples, state, stamp, queue, first):
    """Users reached, summed over ``samples`` cascades from ``seeds``, marking reached users in
    ``stamp`` with the cascade's number (from ``first`` on, so the buffers are reused)."""
    total = 0
    for sample in range(first, first + samples):
        head, tail = 0, 0
        for s in seeds:
            if stamp[s] != sample:
                stamp[s] = sample
                queue[tail] = s
                tail += 1
        while head < tail:
            u = queue[head]
            head += 1
            for k in range(offsets[u], offsets[u + 1]):
                v = targets[k]
                if stamp[v] != sample and uniform(state) < p:
                    stamp[v] = sample
                    queue[tail] = v
                    tail += 1
        total += tail
    return total


@njit(cache=True, nogil=True)
def spread(offsets, targets, seeds, p, samples, state):
    """Mean number of users a cascade reaches from ``seeds`` (all reached at the start; counted)
    over ``samples`` Monte Carlo cascades."""
    n = offsets.shape[0] - 1
    stamp = np.zeros(n, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    return _reached(offsets, targets, seeds, p, samples, state, stamp, queue, 1) / samples


@njit(cache=True, nogil=True)
def spread_of_each(offsets, targets, p, samples, state):
    """For every user, the mean size of a cascade from it alone (``spread`` of one seed each)."""
    n = offsets.shape[0] - 1
    result = np.empty(n)
    stamp = np.zeros(n, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    one = np.empty(1, dtype=np.int64)
    for u in range(n):
        one[0] = u
        result[u] = _reached(offsets, targets, one, p, samples, state, stamp, queue, 1 + u * samples) / samples
    return result
