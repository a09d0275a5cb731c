"""Figures of the socialbots study (seed 003; issue 24): influence and survival by policy."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from polislab.experiments.store_reader import StoreReader
from polislab.experiments.studies import socialbots as study
from polislab.figures import figure
from polislab.figures.style import PAGE_WIDTH


@figure("socialbots-policies", "socialbots", "each policy's bots: mean influence (users reached by their posts, log "
        "scale, 0 drawn at 1) and survival (actions before removal, of 200), per world, with the mean over worlds",
        see="the PPO bot reaches far more users than random, always-post and high-degree bots, which the detector "
            "removes within a few checks, and more than the human mimic, which outlives it.")
def policies(store: StoreReader) -> Figure:
    fig = Figure(figsize=(PAGE_WIDTH, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    found = study.by_policy(store)
    names = list(found)
    for ax, column, label in ((left, "influence", "influence (users reached)"),
                              (right, "survival", "survival (actions)")):
        for x, name in enumerate(names):
            values = found[name][column]
            ax.scatter(np.full(len(values), x), np.maximum(values, 1.0) if column == "influence" else values,
                       color="tab:blue", alpha=0.6, s=16)
            ax.hlines(max(values.mean(), 1.0) if column == "influence" else values.mean(), x - 0.3, x + 0.3,
                      color="black")
        ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
        ax.set_ylabel(label)
    left.set_yscale("log")
    return fig
