"""Parameters of PPO training of a recommender policy (seed 002, section 4.2): the environment
and reward, the ranking module's shape, and PPO's hyper-parameters (``learn.ppo.PPOSettings``).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from polislab.learn.ppo_params import PPOParams
from polislab.models.coevolution.params import PRESETS as ENVIRONMENTS
from polislab.models.coevolution.recommenders import TEACHERS

SHAPE = ("hidden", "width", "layers", "heads", "summary")  # what a policy file must match to be continued


class TrainingParams(PPOParams):
    """One typed configuration for a training run (seed 002, section 4.2): PPO's hyper-parameters
    (``PPOParams``; ``decisions`` are rewiring decisions) and the recommender's environment, reward,
    shape and imitation."""

    environment: str = Field("table4-n10", description="coevolution preset to train on (seed 002, Table 4: "
                             "table4-n10, table4-n30, table4-n100, table4-n500)")
    reward: Literal["coops", "rewires", "coops-change"] = Field(
        "coops", description="coops: aligned, 2 (final cooperators - 0.5); rewires: engagement, requests per "
        "time-limit step; coops-change: coops paid step by step as 2 x the change in cooperators (same ranking)")
    hidden: Literal["mlp", "gat"] = Field("mlp", description="hidden module H of the ranking module (Fig. 8)")
    width: int = Field(32, ge=1, le=1024, description="embedding width")
    layers: int = Field(2, ge=1, le=8, description="layers of the hidden module")
    heads: int = Field(2, ge=1, le=16, description="attention heads per GAT layer (averaged)")
    summary: Literal["sum", "mean"] = Field("sum", description="graph summary h_g of the score module: sum "
                                            "(seed 002, 4.1.1) or mean (one scale at every size)")
    start_from: str | TrainingParams = Field(
        "", description="policy file to continue training from (a curriculum from small to large N), or the "
        "parameters of a training run (seed start_seed), trained first within this run, whose policy to continue "
        "from; its hidden, width, layers, heads and summary must be these")
    start_seed: int = Field(0, ge=0, description="seed of the start_from training run, when start_from is one")
    imitate: Literal[("", *TEACHERS)] = Field(
        "", description="a heuristic recommender to imitate before PPO (ours): its choices are the targets of "
        "the first imitation_decisions decisions, which it plays itself")
    imitation_decisions: int = Field(0, ge=0, le=10**10, description="decisions of imitation before PPO "
                                     "(with imitate)")
    evaluate_on: list[str] = Field(default_factory=list, description="further presets to evaluate the "
                                   "final policy on (Fig. 13), as table4-n30,table4-n100")
    save_to: str = Field("", description="write the trained policy to this file (loads as recommender=PATH)")

    @field_validator("evaluate_on", mode="before")
    @classmethod
    def _split(cls, value):
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("environment")
    @classmethod
    def _known_environment(cls, name: str) -> str:
        if name not in ENVIRONMENTS:
            raise ValueError(f"unknown environment '{name}'; allowed: {', '.join(ENVIRONMENTS)}")
        return name

    @field_validator("evaluate_on")
    @classmethod
    def _known_environments(cls, names: list[str]) -> list[str]:
        for name in names:
            cls._known_environment(name)
        return names

    @field_validator("save_to")
    @classmethod
    def _policy_suffix(cls, path: str) -> str:
        if path and not path.endswith(".pt"):
            raise ValueError(f"save_to '{path}' must end in .pt (how a policy file is recognised)")
        return path

    @model_validator(mode="after")
    def _start_of_the_same_shape(self) -> TrainingParams:
        if isinstance(self.start_from, TrainingParams):
            for name in SHAPE:
                if getattr(self.start_from, name) != getattr(self, name):
                    raise ValueError(f"start_from trains a policy with {name}={getattr(self.start_from, name)}; "
                                     f"allowed: {name}={getattr(self, name)}, the shape of this run's policy")
        return self

    @model_validator(mode="after")
    def _trains_something(self) -> TrainingParams:  # PPOParams's, knowing imitation
        if self.imitation_decisions and not self.imitate:
            raise ValueError(f"imitation_decisions = {self.imitation_decisions} needs imitate (a heuristic "
                             f"recommender: {', '.join(TEACHERS)})")
        if self.updates == 0:
            raise ValueError("decisions = 0 trains nothing; allowed: decisions >= 1, or imitation_decisions >= 1 "
                             "with imitate")
        return self

    @property
    def imitation_updates(self) -> int:
        return math.ceil(self.imitation_decisions / (self.envs * self.rollout)) if self.imitate else 0


PRESETS = {
    f"{hidden}-{reward}-n{n}": dict(environment=f"table4-n{n}", reward=reward, hidden=hidden)
    for n in (10, 30, 100, 500) for hidden in ("mlp", "gat") for reward in ("coops", "rewires")
}
