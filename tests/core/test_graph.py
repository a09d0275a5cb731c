"""The dynamic graph: invariants under random moves (hypothesis) and agreement with networkx."""

import os
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polislab.core import listpool
from polislab.core.graph import DynamicGraph, adjacent, generate, move_end


@settings(max_examples=40, deadline=None)
@given(st.integers(4, 30), st.integers(0, 10**6), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
                                                             max_size=300))
def test_random_moves_keep_every_invariant(n, seed, moves):
    graph = generate("erdos-renyi", n, 3, seed)
    links = graph.links
    for pick, target in moves:
        h = pick % (2 * links)
        anchor = graph.owner[h ^ 1]
        z = target % n
        if z == anchor or graph.owner[h] == z or adjacent(graph.start, graph.degree, graph.data, anchor, z):
            continue  # the model never makes self-loops or double links
        move_end(graph.owner, graph.hpos, graph.start, graph.degree, graph.cap, graph.data, graph.meta, h, z)
    graph.check()
    assert graph.links == links and graph.degree.sum() == 2 * links
    reference = graph.to_networkx()
    assert dict(reference.degree()) == {v: int(d) for v, d in enumerate(graph.degree)}
    for u, v in list(reference.edges())[:20]:
        assert adjacent(graph.start, graph.degree, graph.data, u, v)


def test_pool_compaction_under_heavy_growth():
    # every link moves onto one hub: its list grows and moves many times, the pool compacts
    graph = DynamicGraph.from_edges(200, np.array([[i, i + 1] for i in range(199)]))
    hub = 0
    for e in range(1, graph.links):
        h = 2 * e + 1
        if graph.owner[h ^ 1] != hub and not adjacent(graph.start, graph.degree, graph.data, graph.owner[h ^ 1], hub):
            move_end(graph.owner, graph.hpos, graph.start, graph.degree, graph.cap, graph.data, graph.meta, h, hub)
    graph.check()
    assert graph.degree[hub] > 100


def test_generators_agree_with_networkx_statistics():
    regular = generate("random-regular", 500, 6, 1)
    regular.check()
    assert set(regular.degree) == {6}
    er = generate("erdos-renyi", 500, 6, 2)
    er.check()
    assert er.links == 1500
    complete = generate("complete", 30, 0, 3)
    assert nx.is_isomorphic(complete.to_networkx(), nx.complete_graph(30))
    sf = generate("scale-free", 2000, 4, 4).to_networkx()
    reference = nx.barabasi_albert_graph(2000, 2, seed=4)
    # same mean degree; heavy tail like networkx's own Barabasi-Albert graph
    assert abs(np.mean([d for _, d in sf.degree()]) - np.mean([d for _, d in reference.degree()])) < 0.05
    assert max(d for _, d in sf.degree()) > 40 and max(d for _, d in reference.degree()) > 40


def test_adjacency_agrees_with_networkx_whichever_list_it_scans():
    # a scale-free graph: hub-leaf pairs make ``adjacent`` scan the leaf's list, other pairs u's own
    graph = generate("scale-free", 400, 4, 6)
    reference = graph.to_networkx()
    hubs = np.argsort(graph.degree)[-5:]
    assert graph.degree[hubs].min() > 8 * 2  # long enough that a leaf's list is scanned instead
    pairs = [(u, v) for u in range(400) for v in hubs]
    pairs += [tuple(pair) for pair in np.random.default_rng(1).integers(0, 400, (3000, 2))]
    for u, v in pairs:
        linked = adjacent(graph.start, graph.degree, graph.data, u, v)
        assert linked == adjacent(graph.start, graph.degree, graph.data, v, u) == reference.has_edge(u, v)


@pytest.mark.parametrize("kind", ["random-regular", "erdos-renyi", "scale-free", "complete"])
def test_a_graph_laid_out_for_rewiring_is_the_same_graph(kind):
    tight, roomy = generate(kind, 60, 6, 3), generate(kind, 60, 6, 3, rewired=True)
    assert np.array_equal(tight.ends, roomy.ends) and _lists(tight) == _lists(roomy)
    # tight lists have room for their links only (a random regular graph's repairs move a few)
    assert np.mean(tight.cap == tight.degree) > 0.9 and np.array_equal(roomy.cap, 2 * roomy.degree)
    for graph in (tight, roomy):  # node rows start cache lines: a row never straddles two
        assert graph.nodes.ctypes.data % 64 == 0 and graph.nodes.strides == (32, 8)
        graph.check()


