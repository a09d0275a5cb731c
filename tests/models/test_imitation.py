"""Imitation before PPO: the heuristics' choice sets, a heuristic played through the environment
against the compiled one, and a ranking module that learns to choose as its teacher does."""

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from polislab import get_model
from polislab.core.errors import UsageError
from polislab.models.coevolution.env import RecommenderEnv
from polislab.models.coevolution.decision import FEATURES, teacher_choices
from polislab.models.coevolution.env import heuristic_actions
from polislab.models.coevolution.recommenders import TEACHERS
from polislab.learn.ranking import RankingModule, policy_from_bytes
from polislab.models.recommender_training.model import argmax_actions, evaluate

TRAINING = get_model("recommender-training")
COEVOLUTION = get_model("coevolution")


def brute_force_choices(name: str, observation: dict, strategy: np.ndarray, dropped: int) -> set[int]:
    """The heuristic's candidates read off the graph with networkx (seed 002, 3.3-3.4, Table 3)."""
    n = len(strategy)
    graph = nx.Graph(observation["edge_index"].T.tolist())
    graph.add_nodes_from(range(n))
    focus = observation["focus"]
    valid = set(range(n)) - {focus} - set(graph.neighbors(focus))
    if name == "local":
        return valid & set(graph.neighbors(dropped))
    kind, _, end = name.partition("-")
    wanted = {"good": 1, "cooperators": 1, "bad": 0, "defectors": 0, "fair": strategy[focus]}.get(kind)
    candidates = {v for v in valid if wanted is None or strategy[v] == wanted}
    if end in ("lowest", "highest") and candidates:
        pick = min if end == "lowest" else max
        extreme = pick(graph.degree(v) for v in candidates)
        candidates = {v for v in candidates if graph.degree(v) == extreme}
    return candidates


@given(preset=st.sampled_from(["table4-n10", "table4-n30"]), episode=st.integers(0, 2**31))
@settings(max_examples=12, deadline=None)
def test_teacher_choices_are_the_heuristics_candidates_read_off_the_graph(preset, episode):
    """At the first 60 decisions of an episode played at random, every teacher's set is the
    one read off the graph."""
    env = RecommenderEnv(preset, "coops")
    observation, _ = env.reset(seed=episode)
    finished, decisions = False, 0
    while not finished and decisions < 60:
        strategy, dropped = env.state.strategy.copy(), int(env.state.pending[2])
        for name in TEACHERS:
            chosen = teacher_choices(name, env.state, observation)
            assert set(np.flatnonzero(chosen)) == brute_force_choices(name, observation, strategy, dropped), name
        allowed = np.flatnonzero(observation["mask"])
        observation, _, terminated, truncated, _ = env.step(int(env.np_random.choice(allowed)))
        finished, decisions = terminated or truncated, decisions + 1


@pytest.mark.parametrize("name", ["cooperators-lowest", "defectors-highest", "local"])
def test_a_heuristic_played_through_the_environment_is_the_compiled_one(name):
    """Final cooperators and rewire requests of 600 Table 4 N = 10 runs of the compiled heuristic
    and 600 episodes of its choice sets drawn in Python: equal means within 4 standard errors."""
    runs = 600
    params = COEVOLUTION.make_params({"recommender": name}, preset="table4-n10")
    compiled = [COEVOLUTION.simulate(params, seed).metrics for seed in range(runs)]
    played = evaluate(heuristic_actions(name, 0), "table4-n10", "coops", runs, seed=5)
    for metric, column in (("cooperators_final", "cooperators"), ("rewire_requests", "requests")):
        ours = np.array([m[metric] for m in compiled], dtype=float)
        theirs = played[column]
        error = np.sqrt(ours.var(ddof=1) / runs + theirs.var(ddof=1) / runs)
        assert abs(ours.mean() - theirs.mean()) < 4 * error, (metric, ours.mean(), theirs.mean())


def test_imitation_teaches_a_ranking_module_its_teachers_choices():
    """After 4096 decisions of imitating cooperators-lowest (and no PPO), the argmax of an MLP
    ranking module is one of the teacher's choices at 97% or more of the decisions of fresh
    episodes it plays itself; an untrained one agrees at under half."""
    values = dict(environment="table4-n10", hidden="mlp", imitate="cooperators-lowest", imitation_decisions=4096,
                  decisions=0, learning_rate=0.01, eval_every=0, eval_episodes=1)
    result = TRAINING.simulate(TRAINING.make_params(values), 0)
    assert np.all(result.series["imitating"] == 1.0) and len(result.series["step"]) == 4096 // (8 * 32)
    trained, _ = policy_from_bytes(result.artifacts["policy"].tobytes())
    with torch.random.fork_rng():
        torch.manual_seed(0)  # the untrained module's weights, the same in every test process
        untrained = RankingModule(FEATURES, hidden="mlp")
    assert agreement(untrained) < 0.5 < 0.97 <= agreement(trained)


def agreement(module: RankingModule) -> float:
    """How often the module's argmax is one of cooperators-lowest's choices, over the decisions
    of 100 episodes that it plays at N = 10."""
    play = argmax_actions(module)
    agreed = []

    def watched(observations, envs):
        actions = play(observations, envs)
        for observation, env, action in zip(observations, envs, actions):
            chosen = teacher_choices("cooperators-lowest", env.state, observation)
            if chosen.any():
                agreed.append(bool(chosen[action]))
        return actions

    evaluate(watched, "table4-n10", "coops", 100, seed=77)
    assert len(agreed) > 1500
    return float(np.mean(agreed))


@pytest.mark.parametrize("values, allowed", [
    ({"imitation_decisions": 100}, "needs imitate"),
    ({"imitate": "clairvoyant"}, "cooperators-lowest"),
    ({"decisions": 0}, "trains nothing"),
])
def test_bad_imitation_settings_get_one_clear_line(values, allowed):
    with pytest.raises(UsageError) as raised:
        TRAINING.make_params(values)
    message = str(raised.value)
    assert allowed in message and len(message.splitlines()) == 1
