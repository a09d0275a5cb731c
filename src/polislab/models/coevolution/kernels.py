"""The coevolution kernel (seed 002, Algorithm .1; Santos, Pacheco & Lenaerts 2006).

One step picks a node x and a neighbour y (or a random link). With probability 1 / (1 + W) it
is a strategy update: x imitates y with probability 1 / (1 + exp(-beta (f_y - f_x))) (seed 002,
eq. 1). Otherwise it is a structural update: x keeps a link to a cooperator; a C-D link
(x = C, y = D) is contested and, if x wins, x moves the link from y to the z its recommender
offers; in a D-D link the winner moves its end (seed 002, Algorithm .1). Links move, never
appear or vanish.

Fitness is the accumulated payoff f_v = c_v payoff[s_v, C] + (d_v - c_v) payoff[s_v, D] with
c_v the cooperating neighbours, kept up to date on every move and every change of strategy.
Competition (seed 002, section 5): each node uses the recommender of its ``slot``; with
probability P_RECOMMENDER a step is a recommender update, in which x imitates a random
neighbour's recommender with the Fermi probability at temperature BETA_RECOMMENDER. Exclusive
recommenders offer only their own users: a node's ``group`` is its slot (0 for everyone when
recommenders are not exclusive) and a candidate must share the rewirer's group.

Cooperators and defectors of each group are kept as sets, class 2 group + strategy (O(1) random
member); degree-based recommenders
use degree buckets per class (defectors, cooperators, everyone) in a list pool, with a bitmap of
the occupied buckets so a walk from either end skips empty degrees 64 at a time. Whether x and a
candidate are linked is one bit of an adjacency bitmap up to DENSE_UP_TO nodes; above, a scan of
the shorter list, or for the degree walks one load after stamping x's neighbourhood in ``marks``.
Recommenders draw at random and scan their candidates only when draws fail; only `random`, as a
last resort when x links to nearly everyone, scans all nodes. The highest-degree ones still walk
past every hub x is already linked to, and x is often a hub itself (issue 3's note).
``run`` and ``_by_degree`` are compiled without numba's reference counting (``_nrt=False``,
numba/numba#2350): they allocate nothing, and the counting's atomic operations, which numba
cannot prune across the branches of the step, took about half their time. A Python
recommender makes ``run`` return ``NEEDS_DECISION``; ``resolve`` applies its answer and ``run``
resumes.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import leading_zeros, trailing_zeros

from polislab.core import listpool
from polislab.core.graph import adjacent, move_end
from polislab.core.prefetch import prefetch
from polislab.core.rng import advance_words, below, to_unit, uniform
from polislab.models.coevolution import recommenders as rec

FINISHED, NEEDS_DECISION = 0, 1
# counters
(STEP, REWIRES, REQUESTS, STRUCTURAL, COOPERATORS, ABSORBED_AT, NO_CANDIDATE, PENDING, SWITCHES,
 AHEAD_CURSOR) = range(10)
# options
(P_STRATEGY, BETA, CONTEST_FITTER, LINK_SAMPLING, GUARD, FALLBACK_RANDOM, TRIES, USE_BUCKETS, P_RECOMMENDER,
 BETA_RECOMMENDER, EXCLUSIVE) = range(11)
ALL_CLASS = 2  # bucket classes: 0 defectors, 1 cooperators, 2 everyone
NO_MARKS = np.zeros(1, dtype=np.int64)  # for candidate draws that test adjacency by scanning (stamp 0)
AHEAD = 16  # node draws made this many node-sampling steps in advance, so their memory can be prefetched
PREFETCH_FROM = 16_384  # nodes; smaller graphs sit in the cache and only pay for the hints
DENSE_UP_TO = 8_192  # nodes; up to here an adjacency bitmap (n^2 / 8 bytes, 8 MiB at most) tests a link in one load


@njit(inline="always")
def fitness(v, strategy, coop, degree, payoff):
    s = strategy[v]
    return coop[v] * payoff[s, 1] + (degree[v] - coop[v]) * payoff[s, 0]


@njit(inline="always")
def fermi(beta, gain):
    """1 / (1 + exp(-beta gain)): the chance of adopting / winning with fitness advantage ``gain``."""
    return 1.0 / (1.0 + math.exp(-beta * gain))


FERMI_TABLE = 4096  # integer fitness differences in [-4096, 4096] are looked up, not exponentiated


def fermi_table(beta: float, integer_payoffs: bool) -> np.ndarray:
    """fermi(beta, g) for every integer g in [-FERMI_TABLE, FERMI_TABLE]; empty unless payoffs are integers."""
    if not integer_payoffs:
        return np.zeros(0)
    gains = np.arange(-FERMI_TABLE, FERMI_TABLE + 1, dtype=np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * beta * gains))  # = 1 / (1 + exp(-beta g)), without overflow


@njit(inline="always")
def fermi_lookup(table, beta, gain):
    """``fermi`` from the table when ``gain`` is a tabulated integer, else computed."""
    if table.shape[0] > 0:
        index = int(gain) + FERMI_TABLE
        if 0 <= index < table.shape[0] and gain == int(gain):
            return table[index]
    return fermi(beta, gain)


# ----- degree buckets: list (class * n + degree) holds the class's nodes of that degree;
# bit d of the class's ``occupied`` words is set while that list is not empty, so a walk over
# degrees jumps over empty buckets 64 at a time -----

@njit(inline="always")
def _bucket_add(b, bpos, bounds, n, cls, v, d, slot):
    start, size, cap, data, meta, occupied = b
    bpos[slot, v] = listpool.append(start, size, cap, data, meta, cls * n + d, v, 0)
    if size[cls * n + d] == 1:
        occupied[cls, d >> 6] |= np.uint64(1) << np.uint64(d & 63)
    if d < bounds[cls, 0]:
        bounds[cls, 0] = d
    if d > bounds[cls, 1]:
        bounds[cls, 1] = d


@njit(inline="always")
def _bucket_remove(b, bpos, n, cls, v, d, slot):
    start, size, cap, data, meta, occupied = b
    moved = listpool.remove_at(start, size, data, cls * n + d, bpos[slot, v])
    if moved >= 0:
        bpos[slot, moved] = bpos[slot, v]
    if size[cls * n + d] == 0:
        occupied[cls, d >> 6] &= ~(np.uint64(1) << np.uint64(d & 63))


@njit(inline="always")
def _degree_changed(b, bpos, bounds, n, strategy, v, old, new):
    for slot in range(2):
        cls = strategy[v] if slot == 0 else ALL_CLASS
        _bucket_remove(b, bpos, n, cls, v, old, slot)
        _bucket_add(b, bpos, bounds, n, cls, v, new, slot)


@njit(inline="always")
def _class_changed(b, bpos, bounds, n, v, d, old_cls, new_cls):
    _bucket_remove(b, bpos, n, old_cls, v, d, 0)
    _bucket_add(b, bpos, bounds, n, new_cls, v, d, 0)


# ----- cooperator and defector sets -----

@njit(inline="always")
def _set_move(members, where, counts, v, old, new):
    i = where[v]
    last = members[old, counts[old] - 1]
    members[old, i] = last
    where[last] = i
    counts[old] -= 1
    members[new, counts[new]] = v
    where[v] = counts[new]
    counts[new] += 1


# ----- recommenders -----

@njit(inline="always")
def _linked(adjacency, start, degree, data, x, z):
    """Whether x and z are linked: one bit of the adjacency bitmap, or a list scan on graphs too
    large for one (an empty bitmap)."""
    if adjacency.shape[1] > 0:
        return (adjacency[x, z >> 6] >> np.uint64(z & 63)) & np.uint64(1) != 0
    return adjacent(start, degree, data, x, z)


@njit(inline="always")
def _set_linked(adjacency, u, v, linked):
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
        _set_linked(adjacency, owner[h], owner[h + 1], True)


@njit(inline="always")
def _valid(start, degree, data, group, adjacency, x, z):
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
def _acceptable(start, degree, data, group, adjacency, marks, stamp, x, z):
    """``_valid``, against x's stamped neighbourhood when ``stamp`` > 0."""
    if stamp > 0:
        return _valid_marked(group, marks, stamp, x, z)
    return _valid(start, degree, data, group, adjacency, x, z)


