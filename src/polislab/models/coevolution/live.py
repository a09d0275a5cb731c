"""The coevolution model run a chunk at a time for ``polislab view``: the same state, kernel and
series as ``model.simulate`` (seed 002, Algorithm .1), the graph coloured by strategy, or by
recommender when recommenders compete (seed 002, section 5)."""

from __future__ import annotations

import numpy as np

from polislab.core.graph import degree_variance
from polislab.core.live import ChunkedRun, Picture, drawn_links, live, sample_nodes
from polislab.core.seeding import derived_seed, rng
from polislab.models.coevolution import kernels
from polislab.models.coevolution.model import RecommenderView, advance, initial_state, share_column
from polislab.models.coevolution.params import CoevolutionParams

STRATEGY_LEGEND = [("defector", "#d62728"), ("cooperator", "#1f77b4")]
SLOT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]


class CoevolutionRun(ChunkedRun):
    units = "steps"

    def __init__(self, params: CoevolutionParams, seed: int):
        self.params = params
        self.state = initial_state(params, seed)
        self.view = RecommenderView(self.state, rng(seed, 4)) if self.state.python else None
        self.total = params.steps
        self.sample = sample_nodes(params.n, derived_seed(seed, 9))
        self.competing = len(self.state.slot_names) > 1

    @property
    def done(self) -> int:
        return int(self.state.counters[kernels.STEP])

    def stopped_early(self) -> bool:
        return self.state.counters[kernels.ABSORBED_AT] >= 0

    def advance(self, units: int) -> None:
        state, target = self.state, self.done + self.left(units)
        if self.params.update == "synchronous":
            kernels.synchronous_generations(target - self.done, state.rng, state.graph.arrays(), state.strategy,
                                            state.payoff, self.params.beta, state.counters)
        else:
            advance(state, target, self.view)
        if self.done < target:  # absorbed before the target: as simulate does, let the kernel mark it
            kernels.run(self.total, *state.kernel_arguments())

    def values(self) -> dict[str, float]:
        counters, graph = self.state.counters, self.state.graph
        values = {"cooperators": counters[kernels.COOPERATORS] / self.params.n,
                  "heterogeneity": degree_variance(graph), "max_degree": float(graph.degree.max()),
                  "rewires": float(counters[kernels.REWIRES])}
        if self.competing:
            for name, count in zip(self.state.slot_names, self.state.slot_counts):
                values[share_column(name)] = count / self.params.n
        return values

    def picture(self, links_held: int | None) -> Picture:
        state = self.state
        if self.competing:
            codes = state.slot
            legend = [(name, SLOT_COLOURS[i % len(SLOT_COLOURS)]) for i, name in enumerate(state.slot_names)]
        else:
            codes, legend = state.strategy, STRATEGY_LEGEND
        colors = codes if self.sample is None else codes[self.sample]
        version = int(state.counters[kernels.REWIRES])  # the links change only by rewiring
        fresh = links_held is not None and links_held != version
        pairs = drawn_links(state.graph.edges(), self.params.n, self.sample) if fresh else None
        note = "" if self.sample is None else f"a random sample of {len(self.sample):,} of {self.params.n:,} nodes"
        return Picture("graph", colors.astype(np.uint8), legend, pairs, version, note=note)


@live("coevolution")
def start(params: CoevolutionParams, seed: int) -> CoevolutionRun:
    return CoevolutionRun(params, seed)
