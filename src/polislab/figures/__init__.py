"""Layer 5: figures drawn from stored results only (they never run a simulation).

``FIGURES`` maps a name to a drawing function ``draw(store) -> matplotlib Figure``. Figures use
matplotlib's object API (no pyplot), so drawing changes no global state.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from polislab.core.errors import UsageError
from polislab.experiments.catalog import entries
from polislab.experiments.spec import smoke_size
from polislab.experiments.store_reader import StoreReader


@dataclass(frozen=True)
class FigureEntry:
    study: str
    description: str
    draw: Callable
    beside: str  # the catalog entry whose claims it supports (the report places it there)
    see: str  # what to see in it: the report's caption


FIGURES: dict[str, FigureEntry] = {}


def figure(name: str, study: str, description: str, see: str, beside: str | None = None
           ) -> Callable[[Callable], Callable]:
    """Register a drawing function under ``name``: what it draws (``description``), what a reader
    should see in it (``see``) and the catalog entry whose claims it supports (``beside``; by
    default the entry of the same name)."""

    def decorate(draw: Callable) -> Callable:
        FIGURES[name] = FigureEntry(study, description, draw, beside or name, see)
        return draw

    return decorate


def load_figures() -> dict[str, FigureEntry]:
    """Every figure: each module of this package registers its own (a new study's figures are a
    new module, found here)."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return FIGURES


def figure_suffixes() -> set[str]:
    """The file endings matplotlib can draw to (.png, .pdf, .svg, ...)."""
    from matplotlib.figure import Figure

    return {f".{suffix}" for suffix in Figure().canvas.get_supported_filetypes()}


def _holds(name: str, store: StoreReader) -> bool:
    return any(store.holds_any(run.key for run in spec.runs())
               for entry in entries(load_figures()[name].study) for spec in entry.specs())


def drawable(name: str, store: StoreReader) -> str | None:
    """How ``store`` can draw figure ``name``: "full" (full or quick runs of its study), "smoke"
    (only the tiny runs of ``polislab reproduce --smoke``), or None."""
    if _holds(name, store):
        return "full"
    with smoke_size():
        return "smoke" if _holds(name, store) else None


def draw_figure(name: str, source: str | Path, out: str | Path | BinaryIO, store: StoreReader | None = None
                ) -> Path | BinaryIO:
    """Draw figure ``name`` from the results in ``source`` (read through ``store`` when given, so
    that a report reads each run once) to the file ``out`` (a path, or a binary file object that
    gets PNG)."""
    figures = load_figures()
    if name not in figures:
        raise UsageError(f"unknown figure '{name}'; allowed: {', '.join(sorted(figures))}")
    if not (Path(source) / "runs").is_dir():
        raise UsageError(f"--from {source}: no stored runs there (run polislab reproduce or sweep first)")
    study = figures[name].study
    store = store or StoreReader(source)
    size = drawable(name, store)
    if size is None:
        raise UsageError(f"--from {source} holds no runs of the {study} study that figure '{name}' draws; make "
                         f"them with: polislab reproduce --only {study} --out {source} (--quick: the small version)")
    import matplotlib

    from polislab.figures.style import DPI, STYLE

    if isinstance(out, (str, Path)):
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(STYLE), smoke_size() if size == "smoke" else nullcontext():  # nothing global changed
        fig = figures[name].draw(store)
        fig.savefig(out, dpi=DPI, bbox_inches="tight", **({} if isinstance(out, Path) else {"format": "png"}))
    return out
