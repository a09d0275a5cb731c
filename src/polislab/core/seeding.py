"""Seeding: every run takes one integer seed; every random stream derives from it."""

from __future__ import annotations

import numpy as np

from polislab.core.errors import UsageError


MAX_SEED = 2**63 - 1  # the results store keeps a seed as a signed 64-bit integer
MAX_REPLICATES = 1_000_000  # replicates of one command; a sweep spec's seeds list is the way to more


def check_seed(seed: int) -> int:
    """Return ``seed`` as an int, or raise a one-line error if it is not an integer in
    [0, MAX_SEED]."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise UsageError(f"seed {seed!r} is not allowed: a seed is an integer from 0 to 2^63 - 1 = {MAX_SEED}")
    return int(seed)


def rng(seed: int, *stream: int) -> np.random.Generator:
    """A numpy Generator for ``seed``; ``stream`` names independent sub-streams of one run."""
    return np.random.default_rng(np.random.SeedSequence(check_seed(seed), spawn_key=stream))


def derived_seed(seed: int, *stream: int) -> int:
    """An integer seed for a numba kernel or torch, derived from ``seed`` and ``stream``."""
    state = np.random.SeedSequence(check_seed(seed), spawn_key=stream).generate_state(1, np.uint32)
    return int(state[0])


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """The seeds ``seed, seed + 1, ...`` of ``replicates`` independent replicates (DESIGN.md, CLI)."""
    check_seed(seed)
    if not 1 <= replicates <= MAX_REPLICATES:
        raise UsageError(f"replicates {replicates} is not allowed: from 1 to {MAX_REPLICATES:,} (more as the "
                         "seeds of a sweep spec)")
    if seed + replicates - 1 > MAX_SEED:
        raise UsageError(f"replicates {replicates} from seed {seed} is not allowed: the last seed would pass "
                         f"2^63 - 1; at most {MAX_SEED - seed + 1}")
    return [seed + i for i in range(replicates)]
