"""The oracles' learning loops, vectorised over runs with numpy (seed 004, "The algorithms").

Each function takes the world, the run count, the step count and a numpy Generator, and returns
``Trace``: every run's prediction and loss at every recorded window, and the final predictions.
Losses are (x_t - y_t)^2 (seed 004, "Predicting y").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from polislab.models.oracle.world import World


@dataclass
class Trace:
    """Window means of each run's loss (runs x windows) and its final prediction."""

    loss: np.ndarray
    final: np.ndarray
    erasure_loss: np.ndarray | None = None  # counterfactual: loss on erasure steps, pooled over runs


class Windows:
    """Accumulates per-step losses into window means (``every`` steps a window)."""

    def __init__(self, runs: int, steps: int, every: int):
        self.every = every
        self.sums = np.zeros((runs, -(-steps // every)))
        self.counts = np.zeros((runs, self.sums.shape[1]))

    def add(self, step: int, loss: np.ndarray, weight: np.ndarray | float = 1.0) -> None:
        window = step // self.every
        self.sums[:, window] += loss * weight
        self.counts[:, window] += weight

    def means(self) -> np.ndarray:
        """Each run's mean loss in each window (runs x windows)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.sums / self.counts

    def pooled(self) -> np.ndarray:
        """The mean loss in each window over all runs' steps together (windows)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.sums.sum(axis=0) / self.counts.sum(axis=0)


def deluded(world: World, runs: int, steps: int, rng, radius: float, every: int) -> Trace:
    """Starts at a uniform random x, then always predicts the mean of all y seen (seed 004)."""
    x = rng.uniform(world.low, world.high, runs)
    total = np.zeros(runs)
    windows = Windows(runs, steps, every)
    for t in range(steps):
        y = world.sample(x, rng.standard_normal(runs), radius)
        windows.add(t, (x - y) ** 2)
        total += y
        x = np.clip(total / (t + 1), world.low, world.high)
    return Trace(windows.means(), x)


def counterfactual(world: World, runs: int, steps: int, rng, radius: float, every: int,
                   erasure_probability: float) -> Trace:
    """With probability q an erasure sends 0 to the world instead of x; the oracle learns, like
    the deluded one, from erasure steps only, and is told which they were (seed 004)."""
    x = rng.uniform(world.low, world.high, runs)
    total = np.zeros(runs)
    seen = np.zeros(runs)
    windows = Windows(runs, steps, every)
    erasures = Windows(runs, steps, every)
    for t in range(steps):
        erased = rng.random(runs) < erasure_probability
        y = world.sample(np.where(erased, 0.0, x), rng.standard_normal(runs), radius)
        loss = (x - y) ** 2
        windows.add(t, loss)
        erasures.add(t, loss, erased)
        total += np.where(erased, y, 0.0)
        seen += erased
        x = np.where(seen > 0, np.clip(total / np.maximum(seen, 1), world.low, world.high), x)
    return Trace(windows.means(), x, erasures.pooled())


def bandit(world: World, runs: int, steps: int, rng, radius: float, every: int,
           arms: np.ndarray, exploration: int) -> Trace:
    """Tries each arm in turn for ``exploration`` turns, then keeps the arm with the least mean
    loss (seed 004, low- and high-bandwidth oracles)."""
    sums = np.zeros((runs, len(arms)))
    counts = np.zeros(len(arms))
    windows = Windows(runs, steps, every)
    choice = None
    for t in range(steps):
        if t < exploration:
            arm = t % len(arms)
            x = np.full(runs, arms[arm])
        else:
            if choice is None:
                with np.errstate(invalid="ignore", divide="ignore"):
                    mean_loss = np.where(counts > 0, sums / np.maximum(counts, 1), np.inf)
                choice = arms[np.argmin(mean_loss, axis=1)]
            x = choice
        y = world.sample(x, rng.standard_normal(runs), radius)
        loss = (x - y) ** 2
        windows.add(t, loss)
        if t < exploration:
            sums[:, arm] += loss
            counts[arm] += 1
    final = choice if choice is not None else arms[np.argmin(sums / np.maximum(counts, 1), axis=1)]
    return Trace(windows.means(), final)


def repeated_risk(world: World, runs: int, steps: int, rng, radius: float, every: int,
                  samples: int) -> Trace:
    """Repeated risk minimisation (Perdomo et al. 2020): each round predicts the mean of
    ``samples`` draws of y made at the last round's prediction, x <- mean Y(x). Its limits are
    the performatively stable points, the attractive fixed points of f."""
    x = rng.uniform(world.low, world.high, runs)
    windows = Windows(runs, steps, every)
    for start in range(0, steps, samples):
        count = min(samples, steps - start)
        ys = world.sample(np.repeat(x[:, None], count, axis=1), rng.standard_normal((runs, count)), radius)
        for offset in range(count):
            windows.add(start + offset, (x - ys[:, offset]) ** 2)
        x = np.clip(ys.mean(axis=1), world.low, world.high)
    return Trace(windows.means(), x)


def derivative_free(world: World, runs: int, steps: int, rng, radius: float, every: int,
                    step_size: float, delta: float) -> Trace:
    """Two-point zeroth-order descent on the performative risk L(x) = E (x - Y(x))^2: predict
    x + delta and x - delta, observe both losses, step x <- x - eta_t (l+ - l-) / (2 delta),
    eta_t = step_size / sqrt(t + 1) (Perdomo et al. 2020 optimise performative risk this way)."""
    x = rng.uniform(world.low, world.high, runs)
    windows = Windows(runs, steps, every)
    for t in range(0, steps - 1, 2):
        plus, minus = np.clip(x + delta, world.low, world.high), np.clip(x - delta, world.low, world.high)
        loss_plus = (plus - world.sample(plus, rng.standard_normal(runs), radius)) ** 2
        loss_minus = (minus - world.sample(minus, rng.standard_normal(runs), radius)) ** 2
        windows.add(t, loss_plus)
        windows.add(t + 1, loss_minus)
        gradient = (loss_plus - loss_minus) / (2 * delta)
        x = np.clip(x - step_size / np.sqrt(t // 2 + 1) * gradient, world.low, world.high)
    return Trace(windows.means(), x)
