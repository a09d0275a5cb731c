"""A model run a chunk at a time, for watching it (``polislab view``, issue 26).

A live run is what ``simulate`` does, cut where the kernel already stops between records: it
advances by a number of the model's units (steps, updates, encounters), reports the current value
of each series, and draws a picture of its state on request. A model offers one by putting a
``live`` module in its package that registers a factory:

    @live("coevolution")
    def start(params: CoevolutionParams, seed: int) -> LiveRun: ...

A model without one is still watchable: ``Replay`` runs ``simulate`` once and reveals its series
point by point (the page says it is a replay). Nothing here imports a model: ``live_run`` finds
the module the way the registry finds models.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from polislab.core.params import Params
from polislab.core.registry import MODELS_PACKAGE, ModelSpec

DRAW_LIMIT = 20_000  # nodes drawn at most; larger graphs are shown as a random sample of this many
REPLAY_STEPS, REPLAY_PAUSE = 100, 0.04  # a replay reveals its series in about 100 steps, 4 s


@dataclass
class Picture:
    """What the page draws of the state, beside the series.

    ``kind``: ``"graph"`` (``colors``: a small code per drawn node, ``legend``: the label and CSS
    colour of each code, ``links``: (m, 2) int32 pairs of drawn nodes when the page's copy is
    out of date, else None, ``links_version``: changes whenever the links do, ``positions``:
    (n, 2) float32 when the model has a layout of its own, else the page lays the graph out), ``"images"`` (``images``: name -> uint8 2-D array with its value
    range), or ``"none"``. ``note``: one line saying what is drawn (a sample, an aggregate)."""

    kind: str = "none"
    colors: np.ndarray | None = None
    legend: list[tuple[str, str]] = field(default_factory=list)
    links: np.ndarray | None = None
    links_version: int = 0
    positions: np.ndarray | None = None
    images: dict[str, tuple[np.ndarray, float, float]] = field(default_factory=dict)
    note: str = ""


class LiveRun(Protocol):
    """One run of a model, advanced a chunk at a time (``units`` names what a step counts)."""

    units: str
    total: int  # the run's length in units
    done: int  # units run so far
    finished: bool  # reached ``total`` or stopped early (absorbed, converged)

    def advance(self, units: int) -> None:
        """Run at most ``units`` more units (fewer when the run ends)."""

    def values(self) -> dict[str, float]:
        """The current value of each series (one point of each chart)."""

    def picture(self, links_held: int | None) -> Picture:
        """The state as the page draws it. ``links_held``: None when the page wants no links now
        (it asks now and then: links cost more than colours), else the ``links_version`` of the
        links it holds (-1: none); the links come only when they differ."""


class ChunkedRun:
    """What every built-in live run shares: it has ``total`` units and has run ``done``; it is
    ``finished`` when they are all run or ``stopped_early`` says the model stopped on its own
    (absorbed, converged); ``left(units)`` is how many of ``units`` may still run."""

    total: int
    done: int

    def stopped_early(self) -> bool:
        return False

    @property
    def finished(self) -> bool:
        return self.done >= self.total or self.stopped_early()

    def left(self, units: int) -> int:
        return max(0, min(units, self.total - self.done))


Factory = Callable[[Params, int], LiveRun]
_LIVE: dict[str, Factory] = {}


def live(name: str) -> Callable[[Factory], Factory]:
    """Register ``start(params, seed) -> LiveRun`` as the live run of model ``name``."""

    def decorate(start: Factory) -> Factory:
        _LIVE[name] = start
        return start

    return decorate


def live_factory(name: str) -> Factory | None:
    """The live run of model ``name`` from its package's ``live`` module, or None without one."""
    if name not in _LIVE:
        module = f"{MODELS_PACKAGE}.{name.replace('-', '_')}.live"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
    return _LIVE.get(name)


def start_run(spec: ModelSpec, params: Params, seed: int) -> LiveRun:
    """A live run of ``spec``'s model: its own where it has one, else a replay of ``simulate``."""
    factory = live_factory(spec.name)
    return factory(params, seed) if factory is not None else Replay(spec, params, seed)


class Replay:
    """A model without a live run: ``simulate`` runs once (on the first ``advance``), then each
    ``advance`` reveals the next points of its series, at most ``REPLAY_STEPS``-th of them and
    ``REPLAY_PAUSE`` seconds apart, so that a replay lasts a few seconds however fast the model
    ran. Its unit is a recorded point."""

    units = "records"

    def __init__(self, spec: ModelSpec, params: Params, seed: int):
        self.spec, self.params, self.seed = spec, params, seed
        self.series: dict[str, np.ndarray] | None = None
        self.total, self.done, self.finished = 1, 0, False

    def _simulate(self) -> None:
        result = self.spec.simulate(self.params, self.seed)
        numeric = {name: np.asarray(column, dtype=float) for name, column in result.series.items()
                   if np.asarray(column).dtype.kind in "iufb" and np.asarray(column).ndim == 1}
        numeric.pop("step", None)
        self.series = numeric or {name: np.array([float(value)]) for name, value in result.metrics.items()
                                  if isinstance(value, (int, float)) and not isinstance(value, bool)}
        self.total = max((len(column) for column in self.series.values()), default=1)

    def advance(self, units: int) -> None:
        if self.series is None:
            self._simulate()
        else:
            time.sleep(REPLAY_PAUSE)
        self.done = min(self.total, self.done + max(1, min(units, -(-self.total // REPLAY_STEPS))))
        self.finished = self.done >= self.total

    def values(self) -> dict[str, float]:
        if not self.series or self.done == 0:
            return {}
        return {name: float(column[min(self.done, len(column)) - 1]) for name, column in self.series.items()}

    def picture(self, links_held: int | None) -> Picture:
        return Picture(note="a replay: this model has no live run, so it ran to the end and its series "
                            "are shown point by point")


def sample_nodes(n: int, seed: int, limit: int = DRAW_LIMIT) -> np.ndarray | None:
    """The nodes drawn of an n-node graph: None (all) up to ``limit``, else a fixed random sample."""
    if n <= limit:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))


def drawn_links(edges: np.ndarray, n: int, sample: np.ndarray | None) -> np.ndarray:
    """The links among the drawn nodes, renumbered to the drawn order, as int32 pairs."""
    if sample is None:
        return np.ascontiguousarray(edges, dtype=np.int32)
    place = np.full(n, -1, dtype=np.int64)
    place[sample] = np.arange(len(sample))
    kept = edges[(place[edges[:, 0]] >= 0) & (place[edges[:, 1]] >= 0)]
    return place[kept].astype(np.int32)
