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
member), and, when a degree-based recommender is in use, all nodes sorted by degree, kept sorted
by one swap per change of degree; the recommenders that read them are in ``recommend.py``.
``run`` is compiled without numba's reference counting (``_nrt=False``, numba/numba#2350): it
allocates nothing, and the counting's atomic operations, which numba cannot prune across the
branches of the step, took about half its time. A Python
recommender makes ``run`` return ``NEEDS_DECISION``; ``resolve`` applies its answer and ``run``
resumes.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from polislab.core.graph import move_end
from polislab.core.prefetch import prefetch
from polislab.core.rng import advance_words, below, to_unit, uniform
from polislab.models.coevolution import recommenders as rec
from polislab.models.coevolution.recommend import any_node, recommend, set_linked, valid

FINISHED, NEEDS_DECISION = 0, 1
# the kernel's counters (int64) and options (float64): arrays of len(COUNTERS) and len(OPTIONS),
# read and written at these indices (an unpacking that fails at import if the two lists disagree)
COUNTERS = ("step", "rewires", "requests", "structural", "cooperators", "absorbed_at", "no_candidate", "pending",
            "switches", "ahead_cursor")
(STEP, REWIRES, REQUESTS, STRUCTURAL, COOPERATORS, ABSORBED_AT, NO_CANDIDATE, PENDING, SWITCHES,
 AHEAD_CURSOR) = range(len(COUNTERS))
OPTIONS = ("p_strategy", "beta", "contest_fitter", "link_sampling", "guard", "fallback_random", "tries",
           "sorted_by_degree", "p_recommender", "beta_recommender", "exclusive", "retries", "judge_users")
(P_STRATEGY, BETA, CONTEST_FITTER, LINK_SAMPLING, GUARD, FALLBACK_RANDOM, TRIES, SORTED_BY_DEGREE, P_RECOMMENDER,
 BETA_RECOMMENDER, EXCLUSIVE, RETRIES, JUDGE_USERS) = range(len(OPTIONS))
AHEAD = 16  # node draws made this many node-sampling steps in advance, so their memory can be prefetched
LOCAL = rec.BUILT_IN["local"]  # its draws are the ones the step can foresee and prefetch
PREFETCH_FROM = 16_384  # nodes; smaller graphs sit in the cache and only pay for the hints
PREFETCH_LIST = 32  # list entries (4 cache lines) prefetched ahead: a hub's whole list would cost more than it saves


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


# ----- moves -----

@njit(inline="always")
def _apply_rewire(h, rewirer, dropped, z, graph, strategy, coop, adjacency, ranking, sorted_by_degree):
    """Move the end of link h held by ``dropped`` to z: rewirer-dropped becomes rewirer-z."""
    owner, hpos, start, degree, cap, data, meta = graph
    end = h if owner[h] == dropped else h ^ 1
    old_d, old_z = degree[dropped], degree[z]
    move_end(owner, hpos, start, degree, cap, data, meta, end, z)
    set_linked(adjacency, rewirer, dropped, False)
    set_linked(adjacency, rewirer, z, True)
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
def _users_fitness(a, b, slot, strategy, coop, degree, payoff):
    """The mean fitness of the users of recommender slots a and b."""
    total_a, total_b, users_a, users_b = 0.0, 0.0, 0, 0
    for v in range(slot.shape[0]):
        if slot[v] == a:
            total_a += fitness(v, strategy, coop, degree, payoff)
            users_a += 1
        elif slot[v] == b:
            total_b += fitness(v, strategy, coop, degree, payoff)
            users_b += 1
    return total_a / max(users_a, 1), total_b / max(users_b, 1)


