"""Recommenders (rewiring policies): map (focused node x, dropped neighbour y) to a new
neighbour z, never x or a current neighbour of x (seed 002, sections 3.3-3.4).

Every built-in recommender is one row of ``TABLE``: its name, its kernel code, and what it draws
from, which says both which branch of the compiled ``recommend.recommend`` serves it and which
set of nodes the numpy reference ``choices`` returns (the imitation teacher's targets):
``null`` (no rewiring), ``local`` (seed 002's NO_MED, Santos et al.'s rule: a random
neighbour of y), ``random``, ``good`` (a random cooperator), ``bad`` (a random defector), ``fair``
(a random node with x's strategy) and Table 3's grid {defectors, any, cooperators} x {lowest,
random, highest degree}, ties broken at random. Adding a compiled recommender that draws from
such a set is one row; one that draws otherwise is a row and a kernel function.

A Python callable ``f(x, y, view) -> z`` may be registered by name (``register_recommender``) or
named as ``module:attribute`` (imported when the run starts: it runs the user's own code, like any
Python import), and a trained policy by its file, ``path/to/policy.pt`` (seed 002, section 4); the
kernel then pauses at each of their decisions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from polislab.core.errors import UsageError
from polislab.core.plugins import import_attribute

# what a recommender draws from (the kernel's branches)
NOTHING, NEIGHBOURS_OF_DROPPED, ANY_NODE, STRATEGY_SET, BY_DEGREE = range(5)
DEFECTORS, COOPERATORS, EITHER, FOCUS_STRATEGY = 0, 1, -1, -2  # the strategy a recommender wants
PYTHON = 100  # codes from here on: Python callables, in the order they are given
POLICY_SUFFIX = ".pt"  # a trained policy file (policy.py) loads as a recommender


@dataclass(frozen=True)
class BuiltIn:
    """A compiled recommender: a uniform draw from the valid nodes of ``draws`` that have strategy
    ``wanted``, of the lowest (``highest`` False) or highest valid degree when ``draws`` is BY_DEGREE."""

    name: str
    code: int
    draws: int
    wanted: int = EITHER
    highest: bool = False
    alias_of: str = ""  # a second name for another row's recommender (Table 3's x-random column)


TABLE = (
    BuiltIn("null", 0, NOTHING),
    BuiltIn("local", 1, NEIGHBOURS_OF_DROPPED),
    BuiltIn("random", 2, ANY_NODE),
    BuiltIn("good", 3, STRATEGY_SET, COOPERATORS),
    BuiltIn("bad", 4, STRATEGY_SET, DEFECTORS),
    BuiltIn("fair", 5, STRATEGY_SET, FOCUS_STRATEGY),
    BuiltIn("defectors-lowest", 6, BY_DEGREE, DEFECTORS),
    BuiltIn("defectors-random", 4, STRATEGY_SET, DEFECTORS, alias_of="bad"),
    BuiltIn("defectors-highest", 7, BY_DEGREE, DEFECTORS, highest=True),
    BuiltIn("any-lowest", 8, BY_DEGREE),
    BuiltIn("any-random", 2, ANY_NODE, alias_of="random"),
    BuiltIn("any-highest", 9, BY_DEGREE, highest=True),
    BuiltIn("cooperators-lowest", 10, BY_DEGREE, COOPERATORS),
    BuiltIn("cooperators-random", 3, STRATEGY_SET, COOPERATORS, alias_of="good"),
    BuiltIn("cooperators-highest", 11, BY_DEGREE, COOPERATORS, highest=True),
)
BY_NAME = {row.name: row for row in TABLE}
BUILT_IN = {row.name: row.code for row in TABLE}
HEURISTICS = [row.name for row in TABLE if not row.alias_of]  # the 12 distinct recommenders
TEACHERS = tuple(row.name for row in TABLE if row.draws != NOTHING)  # what a ranking module may imitate
NULL = BUILT_IN["null"]
DEGREE_BASED = {row.code for row in TABLE if row.draws == BY_DEGREE}
_ROWS = {row.code: row for row in TABLE if not row.alias_of}
# the table by code, as the compiled kernel reads it (tuples are constants to numba)
DRAWS = tuple(_ROWS[code].draws for code in range(len(_ROWS)))
WANTED = tuple(_ROWS[code].wanted for code in range(len(_ROWS)))
HIGHEST = tuple(_ROWS[code].highest for code in range(len(_ROWS)))

Recommender = Callable[..., int]
PYTHON_RECOMMENDERS: dict[str, Recommender] = {}


def register_recommender(name: str, recommender: Recommender) -> None:
    """Make a Python recommender ``f(x, y, view) -> z`` available as ``recommender=name``."""
    if name in BUILT_IN:
        raise UsageError(f"recommender name '{name}' is taken by a built-in one")
    PYTHON_RECOMMENDERS[name] = recommender


def check_name(name: str) -> str:
    """``name`` if it can name a recommender; a one-line error otherwise. Imports nothing: a
    ``module:attribute`` is imported, and a policy file read, when the run starts (``resolve``)."""
    if name in BUILT_IN or name in PYTHON_RECOMMENDERS:
        return name
    if name.endswith(POLICY_SUFFIX):
        if not Path(name).is_file():
            raise UsageError(f"recommender policy file '{name}' does not exist")
        return name
    if ":" not in name:
        allowed = ", ".join(list(BUILT_IN) + list(PYTHON_RECOMMENDERS))
        raise UsageError(f"unknown recommender '{name}'; allowed: {allowed}, path/to/policy.pt, or module:attribute")
    return name


def resolve(name: str) -> int | Recommender:
    """The kernel code of a built-in recommender, or the Python callable ``name`` refers to."""
    check_name(name)
    if name in BUILT_IN:
        return BUILT_IN[name]
    if name in PYTHON_RECOMMENDERS:
        return PYTHON_RECOMMENDERS[name]
    if name.endswith(POLICY_SUFFIX):
        # torch is imported only when a run uses a policy file (policy.py imports no other module of this package)
        from polislab.models.coevolution.policy import policy_recommender

        return policy_recommender(name)
    found = import_attribute(name, "recommender")
    if not callable(found):
        raise UsageError(f"recommender '{name}' is a {type(found).__name__}, not a callable")
    return found


def choices(name: str, valid: np.ndarray, focus: int, strategy: np.ndarray, degree: np.ndarray,
            dropped_neighbours: np.ndarray) -> np.ndarray:
    """Boolean [N]: the nodes built-in recommender ``name`` draws from (numpy; the reference the
    compiled kernel's draws follow and the targets of imitation), given the ``valid`` new
    neighbours of ``focus`` and the neighbours of the dropped node."""
    row = BY_NAME[name]
    if row.draws == NOTHING:
        return np.zeros_like(valid)
    if row.draws == NEIGHBOURS_OF_DROPPED:
        near = np.zeros_like(valid)
        near[dropped_neighbours] = True
        return valid & near
    wanted = strategy[focus] if row.wanted == FOCUS_STRATEGY else row.wanted
    chosen = valid if wanted == EITHER else valid & (strategy == wanted)
    if row.draws == BY_DEGREE and chosen.any():
        extreme = degree[chosen].max() if row.highest else degree[chosen].min()
        chosen = chosen & (degree == extreme)
    return chosen
