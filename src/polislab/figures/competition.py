"""Figures of the competition study (seed 002, section 5): final recommender shares against W2
(Fig. 15), local's share over the (W, W2) grid, and the adoption experiments (Fig. 16)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from polislab.experiments.store_reader import StoreReader
from polislab.experiments.studies import competition as study
from polislab.figures import figure
from polislab.figures.style import PAGE_WIDTH, panel_grid


def _w2_axis(values: list[float]) -> list[float]:
    """Positions on a log axis, with W2 = inf drawn one decade past the largest finite value."""
    finite = [v for v in values if np.isfinite(v)]
    return [v if np.isfinite(v) else 10 * max(finite) for v in values]


@figure("competition-fig15", "competition", "final share of each recommender against W2 at W = 1, 1.2, 1.6, 2 "
        "(90% local, 2.5% each of good, bad, random, fair)",
        see="local keeps most users at small W2 and loses them as W2 grows, sooner at larger W.",
        beside="competition-baselines")
def fig15(store: StoreReader) -> Figure:
    table = study.baseline_table(store)
    fig = Figure(figsize=(11, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharey=True).ravel()
    for ax, w in zip(axes, (1.0, 1.2, 1.6, 2.0)):
        points = sorted(w2 for (w_, w2) in table if w_ == w)
        if not points:
            continue
        for name in study.MANY:
            ax.plot(_w2_axis(points), [table[(w, w2)][name] for w2 in points], marker="o", label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"W = {w:g}")
        ax.set_xlabel("W2 (rightmost: inf)")
    axes[0].set_ylabel("final share of users")
    axes[2].set_ylabel("final share of users")
    axes[0].legend()
    return fig


@figure("competition-critical", "competition", "local's final share of users over (W, W2), and the final "
        "cooperators",
        see="the region of (W, W2) where local falls below half the users, and the cooperators left "
            "there.", beside="competition-baselines")
def critical(store: StoreReader) -> Figure:
    table = study.baseline_table(store)
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    axes = fig.subplots(1, 2)
    ws = sorted({w for w, _ in table})
    w2s = sorted({w2 for _, w2 in table})
    for ax, column, title in ((axes[0], "local", "local's final share (it starts at 0.9)"),
                              (axes[1], "cooperators", "final cooperators")):
        grid = np.full((len(ws), len(w2s)), np.nan)
        for (w, w2), means in table.items():
            grid[ws.index(w), w2s.index(w2)] = means[column]
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        fig.colorbar(image, ax=ax)
        ax.set_xticks(range(len(w2s)), [f"{v:g}" for v in w2s])
        ax.set_yticks(range(len(ws)), [f"{v:g}" for v in ws])
        ax.set_xlabel("W2")
        ax.set_ylabel("W")
        ax.set_title(title)
    return fig


@figure("competition-fig16", "competition", "adoption experiments: final shares of users in each competition, "
        "over 30 runs",
        see="how much of the market each newcomer wins: an aligned recommender against an engagement "
            "maximizer, and a majority holding its users.", beside="competition-adoption")
def fig16(store: StoreReader) -> Figure:
    rows = [r for r in study.adoption_rows(store) if r["shares"]]
    shape = panel_grid(len(rows))
    fig = Figure(figsize=(PAGE_WIDTH * 0.8, 3.6 * shape[0]), layout="constrained")
    axes = np.atleast_1d(fig.subplots(*shape, sharey=True, squeeze=False)).ravel()
    for ax in axes[len(rows):]:
        ax.set_visible(False)
    for ax, row in zip(axes, rows):
        names = list(row["shares"])
        ax.boxplot([row["shares"][name] for name in names], tick_labels=names)
        for index, name in enumerate(names):
            ax.plot([index + 0.7, index + 1.3], [row["mixture"][name]] * 2, color="grey", ls=":")
        ax.set_title(row["row"])
        ax.tick_params(axis="x", labelrotation=30)
    for ax in axes[::shape[1]]:
        ax.set_ylabel("final share of users\n(dotted: initial)")
    return fig
