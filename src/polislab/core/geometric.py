"""Static graphs in compressed sparse rows, and the random geometric graph built on a cell grid.

A static graph is two arrays: node i's neighbours are ``neighbours[offsets[i]:offsets[i + 1]]``.
The random geometric graph places n points uniformly in the unit square and links every pair
at Euclidean distance <= radius (Banisch & Olbrich 2019, used by Meylahn & Meylahn 2024; seed
003). Points are bucketed into square cells of side >= radius, so each point is compared only
with the points of its own and the 8 adjacent cells: O(n k) work, not O(n^2).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from polislab.core.graph import DynamicGraph


def csr_from_edges(n: int, edges: np.ndarray, directed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, neighbours) of the undirected graph with these links, each node's run sorted;
    ``directed``: each link (u, v) only from u to v."""
    edges = np.asarray(edges, dtype=np.int32).reshape(-1, 2)
    heads, tails = edges[:, 0].copy(), edges[:, 1].copy()
    degree = np.bincount(heads, minlength=n) + (0 if directed else np.bincount(tails, minlength=n))
    offsets, neighbours = _rows(degree)
    _fill_from_edges(offsets, neighbours, heads, tails, directed)
    return offsets, neighbours


def csr_from_graph(graph: DynamicGraph) -> tuple[np.ndarray, np.ndarray]:
    """A frozen copy of a dynamic graph in compressed sparse rows (each node's run sorted), read
    straight from its lists: 10^7 nodes, k = 10 in about a second (through a sort of its links,
    a minute)."""
    offsets, neighbours = _rows(graph.degree)
    _fill_from_lists(offsets, neighbours, graph.start, graph.data)
    return offsets, neighbours


@njit(cache=True)
def _rows(degree):
    """Offsets and room for the neighbours of nodes of these degrees (allocated in compiled code:
    see ``core.graph._graph_arrays`` on huge pages)."""
    offsets = np.zeros(degree.shape[0] + 1, dtype=np.int64)
    for i in range(degree.shape[0]):
        offsets[i + 1] = offsets[i] + degree[i]
    return offsets, np.empty(offsets[-1], dtype=np.int32)


@njit(cache=True)
def _fill_from_edges(offsets, neighbours, heads, tails, directed):
    """The rows by a counting sort of the links by their first end, then a sort of each run (the
    runs are short: a node's neighbours)."""
    n = offsets.shape[0] - 1
    fill = offsets[:n].copy()
    for e in range(heads.shape[0]):
        neighbours[fill[heads[e]]] = tails[e]
        fill[heads[e]] += 1
        if not directed:
            neighbours[fill[tails[e]]] = heads[e]
            fill[tails[e]] += 1
    for i in range(n):
        neighbours[offsets[i] : offsets[i + 1]].sort()


@njit(cache=True)
def _fill_from_lists(offsets, neighbours, start, data):
    for i in range(offsets.shape[0] - 1):
        base = offsets[i]
        for j in range(offsets[i + 1] - base):
            neighbours[base + j] = data[start[i] + j, 1]
        neighbours[base : offsets[i + 1]].sort()


def random_geometric(n: int, radius: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positions (n x 2), offsets, neighbours) of a random geometric graph in the unit square.
    Nodes are numbered along a snake through cells of side ~radius: the points are exchangeable,
    so the numbering changes no distribution, and neighbours sit close together in memory."""
    positions = np.random.default_rng(seed).random((n, 2))
    cells = _cells(radius)
    column = np.minimum((positions[:, 0] * cells).astype(np.int64), cells - 1)
    row = np.minimum((positions[:, 1] * cells).astype(np.int64), cells - 1)
    row = np.where(column % 2 == 1, cells - 1 - row, row)
    positions = positions[np.argsort(column * cells + row, kind="stable")]
    offsets, neighbours = geometric_edges(positions, radius)
    return positions, offsets, neighbours


def geometric_edges(positions: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Link every pair of points at distance <= radius; (offsets, neighbours), runs sorted."""
    if not radius > 0:
        raise ValueError(f"radius must be > 0, not {radius}")
    return _geometric(np.ascontiguousarray(positions, dtype=np.float64), float(radius), _cells(radius))


def _cells(radius: float) -> int:
    """Cells per side, so that a cell's side 1 / cells is at least the radius."""
    return max(1, min(int(1.0 / radius), 4096))


@njit(cache=True)
def _geometric(positions, radius, cells):
    n = positions.shape[0]
    cell_of = np.empty(n, dtype=np.int64)
    for i in range(n):
        cx = min(int(positions[i, 0] * cells), cells - 1)
        cy = min(int(positions[i, 1] * cells), cells - 1)
        cell_of[i] = cx * cells + cy
    order = np.argsort(cell_of, kind="mergesort")
    first = np.zeros(cells * cells + 1, dtype=np.int64)
    for i in range(n):
        first[cell_of[i] + 1] += 1
    for c in range(cells * cells):
        first[c + 1] += first[c]
    r2 = radius * radius
    degree = np.zeros(n, dtype=np.int64)
    for sweep in range(2):  # first count, then fill
        if sweep == 1:
            offsets = np.zeros(n + 1, dtype=np.int64)
            for i in range(n):
                offsets[i + 1] = offsets[i] + degree[i]
            neighbours = np.empty(offsets[n], dtype=np.int32)
            fill = offsets[:-1].copy()
        for i in range(n):
            cx, cy = cell_of[i] // cells, cell_of[i] % cells
            xi, yi = positions[i, 0], positions[i, 1]
            for ax in range(max(cx - 1, 0), min(cx + 2, cells)):
                for ay in range(max(cy - 1, 0), min(cy + 2, cells)):
                    c = ax * cells + ay
                    for p in range(first[c], first[c + 1]):
                        j = order[p]
                        if j == i:
                            continue
                        dx, dy = positions[j, 0] - xi, positions[j, 1] - yi
                        if dx * dx + dy * dy <= r2:
                            if sweep == 0:
                                degree[i] += 1
                            else:
                                neighbours[fill[i]] = j
                                fill[i] += 1
    for i in range(n):
        neighbours[offsets[i] : offsets[i + 1]].sort()
    return offsets, neighbours


@njit(cache=True)
def components(offsets, neighbours, colour):
    """Connected components of the subgraph of links whose ends share a colour (all colours
    equal: the graph's components): (label per node, count), labels in order of first node.

    Union-find over the links, each once (from its lower end), with path halving, then labels
    given in order of each component's first node: half the random reads of a depth-first search,
    which read both ends of every link (10^7 nodes, k = 10, colours at random: 2.2 s, was 5.6)."""
    n = offsets.shape[0] - 1
    parent = np.arange(n, dtype=np.int64)
    for u in range(n):
        mine = colour[u]
        for p in range(offsets[u], offsets[u + 1]):
            v = neighbours[p]
            if v <= u or colour[v] != mine:
                continue
            a = _root(parent, u)
            b = _root(parent, v)
            if a != b:
                if a < b:
                    parent[b] = a
                else:
                    parent[a] = b
    label = np.empty(n, dtype=np.int64)
    count = 0
    for u in range(n):  # a root is its component's smallest node, so it comes first
        root = _root(parent, u)
        if root == u:
            label[u] = count
            count += 1
        else:
            label[u] = label[root]
    return label, count


@njit(inline="always")
def _root(parent, u):
    while parent[u] != u:
        parent[u] = parent[parent[u]]
        u = parent[u]
    return u