@njit(inline="always")
def _random_valid(rng, items, first, size, start, degree, data, group, adjacency, x, tries, marks, stamp,
                  count_first):
    """A uniformly random valid new neighbour of x among the candidates ``items[first : first + size]``
    (bounds rather than a slice, so one pool serves every list): up to ``tries`` random
    draws (no more than there are candidates), then a reservoir scan of them all; -1 if none.
    With ``count_first`` (validity tests that cost one load: the bitmap or a stamped
    neighbourhood), at most ``tries`` candidates are counted and one valid one drawn (no draw
    when only one is valid)."""
    if count_first and size <= tries:
        valid = 0
        for i in range(first, first + size):
            valid += _acceptable(start, degree, data, group, adjacency, marks, stamp, x, items[i])
        if valid == 0:
            return -1
        pick = 0 if valid == 1 else below(rng, valid)
        for i in range(first, first + size):
            if _acceptable(start, degree, data, group, adjacency, marks, stamp, x, items[i]):
                if pick == 0:
                    return items[i]
                pick -= 1
    for _ in range(min(tries, size)):
        z = items[first + below(rng, size)]
        if _acceptable(start, degree, data, group, adjacency, marks, stamp, x, z):
            return z
    chosen, seen = -1, 0
    for i in range(first, first + size):
        z = items[i]
        if _acceptable(start, degree, data, group, adjacency, marks, stamp, x, z):
            seen += 1
            if below(rng, seen) == 0:
                chosen = z
    return chosen


