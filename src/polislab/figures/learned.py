"""Figures of the learned-recommender study (seed 002, section 4): learning curves with the best
heuristic as a horizontal line and the recommended nodes' strategy and degree (Figs. 9-11), and
every policy and heuristic on the #coops / #rewires plane (Fig. 13)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from polislab.experiments.store_reader import StoreReader
from polislab.experiments.studies import learned as study
from polislab.figures import figure
from polislab.figures.style import PAGE_WIDTH, label_point, panel_grid
from polislab.models.coevolution.recommenders import HEURISTICS

COLOURS = {"mlp": "tab:blue", "gat": "tab:orange"}
IMITATING_COLOURS = {"mlp": "tab:purple", "gat": "tab:green"}  # trained after imitating a heuristic


def _curve(rows: list[dict], column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decisions, and the mean, min and max over seeds of a learning-curve column (NaN rows skipped)."""
    decisions = rows[0]["decisions"]
    values = np.vstack([row[column] for row in rows])
    keep = ~np.all(np.isnan(values), axis=0)
    values = values[:, keep]
    return decisions[keep], np.nanmean(values, axis=0), np.nanmin(values, axis=0), np.nanmax(values, axis=0)


@figure("learned-curves", "learned", "learning curves (argmax evaluation return) of MLP and GAT policies for "
        "#coops and #rewires, with the best and the random heuristic; mean strategy and degree of recommended "
        "nodes (Figs. 9-11)",
        see="the policies' returns climb above the random heuristic's line; the best heuristic's line "
            "marks what they have not reached.", beside="learned-recommenders")
def curves(store: StoreReader) -> Figure:
    return _curves(store, study.policies(store))


@figure("learned-gat-large", "learned", "learning curves of GAT policies trained at N = 100 and 500 (beyond the "
        "source), with the best and the random heuristic; mean strategy and degree of recommended nodes",
        see="the GAT policies' returns during training against the best heuristic's line at N = 100 and N"
            " = 500 (--quick's short runs leave these nearly empty).", beside="learned-gat-n100-rewires")
def curves_at_large_n(store: StoreReader) -> Figure:
    return _curves(store, [p for specs in study.LARGE.values() for p in study.policies(store, specs)])


def _curves(store: StoreReader, trained: list[dict]) -> Figure:
    settings = sorted({(p["environment"], p["reward"]) for p in trained})
    table = study.heuristics(store)
    fig = Figure(figsize=(min(4.5 * max(len(settings), 1), PAGE_WIDTH), 9), layout="constrained")
    axes = np.atleast_2d(fig.subplots(3, max(len(settings), 1), squeeze=False))
    for column, setting in enumerate(settings):
        environment, reward = setting
        top, middle, bottom = axes[:, column]
        kinds = sorted({(p["hidden"], p["imitate"]) for p in trained if (p["environment"], p["reward"]) == setting})
        for hidden, imitate in kinds:
            rows = [store.series(p["key"]) for p in trained
                    if (p["environment"], p["reward"], p["hidden"], p["imitate"]) == (*setting, hidden, imitate)]
            colour = (IMITATING_COLOURS if imitate else COLOURS)[hidden]
            label = hidden + (f", imitating {imitate} first" if imitate else "")
            for ax, name in ((top, "eval_return"), (middle, "action_strategy"), (bottom, "action_degree")):
                x, mean, low, high = _curve(rows, name)
                ax.plot(x, mean, color=colour, marker=".", label=f"{label} ({len(rows)} seeds)")
                ax.fill_between(x, low, high, color=colour, alpha=0.2)
                if imitate:  # where PPO takes over
                    ax.axvline(rows[0]["decisions"][rows[0]["imitating"] == 1].max(), color=colour, ls=":")
        scores = {name: study.heuristic_return(table[(environment, name)], reward, environment)
                  for name in HEURISTICS if (environment, name) in table}
        if scores:
            best = max(scores, key=scores.get)
            top.axhline(scores[best], color="black", ls="--", label=f"best heuristic ({best})")
            top.axhline(scores["random"], color="grey", ls=":", label="random")
        top.set_title(f"{environment}, reward {reward}")
        top.set_ylabel("evaluation return")
        middle.set_ylabel("mean strategy of recommended (C = 1)")
        bottom.set_ylabel("mean degree of recommended")
        bottom.set_xlabel("training decisions")
        top.legend(fontsize="small")
    return fig


@figure("learned-fig13", "learned", "#coops against #rewires for every heuristic (grey) and trained policy "
        "(coloured; marker: reward, text: size trained at), at each evaluated size (Fig. 13)",
        see="where each trained policy lands among the heuristics (grey) on the #coops / #rewires plane, "
            "at each evaluated size.", beside="learned-recommenders")
def fig13(store: StoreReader) -> Figure:
    trained = study.policies(store) + [p for specs in study.LARGE.values() for p in study.policies(store, specs)]
    table = study.heuristics(store)
    presets = [p for p in study.SIZES if any(p in t["evaluations"] for t in trained) or (p, "random") in table]
    shape = panel_grid(len(presets))
    fig = Figure(figsize=(PAGE_WIDTH, 4.5 * shape[0]), layout="constrained")
    axes = np.atleast_1d(fig.subplots(*shape, squeeze=False)).ravel()
    for ax in axes[len(presets):]:
        ax.set_visible(False)
    markers = {"coops": "o", "rewires": "s", "coops-change": "o"}  # coops-change: the aligned reward paid as it goes
    for ax, preset in zip(axes, presets):
        for name in HEURISTICS:
            if (preset, name) in table:
                runs = table[(preset, name)]
                ax.scatter(runs["cooperators"].mean(), runs["requests"].mean(), color="grey")
                label_point(ax, name, (runs["cooperators"].mean(), runs["requests"].mean()), color="grey")
        for policy in trained:
            if preset in policy["evaluations"]:
                values = policy["evaluations"][preset]
                point = (values["cooperators"].mean(), values["requests"].mean())
                colours = IMITATING_COLOURS if policy["imitate"] else COLOURS
                ax.scatter(*point, color=colours[policy["hidden"]], marker=markers[policy["reward"]],
                           edgecolor="black")
                label_point(ax, policy["environment"].replace("table4-", ""), point)
        ax.set_title(f"evaluated on {preset}")
        ax.set_xlabel("#coops (final fraction of cooperators)")
        ax.set_ylabel("#rewires (requests per episode)")
    for hidden, colour in COLOURS.items():
        for reward in study.REWARDS:
            axes[0].scatter([], [], color=colour, marker=markers[reward], edgecolor="black", label=f"{hidden} {reward}")
    for hidden in sorted({policy["hidden"] for policy in trained if policy["imitate"]}):
        axes[0].scatter([], [], color=IMITATING_COLOURS[hidden], edgecolor="black", label=f"{hidden} after imitation")
    axes[0].legend()
    return fig
