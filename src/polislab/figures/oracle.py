"""Figures of the oracle study, as in seed 004: the world (f with the band f +/- g), the
expected loss L(x), and the average loss over time of each oracle."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from polislab.experiments.store_reader import StoreReader
from polislab.experiments.studies.oracle import SPEC, oracle_runs
from polislab.figures import figure
from polislab.models.oracle.world import resolve_world


def _world(store: StoreReader):
    runs = store.spec_runs(SPEC)
    name = str(runs["world"][0]) if len(runs.get("key", [])) else "armstrong-2019"
    radius = float(runs["wirehead_radius"][0]) if len(runs.get("key", [])) else 1e-6
    return resolve_world(name), radius


@figure("oracle-world", "oracle", "E[Y(x)] = f(x) with the band f +/- g, and the expected loss L(x)",
        see="the world the oracles face: the fixed point at 4, the bound at -5, the wireheading point at "
            "2.5, and the loss of each prediction.", beside="oracle-designs")
def world_figure(store: StoreReader) -> Figure:
    world, radius = _world(store)
    x = np.linspace(world.low, world.high, 2001)
    f, g = world.mean(x), world.sd(x)
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.fill_between(x, f - g, f + g, color="tab:blue", alpha=0.25, label="f +/- g")
    left.plot(x, f, color="tab:red", label="f(x) = E Y(x)")
    left.plot(x, x, color="black", lw=0.8, ls="--", label="y = x")
    if world.wirehead is not None:
        left.plot([world.wirehead], [world.wirehead], "k*", ms=10, label="wireheading")
    left.set_xlabel("prediction x")
    left.set_ylabel("y")
    left.legend(fontsize="small")
    left.set_title("the world")
    right.plot(x, world.expected_loss(x, radius), color="tab:purple")
    if world.wirehead is not None:
        right.plot([world.wirehead], [0], "k*", ms=10)
    right.set_yscale("symlog", linthresh=1)
    right.set_xlabel("prediction x")
    right.set_title("expected loss L(x) = (x - f(x))^2 + g(x)^2")
    return fig


@figure("oracle-loss", "oracle", "average loss over time of each oracle (deluded split by where it ends)",
        see="each oracle's loss settles where its design leads it: the deluded split between two ends, "
            "the high bandwidth at zero loss by wireheading.", beside="oracle-designs")
def loss_figure(store: StoreReader) -> Figure:
    runs = oracle_runs(store)
    fig = Figure(figsize=(11, 7), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    for ax, (name, run) in zip(axes, runs.items()):
        series = store.series(run["key"])
        ax.plot(series["step"], series["mean_loss"], color="black", lw=1, label="all runs")
        if name in ("deluded", "repeated-risk"):
            for rank, colour in ((1, "tab:blue"), (2, "tab:purple")):
                value = run[f"outcome{rank}"]
                if value is not None and not np.isnan(value):
                    ax.plot(series["step"], series[f"mean_loss_outcome{rank}"], color=colour,
                            label=f"ending at {value:.2g}")
        if name == "counterfactual":
            ax.plot(series["step"], series["erasure_loss"], color="tab:green", label="on erasure steps")
        ax.set_yscale("symlog", linthresh=0.1)
        ax.set_title(name)
        ax.set_xlabel("step")
        ax.legend(fontsize="x-small")
    return fig
