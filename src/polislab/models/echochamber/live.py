"""The echo-chamber model run a chunk at a time for ``polislab view``: one replicate of
``model.advance`` (seed 000), drawn as belief and evidence strips (one row per frame, agents in
the order of their initial belief) and the listen matrix in the same order, averaged in blocks
to at most ``MATRIX_CELLS`` a side."""

from __future__ import annotations

import numpy as np

from polislab.core.live import ChunkedRun, Picture, live
from polislab.models.echochamber.metrics import snapshot
from polislab.models.echochamber.model import advance, initial_state
from polislab.models.echochamber.params import EchoChamberParams

MATRIX_CELLS = 256
STRIP_CELLS = 1024


def to_bytes(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """``values`` scaled from [low, high] to 0..255 (nan to the middle)."""
    span = high - low if high > low else 1.0
    scaled = np.nan_to_num((values - low) / span * 255, nan=127.5, posinf=255, neginf=0)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def blocks(values: np.ndarray, cells: int) -> np.ndarray:
    """The mean of ``values`` over equal blocks along every axis, at most ``cells`` per axis."""
    for axis in range(values.ndim):
        n = values.shape[axis]
        if n > cells:
            edges = np.linspace(0, n, cells + 1).astype(np.int64)
            values = np.add.reduceat(values, edges[:-1], axis=axis) / np.diff(edges).reshape(
                [-1 if a == axis else 1 for a in range(values.ndim)])
    return values


class EchoChamberRun(ChunkedRun):
    units = "steps"

    def __init__(self, params: EchoChamberParams, seed: int):
        self.params = params
        self.state = initial_state(params, [seed])
        self.order = np.argsort(self.state.b[0], kind="stable")
        self.total, self.done = params.steps, 0

    def advance(self, units: int) -> None:
        units = self.left(units)
        if units > 0:
            advance(self.state, self.params, units, self.done)
            self.done += units

    def values(self) -> dict[str, float]:
        p, state = self.params, self.state
        row = snapshot(state.b, state.e, state.listening(), p.scepticism, p.peer_multiplier, p.evidence_pressure,
                       p.real_evidence, p.clamp)
        return {name: float(column[0]) for name, column in row.items()}

    def picture(self, links_held: int | None) -> Picture:
        state = self.state
        b = state.b[0][self.order].astype(np.float64)
        e = state.e[0][self.order].astype(np.float64)
        reach = float(np.nanmax([np.abs(b).max(), np.abs(e).max(), 1e-9]))
        images = {"beliefs": (to_bytes(blocks(b, STRIP_CELLS), -reach, reach), -reach, reach),
                  "evidence": (to_bytes(blocks(e, STRIP_CELLS), -reach, reach), -reach, reach)}
        if state.L is not None:
            matrix = blocks(state.L[0][np.ix_(self.order, self.order)].astype(np.float64), MATRIX_CELLS)
            top = float(max(np.abs(matrix).max(), 1e-9))
            images["listen matrix"] = (to_bytes(matrix, -top, top), -top, top)
        n = self.params.n
        note = "agents in the order of their initial belief"
        if n > STRIP_CELLS or (state.L is not None and n > MATRIX_CELLS):
            note += "; wide arrays drawn as block means"
        return Picture("images", images=images, note=note)


@live("echochamber")
def start(params: EchoChamberParams, seed: int) -> EchoChamberRun:
    return EchoChamberRun(params, seed)
