"""Figures of the platform study (seed 003; issue 23): the influencer's followers by policy, and
by action space and self-observation."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from polislab.core.stats import mean_interval
from polislab.experiments.store_reader import StoreReader
from polislab.experiments.studies import platform as study
from polislab.figures import figure


def _bars(ax, names: list[str], values: list[np.ndarray], label: str) -> None:
    means = [v.mean() for v in values]
    errors = [mean_interval(v)[2] - v.mean() for v in values]
    ax.bar(range(len(names)), means, yerr=errors, capsize=4, color="tab:blue", alpha=0.8)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel(label)


@figure("platform-influencer", "platform", "followers an influencer gains by policy, and the q-learning "
        "influencer's gain and stability by action space and self-observation (means, 95% intervals)",
        see="the learner above the random bot but below the fixed bot and the user; with 3 actions it gains more "
            "and settles, with self-observation it does not settle.")
def influencer(store: StoreReader) -> Figure:
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, middle, right = fig.subplots(1, 3)
    gains = study._gains(store)
    if gains:
        _bars(left, list(gains), list(gains.values()), "followers gained")
        left.set_title("by policy")
    found = study.settings(store)
    if found:
        names = [name.replace(", ", ",\n") for name in found]
        _bars(middle, names, [v["gain"] for v in found.values()], "followers gained")
        middle.set_title("q-learning, by setting")
        _bars(right, names, [v["stability"] for v in found.values()], "stability (last 10 decisions)")
        right.set_title("q-learning, by setting")
    return fig
