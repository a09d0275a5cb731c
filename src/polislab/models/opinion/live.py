"""The opinion model run a chunk at a time for ``polislab view``: ``model.Dynamics`` on the run's
graph (seed 003), agents coloured by their greedy opinion; a random geometric graph is drawn at
its own positions, any other graph is laid out by the page."""

from __future__ import annotations

import numpy as np

from polislab.core.live import ChunkedRun, Picture, drawn_links, live, sample_nodes
from polislab.core.seeding import derived_seed
from polislab.models.opinion.model import Dynamics, build_graph, initial_state
from polislab.models.opinion.params import OpinionParams

LEGEND = [("opinion -1", "#d62728"), ("opinion +1", "#1f77b4")]


class OpinionRun(ChunkedRun):
    units = "updates"

    def __init__(self, params: OpinionParams, seed: int):
        positions, offsets, neighbours = build_graph(params, seed)
        q, opinion = initial_state(params, seed)
        self.params = params
        self.dynamics = Dynamics(params, offsets, neighbours, q, opinion, seed)
        self.total = params.updates
        self.sample = sample_nodes(params.n, derived_seed(seed, 9))
        heads = np.repeat(np.arange(params.n), np.diff(offsets))
        edges = np.stack([heads, neighbours], axis=1)
        self.links = drawn_links(edges[heads < neighbours], params.n, self.sample)
        self.positions = None
        if positions is not None:
            kept = positions if self.sample is None else positions[self.sample]
            self.positions = np.ascontiguousarray(kept, dtype=np.float32)

    @property
    def done(self) -> int:
        return self.dynamics.t

    def stopped_early(self) -> bool:
        return self.dynamics.stopped

    def advance(self, units: int) -> None:
        self.dynamics.advance(self.left(units))

    def values(self) -> dict[str, float]:
        return self.dynamics.values()

    def picture(self, links_held: int | None) -> Picture:
        opinion = self.dynamics.opinion
        colors = opinion if self.sample is None else opinion[self.sample]
        note = "" if self.sample is None else f"a random sample of {len(self.sample):,} of {self.params.n:,} agents"
        fresh = links_held is not None and links_held != 0  # the graph never changes: version 0
        return Picture("graph", colors.astype(np.uint8), LEGEND, self.links if fresh else None, 0,
                       self.positions if fresh else None, note=note)


@live("opinion")
def start(params: OpinionParams, seed: int) -> OpinionRun:
    return OpinionRun(params, seed)
