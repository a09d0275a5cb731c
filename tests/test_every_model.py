"""Every built-in model honours the model contract (``polislab.testing.check_model``):
registration, bounds, JSON-safe metrics, determinism, batching, the store and the CLI round trip.
A model found in ``polislab.models`` without small parameters here fails, so a new study cannot
skip the check."""

import pytest

from polislab.core.registry import builtin_models
from polislab.testing import check_model

SMALL = {  # quick parameter values per model; a model may be checked under several
    "coevolution": [{"n": 50, "k": 4, "graph": "erdos-renyi", "steps": 2000, "record_every": 500}],
    "echochamber": [{"steps": 300, "n": 8},
                    {"steps": 50, "n": 40, "graph": "sparse", "k": 5, "learn_listening": True}],
    "opinion": [{"n": 40, "radius": 0.3, "updates": 20_000, "records": 5, "snapshots": [10, 1000]}],
    "oracle": [{"runs": 20, "steps": 300}, {"runs": 10, "steps": 200, "oracle": "counterfactual"}],
    "recommender-training": [{"environment": "table4-n10", "decisions": 64, "envs": 2, "rollout": 16,
                              "eval_episodes": 2, "eval_every": 1}],
    "trade": [{"encounters": 5000}, {"encounters": 5000, "memory": "friends", "agents": 5}],
}


def test_every_built_in_model_has_small_parameters_here():
    assert set(builtin_models()) <= set(SMALL), f"add small parameters for {sorted(set(builtin_models()) - set(SMALL))}"


@pytest.mark.parametrize("name, small", [(name, small) for name in sorted(SMALL) for small in SMALL[name]],
                         ids=lambda value: value if isinstance(value, str) else "")
def test_the_model_honours_the_contract(name, small):
    check_model(name, small)
