"""Socialbots against a detector (seed 003; issue 24): the independent cascade against its exact
value on a small tree, the detector's accuracy on held-out simulated accounts, a bot's life's
invariants, and the baselines' order."""

import numpy as np
import pytest

from polislab import get_model
from polislab.core.rng import new_state
from polislab.models.socialbots.cascade import followers_csr, spread, spread_of_each

SPEC = get_model("socialbots")
SMALL = {"n": 300, "steps": 60, "episodes": 20, "detector_accounts": 200, "detector_trees": 30,
         "cascade_samples": 50}


def tree():
    """User 0 is followed by 1 and 2; user 1 by 3 and 4 (each follows one other; 0 follows 2)."""
    followees = np.array([[2], [0], [0], [1], [1]])
    return followers_csr(followees, np.ones(5, dtype=np.int32))


def test_followers_are_the_inverse_of_followees():
    offsets, targets = tree()
    assert [sorted(targets[offsets[u]:offsets[u + 1]]) for u in range(5)] == [[1, 2], [3, 4], [0], [], []]


def test_the_cascade_on_a_small_tree_matches_its_exact_expectation():
    """From user 0 with p: itself, users 1 and 2 (p each), 3 and 4 through 1 (p^2 each); 2 passes
    only back to 0. Expected 1 + 2p + 2p^2; 200,000 cascades: standard error below 0.003,
    tolerance 0.01."""
    offsets, targets = tree()
    for p in (0.3, 0.8):
        found = spread(offsets, targets, np.array([0]), p, 200_000, new_state(1))
        assert abs(found - (1 + 2 * p + 2 * p * p)) < 0.01
    each = spread_of_each(offsets, targets, 1.0, 10, new_state(2))
    assert np.allclose(each, [5, 3, 5, 1, 1])  # p = 1: everyone downstream (2 reaches 0, then all of 0's)


@pytest.fixture(scope="module")
def runs():
    return {policy: SPEC.simulate(SPEC.make_params({**SMALL, "policy": policy}), 3)
            for policy in ("random", "always-post", "high-degree", "mimic")}


def test_the_detector_is_accurate_on_held_out_simulated_accounts(runs):
    assert runs["random"].metrics["detector_accuracy"] > 0.85  # the paper's detector: about 90%


def test_a_bots_life_keeps_its_invariants(runs):
    for result in runs.values():
        survival, detected = result.artifacts["bot_survival"], result.artifacts["bot_detected"]
        assert np.all((survival == SMALL["steps"]) | (detected == 1))
        assert np.all(survival[detected == 1] % 10 == 0)  # removed only at a check, every 10 actions
        assert np.all(result.artifacts["bot_final_spread"] >= 0)
    always = runs["always-post"].metrics
    assert always["survival"] == 10 and always["followers"] == 0 and always["influence"] == 0


def test_the_baselines_rank_as_their_designs_say(runs):
    """A bot that acts like a human (mimic) outlives the uniform random one; targeting the most
    followed reaches more per follower won."""
    assert runs["mimic"].metrics["survival"] > 2 * runs["random"].metrics["survival"]
    per_follower = {p: runs[p].metrics["final_spread"] / max(runs[p].metrics["followers"], 1e-9)
                    for p in ("random", "high-degree")}
    assert per_follower["high-degree"] > per_follower["random"]


def test_a_tiny_ppo_bot_trains_and_is_reproducible():
    values = {**SMALL, "policy": "ppo", "episodes": 3, "decisions": 240, "envs": 2, "rollout": 60, "minibatch": 60,
              "eval_episodes": 2, "eval_every": 2}
    first, again = (SPEC.simulate(SPEC.make_params(values), 4) for _ in range(2))
    assert first.metrics == again.metrics and len(first.series["step"]) == 2


def test_the_compiled_forest_gives_scikit_learns_probabilities():
    from polislab.models.socialbots.detector import Detector, features

    params = SPEC.make_params(SMALL)
    detector = Detector(params, 5)
    counts = np.random.default_rng(0).integers(0, 30, (300, 4))
    expected = detector.forest.predict_proba(features(counts))[:, 1]
    assert np.allclose([detector.probability(row) for row in counts], expected, atol=1e-12)
