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
member); degree-based recommenders walk one array of all nodes sorted by degree, kept sorted by
one swap per change of degree, from either end (a rare strategy's members are scanned instead).
Whether x and a candidate are linked is one bit of an adjacency bitmap up to DENSE_UP_TO nodes;
above, a scan of the shorter list, or for the degree walks one load after stamping x's
neighbourhood in ``marks``. Recommenders draw at random and scan their candidates only when draws
fail; only `random`, as a last resort when x links to nearly everyone, scans all nodes. The
highest-degree ones still pass every hub x is already linked to, and x is often a hub itself.
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

from polislab.core.graph import adjacent, move_end
from polislab.core.prefetch import prefetch
from polislab.core.rng import advance_words, below, to_unit, uniform
from polislab.models.coevolution import recommenders as rec

FINISHED, NEEDS_DECISION = 0, 1
# counters
(STEP, REWIRES, REQUESTS, STRUCTURAL, COOPERATORS, ABSORBED_AT, NO_CANDIDATE, PENDING, SWITCHES,
 AHEAD_CURSOR) = range(10)
# options
(P_STRATEGY, BETA, CONTEST_FITTER, LINK_SAMPLING, GUARD, FALLBACK_RANDOM, TRIES, SORTED_BY_DEGREE, P_RECOMMENDER,
 BETA_RECOMMENDER, EXCLUSIVE) = range(11)
ANY_STRATEGY = -1  # what a degree recommender wants when it takes defectors and cooperators alike
COUNTED_TRIES, PEEKS = 4, 4  # how ``_random_valid`` treats lists of cheaply tested candidates (its docstring)
RARE = 8  # a degree walk scans the wanted strategy's members instead when they are under 1 / RARE of the nodes
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


# ----- nodes sorted by degree: ``order[first[d] : first[d + 1]]`` are the nodes of degree d and
# ``place[v]`` is v's index in ``order``; a degree step of one is one swap across a level's edge
# (the bin sort of Batagelj & Zaversnik's k-core algorithm, 2003) -----

@njit(inline="always")
def _swap_places(order, place, v, i):
    u = order[i]
    j = place[v]
    order[j], order[i] = u, v
    place[u], place[v] = j, i


@njit(inline="always")
def _degree_up(ranking, v, d):
    """v's degree rises from d to d + 1: it trades places with the last node of degree d."""
    order, place, first = ranking
    _swap_places(order, place, v, first[d + 1] - 1)
    first[d + 1] -= 1


@njit(inline="always")
def _degree_down(ranking, v, d):
    """v's degree falls from d to d - 1: it trades places with the first node of degree d."""
    order, place, first = ranking
    _swap_places(order, place, v, first[d])
    first[d] += 1


@njit(cache=True)
def fill_ranking(ranking, degree):
    """Sort the nodes by degree (a counting sort) into ``order``, ``place`` and ``first``."""
    order, place, first = ranking
    n = degree.shape[0]
    first[:] = 0
    for v in range(n):
        first[degree[v] + 1] += 1
    for d in range(1, first.shape[0]):
        first[d] += first[d - 1]
    filled = first.copy()
    for v in range(n):
        order[filled[degree[v]]] = v
        place[v] = filled[degree[v]]
        filled[degree[v]] += 1


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
def _acceptable(start, degree, data, strategy, group, adjacency, marks, stamp, wanted, x, z):
    """``_valid`` for a node of strategy ``wanted`` (ANY_STRATEGY: either), against x's stamped
    neighbourhood when ``stamp`` > 0."""
    if wanted != ANY_STRATEGY and strategy[z] != wanted:
        return False
    if stamp > 0:
        return _valid_marked(group, marks, stamp, x, z)
    return _valid(start, degree, data, group, adjacency, x, z)


@njit(inline="always")
def _random_valid(rng, items, first, size, start, degree, data, strategy, group, adjacency, x, tries, marks, stamp,
                  count_first, peeks, wanted):
    """A uniformly random valid new neighbour of x of strategy ``wanted`` (ANY_STRATEGY: either)
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
    return _random_valid(rng, members[cls], 0, counts[cls], start, degree, data, strategy, group, adjacency, x, tries,
                         NO_MARKS, 0, False, 0, ANY_STRATEGY)


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
def _local(rng, owner, start, degree, data, strategy, group, adjacency, x, y, tries):
    """A random neighbour of y that is a valid new neighbour of x (Santos et al. 2006)."""
    return _random_valid(rng, data[:, 1], start[y], degree[y], start, degree, data, strategy, group, adjacency, x,
                         tries, NO_MARKS, 0, False, 0, ANY_STRATEGY)


@njit(inline="always")
def _rarest_valid(rng, start, degree, data, group, adjacency, members, counts, x, wanted, highest):
    """``_by_degree`` by a scan of x's group's nodes of strategy ``wanted``: one reservoir over
    those of the lowest (highest) valid degree."""
    cls = 2 * group[x] + wanted
    chosen, best, ties = -1, -1, 0
    for i in range(counts[cls]):
        z = members[cls, i]
        d = degree[z]
        if chosen >= 0 and (d < best if highest else d > best):
            continue
        if not _valid(start, degree, data, group, adjacency, x, z):
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
    """A uniformly random valid node of strategy ``wanted`` (ANY_STRATEGY: either) of the lowest
    (highest) degree: walks the degree-sorted nodes from that end (upwards a level of equal degree
    at a time, downwards node by node), testing candidates against the adjacency bitmap or, on
    graphs too large for one, against x's marked neighbourhood. A strategy held by under 1 / RARE
    of the nodes is scanned through its members instead, as the walk would pass RARE nodes of the
    other for each of its own."""
    order, place, first = ranking
    n = order.shape[0]
    if wanted != ANY_STRATEGY and RARE * counts[2 * group[x] + wanted] < n:
        return _rarest_valid(rng, start, degree, data, group, adjacency, members, counts, x, wanted, highest)
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
        return _random_valid(rng, order, lo, i + 1 - lo, start, degree, data, strategy, group, adjacency, x, tries,
                             marks, stamp, True, 0, wanted)
    i = 0
    while i < n:  # the lowest levels hold mostly valid leaves: a few draws in each first
        lo, hi = i, first[degree[order[i]] + 1]
        chosen = _random_valid(rng, order, lo, hi - lo, start, degree, data, strategy, group, adjacency, x, tries,
                               marks, stamp, True, PEEKS, wanted)
        if chosen >= 0:
            return chosen
        i = hi
    return -1


@njit(inline="always")
def recommend(code, rng, x, y, owner, start, degree, data, strategy, group, adjacency, members, counts, exclusive,
              ranking, marks, n, tries):
    """The new neighbour z for x, who drops y; -1 when the recommender has none."""
    if code == rec.LOCAL:
        return _local(rng, owner, start, degree, data, strategy, group, adjacency, x, y, tries)
    if code == rec.RANDOM:
        return _any_node(rng, owner, start, degree, data, group, adjacency, members, counts, exclusive, n, x, tries)
    if code == rec.GOOD or code == rec.BAD or code == rec.FAIR:
        wanted = 1 if code == rec.GOOD else 0 if code == rec.BAD else strategy[x]
        return _from_set(rng, owner, start, degree, data, strategy, group, adjacency, members, counts,
                         2 * group[x] + wanted, x, tries)
    if rec.DEFECTORS_LOWEST <= code <= rec.COOPERATORS_HIGHEST:
        offset = code - rec.DEFECTORS_LOWEST
        wanted = (0, 0, ANY_STRATEGY, ANY_STRATEGY, 1, 1)[offset]
        return _by_degree(rng, start, degree, data, strategy, group, adjacency, members, counts, ranking, marks, wanted,
                          x, offset % 2 == 1, tries)
    return -1  # null


# ----- moves -----

@njit(inline="always")
def _apply_rewire(h, rewirer, dropped, z, graph, strategy, coop, adjacency, ranking, sorted_by_degree):
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
    if sorted_by_degree:
        _degree_down(ranking, dropped, old_d)
        _degree_up(ranking, z, old_z)


@njit(inline="always")
def _change_strategy(x, new, graph, strategy, group, coop, members, where, counts):
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
        adjacency, ranking, marks, ahead_nodes, ahead_units, payoff, table, options, counters, pending):
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
    sorted_by_degree = options[SORTED_BY_DEGREE] > 0
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
                                                counts)
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
                      counts, exclusive, ranking, marks, n, tries)
        if z < 0 and fallback and code != rec.NULL:
            z = _any_node(rng, owner, start, degree, data, group, adjacency, members, counts, exclusive, n, rewirer,
                          tries)
        s0, s1, s2, s3 = rng[0], rng[1], rng[2], rng[3]
        if z < 0:
            counters[NO_CANDIDATE] += 1
            continue
        _apply_rewire(h, rewirer, dropped, z, graph, strategy, coop, adjacency, ranking, sorted_by_degree)
        counters[REWIRES] += 1
    rng[0], rng[1], rng[2], rng[3] = s0, s1, s2, s3
    counters[STEP], counters[COOPERATORS], counters[AHEAD_CURSOR] = step, cooperators, cursor
    return status


@njit(cache=True)
def resolve(z, rng, graph, strategy, coop, group, adjacency, members, counts, ranking, options, counters, pending):
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
    _apply_rewire(h, rewirer, dropped, z, graph, strategy, coop, adjacency, ranking, options[SORTED_BY_DEGREE] > 0)
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
