"""Measurements of echo-chamber replicates, vectorised over the replicate axis (seed 000).

Arrays carry a leading replicate axis: b, e of shape (R, n). Seed 000 defines the utility;
the other measurements are ours:
- mean_utility: mean of U_i (seed 000).
- consensus: fraction of agents sharing the majority sign of belief.
- bimodality: Sarle's coefficient (skew^2 + 1) / kurtosis of the beliefs; 1 for two equal
  point masses, 5/9 for a uniform, 1/3 for a normal distribution; above 5/9 suggests two modes.
- at_clamp: fraction of agents whose belief sits at the clamp.
- bubble_index: mean listen weight between same-sign agents minus between opposite-sign agents,
  over the listening graph (all ordered pairs j != i on a dense graph); 2 for perfect bubbles.
- listen_sign_agreement: fraction of listen weights with sign(L_ji) = sign(b_i) sign(b_j).
- evidence_drift: mean |e_i - e*|.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from polislab.core.stats import bimodality

ROW_BLOCK = 512  # rows of a dense listen matrix handled at once, to keep temporaries small


@dataclass
class Listening:
    """Listen weights: dense ``matrix[r, j, i] = L_ji``, or sparse ``sources``/``weights`` (R, n, k)."""

    matrix: np.ndarray | None = None
    sources: np.ndarray | None = None
    weights: np.ndarray | None = None

    def heard(self, b: np.ndarray) -> np.ndarray:
        """(L^T b)_i = sum_j L_ji b_j, what agent i hears, per replicate."""
        if self.matrix is not None:
            return np.matmul(b[:, None, :].astype(self.matrix.dtype), self.matrix)[:, 0, :]
        return (self.weights * _gather(b, self.sources)).sum(axis=2)

    def sign_sums(self, sign: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per replicate: sum and count of weights within same-sign pairs and across."""
        n = sign.shape[1]
        if self.matrix is not None:
            total = self.matrix.sum(axis=(1, 2), dtype=np.float64)
            sign_t = sign.astype(self.matrix.dtype)
            cross = np.einsum("ri,ri->r", np.matmul(sign_t[:, None, :], self.matrix)[:, 0, :], sign_t)
            positive = np.sum(sign > 0, axis=1)
            same_count = positive**2 + (n - positive) ** 2 - n
            return (total + cross) / 2, same_count, (total - cross) / 2, n * (n - 1) - same_count
        same = sign[:, :, None] * _gather(sign, self.sources) > 0
        weights = self.weights.astype(np.float64)
        return (
            np.where(same, weights, 0).sum(axis=(1, 2)), same.sum(axis=(1, 2)),
            np.where(same, 0, weights).sum(axis=(1, 2)), (~same).sum(axis=(1, 2)),
        )

    def sign_agreement(self, sign: np.ndarray) -> np.ndarray:
        """Per replicate, fraction of weights with sign(L_ji) = sign(b_i) sign(b_j)."""
        if self.matrix is None:
            agree = np.sign(self.weights) == sign[:, :, None] * _gather(sign, self.sources)
            return agree.mean(axis=(1, 2))
        n = sign.shape[1]
        agree = np.zeros(sign.shape[0])
        for start in range(0, n, ROW_BLOCK):
            rows = np.sign(self.matrix[:, start : start + ROW_BLOCK])
            products = rows * sign[:, start : start + ROW_BLOCK, None] * sign[:, None, :]
            agree += np.sum(products > 0, axis=(1, 2))
        return agree / (n * (n - 1))

    def fraction_at(self, bound: float) -> np.ndarray:
        """Per replicate, fraction of listening links with |L_ji| at ``bound``."""
        if self.matrix is None:
            return np.mean(np.abs(self.weights) >= bound * (1 - 1e-6), axis=(1, 2))
        n = self.matrix.shape[1]
        at = np.zeros(self.matrix.shape[0])
        for start in range(0, n, ROW_BLOCK):
            at += np.sum(np.abs(self.matrix[:, start : start + ROW_BLOCK]) >= bound * (1 - 1e-6), axis=(1, 2))
        return at / (n * (n - 1))


def _gather(values: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """values[r, sources[r, i, q]] for every r, i, q."""
    count, n, k = sources.shape
    flat = np.take_along_axis(values, sources.reshape(count, n * k).astype(np.int64), axis=1)
    return flat.reshape(count, n, k)


def utilities(b, e, listening: Listening, s, m, p, e_star) -> np.ndarray:
    """U_i = b_i e_i - (s/2) b_i^2 + m b_i sum_j L_ji b_j - p (e_i - e*)^2 (seed 000)."""
    heard = listening.heard(b).astype(np.float64)
    b = b.astype(np.float64)
    e = e.astype(np.float64)
    return b * e - 0.5 * s * b**2 + m * b * heard - p * (e - e_star) ** 2


def belief_sign(b: np.ndarray) -> np.ndarray:
    return np.where(b >= 0, 1.0, -1.0)


def bubble_index(b: np.ndarray, listening: Listening) -> np.ndarray:
    within, within_count, across, across_count = listening.sign_sums(belief_sign(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        index = within / within_count - across / across_count
    return np.where((within_count > 0) & (across_count > 0), index, np.nan)


def snapshot(b, e, listening: Listening, s, m, p, e_star, clamp) -> dict[str, np.ndarray]:
    """The per-record measurements of every replicate: O(n) plus one pass over the weights."""
    n = b.shape[1]
    positive = np.sum(b >= 0, axis=1)
    abs_b = np.abs(b.astype(np.float64))
    return {
        "mean_utility": utilities(b, e, listening, s, m, p, e_star).mean(axis=1),
        "consensus": np.maximum(positive, n - positive) / n,
        "mean_belief": b.mean(axis=1, dtype=np.float64),
        "mean_abs_belief": abs_b.mean(axis=1),
        "bimodality": bimodality(b, axis=1),
        "at_clamp": np.mean(abs_b >= clamp * (1 - 1e-6), axis=1) if clamp else np.zeros(len(b)),
        "bubble_index": bubble_index(b, listening),
        "evidence_drift": np.mean(np.abs(e.astype(np.float64) - e_star), axis=1),
    }