@njit(inline="always")
def _from_set(rng, owner, start, degree, data, group, adjacency, members, counts, cls, x, tries):
    """A uniformly random valid member of class ``cls``."""
    return _random_valid(rng, members[cls], 0, counts[cls], start, degree, data, group, adjacency, x, tries, NO_MARKS,
                         0, False)


@njit(cache=True)
def _any_node(rng, owner, start, degree, data, group, adjacency, members, counts, exclusive, n, x, tries):
    """A uniformly random valid node (of x's group when recommenders are exclusive)."""
    if exclusive:
        cls = 2 * group[x]
        defectors, cooperators = counts[cls], counts[cls + 1]
        for _ in range(tries):
            pick = below(rng, defectors + cooperators)
            z = members[cls, pick] if pick < defectors else members[cls + 1, pick - defectors]
            if _valid(start, degree, data, group, adjacency, x, z):
                return z
        chosen, seen = -1, 0  # a reservoir over the group's defectors, then its cooperators
        for cooperating in range(2):
            for i in range(counts[cls + cooperating]):
                z = members[cls + cooperating, i]
                if _valid(start, degree, data, group, adjacency, x, z):
                    seen += 1
                    if below(rng, seen) == 0:
                        chosen = z
        return chosen
    for _ in range(tries * 8 + min(tries, n)):
        z = below(rng, n)
        if _valid(start, degree, data, group, adjacency, x, z):
            return z
    # x links to nearly everyone: the last resort scans all nodes
    chosen, seen = -1, 0
    for z in range(n):
        if _valid(start, degree, data, group, adjacency, x, z):
            seen += 1
            if below(rng, seen) == 0:
                chosen = z
    return chosen


@njit(inline="always")
def _local(rng, owner, start, degree, data, group, adjacency, x, y, tries):
    """A random neighbour of y that is a valid new neighbour of x (Santos et al. 2006)."""
    return _random_valid(rng, data[:, 1], start[y], degree[y], start, degree, data, group, adjacency, x, tries,
                         NO_MARKS, 0, False)


@njit(inline="always")
def _highest_bit(word):
    """The index of the highest set bit of a nonzero uint64 (one lzcnt instruction)."""
    return 63 - int(leading_zeros(word))


@njit(inline="always")
def _lowest_bit(word):
    """The index of the lowest set bit of a nonzero uint64 (one tzcnt instruction)."""
    return int(trailing_zeros(word))


