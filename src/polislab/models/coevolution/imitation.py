"""The nodes a heuristic recommender could pick at a decision: the teacher's choices when a
ranking module first learns by imitation (ours; seed 002 trains from scratch, section 4.2).

A heuristic recommender (seed 002, sections 3.3-3.4 and Table 3) draws uniformly from a set of
valid nodes: ``random`` from all of them, ``good``/``bad``/``fair`` from the cooperators, the
defectors or the nodes of the focus's strategy, ``local`` from the dropped neighbour's
neighbours, and the degree grid from those of its strategy class of the lowest (highest) valid
degree. That set is the imitation target, so a module that imitates puts its probability on the
whole set rather than on one draw from it; an empty set is the heuristic keeping the link.
"""

from __future__ import annotations

import numpy as np

from polislab.models.coevolution.model import State

STRATEGY_CLASSES = {"random": None, "any": None, "good": 1, "cooperators": 1, "bad": 0, "defectors": 0}
TEACHERS = ("random", "good", "bad", "fair", "local", *(f"{kind}-{end}" for kind in ("defectors", "any", "cooperators")
                                                       for end in ("lowest", "random", "highest")))


def teacher_choices(name: str, state: State, observation: dict) -> np.ndarray:
    """Boolean [N]: the valid nodes heuristic ``name`` draws from at the pending decision."""
    valid = observation["mask"].astype(bool)
    focus = observation["focus"]
    if name == "local":
        neighbours_of_dropped = np.zeros_like(valid)
        neighbours_of_dropped[state.graph.neighbours(int(state.pending[2]))] = True
        return valid & neighbours_of_dropped
    kind, _, by_degree = name.partition("-")
    wanted = state.strategy[focus] if kind == "fair" else STRATEGY_CLASSES[kind]
    chosen = valid if wanted is None else valid & (state.strategy == wanted)
    if by_degree in ("lowest", "highest") and chosen.any():
        degree = state.graph.degree
        extreme = degree[chosen].min() if by_degree == "lowest" else degree[chosen].max()
        chosen = chosen & (degree == extreme)
    return chosen


def heuristic_actions(name: str, seed: int):
    """Heuristic ``name`` as an environment policy ``choose(observations, envs) -> nodes``: a
    uniform draw from its choices (the focus itself, which keeps the link, when it has none), so a
    heuristic and a ranking module can play the same evaluation episodes."""
    rng = np.random.default_rng(seed)

    def choose(observations: list[dict], envs: list) -> list[int]:
        return [draw_from(teacher_choices(name, env.state, observation), observation, rng)
                for observation, env in zip(observations, envs)]

    return choose


def draw_from(choices: np.ndarray, observation: dict, rng: np.random.Generator) -> int:
    """A uniform draw from boolean ``choices``; the focus itself (an invalid answer, which keeps
    the link) when there are none."""
    nodes = np.flatnonzero(choices)
    return int(rng.choice(nodes)) if nodes.size else int(observation["focus"])
