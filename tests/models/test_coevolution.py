"""Coevolution (seed 002; Santos et al. 2006): closed forms, the pure-Python reference, kernel
bookkeeping after long runs, recommenders' promises and the CLI contract."""

import copy
import json
import math
import random
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polislab import get_model
from polislab.models.coevolution import kernels, recommend
from polislab.models.coevolution import recommenders as rec
from polislab.models.coevolution.model import advance, initial_state
from polislab.models.coevolution.recommenders import register_recommender

from coevolution_reference import simulate_reference

SPEC = get_model("coevolution")


def params(**values):
    return SPEC.make_params(values)


def check_bookkeeping(state):
    """Everything the kernel keeps incrementally equals what it summarises."""
    graph = state.graph
    graph.check()
    edges = graph.edges()
    s = state.strategy
    coop = np.bincount(edges[:, 0], weights=s[edges[:, 1]], minlength=len(s)) + \
        np.bincount(edges[:, 1], weights=s[edges[:, 0]], minlength=len(s))
    assert np.array_equal(coop, state.coop)
    assert state.counters[kernels.COOPERATORS] == s.sum()
    for cls in (0, 1):
        members = state.members[cls, : state.counts[cls]]
        assert sorted(members) == sorted(np.nonzero(s == cls)[0])
        assert np.all(state.where[members] == np.arange(len(members)))
    if state.adjacency.shape[1]:  # the adjacency bitmap holds exactly the links, both ways
        linked = np.zeros((len(s), len(s)), dtype=bool)
        linked[edges[:, 0], edges[:, 1]] = linked[edges[:, 1], edges[:, 0]] = True
        bits = np.unpackbits(state.adjacency.view(np.uint8), axis=1, bitorder="little")[:, : len(s)]
        assert np.array_equal(bits.astype(bool), linked)
    if state.options[kernels.SORTED_BY_DEGREE]:
        check_ranking(state.ranking, graph.degree)


def check_ranking(ranking, degree):
    """``order`` lists the nodes by degree, ``place`` inverts it, ``first[d]`` is where degree d starts."""
    order, place, first = ranking
    assert sorted(order) == list(range(len(degree)))
    assert np.all(np.diff(degree[order]) >= 0)
    assert np.array_equal(place[order], np.arange(len(degree)))
    assert np.array_equal(first, np.searchsorted(degree[order], np.arange(len(first)), side="left"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=30), st.data())
def test_degree_steps_keep_the_nodes_sorted_by_degree(degrees, data):
    # a random walk of +-1 degree changes, each one swap, against a fresh sort after every step
    n = len(degrees)
    degree = np.minimum(np.array(degrees, dtype=np.int64), n - 1)  # a simple graph's degrees stay below n
    ranking = (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n + 1, dtype=np.int64))
    kernels.fill_ranking(ranking, degree)
    check_ranking(ranking, degree)
    for _ in range(data.draw(st.integers(0, 40))):
        v = data.draw(st.integers(0, n - 1))
        up = degree[v] == 0 or (degree[v] < n - 1 and data.draw(st.booleans()))
        if up:
            kernels._degree_up(ranking, v, degree[v])
            degree[v] += 1
        else:
            kernels._degree_down(ranking, v, degree[v])
            degree[v] -= 1
        check_ranking(ranking, degree)


@pytest.mark.parametrize("recommender", rec.HEURISTICS)
def test_long_runs_keep_graph_and_bookkeeping_exact(recommender):
    p = params(n=60, k=6, graph="erdos-renyi", w=2, beta=0.05, steps=20_000, recommender=recommender)
    state = initial_state(p, 3)
    links = state.graph.links
    advance(state, p.steps, None)
    check_bookkeeping(state)
    assert state.graph.links == links and state.graph.degree.min() >= 1  # the isolation guard


def fixation_probability(n, j, beta, T, S, R=1.0, P=0.0):
    """Pairwise comparison (Fermi) process in a well-mixed population (Traulsen, Nowak & Pacheco
    2006): phi_j = sum_{k<j} prod_{m<=k} g_m / sum_{k<n} prod_{m<=k} g_m, g_i = T-(i)/T+(i) =
    exp(-beta (f_C(i) - f_D(i))), accumulated payoffs against all n - 1 others."""
    def gamma(i):
        f_c = (i - 1) * R + (n - i) * S
        f_d = i * T + (n - i - 1) * P
        return math.exp(-beta * (f_c - f_d))

    products, running = [1.0], 1.0
    for k in range(1, n):
        running *= gamma(k)
        products.append(running)
    return sum(products[:j]) / sum(products)


