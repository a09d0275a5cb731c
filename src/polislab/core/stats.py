"""Small statistics shared by the report's checks."""

from __future__ import annotations

import math

import numpy as np


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (95% by default)."""
    if trials <= 0:
        return (0.0, 1.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def proportion_text(successes: int, trials: int) -> str:
    low, high = wilson_interval(successes, trials)
    return f"{successes / max(trials, 1):.1%} of {trials} (95% CI {low:.1%}-{high:.1%})"


def difference_interval(a, b, z: float = 1.959964) -> tuple[float, float, float]:
    """mean(a) - mean(b) with its normal (Welch) interval, 95% by default: (difference, low, high)."""
    import numpy as np

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    difference = float(a.mean() - b.mean())
    half = z * math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return difference, difference - half, difference + half


def mean_interval(values, z: float = 1.959964) -> tuple[float, float, float]:
    """The mean of ``values`` with its normal interval, 95% by default: (mean, low, high); the
    interval is the mean alone for fewer than two values."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    half = z * float(values.std(ddof=1)) / math.sqrt(len(values)) if len(values) > 1 else 0.0
    return mean, mean - half, mean + half


def trials_to_exceed(share: float, z: float = 1.959964) -> int:
    """The fewest trials whose 95% Wilson interval can lie wholly above ``share`` (all successes):
    below it, a claim "more than ``share``" cannot be decided."""
    trials = 1
    while wilson_interval(trials, trials, z)[0] <= share:
        trials += 1
    return trials


def trials_for_half_width(half_width: float, z: float = 1.959964) -> int:
    """The fewest trials whose 95% Wilson interval at a proportion of one half is at most
    ``half_width`` wide on each side: fewer cannot tell a proportion near one half from one
    ``half_width`` away."""
    trials = 1
    while True:
        low, high = wilson_interval(trials // 2, trials, z)
        if (high - low) / 2 <= half_width:
            return trials
        trials += 1


def bimodality(x, axis: int = -1):
    """Sarle's bimodality coefficient (g^2 + 1) / k along ``axis`` (g the skewness, k the kurtosis;
    5/9 for a uniform law, toward 1 for two separated modes); nan where the values have no spread."""
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=axis, keepdims=True)
    squared = centred * centred  # products, not powers: numpy's power is vectorised differently
    variance = np.mean(squared, axis=axis)  # on CPUs with AVX-512, and results must not depend on the machine
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        skew = np.mean(squared * centred, axis=axis) / (variance * np.sqrt(variance))
        kurtosis = np.mean(squared * squared, axis=axis) / (variance * variance)
        return np.where(variance > 0, (skew**2 + 1.0) / kurtosis, np.nan)


def gini(values: np.ndarray) -> float:
    """The Gini coefficient of non-negative values (0: all equal)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    total = v.sum()
    if total == 0:
        return 0.0
    n = len(v)
    return float((2.0 * np.sum(np.arange(1, n + 1) * v) / (n * total)) - (n + 1) / n)
