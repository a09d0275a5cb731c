"""The compiled recommenders (seed 002, sections 3.3-3.4 and Table 3): the new neighbour z a
built-in recommender offers x, who drops y, drawn from the set its row of ``recommenders.TABLE``
names.

Cooperators and defectors of each group are kept as sets, class 2 group + strategy (O(1) random
member); degree-based recommenders walk one array of all nodes sorted by degree (``kernels``
keeps it sorted), from either end (a rare strategy's members are scanned instead). Whether x and
a candidate are linked is one bit of an adjacency bitmap up to DENSE_UP_TO nodes; above, a scan of
the shorter list, or for the degree walks one load after stamping x's neighbourhood in ``marks``.
Recommenders draw at random and scan their candidates only when draws fail; only `random`, as a
last resort when x links to nearly everyone, scans all nodes. The highest-degree ones still pass
every hub x is already linked to, and x is often a hub itself. ``_by_degree`` is compiled without
numba's reference counting (``_nrt=False``, numba/numba#2350): it allocates nothing.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from polislab.core.graph import adjacent
from polislab.core.rng import below
from polislab.models.coevolution import recommenders as rec

COUNTED_TRIES, PEEKS = 4, 4  # how ``_random_valid`` treats lists of cheaply tested candidates (its docstring)
RARE = 8  # a degree walk scans the wanted strategy's members instead when they are under 1 / RARE of the nodes
NO_MARKS = np.zeros(1, dtype=np.int64)  # for candidate draws that test adjacency by scanning (stamp 0)
DENSE_UP_TO = 8_192  # nodes; up to here an adjacency bitmap (n^2 / 8 bytes, 8 MiB at most) tests a link in one load


@njit(inline="always")
def _linked(adjacency, start, degree, data, x, z):
    """Whether x and z are linked: one bit of the adjacency bitmap, or a list scan on graphs too
    large for one (an empty bitmap)."""
    if adjacency.shape[1] > 0:
        return (adjacency[x, z >> 6] >> np.uint64(z & 63)) & np.uint64(1) != 0
    return adjacent(start, degree, data, x, z)


@njit(inline="always")
def set_linked(adjacency, u, v, linked):
    """Record in the adjacency bitmap (if there is one) that u and v are now linked or not."""
    if adjacency.shape[1] > 0:
        for a, c in ((u, v), (v, u)):
            bit = np.uint64(1) << np.uint64(c & 63)
            if linked:
                adjacency[a, c >> 6] |= bit
            else:
                adjacency[a, c >> 6] &= ~bit


@njit(cache=True)
def fill_adjacency(adjacency, owner):
    """Set the bit of every link in an (n, words) bitmap, both ways."""
    for h in range(0, owner.shape[0], 2):
        set_linked(adjacency, owner[h], owner[h + 1], True)


@njit(inline="always")
def valid(start, degree, data, group, adjacency, x, z):
    return z >= 0 and z != x and group[z] == group[x] and not _linked(adjacency, start, degree, data, x, z)


@njit(inline="always")
def _mark_neighbourhood(marks, start, degree, data, x):
    """Stamp x and its neighbours in ``marks`` (its last item holds the newest stamp), so that
    testing a candidate against x's neighbourhood is one load instead of a list scan."""
    stamp = marks[-1] + 1
    marks[-1] = stamp
    marks[x] = stamp
    base = start[x]
    for i in range(degree[x]):
        marks[data[base + i, 1]] = stamp
    return stamp


@njit(inline="always")
def _valid_marked(group, marks, stamp, x, z):
    """``_valid`` once x's neighbourhood (x included) carries ``stamp``: one load, no list scan."""
    return z >= 0 and marks[z] != stamp and group[z] == group[x]


@njit(inline="always")
def _acceptable(start, degree, data, strategy, group, adjacency, marks, stamp, wanted, x, z):
    """``_valid`` for a node of strategy ``wanted`` (rec.EITHER: either), against x's stamped
    neighbourhood when ``stamp`` > 0."""
    if wanted != rec.EITHER and strategy[z] != wanted:
        return False
    if stamp > 0:
        return _valid_marked(group, marks, stamp, x, z)
    return valid(start, degree, data, group, adjacency, x, z)


