"""Recommenders (rewiring policies): map (focused node x, dropped neighbour y) to a new
neighbour z, never x or a current neighbour of x (seed 002, sections 3.3-3.4).

Built in: ``null`` (no rewiring), ``local`` (seed 002's NO_MED, Santos et al.'s rule: a random
neighbour of y), ``random``, ``good`` (a random cooperator), ``bad`` (a random defector), ``fair``
(a random node with x's strategy) and Table 3's grid {defectors, any, cooperators} x {lowest,
random, highest degree}, ties broken at random. A Python callable ``f(x, y, view) -> z`` may be
registered by name (``register_recommender``) or named as ``module:attribute``, and a trained
policy by its file, ``path/to/policy.pt`` (seed 002, section 4); the kernel then pauses at each
of their decisions.
"""

from __future__ import annotations

from collections.abc import Callable

from polislab.core.errors import UsageError
from polislab.core.plugins import import_attribute

# codes used by the kernel
NULL, LOCAL, RANDOM, GOOD, BAD, FAIR = 0, 1, 2, 3, 4, 5
DEFECTORS_LOWEST, DEFECTORS_HIGHEST, ANY_LOWEST, ANY_HIGHEST, COOPERATORS_LOWEST, COOPERATORS_HIGHEST = (
    6, 7, 8, 9, 10, 11,
)
PYTHON = 100  # codes from here on: Python callables, in the order they are given
POLICY_SUFFIX = ".pt"  # a trained policy file (policy.py) loads as a recommender

BUILT_IN = {
    "null": NULL,
    "local": LOCAL,
    "random": RANDOM,
    "good": GOOD,
    "bad": BAD,
    "fair": FAIR,
    "defectors-lowest": DEFECTORS_LOWEST,
    "defectors-random": BAD,
    "defectors-highest": DEFECTORS_HIGHEST,
    "any-lowest": ANY_LOWEST,
    "any-random": RANDOM,
    "any-highest": ANY_HIGHEST,
    "cooperators-lowest": COOPERATORS_LOWEST,
    "cooperators-random": GOOD,
    "cooperators-highest": COOPERATORS_HIGHEST,
}
DEGREE_BASED = {DEFECTORS_LOWEST, DEFECTORS_HIGHEST, ANY_LOWEST, ANY_HIGHEST, COOPERATORS_LOWEST,
                COOPERATORS_HIGHEST}
HEURISTICS = ["null", "local", "random", "good", "bad", "fair", "defectors-lowest", "defectors-highest",
              "any-lowest", "any-highest", "cooperators-lowest", "cooperators-highest"]

Recommender = Callable[..., int]
PYTHON_RECOMMENDERS: dict[str, Recommender] = {}


def register_recommender(name: str, recommender: Recommender) -> None:
    """Make a Python recommender ``f(x, y, view) -> z`` available as ``recommender=name``."""
    if name in BUILT_IN:
        raise UsageError(f"recommender name '{name}' is taken by a built-in one")
    PYTHON_RECOMMENDERS[name] = recommender


def resolve(name: str) -> int | Recommender:
    """The kernel code of a built-in recommender, or the Python callable ``name`` refers to."""
    if name in BUILT_IN:
        return BUILT_IN[name]
    if name in PYTHON_RECOMMENDERS:
        return PYTHON_RECOMMENDERS[name]
    if name.endswith(POLICY_SUFFIX):
        from polislab.models.coevolution.policy import policy_recommender

        return policy_recommender(name)
    if ":" not in name:
        allowed = ", ".join(list(BUILT_IN) + list(PYTHON_RECOMMENDERS))
        raise UsageError(f"unknown recommender '{name}'; allowed: {allowed}, path/to/policy.pt, or module:attribute")
    found = import_attribute(name, "recommender")
    if not callable(found):
        raise UsageError(f"recommender '{name}' is a {type(found).__name__}, not a callable")
    return found
