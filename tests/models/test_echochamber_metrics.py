"""Measurements worked by hand and against scipy."""

import numpy as np
import pytest
from scipy import stats

from polislab.models.echochamber.metrics import Listening, bimodality, bubble_index, snapshot, utilities


def test_bimodality_agrees_with_scipy_moments():
    b = np.random.default_rng(1).normal(size=(3, 50))
    expected = (stats.skew(b, axis=1) ** 2 + 1) / stats.kurtosis(b, axis=1, fisher=False)
    np.testing.assert_allclose(bimodality(b), expected, rtol=1e-12)


def test_bimodality_of_two_equal_point_masses_is_one():
    assert bimodality(np.array([[-1.0, 1.0, -1.0, 1.0]]))[0] == pytest.approx(1.0)


def test_perfect_bubbles_have_index_two_and_full_sign_agreement():
    b = np.array([[0.9, 0.5, -0.3, -1.0]])
    L = np.sign(np.outer(b[0], b[0]))
    np.fill_diagonal(L, 0)
    listening = Listening(matrix=L[None])
    assert bubble_index(b, listening)[0] == pytest.approx(2.0)
    assert listening.sign_agreement(np.sign(b))[0] == 1.0
    assert listening.fraction_at(1.0)[0] == 1.0


def test_dense_and_sparse_bubble_index_agree_on_the_same_graph():
    r = np.random.default_rng(3)
    n, k = 9, 4
    b = r.normal(size=(1, n))
    sources = np.array([[r.choice([j for j in range(n) if j != i], k, replace=False) for i in range(n)]])
    weights = r.normal(size=(1, n, k))
    dense = np.zeros((1, n, n))
    for i in range(n):
        dense[0, sources[0, i], i] = weights[0, i]
    sparse = Listening(sources=sources, weights=weights)
    # over the existing links only: compare with the dense mean restricted to the graph
    same = np.sign(b[0])[:, None] * np.sign(b[0])[None, :] > 0
    links = dense[0] != 0
    expected = dense[0][links & same].mean() - dense[0][links & ~same].mean()
    assert bubble_index(b, sparse)[0] == pytest.approx(expected)
    np.testing.assert_allclose(sparse.heard(b), np.einsum("ji,j->i", dense[0], b[0])[None])


def test_utility_by_hand():
    # b = (1, -1), e = (0.5, 0.5), L_10 = 1 (agent 0 listens to 1), s = 2, m = 3, p = 1, e* = 0
    L = np.array([[[0.0, 0.0], [1.0, 0.0]]])
    u = utilities(np.array([[1.0, -1.0]]), np.array([[0.5, 0.5]]), Listening(matrix=L), 2, 3, 1, 0)
    # U_0 = 0.5 - 1 + 3 * 1 * (-1) - 0.25 = -3.75; U_1 = -0.5 - 1 + 0 - 0.25 = -1.75
    np.testing.assert_allclose(u, [[-3.75, -1.75]])


def test_consensus_counts_the_majority_sign():
    b = np.array([[0.1, 0.2, -0.3, 0.4]])
    row = snapshot(b, b, Listening(matrix=np.zeros((1, 4, 4))), 2, 1, 0, 0, None)
    assert row["consensus"][0] == 0.75
