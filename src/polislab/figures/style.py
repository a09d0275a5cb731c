"""One look for every figure: font sizes legible at the report's width, a figure at most the
page's width, and a colour and marker for each recommender that no other one shares."""

from __future__ import annotations

from itertools import cycle

PAGE_WIDTH = 11.0  # inches: the report's column (1150 px) at the 110 dpi figures are drawn at
DPI = 110
STYLE = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "xtick.labelsize": 9, "ytick.labelsize": 9,
         "legend.fontsize": 9, "figure.titlesize": 12}
_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
            "#17becf", "#393b79", "#ad494a", "#637939", "#843c39")  # tab10 and four darker ones
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*", "h", "p", "d", "8")


def looks(names: list[str]) -> dict[str, dict]:
    """A distinct colour and marker for each name (recommenders, policies), in the given order:
    ``ax.scatter(x, y, **looks(names)[name])``."""
    return {name: {"color": colour, "marker": marker}
            for name, colour, marker in zip(names, cycle(_COLOURS), cycle(_MARKERS))}


def panel_grid(panels: int, columns: int = 2) -> tuple[int, int]:
    """Rows and columns for ``panels`` panels, at most ``columns`` wide (wide rows shrink on the page)."""
    columns = max(1, min(columns, panels))
    return -(-max(panels, 1) // columns), columns


def label_point(ax, text: str, point: tuple[float, float], **options) -> None:
    """Write ``text`` beside a point, offset so that the marker does not hide it."""
    ax.annotate(text, point, xytext=(5, 4), textcoords="offset points", fontsize=8, **options)