@pytest.mark.slow
def test_fixation_on_a_complete_graph_matches_the_closed_form():
    n, beta, T, S = 12, 0.1, 1.1, -0.1  # phi_6 = 0.211: selection visible, not overwhelming
    p = params(n=n, graph="complete", w=0, beta=beta, temptation=T, sucker=S, steps=200_000, cooperators=0.5)
    runs = 2000
    taken = sum(SPEC.simulate(p, seed).metrics["cooperators_final"] == 1.0 for seed in range(runs))
    expected = fixation_probability(n, 6, beta, T, S)
    error = math.sqrt(expected * (1 - expected) / runs)
    assert 0.05 < expected < 0.95
    assert abs(taken / runs - expected) < 4 * error, (taken / runs, expected)


@pytest.mark.slow
def test_neutral_drift_follows_the_voter_model_degree_identity():
    # beta = 0, static graph: P(cooperators take over | placement) = their share of the total
    # degree. Over random placements: mean fixation = mean share, and the regression of the
    # outcome on the share has slope 1 (it would be 0 if the head count decided).
    p = params(n=30, k=4, graph="scale-free", w=0, beta=0.0, steps=10**6, cooperators=0.3)
    runs = 3000
    share, taken = np.zeros(runs), np.zeros(runs)
    for seed in range(runs):
        state = initial_state(p, seed)
        share[seed] = (state.graph.degree * state.strategy).sum() / state.graph.degree.sum()
        taken[seed] = SPEC.simulate(p, seed).metrics["cooperators_final"] == 1.0
    assert abs(taken.mean() - share.mean()) < 4 * taken.std() / math.sqrt(runs)
    slope = np.cov(taken, share)[0, 1] / share.var()
    slope_error = taken.std() / (share.std() * math.sqrt(runs))
    assert abs(slope - 1.0) < 4 * slope_error and slope_error < 0.25


def reference_runs(recommender, runs, steps):
    p = params(n=24, k=4, graph="erdos-renyi", w=1, beta=0.2, steps=steps, recommender=recommender)
    payoff = {(1, 1): 1.0, (1, 0): -1.0, (0, 1): 2.0, (0, 0): 0.0}
    kernel, python = [], []
    for seed in range(runs):
        state = initial_state(p, seed)
        python.append(simulate_reference(p.n, state.graph.edges(), state.strategy.tolist(), steps, p.beta,
                                         p.w, payoff, recommender, random.Random(seed)))
        result = SPEC.simulate(p, seed).metrics
        kernel.append((result["cooperators_final"], result["rewires"]))
    return np.array(kernel), np.array(python)


@pytest.mark.slow
@pytest.mark.parametrize("recommender", ["local", "good"])
def test_kernel_agrees_with_the_pure_python_reference(recommender):
    kernel, python = reference_runs(recommender, runs=300, steps=1500)
    for column in range(2):
        a, b = kernel[:, column], python[:, column]
        error = math.sqrt(a.var() / len(a) + b.var() / len(b))
        assert abs(a.mean() - b.mean()) < 4 * error + 1e-9, (column, a.mean(), b.mean())


def python_good(x, y, view):
    """The built-in 'good' in Python: a random cooperator that is a valid new neighbour of x."""
    candidates = [z for z in np.nonzero(view.strategy == 1)[0] if z != x and not view.adjacent(x, z)]
    return int(view.rng.choice(candidates)) if candidates else None


@pytest.mark.slow
def test_a_python_recommender_gives_the_statistics_of_the_built_in():
    register_recommender("python-good", python_good)
    base = dict(n=40, k=6, graph="erdos-renyi", w=2, beta=0.1, steps=3000)
    built_in = np.array([[r.metrics["cooperators_final"], r.metrics["rewires"]]
                         for r in (SPEC.simulate(params(recommender="good", **base), s) for s in range(200))])
    python = np.array([[r.metrics["cooperators_final"], r.metrics["rewires"]]
                       for r in (SPEC.simulate(params(recommender="python-good", **base), s) for s in range(200))])
    for column in range(2):
        a, b = built_in[:, column], python[:, column]
        assert abs(a.mean() - b.mean()) < 4 * math.sqrt(a.var() / len(a) + b.var() / len(b)) + 1e-9


