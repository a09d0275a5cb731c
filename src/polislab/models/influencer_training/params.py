"""Parameters of PPO training of an influencer on the platform (seed 003; issue 23): the platform
it learns on, its policy's shape, and PPO's hyper-parameters (``learn.ppo_params.PPOParams``)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field, field_validator, model_validator

from polislab.learn.ppo_params import PPOParams
from polislab.models.platform.params import PRESETS as PLATFORMS


class InfluencerTrainingParams(PPOParams):
    """One influencer on the platform learns by PPO to win followers (Jin & Guo 2024 as seed 003
    summarises it; the paper's learner is tabular Q-learning, which the platform model runs as
    ``influencer_policy=q-learning``). An episode is the platform's ``days``; a decision is one
    ``influencer_period``; the reward the followers gained in it (``platform.env``)."""

    environment: str = Field("influencer", description="platform preset the influencer learns on")
    platform: dict[str, Any] = Field(default_factory=dict, description="platform parameters over the preset, as "
                                     "JSON: {\"n\": 500, \"influencer_observe\": false}")
    width: int = Field(64, ge=1, le=4096, description="units per hidden layer of the policy and the critic")
    layers: int = Field(2, ge=1, le=8, description="hidden layers of the policy and the critic")
    decisions: int = Field(9600, ge=1, le=10**10, description="training length in decisions (decision periods) of "
                           "PPO")
    rollout: int = Field(60, ge=1, le=100_000, description="decisions per environment per update (60: one "
                         "episode of the influencer preset)")
    minibatch: int = Field(120, ge=1, description="decisions per gradient step")
    eval_episodes: int = Field(16, ge=1, le=100_000, description="episodes of each evaluation (argmax policy)")

    @field_validator("platform", mode="before")
    @classmethod
    def _from_json(cls, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise ValueError(f"platform = {value!r} is not JSON; allowed: an object such as "
                                 "{\"n\": 500}") from None
        return value

    @field_validator("environment")
    @classmethod
    def _known_environment(cls, name: str) -> str:
        if name not in PLATFORMS:
            raise ValueError(f"unknown environment '{name}'; allowed: {', '.join(PLATFORMS)}")
        return name

    @model_validator(mode="after")
    def _a_platform_for_one_influencer(self) -> InfluencerTrainingParams:
        from polislab.core.registry import get_model

        values = {**self.platform, "influencers": 1}
        get_model("platform").make_params(values, preset=self.environment)  # its one line if it is not a platform
        if self.checkpoint:
            raise ValueError("checkpoint is not offered for influencer-training: the platform's environments do "
                             "not save their state; allowed: checkpoint=''")
        return self

    def platform_values(self) -> dict[str, Any]:
        return {**self.platform, "influencers": 1}


PRESETS = {"influencer": {}, "influencer-no-self-observation": {"platform": {"influencer_observe": False}}}
