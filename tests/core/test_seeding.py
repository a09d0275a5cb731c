import numpy as np
import pytest

from polislab.core.errors import UsageError
from polislab.core.seeding import derived_seed, replicate_seeds, rng


def test_same_seed_same_stream_and_streams_differ():
    assert np.array_equal(rng(5).random(4), rng(5).random(4))
    assert not np.array_equal(rng(5).random(4), rng(5, 1).random(4))
    assert derived_seed(5, 1) == derived_seed(5, 1) != derived_seed(5, 2)


def test_replicate_seeds_count_up():
    assert replicate_seeds(7, 3) == [7, 8, 9]


def test_seeds_are_those_the_store_holds():
    """The store keeps a seed as a signed 64-bit integer: 2^63 - 1 is the largest, for a seed and
    for the last of a run's replicates."""
    assert replicate_seeds(2**63 - 2, 2) == [2**63 - 2, 2**63 - 1]
    with pytest.raises(UsageError, match="2\\^63 - 1"):
        rng(2**63)
    with pytest.raises(UsageError, match="pass 2\\^63 - 1"):
        replicate_seeds(2**63 - 2, 3)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3"])
def test_bad_seeds_are_refused(seed):
    with pytest.raises(UsageError):
        rng(seed)
