"""Figures of the feudalism study (seed 001, chapter 3; issue 25): sharing over time by imitation
weight, the sweep over imitation and deviants, and the tribute graph."""

from __future__ import annotations

import networkx as nx
import numpy as np
from matplotlib.figure import Figure

from polislab.experiments.store_reader import StoreReader
from polislab.experiments.studies import feudalism as study
from polislab.figures import figure
from polislab.figures.style import PAGE_WIDTH


@figure("feudalism-sharing", "feudalism", "share of encounters that are sharing (both give corn, nobody hits) over "
        "the turns, from a buffer full of sharing, by imitation weight (B's policy copied exactly; one line per seed)",
        see="imitators keep the sharing they found in B; innovators, greedy on their own Q-values, drop it at once.")
def sharing(store: StoreReader) -> Figure:
    fig = Figure(figsize=(PAGE_WIDTH * 0.7, 3.8), layout="constrained")
    ax = fig.subplots()
    colours = {1.0: "tab:blue", 0.9: "tab:green", 0.5: "tab:orange", 0.0: "tab:red"}
    for (prior, imitation), runs in sorted(study.by_imitation(store).items(), reverse=True):
        if prior != 0.0:
            continue
        for index, key in enumerate(runs["key"]):
            series = store.series(key)
            ax.plot(series["step"], series["sharing_share"], color=colours.get(imitation, "grey"), lw=1.2, alpha=0.8,
                    label=f"imitation {imitation:g}" if index == 0 else None)
    ax.set_xlabel("turns")
    ax.set_ylabel("sharing encounters")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="center right")
    return fig


SWEEP_PANELS = (("land_gini", "land Gini"), ("share_lords", "lords (tribute from 2+)"),
                ("hits_per_encounter", "hits per encounter"), ("mean_wellbeing", "wellbeing per turn"))


@figure("feudalism-sweep", "feudalism", "by imitation weight (rows) and share of deviants (columns): land Gini, share "
        "of lords, hits per encounter and wellbeing per turn in the last 10% of turns (means over seeds)",
        see="innovators concentrate land most, with the most lords; imitation damps the concentration but raises the "
            "violence (hits are imitated too); deviants add violence where agents half imitate.")
def sweep(store: StoreReader) -> Figure:
    points = study.sweep_points(store)
    fig = Figure(figsize=(PAGE_WIDTH, 3.2), layout="constrained")
    axes = fig.subplots(1, len(SWEEP_PANELS))
    rows, columns = study.SWEEP_IMITATION, study.SWEEP_DEVIANTS
    for ax, (column, label) in zip(axes, SWEEP_PANELS):
        grid = np.full((len(rows), len(columns)), np.nan)
        for point, runs in points:
            grid[rows.index(point.imitation), columns.index(point.deviants)] = float(np.mean(runs[column]))
        image = ax.imshow(grid, origin="lower", cmap="viridis", aspect="auto")
        for (i, j), value in np.ndenumerate(grid):
            if not np.isnan(value):
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=9,
                        color="white" if value < np.nanmean(grid) else "black")
        ax.set_xticks(range(len(columns)), [f"{c:g}" for c in columns])
        ax.set_yticks(range(len(rows)), [f"{r:g}" for r in rows])
        ax.set_xlabel("share of deviants")
        ax.set_title(label)
        fig.colorbar(image, ax=ax, shrink=0.8)
    axes[0].set_ylabel("imitation weight")
    return fig


@figure("feudalism-tribute", "feudalism", "the tribute graph at the end of one run (seed 0, no deviants), for "
        "innovators and for imitators (0.9): an arrow j -> i where j gave i more corn and labour than it got back in "
        "the last 10% of turns, its width the net amount; a node's size is its land (red: 2 or more units, blue: 1, "
        "grey: none)", see="among innovators tribute runs in long chains into a few agents holding several units of land "
        "each; among imitators the graph is sparser and land more even.", beside="feudalism-sweep")
def tribute(store: StoreReader) -> Figure:
    fig = Figure(figsize=(PAGE_WIDTH, 5.2), layout="constrained")
    axes = fig.subplots(1, 2)
    found = {(point.imitation, point.deviants): runs for point, runs in study.sweep_points(store)}
    for ax, imitation in zip(axes, (0.0, 0.9)):
        ax.set_axis_off()
        runs = found.get((imitation, 0.0))
        if runs is None or not len(runs["key"]):
            ax.set_title(f"imitation {imitation:g}: not stored")
            continue
        artifacts = store.artifacts(runs["key"][0])
        land, edges = artifacts["land"], artifacts["tribute_edges"]
        graph = nx.DiGraph()
        graph.add_nodes_from(range(len(land)))
        graph.add_weighted_edges_from((int(a), int(b), float(w)) for a, b, w in edges)
        graph.remove_nodes_from([node for node in list(graph) if graph.degree(node) == 0])
        if not graph.number_of_nodes():
            ax.set_title(f"imitation {imitation:g}: no tribute")
            continue
        layout = nx.spring_layout(graph, seed=0, k=0.6 / np.sqrt(graph.number_of_nodes()))
        nodes = list(graph)
        weights = np.array([graph[a][b]["weight"] for a, b in graph.edges()])
        nx.draw_networkx_edges(graph, layout, ax=ax, width=0.3 + 2.5 * weights / max(weights.max(), 1.0),
                               alpha=0.5, arrowsize=7, edge_color="tab:brown")
        sizes = [12 + 45 * land[node] for node in nodes]
        colours = ["lightgrey" if land[node] < 1 else ("tab:red" if land[node] >= 2 else "tab:blue") for node in nodes]
        nx.draw_networkx_nodes(graph, layout, ax=ax, nodelist=nodes, node_size=sizes, node_color=colours,
                               edgecolors="black", linewidths=0.3)
        lords = sum(1 for node in nodes if graph.in_degree(node) >= 2)
        ax.set_title(f"imitation {imitation:g}: {graph.number_of_edges()} tribute edges, {lords} lords")
    return fig
