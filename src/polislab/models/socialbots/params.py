"""Parameters of the socialbots study (seed 003, "Socialbots on Fire"; issue 24)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from polislab.core.machine import MemoryNeed
from polislab.learn.ppo_params import PPOParams

ACTIVITIES = ("post", "repost", "reply", "mention")  # the paper's T, R, A, M
POLICIES = ("random", "always-post", "high-degree", "mimic", "ppo")


class SocialbotParams(PPOParams):
    """A socialbot that wants influence among users who follow each other, against a detector that
    removes the accounts it flags (Le, Tran-Thanh & Lee, WWW 2022, "Socialbots on Fire", as seed
    003 summarises it; the rules are ``env.py``'s docstring).

    The users' follow graph is the platform's (each follows ``follows`` others chosen by a Pareto
    attractiveness of exponent ``fitness_exponent``: heavy-tailed follower counts). A bot lives
    ``steps`` actions; each action is an activity (post, repost, reply, mention: the paper's
    T/R/A/M) and, but for a post, a target user. A target that does not follow the bot yet follows
    it with probability ``follow_back`` / (1 + its followers / ``follow_back_scale``) for a reply
    or a mention, half that for a repost (ours: the popular follow back less). Each action is a
    post whose expected reach is an independent cascade (probability ``cascade_probability``; the
    paper's 0.8) from the bot through its followers; the bot's influence is the sum of its posts'
    reaches over its life (its followers' cascades estimated once per run by ``cascade_samples``
    Monte Carlo draws each, overlaps counted twice: an upper bound), and its ``final_spread`` one
    Monte Carlo estimate of the cascade from its final followers.

    The detector (a scikit-learn random forest of ``detector_trees`` trees) reads an account's
    share of each activity and the share of its actions that address someone; it is trained on
    ``detector_accounts`` simulated humans (activity shares drawn from a Dirichlet around
    ``human_profile`` with concentration ``human_concentration``) and as many simple bots (uniform,
    always-post, mention-spam), and checks the bot every ``check_every`` actions: flagged (the
    forest's bot probability above 0.5), it is removed. ``policy``: ``random`` (uniform activity,
    uniform target), ``always-post``, ``high-degree`` (uniform activity; targets the most followed
    users first), ``mimic`` (activities drawn from ``human_profile``; uniform target) or ``ppo``
    (one policy over activity x target group, trained here by PPO for ``decisions`` steps: the
    paper's two cooperating learners as one joint action; target groups are the users'
    follower-count quintiles, a random user of the chosen group is addressed). A run evaluates the
    policy on ``episodes`` bots, on the same graph and detector.

    ``rounds`` > 1 is an arms race (beyond the paper, whose detector is fixed; issue 24): after
    each round's bots, the detector adds the accounts it caught to its bots and trains again, and
    with ``ppo`` a new bot is trained against it for the next round. The metrics are the last
    round's; the series hold each round's.
    """

    n: int = Field(2000, ge=10, le=10_000_000, description="users")
    follows: int = Field(1, ge=1, description="followees per user")
    fitness_exponent: float = Field(2.0, gt=1, description="Pareto exponent of the users' attractiveness")
    steps: int = Field(200, ge=1, le=100_000, description="actions in a bot's life")
    check_every: int = Field(10, ge=1, description="actions between the detector's checks (the paper's K)")
    follow_back: float = Field(0.5, ge=0, le=1, description="chance an addressed user with no followers follows "
                               "the bot")
    follow_back_scale: float = Field(20.0, gt=0, description="followers at which the follow-back chance halves")
    cascade_probability: float = Field(0.8, ge=0, le=1, description="independent cascade: chance a post passes to "
                                       "each follower (the paper's 0.8)")
    cascade_samples: int = Field(100, ge=1, le=100_000, description="Monte Carlo cascades per estimate")
    human_profile: list[float] = Field([0.55, 0.2, 0.15, 0.1], min_length=4, max_length=4,
                                       description="mean shares of post, repost, reply, mention of humans (ours)")
    human_concentration: float = Field(20.0, gt=0, description="Dirichlet concentration of the humans' shares")
    detector_accounts: int = Field(600, ge=10, le=1_000_000, description="simulated humans (and as many simple "
                                   "bots) the detector is trained on")
    detector_trees: int = Field(100, ge=1, le=10_000, description="trees of the detector's random forest")
    policy: Literal[POLICIES] = Field("random", description="how the bot acts")
    episodes: int = Field(50, ge=1, le=100_000, description="bots the policy is evaluated on (each round)")
    rounds: int = Field(1, ge=1, le=1000, description="rounds of the arms race: the detector retrains on the bots "
                        "it caught between rounds")
    width: int = Field(64, ge=1, le=4096, description="ppo: units per hidden layer")
    layers: int = Field(2, ge=1, le=8, description="ppo: hidden layers")
    decisions: int = Field(40_000, ge=1, le=10**10, description="ppo: training length in actions")
    rollout: int = Field(200, ge=1, le=100_000, description="ppo: actions per environment per update")
    minibatch: int = Field(400, ge=1, description="ppo: actions per gradient step")
    eval_episodes: int = Field(16, ge=1, le=100_000, description="ppo: episodes of each evaluation during training")

    @model_validator(mode="after")
    def _fits(self) -> SocialbotParams:
        if self.follows >= self.n:
            raise ValueError(f"follows = {self.follows} must be < n = {self.n}")
        if abs(sum(self.human_profile) - 1) > 1e-6 or min(self.human_profile) < 0:
            raise ValueError("human_profile must be 4 non-negative shares summing to 1")
        if self.checkpoint:
            raise ValueError("checkpoint is not offered for socialbots; allowed: checkpoint=''")
        return self

    def memory_needed(self, replicates: int = 1) -> MemoryNeed:
        """The follow graph both ways (about 24 bytes a link and 48 a user)."""
        return MemoryNeed(replicates * self.n * (24 * self.follows + 48), f"{self.n:,} users",
                          "use fewer users")


PRESETS = {policy: {"policy": policy} for policy in POLICIES}
