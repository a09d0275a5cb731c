"""A trained ranking module (``polislab.learn.ranking``; seed 002, section 4) as a recommender:
any recommender name ending in ``.pt`` loads the policy file there (``--set
recommender=path/to/policy.pt``), which recommends the argmax of the module's scores over the
valid nodes (seed 002, 4.1: argmax in evaluation). It reads the decision through the
``RecommenderView`` the kernel hands every Python recommender.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch

from polislab.learn.ranking import RankingModule, load_policy


class PolicyRecommender:
    """A trained ranking module as a Python recommender ``f(x, y, view) -> z``."""

    def __init__(self, module: RankingModule, name: str):
        self.module = module
        self.__name__ = name

    def __call__(self, x: int, y: int, view) -> int:
        observation = view.observation(x)
        valid = observation["mask"].astype(bool)
        if not valid.any():
            return -1
        with torch.no_grad():
            scores = self.module(torch.from_numpy(observation["features"]),
                                 torch.from_numpy(observation["edge_index"]), torch.tensor(x)).numpy()
        return int(np.flatnonzero(valid)[np.argmax(scores[valid])])


@functools.lru_cache(maxsize=32)
def _cached(path: str, modified: float) -> PolicyRecommender:
    return PolicyRecommender(load_policy(path)[0], path)


def policy_recommender(path: str) -> PolicyRecommender:
    """The recommender of the policy file at ``path`` (loaded once per file version; that the
    file exists was checked with the name, ``recommenders.check_name``)."""
    return _cached(str(Path(path).resolve()), Path(path).stat().st_mtime)
