"""Graph attention's message passing as one compiled pass forward and one backward (numba), for
the ranking module's GAT layers on the CPU.

A GATConv layer (Velickovic et al. 2018, as torch_geometric computes it, with self-loops) maps
node features x_j with one linear map per head, y_j = W_h x_j (no bias), and turns them with the
attention vectors, s_j = a_src . y_j and t_i = a_dst . y_i, into

    z_ij = leaky_relu(s_j + t_i),   alpha_ij = softmax over j in in(i) of z_ij,
    out_i = sum over j in in(i) of alpha_ij y_j  (+ bias; heads averaged or concatenated),

with in(i) node i's neighbours and i itself. torch computes this as a chain of whole-tensor
operations over the B N k messages (gather, leaky ReLU, scatter-max, exp, scatter-add, gather,
multiply, scatter-add), or over the B N^2 entries of a dense adjacency, each pass through memory
and each kept for the backward pass. Here compiled loops over each graph's incoming lists do it
all (the softmax over a whole graph at once: ``_softmax``), the softmax weights are the only thing
kept, and the backward pass is written out. Since W_h is
linear, out_i = W_h (sum_j alpha_ij x_j) and s_j = (W_h^T a_src) . x_j: the messages carry the F
input features, not the W outputs of every head (a first layer on seed 002's two features passes
2 numbers a message instead of 64), and W_h is applied once per node, by torch. The kernels see

    agg_ih = sum over j in in(i) of alpha_ijh x_j,
    g_alpha_ij = g_agg_i . x_j,   g_z_ij = alpha_ij (g_alpha_ij - sum_j' alpha_ij' g_alpha_ij'),
    g_s_j += g_z_ij lr'(z_ij),   g_t_i += g_z_ij lr'(z_ij),   g_x_j += alpha_ij g_agg_i,

lr' being 1 where z > 0 and the negative slope elsewhere (torch's convention at 0). The graphs of
a batch run in parallel (numba threads); each writes only its own nodes, so the sums are the same
on any number of threads. Tested against GATConv, values and gradients, in
``tests/learn/test_attention.py``.
"""

from __future__ import annotations

import numpy as np
import torch
from numba import njit, prange

REORDER = {"reassoc", "contract"}  # sums over the W channels may be reordered (vectorised); nothing else


@njit(cache=True, nogil=True, parallel=True)
def incoming_lists(edge_index: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """[B, 2, E] edges (source, target) of B graphs of n nodes -> each node's incoming sources as
    lists over the B n nodes of the batch (node b n + i is graph b's node i): ``start`` [B n + 1]
    and ``sources`` (batch node numbers), every node's own self-loop first, then its edges in
    order; edges that are self-loops are dropped (GATConv's add_self_loops). Graphs in parallel."""
    batch, _, edges = edge_index.shape
    start = np.zeros(batch * n + 1, dtype=np.int64)
    for b in prange(batch):
        for e in range(edges):
            source, target = edge_index[b, 0, e], edge_index[b, 1, e]
            if source != target:
                start[b * n + target + 1] += 1
    for i in range(batch * n):
        start[i + 1] += start[i] + 1  # + the self-loop
    sources = np.empty(start[-1], dtype=np.int32)
    filled = start[:-1].copy()
    for b in prange(batch):
        for i in range(b * n, (b + 1) * n):
            sources[filled[i]] = i
            filled[i] += 1
        for e in range(edges):
            source, target = edge_index[b, 0, e], edge_index[b, 1, e]
            if source != target:
                node = b * n + target
                sources[filled[node]] = b * n + source
                filled[node] += 1
    return start, sources


# exp(x) for x <= 0 in float32, in arithmetic a loop vectorises (libm's expf is called one value at a
# time): x = n ln 2 + r with |r| <= ln 2 / 2 (ln 2 split in two for an exact product), exp(r) by
# Cephes' expf polynomial, 2^n from a table; within 1 ulp of exp (tested) above EXP_FLOOR, where it
# stops: below, a weight is under 1e-37 of the largest, which is 1 within 1e-20 of the bound.
LOG2E, LN2_HIGH, LN2_LOW = np.float32(1.4426950408889634), np.float32(0.693359375), np.float32(-2.12194440e-4)
EXP_POLYNOMIAL = tuple(np.float32(c) for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                                               1.6666665459e-1, 5.0000001201e-1))
EXP_FLOOR = np.float32(-87.0)
POWERS_OF_TWO = np.array([2.0**k for k in range(-127, 1)], dtype=np.float32)  # 2^n for n = -127..0
UNDERFLOW = np.float32(1e-20)  # a total under this: its terms fell far below the bound; exact instead


