"""Figures of the coevolution study (seed 002 Figs. 5, 6, 13; Santos et al. 2006)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from polislab.experiments.store_reader import StoreReader
from polislab.experiments.studies import coevolution as study
from polislab.figures import figure
from polislab.figures.style import looks


@figure("coevolution-fig5", "coevolution", "final cooperators and stop time over the (T, S) plane, W = 0",
        see="cooperators fill the harmony quadrant (S >= 0, T <= 1, upper left) and are fewest in the "
            "prisoner's dilemma quadrant (S < 0, T > 1, lower right).")
def fig5(store: StoreReader) -> Figure:
    t = study._fig5(store)
    fig = Figure(figsize=(10, 4), layout="constrained")
    axes = fig.subplots(1, 2)
    if not t:
        return fig
    temptations, suckers = np.unique(t["temptation"]), np.unique(t["sucker"])
    for ax, column, title in ((axes[0], "cooperators", "final fraction of cooperators"),
                              (axes[1], "stop_time", "stop time (steps)")):
        grid = np.full((len(suckers), len(temptations)), np.nan)
        for T, S, value in zip(t["temptation"], t["sucker"], t[column]):
            grid[np.searchsorted(suckers, S), np.searchsorted(temptations, T)] = value
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis",
                          extent=(temptations[0], temptations[-1], suckers[0], suckers[-1]))
        fig.colorbar(image, ax=ax)
        ax.axhline(0, color="white", lw=0.8)
        ax.axvline(1, color="white", lw=0.8)
        ax.set_xlabel("T")
        ax.set_ylabel("S")
        ax.set_title(title)
    return fig


@figure("coevolution-fig6", "coevolution", "five heuristics against W: cooperators, rewires per opportunity, "
        "heterogeneity, max degree",
        see="GOOD's line is highest in cooperators and lowest in rewiring; BAD and FAIR rewire most; "
            "LOCAL is the most heterogeneous.")
def fig6(store: StoreReader) -> Figure:
    t = study._fig6(store)
    fig = Figure(figsize=(11, 7), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    panels = [("cooperators", "final fraction of cooperators"), ("per_opportunity", "rewires per opportunity"),
              ("heterogeneity", "heterogeneity (degree variance)"), ("max_degree", "max degree")]
    for name in study.FIVE if t else []:
        chosen = t["recommender"] == name
        for ax, (column, title) in zip(axes, panels):
            ax.plot(t["w"][chosen], t[column][chosen], marker="o", label=name)
            ax.set_title(title)
            ax.set_xlabel("W")
    axes[0].legend()
    return fig


@figure("coevolution-fig13", "coevolution", "#coops against #rewires for every heuristic (Table 4, N = 500)",
        see="the heuristics trade #coops against #rewires: cooperator-recommending ones up and left, "
            "defector-recommending ones down and right.")
def fig13(store: StoreReader) -> Figure:
    fig = Figure(figsize=(7, 5.5), layout="constrained")
    ax = fig.subplots()
    for spec in (study.FIG13, study.FIG13_QUICK):
        runs = store.query("SELECT recommender, cooperators_final, rewires FROM runs "
                           "WHERE key IN (SELECT key FROM chosen)", [r.key for r in spec.runs()])
        if len(runs.get("recommender", [])):
            break
    look = looks(list(study.HEURISTICS))
    for name in study.HEURISTICS if len(runs.get("recommender", [])) else []:
        chosen = runs["recommender"] == name
        ax.scatter(runs["cooperators_final"][chosen], runs["rewires"][chosen], s=18, alpha=0.7, label=name,
                   **look[name])
    ax.set_xlabel("#coops (final fraction of cooperators)")
    ax.set_ylabel("#rewires")
    ax.legend(ncol=2, fontsize=8)
    return fig


@figure("coevolution-santos", "coevolution", "Santos et al. 2006: cooperators and heterogeneity against W",
        see="in each game cooperation jumps to nearly 1 beyond a critical W, and in the dilemmas "
            "heterogeneity rises on the way there.", beside="coevolution-santos-0")
def santos(store: StoreReader) -> Figure:
    fig = Figure(figsize=(11, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    for game, values in study.SANTOS_GAMES.items():
        t = study.aggregate(store, [study.santos_spec(values, False), study.santos_spec(values, True)], "w")
        if not t:
            continue
        left.plot(t["w"], t["cooperators"], marker="o", label=game)
        right.plot(t["w"], t["heterogeneity"], marker="o", label=game)
    left.set_title("final fraction of cooperators")
    right.set_title("heterogeneity (degree variance)")
    for ax in (left, right):
        ax.set_xlabel("W")
    left.legend(fontsize="small")
    return fig
