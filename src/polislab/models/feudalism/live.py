"""The land-corn-labour world run a chunk of turns at a time for ``polislab view``:
``model.Feudal`` (seed 001, chapter 3), the tie graph drawn with each agent coloured by its land
against the mean (landless, under half, about the mean, over twice: the lords), deviants in black,
and the series ``simulate`` records."""

from __future__ import annotations

import numpy as np

from polislab.core.live import ChunkedRun, Picture, drawn_links, live, sample_nodes
from polislab.core.seeding import derived_seed
from polislab.models.feudalism import kernels as k
from polislab.models.feudalism.model import Feudal
from polislab.models.feudalism.params import FeudalismParams

LEGEND = [("landless", "#d62728"), ("under half the mean land", "#ff9896"), ("about the mean", "#bdbdbd"),
          ("over twice the mean", "#1f77b4"), ("deviant", "#000000")]


class FeudalismRun(ChunkedRun):
    units = "turns"

    def __init__(self, params: FeudalismParams, seed: int):
        self.params, self.feudal = params, Feudal(params, seed)
        self.total = params.turns
        self.sample = sample_nodes(params.agents, derived_seed(seed, 9))
        self.row: dict[str, float] = {}

    @property
    def done(self) -> int:
        return self.feudal.ran

    def advance(self, units: int) -> None:
        units = self.left(units)
        if units > 0:
            self.row = self.feudal.run(units)

    def values(self) -> dict[str, float]:
        return {name: float(value) for name, value in self.row.items()}

    def picture(self, links_held: int | None) -> Picture:
        n, world = self.params.agents, self.feudal.world
        land = world[0][:n]
        mean = max(float(land.mean()), 1e-9)
        codes = np.select([land < 1.0, land < 0.5 * mean, land <= 2 * mean], [0, 1, 2], 3).astype(np.uint8)
        codes[world[4][:n].astype(bool)] = 4
        colors = codes if self.sample is None else codes[self.sample]
        version = int(self.feudal.counts[k.C_REPLACED])  # ties change only when one is replaced
        pairs = None
        if links_held is not None and links_held != version:
            tie_dst, slots = world[7], int(world[16][0])
            owners = np.repeat(np.arange(n), slots)
            live_ties = tie_dst >= 0
            pairs = drawn_links(np.stack([owners[live_ties], tie_dst[live_ties]], axis=1), n, self.sample)
        return Picture("graph", colors, LEGEND, pairs, version, note="ties between agents")


@live("feudalism")
def start(params: FeudalismParams, seed: int) -> FeudalismRun:
    return FeudalismRun(params, seed)
