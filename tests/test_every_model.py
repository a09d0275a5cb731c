"""Every built-in model honours the model contract (``polislab.testing.check_model``):
registration, bounds, JSON-safe metrics, determinism, batching, the store and the CLI round trip.
Each model is checked at its defaults shrunk by its own ``smoke`` caps (a model without them
fails, so a new study cannot skip the check), and under the variants below."""

import pytest

from polislab.core.registry import builtin_models, get_model
from polislab.testing import check_model

VARIANTS = {  # more small parameter sets, for code paths the defaults do not take
    "coevolution": [{"n": 50, "k": 4, "graph": "erdos-renyi", "steps": 2000, "record_every": 500}],
    "feudalism": [{"agents": 8, "graph": "complete", "turns": 2000, "buffer_size": 50, "selfplay": 1},
                  {"agents": 30, "turns": 2000, "other_model": "norm-deviant", "deviants": 0.2, "refit_every": 500,
                   "buffer_size": 50, "selfplay": 1, "selfplay_each": 1, "buffer_start": "sharing"}],
    "echochamber": [{"steps": 50, "n": 40, "graph": "sparse", "k": 5, "learn_listening": True}],
    "opinion": [{"n": 40, "radius": 0.3, "updates": 20_000, "records": 5, "snapshots": [10, 1000]}],
    "oracle": [{"runs": 10, "steps": 200, "oracle": "counterfactual"}],
    "platform": [{"n": 100, "days": 2, "follows": 5, "ranker": "hot", "events": True}],
    "trade": [{"encounters": 5000, "memory": "friends", "agents": 5},
              {"encounters": 5000, "ties": "sticky", "arithmetic": "float32", "initial_policies": [6, 10]}],
}


def smoke_defaults(name: str) -> dict:
    spec = get_model(name)
    return spec.shrink(spec.make_params({})).to_dict()


@pytest.mark.parametrize("name", sorted(builtin_models()))
def test_every_built_in_model_has_smoke_caps(name):
    assert get_model(name).smoke, f"register {name} with smoke= caps (polislab reproduce --smoke uses them)"


@pytest.mark.parametrize("name, small", [(name, None) for name in sorted(builtin_models())]
                         + [(name, small) for name in sorted(VARIANTS) for small in VARIANTS[name]],
                         ids=lambda value: value if isinstance(value, str) else "")
def test_the_model_honours_the_contract(name, small):
    check_model(name, small if small is not None else smoke_defaults(name))
