"""Parameters of the echo-chamber model and the notebook's five stages as presets (seed 000)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from polislab.core.machine import MemoryNeed
from polislab.core.params import Params


class EchoChamberParams(Params):
    """Every term of the utility, what learns, the clamp and the initial distributions.

    Defaults are the notebook's second model ("Listening to Peer beliefs", seed 000): ten agents,
    fixed 0/1 listening with chance 0.35, s = 2, m = 1, learning rate 1e-4, 20,000 steps.
    """

    n: int = Field(10, ge=2, le=10_000_000, description="number of agents (seed 000: num_agents)")
    steps: int = Field(20_000, ge=0, le=10**10, description="gradient steps")
    learning_rate: float = Field(1e-4, gt=0, le=1, description="step size of gradient ascent")
    scepticism: float = Field(2.0, ge=0, description="s in -(s/2) b_i^2 (seed 000: scepticism)")
    peer_multiplier: float = Field(
        1.0, ge=-1e6, le=1e6, description="m in m b_i sum_j L_ji b_j (seed 000: peer_multiplier)"
    )
    evidence_pressure: float = Field(
        0.0, ge=0, description="p in -p (e_i - e*)^2 (seed 000: evidence_pressure)"
    )
    real_evidence: float = Field(
        0.0, ge=-1e6, le=1e6, description="e*, the real evidence (seed 000: real_evidence)"
    )
    learn_beliefs: bool = Field(True, description="beliefs b climb the utility")
    learn_evidence: bool = Field(False, description="evidence e climbs the utility (stages 3, 5)")
    learn_listening: bool = Field(False, description="listen weights L climb the utility (stages 4, 5)")
    gradient: Literal["joint", "own"] = Field(
        "joint",
        description="joint: ascend the sum of all utilities, as the notebook's U.backward(ones); "
        "own: each agent ascends only its own utility (a differentiable game)",
    )
    clamp: float | None = Field(
        None, gt=0, description="bound |x| <= clamp applied to every learned quantity after each "
        "step (seed 000 stages 4-5 use 1); none: unbounded (stages 1-3)",
    )
    belief_sd: float = Field(0.1, ge=0, description="initial beliefs ~ Normal(0, belief_sd)")
    evidence_sd: float = Field(
        0.1, ge=0, description="initial evidence ~ Normal(0, evidence_sd) (seed 000: 0.1, 0.02 in stages 4-5)"
    )
    listening: Literal["binary", "normal"] = Field(
        "binary",
        description="initial listen weights: binary (1 with listen_chance, else 0; on a sparse "
        "graph every listened-to agent gets 1) or normal (Normal(0, listen_sd))",
    )
    listen_chance: float = Field(0.35, ge=0, le=1, description="dense binary listening: P(L_ji = 1)")
    listen_sd: float = Field(0.1, ge=0, description="normal listening: standard deviation")
    graph: Literal["dense", "sparse"] = Field(
        "dense",
        description="dense: every L_ji (the notebook; memory n^2); sparse: each agent listens "
        "to k others drawn uniformly, only those weights exist and learn",
    )
    k: int = Field(10, ge=1, description="sparse graph: how many agents each agent listens to")
    dtype: Literal["float32", "float64"] = Field(
        "float32", description="floating-point type of the state (the notebook's torch default is float32)"
    )
    backend: Literal["numba", "autograd"] = Field(
        "numba",
        description="numba: analytic gradients in compiled kernels; autograd: the notebook's "
        "torch loop (dense graph only; slow, a reference)",
    )
    record_every: int = Field(
        0, ge=0, description="record the series every this many steps; 0: about 500 records"
    )
    settle_tolerance: float = Field(
        1e-3, gt=0, description="settled once the largest per-step change / learning_rate stays below this"
    )
    bubble_threshold: float = Field(
        1.8, gt=0, le=2, description="bubble_step: first record with bubble_index >= this"
    )
    history_limit: int = Field(
        100, ge=0, description="keep per-agent belief and evidence histories when n <= this"
    )

    @model_validator(mode="after")
    def _check_combinations(self) -> EchoChamberParams:
        if self.graph == "sparse" and self.k >= self.n:
            raise ValueError(f"k = {self.k} must be < n = {self.n} on a sparse graph")
        if self.backend == "autograd" and self.graph != "dense":
            raise ValueError("backend 'autograd' needs graph 'dense'")
        return self

    def memory_needed(self, replicates: int = 1) -> MemoryNeed:
        """Dense: the n^2 listen weights and their initial draw (measured: 5.7 bytes per n^2 at
        float32); sparse: n k weights and sources (measured: 29 bytes per n k)."""
        item = 4 if self.dtype == "float32" else 8
        if self.graph == "dense":
            per_run = self.n * self.n * (item + 2) + 64 * self.n
            what = f"n = {self.n:,} agents with dense listen weights: n^2 = {self.n ** 2:.3g} of them"
            advice = "use graph=sparse (each agent listens to k others) or a smaller n"
        else:
            per_run = self.n * self.k * (item + 28) + 64 * self.n
            what = f"n = {self.n:,} agents listening to k = {self.k} each"
            advice = "use a smaller n or k"
        if replicates > 1:
            what += f", {replicates} replicates at once"
            advice += ", or fewer replicates"
        return MemoryNeed(replicates * per_run, what, advice)

_PEER = dict(peer_multiplier=1.0, listening="binary", listen_chance=0.35)
_CHOSEN = dict(
    peer_multiplier=2.5, evidence_sd=0.02, listening="normal", listen_sd=0.1,
    learn_listening=True, clamp=1.0, learning_rate=1e-3,
)

PRESETS = {
    # seed 000, first model: beliefs fit own evidence; converges to b_i = e_i / s.
    "own-evidence": dict(steps=50_000, learning_rate=1e-4, peer_multiplier=0.0, listen_chance=0.0),
    # seed 000, "Listening to Peer beliefs": fixed 0/1 listening, usually consensus.
    "fixed-listening": dict(steps=20_000, learning_rate=1e-4, **_PEER),
    # seed 000, "Changing avaiable evidence": evidence learns too, pressure 4 towards e* = 0.
    "selective-evidence": dict(
        steps=2_000, learning_rate=1e-3, evidence_pressure=4.0, learn_evidence=True, **_PEER
    ),
    # seed 000, "Allowing them to change who they listen to": L learns, clamped to [-1, 1].
    "chosen-listening": dict(steps=15_000, **_CHOSEN),
    # seed 000, "Allowing them to selectively include new evidence": L and e learn, p = 2.
    "chosen-listening-and-evidence": dict(
        steps=10_000, evidence_pressure=2.0, learn_evidence=True, **_CHOSEN
    ),
}
