"""Parameters of the trade model (seed 001, chapter 2; issue 5 gives the reference defaults)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from polislab.core.machine import MemoryNeed
from polislab.core.params import Params


class TradeParams(Params):
    """Agents meet in uniformly random ordered pairs and move at once: trade (0) or steal (1).

    Defaults are the source's reference implementation (issue 5): discount 0.99, exploration
    0.25 decaying by a factor 0.9999999 per action to a floor of 0.0025, learning rate 0.001 with
    the bias-corrected step. Memory variants: ``none`` (one state); ``partner`` (the last moves
    with each partner); ``own-last`` (the agent's own last game with anyone); ``friends`` (the last
    moves with up to ``friends`` acquaintances, others are strangers; ``remember`` = ``first``
    keeps the first n met, as the source's text says, ``last`` the last n met, first in first out,
    as its code does). States are numbered 2 x my last move + your last move (0 TT, 1 TS, 2 ST,
    3 SS) and 4 for a stranger; a policy is numbered sum_s action(s) 2^s over states 0-3, as in
    the source (win-stay, lose-shift is 6; tit-for-tat 10; always steal 15).
    Our choices: Q-updates happen at once (the source defers them to the next meeting), toward
    the state that agent will be in at its next meeting with this partner.
    """

    agents: int = Field(2, ge=2, le=100_000, description="population size")
    memory: Literal["none", "partner", "own-last", "friends"] = Field("partner", description="what an agent remembers")
    friends: int = Field(3, ge=1, description="friends memory: how many acquaintances are remembered")
    remember: Literal["first", "last"] = Field("last", description="friends memory: the first n met, or the last n")
    encounters: int = Field(10_000_000, ge=1, le=10**11, description="encounters (ordered pairs) to run")
    rewards: list[float] = Field([3.0, 0.0, 4.0, 1.0], description="wellbeing for TT, TS, ST, SS (seed 001, Table 2.1)")
    discount: float = Field(0.99, ge=0, lt=1, description="gamma")
    learning_rate: float = Field(0.001, gt=0, le=1, description="alpha")
    bias_corrected: bool = Field(True, description="step alpha / (1 - (1 - alpha)^n(s, a))")
    exploration: float = Field(0.25, ge=0, le=1, description="initial probability of a random action")
    exploration_decay: float = Field(0.9999999, gt=0, le=1, description="factor per action")
    exploration_floor: float = Field(0.0025, ge=0, le=1, description="lowest exploration probability")
    initial_q: float = Field(0.0, description="initial Q-values (optimistic if large)")
    initial_policies: list[int] | None = Field(
        None, description="policy numbers 0-15 imprinted at the start: one for all agents, or one per agent")
    imprint_q: float = Field(400.0, description="Q of an imprinted action (the source uses 4 / (1 - gamma))")
    imprint_weight: int = Field(1000, ge=0, description="pseudo-updates behind an imprint, so the bias "
                                "correction does not erase it at once")
    ties: Literal["lowest", "sticky"] = Field(
        "lowest", description="greedy ties go to trade (lowest), or an action is kept until another is strictly "
        "better (sticky, the source code's rule)")
    arithmetic: Literal["float64", "float32"] = Field("float64", description="Q-values kept in 64 or 32 bits (the "
                                                      "source code's float)")
    frozen: int = Field(0, ge=0, description="the last this-many agents never learn nor explore")
    stable_encounters: int = Field(0, ge=0, description="stop once no agent's policy changed for this many "
                                   "encounters (0: run them all)")
    record_every: int = Field(0, ge=0, description="series resolution in encounters; 0: about 200 records")

    @model_validator(mode="after")
    def _check(self) -> TradeParams:
        if len(self.rewards) != 4:
            raise ValueError(f"rewards must list 4 values (TT, TS, ST, SS), not {len(self.rewards)}")
        if self.initial_policies is not None:
            if len(self.initial_policies) not in (1, self.agents):
                raise ValueError(f"initial_policies needs 1 or {self.agents} policy numbers")
            if any(not 0 <= p <= 15 for p in self.initial_policies):
                raise ValueError("policy numbers run from 0 to 15")
        if self.frozen >= self.agents:
            raise ValueError(f"frozen = {self.frozen} must leave at least one learning agent")
        return self

    def memory_needed(self, replicates: int = 1) -> MemoryNeed:
        """memory=partner keeps the state of every ordered pair of agents (1 byte each; measured
        1.08 per agents^2 at 30,000 agents); the other memories a few hundred bytes per agent."""
        pairs = self.agents ** 2 if self.memory == "partner" else 0
        return MemoryNeed(replicates * (pairs + 512 * self.agents),
                          f"{self.agents:,} agents" + (", a remembered state per pair of them" if pairs else ""),
                          "use memory=friends (n remembered acquaintances) or fewer agents" if pairs
                          else "use fewer agents")

PRESETS = {
    "zero-memory": dict(memory="none", agents=2, encounters=2_000_000),
    "two-agents": dict(memory="partner", agents=2, encounters=50_000_000),
    # the learning of the source's code (danftang/NumericalPolitics, src/Experiment1.cpp and
    # src/abm/QTablePolicy.h): constant alpha 0.01, no bias correction, an imprint of Q = 400 on the
    # policy's actions and 0 elsewhere with no pseudo-updates behind it, exploration 0.25 decaying
    # by 0.9999999 per action with no floor, at most 40 million steps (issue 27)
    "experiment1-source": dict(memory="partner", agents=2, encounters=40_000_000, stable_encounters=2_000_000,
                               learning_rate=0.01, bias_corrected=False, imprint_weight=0, exploration_floor=0.0),
    # with exploration 0.01 throughout, the value QTablePolicy.h keeps commented out as DEFAULT_EXPLORATION
    "experiment1-source-constant": dict(memory="partner", agents=2, encounters=40_000_000, stable_encounters=2_000_000,
                                        learning_rate=0.01, bias_corrected=False, imprint_weight=0, exploration=0.01,
                                        exploration_decay=1.0, exploration_floor=0.0),
    # and its tie rule (a best action kept until another is strictly greater) and 32-bit Q-values
    "experiment1-source-exact": dict(memory="partner", agents=2, encounters=40_000_000, stable_encounters=2_000_000,
                                     learning_rate=0.01, bias_corrected=False, imprint_weight=0, exploration_floor=0.0,
                                     ties="sticky", arithmetic="float32"),
    "own-last-game": dict(memory="own-last", agents=6, encounters=50_000_000),
    "three-friends": dict(memory="friends", friends=3, agents=6, encounters=50_000_000),
}
