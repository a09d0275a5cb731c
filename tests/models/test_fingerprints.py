"""Results bit for bit: every model's metrics, series and artifacts over a set of configurations,
hashed and compared with the hashes stored in ``fingerprints.json``. A refactoring that changes
no result leaves them all equal; a change that is meant to alter results rewrites the file
(``POLISLAB_WRITE_FINGERPRINTS=1 pytest tests/models/test_fingerprints.py``) and says why in its
commit. The gymnasium environment and the evaluation of a policy are hashed too: training reads
the coevolution kernel through them.

Most hashes hold on every machine: the kernels use IEEE arithmetic in a fixed order, and the
model code avoids numpy's vectorised transcendental functions (on CPUs with AVX-512 numpy's
expm1, log1p and power round differently: that once made trade's step table and the
bimodality coefficient depend on the machine). Two kinds of run do depend on the CPU, and their
hashes are kept per machine class (LLVM's name of the CPU and torch's kernel level): the dense echo-chamber kernel, whose sums numba vectorises with
reassociation (``fastmath``) at the CPU's vector width, and PPO training, whose torch kernels
differ between AVX2 and AVX-512 (seen: the three training runs changed between two CI machines);
on a class with none recorded they are run twice and must repeat bit for bit instead.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from polislab import get_model

STORED = Path(__file__).with_name("fingerprints.json")
HEURISTICS = ["null", "local", "random", "good", "bad", "fair", "defectors-lowest", "defectors-highest",
              "any-lowest", "any-highest", "cooperators-lowest", "cooperators-highest"]

CONFIGURATIONS: dict[str, tuple[str, dict, int]] = {
    **{f"coevolution-{name}": ("coevolution", dict(preset="table4-n30", recommender=name), 5) for name in HEURISTICS},
    **{f"coevolution-n100-{name}": ("coevolution", dict(preset="table4-n100", recommender=name, steps=3000), 6)
       for name in ("local", "random", "defectors-highest", "cooperators-lowest")},
    "coevolution-sparse": ("coevolution", dict(n=9000, k=8, graph="erdos-renyi", steps=40_000, record_every=10_000,
                                               recommender="defectors-highest"), 1),
    "coevolution-sparse-any-lowest": ("coevolution", dict(n=20_000, k=6, graph="scale-free", steps=40_000,
                                                          recommender="any-lowest"), 2),
    "coevolution-santos": ("coevolution", dict(preset="santos2006", n=300, steps=20_000, record_every=5000), 3),
    "coevolution-as-imitation": ("coevolution", dict(n=60, k=6, graph="erdos-renyi", contest="as-imitation",
                                                     no_candidate="random", isolation_guard=False,
                                                     recommender="good", steps=5000), 4),
    "coevolution-synchronous": ("coevolution", dict(n=80, k=6, w=0, update="synchronous", steps=50), 5),
    "coevolution-competition": ("coevolution", dict(n=200, k=8, graph="erdos-renyi", steps=20_000, w2=0.1,
                                                    mixture={"local": 0.6, "good": 0.2, "defectors-highest": 0.2},
                                                    record_every=5000), 7),
    "coevolution-competition-open": ("coevolution", dict(n=200, k=8, graph="erdos-renyi", steps=20_000, w2=0.5,
                                                         exclusive=False, mixture={"local": 0.5, "random": 0.5}), 8),
    "echochamber-default": ("echochamber", dict(steps=500), 1),
    "echochamber-chosen": ("echochamber", dict(preset="chosen-listening", steps=500), 2),
    "echochamber-sparse": ("echochamber", dict(steps=100, n=60, graph="sparse", k=5, learn_listening=True), 3),
    "oracle-deluded": ("oracle", dict(runs=20, steps=300), 1),
    "oracle-counterfactual": ("oracle", dict(runs=10, steps=300, oracle="counterfactual"), 2),
    "oracle-dfo": ("oracle", dict(runs=10, steps=300, oracle="derivative-free"), 3),
    "trade-partner": ("trade", dict(encounters=20_000), 1),
    "feudalism-default": ("feudalism", dict(agents=40, turns=20_000, buffer_size=200), 1),
    "feudalism-norm-deviant": ("feudalism", dict(agents=30, turns=20_000, other_model="norm-deviant", deviants=0.2,
                                                 refit_every=2000, selfplay_each=1, buffer_size=200), 2),
    "feudalism-complete-sharing": ("feudalism", dict(preset="few", buffer_start="sharing", turns=10_000), 3),
    "trade-friends": ("trade", dict(encounters=20_000, memory="friends", agents=5), 2),
    "trade-own-last": ("trade", dict(encounters=20_000, memory="own-last", agents=6), 3),
    "opinion-learning": ("opinion", dict(n=40, radius=0.3, updates=20_000, records=5, snapshots=[10, 1000]), 1),
    "opinion-voter": ("opinion", dict(n=40, radius=0.3, updates=20_000, dynamics="voter"), 2),
    "platform-chronological": ("platform", dict(n=200, days=3, follows=10, unfollow_after=1,
                                                disagree_distance=0.4, follow_prob=0.5), 1),
    "platform-engagement-confidence": ("platform", dict(n=200, days=3, follows=10, ranker="engagement",
                                                        update="bounded-confidence", graph="random"), 2),
    "platform-random-round-robin": ("platform", dict(n=150, days=2, follows=5, ranker="random",
                                                     schedule="round-robin", like_shape="threshold"), 3),
    "platform-social-rl": ("platform", dict(preset="social-rl", n=150, days=4, follows=8, stances=3), 4),
    "platform-net-reward-events": ("platform", dict(preset="social-rl", n=100, days=3, follows=5, ranker="random",
                                                    feed_size=1, rl_reward="net", events=True), 5),
    "socialbots-high-degree": ("socialbots", dict(n=300, steps=60, episodes=5, detector_accounts=100,
                                                  detector_trees=20, cascade_samples=20, policy="high-degree"), 1),
    "socialbots-ppo-race": ("socialbots", dict(n=200, steps=40, episodes=3, detector_accounts=60, detector_trees=10,
                                               cascade_samples=10, policy="ppo", decisions=160, envs=2, rollout=40,
                                               minibatch=40, eval_episodes=1, eval_every=2, rounds=2), 2),
    "platform-candidates-poll": ("platform", dict(preset="poll", n=200, days=20, follows=5,
                                                  poll="counterfactual"), 7),
    "platform-hot-events": ("platform", dict(n=150, days=3, follows=8, ranker="hot", influencers=1, events=True), 6),
    "training-mlp": ("recommender-training", dict(environment="table4-n10", decisions=256, envs=4, rollout=16,
                                                 eval_episodes=3, eval_every=2), 1),
    "training-gat-imitation": ("recommender-training", dict(environment="table4-n10", hidden="gat", reward="rewires",
                                                           imitate="defectors-highest", imitation_decisions=128,
                                                           decisions=128, envs=4, rollout=16, eval_episodes=2,
                                                           keep="best", eval_every=2), 2),
    "training-coops-change": ("recommender-training", dict(environment="table4-n10", reward="coops-change",
                                                          decisions=128, envs=2, rollout=16, eval_episodes=2,
                                                          evaluate_on=["table4-n30"]), 3),
}


def _digest(hasher, value) -> None:
    array = np.ascontiguousarray(value)
    hasher.update(f"{array.dtype.str}{array.shape}".encode())
    hasher.update(array.tobytes())


def fingerprint(model: str, values: dict, seed: int) -> str:
    """sha256 of a run's metrics (as JSON), series, artifacts and tables (dtype, shape and bytes)."""
    values = dict(values)
    preset = values.pop("preset", None)
    spec = get_model(model)
    result = spec.simulate(spec.make_params(values, preset=preset), seed)
    hasher = hashlib.sha256(json.dumps(result.metrics, sort_keys=True).encode())
    tables = {f"{table}.{name}": column for table, columns in result.tables.items() for name, column in columns.items()}
    for group in (result.series, result.artifacts, tables):
        for name in sorted(group):
            hasher.update(name.encode())
            _digest(hasher, group[name])
    return hasher.hexdigest()[:24]