@pytest.mark.parametrize("cooperators", [0.5, 0.05])  # 4 of 80: the degree walks scan the rare cooperators
@pytest.mark.parametrize("bitmap", [True, False])  # False: the test of large graphs, x's stamped neighbourhood
def test_recommenders_keep_their_promises(cooperators, bitmap):
    # structure only (W = inf): both strategies stay present while the degrees spread
    p = params(n=80, k=6, graph="erdos-renyi", w=math.inf, steps=2000, recommender="cooperators-lowest",
               cooperators=cooperators)
    state = initial_state(p, 5)
    advance(state, p.steps, None)
    owner, hpos, start, degree, cap, data, meta = state.graph.arrays()
    s = state.strategy
    adjacency = state.adjacency if bitmap else np.zeros((1, 0), dtype=np.uint64)
    neighbours = set(state.graph.neighbours(0))
    for name, wanted, extreme in [
        ("good", 1, None), ("bad", 0, None), ("fair", s[0], None),
        ("cooperators-lowest", 1, min), ("cooperators-highest", 1, max), ("defectors-highest", 0, max),
        ("any-lowest", None, min), ("any-highest", None, max),
    ]:
        allowed = [v for v in range(80) if v != 0 and v not in neighbours and wanted in (None, s[v])]
        if extreme and allowed:
            allowed = [v for v in allowed if degree[v] == extreme(degree[v] for v in allowed)]
        valid = np.array([v != 0 and v not in neighbours for v in range(80)])
        dropped = int(next(iter(neighbours)))
        # the table's numpy reference (the imitation teacher's targets) names the same candidates
        assert list(np.flatnonzero(rec.choices(name, valid, 0, s, degree[:80], state.graph.neighbours(dropped)))) \
            == allowed
        for _ in range(50):
            z = recommend.recommend(rec.BUILT_IN[name], state.rng, 0, dropped, owner, start, degree, data, s,
                                  state.group, adjacency, state.members, state.counts, False, state.ranking,
                                  state.marks, 80, 4)
            assert z in allowed if allowed else z == -1


@pytest.mark.parametrize("tries", [4, 32])  # 4: draws, then a scan; 32: the candidates counted, then one drawn
@pytest.mark.parametrize("name", ["any-highest", "any-lowest", "defectors-highest", "cooperators-lowest"])
def test_degree_recommenders_draw_uniformly_among_tied_candidates(name, tries):
    # a fresh random regular graph: every node has degree 4, so every valid node is tied
    from scipy.stats import chisquare

    state = initial_state(params(n=60, k=4, graph="random-regular", recommender="any-highest"), 2)
    owner, hpos, start, degree, cap, data, meta = state.graph.arrays()
    s, neighbours = state.strategy, set(state.graph.neighbours(0))
    wanted = {"any-highest": None, "any-lowest": None, "defectors-highest": 0, "cooperators-lowest": 1}[name]
    allowed = [v for v in range(1, 60) if v not in neighbours and wanted in (None, s[v])]
    picks = [recommend.recommend(rec.BUILT_IN[name], state.rng, 0, int(next(iter(neighbours))), owner, start, degree, data, s,
                               state.group, state.adjacency, state.members, state.counts, False, state.ranking,
                               state.marks, 60, tries) for _ in range(200 * len(allowed))]
    counts = np.array([picks.count(v) for v in allowed])
    assert counts.sum() == len(picks)  # nothing outside the allowed candidates
    # 200 draws each: half the candidates favoured 1.5x would give chi2 ~ 218 on ~26 df, p < 1e-30
    assert chisquare(counts).pvalue > 1e-4


def assert_same_run(a, b):
    """Two coevolution states are at the same point of the same run: strategies, every link's
    ends, counters and the random stream."""
    for x, y in [(a.strategy, b.strategy), (a.graph.ends, b.graph.ends), (a.counters, b.counters), (a.rng, b.rng)]:
        assert np.array_equal(x, y)


