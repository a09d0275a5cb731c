"""Competition between recommenders (seed 002, section 5): exact mixtures, no recommender
updates at W2 = 0, the voter model at beta_med = 0, and exclusivity of every rewire."""

import subprocess
import sys

import numpy as np
import pytest

from polislab import get_model
from polislab.models.coevolution import kernels
from polislab.models.coevolution.model import advance, exact_counts, initial_state

SPEC = get_model("coevolution")
MANY = {"local": 0.9, "good": 0.025, "bad": 0.025, "random": 0.025, "fair": 0.025}


def params(**values):
    return SPEC.make_params(values)


@pytest.mark.parametrize("n", [1000, 101, 7])
def test_mixture_shares_are_placed_exactly(n):
    state = initial_state(params(n=n, k=4, graph="erdos-renyi", mixture=MANY), 3)
    counts = np.bincount(state.slot, minlength=5)
    assert counts.sum() == n
    assert np.all(np.abs(counts - np.array(list(MANY.values())) * n) < 1)
    if n == 1000:
        assert list(counts) == [900, 25, 25, 25, 25]
    assert np.all(state.recommender == state.slot_codes[state.slot])
    assert np.all(state.group == state.slot)  # exclusive by default


def test_exact_counts_by_largest_remainder():
    assert list(exact_counts([1 / 3, 1 / 3, 1 / 3], 10)) == [4, 3, 3]
    assert list(exact_counts([0.55, 0.45], 3)) == [2, 1]


def test_without_recommender_updates_the_shares_never_change():
    p = params(n=200, k=6, graph="erdos-renyi", steps=20_000, record_every=1000, mixture=MANY, w2=0)
    result = SPEC.simulate(p, 1)
    for name, share in MANY.items():
        assert np.all(result.series[f"share_{name}"] == round(share * 200) / 200)
    assert result.metrics["recommender_switches"] == 0


def degree_weighted_share(state, slot):
    degree = state.graph.degree
    return degree[state.slot == slot].sum() / degree.sum()


def test_recommender_updates_alone_at_zero_temperature_are_a_voter_model():
    # only recommender updates (W2 = inf) with beta_med = 0: x copies a random neighbour's
    # recommender with probability 1/2, so A's share of total degree is a martingale and
    # P(A takes over) equals it. On a scale-free graph that share varies with where A's users
    # landed, while A's share of users is always 0.3: the two predictions part.
    p = params(n=40, k=4, graph="scale-free", w2=float("inf"), beta_med=0.0, steps=60_000,
               mixture={"good": 0.3, "bad": 0.7})
    predicted, won = [], []
    for seed in range(4800):  # the parts' difference is then 7 standard errors: 3.5 from either prediction
        state = initial_state(p, seed)
        predicted.append(degree_weighted_share(state, 0))
        advance(state, p.steps, None)
        assert state.slot_counts.min() == 0, "no recommender took over within the time limit"
        won.append(state.slot_counts[0] == p.n)
    predicted, won = np.array(predicted), np.array(won, dtype=float)
    assert abs(won.mean() - predicted.mean()) < 4 * np.sqrt(0.25 / len(won))
    heavy = predicted > np.median(predicted)  # A's users hold many links: A wins more often
    for part in (heavy, ~heavy):
        assert abs(won[part].mean() - predicted[part].mean()) < 4 * np.sqrt(0.25 / part.sum())
    # the users' share predicts no difference between the parts: the split must sit nearer the voter's
    assert won[heavy].mean() - won[~heavy].mean() > 0.5 * (predicted[heavy].mean() - predicted[~heavy].mean())


