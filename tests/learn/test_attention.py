"""The compiled graph attention layer (``polislab.learn.attention``) against torch_geometric's
GATConv followed by an ELU: the same values and the same gradients, for every input and
parameter, on any graphs."""

import copy

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from torch_geometric.nn import GATConv

from polislab.learn.attention import _elu, _exp_nonpositive, _softmax, attention_layer, incoming_lists


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 30), edges=st.integers(0, 120), graphs=st.integers(1, 4), heads=st.integers(1, 3),
       width=st.integers(1, 9), concat=st.booleans(), bias=st.booleans(), first=st.booleans(),
       seed=st.integers(0, 2**31 - 1))
def test_compiled_attention_equals_gatconv_values_and_gradients(n, edges, graphs, heads, width, concat, bias, first,
                                                               seed):
    """Directed edges drawn at random, so duplicates and self-loops occur (GATConv drops the
    self-loops and adds one per node; duplicates pass twice); isolated nodes attend to themselves.
    A ``first`` layer's input features need no gradient (the kernel then skips it). The judge
    is GATConv in float64; ours must be within 1e-5 (values) and 1e-4 (gradients) of it,
    relative, or as close as GATConv in float32 is (twice its error)."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    layer = GATConv(3, width, heads=heads, concat=concat, add_self_loops=True, bias=bias)
    with torch.no_grad():  # a bias and attention vectors away from zero, so their gradients matter
        if bias:
            layer.bias.uniform_(-1, 1, generator=generator)
        layer.att_src.uniform_(-1, 1, generator=generator)
        layer.att_dst.uniform_(-1, 1, generator=generator)
    batch = torch.randint(0, n, (graphs, 2, edges), generator=generator)
    features = torch.randn(graphs, n, 3, generator=generator).requires_grad_(not first)
    upstream = torch.randn(graphs, n, heads * width if concat else width, generator=generator)
    ours = attention_layer(layer, features, incoming_lists(batch.numpy(), n))
    ours = (ours, *torch.autograd.grad((ours * upstream).sum(), [*([] if first else [features]),
                                                                 *layer.parameters()]))
    offsets = (torch.arange(graphs) * n).view(graphs, 1, 1)
    union = (batch + offsets).permute(1, 0, 2).reshape(2, -1)  # the graphs as one disjoint graph

    def gatconv(dtype):
        module = copy.deepcopy(layer).to(dtype)
        inputs = features.detach().to(dtype).requires_grad_(not first)
        out = torch.nn.functional.elu(module(inputs.reshape(graphs * n, 3), union)).view(graphs, n, -1)
        gradients = torch.autograd.grad((out * upstream.to(dtype)).sum(), [*([] if first else [inputs]),
                                                                           *module.parameters()])
        return (out, *gradients)

    single, exact = gatconv(torch.float32), gatconv(torch.float64)
    for number, (mine, theirs, truth) in enumerate(zip(ours, single, exact)):
        tolerance = (1e-5 if number == 0 else 1e-4) * (1 + truth.abs())
        allowed = torch.maximum(tolerance, 2 * (theirs.double() - truth).abs())
        assert ((mine.double() - truth).abs() <= allowed).all(), number


def test_incoming_lists_by_hand():
    """Two graphs of three nodes: graph 0 has 0->1, 2->1 and a self-loop 1->1 (dropped), graph 1
    has 1->0. Each node's list: itself first, then its sources in edge order (batch numbering)."""
    edges = np.array([[[0, 2, 1], [1, 1, 1]], [[1, 1, 1], [0, 0, 0]]])  # graph 1's edge given three times
    start, sources = incoming_lists(edges, 3)
    assert start.tolist() == [0, 1, 4, 5, 9, 10, 11]
    assert sources.tolist() == [0, 1, 0, 2, 2, 3, 4, 4, 4, 4, 5]


THREADS_SCRIPT = """
import numba, torch
from torch_geometric.nn import GATConv
from polislab.learn.attention import attention_layer, incoming_lists
torch.manual_seed(1)
layer = GATConv(2, 8, heads=2, concat=False)
batch = torch.randint(0, 40, (6, 2, 300))
features = torch.randn(6, 40, 2, requires_grad=True)
lists = incoming_lists(batch.numpy(), 40)
results = []
for threads in (1, 2):
    numba.set_num_threads(threads)
    out = attention_layer(layer, features, lists)
    results.append((out, *torch.autograd.grad(out.square().sum(), [features, *layer.parameters()])))
print(all(torch.equal(one, two) for one, two in zip(*results)))
"""


def test_the_batch_runs_the_same_on_one_thread_and_on_two():
    """Each graph writes only its own nodes, so the sums cannot depend on the threads. The tests
    run numba on one thread (conftest), so this runs in a process given two."""
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", THREADS_SCRIPT], capture_output=True, text=True,
                          env={**os.environ, "NUMBA_NUM_THREADS": "2"}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


@pytest.mark.parametrize("far", [0.0, 60.0, 300.0])
def test_the_softmax_is_exact_when_a_node_s_logits_lie_far_below_the_graph_s(far):
    """The kernel shifts each node's logits by a bound from the graph's largest source score;
    nodes whose neighbours all score ``far`` below it (60: every term under e^-46, past the
    underflow guard; 300: under float32's smallest number) must still get the exact softmax."""
    rng = np.random.default_rng(3)
    n, heads = 12, 2
    pairs = np.array([(i, j) for i in range(n) for j in range(n) if i != j and rng.random() < 0.4]).T
    source = rng.normal(size=(n, heads)).astype(np.float32)
    target = rng.normal(size=(n, heads)).astype(np.float32)
    source[0] += far  # node 0 sends to a few nodes; all others see only the low scores
    start, sources = incoming_lists(pairs[None], n)
    alpha = np.empty((heads, len(sources)), dtype=np.float32)
    _softmax(np.hstack((source, target)), start, sources, 0, n, np.float32(0.2), alpha)
    for i in range(n):
        messages = slice(start[i], start[i + 1])
        z = source[sources[messages]].astype(np.float64) + target[i]
        z = np.where(z > 0, z, 0.2 * z)
        exact = np.exp(z - z.max(axis=0))
        exact /= exact.sum(axis=0)
        assert np.allclose(alpha[:, messages], exact.T, rtol=1e-5, atol=1e-7), i


def test_the_vectorised_exp_is_within_an_ulp_of_exp():
    """``_exp_nonpositive`` against float64's exp at 200,001 points of [-87, 0] (float32's unit in
    the last place is 1.19e-7 of a value; measured: 8.1e-8)."""
    points = np.linspace(-87.0, 0.0, 200_001).astype(np.float32)
    ours = _exponentials(points)
    exact = np.exp(points.astype(np.float64))
    assert np.max(np.abs(ours - exact) / exact) < 1.19e-7
    assert _exponentials(np.array([0.0], dtype=np.float32))[0] == 1.0


@njit
def _exponentials(points):
    out = np.empty_like(points)
    for k in range(points.shape[0]):
        out[k] = _exp_nonpositive(points[k])
    return out


def test_the_compiled_elu_is_torch_s_within_float32_rounding():
    """ELU as e^v - 1 from the vectorised exp, against torch's expm1 in float64: within 1.2e-7
    (an ulp of 1) everywhere, exact at and above 0."""
    values = torch.linspace(-30.0, 5.0, 100_000).view(1000, 100)
    ours = values.clone()
    _elu(ours.numpy())
    truth = torch.nn.functional.elu(values.double())
    assert (ours.double() - truth).abs().max() <= 1.2e-7
    assert torch.equal(ours[values >= 0], values[values >= 0])
