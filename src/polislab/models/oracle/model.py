"""Oracle model: one design run ``runs`` times on a world that reacts to its predictions (seed 004).

A result summarises where the runs end: the two most common outcomes (final predictions
grouped where they lie within ``outcome_gap`` of each other) and their shares, the shares at the bounds and in the wireheading
region, and the losses; its series is the mean loss over time, split by the two outcomes as in
the post's figures.
"""

from __future__ import annotations

import numpy as np

from polislab.core.progress import Progress
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.core.seeding import rng
from polislab.models.oracle import kernels
from polislab.models.oracle.params import PRESETS, OracleParams
from polislab.models.oracle.world import resolve_world


def default_arms(params: OracleParams) -> np.ndarray:
    """Seed 004: the integers -5..5 (low bandwidth) or the deci-integers -5.0..5.0 (high)."""
    if params.arms is not None:
        return np.asarray(params.arms, dtype=float)
    if params.oracle == "high-bandwidth":
        return np.round(np.linspace(-5, 5, 101), 1)
    return np.arange(-5, 6, dtype=float)


def trace(params: OracleParams, seed: int) -> kernels.Trace:
    world = resolve_world(params.world)
    draw = rng(seed)
    every = params.record_every or max(1, params.steps // 200)
    common = (world, params.runs, params.steps, draw, params.wirehead_radius, every)
    if params.oracle == "deluded":
        return kernels.deluded(*common)
    if params.oracle == "counterfactual":
        return kernels.counterfactual(*common, params.erasure_probability)
    if params.oracle in ("low-bandwidth", "high-bandwidth"):
        return kernels.bandit(*common, default_arms(params), params.exploration)
    if params.oracle == "repeated-risk":
        return kernels.repeated_risk(*common, params.rrm_samples)
    return kernels.derivative_free(*common, params.dfo_step, params.dfo_delta)


def outcomes(final: np.ndarray, gap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group final predictions: sorted, a new outcome starts where two neighbours differ by more
    than ``gap``. Returns each run's outcome index, and the outcomes' medians and shares, most
    common first."""
    order = np.argsort(final, kind="stable")
    starts = np.concatenate([[True], np.diff(final[order]) > gap])
    group_sorted = np.cumsum(starts) - 1
    group = np.empty(len(final), dtype=np.int64)
    group[order] = group_sorted
    sizes = np.bincount(group)
    medians = np.array([np.median(final[group == g]) for g in range(len(sizes))])
    rank = np.argsort(-sizes, kind="stable")
    relabel = np.empty_like(rank)
    relabel[rank] = np.arange(len(rank))
    return relabel[group], medians[rank], sizes[rank] / len(final)


@register("oracle", params=OracleParams, presets=PRESETS,
          summary="oracles whose predictions change what they predict (seed 004)",
          smoke={"runs": 20, "steps": 300})
def simulate(params: OracleParams, seed: int, progress: Progress | None = None) -> Result:
    """Self-confirming prophecies: one oracle design, many runs (seed 004)."""
    world = resolve_world(params.world)
    result = trace(params, seed)
    grouped, values, shares = outcomes(result.final, params.outcome_gap)
    every = params.record_every or max(1, params.steps // 200)
    series = {"step": np.arange(result.loss.shape[1]) * every, "mean_loss": np.nanmean(result.loss, axis=0)}
    for rank in range(2):
        chosen = grouped == rank
        series[f"mean_loss_outcome{rank + 1}"] = (
            result.loss[chosen].mean(axis=0) if chosen.any() else np.full(result.loss.shape[1], np.nan)
        )
    metrics = {
        "outcome1": float(values[0]),
        "outcome1_share": float(shares[0]),
        "outcome2": float(values[1]) if len(values) > 1 else None,
        "outcome2_share": float(shares[1]) if len(values) > 1 else 0.0,
        "mean_final_prediction": float(result.final.mean()),
        "share_at_lower_bound": float(np.mean(result.final <= world.low + 1e-9)),
        "share_at_upper_bound": float(np.mean(result.final >= world.high - 1e-9)),
        "share_wireheading": float(np.mean(world.wireheading(result.final, params.wirehead_radius))),
        "mean_loss": float(np.nanmean(result.loss)),
        "final_loss": float(np.nanmean(result.loss[:, -1])),
        "expected_final_loss": float(np.mean(world.expected_loss(result.final, params.wirehead_radius))),
        "erasure_loss": None,
    }
    if result.erasure_loss is not None:
        series["erasure_loss"] = result.erasure_loss
        tail = result.erasure_loss[-max(1, len(result.erasure_loss) // 10):]
        metrics["erasure_loss"] = float(np.nanmean(tail)) if np.any(~np.isnan(tail)) else None
    if progress is not None:
        progress(params.steps, params.steps)
    return Result(params, seed, metrics, series, {"final_predictions": result.final})
