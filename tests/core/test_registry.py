"""The registry: lazy built-ins, one-line errors, and a user's own model passing check_model."""

import numpy as np
import pytest
from pydantic import Field

import polislab
from polislab.core.errors import UsageError
from polislab.core.registry import get_model, model_names, register
from polislab.core.result import Result
from polislab.core.seeding import rng
from polislab.testing import check_model


class CoinParams(polislab.Params):
    flips: int = Field(100, ge=1, le=10**6, description="coin flips")
    bias: float = Field(0.5, ge=0, le=1, description="P(heads)")


@register("coin-test", params=CoinParams, presets={"fair": {"bias": 0.5}})
def simulate_coin(params: CoinParams, seed: int, progress=None) -> Result:
    """Flip a biased coin (a toy model for the contract test)."""
    heads = rng(seed).random(params.flips) < params.bias
    return Result(params, seed, {"heads": int(heads.sum()), "share": float(heads.mean())},
                  series={"step": np.arange(params.flips), "running": np.cumsum(heads)})


def test_unknown_model_names_the_known_ones():
    with pytest.raises(UsageError, match="unknown model 'nope'; available: .*echochamber"):
        get_model("nope")


def test_builtin_models_are_listed_without_importing_them():
    assert "echochamber" in model_names()


def test_a_user_model_passes_the_contract_check():
    check_model("coin-test", {"flips": 50})


def test_check_model_catches_a_nondeterministic_model():
    class Bad(polislab.Params):
        n: int = Field(3, ge=1, description="n")

    calls = iter(range(100))

    @register("bad-test", params=Bad)
    def simulate_bad(params, seed, progress=None):
        return Result(params, seed, {"value": next(calls)})

    with pytest.raises(AssertionError, match="same seed"):
        check_model("bad-test")


def test_result_metrics_become_json_safe():
    metrics = {"x": np.float32(2.5), "y": float("inf"), "z": float("nan"), "n": np.int64(3), "b": np.bool_(True)}
    result = Result(CoinParams(), 1, metrics)
    assert result.metrics == {"x": 2.5, "y": None, "z": None, "n": 3, "b": True}
    assert all(type(v) in (float, int, bool, type(None)) for v in result.metrics.values())
    with pytest.raises(TypeError):
        Result(CoinParams(), 1, {"bad": [1, 2]})
