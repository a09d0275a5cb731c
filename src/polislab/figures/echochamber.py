"""Figures of the echo-chamber study, as in the notebook (seed 000): belief and evidence
strips, the listen matrix and graph, and metrics over time; plus joint against own gradients."""

from __future__ import annotations

import networkx as nx
import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from polislab.experiments.store_reader import StoreReader
from polislab.experiments.studies.echochamber import (
    AGREEMENT_FOR_BUBBLES,
    SPECS,
    STAGES,
    gradient_mode_outcomes,
)
from polislab.figures import figure


def _first_run(store: StoreReader, preset: str, require_bubbles: bool = False) -> str | None:
    runs = store.spec_runs(SPECS[preset])
    if len(runs.get("key", [])) == 0:
        return None
    if require_bubbles:
        formed = np.nonzero(runs["listen_sign_agreement"] >= AGREEMENT_FOR_BUBBLES)[0]
        if formed.size:
            return str(runs["key"][formed[0]])
    return str(runs["key"][np.argmin(runs["seed"])])


@figure("echochamber-strips", "echochamber", "beliefs and evidence of every agent over time, each stage",
        see="beliefs (top) run off to the extremes before the evidence (bottom) drifts far from where it "
            "began.", beside="echochamber-selective-evidence")
def strips(store: StoreReader) -> Figure:
    fig = Figure(figsize=(11, 2.0 * len(STAGES)), layout="constrained")
    axes = fig.subplots(len(STAGES), 2, squeeze=False)
    for row, (preset, title) in enumerate(STAGES.items()):
        key = _first_run(store, preset, require_bubbles="listening" in preset)
        artifacts = store.artifacts(key) if key else {}
        steps = store.series(key)["step"] if key else np.array([0, 1])
        for col, name in enumerate(("belief_history", "evidence_history")):
            ax = axes[row, col]
            if name not in artifacts:
                ax.set_axis_off()
                continue
            history = artifacts[name].T  # agents x records
            bound = float(np.max(np.abs(history))) or 1.0
            image = ax.imshow(history, aspect="auto", cmap="bwr", norm=Normalize(-bound, bound),
                              extent=(steps[0], steps[-1], history.shape[0] - 0.5, -0.5),
                              interpolation="nearest")
            fig.colorbar(image, ax=ax, pad=0.01)
            ax.set_title(f"{title}: {name.split('_')[0]}", fontsize="medium")
            ax.set_ylabel("agent")
            ax.set_xlabel("step")
    return fig


@figure("echochamber-listen", "echochamber", "final listen matrix and listen graph, stages 4 and 5",
        see="two blocks in the listen matrix: agents listen to those who share their belief's sign and "
            "ignore the rest.", beside="echochamber-chosen-listening")
def listen(store: StoreReader) -> Figure:
    presets = ["chosen-listening", "chosen-listening-and-evidence"]
    fig = Figure(figsize=(10, 9), layout="constrained")
    axes = fig.subplots(2, 2)
    for row, preset in enumerate(presets):
        key = _first_run(store, preset, require_bubbles=True)
        artifacts = store.artifacts(key) if key else {}
        if "listen_matrix" not in artifacts:
            axes[row, 0].set_axis_off()
            axes[row, 1].set_axis_off()
            continue
        matrix, beliefs = artifacts["listen_matrix"], artifacts["beliefs"]
        order = np.argsort(beliefs)
        image = axes[row, 0].imshow(matrix[np.ix_(order, order)], cmap="PRGn", norm=Normalize(-1, 1))
        fig.colorbar(image, ax=axes[row, 0])
        axes[row, 0].set_title(f"{STAGES[preset]}\nL_ji, agents sorted by belief", fontsize="medium")
        axes[row, 0].set_xlabel("listener i")
        axes[row, 0].set_ylabel("listened to j")
        _listen_graph(axes[row, 1], matrix, beliefs)
    return fig


def _listen_graph(ax, matrix: np.ndarray, beliefs: np.ndarray) -> None:
    """The notebook's circular layout; green edges listen, purple edges listen to disagree."""
    graph = nx.from_numpy_array(matrix, create_using=nx.DiGraph)
    position = nx.circular_layout(graph)
    weights = np.array([graph.edges[e]["weight"] for e in graph.edges])
    colours = np.where(weights > 0, "tab:green", "tab:purple")
    nx.draw_networkx_edges(graph, position, ax=ax, edge_color=list(colours),
                           width=0.3 + 1.5 * np.abs(weights), alpha=0.5, arrows=True, arrowsize=6)
    nx.draw_networkx_nodes(graph, position, ax=ax, node_color=beliefs, cmap="bwr",
                           vmin=-1, vmax=1, edgecolors="black", node_size=220)
    nx.draw_networkx_labels(graph, position, ax=ax, font_size=7)
    ax.set_title("listen graph (node colour: belief)", fontsize="medium")
    ax.set_axis_off()
    ax.set_aspect("equal")


MEAN_SERIES = """
SELECT step, avg(consensus) AS consensus, avg(mean_abs_belief) AS mean_abs_belief,
       avg(bubble_index) AS bubble_index, avg(evidence_drift) AS evidence_drift
FROM series WHERE key IN (SELECT key FROM chosen) GROUP BY step ORDER BY step
"""


@figure("echochamber-series", "echochamber", "metrics over time averaged over seeds, each stage",
        see="in stages 4 and 5 mean |b| rises before the bubble index does, and stage 5's bubbles form "
            "sooner.", beside="echochamber-chosen-listening-and-evidence")
def series(store: StoreReader) -> Figure:
    panels = [("consensus", "consensus", "linear"), ("mean_abs_belief", "mean |b|", "log"),
              ("bubble_index", "bubble index", "linear"), ("evidence_drift", "mean |e - e*|", "log")]
    fig = Figure(figsize=(11, 7), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    for preset, title in STAGES.items():
        runs = store.spec_runs(SPECS[preset])
        if len(runs.get("key", [])) == 0:
            continue
        means = store.query(MEAN_SERIES, runs["key"])
        fraction = means["step"] / max(means["step"].max(), 1)
        for ax, (column, label, scale) in zip(axes, panels):
            ax.plot(fraction, means[column], label=title)
            ax.set_yscale(scale)
            ax.set_title(label)
            ax.set_xlabel("fraction of the stage's steps")
    axes[0].legend(fontsize="small")
    fig.suptitle("Mean over seeds")
    return fig


@figure("echochamber-modes", "echochamber", "joint against own gradients: consensus and bubbles per stage",
        see="how often runs end in consensus or in two bubbles when each agent climbs only its own "
            "utility, against the notebook's joint gradient.", beside="echochamber-own-gradient")
def modes(store: StoreReader) -> Figure:
    outcomes = gradient_mode_outcomes(store)
    fig = Figure(figsize=(11, 4), layout="constrained")
    axes = fig.subplots(1, 2)
    labels = [title.split(":")[0] for title in STAGES.values()]
    x = np.arange(len(labels))
    for ax, column, title in ((axes[0], "consensus", "runs ending in consensus"),
                              (axes[1], "bubbles", "runs forming two bubbles")):
        for offset, mode in ((-0.2, "joint"), (0.2, "own")):
            values = [o[column] for o in outcomes if o["gradient"] == mode]
            if values:
                ax.bar(x + offset, values, width=0.4, label=mode)
        ax.set_xticks(x, labels)
        ax.set_ylim(0, 1)
        ax.set_title(title)
    axes[0].legend(title="gradient")
    return fig


