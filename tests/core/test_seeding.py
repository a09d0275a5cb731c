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


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3"])
def test_bad_seeds_are_refused(seed):
    with pytest.raises(UsageError):
        rng(seed)
