"""PPO's hyper-parameters as parameters of a model that trains with it (``learn.ppo``): one
definition for every such model (the recommender of seed 002, the influencer of seed 003).
A model's parameters subclass ``PPOParams`` and add their environment's."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from polislab.core.params import Params


class PPOParams(Params):
    """The ``learn.ppo.PPOSettings`` of a training run, typed and checked. ``decisions`` counts
    environment steps of PPO; a model that imitates first adds its ``imitation_updates``."""

    decisions: int = Field(20_000, ge=0, le=10**10, description="training length in environment steps (decisions) "
                           "of PPO, after any imitation")
    envs: int = Field(8, ge=1, le=4096, description="environments stepped together")
    rollout: int = Field(32, ge=1, le=100_000, description="decisions per environment per update")
    epochs: int = Field(4, ge=1, le=100, description="PPO epochs per update")
    minibatch: int = Field(64, ge=1, description="decisions per gradient step")
    learning_rate: float = Field(3e-3, gt=0, le=1, description="Adam step size")
    gamma: float = Field(1.0, gt=0, le=1, description="discount")
    gae_lambda: float = Field(0.95, ge=0, le=1, description="GAE lambda")
    clip: float = Field(0.2, gt=0, le=1, description="PPO clip epsilon")
    entropy: float = Field(0.01, ge=0, description="entropy bonus coefficient")
    temperature: float = Field(1.0, gt=0, le=100, description="sampling temperature in training: the categorical "
                               "over actions has logits scores / temperature (below 1: sharper; evaluation is argmax)")
    critic: float = Field(0.5, ge=0, description="value loss coefficient")
    max_grad_norm: float = Field(1.0, gt=0, description="gradient norm clip")
    eval_episodes: int = Field(20, ge=1, le=100_000, description="episodes of each evaluation (argmax policy)")
    eval_every: int = Field(5, ge=0, description="evaluate every this many updates; 0: only at the end")
    keep: Literal["final", "best"] = Field(
        "final", description="the policy a run returns: final (after the last update) or best (of the best "
        "evaluation; its final evaluation then runs on fresh episodes, so the choice does not flatter it)")
    checkpoint: str = Field("", description="checkpoint file: written during training, resumed from if present")
    checkpoint_every: int = Field(10, ge=1, description="updates between checkpoints")
    device: str = Field("cpu", description="torch device of the policy, its training and its evaluation: cpu, "
                        "cuda or cuda:N (the environments step on the CPU either way)")

    @field_validator("device")
    @classmethod
    def _known_device(cls, name: str) -> str:
        import torch

        try:
            device = torch.device(name)
        except RuntimeError:
            raise ValueError(f"unknown device '{name}'; allowed: cpu, cuda, cuda:N") from None
        if device.type not in ("cpu", "cuda"):
            raise ValueError(f"device '{name}' is not supported; allowed: cpu, cuda, cuda:N")
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device '{name}' asked for, but torch sees no CUDA GPU here; allowed: cpu")
        return name

    @model_validator(mode="after")
    def _trains_something(self):
        if self.updates == 0:
            raise ValueError("decisions = 0 trains nothing; allowed: decisions >= 1")
        return self

    @property
    def imitation_updates(self) -> int:
        """Updates played by a teacher before PPO (none unless a model imitates)."""
        return 0

    @property
    def updates(self) -> int:
        """Every update of the run: imitation first, then PPO."""
        return self.imitation_updates + math.ceil(self.decisions / (self.envs * self.rollout))
