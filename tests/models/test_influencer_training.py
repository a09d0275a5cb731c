"""PPO training of the platform's influencer (issue 23): a tiny run is reproducible, its policy
loads as tensors alone and chooses among the environment's actions, and bad platform values are
refused in one line before any work."""

import io

import numpy as np
import pytest
import torch

from polislab import get_model
from polislab.core.errors import UsageError

SPEC = get_model("influencer-training")
TINY = {"platform": {"n": 120, "days": 20, "follows": 5}, "decisions": 16, "envs": 2, "rollout": 4, "minibatch": 8,
        "eval_episodes": 2, "eval_every": 2}


def test_a_tiny_training_run_is_reproducible_and_its_policy_loads_as_tensors():
    first, again = (SPEC.simulate(SPEC.make_params(TINY), 5) for _ in range(2))
    assert first.metrics == again.metrics and first.metrics["updates"] == 2
    assert np.array_equal(first.series["loss_critic"], again.series["loss_critic"])
    weights = torch.load(io.BytesIO(first.artifacts["policy"].tobytes()), weights_only=True)
    assert weights["0.weight"].shape == (64, 3 * 2 + 3)  # its last action of 3 stances x 2 rates, and its trend
    assert len(first.artifacts["eval_returns"]) == 2
    stances = first.series["action_stance"]
    assert np.all((-1 <= stances) & (stances <= 1))


@pytest.mark.parametrize("values, message", [
    ({"platform": "{n: 5}"}, "is not JSON"),
    ({"platform": {"n": 2}}, "platform"),
    ({"platform": {"nosuch": 1}}, "nosuch"),
    ({"environment": "echo-chamber"}, "unknown environment"),
    ({"checkpoint": "run.pt"}, "checkpoint is not offered"),
])
def test_bad_values_are_refused_in_one_line(values, message):
    with pytest.raises(UsageError, match=message) as refused:
        SPEC.make_params(values)
    assert "\n" not in str(refused.value)