@njit(inline="always")
def _next_occupied(occupied, cls, d, lo, hi, downwards):
    """The nearest degree from d towards lo (downwards) or hi whose bucket is not empty; -1 if none."""
    if d < lo or d > hi:
        return -1
    word = d >> 6
    ones = ~np.uint64(0)
    bit = np.uint64(d & 63)
    if downwards:
        bits = occupied[cls, word] & (ones >> (np.uint64(63) - bit))
        while bits == 0:
            word -= 1
            if word < lo >> 6:
                return -1
            bits = occupied[cls, word]
        found = 64 * word + _highest_bit(bits)
        return found if found >= lo else -1
    bits = occupied[cls, word] & (ones << bit)
    while bits == 0:
        word += 1
        if word > hi >> 6:
            return -1
        bits = occupied[cls, word]
    found = 64 * word + _lowest_bit(bits)
    return found if found <= hi else -1


@njit(cache=True, _nrt=False)
def _by_degree(rng, owner, start, degree, data, group, adjacency, b, bounds, marks, n, cls, x, highest, tries):
    """A uniformly random valid node of the lowest (highest) degree in class ``cls``: walks the
    occupied buckets from that end, testing candidates against the adjacency bitmap or, on
    graphs too large for one, against x's marked neighbourhood."""
    bstart, bsize, bcap, bdata, bmeta, occupied = b
    lo, hi = bounds[cls, 0], bounds[cls, 1]
    if lo > hi:
        return -1
    lo = _next_occupied(occupied, cls, lo, lo, hi, False)
    if lo < 0:
        bounds[cls, 0], bounds[cls, 1] = n, -1
        return -1
    hi = _next_occupied(occupied, cls, hi, lo, hi, True)
    bounds[cls, 0], bounds[cls, 1] = lo, hi
    stamp = 0 if adjacency.shape[1] > 0 else _mark_neighbourhood(marks, start, degree, data, x)
    d = hi if highest else lo
    nodes = bdata[:, 0]
    while d >= 0:
        lst = cls * n + d
        chosen = _random_valid(rng, nodes, bstart[lst], bsize[lst], start, degree, data, group, adjacency, x, tries,
                               marks, stamp, True)
        if chosen >= 0:
            return chosen
        d = _next_occupied(occupied, cls, d - 1, lo, hi, True) if highest else _next_occupied(occupied, cls, d + 1,
                                                                                                 lo, hi, False)
    return -1


@njit(inline="always")
def recommend(code, rng, x, y, owner, start, degree, data, strategy, group, adjacency, members, counts, exclusive, b,
              bounds, marks, n, tries):
    """The new neighbour z for x, who drops y; -1 when the recommender has none."""
    if code == rec.LOCAL:
        return _local(rng, owner, start, degree, data, group, adjacency, x, y, tries)
    if code == rec.RANDOM:
        return _any_node(rng, owner, start, degree, data, group, adjacency, members, counts, exclusive, n, x, tries)
    own = 2 * group[x]
    if code == rec.GOOD:
        return _from_set(rng, owner, start, degree, data, group, adjacency, members, counts, own + 1, x, tries)
    if code == rec.BAD:
        return _from_set(rng, owner, start, degree, data, group, adjacency, members, counts, own, x, tries)
    if code == rec.FAIR:
        return _from_set(rng, owner, start, degree, data, group, adjacency, members, counts, own + strategy[x], x, tries)
    if rec.DEFECTORS_LOWEST <= code <= rec.COOPERATORS_HIGHEST:
        offset = code - rec.DEFECTORS_LOWEST
        cls = (0, 0, ALL_CLASS, ALL_CLASS, 1, 1)[offset]
        return _by_degree(rng, owner, start, degree, data, group, adjacency, b, bounds, marks, n, cls, x,
                          offset % 2 == 1, tries)
    return -1  # null


# ----- moves -----

