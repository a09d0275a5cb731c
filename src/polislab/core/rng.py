"""A random stream that compiled kernels carry as explicit state (xoshiro256**).

Explicit state (four uint64 words) lets a kernel stop, hand a decision to Python, and resume on
the same stream, and keeps kernels free of numba's per-thread global generator. Seeded by
SplitMix64 from a seed that ``polislab.core.seeding`` derives.
"""

from __future__ import annotations

import numpy as np
from numba import int64, njit, uint64

_SCALE = 2.0**-53


def new_state(seed: int) -> np.ndarray:
    """Four uint64 words from ``seed`` by SplitMix64 (never all zero)."""
    state = np.empty(4, dtype=np.uint64)
    x = seed & 0xFFFFFFFFFFFFFFFF
    for i in range(4):
        x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        state[i] = z ^ (z >> 31)
    return state


@njit(inline="always")
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@njit(inline="always")
def next_u64(state):
    result = _rotl(state[1] * uint64(5), 7) * uint64(9)
    t = state[1] << uint64(17)
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    state[3] = _rotl(state[3], 45)
    return result


@njit(inline="always")
def advance_words(s0, s1, s2, s3):
    """xoshiro256** on four scalars: (output, s0, s1, s2, s3); lets a hot loop keep its stream in
    registers and write it back to the state array only when it leaves the loop."""
    result = _rotl(s1 * uint64(5), 7) * uint64(9)
    t = s1 << uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@njit(inline="always")
def to_unit(word):
    """A 64-bit word to a float in [0, 1) (its top 53 bits)."""
    return float(int64(word >> uint64(11))) * _SCALE


@njit(inline="always")
def uniform(state):
    """A float in [0, 1) with 53 random bits."""
    return float(int64(next_u64(state) >> uint64(11))) * _SCALE  # signed: one conversion instruction


@njit(inline="always")
def below(state, n):
    """An integer in [0, n), n < 2**53 (bias below 2**-53 n, negligible)."""
    return int(uniform(state) * n)
