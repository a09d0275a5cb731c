"""Feed rankers of the platform: the built-in ones (``RANKERS``, compiled branches of the
kernel) and rankers written in Python as a score function (issue 23: "any Python callable, by name
or module:attribute like the coevolution recommenders").

A score function ``score(reader_opinion, stance, likes, age_days, author_followers) -> float``
rates one candidate post for one reader: the reader's opinion, the post's stance, the likes it has
had, its age in platform days and its author's follower count. The feed is the ``feed_size``
best-scored candidates (ties: the newer), drawn, as for the built-in rankers but random, from the
followees' last posts and ``discover`` recent posts of anyone. The function is compiled by numba
into the platform's loop, so it keeps the loop's speed; it must therefore be plain arithmetic on
its five numbers (``math`` functions allowed). Register one by name with ``register_ranker`` or
name it as ``module:attribute``: imported, compiled and tried once when the run starts (it runs the
user's own code, like any Python import), and refused in one line if numba cannot compile it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from polislab.core.errors import UsageError
from polislab.core.plugins import import_attribute
from polislab.models.platform.kernels import CUSTOM

RANKERS = ("chronological", "popularity", "engagement", "bridging", "random")
BUILT_IN = {name: code for code, name in enumerate(RANKERS)}
Score = Callable[[float, float, float, float, float], float]
PYTHON_RANKERS: dict[str, Score] = {}


def register_ranker(name: str, score: Score) -> None:
    """Make the score function ``score`` available as ``ranker=name``."""
    if name in BUILT_IN:
        raise UsageError(f"ranker name '{name}' is taken by a built-in one")
    PYTHON_RANKERS[name] = score


def hot(reader_opinion: float, stance: float, likes: float, age_days: float, author_followers: float) -> float:
    """Likes discounted by age, as Hacker News ranks stories: likes / (age + 2 hours)^1.8, with a
    day of 24 hours (a registered Python ranker: ``ranker=hot``)."""
    return likes / math.pow(24.0 * age_days + 2.0, 1.8)


register_ranker("hot", hot)


def check_name(name: str) -> str:
    """``name`` if it can name a ranker; a one-line error otherwise. Imports nothing: a
    ``module:attribute`` is imported when the run starts (``resolve``)."""
    if name in BUILT_IN or name in PYTHON_RANKERS or ":" in name:
        return name
    allowed = ", ".join(list(BUILT_IN) + list(PYTHON_RANKERS))
    raise UsageError(f"unknown ranker '{name}'; allowed: {allowed}, or module:attribute naming a score function")


_COMPILED: dict[Score, Callable] = {}


def resolve(name: str) -> tuple[int, Callable | None]:
    """The kernel's ranker code and, for a Python ranker, its compiled score function."""
    check_name(name)
    if name in BUILT_IN:
        return BUILT_IN[name], None
    score = PYTHON_RANKERS[name] if name in PYTHON_RANKERS else import_attribute(name, "ranker")
    if not callable(score):
        raise UsageError(f"ranker '{name}' is a {type(score).__name__}, not a score function")
    if score not in _COMPILED:
        _COMPILED[score] = _compile(name, score)
    return CUSTOM, _COMPILED[score]


def _compile(name: str, score: Score) -> Callable:
    """``score`` compiled by numba and tried once on a typical post; one line if it cannot be."""
    from numba import njit
    from numba.core.registry import CPUDispatcher

    compiled = score if isinstance(score, CPUDispatcher) else njit(score)
    try:
        value = compiled(0.0, 0.5, 3.0, 1.0, 10.0)
    except Exception as error:  # noqa: BLE001 - numba's typing errors are many pages: one line says it
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UsageError(f"ranker '{name}' failed when compiled by numba and tried (score(reader_opinion, stance, likes, "
                         f"age_days, author_followers) must be arithmetic on numbers): {type(error).__name__}: {first}") from None
    if not isinstance(value, (int, float)):
        raise UsageError(f"ranker '{name}' returned a {type(value).__name__}, not a number")
    return compiled