@njit(inline="always")
def _apply_rewire(h, rewirer, dropped, z, graph, strategy, coop, adjacency, b, bpos, bounds, n, use_buckets):
    """Move the end of link h held by ``dropped`` to z: rewirer-dropped becomes rewirer-z."""
    owner, hpos, start, degree, cap, data, meta = graph
    end = h if owner[h] == dropped else h ^ 1
    old_d, old_z = degree[dropped], degree[z]
    move_end(owner, hpos, start, degree, cap, data, meta, end, z)
    _set_linked(adjacency, rewirer, dropped, False)
    _set_linked(adjacency, rewirer, z, True)
    coop[rewirer] += strategy[z] - strategy[dropped]
    coop[dropped] -= strategy[rewirer]
    coop[z] += strategy[rewirer]
    if use_buckets:
        _degree_changed(b, bpos, bounds, n, strategy, dropped, old_d, old_d - 1)
        _degree_changed(b, bpos, bounds, n, strategy, z, old_z, old_z + 1)


@njit(inline="always")
def _change_strategy(x, new, graph, strategy, group, coop, members, where, counts, b, bpos, bounds, n, use_buckets):
    """x adopts strategy ``new``; returns the change in the number of cooperators."""
    owner, hpos, start, degree, cap, data, meta = graph
    old = strategy[x]
    if old == new:
        return 0
    delta = new - old
    base = start[x]
    for i in range(degree[x]):
        coop[data[base + i, 1]] += delta
    strategy[x] = new
    _set_move(members, where, counts, x, 2 * group[x] + old, 2 * group[x] + new)
    if use_buckets:
        _class_changed(b, bpos, bounds, n, x, degree[x], old, new)
    return delta


@njit(inline="always")
def _switch_recommender(x, new, slot, slot_codes, slot_counts, recommender, group, strategy, members, where, counts,
                        exclusive):
    """x starts using the recommender of slot ``new``."""
    slot_counts[slot[x]] -= 1
    slot_counts[new] += 1
    if exclusive:
        _set_move(members, where, counts, x, 2 * group[x] + strategy[x], 2 * new + strategy[x])
        group[x] = new
    slot[x] = new
    recommender[x] = slot_codes[new]