def environment_fingerprint() -> str:
    """The gymnasium environment's observations and rewards over random play, and a heuristic's
    and an untrained module's evaluation."""
    import torch

    from polislab.models.coevolution.env import RecommenderEnv, heuristic_actions
    from polislab.learn.ranking import RankingModule
    from polislab.models.coevolution.decision import FEATURES
    from polislab.models.recommender_training.model import evaluate

    hasher = hashlib.sha256()
    for reward in ("coops", "rewires", "coops-change"):
        env = RecommenderEnv("table4-n30", reward)
        for episode in range(3):
            observation, _ = env.reset(seed=episode)
            finished = False
            while not finished:
                for key in ("features", "edge_index", "mask"):
                    _digest(hasher, observation[key])
                hasher.update(str(observation["focus"]).encode())
                action = env.np_random.choice(np.flatnonzero(observation["mask"]))
                observation, r, terminated, truncated, info = env.step(action)
                hasher.update(repr((r, terminated, truncated, sorted(info.items()))).encode())
                finished = terminated or truncated
    for name in ("defectors-highest", "local", "fair"):
        for values in evaluate(heuristic_actions(name, 4), "table4-n30", "rewires", 4, 9).values():
            _digest(hasher, values)
    torch.manual_seed(0)
    for values in evaluate(RankingModule(FEATURES, "gat").eval(), "table4-n30", "coops", 3, 9).values():
        _digest(hasher, values)
    return hasher.hexdigest()[:24]


