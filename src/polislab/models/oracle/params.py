"""Parameters of the oracle model (seed 004)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from polislab.core.machine import MemoryNeed
from polislab.core.params import Params
from polislab.models.oracle.world import check_world_name

ORACLES = ("deluded", "low-bandwidth", "high-bandwidth", "counterfactual", "repeated-risk", "derivative-free")


class OracleParams(Params):
    """One oracle design run ``runs`` times for ``steps`` predictions each (seed 004).

    Choices where seed 004 is silent (each a parameter): the exploration phase of the bandit
    oracles lasts ``exploration`` turns cycling through the arms in turn (the post's number was
    lost; we use half the run, so each integer arm is tried about 455 times); the deluded and
    counterfactual oracles start from a uniform random prediction; the counterfactual oracle's
    prediction before its first erasure is that starting value.
    """

    oracle: Literal[ORACLES] = Field("deluded", description="which oracle design (seed 004; the last "
                                     "two from Perdomo et al. 2020, performative prediction)")
    world: str = Field("armstrong-2019", description="a registered world or module:attribute")
    runs: int = Field(1000, ge=1, le=10_000_000, description="independent runs, vectorised (seed 004: 1000)")
    steps: int = Field(10_000, ge=1, le=10**9, description="predictions per run (seed 004: 10,000)")
    arms: list[float] | None = Field(
        None, description="bandit arms; none: integers -5..5 (low bandwidth) or -5.0, -4.9, ..., 5.0 (high)"
    )
    exploration: int = Field(5000, ge=0, description="bandit oracles: turns spent trying each arm in turn")
    erasure_probability: float = Field(0.1, gt=0, le=1, description="counterfactual oracle: P(erasure) per step")
    wirehead_radius: float = Field(1e-6, ge=0, description="wireheading region |x - 2.5| < radius (issue 6)")
    rrm_samples: int = Field(100, ge=1, description="repeated risk minimisation: samples per round")
    dfo_step: float = Field(0.05, gt=0, description="derivative-free: step size eta_t = dfo_step / sqrt(t + 1)")
    dfo_delta: float = Field(0.05, gt=0, description="derivative-free: two-point perturbation size")
    record_every: int = Field(0, ge=0, description="series resolution in steps; 0: about 200 records")
    outcome_gap: float = Field(
        0.5, gt=0, description="final predictions closer than this (sorted) form one outcome, reported at its median"
    )

    @field_validator("world")
    @classmethod
    def _known_world(cls, name: str) -> str:
        return check_world_name(name)

    @model_validator(mode="after")
    def _check(self) -> OracleParams:
        if self.arms is not None and not self.arms:
            raise ValueError("arms must name at least one prediction")
        return self

    def memory_needed(self, replicates: int = 1) -> MemoryNeed:
        """About 256 bytes per vectorised run (measured 250)."""
        return MemoryNeed(replicates * 256 * self.runs, f"{self.runs:,} runs at once", "use fewer runs")

PRESETS = {name: {"oracle": name} for name in ORACLES}
