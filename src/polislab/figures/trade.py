"""Figures of the trade study (seed 001, chapter 2): wellbeing over time, the attractor table of
Experiment 1, and wellbeing and policies against population size (Experiment 2)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from polislab.experiments.store_reader import StoreReader
from polislab.experiments.studies import trade as study
from polislab.figures import figure


@figure("trade-wellbeing", "trade", "mean wellbeing over time: zero memory against two agents with memory",
        see="zero-memory agents settle at wellbeing 1 (everyone steals); two agents with memory learn to "
            "trade, near 3.", beside="trade-zero-memory")
def wellbeing(store: StoreReader) -> Figure:
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    for label, specs in (("zero memory", (study.ZERO, study.ZERO_QUICK)),
                         ("two agents, one-step memory", (study.DEFAULT_START, study.DEFAULT_START_QUICK))):
        runs = study.stored(store, *specs)
        for index, key in enumerate(list(runs.get("key", []))[:4]):
            series = store.series(key)
            ax.plot(series["step"], series["mean_wellbeing"], lw=1, alpha=0.8,
                    color="tab:red" if label == "zero memory" else "tab:blue", label=label if index == 0 else None)
    ax.axhline(3, color="grey", ls=":", lw=0.8)
    ax.axhline(1, color="grey", ls=":", lw=0.8)
    ax.set_xlabel("encounters")
    ax.set_ylabel("mean wellbeing per encounter")
    ax.legend()
    return fig


@figure("trade-attractors", "trade", "Experiment 1: the policy pair each initial policy pair ends in",
        see="the grid of initial policy pairs, coloured by the pair each ends in: a few attracting societies.")
def attractors(store: StoreReader) -> Figure:
    table = study.attractor_table(store)
    fig = Figure(figsize=(7, 6), layout="constrained")
    ax = fig.subplots()
    grid = np.full((16, 16), np.nan)
    for (a, b), end in table.items():
        grid[a, b] = end
    ends = sorted({int(v) for v in grid[~np.isnan(grid)]})
    index = {end: i for i, end in enumerate(ends)}
    coded = np.full((16, 16), np.nan)
    for (a, b), end in table.items():
        coded[a, b] = index[end]
    image = ax.imshow(coded, cmap="tab10", vmin=0, vmax=9, origin="lower")
    colourbar = fig.colorbar(image, ax=ax, ticks=range(len(ends)))
    colourbar.ax.set_yticklabels([f"{end:#04x}" for end in ends])
    ax.set_xlabel("initial policy of agent 2")
    ax.set_ylabel("initial policy of agent 1")
    ax.set_title("final policy pair (6 = win-stay, lose-shift; 10 = tit-for-tat; 15 = always steal)")
    return fig


@figure("trade-population", "trade", "Experiment 2: wellbeing and agents per policy against population size",
        see="wellbeing falls as the population grows past the acquaintances an agent remembers.")
def population(store: StoreReader) -> Figure:
    t = study.population_table(store)
    fig = Figure(figsize=(11, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    for memory in ("own-last", "friends") if t else ():
        chosen = t["memory"] == memory
        left.errorbar(t["agents"][chosen], t["wellbeing"][chosen], yerr=t["spread"][chosen], marker="o",
                      capsize=3, label=memory)
        right.plot(t["agents"][chosen], t["wsls"][chosen], marker="o", label=f"{memory}: win-stay, lose-shift")
        right.plot(t["agents"][chosen], t["stealing"][chosen], marker="x", ls="--", label=f"{memory}: always steal")
    left.set_xlabel("agents")
    left.set_ylabel("mean wellbeing (bars: spread over agents)")
    right.set_xlabel("agents")
    right.set_ylabel("share of agents")
    left.legend()
    right.legend(fontsize="small")
    return fig