@njit(inline="always")
def _prefetch_ahead(cursor, ahead_nodes, ahead_units, ahead_coins, ahead_hints, p_strategy, start, degree, data,
                    strategy, coop, hpos, rewiring, local):
    """Start loading what later steps will read: the node drawn for AHEAD steps on; the sampled
    link of the node AHEAD / 2 steps on; that link's far end (its row, its strategy and its
    cooperating neighbours) AHEAD / 4 steps on, and the link's own row (where a rewire moves one
    of its ends) if that step is structural; and the lists a step AHEAD / 8 steps on will walk, as
    its coin says: in a strategic update the node's own where the two disagree (a change of
    strategy walks it); in a structural one with a defecting far end, the far end's (`local` draws
    a new neighbour there, and a rewire may take a link from it) and the node's (a rewirer's list
    is scanned for the new neighbour). Each stage reads only what an earlier stage fetched, and
    ``ahead_hints`` carries what one stage found to the next (the link's place in the list, then
    its far end) instead of finding it again. The last stage chooses its hints without branches
    (the coin and the strategies are as good as random to a branch predictor): a list it does not
    want gets its hints on the sampled link's line, already in the cache. A hint that went stale
    meanwhile (a rewire moved a list) costs a wasted line, nothing else: every place a hint names
    lies inside the list pool and holds a node.

    At N = 10^5 (`local`, alternated runs): the link's row took a rewire from about 0.9 to 0.35
    microseconds; fetching lists only where they may be walked gave 3-4% more steps/s with
    `local` and 15% with `null`, and knowing the coin 11% more (the machine here keeps about 13
    misses in flight: a wasted line delays a needed one); the hints carried forward, the
    branch-free last stage and the link's row only for structural updates, together, 5% at
    N = 10^5 and 19% at N = 10^6 (each alone between 7% slower and 1% faster; docs/speed.md)."""
    later = ahead_nodes[cursor]
    prefetch(start, later)  # its row: start, degree and room
    prefetch(strategy, later)
    prefetch(coop, later)
    middle = (cursor + AHEAD // 2) % AHEAD
    v = ahead_nodes[middle]
    position = start[v] + int(ahead_units[middle] * degree[v])
    ahead_hints[middle, 0] = position
    prefetch(data, position)
    near = (cursor + AHEAD // 4) % AHEAD
    position = ahead_hints[near, 0]
    w = data[position, 1]
    ahead_hints[near, 1] = w
    prefetch(strategy, w)
    prefetch(coop, w)
    prefetch(start, w)
    if rewiring:  # the link's row (owner and place in the list); a strategic update leaves it alone
        prefetch(hpos, data[position, 0] if ahead_coins[near] >= p_strategy else 0)
    soon = (cursor + AHEAD // 8) % AHEAD
    v = ahead_nodes[soon]
    position, w = ahead_hints[soon, 0], ahead_hints[soon, 1]
    strategic = ahead_coins[soon] < p_strategy
    contested = (not strategic) & (strategy[w] == 0) & rewiring  # a structural update that may rewire
    walk_v = (strategic & (strategy[v] != strategy[w])) | contested  # x changes strategy, or is scanned
    _prefetch_list(start[v] if walk_v else position, degree[v] if walk_v else 1, data)
    if local:  # where `local` draws the new neighbour
        _prefetch_list(start[w] if contested else position, degree[w] if contested else 1, data)
    else:  # a rewire takes the far end's last item to the dropped link's place
        prefetch(data, start[w] + degree[w] - 1 if contested else position)


@njit(inline="always")
def _prefetch_list(first, size, data):
    """The first PREFETCH_LIST items of a list (a hub's whole list would cost more than it
    saves): always the same hints, one every 8 items and one on the last (a list that starts
    mid-line ends on one more line), repeated on a short list."""
    last = first + max(min(size, PREFETCH_LIST), 1) - 1
    for item in range(0, PREFETCH_LIST, 8):
        prefetch(data, min(first + item, last))
    prefetch(data, last)


@njit(inline="always")
def _prefetch_local_candidate(dropped, word, start, degree, data, group, strategy, coop):
    """Start loading what a rewire will read of the new neighbour `local` would draw from
    ``dropped``'s list with the stream's ``word``: the step peeks two draws on (the contest's,
    then the candidate's) and decides the contest meanwhile. At N = 10^5, 3-5% more steps/s."""
    z = data[start[dropped] + int(to_unit(word) * degree[dropped]), 1]
    prefetch(start, z)
    prefetch(group, z)
    prefetch(strategy, z)
    prefetch(coop, z)


@njit(cache=True, nogil=True, _nrt=False)
def run(until, rng, graph, strategy, coop, recommender, slot, slot_codes, slot_counts, group, members, where, counts,
        adjacency, ranking, marks, ahead_nodes, ahead_units, ahead_coins, ahead_hints, payoff, table, options, counters,
        pending):
    """Step until ``until`` steps, absorption (FINISHED) or a Python decision (NEEDS_DECISION:
    ``pending`` holds link, rewirer, dropped; call ``resolve``, then ``run`` again).

    Every step takes its strategic-or-structural coin, and a step that samples a node takes the
    node and the uniform that picks its neighbour, from a ring of ``AHEAD`` draws made in advance
    (the draws depend on no state, so this changes the order of the random stream, not the
    process: tests/models/test_coevolution.py holds the kernel to a pure-Python reference); on
    large graphs the ring lets the step prefetch what the steps to come will visit, and the coin
    which of their lists (issue 28: 11% more steps/s at N = 10^5 than with the coin drawn as the
    step begins, and the same rate at N = 1000)."""
    owner, hpos, start, degree, cap, data, meta = graph
    n = strategy.shape[0]
    links = owner.shape[0] // 2
    p_strategy, beta = options[P_STRATEGY], options[BETA]
    fitter_wins, link_sampling = options[CONTEST_FITTER] > 0, options[LINK_SAMPLING] > 0
    guard, fallback, tries = options[GUARD] > 0, options[FALLBACK_RANDOM] > 0, int(options[TRIES])
    sorted_by_degree = options[SORTED_BY_DEGREE] > 0
    p_recommender, beta_recommender = options[P_RECOMMENDER], options[BETA_RECOMMENDER]
    exclusive = options[EXCLUSIVE] > 0
    retries, judge_users = int(options[RETRIES]), options[JUDGE_USERS] > 0
    retried, retrying = 0, False  # updates drawn again in a row for the current step (no_candidate=retry)
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
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            ahead_coins[i] = to_unit(word)
        cursor = 0
    prefetching = n >= PREFETCH_FROM
    rewiring, local = False, False  # whether any recommender in use can rewire, and whether `local` is one
    for code in slot_codes:
        rewiring |= code != rec.NULL
        local |= code == LOCAL
    status = FINISHED
    while step < until:
        if cooperators == 0 or cooperators == n:
            if counters[ABSORBED_AT] < 0:
                counters[ABSORBED_AT] = step
            break
        step += 1
        if not retrying:
            retried = 0
        retrying = False
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
                if judge_users:
                    mine, theirs = _users_fitness(slot[x], slot[y], slot, strategy, coop, degree, payoff)
                    gain = theirs - mine
                else:
                    gain = fitness(y, strategy, coop, degree, payoff) - fitness(x, strategy, coop, degree, payoff)
                word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
                if to_unit(word) < fermi(beta_recommender, gain):
                    _switch_recommender(x, slot[y], slot, slot_codes, slot_counts, recommender, group, strategy,
                                        members, where, counts, exclusive)
                    counters[SWITCHES] += 1
                continue
        strategic = ahead_coins[cursor] < p_strategy
        word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
        ahead_coins[cursor] = to_unit(word)  # replaced whether or not the step takes the ring's node
        if strategic or not link_sampling:
            x, unit = ahead_nodes[cursor], ahead_units[cursor]
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            ahead_nodes[cursor] = int(to_unit(word) * n)
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            ahead_units[cursor] = to_unit(word)
            if prefetching:
                _prefetch_ahead(cursor, ahead_nodes, ahead_units, ahead_coins, ahead_hints, p_strategy, start,
                                degree, data, strategy, coop, hpos, rewiring, local)
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
        if prefetching:  # the new neighbour `local` would offer, if x or y (a defector) rewires
            word, t0, t1, t2, t3 = advance_words(s0, s1, s2, s3)
            word, t0, t1, t2, t3 = advance_words(t0, t1, t2, t3)
            if recommender[x] == LOCAL:
                _prefetch_local_candidate(y, word, start, degree, data, group, strategy, coop)
            if strategy[x] == 0 and recommender[y] == LOCAL:
                _prefetch_local_candidate(x, word, start, degree, data, group, strategy, coop)
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
            z = any_node(rng, owner, start, degree, data, group, adjacency, members, counts, exclusive, n, rewirer,
                          tries)
        s0, s1, s2, s3 = rng[0], rng[1], rng[2], rng[3]
        if z < 0:
            counters[NO_CANDIDATE] += 1
            if retried < retries:  # retry: this update does not count; the step draws another
                retried += 1
                retrying = True
                step -= 1
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
    if z < 0 or z >= n or not valid(start, degree, data, group, adjacency, rewirer, z):
        if options[FALLBACK_RANDOM] > 0:
            z = any_node(rng, owner, start, degree, data, group, adjacency, members, counts, options[EXCLUSIVE] > 0, n,
                          rewirer, int(options[TRIES]))
        if z < 0 or z >= n or not valid(start, degree, data, group, adjacency, rewirer, z):
            counters[NO_CANDIDATE] += 1
            return False
    _apply_rewire(h, rewirer, dropped, z, graph, strategy, coop, adjacency, ranking, options[SORTED_BY_DEGREE] > 0)
    counters[REWIRES] += 1
    return True


@njit(cache=True, nogil=True)
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
