"""The series of one or more runs, one panel per column (``polislab run --plot FILE``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from polislab.core.errors import UsageError
from polislab.core.result import Result


def series_figure(results: Sequence[Result]) -> Figure:
    names = [name for name in results[0].series if name != "step"]
    columns = min(3, max(1, len(names)))
    rows = max(1, math.ceil(len(names) / columns))
    fig = Figure(figsize=(4.2 * columns, 2.8 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        for result in results:
            ax.plot(result.series["step"], result.series[name], lw=1, alpha=0.8, label=f"seed {result.seed}")
        ax.set_title(name)
        ax.set_xlabel("step")
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if len(results) <= 8 and names:
        axes[0].legend(fontsize="small")
    fig.suptitle(f"{results[0].model}")
    return fig


def plot_series(results: Sequence[Result], out: str | Path) -> Path:
    if not any(len(result.series.get("step", ())) for result in results):
        raise UsageError(f"--plot: the {results[0].model} runs recorded no series, so there is nothing to draw; "
                         "a model that records series on request takes record_every (as --set record_every=1000)")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    series_figure(results).savefig(out, dpi=110)
    return out
