"""The dynamic graph of compiled kernels: a fixed set of links whose ends move in O(1).

Link e has two half-edges, 2e and 2e + 1; half-edge h belongs to node ``owner[h]`` and points
at ``owner[h ^ 1]``. Each node's half-edges sit in its list of a ``listpool`` (its length is
the node's degree) at position ``hpos[h]``, each beside the neighbour it points at, so walking a
node's neighbours reads one contiguous run. Moving an end of a link is one O(1) removal and one
O(1) amortized append; a random neighbour is one random list item; an adjacency test scans one
of the two lists. Generators (random regular, Erdos-Renyi G(n, m), complete, scale-free)
are compiled; ``to_networkx`` exports for analysis.

Layout: what a kernel reads of one node or one half-edge together sits together. A node's list
start, size and room are one 32-byte row of ``nodes`` (a cache line holds two rows), a
half-edge's owner and position one 8-byte row of ``ends``; kernels get the columns as views
(``DynamicGraph.arrays``), so they index ``start[v]`` as before. On a graph too large for the
cache, a step that rewires a link meets each node's bookkeeping in one line instead of three,
each half-edge's in one instead of two (coevolution at N = 10^5, k = 30, `local`: 5% and 4% more
steps/s, alternated runs of ``benchmarks/bench_coevolution.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from polislab.core import listpool
from polislab.core.rng import below, new_state

GRAPHS = ("random-regular", "erdos-renyi", "complete", "scale-free")


@njit(inline="always")
def pool_capacity(n, links):
    """Slots of a graph's list pool: its 2 links half-edges and room for lists to grow as links
    move (a full pool is compacted, so this is room for speed, not a limit). Measured at 10^6
    nodes, k = 30, coevolution with local rewiring: 6 links + 8 n slots took 1.66-1.70 GB instead
    of 2.34 but ran 1.27-1.47 M steps/s instead of 1.70-1.85 M (compactions), so 12 stays."""
    return 12 * links + 8 * n + 16


@njit(inline="always")
def neighbour(owner, h):
    return owner[h ^ 1]


LONGER_SCANNED = 8  # ``adjacent`` scans u's list unless it is more than this many times v's


@njit(inline="always")
def adjacent(start, size, data, u, v):
    """Whether u and v are linked: scans u's list, which a caller names first because it is
    likely in the cache (a rewirer's own list), unless it is over LONGER_SCANNED times as long
    as v's (a hub's). Scanning the shorter list wherever it lies cost coevolution at N = 10^5 a
    miss on the new neighbour's list in most rewires (8.9-9.4 million steps/s against 9.3-9.8)."""
    if size[u] > LONGER_SCANNED * size[v]:
        u, v = v, u
    base = start[u]
    for i in range(size[u]):
        if data[base + i, 1] == v:
            return True
    return False


@njit(inline="always")
def move_end(owner, hpos, start, size, cap, data, meta, h, node):
    """Give half-edge h (a link's end) to ``node``: O(1) amortized."""
    old = owner[h]
    anchor = owner[h ^ 1]
    moved = listpool.remove_at(start, size, data, old, hpos[h])
    if moved >= 0:
        hpos[moved] = hpos[h]
    owner[h] = node
    hpos[h] = listpool.append(start, size, cap, data, meta, node, h, anchor)
    data[start[anchor] + hpos[h ^ 1], 1] = node


def _placed(n: int, u: np.ndarray, v: np.ndarray, regular: int = 0, rewired: bool = False) -> tuple:
    """The arrays (ends, nodes, data, meta) of the graph of links (u[e], v[e]), placed by
    ``_place``; ``regular`` > 0: every node has that degree.

    ``rewired``: a graph that a long run will walk at random and rewire. Its arrays come from
    numpy's allocator, which asks the kernel for huge pages above 4 MiB (a compiled allocation
    does not): a walk over a graph of 10^6 nodes (coevolution, local, k = 30) runs 1.9 instead
    of 1.1-1.5 million steps/s on them, fewer misses of the address translation cache, but
    building one of 10^7 nodes takes 18-20 s instead of 14-16 (random regular, k = 10), so a
    graph that is built to be converted or read briefly does without. And each list is placed
    with room for twice its links, so a node's first new link does not move its list (at
    N = 10^5, k = 30: 8.7-9.3 million steps/s instead of 7.7-8.8 over 6 million steps)."""
    links, capacity = len(u), pool_capacity(n, len(u))
    if rewired:  # the same arrays from numpy's allocator (untouched until placed, so free to swap)
        ends, nodes = _aligned_rows(2 * links, 2, np.int32), _aligned_rows(n, NODE_WORDS, np.int64)
        data, meta = np.zeros((capacity, 2), dtype=np.int32), np.zeros(1, dtype=np.int64)
    else:
        ends, nodes, data, meta = _graph_arrays(n, links, capacity)
    _place(u, v, regular, 2 if rewired else 1, *_views(ends, nodes), data, meta)
    return ends, nodes, data, meta