MACHINE_DEPENDENT = {"echochamber-default", "echochamber-chosen", "training-mlp", "training-gat-imitation",
                     "training-coops-change"}


def machine_class() -> str:
    """The arithmetic a machine-dependent hash holds for: LLVM's name of the CPU (numba compiles for
    it) and the level of torch's CPU kernels."""
    import llvmlite.binding
    import torch

    return f"{llvmlite.binding.get_host_cpu_name()}/{torch.backends.cpu.get_cpu_capability()}"


def _stored() -> dict:
    return json.loads(STORED.read_text()) if STORED.exists() else {"everywhere": {}, "machines": {}}


def _check(name: str, compute) -> None:
    """Compare the hash ``compute()`` gives with the one stored for ``name``. A machine-dependent
    run on a machine class with none recorded cannot be compared: there it is run twice and must
    repeat bit for bit (the same seed, the same result, on this machine)."""
    found = compute()
    stored = _stored()
    dependent = name in MACHINE_DEPENDENT
    if WRITING:  # run without -n: workers would write the file at once
        where = stored["machines"].setdefault(machine_class(), {}) if dependent else stored["everywhere"]
        where[name] = found
        STORED.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
        return
    expected = stored["machines"].get(machine_class(), {}).get(name) if dependent else stored["everywhere"][name]
    if expected is None:
        assert compute() == found, f"{name}: two runs with the same seed differ on this machine"
        return
    assert found == expected, f"{name}: results changed (run with POLISLAB_WRITE_FINGERPRINTS=1 if meant)"


WRITING = os.environ.get("POLISLAB_WRITE_FINGERPRINTS") == "1"


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_results_are_bit_for_bit_those_stored(name):
    model, values, seed = CONFIGURATIONS[name]
    _check(name, lambda: fingerprint(model, values, seed))


def test_the_environment_and_evaluations_are_bit_for_bit_those_stored():
    _check("environment", environment_fingerprint)
