"""A graph attention layer followed by an ELU, as the ranking module's GAT layers use it on the
CPU: its message passing compiled (numba), one pass forward and one backward.

A GATConv layer (Velickovic et al. 2018, as torch_geometric computes it, with self-loops) maps
node features x_j with one linear map per head, y_j = W_h x_j (no bias), and turns them with the
attention vectors, s_j = a_src . y_j and t_i = a_dst . y_i, into

    z_ij = leaky_relu(s_j + t_i),   alpha_ij = softmax over j in in(i) of z_ij,
    out_i = sum over j in in(i) of alpha_ij y_j  (+ bias; heads averaged or concatenated),

with in(i) node i's neighbours and i itself; the ranking module applies an ELU to it. torch
computes this as a chain of whole-tensor operations over the B N k messages (gather, leaky ReLU,
scatter-max, exp, scatter-add, gather, multiply, scatter-add), or over the B N^2 entries of a
dense adjacency, each pass through memory and each kept for the backward pass. Here compiled
loops over each graph's incoming lists do it all (the softmax over a whole graph at once:
``_softmax``), and the backward pass is written out. Since W_h is linear,
out_i = W_h (sum_j alpha_ij x_j) and s_j = (W_h^T a_src) . x_j: the messages carry the F input
features, not the W outputs of every head (a first layer on seed 002's two features passes 2
numbers a message instead of 64), and the linear map of every head is one product per layer,
agg [B N, H F] times a [H F, O] matrix, left to torch (a tuned product); the scores, the
softmax, the messages and the ELU are compiled. The kernels see

    agg_ih = sum over j in in(i) of alpha_ijh x_j,
    g_alpha_ij = g_agg_i . x_j,   g_z_ij = alpha_ij (g_alpha_ij - sum_j' alpha_ij' g_alpha_ij'),
    g_s_j += g_z_ij lr'(z_ij),   g_t_i += g_z_ij lr'(z_ij),   g_x_j += alpha_ij g_agg_i + g_(s, t)_j P,

lr' being 1 where z > 0 and the negative slope elsewhere (torch's convention at 0), and P the
[2 H, F] score projections W_h^T a. Two heads (the ranking module's) take one pass over each
x_j for both. The graphs of a batch run in parallel (numba threads); each writes only its own
nodes, so the sums are the same on any number of threads. Tested against GATConv and an ELU,
values and gradients, in ``tests/learn/test_attention.py``.
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
    if heads == 2:  # both heads in one pass over each list (the default GAT's)
        top0, top1 = np.float32(-np.inf), np.float32(-np.inf)
        for j in range(first, last):
            top0, top1 = max(top0, scores[j, 0]), max(top1, scores[j, 1])
        for i in range(first, last):
            t0, t1 = scores[i, 2], scores[i, 3]
            bound0, bound1 = _leaky_relu(top0 + t0, slope), _leaky_relu(top1 + t1, slope)
            for e in range(start[i], start[i + 1]):
                j = sources[e]
                alpha[0, e] = _leaky_relu(scores[j, 0] + t0, slope) - bound0
                alpha[1, e] = _leaky_relu(scores[j, 1] + t1, slope) - bound1
    else:
        for h in range(heads):
            top = np.float32(-np.inf)
            for j in range(first, last):
                top = max(top, scores[j, h])
            for i in range(first, last):
                t = scores[i, heads + h]
                bound = _leaky_relu(top + t, slope)
                for e in range(start[i], start[i + 1]):
                    alpha[h, e] = _leaky_relu(scores[sources[e], h] + t, slope) - bound
    for h in range(heads):
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
def _forward(x, projections, start, sources, n, slope, scores, alpha, agg):  # pragma: no cover - compiled
    """The messages of one layer for the B graphs of x [B n, F], in parallel: the scores
    [B n, 2 H] (s per head, then t), the softmax weights alpha [H, messages] and agg [B n, H F]."""
    heads, features = alpha.shape[0], x.shape[1]
    for b in prange(x.shape[0] // n):
        for i in range(b * n, (b + 1) * n):
            for k in range(2 * heads):
                score = np.float32(0.0)
                for f in range(features):
                    score += x[i, f] * projections[k, f]
                scores[i, k] = score
        _softmax(scores, start, sources, b * n, (b + 1) * n, slope, alpha)
        for i in range(b * n, (b + 1) * n):
            row = agg[i]
            for k in range(row.shape[0]):
                row[k] = 0.0
            e, end = start[i], start[i + 1]
            if heads == 2:  # both heads in one pass over each x_j (the default GAT's)
                h0, h1 = row[:features], row[features:]
                while e + 4 <= end:
                    x0, x1, x2, x3 = x[sources[e]], x[sources[e + 1]], x[sources[e + 2]], x[sources[e + 3]]
                    a0, a1, a2, a3 = alpha[0, e], alpha[0, e + 1], alpha[0, e + 2], alpha[0, e + 3]
                    b0, b1, b2, b3 = alpha[1, e], alpha[1, e + 1], alpha[1, e + 2], alpha[1, e + 3]
                    for f in range(features):
                        h0[f] += a0 * x0[f] + a1 * x1[f] + a2 * x2[f] + a3 * x3[f]
                        h1[f] += b0 * x0[f] + b1 * x1[f] + b2 * x2[f] + b3 * x3[f]
                    e += 4
            while e + 4 <= end:  # four messages a pass: the row is loaded and stored once for them
                j0, j1, j2, j3 = sources[e], sources[e + 1], sources[e + 2], sources[e + 3]
                for h in range(heads):
                    a0, a1, a2, a3 = alpha[h, e], alpha[h, e + 1], alpha[h, e + 2], alpha[h, e + 3]
                    for f in range(features):
                        row[h * features + f] += a0 * x[j0, f] + a1 * x[j1, f] + a2 * x[j2, f] + a3 * x[j3, f]
                e += 4
            while e < end:
                j = sources[e]
                for h in range(heads):
                    a = alpha[h, e]
                    for f in range(features):
                        row[h * features + f] += a * x[j, f]
                e += 1


@njit(cache=True, nogil=True, parallel=True, _nrt=False, fastmath=REORDER)
def _backward(grad_agg, x, projections, scores, alpha, start, sources, n, slope, need_x, grad_alpha, grad_scores,
              grad_x):  # pragma: no cover - compiled
    """The gradients of ``_forward`` with respect to the scores [B n, 2 H], and to x [B n, F] if
    ``need_x`` (not for a first layer's input features), into zeroed arrays; grad_alpha is work
    space."""
    heads, features = alpha.shape[0], x.shape[1]
    for b in prange(x.shape[0] // n):
        for i in range(b * n, (b + 1) * n):
            row = grad_agg[i]
            if heads == 2:  # both heads in one pass over x_j and grad_x_j (the default GAT's)
                g0, g1 = row[:features], row[features:]
                for e in range(start[i], start[i + 1]):
                    j = sources[e]
                    source = x[j]
                    dot0, dot1 = np.float32(0.0), np.float32(0.0)
                    for f in range(features):
                        dot0 += g0[f] * source[f]
                        dot1 += g1[f] * source[f]
                    grad_alpha[0, e], grad_alpha[1, e] = dot0, dot1
                    if need_x:
                        a0, a1 = alpha[0, e], alpha[1, e]
                        target = grad_x[j]
                        for f in range(features):
                            target[f] += a0 * g0[f] + a1 * g1[f]
            else:
                for e in range(start[i], start[i + 1]):
                    j = sources[e]
                    for h in range(heads):
                        dot = np.float32(0.0)
                        weight = alpha[h, e]
                        for f in range(features):
                            dot += row[h * features + f] * x[j, f]
                        grad_alpha[h, e] = dot
                        if need_x:
                            for f in range(features):
                                grad_x[j, f] += weight * row[h * features + f]
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
        if need_x:  # the scores' share, once the graph's score gradients are complete
            for i in range(b * n, (b + 1) * n):
                for k in range(2 * heads):
                    grad = grad_scores[i, k]
                    for f in range(features):
                        grad_x[i, f] += grad * projections[k, f]


@njit(cache=True, nogil=True, parallel=True, _nrt=False, fastmath=REORDER)
def _elu(values):  # pragma: no cover - compiled
    """ELU in place on [rows, columns]: v if v > 0 else e^v - 1."""
    for i in prange(values.shape[0]):
        row = values[i]
        for k in range(row.shape[0]):
            v = row[k]
            row[k] = v if v > 0 else _exp_nonpositive(v) - np.float32(1.0)


@njit(cache=True, nogil=True, parallel=True, _nrt=False, fastmath=REORDER)
def _elu_backward(grad_out, out, grad):  # pragma: no cover - compiled
    """The gradient before an ELU from the one after it and its output (e^v = out + 1 where v <= 0)."""
    for i in prange(out.shape[0]):
        for k in range(out.shape[1]):
            value = out[i, k]
            grad[i, k] = grad_out[i, k] if value > 0 else grad_out[i, k] * (value + np.float32(1.0))


class _Layer(torch.autograd.Function):
    """elu(bias + agg linear) [B n, O] from x [B n, F], the score projections [2 H, F], the linear
    map [H F, O] and the bias [O] over the incoming lists; the linear maps are torch's (a tuned
    product), the rest compiled."""

    @staticmethod
    def forward(ctx, x, projections, linear, bias, start, sources, n, slope):
        x, projections = x.detach().contiguous(), projections.detach().contiguous()
        heads = projections.shape[0] // 2
        scores = torch.empty((x.shape[0], 2 * heads), dtype=x.dtype)
        alpha = torch.empty((heads, len(sources)), dtype=x.dtype)
        agg = torch.empty((x.shape[0], heads * x.shape[1]), dtype=x.dtype)
        _forward(x.numpy(), projections.numpy(), start, sources, n, slope, scores.numpy(), alpha.numpy(), agg.numpy())
        out = torch.addmm(bias.detach(), agg, linear.detach())
        _elu(out.numpy())
        ctx.save_for_backward(x, projections, linear, scores, alpha, agg, out)
        ctx.graph = (start, sources, n, slope)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, projections, linear, scores, alpha, agg, out = ctx.saved_tensors
        start, sources, n, slope = ctx.graph
        grad_pre = torch.empty_like(out)
        _elu_backward(grad_out.contiguous().numpy(), out.numpy(), grad_pre.numpy())
        grad_agg = grad_pre @ linear.t()
        need_x = ctx.needs_input_grad[0]  # not for a first layer's input features
        grad_scores = torch.zeros_like(scores)
        grad_x = torch.zeros_like(x) if need_x else torch.empty((0, x.shape[1]), dtype=x.dtype)  # unwritten then
        _backward(grad_agg.numpy(), x.numpy(), projections.numpy(), scores.numpy(), alpha.numpy(), start, sources, n,
                  slope, need_x, torch.empty_like(alpha).numpy(), grad_scores.numpy(), grad_x.numpy())
        grads = (grad_x if need_x else None), grad_scores.t() @ x, agg.t() @ grad_pre, grad_pre.sum(0)
        return (*grads, None, None, None, None)


def attention_layer(layer, x: torch.Tensor, lists: tuple[np.ndarray, np.ndarray]) -> torch.Tensor:
    """elu(GATConv(x)) of a GATConv layer (its own weights) on [B, N, F] float32 CPU features over
    the graphs' ``incoming_lists``: the scores, the softmax, the messages and the ELU compiled, one
    pass each way; the linear map and the bias one torch product. The linear map is [H F, O]: the
    heads' W_h^T stacked and divided by H (heads averaged), or side by side on its block diagonal
    (concatenated)."""
    batch, n, features = x.shape
    heads, width = layer.heads, layer.out_channels
    weight = layer.lin.weight.view(heads, width, features)  # W_h
    attention = torch.cat((layer.att_src, layer.att_dst))  # [2, H, W]
    projections = (attention.unsqueeze(2) @ weight).reshape(2 * heads, features)  # W_h^T a: [2, H, 1, W] @ [H, W, F]
    maps = weight.transpose(1, 2)  # [H, F, W]: W_h^T
    linear = torch.block_diag(*maps) if layer.concat else maps.reshape(heads * features, width) / heads
    bias = layer.bias if layer.bias is not None else torch.zeros(linear.shape[1])
    out = _Layer.apply(x.reshape(batch * n, features), projections, linear, bias, *lists, n,
                       np.float32(layer.negative_slope))
    return out.view(batch, n, -1)