NODE_WORDS = 4  # a node's row: list start, size, room and a word that pads the row to 32 bytes
START, SIZE, CAP = range(3)
OWNER, HPOS = range(2)


def _aligned_rows(rows: int, width: int, dtype) -> np.ndarray:
    """Zeros of shape (rows, width) from numpy's allocator whose first row starts a cache line
    (numpy aligns to 16 bytes: a 32-byte row would otherwise straddle two lines half the time)."""
    return _line_aligned(np.zeros(rows * width + 64 // np.dtype(dtype).itemsize, dtype=dtype), rows, width)


@njit(cache=True)
def _line_aligned(raw, rows, width):
    """The (rows, width) view of ``raw`` (64 bytes longer than it needs) that starts a cache line."""
    skip = (-raw.ctypes.data % 64) // raw.itemsize
    return raw[skip : skip + rows * width].reshape((rows, width))


def _views(ends: np.ndarray, nodes: np.ndarray) -> tuple:
    """The columns kernels index: owner, hpos, start, size, cap."""
    return ends[:, OWNER], ends[:, HPOS], nodes[:, START], nodes[:, SIZE], nodes[:, CAP]


@njit(cache=True)
def _graph_arrays(n, links, capacity):
    """A graph's arrays, allocated in compiled code (no huge pages: ``_placed``), the node rows
    aligned as ``_aligned_rows`` aligns them."""
    nodes = _line_aligned(np.zeros(n * NODE_WORDS + 8, dtype=np.int64), n, NODE_WORDS)
    return (np.empty((2 * links, 2), dtype=np.int32), nodes, np.empty((capacity, 2), dtype=np.int32),
            np.zeros(1, dtype=np.int64))


@njit(cache=True)
def _place(u, v, regular, room, owner, hpos, start, size, cap, data, meta):
    """The graph of links (u[e], v[e]) as appending each link to both its lists in turn makes
    it (each node's half-edges in link order, ``2e`` before ``2e + 1``), written in two passes:
    count each node's degree, then fill each list in place with room for ``room`` times its
    links (the room the pool keeps beyond is allocated, never written: untouched pages take no
    memory). When every node has degree ``regular`` (> 0), node v's list starts at v ``room``
    ``regular``: no counting, and the fill reads one node array at random instead of two
    (10^7 nodes, k = 10: 6-7 s instead of 10-13)."""
    links = u.shape[0]
    n = start.shape[0]
    if regular > 0:
        for node in range(n):
            start[node] = node * room * regular
            cap[node] = room * regular
        meta[0] = n * room * regular
    else:
        for e in range(links):
            cap[u[e]] += room
            cap[v[e]] += room
        top = 0
        for node in range(n):
            start[node] = top
            top += cap[node]
        meta[0] = top
    for h in range(2 * links):
        node, other = (u[h >> 1], v[h >> 1]) if h & 1 == 0 else (v[h >> 1], u[h >> 1])
        place = size[node]
        base = node * room * regular if regular > 0 else start[node]
        data[base + place, 0] = h
        data[base + place, 1] = other
        hpos[h] = place
        size[node] = place + 1
        owner[h] = node


@dataclass
class DynamicGraph:
    n: int
    ends: np.ndarray  # (2 links, 2) int32: each half-edge's owner and position in its owner's list
    nodes: np.ndarray  # (n, NODE_WORDS) int64: each node's list start, size (its degree) and room
    data: np.ndarray
    meta: np.ndarray

    @classmethod
    def from_edges(cls, n: int, edges: np.ndarray, rewired: bool = False) -> DynamicGraph:
        edges = np.asarray(edges, dtype=np.int32).reshape(-1, 2)
        return cls(n, *_placed(n, edges[:, 0].copy(), edges[:, 1].copy(), rewired=rewired))

    @property
    def links(self) -> int:
        return len(self.ends) // 2

    owner = property(lambda self: self.ends[:, OWNER])
    hpos = property(lambda self: self.ends[:, HPOS])
    start = property(lambda self: self.nodes[:, START])
    degree = property(lambda self: self.nodes[:, SIZE], doc="the list sizes")
    cap = property(lambda self: self.nodes[:, CAP])

    def arrays(self) -> tuple:
        """(owner, hpos, start, degree, cap, data, meta): what the kernels take."""
        return (*_views(self.ends, self.nodes), self.data, self.meta)

    def edges(self) -> np.ndarray:
        return self.owner.reshape(-1, 2).copy()

    def neighbours(self, node: int) -> np.ndarray:
        return self.data[self.start[node] : self.start[node] + self.degree[node], 1].copy()

    def to_networkx(self):
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from(map(tuple, self.edges().tolist()))
        return graph

    def check(self) -> None:
        """Assert every invariant: lists agree with owners, no self-loops, no double links."""
        assert self.degree.sum() == len(self.owner), "degree sum differs from twice the links"
        for node in range(self.n):
            run = self.data[self.start[node] : self.start[node] + self.degree[node]]
            half = run[:, 0]
            assert np.all(self.owner[half] == node), f"node {node}: a listed half-edge is not its own"
            assert np.all(self.hpos[half] == np.arange(len(half))), f"node {node}: positions disagree"
            assert np.all(run[:, 1] == self.owner[half ^ 1]), f"node {node}: a stored neighbour is stale"
        edges = self.edges()
        assert np.all(edges[:, 0] != edges[:, 1]), "a self-loop"
        keys = np.sort(edges, axis=1)
        assert len(np.unique(keys, axis=0)) == len(keys), "a double link"


def check_graph(kind: str, n: int, k: float) -> None:
    """Raise ValueError unless ``generate`` can build this graph (a random regular graph needs an
    integer k with n k even; every kind but the complete graph needs k < n)."""
    if kind not in GRAPHS:
        raise ValueError(f"unknown graph '{kind}'; allowed: {', '.join(GRAPHS)}")
    if kind == "random-regular" and (k != int(k) or (n * int(k)) % 2):
        raise ValueError(f"a random-regular graph needs an integer k with n k even (n = {n}, k = {k})")
    if kind != "complete" and k >= n:
        raise ValueError(f"k = {k} must be < n = {n}")


def generate(kind: str, n: int, k: float, seed: int, rewired: bool = False) -> DynamicGraph:
    """A graph of ``n`` nodes and mean degree about ``k`` (exactly k where the kind allows);
    ``rewired`` for a graph that a long run will walk at random and rewire (``_placed``: the
    same graph, laid out for that)."""
    check_graph(kind, n, k)
    state = new_state(seed)
    if kind == "complete":
        u, v = np.triu_indices(n, 1)
        return DynamicGraph.from_edges(n, np.stack([u, v], axis=1), rewired)
    links = int(round(n * k / 2))
    if kind == "random-regular":
        stubs = _shuffled_stubs(n, int(k), state)
        graph = DynamicGraph(n, *_placed(n, stubs[0::2], stubs[1::2], int(k), rewired))
        del stubs
        _make_simple(*graph.arrays(), state)
        return graph
    if kind == "erdos-renyi":
        return DynamicGraph(n, *_placed(n, *_gnm_links(n, links, state), rewired=rewired))
    return DynamicGraph(n, *_placed(n, *_barabasi_albert_links(n, max(1, int(round(k / 2))), state),
                                    rewired=rewired))


@njit(cache=True)
def _gnm_links(n, links, state):
    """Erdos-Renyi G(n, m): m distinct links drawn uniformly (rejecting loops and repeats).

    The links drawn so far are kept in a hash set (open addressing on u n + v, u < v), so a repeat
    costs one probe instead of a scan of a neighbour list; the graph is then placed in two passes
    (``_place``): the same draws and the same graph as adding each link to the lists as it comes.
    10^6 nodes, k = 30: 5 s, was 17 s."""
    u = np.empty(links, dtype=np.int32)
    v = np.empty(links, dtype=np.int32)
    slots = 16
    while slots < 2 * links:
        slots *= 2
    table = np.full(slots, -1, dtype=np.int64)
    mask = np.uint64(slots - 1)
    e = 0
    while e < links:
        a = below(state, n)
        b = below(state, n)
        if a == b:
            continue
        key = min(a, b) * np.int64(n) + max(a, b)
        slot = (np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(17)
        slot &= mask
        while table[slot] != -1 and table[slot] != key:
            slot = (slot + np.uint64(1)) & mask
        if table[slot] == key:
            continue
        table[slot] = key
        u[e] = a
        v[e] = b
        e += 1
    return u, v


@njit(cache=True)
def _shuffled_stubs(n, k, state):
    """A random regular graph's first draw (``generate``): k stubs per node, shuffled; stubs 2e
    and 2e + 1 make link e."""
    stubs = np.repeat(np.arange(n, dtype=np.int32), k)
    for i in range(stubs.shape[0] - 1, 0, -1):
        j = below(state, i + 1)
        stubs[i], stubs[j] = stubs[j], stubs[i]
    return stubs


@njit(cache=True)
def _make_simple(owner, hpos, start, size, cap, data, meta, state):
    """A uniform-ish k-regular graph from the paired stubs: remove self-loops and double links by
    random degree-preserving swaps with good links.

    The stubs' links are placed in two passes (``_place``: every list ends with exactly k
    half-edges, the same lists, in the same order, as linking one at a time gives); then one scan
    of each node's list finds the loops and repeated links, and only those are visited by the
    swaps (a swap makes two good links, so a link good at the start is still good at its turn).
    10^6 nodes, k = 30: 2-5 s, was 18-22 s (benchmarks/bench_coevolution.py builds it)."""
    n = start.shape[0]
    links = owner.shape[0] // 2
    suspect = np.zeros(links, dtype=np.bool_)
    seen = np.full(n, -1, dtype=np.int64)
    first = np.zeros(n, dtype=np.int64)
    for node in range(n):
        for i in range(size[node]):
            h, other = data[start[node] + i, 0], data[start[node] + i, 1]
            if other == node:
                suspect[h >> 1] = True
            elif seen[other] == node:
                suspect[h >> 1] = True
                suspect[first[other]] = True
            else:
                seen[other] = node
                first[other] = h >> 1
    for bad in range(links):  # one pass: each swap makes two good links, so none turns bad
        if not suspect[bad]:
            continue
        for _ in range(100 * links + 100):
            a, b = owner[2 * bad], owner[2 * bad + 1]
            if a != b and _multiplicity(start, size, data, a, b) == 1:
                break
            other = below(state, links)
            c, d = owner[2 * other], owner[2 * other + 1]
            # swap to a-c, b-d: keep degrees, require both new links to be new and not loops
            if other == bad or a == c or b == d or a == d or b == c:
                continue
            if adjacent(start, size, data, a, c) or adjacent(start, size, data, b, d):
                continue
            move_end(owner, hpos, start, size, cap, data, meta, 2 * bad + 1, c)
            move_end(owner, hpos, start, size, cap, data, meta, 2 * other, b)


@njit(inline="always")
def _multiplicity(start, size, data, u, v):
    count = 0
    for i in range(size[u]):
        if data[start[u] + i, 1] == v:
            count += 1
    return count


@njit(cache=True)
def _barabasi_albert_links(n, m, state):
    """Barabasi-Albert: a complete core of m + 1 nodes, then each node links to m distinct
    nodes drawn in proportion to degree (a random end of a random existing link).

    The links are drawn first, as endpoint arrays, then placed in two passes (``_place``): the
    same draws and the same graph as adding each link to the lists as it comes (a new node's
    only links are the ones it has just made, so a repeat is a look among those m). 10^7 nodes,
    m = 5: 10-12 s, was 47 s."""
    core = min(m + 1, n)
    links = core * (core - 1) // 2 + (n - core) * m
    u = np.empty(links, dtype=np.int32)
    v = np.empty(links, dtype=np.int32)
    e = 0
    for a in range(core):
        for b in range(a + 1, core):
            u[e] = a
            v[e] = b
            e += 1
    for node in range(core, n):
        first = e
        while e < first + m:
            half = below(state, 2 * e)
            target = u[half >> 1] if half & 1 == 0 else v[half >> 1]
            if target == node or _among(v, first, e, target):
                continue
            u[e] = node
            v[e] = target
            e += 1
    return u, v


@njit(inline="always")
def _among(values, first, last, value):
    for i in range(first, last):
        if values[i] == value:
            return True
    return False


def degree_variance(graph: DynamicGraph) -> float:
    """Heterogeneity of Santos et al. (2006): the variance of the degree distribution."""
    return float(np.var(graph.degree))
