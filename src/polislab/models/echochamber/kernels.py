"""Compiled gradient-ascent kernels of the echo-chamber utility (seed 000), analytic gradients.

U_i = b_i e_i - (s/2) b_i^2 + m b_i sum_j L_ji b_j - p (e_i - e*)^2  (seed 000, all stages)

    dU_i/db_i   = e_i - s b_i + m (L^T b)_i                    (own gradient)
    d(sum U)/db_k = e_k - s b_k + m (L^T b)_k + m (L b)_k      (joint: the notebook's backward(ones))
    dU_i/de_i   = b_i - 2 p (e_i - e*)
    dU_i/dL_ji  = m b_i b_j        (only U_i holds L_ji, so joint and own agree; L_ii stays 0)

All gradients are taken at the old state and applied together, then each learned quantity is
clamped to [-clamp, clamp] (clamp = inf: none), as the notebook does. One step makes one pass
over the listen weights that reads them for both products and writes their update.
State arrays carry a leading replicate axis; replicates run in parallel (prange).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(inline="always")
def _bounded(x, clamp):
    """x clamped to [-clamp, clamp]; clamp = inf means unbounded (branch-free, vectorises)."""
    return min(max(x, -clamp), clamp)


@njit(inline="always")
def _update_agents(b, e, Lb, LTb, lr, s, m, p, e_star, learn_b, learn_e, joint, clamp, threshold):
    """Apply the belief and evidence gradients; return how many values moved > threshold."""
    moving = 0
    for i in range(b.shape[0]):
        bi = b[i]
        ei = e[i]
        if learn_e:
            new_e = _bounded(ei + lr * (bi - 2.0 * p * (ei - e_star)), clamp)
            moving += abs(new_e - ei) > threshold
            e[i] = new_e
        if learn_b:
            grad = ei - s * bi + m * LTb[i]
            if joint:
                grad += m * Lb[i]
            new_b = _bounded(bi + lr * grad, clamp)
            moving += abs(new_b - bi) > threshold
            b[i] = new_b
    return moving


@njit(inline="always")
def _close_step(b, e, Lb, LTb, lr, s, m, p, e_star, learn_b, learn_e, joint, clamp, threshold,
                count, r, step, last_active, moving):
    """Update beliefs and evidence, then note whether anything still moved in this step."""
    count += _update_agents(b, e, Lb, LTb, lr, s, m, p, e_star, learn_b, learn_e, joint, clamp,
                            threshold)
    if count > 0:
        last_active[r] = step
    moving[r] = count


@njit(cache=True, fastmath=True, parallel=True, nogil=True)
def dense_steps(b, e, L, steps, lr, s, m, p, e_star, learn_b, learn_e, learn_l, joint, clamp,
                tolerance, first_step, last_active, moving):
    """Advance every replicate ``steps`` steps on a dense listen matrix L[r, j, i] = L_ji.

    ``last_active[r]`` becomes the last step (counted from ``first_step``) in which some learned
    value changed by more than ``tolerance * lr``; ``moving[r]`` counts such values in the final
    step (a count, not a maximum: a count vectorises, a running maximum did not). Row j is updated with the beliefs b_i masked at i = j, so L_jj stays 0 without a branch.
    """
    replicates, n = b.shape
    threshold = tolerance * lr
    zero = lr - lr  # a zero of the state's type, so sums stay in that type and vectorise
    for r in prange(replicates):
        br = b[r]
        er = e[r]
        Lr = L[r]
        Lb = np.zeros(n, dtype=b.dtype)
        LTb = np.zeros(n, dtype=b.dtype)
        masked = br.copy()
        for t in range(steps):
            LTb[:] = zero
            masked[:] = br
            count = 0
            for j in range(n):
                bj = br[j]
                row = Lr[j]
                masked[j] = zero
                acc = zero
                if learn_l:
                    c = lr * m * bj
                    for i in range(n):
                        old = row[i]
                        acc += old * masked[i]
                        LTb[i] += old * bj
                        new = _bounded(old + c * masked[i], clamp)
                        count += abs(new - old) > threshold
                        row[i] = new
                else:
                    for i in range(n):
                        old = row[i]
                        acc += old * masked[i]
                        LTb[i] += old * bj
                masked[j] = bj
                Lb[j] = acc
            _close_step(br, er, Lb, LTb, lr, s, m, p, e_star, learn_b, learn_e, joint, clamp,
                        threshold, count, r, first_step + t + 1, last_active, moving)


@njit(cache=True, fastmath=True, parallel=True, nogil=True)
def sparse_steps(b, e, src, w, steps, lr, s, m, p, e_star, learn_b, learn_e, learn_l, joint,
                 clamp, tolerance, first_step, last_active, moving):
    """As ``dense_steps`` on a sparse graph: agent i listens to src[r, i, q] with weight w[r, i, q]."""
    replicates, n = b.shape
    k = src.shape[2]
    threshold = tolerance * lr
    for r in prange(replicates):
        br = b[r]
        er = e[r]
        Lb = np.zeros(n, dtype=b.dtype)
        LTb = np.zeros(n, dtype=b.dtype)
        zero = lr - lr
        for t in range(steps):
            Lb[:] = zero
            count = 0
            for i in range(n):
                bi = br[i]
                c = lr * m * bi
                acc = zero
                for q in range(k):
                    j = src[r, i, q]
                    old = w[r, i, q]
                    acc += old * br[j]
                    Lb[j] += old * bi
                    if learn_l:
                        new = _bounded(old + c * br[j], clamp)
                        count += abs(new - old) > threshold
                        w[r, i, q] = new
                LTb[i] = acc
            _close_step(br, er, Lb, LTb, lr, s, m, p, e_star, learn_b, learn_e, joint, clamp,
                        threshold, count, r, first_step + t + 1, last_active, moving)


@njit(cache=True)
def sample_sources(n, k, replicates, seed):
    """For each replicate and agent, k distinct other agents drawn uniformly (Floyd's algorithm)."""
    np.random.seed(seed)
    src = np.empty((replicates, n, k), dtype=np.int32)
    chosen = np.zeros(n, dtype=np.bool_)
    for r in range(replicates):
        for i in range(n):
            count = 0
            # Floyd's sampling of k from the n - 1 agents other than i.
            for top in range(n - 1 - k, n - 1):
                pick = np.random.randint(0, top + 1)
                if chosen[pick + (pick >= i)]:
                    pick = top
                agent = pick + (pick >= i)
                chosen[agent] = True
                src[r, i, count] = agent
                count += 1
            for q in range(k):
                chosen[src[r, i, q]] = False
    return src
