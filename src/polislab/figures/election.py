"""Figures of the election study (seed 003, election candidates; seed 004 on the platform;
issue 24): where learning candidates settle, and a published poll's forecasts over time."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from polislab.experiments.catalog import runs_by_point
from polislab.experiments.store_reader import StoreReader
from polislab.experiments.studies import election as study
from polislab.figures import figure
from polislab.figures.style import PAGE_WIDTH

LAST = 100  # the decisions over which a candidate's usual stance is taken


def usual_stances(store: StoreReader, key: str, stances: int) -> np.ndarray:
    """Each candidate's most frequent stance over its last ``LAST`` decisions."""
    actions = store.artifacts(key)["influencer_actions"][-LAST:]
    grid = np.linspace(-1.0, 1.0, stances)
    return np.array([grid[np.bincount(column, minlength=stances).argmax()] for column in actions.T])


@figure("election-candidates", "election", "where learning candidates stand after 1500 elections: each run's "
        "candidates (their most frequent stance over the last 100), by the number of candidates; the median voter "
        "is at 0", see="two candidates bunched at the median voter; three and four spread over the axis.")
def candidates(store: StoreReader) -> Figure:
    fig = Figure(figsize=(PAGE_WIDTH * 0.6, 3.8), layout="constrained")
    ax = fig.subplots()
    rng = np.random.default_rng(0)  # horizontal jitter only
    for point, runs in runs_by_point(store, list(study.CANDIDATE_SPECS)):
        k = int(point.influencers)
        stances = np.concatenate([usual_stances(store, key, point.influencer_stances) for key in runs["key"]])
        ax.scatter(k + rng.uniform(-0.15, 0.15, len(stances)), stances, s=14, alpha=0.6, color="tab:blue")
    ax.axhline(0, color="black", lw=0.8, ls="--", label="median voter")
    ax.set_xlabel("candidates")
    ax.set_ylabel("stance")
    ax.set_xticks([2, 3, 4])
    ax.set_ylim(-1.05, 1.05)
    ax.legend(loc="upper right")
    return fig


@figure("election-poll", "election", "the first candidate's published forecast over 200 elections, every run, "
        "with a bandwagon of 0.3: a deluded poll and a counterfactual one; dashed, its sincere share (about 45%)",
        see="deluded forecasts split to two self-confirming values, about 0.32 and 0.61, by where they started; "
            "counterfactual ones settle on the sincere share.")
def poll(store: StoreReader) -> Figure:
    fig = Figure(figsize=(PAGE_WIDTH, 3.8), layout="constrained")
    axes = dict(zip(("deluded", "counterfactual"), fig.subplots(1, 2, sharey=True)))
    for point, runs in runs_by_point(store, list(study.POLL_SPECS)):
        if point.bandwagon == 0:
            continue
        ax = axes[point.poll]
        for key in runs["key"]:
            forecast = store.artifacts(key)["poll_forecast"][:, 0]
            ax.plot(np.arange(1, len(forecast) + 1), forecast, color="tab:blue", alpha=0.5, lw=1)
        ax.axhline(float(np.mean(runs["sincere_first_share"])), color="black", ls="--", lw=1, label="sincere share")
        ax.axhline(0.5, color="grey", lw=0.6)
        ax.set_title(f"{point.poll} poll, bandwagon {point.bandwagon:g}")
        ax.set_xlabel("election")
        ax.legend(loc="lower right")
    axes["deluded"].set_ylabel("forecast share of the first candidate")
    return fig
