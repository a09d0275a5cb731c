"""Elections on the platform: candidates are influencers whose goal is votes, and a pollster may
publish a forecast that voters follow (seed 003, "election candidates"; seed 004 on the platform;
issue 24). The rules are ``PlatformParams``'s docstring.

Every decision period ends with an election among the crowd. Each voter votes sincerely for the
candidate whose stance is nearest its opinion (ties: one of them at random), or, with probability
``bandwagon`` when a forecast was published, for the forecast's leader. The pollster's designs are
the oracle study's (seed 004, "Self-confirming prophecies"): ``deluded`` publishes the mean of
every outcome it has seen; ``counterfactual`` is erased (not published) with probability
``erasure_probability`` and learns the mean of the outcomes of erased elections only, the vote
of a world without its forecast.
"""

from __future__ import annotations

import numpy as np

from polislab.models.platform.params import PlatformParams


def sincere_votes(opinion: np.ndarray, positions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each voter's nearest candidate (ties: one of the nearest, uniformly at random)."""
    distance = np.abs(opinion[:, None] - positions[None, :])
    nearest = distance <= distance.min(axis=1, keepdims=True) + 1e-12
    noise = rng.random(nearest.shape)
    return np.argmax(np.where(nearest, noise, -1.0), axis=1)


def shares(votes: np.ndarray, candidates: int) -> np.ndarray:
    return np.bincount(votes, minlength=candidates) / len(votes)


class Elections:
    """The platform's elections: the pollster's forecast of every candidate's vote share and its
    design's learning, and the record of each election (forecast, published or not, sincere and
    actual shares)."""

    def __init__(self, params: PlatformParams, rng: np.random.Generator):
        self.params, self.rng = params, rng
        k = params.influencers
        self.forecast = rng.dirichlet(np.ones(k))  # our choice: a uniformly random start, as the oracles'
        self.total, self.seen = np.zeros(k), 0
        self.records: dict[str, list] = {"forecast": [], "published": [], "sincere": [], "outcome": []}

    def elect(self, opinion: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Hold one election among voters of ``opinion``; learn from it; return the vote shares."""
        params, k = self.params, len(positions)
        sincere = sincere_votes(opinion, positions, self.rng)
        published = params.poll == "deluded" or (params.poll == "counterfactual"
                                                 and self.rng.random() >= params.erasure_probability)
        votes = sincere
        if published and params.bandwagon > 0:
            leader = int(np.argmax(self.forecast))
            votes = np.where(self.rng.random(len(sincere)) < params.bandwagon, leader, sincere)
        outcome = shares(votes, k)
        for name, value in (("forecast", self.forecast.copy()), ("published", published),
                            ("sincere", shares(sincere, k)), ("outcome", outcome)):
            self.records[name].append(value)
        if params.poll == "deluded" or (params.poll == "counterfactual" and not published):
            self.total += outcome
            self.seen += 1
            self.forecast = self.total / self.seen
        return outcome

    def arrays(self) -> dict[str, np.ndarray]:
        return {f"poll_{name}": np.array(values) for name, values in self.records.items()}


def dispersion(positions: np.ndarray, opinion: np.ndarray) -> dict[str, float]:
    """Where candidates stand: their mean distance to the median voter and their spread."""
    median = float(np.median(opinion))
    return {"candidate_distance_to_median": float(np.abs(positions - median).mean()),
            "candidate_spread": float(positions.std()), "median_voter": median}