@njit(inline="always", fastmath=REORDER)
def _exp_nonpositive(x):
    c0, c1, c2, c3, c4, c5 = EXP_POLYNOMIAL
    x = max(x, EXP_FLOOR)
    n = np.floor(x * LOG2E + np.float32(0.5))
    r = x - n * LN2_HIGH - n * LN2_LOW
    p = ((((c0 * r + c1) * r + c2) * r + c3) * r + c4) * r + c5
    return (p * r * r + r + np.float32(1.0)) * POWERS_OF_TWO[np.int32(n) + 127]


@njit(inline="always")
def _leaky_relu(z, slope):
    return z if z > 0 else z * slope


@njit(cache=True, nogil=True, _nrt=False, fastmath=REORDER)
def _softmax(scores, start, sources, first, last, slope, alpha):  # pragma: no cover - compiled
    """alpha[h, e] over the incoming messages e of nodes first..last-1 (one graph): softmax of
    z = leaky_relu(s_j + t_i) over each node's list. Softmax does not change when every z of a
    list is shifted alike; each list is shifted by a bound of its largest z from the graph's
    largest s (leaky_relu increases), so the exponentials of the whole graph run in one
    contiguous, vectorised loop; a list whose terms all fell far below its bound is redone with
    its own maximum and libm's exp. ``scores`` [nodes, 2 H]: s per head, then t per head."""
    heads = alpha.shape[0]
    for h in range(heads):
        top = np.float32(-np.inf)
        for j in range(first, last):
            top = max(top, scores[j, h])
        for i in range(first, last):
            t = scores[i, heads + h]
            bound = top + t
            bound = _leaky_relu(bound, slope)
            for e in range(start[i], start[i + 1]):
                alpha[h, e] = _leaky_relu(scores[sources[e], h] + t, slope) - bound
        graph = alpha[h, start[first]:start[last]]  # indices from 0: no negative-index check, so it vectorises
        for k in range(graph.shape[0]):
            graph[k] = _exp_nonpositive(graph[k])
        for i in range(first, last):
            weights = alpha[h, start[i]:start[i + 1]]
            total = np.float32(0.0)
            for k in range(weights.shape[0]):
                total += weights[k]
            if total < UNDERFLOW:
                t = scores[i, heads + h]
                best = np.float32(-np.inf)
                for e in range(start[i], start[i + 1]):
                    z = _leaky_relu(scores[sources[e], h] + t, slope)
                    alpha[h, e] = z
                    best = max(best, z)
                total = np.float32(0.0)
                for e in range(start[i], start[i + 1]):
                    alpha[h, e] = np.exp(alpha[h, e] - best)
                    total += alpha[h, e]
            for k in range(weights.shape[0]):
                weights[k] /= total  # divided, not multiplied by 1 / total: a lone weight is exactly 1


