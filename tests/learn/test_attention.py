"""The compiled graph attention (``polislab.learn.attention``) against torch_geometric's GATConv:
the same values and the same gradients, for every input and parameter, on any graphs."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_geometric.nn import GATConv

from polislab.learn.attention import edge_attention, incoming_lists


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 30), edges=st.integers(0, 120), graphs=st.integers(1, 4), heads=st.integers(1, 3),
       width=st.integers(1, 9), concat=st.booleans(), bias=st.booleans(), first=st.booleans(),
       seed=st.integers(0, 2**31 - 1))
def test_compiled_attention_equals_gatconv_values_and_gradients(n, edges, graphs, heads, width, concat, bias, first,
                                                               seed):
    """Directed edges drawn at random, so duplicates and self-loops occur (GATConv drops the
    self-loops and adds one per node; duplicates pass twice); isolated nodes attend to themselves.
    A ``first`` layer's input features need no gradient (the kernel then skips it)."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    layer = GATConv(3, width, heads=heads, concat=concat, add_self_loops=True, bias=bias)
    with torch.no_grad():  # a bias and attention vectors away from zero, so their gradients matter
        if bias:
            layer.bias.uniform_(-1, 1, generator=generator)
        layer.att_src.uniform_(-1, 1, generator=generator)
        layer.att_dst.uniform_(-1, 1, generator=generator)
    batch = torch.randint(0, n, (graphs, 2, edges), generator=generator)
    features = torch.randn(graphs, n, 3, generator=generator, requires_grad=not first)
    upstream = torch.randn(graphs, n, heads * width if concat else width, generator=generator)
    ours = edge_attention(layer, features, incoming_lists(batch.numpy(), n))
    inputs = [*([] if first else [features]), *layer.parameters()]
    our_gradients = torch.autograd.grad((ours * upstream).sum(), inputs)
    offsets = (torch.arange(graphs) * n).view(graphs, 1, 1)
    union = (batch + offsets).permute(1, 0, 2).reshape(2, -1)  # the graphs as one disjoint graph
    reference = layer(features.reshape(graphs * n, 3), union).view(graphs, n, -1)
    reference_gradients = torch.autograd.grad((reference * upstream).sum(), inputs)
    assert torch.allclose(ours, reference, atol=1e-5)
    for mine, theirs in zip(our_gradients, reference_gradients):
        assert torch.allclose(mine, theirs, atol=1e-4, rtol=1e-4)


def test_incoming_lists_by_hand():
    """Two graphs of three nodes: graph 0 has 0->1, 2->1 and a self-loop 1->1 (dropped), graph 1
    has 1->0. Each node's list: itself first, then its sources in edge order (batch numbering)."""
    edges = np.array([[[0, 2, 1], [1, 1, 1]], [[1, 1, 1], [0, 0, 0]]])  # graph 1's edge given three times
    start, sources = incoming_lists(edges, 3)
    assert start.tolist() == [0, 1, 4, 5, 9, 10, 11]
    assert sources.tolist() == [0, 1, 0, 2, 2, 3, 4, 4, 4, 4, 5]


def test_the_batch_runs_the_same_on_one_thread_and_on_several():
    """Each graph writes only its own nodes, so the sums cannot depend on the threads."""
    import numba

    torch.manual_seed(1)
    layer = GATConv(2, 8, heads=2, concat=False)
    batch = torch.randint(0, 40, (6, 2, 300))
    features = torch.randn(6, 40, 2, requires_grad=True)
    lists = incoming_lists(batch.numpy(), 40)
    results = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        out = edge_attention(layer, features, lists)
        results.append((out, *torch.autograd.grad(out.square().sum(), [features, *layer.parameters()])))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for one, several in zip(*results):
        assert torch.equal(one, several)