def test_kernels_without_reference_counting_can_compact_the_pool(tmp_path):
    # numba compiles a callee with its caller's _nrt flag unless the callee says its own: a
    # kernel compiled with _nrt=False before anything compiled ``compact`` (a fresh process,
    # the graph builder loaded from the cache) would fail to type the sort inside it
    script = """
import numpy as np
from numba import njit
from polislab.core import listpool

@njit(_nrt=False)
def fill(start, size, cap, data, meta):
    for i in range(400):
        listpool.append(start, size, cap, data, meta, i % 3, i, 0)
        if i % 2:
            listpool.remove_at(start, size, data, i % 3, 0)

pool = listpool.new_pool(3, 500)  # 756 slots without compaction, 384 with
fill(*pool)
print(int(pool[1].sum()))
"""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "200"  # 400 appended, 200 removed


def test_a_pool_too_small_raises_memory_error_and_never_writes_past_its_end():
    # 3 lists, 200 items: compaction cannot give each list twice its items in 300 slots
    start, size, cap, data, meta = listpool.new_pool(3, 300)
    with pytest.raises(MemoryError):
        for i in range(400):
            listpool.append(start, size, cap, data, meta, i % 3, i, 0)
            if i % 2:
                listpool.remove_at(start, size, data, i % 3, 0)
    assert meta[0] <= len(data) and np.all(start + size <= len(data))


def _linked_one_at_a_time(n, pairs):
    """owner, hpos and each node's list as appending each link's two ends in turn gives them."""
    lists = [[] for _ in range(n)]
    owner, hpos = [], []
    for e, (u, v) in enumerate(pairs):
        for h, node, other in ((2 * e, u, v), (2 * e + 1, v, u)):
            owner.append(node)
            hpos.append(len(lists[node]))
            lists[node].append([h, other])
    return owner, hpos, lists


def _lists(graph):
    return [graph.data[graph.start[v]:graph.start[v] + graph.degree[v]].tolist() for v in range(graph.n)]


@pytest.mark.parametrize("n, k, seed", [(40, 4, 1), (300, 10, 2), (64, 30, 3)])
def test_gnm_draws_and_places_its_links_as_one_at_a_time_would(n, k, seed):
    """G(n, m) with its hash set and two-pass placement against the plain rule: draw pairs from
    the run's stream, reject loops and repeats, append each link's ends to the lists in turn."""
    from polislab.core.rng import below, new_state

    state, seen, pairs = new_state(seed), set(), []
    while len(pairs) < int(round(n * k / 2)):
        a, b = int(below(state, n)), int(below(state, n))
        if a != b and (min(a, b), max(a, b)) not in seen:
            seen.add((min(a, b), max(a, b)))
            pairs.append((a, b))
    graph = generate("erdos-renyi", n, k, seed)
    owner, hpos, lists = _linked_one_at_a_time(n, pairs)
    assert graph.owner.tolist() == owner and graph.hpos.tolist() == hpos and _lists(graph) == lists
    graph.check()


def test_from_edges_places_loops_and_repeats_as_one_at_a_time_would():
    pairs = [(0, 1), (1, 2), (2, 2), (0, 1), (3, 0)]
    graph = DynamicGraph.from_edges(4, np.array(pairs))
    owner, hpos, lists = _linked_one_at_a_time(4, pairs)
    assert graph.owner.tolist() == owner and graph.hpos.tolist() == hpos and _lists(graph) == lists


@pytest.mark.parametrize("kind, n, k, problem", [("random-regular", 5, 3, "n k even"), ("random-regular", 10, 2.5, "integer k"),
                                                 ("erdos-renyi", 5, 7, "must be < n"), ("scale-free", 4, 4, "must be < n"),
                                                 ("small-world", 10, 2, "unknown graph")])
def test_a_graph_that_cannot_be_built_is_refused_before_any_work(kind, n, k, problem):
    """(A random regular graph with n k odd once ran its placement past the stubs and crashed.)"""
    with pytest.raises(ValueError, match=problem):
        generate(kind, n, k, 1)