@njit(inline="always")
def _randomvalid(rng, items, first, size, start, degree, data, strategy, group, adjacency, x, tries, marks, stamp,
                  count_first, peeks, wanted):
    """A uniformly random valid new neighbour of x of strategy ``wanted`` (rec.EITHER: either)
    among the candidates ``items[first : first + size]``
    (bounds rather than a slice, so one pool serves every list): up to ``tries`` random
    draws (no more than there are candidates), then a reservoir scan of them all; -1 if none.
    With ``count_first`` (validity tests that cost one load: the bitmap or a stamped
    neighbourhood), up to COUNTED_TRIES x ``tries`` candidates are counted and one valid one
    drawn (no draw when only one is valid), after ``peeks`` draws if they are more than ``tries``:
    a degree walk meets many lists where nothing is valid, and counting them is cheaper than
    ``tries`` failed draws and a scan."""
    if count_first and size <= COUNTED_TRIES * tries:
        for _ in range(peeks if size > tries else 0):
            z = items[first + below(rng, size)]
            if _acceptable(start, degree, data, strategy, group, adjacency, marks, stamp, wanted, x, z):
                return z
        valid = 0
        for i in range(first, first + size):
            valid += _acceptable(start, degree, data, strategy, group, adjacency, marks, stamp, wanted, x, items[i])
        if valid == 0:
            return -1
        pick = 0 if valid == 1 else below(rng, valid)
        for i in range(first, first + size):
            if _acceptable(start, degree, data, strategy, group, adjacency, marks, stamp, wanted, x, items[i]):
                if pick == 0:
                    return items[i]
                pick -= 1
    for _ in range(min(tries, size)):
        z = items[first + below(rng, size)]
        if _acceptable(start, degree, data, strategy, group, adjacency, marks, stamp, wanted, x, z):
            return z
    chosen, seen = -1, 0
    for i in range(first, first + size):
        z = items[i]
        if _acceptable(start, degree, data, strategy, group, adjacency, marks, stamp, wanted, x, z):
            seen += 1
            if below(rng, seen) == 0:
                chosen = z
    return chosen


@njit(inline="always")
def _from_set(rng, owner, start, degree, data, strategy, group, adjacency, members, counts, cls, x, tries):
    """A uniformly random valid member of class ``cls``."""
    return _randomvalid(rng, members[cls], 0, counts[cls], start, degree, data, strategy, group, adjacency, x, tries,
                         NO_MARKS, 0, False, 0, rec.EITHER)


@njit(cache=True)
def any_node(rng, owner, start, degree, data, group, adjacency, members, counts, exclusive, n, x, tries):
    """A uniformly random valid node (of x's group when recommenders are exclusive)."""
    if exclusive:
        cls = 2 * group[x]
        defectors, cooperators = counts[cls], counts[cls + 1]
        for _ in range(tries):
            pick = below(rng, defectors + cooperators)
            z = members[cls, pick] if pick < defectors else members[cls + 1, pick - defectors]
            if valid(start, degree, data, group, adjacency, x, z):
                return z
        chosen, seen = -1, 0  # a reservoir over the group's defectors, then its cooperators
        for cooperating in range(2):
            for i in range(counts[cls + cooperating]):
                z = members[cls + cooperating, i]
                if valid(start, degree, data, group, adjacency, x, z):
                    seen += 1
                    if below(rng, seen) == 0:
                        chosen = z
        return chosen
    for _ in range(tries * 8 + min(tries, n)):
        z = below(rng, n)
        if valid(start, degree, data, group, adjacency, x, z):
            return z
    # x links to nearly everyone: the last resort scans all nodes
    chosen, seen = -1, 0
    for z in range(n):
        if valid(start, degree, data, group, adjacency, x, z):
            seen += 1
            if below(rng, seen) == 0:
                chosen = z
    return chosen


@njit(inline="always")
def _local(rng, owner, start, degree, data, strategy, group, adjacency, x, y, tries):
    """A random neighbour of y that is a valid new neighbour of x (Santos et al. 2006)."""
    return _randomvalid(rng, data[:, 1], start[y], degree[y], start, degree, data, strategy, group, adjacency, x,
                         tries, NO_MARKS, 0, False, 0, rec.EITHER)