@pytest.mark.parametrize("w2", [0.0, 0.3])
def test_every_rewire_lands_on_a_user_of_the_same_recommender(w2):
    p = params(n=120, k=6, graph="erdos-renyi", w=2, beta=0.05, w2=w2, steps=6000, mixture=MANY,
               no_candidate="random")
    state = initial_state(p, 2)
    moves = 0
    for step in range(1, p.steps + 1):
        before = state.graph.owner.reshape(-1, 2).copy()
        advance(state, step, None)
        after = state.graph.owner.reshape(-1, 2)
        for link in np.nonzero(np.any(before != after, axis=1))[0]:
            kept = before[link][before[link] == after[link]][0]
            new = after[link][after[link] != before[link]][0]
            assert state.group[new] == state.group[kept], "a rewire crossed recommenders"
            moves += 1
    assert moves == state.counters[kernels.REWIRES] > 50


def test_competition_from_the_command_line():
    command = [sys.executable, "-m", "polislab", "run", "coevolution", "--set", "n=200", "--set", "k=6",
               "--set", "graph=erdos-renyi", "--set", "mixture=local:0.9,good:0.1", "--set", "w2=0.1",
               "--set", "steps=5000", "--json"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert '"share_local"' in done.stdout and '"initial_majority_share"' in done.stdout
    bad = subprocess.run(command[:-1] + ["--set", "mixture=local:0.9,good:0.2"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "mixture" in bad.stderr and "add up to 1.1" in bad.stderr


def test_bookkeeping_holds_after_a_long_competition():
    p = params(n=150, k=6, graph="erdos-renyi", w=1, beta=0.05, w2=1.0, beta_med=0.5, steps=40_000, mixture=MANY)
    switches = 0
    for seed in (4, 5, 6):  # how many users switch varies a lot from run to run: three runs switch plenty
        state = initial_state(p, seed)
        advance(state, p.steps, None)
        switches += state.counters[kernels.SWITCHES]
        assert list(state.slot_counts) == list(np.bincount(state.slot, minlength=5))
        assert np.all(state.recommender == state.slot_codes[state.slot]) and np.all(state.group == state.slot)
        for cls in range(len(state.counts)):
            members = state.members[cls, : state.counts[cls]]
            expected = np.nonzero(2 * state.group + state.strategy == cls)[0]
            assert sorted(members) == sorted(expected)
            assert np.all(state.where[members] == np.arange(len(members)))
        state.graph.check()
    assert switches > 300


def test_users_fitness_is_the_mean_over_each_recommenders_users():
    """Three users of slot 0 and one of slot 1 on a path 0-1-2-3 (strategies C, D, C, C; T = 2,
    S = -1, R = 1, P = 0): fitness 0: -1 (C facing D); 1: 2 + 2 = 4; 2: -1 + 1 = 0; 3: 1."""
    payoff = np.array([[0.0, 2.0], [-1.0, 1.0]])
    strategy = np.array([1, 0, 1, 1])
    degree = np.array([1, 2, 2, 1])
    coop = np.array([0, 2, 1, 1])
    slot = np.array([0, 0, 0, 1])
    assert kernels._users_fitness(0, 1, slot, strategy, coop, degree, payoff) == pytest.approx((1.0, 1.0))
    assert kernels._users_fitness(1, 0, slot, strategy, coop, degree, payoff) == pytest.approx((1.0, 1.0))
    slot = np.array([1, 0, 0, 1])
    assert kernels._users_fitness(0, 1, slot, strategy, coop, degree, payoff) == pytest.approx((2.0, 0.0))


def test_retry_draws_again_in_place_of_an_update_whose_recommender_offers_nobody():
    """With the null recommender every request finds nobody: kept links cost a step each, while
    under retry (up to 3 in a row) the failed updates do not count, so requests per step rise
    and every request is a failure either way."""
    spec = get_model("coevolution")
    base = dict(n=100, k=6, graph="erdos-renyi", recommender="null", steps=3000, w=float("inf"), isolation_guard=False)
    kept = spec.simulate(spec.make_params(base), 1).metrics
    retried = spec.simulate(spec.make_params({**base, "no_candidate": "retry", "retries": 3}), 1).metrics
    for run in (kept, retried):
        assert run["rewires"] == 0 and run["no_candidate_events"] == run["rewire_requests"]
    assert retried["rewire_requests"] > 1.5 * kept["rewire_requests"]
