"""The compiled kernels against the gradients of seed 000's utility worked in numpy, on random
small states (hypothesis), and their invariants: L_jj = 0, the clamp, distinct sources."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from polislab.models.echochamber import kernels


def numpy_step(b, e, L, lr, s, m, p, e_star, learn, joint, clamp):
    """One step of seed 000's gradient ascent, L[j, i] = L_ji, by the formulas of kernels.py."""
    heard, told = L.T @ b, L @ b
    grad_b = e - s * b + m * heard + (m * told if joint else 0)
    grad_e = b - 2 * p * (e - e_star)
    grad_L = m * np.outer(b, b)
    np.fill_diagonal(grad_L, 0)
    bound = clamp if clamp > 0 else np.inf
    new = []
    for value, grad, learns in ((b, grad_b, learn[0]), (e, grad_e, learn[1]), (L, grad_L, learn[2])):
        new.append(np.clip(value + lr * grad, -bound, bound) if learns else value.copy())
    return new


def run_kernel(b, e, L, lr, s, m, p, e_star, learn, joint, clamp, steps=1, sparse=None):
    b, e = b[None].copy(), e[None].copy()
    last, moving = np.zeros(1, np.int64), np.zeros(1, np.int64)
    common = (steps, lr, s, m, p, e_star, *learn, joint, clamp if clamp > 0 else np.inf, 1e-3, 0, last, moving)
    if sparse is None:
        L = L[None].copy()
        kernels.dense_steps(b, e, L, *common)
        return b[0], e[0], L[0]
    sources, weights = sparse
    weights = weights[None].copy()
    kernels.sparse_steps(b, e, sources[None], weights, *common)
    dense = np.zeros((len(b[0]), len(b[0])))
    for i in range(len(b[0])):
        dense[sources[i], i] = weights[0, i]
    return b[0], e[0], dense


states = st.integers(2, 7).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.integers(0, 2**32 - 1),
        st.tuples(st.booleans(), st.booleans(), st.booleans()),
        st.booleans(),
        st.sampled_from([0.0, 0.3, 1.0]),
        st.floats(-3, 3),
        st.floats(0, 4),
    )
)


@settings(max_examples=60, deadline=None)
@given(states)
def test_dense_step_matches_the_utility_gradient(state):
    n, seed, learn, joint, clamp, m, p = state
    r = np.random.default_rng(seed)
    b, e, L = r.normal(0, 0.5, n), r.normal(0, 0.5, n), r.normal(0, 0.5, (n, n))
    np.fill_diagonal(L, 0)
    if clamp:
        b, e, L = (np.clip(x, -clamp, clamp) for x in (b, e, L))
    args = (1e-2, 2.0, m, p, 0.1, learn, joint, clamp)
    got = run_kernel(b, e, L, *args)
    want = numpy_step(b, e, L, *args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(states, st.integers(1, 6))
def test_sparse_step_matches_the_dense_step_on_the_same_graph(state, k):
    n, seed, learn, joint, clamp, m, p = state
    k = min(k, n - 1)
    r = np.random.default_rng(seed)
    sources = kernels.sample_sources(n, k, 1, seed % 1000)[0]
    weights = r.normal(0, 0.5, (n, k))
    b, e = r.normal(0, 0.5, n), r.normal(0, 0.5, n)
    dense = np.zeros((n, n))
    for i in range(n):
        dense[sources[i], i] = weights[i]
    args = (1e-2, 2.0, m, p, 0.1, learn, joint, clamp)
    # one step: after it a dense graph has grown weights where the sparse graph has no link
    # (many steps on a complete sparse graph: test_sparse_graph_with_everyone_listening_equals_dense)
    steps = 1 if learn[2] and k < n - 1 else 5
    got = run_kernel(b, e, None, *args, steps=steps, sparse=(sources, weights))
    want = run_kernel(b, e, dense, *args, steps=steps)
    graph = dense != 0
    np.testing.assert_allclose(got[0], want[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[2][graph], want[2][graph], rtol=1e-10, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 9), st.integers(0, 10**6), st.sampled_from([0.5, 1.0]))
def test_many_steps_keep_the_diagonal_zero_and_the_clamp(n, seed, clamp):
    r = np.random.default_rng(seed)
    L = r.normal(0, 1, (n, n))
    np.fill_diagonal(L, 0)
    L = np.clip(L, -clamp, clamp)
    b, e, L = run_kernel(np.clip(r.normal(0, 1, n), -clamp, clamp), np.clip(r.normal(0, 1, n), -clamp, clamp),
                         L, 0.05, 2.0, 3.0, 1.0, 0.0, (True, True, True), True, clamp, steps=200)
    assert np.all(np.diag(L) == 0)
    assert max(np.abs(b).max(), np.abs(e).max(), np.abs(L).max()) <= clamp


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 60).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n - 1))), st.integers(0, 10**6))
def test_sampled_sources_are_distinct_others(nk, seed):
    n, k = nk
    sources = kernels.sample_sources(n, k, 2, seed)
    assert sources.shape == (2, n, k)
    for r in range(2):
        for i in range(n):
            row = sources[r, i]
            assert len(set(row.tolist())) == k and i not in row and row.min() >= 0 and row.max() < n


def test_sources_are_uniform_over_the_others():
    # each of the n - 1 others is chosen with probability k / (n - 1); chi-square at a fixed seed
    n, k = 8, 3
    sources = kernels.sample_sources(n, k, 4000, 11)
    counts = np.bincount(sources[:, 0, :].ravel(), minlength=n)
    assert counts[0] == 0
    expected = 4000 * k / (n - 1)
    chi2 = np.sum((counts[1:] - expected) ** 2 / expected)
    assert chi2 < 24.3  # 99.95% quantile of chi-square with 6 degrees of freedom
