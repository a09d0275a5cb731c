"""A rewiring decision as a learner sees it (seed 002, section 4.1.1), without Gymnasium: what
the Gymnasium and PettingZoo environments (``env.py``), a trained policy playing as a recommender
(``policy.py``) and the imitation teacher share.

The kernel pauses at each decision of a Python recommender (``kernels.run`` returns
``NEEDS_DECISION``). The observation is the decision: the focused node (the rewirer), the links as
an edge index (both directions; links move but never appear or vanish, so its shape is fixed),
node features (strategy, degree divided by the maximum degree; seed 002, 4.1.1) and an action
mask (not the focused node, not its neighbours, and with exclusive recommenders only their own
users).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from polislab.models.coevolution import kernels
from polislab.models.coevolution import recommenders as rec

if TYPE_CHECKING:
    from polislab.models.coevolution.model import State

FEATURES = 2  # strategy, degree / max degree


def observe(state: State, focus: int) -> dict:
    """The decision of ``focus`` as the policy sees it (seed 002, 4.1.1)."""
    graph = state.graph
    degree = graph.degree
    n = len(state.strategy)
    features = np.empty((n, FEATURES), dtype=np.float32)
    features[:, 0] = state.strategy
    features[:, 1] = degree / max(int(degree.max()), 1)
    owner = graph.owner  # half-edge h points from owner[h] to owner[h ^ 1]
    edge_index = np.empty((2, len(owner)), dtype=np.int64)
    edge_index[0] = owner
    edge_index[1, 0::2], edge_index[1, 1::2] = owner[1::2], owner[0::2]
    mask = (state.group == state.group[focus]).astype(np.int8)  # exclusive recommenders offer their own users
    mask[focus] = 0
    mask[graph.neighbours(focus)] = 0
    return {"features": features, "edge_index": edge_index, "focus": int(focus), "mask": mask}


def next_decision(state: State, steps: int) -> dict | None:
    """Run the kernel to the next decision with something to recommend and observe it; None when
    the episode ends first. A decision with nothing to offer (the focused node links to everyone
    it may) is answered 'none' without asking."""
    while kernels.run(steps, *state.kernel_arguments()) == kernels.NEEDS_DECISION:
        focus = int(state.pending[1])
        observation = observe(state, focus)
        if observation["mask"].any():
            return observation
        state.resolve(-1)
    return None


def teacher_choices(name: str, state: State, observation: dict) -> np.ndarray:
    """Boolean [N]: the valid nodes built-in recommender ``name`` draws from at the pending
    decision (``recommenders.choices``): the targets when a ranking module imitates it."""
    return rec.choices(name, observation["mask"].astype(bool), observation["focus"], state.strategy,
                       state.graph.degree, state.graph.neighbours(int(state.pending[2])))
