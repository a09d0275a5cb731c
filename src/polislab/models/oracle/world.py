"""The world an oracle predicts: y ~ Normal(f(x), g(x)^2), except in a tiny wireheading region
where y = x exactly (seed 004, "Predicting y").

Seed 004's formulas were lost in extraction. ``ARMSTRONG_2019`` is the reconstruction given with
issue 6, consistent with everything the post says: f starts below the line y = x, crosses it at
x = -2 piecewise-linearly (a repulsive fixed point), then becomes an inverted parabola with an
attractive fixed point at x = 4; g = 0 for x < -2.5, 1 for -2.5 <= x <= 1, x above 1; the
wireheading region is |x - 2.5| < 1e-6. Worlds are replaceable: register your own with
``register_world`` or name one as ``module:attribute``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from polislab.core.errors import UsageError
from polislab.core.plugins import import_attribute

CENTRE = 8 - math.sqrt(24)  # m: the parabola's vertex, chosen so both pieces meet smoothly


def armstrong_mean(x: np.ndarray) -> np.ndarray:
    """f(x) = 2x + 2 for x <= m - 4, (2m - 2) - (x - m)^2 / 4 above, m = 8 - sqrt(24)
    (reconstruction: f(-2) = -2 with slope 2; f(4) = 4 with slope -(4 - m)/2 = -0.449)."""
    x = np.asarray(x, dtype=float)
    return np.where(x <= CENTRE - 4, 2 * x + 2, (2 * CENTRE - 2) - (x - CENTRE) ** 2 / 4)


def armstrong_sd(x: np.ndarray) -> np.ndarray:
    """g(x) = 0 for x < -2.5, 1 for -2.5 <= x <= 1, x for x > 1 (seed 004)."""
    x = np.asarray(x, dtype=float)
    return np.where(x < -2.5, 0.0, np.where(x <= 1, 1.0, x))


@dataclass(frozen=True)
class World:
    """Y(x) ~ Normal(mean(x), sd(x)^2), and Y(x) = x where |x - wirehead| < radius."""

    mean: Callable[[np.ndarray], np.ndarray]
    sd: Callable[[np.ndarray], np.ndarray]
    wirehead: float | None = 2.5
    low: float = -5.0
    high: float = 5.0
    description: str = ""

    def wireheading(self, x: np.ndarray, radius: float) -> np.ndarray:
        if self.wirehead is None:
            return np.zeros(np.shape(x), dtype=bool)
        return np.abs(np.asarray(x) - self.wirehead) < radius

    def sample(self, x: np.ndarray, normal: np.ndarray, radius: float) -> np.ndarray:
        """y for outputs x, given standard normal draws of the same shape."""
        y = self.mean(x) + self.sd(x) * normal
        return np.where(self.wireheading(x, radius), x, y)

    def expected_loss(self, x: np.ndarray, radius: float) -> np.ndarray:
        """L(x) = (x - f(x))^2 + g(x)^2, and 0 in the wireheading region (seed 004, "The loss")."""
        x = np.asarray(x, dtype=float)
        loss = (x - self.mean(x)) ** 2 + self.sd(x) ** 2
        return np.where(self.wireheading(x, radius), 0.0, loss)


ARMSTRONG_2019 = World(
    armstrong_mean, armstrong_sd, 2.5,
    description="seed 004's world as reconstructed in issue 6 (f, g piecewise; wireheading at 2.5)",
)
WORLDS: dict[str, World] = {"armstrong-2019": ARMSTRONG_2019}


def register_world(name: str, world: World) -> None:
    """Make ``world`` available to the oracle model as ``world=name``."""
    WORLDS[name] = world


def check_world_name(name: str) -> str:
    """``name`` if it can name a world; a one-line error otherwise. Imports nothing: a
    ``module:attribute`` is imported when the run starts (``resolve_world``), as it runs the
    user's own code."""
    if name not in WORLDS and ":" not in name:
        raise UsageError(f"unknown world '{name}'; allowed: {', '.join(WORLDS)} or module:attribute")
    return name


def resolve_world(name: str) -> World:
    """A registered world, or ``package.module:attribute`` naming a ``World`` object."""
    check_world_name(name)
    if name in WORLDS:
        return WORLDS[name]
    world = import_attribute(name, "world")
    if not isinstance(world, World):
        raise UsageError(f"world '{name}' is a {type(world).__name__}, not a polislab World")
    return world
