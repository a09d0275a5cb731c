"""Parameters of the coevolution model (seed 002 sections 2-3; Santos et al. 2006)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from polislab.core.machine import MemoryNeed
from polislab.core.graph import GRAPHS, check_graph
from polislab.core.params import Params
from polislab.models.coevolution.recommenders import check_name


class CoevolutionParams(Params):
    """Names fixed by issue 3 so every user's scripts agree.

    Points the sources leave ambiguous, each a named option with its default:
    - ``contest``: who wins a contested link. ``fitter-wins`` (Santos et al. 2006: the
      dissatisfied x rewires with probability 1/(1 + exp(-beta (f_x - f_y)))) or
      ``as-imitation`` (seed 002's Algorithm .1 reuses the imitation probability p, increasing in
      f_y - f_x).
    - ``structural_sampling``: ``node`` (seed 002: a random node x, then a random neighbour y) or
      ``link`` (Santos et al.: a random link, in a random direction).
    - ``update``: ``asynchronous`` (one node at a time) or ``synchronous`` (W = 0 only: every node
      imitates a random neighbour at once, one generation per step).
    - ``isolation_guard``: refuse a move that would leave the dropped node with no link.
    - ``no_candidate``: when the recommender has no valid node, ``keep`` the link, fall back to
      a ``random`` valid node (of the rewirer's recommender's users, when exclusive), or ``retry``:
      the step does not count and a new update is drawn in its place (a reading of seed 002,
      section 5, whose mixed runs count more rewires than steps; issue 27), up to
      ``retries`` in a row.

    Competition (seed 002, section 5.1): ``mixture`` gives the initial share of users of each
    recommender (exactly, by largest remainders, placed at random). A step is a recommender
    update with probability W2 / (1 + W2), by the same convention that makes 1 / (1 + W) the
    chance of a strategy update (seed 002 defines W2 = t_m / (t_e + t_a)); x then imitates a
    random neighbour's recommender with the Fermi probability at ``beta_med``. Exclusive
    recommenders (the seed's default) offer only their own users.
    """

    n: int = Field(1000, ge=2, le=50_000_000, description="nodes (seed 002: N)")
    k: float = Field(30, gt=0, description="mean degree (Santos et al.: z = 30)")
    beta: float = Field(0.005, ge=0, description="selection intensity in the Fermi rule (seed 002: beta)")
    w: float = Field(1.0, ge=0, allow_inf_nan=True, description="W = T_e / T_a: structural over strategy updates; "
                     "inf: structure only")
    temptation: float = Field(2.0, ge=0, le=2, description="T (seed 002: 0 <= T <= 2)")
    sucker: float = Field(-1.0, ge=-1, le=1, description="S (seed 002: -1 <= S <= 1)")
    reward: float = Field(1.0, description="R (seed 002 normalises R = 1)")
    punishment: float = Field(0.0, description="P (seed 002 normalises P = 0)")
    steps: int = Field(100_000, ge=0, le=10**12, description="time limit in updates")
    graph: Literal[GRAPHS] = Field("random-regular", description="initial graph (Santos et al.: random "
                                   "regular; seed 002: Erdos-Renyi)")
    cooperators: float = Field(0.5, ge=0, le=1, description="initial share: exactly round(share x n) "
                               "cooperators, placed at random")
    recommender: str = Field("local", description="rewiring policy of every node (a built-in name, a "
                             "registered Python recommender, path/to/policy.pt, or module:attribute: imported "
                             "when the run starts)")
    contest: Literal["fitter-wins", "as-imitation"] = Field("fitter-wins", description="who wins a contested link")
    structural_sampling: Literal["node", "link"] = Field("node", description="what a structural update samples")
    update: Literal["asynchronous", "synchronous"] = Field("asynchronous", description="update scheme (synchronous: W = 0)")
    isolation_guard: bool = Field(True, description="refuse moves that would isolate the dropped node")
    no_candidate: Literal["keep", "random", "retry"] = Field("keep", description="when the recommender has no valid "
                                                             "node")
    retries: int = Field(1000, ge=1, description="no_candidate=retry: at most this many updates drawn in a row for "
                         "one step")
    candidate_tries: int = Field(32, ge=1, description="random draws before a recommender scans its candidates")
    record_every: int = Field(0, ge=0, description="record series every this many steps; 0: no series")
    mixture: dict[str, float] | None = Field(None, description="competition: initial share of users per "
                                             "recommender, as local:0.9,good:0.1 (default: all use recommender)")
    w2: float = Field(0.0, ge=0, allow_inf_nan=True, description="W2 = t_m / (t_e + t_a): recommender updates against the others; "
                      "0: none, inf: only those")
    beta_med: float = Field(0.05, ge=0, description="selection intensity of recommender updates (seed 002: 10 beta)")
    exclusive: bool = Field(True, description="a recommender offers only its own users (seed 002, section 5.1)")
    recommender_judge: Literal["neighbour", "users"] = Field(
        "neighbour", description="a recommender update compares the neighbour's fitness with one's own, or the mean "
        "fitness of the two recommenders' users")

    @field_validator("mixture", mode="before")
    @classmethod
    def _read_mixture(cls, value):
        if isinstance(value, str):
            pairs = [part.split(":") for part in value.split(",") if part.strip()]
            if any(len(pair) != 2 for pair in pairs):
                raise ValueError(f"write the mixture as name:share,name:share, not '{value}'")
            return {name.strip(): float(share) for name, share in pairs}
        return value

    @field_validator("mixture")
    @classmethod
    def _check_mixture(cls, mixture):
        if mixture is None:
            return None
        for name, share in mixture.items():
            check_name(name)
            if not 0 <= share <= 1:
                raise ValueError(f"the share of '{name}' is {share}; shares lie in [0, 1]")
        if abs(sum(mixture.values()) - 1) > 1e-6:
            raise ValueError(f"mixture shares add up to {sum(mixture.values()):g}, not 1")
        return mixture

    @field_validator("recommender")
    @classmethod
    def _known_recommender(cls, name: str) -> str:
        return check_name(name)

    @model_validator(mode="after")
    def _check(self) -> CoevolutionParams:
        if self.update == "synchronous" and self.w != 0:
            raise ValueError(f"update 'synchronous' needs w = 0, not {self.w}")
        check_graph(self.graph, self.n, self.k)
        return self

    @property
    def strategy_probability(self) -> float:
        """1 / (1 + W): the chance that an update is a strategy update (seed 002, Algorithm .1)."""
        return 0.0 if math.isinf(self.w) else 1.0 / (1.0 + self.w)

    @property
    def recommender_probability(self) -> float:
        """W2 / (1 + W2): the chance that a step is a recommender update (seed 002, section 5.1)."""
        return 1.0 if math.isinf(self.w2) else self.w2 / (1.0 + self.w2)

    def recommender_shares(self) -> dict[str, float]:
        """The initial share of each recommender (one recommender for everyone without a mixture)."""
        return dict(self.mixture) if self.mixture else {self.recommender: 1.0}

    def memory_needed(self, replicates: int = 1) -> MemoryNeed:
        """About 160 bytes per link (adjacency with room to rewire, link lists; measured 152 on
        complete and Erdos-Renyi graphs) and 256 per node."""
        links = self.n * (self.n - 1) / 2 if self.graph == "complete" else self.n * self.k / 2
        return MemoryNeed(int(replicates * (160 * links + 256 * self.n)),
                          f"n = {self.n:,} nodes, {links:.3g} links", "use a smaller n"
                          + (" or a sparse graph (graph=erdos-renyi with k)" if self.graph == "complete"
                             else " or k"))

# seed 002, Table 4: N, beta, k, time limit; W = 1, (T, S) = (2, -1), Erdos-Renyi graphs
TABLE4 = {
    "table4-n10": dict(n=10, beta=0.1, k=4, steps=1000),
    "table4-n30": dict(n=30, beta=0.005, k=8, steps=10_000),
    "table4-n100": dict(n=100, beta=0.005, k=28, steps=10_000),
    "table4-n500": dict(n=500, beta=0.005, k=30, steps=30_000),
}
PRESETS = {
    # Santos, Pacheco & Lenaerts 2006: N = 1000, z = 30, beta = 0.005, random regular, link sampling
    "santos2006": dict(n=1000, k=30, beta=0.005, graph="random-regular", structural_sampling="link"),
    **{name: dict(values, w=1.0, temptation=2.0, sucker=-1.0, graph="erdos-renyi") for name, values in TABLE4.items()},
}