@njit(cache=True, nogil=True, parallel=True, _nrt=False, fastmath=REORDER)
def _forward(x, scores, start, sources, n, slope, out, alpha):  # pragma: no cover - compiled
    """out [B n, H, F] (agg) and the softmax weights alpha [H, messages] from the features
    x [B n, F] and the scores [B n, 2 H] (s per head, then t)."""
    heads, features = out.shape[1], out.shape[2]
    for b in prange(x.shape[0] // n):
        _softmax(scores, start, sources, b * n, (b + 1) * n, slope, alpha)
        for i in range(b * n, (b + 1) * n):
            for h in range(heads):
                for f in range(features):
                    out[i, h, f] = 0.0
            e, end = start[i], start[i + 1]
            while e + 4 <= end:  # four messages a pass: the output row is loaded and stored once for them
                j0, j1, j2, j3 = sources[e], sources[e + 1], sources[e + 2], sources[e + 3]
                for h in range(heads):
                    a0, a1, a2, a3 = alpha[h, e], alpha[h, e + 1], alpha[h, e + 2], alpha[h, e + 3]
                    for f in range(features):
                        out[i, h, f] += a0 * x[j0, f] + a1 * x[j1, f] + a2 * x[j2, f] + a3 * x[j3, f]
                e += 4
            while e < end:
                j = sources[e]
                for h in range(heads):
                    a = alpha[h, e]
                    for f in range(features):
                        out[i, h, f] += a * x[j, f]
                e += 1


@njit(cache=True, nogil=True, parallel=True, _nrt=False, fastmath=REORDER)
def _backward(grad_out, x, scores, alpha, start, sources, n, slope, grad_x, grad_scores, grad_alpha,
              need_x):  # pragma: no cover - compiled
    """The gradients of ``_forward`` with respect to the scores, and to x if ``need_x`` (not for
    a first layer's input features), into zeroed arrays."""
    heads, features = grad_out.shape[1], grad_out.shape[2]
    for b in prange(x.shape[0] // n):
        for i in range(b * n, (b + 1) * n):
            for e in range(start[i], start[i + 1]):
                j = sources[e]
                for h in range(heads):
                    dot = np.float32(0.0)
                    weight = alpha[h, e]
                    for f in range(features):
                        dot += grad_out[i, h, f] * x[j, f]
                    grad_alpha[h, e] = dot
                    if need_x:
                        for f in range(features):
                            grad_x[j, f] += weight * grad_out[i, h, f]
            for h in range(heads):
                weights, grads = alpha[h, start[i]:start[i + 1]], grad_alpha[h, start[i]:start[i + 1]]
                expected = np.float32(0.0)
                for k in range(weights.shape[0]):
                    expected += weights[k] * grads[k]
                t = scores[i, heads + h]
                total = np.float32(0.0)
                for k in range(weights.shape[0]):
                    j = sources[start[i] + k]
                    grad = weights[k] * (grads[k] - expected)
                    grad = grad if scores[j, h] + t > 0 else grad * slope
                    grad_scores[j, h] += grad
                    total += grad
                grad_scores[i, heads + h] += total


class _Aggregate(torch.autograd.Function):
    """agg [B n, H, F] from x [B n, F] and the scores [B n, 2 H] over the incoming lists."""

    @staticmethod
    def forward(ctx, x, scores, start, sources, n, slope):
        x, scores = x.detach().contiguous(), scores.detach().contiguous()
        heads = scores.shape[1] // 2
        out = torch.empty((x.shape[0], heads, x.shape[1]), dtype=x.dtype)
        alpha = torch.empty((heads, len(sources)), dtype=x.dtype)
        _forward(x.numpy(), scores.numpy(), start, sources, n, slope, out.numpy(), alpha.numpy())
        ctx.save_for_backward(x, scores, alpha)
        ctx.graph = (start, sources, n, slope)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, scores, alpha = ctx.saved_tensors
        start, sources, n, slope = ctx.graph
        grad_x, grad_scores = torch.zeros_like(x), torch.zeros_like(scores)
        _backward(grad_out.contiguous().numpy(), x.numpy(), scores.numpy(), alpha.numpy(), start, sources, n, slope,
                  grad_x.numpy(), grad_scores.numpy(), torch.empty_like(alpha).numpy(), ctx.needs_input_grad[0])
        return grad_x, grad_scores, None, None, None, None


def edge_attention(layer, x: torch.Tensor, lists: tuple[np.ndarray, np.ndarray]) -> torch.Tensor:
    """A GATConv layer (its own weights) applied to [B, N, F] float32 CPU features over the
    graphs' ``incoming_lists``: GATConv's function, its messages passed by one compiled pass each
    way and its linear map applied after them."""
    batch, n, features = x.shape
    heads, width = layer.heads, layer.out_channels
    x = x.reshape(batch * n, features)
    weight = layer.lin.weight.view(heads, width, features)  # W_h
    attention = torch.cat((layer.att_src, layer.att_dst))  # [2, H, W]
    projections = torch.einsum("hwf,khw->khf", weight, attention).reshape(2 * heads, features)  # W_h^T a
    scores = x @ projections.t()  # [B n, 2 H]: s per head, then t
    agg = _Aggregate.apply(x, scores, *lists, n, np.float32(layer.negative_slope))
    if layer.concat:  # out_ih = W_h agg_ih, heads side by side
        out = torch.einsum("nhf,hwf->nhw", agg, weight).reshape(batch, n, heads * width)
        return out + layer.bias if layer.bias is not None else out
    # the mean over heads, and the bias, in one product over the heads' features together
    mean = weight.permute(0, 2, 1).reshape(heads * features, width) / heads
    agg = agg.reshape(batch * n, heads * features)
    out = agg @ mean if layer.bias is None else torch.addmm(layer.bias, agg, mean)
    return out.view(batch, n, width)
