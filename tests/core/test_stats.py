"""The report's small statistics against scipy's (an independent library)."""

import numpy as np
from scipy import stats

from polislab.core.stats import difference_interval, mean_interval


def test_the_mean_interval_is_the_normal_interval_of_the_mean():
    values = np.random.default_rng(1).normal(3.0, 2.0, 40)
    mean, low, high = mean_interval(values)
    expected = stats.norm.interval(0.95, loc=values.mean(), scale=stats.sem(values))
    assert np.isclose(mean, values.mean()) and np.allclose((low, high), expected)
    assert mean_interval([5.0]) == (5.0, 5.0, 5.0)


def test_the_difference_interval_is_welchs_normal_interval():
    rng = np.random.default_rng(2)
    a, b = rng.normal(1.0, 1.0, 30), rng.normal(0.0, 3.0, 50)
    difference, low, high = difference_interval(a, b)
    scale = np.sqrt(stats.sem(a) ** 2 + stats.sem(b) ** 2)
    assert np.allclose((low, high), stats.norm.interval(0.95, loc=a.mean() - b.mean(), scale=scale))
    assert np.isclose(difference, a.mean() - b.mean())
