"""Parameters of the social reinforcement learning opinion model (seed 003; issue 7)."""

from __future__ import annotations

import math

from typing import Literal

from pydantic import Field, model_validator

from polislab.core.graph import check_graph
from polislab.core.machine import MemoryNeed
from polislab.core.params import Params

GRAPHS = ("random-geometric", "random-regular", "erdos-renyi", "complete", "scale-free")


class OpinionParams(Params):
    """Agents learn which of two opinions to express from their neighbours' feedback.

    Sources (seed 003, "How social reinforcement learning can lead to metastable polarisation and
    the voter model"): Meylahn & Meylahn (PLoS ONE 2024) on the model of Banisch & Olbrich
    (J. Math. Sociol. 2019). Defaults from Banisch & Olbrich: n = 100 agents on a random
    geometric graph of radius 0.225 in the unit square, learning rate 0.01, initial Q-values
    uniform in [-0.5, 0.5]. Our choices (marked "ours" below): exploration 0.1 by epsilon-greedy;
    a tie of Q-values keeps the current opinion; a batch is b express-reward-update rounds with
    the same neighbour, whose opinion stays fixed meanwhile; "consensus" means no link joins opposite greedy opinions (on a
    disconnected graph: each component agrees), and by default the geometric graph is redrawn
    until connected.
    """

    n: int = Field(100, ge=2, le=50_000_000, description="agents")
    graph: Literal[GRAPHS] = Field("random-geometric", description="who can give whom feedback")
    radius: float = Field(0.225, gt=0, le=1.5, description="random-geometric: link distance in the unit square")
    k: float = Field(10, gt=0, description="other graphs: mean degree")
    connected: bool = Field(True, description="random-geometric: redraw the points until the graph is connected (ours)")
    dynamics: Literal["learning", "voter"] = Field("learning", description="Q-learning from feedback, or the voter "
                                                   "model (i copies a random neighbour's opinion)")
    learning_rate: float = Field(0.01, gt=0, le=1, description="alpha in Q <- (1 - alpha) Q + alpha r")
    exploration: Literal["epsilon", "softmax"] = Field("epsilon", description="how an agent sometimes expresses "
                                                       "the other opinion")
    epsilon: float = Field(0.1, ge=0, le=1, description="epsilon-greedy: probability of a uniformly random opinion (ours)")
    temperature: float = Field(0.1, gt=0, description="softmax: P(+1) = 1 / (1 + exp(-(Q+ - Q-) / temperature))")
    feedback: Literal["greedy", "expressed"] = Field(
        "greedy", description="the neighbour rewards agreement with its greedy opinion (the original model), or "
        "with the opinion it would express now, exploring too (ergodic when exploring)")
    batch: int = Field(1, ge=1, le=10**6, description="b: express-reward-update rounds with the same "
                       "neighbour per agent update (large b: the voter model)")
    initial_q: float = Field(0.5, ge=0, description="initial Q-values uniform in [-initial_q, initial_q]")
    initial_plus: float | None = Field(None, ge=0, le=1, description="exact initial share of opinion +1 "
                                       "(placed at random); default: whatever the initial Q-values say")
    updates: int = Field(10_000_000, ge=1, le=10**13, description="time limit in agent updates")
    stop_at_consensus: bool = Field(True, description="stop once no link joins opposite opinions")
    records: int = Field(100, ge=2, le=100_000, description="series points, log-spaced in time")
    snapshots: list[int] = Field([], description="update counts at which to store every agent's opinion")

    @model_validator(mode="after")
    def _check(self) -> OpinionParams:
        if any(s < 0 for s in self.snapshots):
            raise ValueError("snapshots are update counts >= 0")
        if self.graph == "complete" and self.n > 20_000:
            raise ValueError(f"graph = complete with n = {self.n} is too large: at most 20000 agents")
        if self.graph != "random-geometric":
            check_graph(self.graph, self.n, self.k)
        return self

    def memory_needed(self, replicates: int = 1) -> MemoryNeed:
        """About 48 bytes per link (measured 40 on random geometric graphs) and 64 per agent. A
        random geometric graph in the unit square links a pair with probability
        p(r) = pi r^2 - 8 r^3 / 3 + r^4 / 2 (r <= 1)."""
        if self.graph == "random-geometric":
            r = min(self.radius, 1.0)
            share = min(1.0, math.pi * r * r - 8 * r ** 3 / 3 + r ** 4 / 2) if self.radius <= 1 else 1.0
            links = self.n * (self.n - 1) / 2 * share
            advice = (f"use a smaller radius (each agent has about n p(r) = {self.n * share:.3g} neighbours) or "
                      "fewer agents")
        else:
            links = self.n * (self.n - 1) / 2 if self.graph == "complete" else self.n * self.k / 2
            advice = "use fewer agents or a smaller k"
        return MemoryNeed(int(replicates * (48 * links + 64 * self.n)), f"n = {self.n:,} agents, {links:.3g} links",
                          advice)

PRESETS = {
    "banisch-olbrich": dict(n=100, radius=0.225, learning_rate=0.01, updates=100_000_000),
    "voter": dict(n=100, radius=0.225, dynamics="voter", updates=100_000_000),
    "ergodic": dict(n=100, radius=0.225, feedback="expressed", learning_rate=0.5, epsilon=0.2,
                    stop_at_consensus=False, updates=10_000_000),
    "million": dict(n=1_000_000, radius=0.003, connected=False, updates=100_000_000, records=20),
}
