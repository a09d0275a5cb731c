"""The platform run a day at a time for ``polislab view``: ``model.Platform.day`` as ``simulate``
runs it (seed 003, the social media simulation), the follow graph drawn with each user coloured
by opinion (five bins from -1 to 1; influencers, the last ``influencers`` nodes, in black) and the
day's series: opinion moments, echo index, engagement, follower inequality."""

from __future__ import annotations

import numpy as np

from polislab.core.live import ChunkedRun, Picture, drawn_links, live, sample_nodes
from polislab.core.seeding import derived_seed
from polislab.models.platform.model import Platform
from polislab.models.platform.params import PlatformParams

BINS = np.array([-0.6, -0.2, 0.2, 0.6])  # opinion bin edges: five bins over [-1, 1]
LEGEND = [("opinion < -0.6", "#2166ac"), ("-0.6 to -0.2", "#67a9cf"), ("-0.2 to 0.2", "#bdbdbd"),
          ("0.2 to 0.6", "#ef8a62"), ("> 0.6", "#b2182b"), ("influencer", "#000000")]
SERIES = ("mean_opinion", "opinion_variance", "bimodality", "share_extreme", "echo_index", "engagement",
          "follower_gini", "top1_follower_share")


class PlatformRun(ChunkedRun):
    units = "days"

    def __init__(self, params: PlatformParams, seed: int):
        self.params, self.platform = params, Platform(params, seed)
        self.total, self.done = params.days, 0
        self.sample = sample_nodes(params.n, derived_seed(seed, 9))

    def advance(self, units: int) -> None:
        for _ in range(self.left(units)):
            self.platform.day(self.done)
            self.done += 1

    def values(self) -> dict[str, float]:
        if not self.platform.rows:
            return {}
        row = self.platform.rows[-1]
        return {name: float(row[name]) for name in SERIES if name in row}

    def picture(self, links_held: int | None) -> Picture:
        platform, n = self.platform, self.params.n
        codes = np.searchsorted(BINS, platform.opinion).astype(np.uint8)
        codes[platform.crowd:] = len(BINS) + 1
        colors = codes if self.sample is None else codes[self.sample]
        version = self.done  # follows change within a day; the page asks again after each day
        pairs = None
        if links_held is not None and links_held != version:
            follower = np.repeat(np.arange(n), platform.counts)
            followee = platform.followees[np.arange(platform.followees.shape[1]) < platform.counts[:, None]]
            pairs = drawn_links(np.stack([follower, followee], axis=1), n, self.sample)
        note = "who follows whom" + ("" if self.sample is None else
                                     f": a random sample of {len(self.sample):,} of {n:,} users")
        return Picture("graph", colors, LEGEND, pairs, version, note=note)


@live("platform")
def start(params: PlatformParams, seed: int) -> PlatformRun:
    return PlatformRun(params, seed)