@njit(inline="always")
def _rarestvalid(rng, start, degree, data, group, adjacency, members, counts, x, wanted, highest):
    """``_by_degree`` by a scan of x's group's nodes of strategy ``wanted``: one reservoir over
    those of the lowest (highest) valid degree."""
    cls = 2 * group[x] + wanted
    chosen, best, ties = -1, -1, 0
    for i in range(counts[cls]):
        z = members[cls, i]
        d = degree[z]
        if chosen >= 0 and (d < best if highest else d > best):
            continue
        if not valid(start, degree, data, group, adjacency, x, z):
            continue
        if chosen < 0 or d != best:
            chosen, best, ties = z, d, 1
        else:
            ties += 1
            if below(rng, ties) == 0:
                chosen = z
    return chosen


@njit(cache=True, _nrt=False)
def _by_degree(rng, start, degree, data, strategy, group, adjacency, members, counts, ranking, marks, wanted, x,
               highest, tries):
    """A uniformly random valid node of strategy ``wanted`` (rec.EITHER: either) of the lowest
    (highest) degree: walks the degree-sorted nodes from that end (upwards a level of equal degree
    at a time, downwards node by node), testing candidates against the adjacency bitmap or, on
    graphs too large for one, against x's marked neighbourhood. A strategy held by under 1 / RARE
    of the nodes is scanned through its members instead, as the walk would pass RARE nodes of the
    other for each of its own."""
    order, place, first = ranking
    n = order.shape[0]
    if wanted != rec.EITHER and RARE * counts[2 * group[x] + wanted] < n:
        return _rarestvalid(rng, start, degree, data, group, adjacency, members, counts, x, wanted, highest)
    stamp = 0 if adjacency.shape[1] > 0 else _mark_neighbourhood(marks, start, degree, data, x)
    if highest:
        # x is often a hub linked to the other hubs: test node after node down to the first valid
        # one, then draw among the valid nodes of its degree, all at or below it
        i = n - 1
        while i >= 0 and not _acceptable(start, degree, data, strategy, group, adjacency, marks, stamp, wanted, x,
                                         order[i]):
            i -= 1
        if i < 0:
            return -1
        lo = first[degree[order[i]]]
        return _randomvalid(rng, order, lo, i + 1 - lo, start, degree, data, strategy, group, adjacency, x, tries,
                             marks, stamp, True, 0, wanted)
    i = 0
    while i < n:  # the lowest levels hold mostly valid leaves: a few draws in each first
        lo, hi = i, first[degree[order[i]] + 1]
        chosen = _randomvalid(rng, order, lo, hi - lo, start, degree, data, strategy, group, adjacency, x, tries,
                               marks, stamp, True, PEEKS, wanted)
        if chosen >= 0:
            return chosen
        i = hi
    return -1


@njit(inline="always")
def recommend(code, rng, x, y, owner, start, degree, data, strategy, group, adjacency, members, counts, exclusive,
              ranking, marks, n, tries):
    """The new neighbour z that built-in recommender ``code`` offers x, who drops y; -1 when it has
    none (or draws nothing: null). The branch is the row's ``draws``."""
    draws = rec.DRAWS[code]
    if draws == rec.NEIGHBOURS_OF_DROPPED:
        return _local(rng, owner, start, degree, data, strategy, group, adjacency, x, y, tries)
    if draws == rec.ANY_NODE:
        return any_node(rng, owner, start, degree, data, group, adjacency, members, counts, exclusive, n, x, tries)
    wanted = rec.WANTED[code]
    if wanted == rec.FOCUS_STRATEGY:
        wanted = strategy[x]
    if draws == rec.STRATEGY_SET:
        return _from_set(rng, owner, start, degree, data, strategy, group, adjacency, members, counts,
                         2 * group[x] + wanted, x, tries)
    if draws == rec.BY_DEGREE:
        return _by_degree(rng, start, degree, data, strategy, group, adjacency, members, counts, ranking, marks, wanted,
                          x, rec.HIGHEST[code], tries)
    return -1  # null
