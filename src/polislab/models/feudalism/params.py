"""Parameters of the land-corn-labour world (seed 001, chapter 3 "Social graph: emergent feudalism")."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from polislab.core.machine import MemoryNeed
from polislab.core.params import Params

MAX_MOVES = 32


class FeudalismParams(Params):
    """Agents own land, corn and labour and hold ``ties`` outward social ties, each of a context
    (an integer type, ``contexts`` of them). Each turn a uniformly random agent plays its
    meta-game: it harvests and eats (eating nothing, half or all of its corn), does nothing, or
    starts an encounter over one of its ties; then its body takes a timestep (labour back to 1,
    hunger up by 1). In an encounter the other moves first; moves are give land (1 unit), give
    corn (``corn_gift``), give labour (1 unit), hit, say 0, say 1, goodbye; it ends when a goodbye
    answers a goodbye, when the first move is goodbye (the other declined), or after
    ``max_moves``.

    Where seed 001 is silent, our choices (each a parameter): wellbeing of a turn is
    ln(1 + eaten / production) - ``hunger_weight`` x hunger - ``hit_pain`` per hit taken, where
    eating takes eaten / ``meal`` units of hunger away (not below 0) and each body step adds one,
    so an agent alone does best eating its whole harvest every turn: ln 2 - hunger_weight per turn
    (a harvest is two meals, so a hungry agent can recover); a tie is
    replaced when its value falls ``replace_margin`` below the agent's best game alone, after
    ``replace_after`` encounters over it; learning is tabular (see ``kernels``).
    """

    agents: int = Field(200, ge=2, le=1_000_000, description="population size")
    ties: int = Field(4, ge=0, le=64, description="outward social ties per agent (0: no encounters)")
    contexts: int = Field(2, ge=1, le=16, description="tie contexts (integer types)")
    graph: Literal["random", "complete"] = Field(
        "random", description="start: random ties, or (few agents) a tie to every other agent, lost only by attrition")
    warmup: int = Field(50, ge=0, le=100_000, description="turns per agent alone (learning to feed itself) before the "
                        "ties are made")
    turns: int = Field(200_000, ge=1, le=10**10, description="meta-game turns (one agent each) to run")
    production: float = Field(100.0, gt=0, description="corn harvested per unit of min(land, labour)")
    meal: float = Field(50.0, gt=0, description="corn that takes one unit of hunger away")
    corn_gift: float = Field(50.0, gt=0, description="corn moved by one 'give corn' (or all the giver has, if less)")
    hunger_weight: float = Field(0.25, ge=0, description="wellbeing lost per unit of hunger each turn")
    hunger_cap: float = Field(10.0, gt=0, description="hunger stops rising here")
    hit_pain: float = Field(1.0, ge=0, description="wellbeing lost by an agent hit with a stick")
    hit_cost: float = Field(0.1, ge=0, description="wellbeing lost by the hitter (the effort of a blow)")
    max_moves: int = Field(10, ge=2, le=MAX_MOVES, description="an encounter ends after this many moves")
    discount: float = Field(0.9, ge=0, lt=1, description="meta-game discount per turn")
    initiation_discount: float = Field(0.95, gt=0, le=1,
                                       description="factor on an encounter's value when choosing it (seed 001, 3.1)")
    learning_rate: float = Field(0.1, gt=0, le=1, description="alpha of every Q-update")
    exploration: float = Field(0.05, ge=0, le=1, description="initial probability of a random choice")
    exploration_decay: float = Field(0.999, gt=0, le=1, description="factor per decision of the agent")
    exploration_floor: float = Field(0.01, ge=0, le=1, description="lowest exploration probability")
    move_exploration: float | None = Field(None, ge=0, le=1, description="chance of a random move in an encounter; "
                                           "None: the agent's exploration, as in the meta-game")
    initial_q: float | None = Field(None, description="Q-value of an encounter move never learnt; None: the value "
                                    "of the agent's own goods after the move, when the tie is made")
    imitation: float = Field(0.5, ge=0, le=1, description="weight of the loss of departing from B's empirical policy "
                             "against that of private value (seed 001, 3.1.1: 0 innovator, 1 imitator)")
    imitation_scale: float = Field(1.0, gt=0, description="wellbeing worth one nat of departure from B's policy")
    buffer_size: int = Field(1000, ge=1, le=10_000_000, description="encounters held in the public buffer B")
    buffer_rate: float = Field(0.1, ge=0, le=1, description="chance that an encounter is recorded in B")
    empirical_prior: float = Field(1.0, ge=0, description="pseudo-counts spread over the 7 moves in each state of "
                                   "B's empirical policy (uniform where B is silent)")
    buffer_start: Literal["empty", "sharing"] = Field(
        "empty", description="B at the start: empty, or full of sharing (each gives corn, then goodbye)")
    selfplay: int = Field(10, ge=0, le=10_000, description="self-play encounters against the model of others that "
                          "set up a new tie's Q-function (seed 001, 3.1)")
    selfplay_each: int = Field(0, ge=0, le=100, description="further self-play encounters after each real one")
    other_model: Literal["empirical", "norm-deviant"] = Field(
        "empirical", description="whom self-play meets: the empirical policy fitted to B (3.1.1), or the social norm "
        "with a posterior share of deviants and each acquaintance's own record (3.1.2)")
    deviants: float = Field(0.0, ge=0, le=1, description="share of agents who move uniformly at random in encounters")
    deviance_prior: int = Field(10, ge=0, description="n of the prior (n+1)(n+2) Delta (1-Delta)^n on the share of "
                                "deviants (seed 001, 3.1.2)")
    norm_tremble: float = Field(0.05, gt=0, lt=1, description="chance that a norm follower leaves the norm's move")
    refit_every: int = Field(1000, ge=1, description="turns between fits of the norm and of Delta to B")
    replace_margin: float = Field(2.0, description="a tie goes when its value falls this far below the best game alone")
    replace_after: int = Field(3, ge=1, description="encounters over a tie before it may be replaced")
    walk_stop: float = Field(0.3, gt=0, le=1, description="a new tie's random walk stops with this chance at a free "
                             "agent")
    record_every: int = Field(0, ge=0, description="series resolution in turns; 0: about 100 records")

    @model_validator(mode="after")
    def _check(self) -> FeudalismParams:
        if self.graph == "complete" and self.agents > 64:
            raise ValueError(f"graph=complete ties every pair: at most 64 agents (ties = agents - 1), not {self.agents}")
        if self.graph == "random" and self.ties >= self.agents:
            raise ValueError(f"ties = {self.ties} must be fewer than agents = {self.agents}")
        return self

    @property
    def tie_slots(self) -> int:
        """Outward ties per agent: ``ties``, or everyone else on a complete graph."""
        return self.agents - 1 if self.graph == "complete" else self.ties

    def memory_needed(self, replicates: int = 1) -> MemoryNeed:
        """Two Q-tables of 64 states x 7 moves (float32) per tie, and B's records."""
        per_tie = 2 * 64 * 7 * 4 + 64
        total = self.agents * self.tie_slots * per_tie + self.agents * 4200 + self.buffer_size * (MAX_MOVES + 48)
        return MemoryNeed(replicates * total, f"{self.agents:,} agents with {self.tie_slots} ties each",
                          "use fewer agents or ties")


PRESETS = {
    # sanity (issue 25): no ties, so no encounters: wellbeing is what eating alone gives
    "alone": dict(agents=50, ties=0, turns=100_000),
    # sanity: B starts full of sharing and agents imitate it
    "sharing": dict(agents=200, buffer_start="sharing", imitation=1.0, move_exploration=0.0, empirical_prior=0.0,
                    turns=400_000),
    "innovators": dict(agents=200, imitation=0.0, turns=400_000),
    "imitators": dict(agents=200, imitation=0.9, turns=400_000),
    "deviants": dict(agents=200, deviants=0.2, other_model="norm-deviant", turns=400_000),
    "few": dict(agents=8, graph="complete", turns=100_000),
}
