"""Parameters: CLI text is read as a user means it; bad input is one line naming the problem."""

import math

import pytest
from pydantic import Field

from polislab.core.errors import UsageError
from polislab.core.params import Params, build_params, coerce_text, describe_field


class Toy(Params):
    model_name = "toy"
    n: int = Field(10, ge=2, description="agents")
    rate: float = Field(0.5, ge=0, le=1, description="a rate")
    w: float = Field(1.0, ge=0, allow_inf_nan=True, description="may be inf")
    flag: bool = Field(False, description="a switch")
    limit: float | None = Field(None, gt=0, description="optional")
    sizes: list[int] = Field(default_factory=lambda: [1], description="a list")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("n", "1e3", 1000),
        ("n", "42", 42),
        ("flag", "yes", True),
        ("flag", "off", False),
        ("flag", "true", True),
        ("w", "inf", math.inf),
        ("limit", "none", None),
        ("limit", "2.5", 2.5),
        ("sizes", "1,2,3", [1, 2, 3]),
        ("sizes", "[4, 5]", [4, 5]),
    ],
)
def test_cli_text_is_read_as_typed(name, text, expected):
    params = build_params(Toy, {name: coerce_text(Toy, name, text)})
    assert getattr(params, name) == expected


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"n": 1}, "parameter 'n'"),
        ({"rate": 1.5}, "parameter 'rate'"),
        ({"bogus": 1}, "unknown parameter 'bogus'"),
        ({"n": "many"}, "parameter 'n'"),
    ],
)
def test_bad_values_give_one_line_naming_parameter_and_value(values, fragment):
    with pytest.raises(UsageError) as caught:
        build_params(Toy, values)
    message = str(caught.value)
    assert fragment in message and "\n" not in message
    if "unknown" in fragment:
        assert "allowed: n, rate, w, flag, limit, sizes" in message
    else:
        assert repr(next(iter(values.values()))) in message or str(next(iter(values.values()))) in message


def test_unknown_preset_lists_the_allowed_ones():
    with pytest.raises(UsageError, match="unknown preset 'x'.*allowed: a, b"):
        build_params(Toy, presets={"a": {}, "b": {}}, preset="x")


def test_preset_then_values_override_in_order():
    params = build_params(Toy, {"rate": 0.1}, presets={"p": {"rate": 0.9, "n": 5}}, preset="p")
    assert (params.n, params.rate) == (5, 0.1)


def test_params_are_frozen():
    params = build_params(Toy)
    with pytest.raises(Exception):
        params.n = 3


def test_describe_field_reports_bounds_and_default():
    info = describe_field(Toy, "rate")
    assert info["bounds"] == {"ge": 0, "le": 1} and info["default"] == 0.5


class Floats(Params):
    model_name = "floats"
    values: list[float] = Field(default_factory=lambda: [1.0], description="numbers")
    shares: dict[str, float] = Field(default_factory=dict, description="named numbers")
    loose: float = Field(0.0, allow_inf_nan=True, description="a number, unbounded")


@pytest.mark.parametrize("values", [{"values": [1.0, math.nan]}, {"shares": {"a": math.inf}},
                                    {"values": "1,-inf"}])
def test_every_float_is_finite_in_lists_and_dicts_too(values):
    texts = {name: value for name, value in values.items() if isinstance(value, str)}
    with pytest.raises(UsageError, match="finite"):
        build_params(Floats, {name: value for name, value in values.items() if name not in texts}
                     | {name: coerce_text(Floats, name, text) for name, text in texts.items()})


def test_the_contract_catches_a_parameter_that_takes_inf_without_saying_what_it_means():
    from polislab.core.registry import ModelSpec
    from polislab.testing import _check_finite

    with pytest.raises(AssertionError, match="'loose' accepts inf"):
        _check_finite(ModelSpec("floats", Floats, simulate=lambda params, seed: None))
