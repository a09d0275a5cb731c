"""Figures of the opinion study (seed 003; Meylahn & Meylahn 2024): the distribution of times to
consensus, a metastable run on the geometric graph, the voter limit, the ergodic modification."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from polislab.experiments.store_reader import StoreReader
from polislab.experiments.studies import opinion as study
from polislab.figures import figure

COLOURS = {0: "tab:red", 1: "tab:blue"}  # opinion -1, +1


@figure("opinion-consensus-times", "opinion", "survival of polarisation: P(time to consensus > t), log-log, "
        "per radius",
        see="straight tails on log-log axes: times to consensus are heavy-tailed, heavier at the smaller radius.")
def consensus_times(store: StoreReader) -> Figure:
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.subplots()
    for radius, (times, limit) in study.consensus_times(store).items():
        finite = np.sort(times[np.isfinite(times)])
        survival = 1.0 - np.arange(1, finite.size + 1) / times.size
        line, = ax.step(finite, survival, where="post", label=f"r = {radius}")
        if np.isinf(times).any():  # censored: polarised at least until the limit
            ax.plot([finite[-1] if finite.size else 1, limit], [survival[-1] if finite.size else 1] * 2,
                    ls=":", color=line.get_color())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("t (agent updates)")
    ax.set_ylabel("P(time to consensus > t)")
    ax.set_title("dotted: runs still polarised at the time limit")
    ax.legend()
    return fig


@figure("opinion-metastable", "opinion", "a metastable run: opinion maps at several times, discordant links "
        "and clusters over time",
        see="the opinion map freezes into a few clusters for a long time before one opinion wins; "
            "discordant links fall in steps.")
def metastable(store: StoreReader) -> Figure:
    key = study.metastable_run(store)
    fig = Figure(figsize=(11, 6), layout="constrained")
    if key is None:
        return fig
    art, series = store.artifacts(key), store.series(key)
    positions = art["positions"]
    maps = list(zip(art["snapshot_times"], art["snapshots"]))[-5:] + [(store.runs([key])["consensus_time"][0],
                                                                      art["opinion"])]
    grid = fig.add_gridspec(2, len(maps))
    for column, (time, opinion) in enumerate(maps):
        ax = fig.add_subplot(grid[0, column])
        ax.scatter(positions[:, 0], positions[:, 1], s=12, c=[COLOURS[int(o)] for o in opinion])
        ax.set_title(f"t = {time:.2g}", fontsize="small")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal")
    ax = fig.add_subplot(grid[1, :])
    ax.plot(series["step"], series["discordant_share"], label="share of discordant links")
    ax.plot(series["step"], series["plus_share"], label="share holding +1")
    ax.plot(series["step"], series["outvoted_share"], label="share outvoted by their neighbours")
    ax.axvline(study.local_agreement_time(series), color="grey", ls=":", label="local agreement")
    ax.set_xscale("log")
    ax.set_xlabel("t (agent updates)")
    twin = ax.twinx()
    twin.step(series["step"], series["clusters"], color="black", lw=0.8, where="post", label="opinion clusters")
    twin.set_ylabel("opinion clusters")
    ax.legend(loc="upper left", fontsize="small")
    twin.legend(loc="upper right", fontsize="small")
    return fig


@figure("opinion-voter-limit", "opinion", "median time to consensus against the batch size b, with the voter "
        "model's",
        see="the batched model's median time to consensus approaches the voter model's line as the batch "
            "size b grows.")
def voter_limit(store: StoreReader) -> Figure:
    m = study.batch_medians(store)
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.subplots()
    if not m:
        return fig
    batches = np.array(sorted(b for b in m if isinstance(b, int)))
    limit = float(study.VOTER_LIMIT.params["updates"])  # runs still polarised then are censored there
    medians = np.array([m[b][0] for b in batches])
    quartiles = np.minimum(np.array([m[b][1] for b in batches]), limit)
    finite = np.isfinite(medians)
    ax.plot(batches[finite], medians[finite], marker="o", label="batched learning (median)")
    if not finite.all():
        ax.scatter(batches[~finite], np.full((~finite).sum(), limit), marker="^", s=60, color="tab:blue",
                   label=f"median above {limit:.0e} (censored)")
    ax.fill_between(batches, quartiles[:, 0], quartiles[:, 1], alpha=0.2, label="quartiles (censored at the limit)")
    ax.axhline(m["voter"], color="black", ls="--", label="voter model (median)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("b (express-reward-update rounds per agent update)")
    ax.set_ylabel("agent updates to consensus")
    ax.legend()
    return fig


@figure("opinion-ergodic", "opinion", "share holding +1 over time: the original (absorbed) against the ergodic "
        "modification",
        see="the original process is absorbed at all +1 or all -1; the modified one keeps crossing between them.")
def ergodic(store: StoreReader) -> Figure:
    runs = study.stored(store, study.ERGODIC, study.ERGODIC_QUICK)
    fig = Figure(figsize=(10, 4), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, feedback, title in ((axes[0], "greedy", "original: neighbours reward agreement with their greedy "
                                 "opinion"), (axes[1], "expressed", "modified: with the opinion they express")):
        keys = [k for k, f in zip(runs.get("key", []), runs.get("feedback", [])) if f == feedback][:3]
        for key in keys:
            series = store.series(key)
            ax.plot(series["step"], series["plus_share"], lw=0.9)
        ax.set_xscale("log")
        ax.set_xlabel("t (agent updates)")
        ax.set_title(title, fontsize="small")
    axes[0].set_ylabel("share holding +1")
    return fig