@njit(inline="always")
def _prefetch_ahead(cursor, ahead_nodes, ahead_units, start, degree, data, strategy, coop):
    """Start loading what later steps will read: the node drawn for AHEAD steps on, the sampled
    link of the node AHEAD / 2 steps on, and that link's far end AHEAD / 4 steps on (each stage
    reads only what an earlier stage fetched; stale guesses cost a wasted hint, nothing else)."""
    later = ahead_nodes[cursor]
    prefetch(start, later)
    prefetch(degree, later)
    prefetch(strategy, later)
    prefetch(coop, later)
    middle = (cursor + AHEAD // 2) % AHEAD
    v = ahead_nodes[middle]
    prefetch(data, start[v] + int(ahead_units[middle] * degree[v]))
    near = (cursor + AHEAD // 4) % AHEAD
    v = ahead_nodes[near]
    w = data[start[v] + int(ahead_units[near] * degree[v]), 1]
    prefetch(strategy, w)
    prefetch(coop, w)
    prefetch(degree, w)
    prefetch(start, w)  # where its list lies, for a structural update that rewires towards its neighbours


@njit(cache=True, _nrt=False)
def run(until, rng, graph, strategy, coop, recommender, slot, slot_codes, slot_counts, group, members, where, counts,
        adjacency, b, bpos, bounds, marks, ahead_nodes, ahead_units, payoff, table, options, counters, pending):
    """Step until ``until`` steps, absorption (FINISHED) or a Python decision (NEEDS_DECISION:
    ``pending`` holds link, rewirer, dropped; call ``resolve``, then ``run`` again).

    A step that samples a node takes it, and the uniform that picks its neighbour, from a ring of
    ``AHEAD`` draws made in advance (the draws depend on no state, so this changes the order of
    the random stream, not the process); on large graphs the ring lets the step prefetch the
    lists of the nodes it will visit."""
    owner, hpos, start, degree, cap, data, meta = graph
    n = strategy.shape[0]
    links = owner.shape[0] // 2
    p_strategy, beta = options[P_STRATEGY], options[BETA]
    fitter_wins, link_sampling = options[CONTEST_FITTER] > 0, options[LINK_SAMPLING] > 0
    guard, fallback, tries = options[GUARD] > 0, options[FALLBACK_RANDOM] > 0, int(options[TRIES])
    use_buckets = options[USE_BUCKETS] > 0
    p_recommender, beta_recommender = options[P_RECOMMENDER], options[BETA_RECOMMENDER]
    exclusive = options[EXCLUSIVE] > 0
    # the hot loop keeps its random stream, step and cooperator count in locals (not in arrays
    # that every other store might alias) and writes them back whenever it leaves or recommends
    s0, s1, s2, s3 = rng[0], rng[1], rng[2], rng[3]
    step, cooperators, cursor = counters[STEP], counters[COOPERATORS], counters[AHEAD_CURSOR]
    if cursor < 0:  # the first call fills the ring
        for i in range(AHEAD):
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            ahead_nodes[i] = int(to_unit(word) * n)
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            ahead_units[i] = to_unit(word)
        cursor = 0
    prefetching = n >= PREFETCH_FROM
    status = FINISHED
    while step < until:
        if cooperators == 0 or cooperators == n:
            if counters[ABSORBED_AT] < 0:
                counters[ABSORBED_AT] = step
            break
        step += 1
        if p_recommender > 0.0:  # drawn only in competition, so other runs keep their random stream
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            if to_unit(word) < p_recommender:
                word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
                x = int(to_unit(word) * n)
                if degree[x] == 0:
                    continue
                word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
                y = data[start[x] + int(to_unit(word) * degree[x]), 1]
                if slot[x] == slot[y]:
                    continue
                gain = fitness(y, strategy, coop, degree, payoff) - fitness(x, strategy, coop, degree, payoff)
                word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
                if to_unit(word) < fermi(beta_recommender, gain):
                    _switch_recommender(x, slot[y], slot, slot_codes, slot_counts, recommender, group, strategy,
                                        members, where, counts, exclusive)
                    counters[SWITCHES] += 1
                continue
        word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
        strategic = to_unit(word) < p_strategy
        if strategic or not link_sampling:
            x, unit = ahead_nodes[cursor], ahead_units[cursor]
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            ahead_nodes[cursor] = int(to_unit(word) * n)
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            ahead_units[cursor] = to_unit(word)
            if prefetching:
                _prefetch_ahead(cursor, ahead_nodes, ahead_units, start, degree, data, strategy, coop)
            cursor = cursor + 1 if cursor + 1 < AHEAD else 0
            if degree[x] == 0:
                continue
            position = start[x] + int(unit * degree[x])
            h, y = data[position, 0], data[position, 1]  # the half-edge sits beside its far end
        else:
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            h = int(to_unit(word) * 2 * links)
            x, y = owner[h], owner[h ^ 1]
        if strategic:
            if strategy[x] == strategy[y]:
                continue  # imitating one's own strategy changes nothing: no fitness needed
            gain = fitness(y, strategy, coop, degree, payoff) - fitness(x, strategy, coop, degree, payoff)
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            if to_unit(word) < fermi_lookup(table, beta, gain):
                cooperators += _change_strategy(x, strategy[y], graph, strategy, group, coop, members, where,
                                                counts, b, bpos, bounds, n, use_buckets)
            continue
        counters[STRUCTURAL] += 1
        if strategy[y] == 1:
            continue  # x is satisfied with a cooperator
        gain = fitness(x, strategy, coop, degree, payoff) - fitness(y, strategy, coop, degree, payoff)
        word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
        x_wins = to_unit(word) < fermi_lookup(table, beta, gain if fitter_wins else -gain)
        if strategy[x] == 1:
            if not x_wins:
                continue  # the cooperator stays linked to the defector
            rewirer, dropped = x, y
        else:
            rewirer, dropped = (x, y) if x_wins else (y, x)
        counters[REQUESTS] += 1
        if guard and degree[dropped] <= 1:
            continue
        code = recommender[rewirer]
        if code >= rec.PYTHON:
            pending[0], pending[1], pending[2] = h, rewirer, dropped
            counters[PENDING] = 1
            status = NEEDS_DECISION
            break
        rng[0], rng[1], rng[2], rng[3] = s0, s1, s2, s3
        z = recommend(code, rng, rewirer, dropped, owner, start, degree, data, strategy, group, adjacency, members,
                      counts, exclusive, b, bounds, marks, n, tries)
        if z < 0 and fallback and code != rec.NULL:
            z = _any_node(rng, owner, start, degree, data, group, adjacency, members, counts, exclusive, n, rewirer,
                          tries)
        s0, s1, s2, s3 = rng[0], rng[1], rng[2], rng[3]
        if z < 0:
            counters[NO_CANDIDATE] += 1
            continue
        _apply_rewire(h, rewirer, dropped, z, graph, strategy, coop, adjacency, b, bpos, bounds, n, use_buckets)
        counters[REWIRES] += 1
    rng[0], rng[1], rng[2], rng[3] = s0, s1, s2, s3
    counters[STEP], counters[COOPERATORS], counters[AHEAD_CURSOR] = step, cooperators, cursor
    return status


@njit(cache=True)
def resolve(z, rng, graph, strategy, coop, group, adjacency, members, counts, b, bpos, bounds, options, counters,
            pending):
    """Apply a Python recommender's answer z to the pending decision (-1 or invalid: none)."""
    owner, hpos, start, degree, cap, data, meta = graph
    h, rewirer, dropped = pending[0], pending[1], pending[2]
    counters[PENDING] = 0
    n = strategy.shape[0]
    if z < 0 or z >= n or not _valid(start, degree, data, group, adjacency, rewirer, z):
        if options[FALLBACK_RANDOM] > 0:
            z = _any_node(rng, owner, start, degree, data, group, adjacency, members, counts, options[EXCLUSIVE] > 0, n,
                          rewirer, int(options[TRIES]))
        if z < 0 or z >= n or not _valid(start, degree, data, group, adjacency, rewirer, z):
            counters[NO_CANDIDATE] += 1
            return False
    _apply_rewire(h, rewirer, dropped, z, graph, strategy, coop, adjacency, b, bpos, bounds, n,
                  options[USE_BUCKETS] > 0)
    counters[REWIRES] += 1
    return True


@njit(cache=True)
def synchronous_generations(generations, rng, graph, strategy, payoff, beta, counters):
    """W = 0, synchronous: each generation every node imitates a random neighbour with the Fermi
    probability, all from the same old strategies and fitness (one step per generation)."""
    owner, hpos, start, degree, cap, data, meta = graph
    n = strategy.shape[0]
    coop = np.zeros(n, dtype=np.int64)
    new = strategy.copy()
    for _ in range(generations):
        if counters[COOPERATORS] == 0 or counters[COOPERATORS] == n:
            if counters[ABSORBED_AT] < 0:
                counters[ABSORBED_AT] = counters[STEP]
            return
        counters[STEP] += 1
        coop[:] = 0
        for v in range(n):
            for i in range(degree[v]):
                coop[v] += strategy[data[start[v] + i, 1]]
        for x in range(n):
            new[x] = strategy[x]
            if degree[x] == 0:
                continue
            y = data[start[x] + below(rng, degree[x]), 1]
            gain = fitness(y, strategy, coop, degree, payoff) - fitness(x, strategy, coop, degree, payoff)
            if uniform(rng) < fermi(beta, gain):
                new[x] = strategy[y]
        strategy[:] = new
        counters[COOPERATORS] = int(strategy.sum())


@njit(cache=True)
def fill_buckets(pool, bpos, bounds, strategy, degree):
    """Put every node in the buckets of its class and of everyone, by degree."""
    n = strategy.shape[0]
    for v in range(n):
        _bucket_add(pool, bpos, bounds, n, strategy[v], v, degree[v], 0)
        _bucket_add(pool, bpos, bounds, n, ALL_CLASS, v, degree[v], 1)
