"""Seed 004's oracles: the world against Monte Carlo, the post's percentages with fixed seeds and
stated tolerances, hand-worked small cases, and a user's own world."""

import math

import numpy as np
import pytest

from polislab import get_model
from polislab.core.errors import UsageError
from polislab.models.oracle.model import outcomes
from polislab.models.oracle.world import ARMSTRONG_2019, CENTRE, World, register_world

SPEC = get_model("oracle")
RADIUS = 1e-6


def run(oracle, seed=0, **values):
    return SPEC.simulate(SPEC.make_params({"oracle": oracle, **values}), seed)


def share_near(result, target, gap=0.25):
    final = result.artifacts["final_predictions"]
    return np.mean(np.abs(final - target) < gap)


def test_reconstructed_world_has_the_posts_shape():
    f = ARMSTRONG_2019.mean
    assert f(-2.0) == pytest.approx(-2.0) and f(4.0) == pytest.approx(4.0)
    h = 1e-6
    slope = lambda x: (f(x + h) - f(x - h)) / (2 * h)  # noqa: E731
    assert slope(-2.0) == pytest.approx(2.0) and slope(4.0) == pytest.approx(-(4 - CENTRE) / 2, abs=1e-6)
    assert slope(4.0) == pytest.approx(-0.449, abs=1e-3)  # |f'| < 1: 4 attracts; f'(-2) = 2: -2 repels
    assert f(CENTRE - 4 - 1e-9) == pytest.approx(f(CENTRE - 4 + 1e-9))  # the pieces meet
    assert list(ARMSTRONG_2019.sd(np.array([-3.0, -2.5, 0.0, 1.0, 3.0]))) == [0, 1, 1, 1, 3]


def test_expected_loss_agrees_with_monte_carlo():
    rng = np.random.default_rng(0)
    xs = np.array([-4.0, -2.7, -2.0, 0.0, 1.0, 2.5, 3.0, 4.0, 5.0])
    normal = rng.standard_normal((200_000, len(xs)))
    y = ARMSTRONG_2019.sample(np.broadcast_to(xs, normal.shape), normal, RADIUS)
    monte_carlo = ((xs - y) ** 2).mean(axis=0)
    exact = ARMSTRONG_2019.expected_loss(xs, RADIUS)
    standard_error = ((xs - y) ** 2).std(axis=0) / math.sqrt(len(normal))
    assert np.all(np.abs(monte_carlo - exact) <= 4 * standard_error + 1e-9)
    assert exact[5] == 0.0  # wireheading: y = x exactly


def test_deluded_split_is_within_3_points_of_the_post():
    result = run("deluded")
    assert abs(share_near(result, 4.0) - 0.693) <= 0.03  # measured 69.9%
    assert abs(np.mean(result.artifacts["final_predictions"] == -5.0) - 0.307) <= 0.03  # measured 30.0%


def test_low_bandwidth_split_is_within_3_points_of_50_50():
    final = run("low-bandwidth").artifacts["final_predictions"]
    assert set(np.unique(final)) == {-3.0, -2.0}  # L(-2) = L(-3) = 1: nothing else is ever chosen
    assert abs(np.mean(final == -2.0) - 0.5) <= 0.03  # measured 52.0%


def test_high_bandwidth_ends_at_the_wireheading_point_in_every_run():
    result = run("high-bandwidth")
    assert np.all(result.artifacts["final_predictions"] == 2.5)
    assert result.metrics["share_wireheading"] == 1.0 and result.metrics["final_loss"] == 0.0


def test_counterfactual_estimate_and_erasure_loss():
    result = run("counterfactual")
    assert abs(result.metrics["mean_final_prediction"] - float(ARMSTRONG_2019.mean(0.0))) <= 0.05
    assert abs(result.metrics["erasure_loss"] - 1.0) <= 0.05  # Var Y(0) = g(0)^2 = 1
    assert result.metrics["share_wireheading"] == 0.0


def test_bandit_by_hand_on_a_deterministic_world():
    # g = 0: the loss of arm x is exactly (x - f(x))^2; f(x) = 0.5 x + 1 -> loss (0.5 x - 1)^2, least at x = 2
    register_world("line-test", World(lambda x: 0.5 * np.asarray(x) + 1, lambda x: 0 * np.asarray(x), None))
    final = run("low-bandwidth", world="line-test", runs=5, steps=30, exploration=11).artifacts["final_predictions"]
    assert np.all(final == 2.0)


def test_a_custom_world_is_honoured_by_name_and_by_module_path():
    register_world("gentle-test", World(lambda x: 0.5 * np.asarray(x) + 1, lambda x: 0.1 + 0 * np.asarray(x), None))
    # the running mean approaches the fixed point of 0.5 x + 1 like t^-(1 - f') = t^-0.5
    deluded = run("deluded", world="gentle-test", runs=50, steps=20_000)
    assert np.allclose(deluded.artifacts["final_predictions"], 2.0, atol=0.1)
    rrm = run("repeated-risk", world="gentle-test", runs=50, steps=2000)
    assert np.allclose(rrm.artifacts["final_predictions"], 2.0, atol=0.05)  # 100 draws of sd 0.1 a round
    by_path = run("deluded", world="polislab.models.oracle.world:ARMSTRONG_2019", runs=20, steps=100)
    assert by_path.metrics == run("deluded", runs=20, steps=100).metrics


def test_unknown_worlds_are_refused_in_one_line():
    with pytest.raises(UsageError, match="unknown world 'flat'"):
        SPEC.make_params({"world": "flat"})
    params = SPEC.make_params({"world": "no.such.module:thing", "runs": 2, "steps": 10})  # imported at the run
    with pytest.raises(UsageError, match="cannot be loaded"):
        SPEC.simulate(params, 0)


def test_repeated_risk_minimisation_ends_at_stable_points_and_dfo_never_wireheads():
    rrm = run("repeated-risk", runs=400)
    final = rrm.artifacts["final_predictions"]
    # performatively stable: 4, seen through 100 draws of sd g(4) = 4 a round; or the bound -5
    assert np.all((np.abs(final - 4.0) < 2.0) | (final == -5.0))
    assert abs(final[final > -5].mean() - 4.0) < 0.1
    dfo = run("derivative-free", runs=400)
    assert dfo.metrics["share_wireheading"] == 0.0
    assert abs(dfo.metrics["outcome1"] - (-2.5)) < 0.2  # the lowest legitimate loss, L -> 0.25 below -2.5


def test_outcomes_group_by_gaps():
    groups, values, shares = outcomes(np.array([4.02, -5.0, 3.97, 4.0, -5.0, 1.0]), gap=0.5)
    assert list(values) == [4.0, -5.0, 1.0] and list(shares) == pytest.approx([0.5, 1 / 3, 1 / 6])
    assert list(groups) == [0, 1, 0, 0, 1, 2]
