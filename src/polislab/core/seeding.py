"""Seeding: every run takes one integer seed; every random stream derives from it."""

from __future__ import annotations

import numpy as np

from polislab.core.errors import UsageError


def check_seed(seed: int) -> int:
    """Return ``seed`` as an int, or raise a one-line error if it is not a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UsageError(f"seed {seed!r} is not allowed: a seed is an integer >= 0")
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
    if replicates < 1:
        raise UsageError(f"replicates {replicates} is not allowed: at least 1")
    return [seed + i for i in range(replicates)]
