"""The trade model run a chunk at a time for ``polislab view``: ``model.Market`` (seed 001,
chapter 2) and its series: the mean reward per agent and encounter over the last chunk, and the
shares of the policies the sources name (win-stay-lose-shift, always steal) and of the commonest."""

from __future__ import annotations

import numpy as np

from polislab.core.live import ChunkedRun, Picture, live
from polislab.models.trade.model import ALWAYS_STEAL, WIN_STAY_LOSE_SHIFT, Market, states
from polislab.models.trade.params import TradeParams


class TradeRun(ChunkedRun):
    units = "encounters"

    def __init__(self, params: TradeParams, seed: int):
        self.params, self.market = params, Market(params, seed)
        self.earned, self.met = np.zeros(params.agents), np.zeros(params.agents, dtype=np.int64)
        self.total, self.done, self.converged = params.encounters, 0, False
        self.wellbeing = float("nan")

    def advance(self, units: int) -> None:
        units = self.left(units)
        if units <= 0:
            return
        before = self.earned.sum()
        ran = self.market.run(units, self.done, self.earned, self.met, self.params.stable_encounters)
        self.done += ran
        self.wellbeing = (self.earned.sum() - before) / (2 * max(ran, 1))
        self.converged = ran < units  # fewer than asked: no policy changed for stable_encounters

    def stopped_early(self) -> bool:
        return self.converged

    def values(self) -> dict[str, float]:
        _, policies = self.market.policies(self.params.memory)
        stealing = 1 if states(self.params) == 1 else ALWAYS_STEAL
        return {"mean_wellbeing": self.wellbeing,
                "modal_policy_share": float(np.bincount(policies).max() / len(policies)),
                "share_win_stay_lose_shift": float(np.mean(policies == WIN_STAY_LOSE_SHIFT)),
                "share_stealing": float(np.mean(policies == stealing))}

    def picture(self, links_held: int | None) -> Picture:
        return Picture()


@live("trade")
def start(params: TradeParams, seed: int) -> TradeRun:
    return TradeRun(params, seed)