@pytest.mark.parametrize("n", [50, kernels.PREFETCH_FROM])
def test_a_run_in_pieces_ends_exactly_like_one_run(n):
    # the kernel keeps its ring of advance node draws across calls (and prefetches from PREFETCH_FROM nodes)
    p = params(n=n, k=4, w=1, beta=0.05, steps=30_000, recommender="local")
    whole, pieces = initial_state(p, 11), initial_state(p, 11)
    advance(whole, p.steps, None)
    for until in range(1_777, p.steps + 1_777, 1_777):
        advance(pieces, min(until, p.steps), None)
    assert_same_run(whole, pieces)
    assert whole.counters[kernels.REWIRES] > 100


@pytest.mark.parametrize("recommender, graph", [("local", "random-regular"), ("good", "scale-free")])
def test_the_graph_layout_never_changes_a_run(monkeypatch, recommender, graph):
    # a graph laid out for rewiring (room in every list, numpy's allocator) and one packed tight
    # (compiled allocation) hold the same lists in the same order: the kernel's draws, prefetch
    # hints included, must not see the difference
    from polislab.core import graph as graphs
    from polislab.models.coevolution import model

    p = params(n=kernels.PREFETCH_FROM + 1000, k=6, graph=graph, w=1, beta=0.05, steps=200_000,
               recommender=recommender)
    roomy = initial_state(p, 5)
    monkeypatch.setattr(model, "generate", lambda *args, **kwargs: graphs.generate(*args[:4]))
    tight = initial_state(p, 5)
    assert np.array_equal(roomy.graph.cap, 2 * roomy.graph.degree)
    assert np.mean(tight.graph.cap == tight.graph.degree) > 0.9  # a random regular graph's repairs move a few
    for state in (roomy, tight):
        advance(state, p.steps, None)
    assert roomy.counters[kernels.REWIRES] > 10_000
    assert_same_run(roomy, tight)
    assert all(np.array_equal(roomy.graph.neighbours(v), tight.graph.neighbours(v)) for v in range(p.n))


def test_a_state_saved_without_prefetch_hints_resumes_exactly():
    # states saved before the kernel kept its ring of prefetch hints lack them; the hints only
    # guide prefetching, so such a state resumes from empty hints to the same result
    from polislab.models.coevolution.model import State

    p = params(n=kernels.PREFETCH_FROM + 1000, k=6, w=1, beta=0.05, steps=60_000, recommender="local")
    whole = initial_state(p, 3)
    advance(whole, 30_000, None)
    saved = copy.deepcopy(whole.saved())
    del saved["ahead_hints"]
    resumed = State.from_saved(saved)
    assert not resumed.ahead_hints.any()
    for state in (whole, resumed):
        advance(state, p.steps, None)
    assert whole.counters[kernels.REWIRES] > 1000
    assert_same_run(whole, resumed)


def test_initial_cooperators_are_placed_exactly():
    state = initial_state(params(n=101, k=4, graph="erdos-renyi", cooperators=0.3), 9)
    assert state.strategy.sum() == round(0.3 * 101)


def test_w_infinite_changes_structure_only():
    result = SPEC.simulate(params(n=100, k=6, w=math.inf, steps=5000, graph="erdos-renyi"), 1)
    assert result.metrics["cooperators_final"] == 0.5 and result.metrics["rewires"] > 0


def test_synchronous_updates_need_w_zero():
    from polislab.core.errors import UsageError

    with pytest.raises(UsageError, match="synchronous"):
        params(update="synchronous", w=1)
    result = SPEC.simulate(params(n=50, k=4, graph="erdos-renyi", w=0, update="synchronous", steps=300,
                                  beta=0.5, temptation=0.5, sucker=0.5), 2)
    assert result.metrics["cooperators_final"] == 1.0  # harmony game: cooperation dominates


def test_run_json_contract():
    done = subprocess.run([sys.executable, "-m", "polislab", "run", "coevolution", "--set", "w=4", "--set", "n=200",
                           "--set", "steps=20000", "--replicates", "8", "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["params"]["w"] == 4 and document["seeds"] == list(range(8))
    assert document["summary"]["cooperators_final"]["n"] == 8
    assert all(0 <= r["metrics"]["cooperators_final"] <= 1 for r in document["replicates"])
