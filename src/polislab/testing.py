"""The model contract as a check anyone can run on their own model (as PettingZoo ships its
API tests): ``check_model(name)`` raises ``AssertionError`` naming the first broken promise.

It verifies registration, documented and enforced parameter bounds, JSON-safe metrics whose
names clash with nothing, series with a ``step`` column, determinism under a seed, batched replicates equal to single runs,
the results-store round trip and the ``polislab run --json`` round trip.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import tempfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from polislab.core.errors import UsageError
from polislab.core.params import Params, annotation_allows
from polislab.core.registry import get_model
from polislab.core.result import RESERVED_COLUMNS, Result


def check_model(name: str, small: Mapping[str, Any] | None = None, seed: int = 3) -> None:
    """Check model ``name``; ``small`` are parameter values that make a run quick."""
    spec = get_model(name)
    small = dict(small or {})
    _check_registration(spec)
    _check_bounds(spec)
    params = spec.make_params(small)
    first = spec.simulate(params, seed)
    again = spec.simulate(params, seed)
    _check_result(spec, first, params, seed)
    _same(first, again, "the same seed gave different results")
    if spec.simulate_batch is not None:
        batch = spec.run(params, [seed + 1, seed])
        _same(batch[1], first, "a batched replicate differs from the same seed run alone")
    _check_store(first)
    _check_cli(name, small, seed, first)


def _check_registration(spec) -> None:
    assert issubclass(spec.params, Params), f"{spec.name}: params must subclass polislab.Params"
    assert spec.params.model_name == spec.name, f"{spec.name}: Params.model_name not set by register"
    assert callable(spec.simulate), f"{spec.name}: simulate is not callable"
    for preset in spec.presets:
        spec.make_params(preset=preset)


def _check_bounds(spec) -> None:
    for field, info in spec.params.model_fields.items():
        assert info.description, f"{spec.name}: parameter '{field}' has no description"
        for meta in info.metadata:
            for key, outside in (("ge", -1), ("gt", 0), ("le", 1), ("lt", 0)):
                bound = getattr(meta, key, None)
                if bound is None or isinstance(bound, bool):
                    continue
                value = bound + outside * max(1, abs(bound)) if key in ("ge", "le") else bound
                if isinstance(bound, int) and info.annotation is float:
                    value = float(value)
                try:
                    spec.make_params({field: value})
                except UsageError as error:
                    message = str(error)
                    assert "\n" not in message and field in message, (
                        f"{spec.name}: the error for {field}={value!r} must be one line naming it"
                    )
                else:
                    raise AssertionError(f"{spec.name}: {field}={value!r} breaks its bound {key} {bound}")
    _check_finite(spec)
    try:
        spec.make_params({"no_such_parameter": 1})
    except UsageError:
        pass
    else:
        raise AssertionError(f"{spec.name}: an unknown parameter was accepted")


def _check_finite(spec) -> None:
    """nan is refused by every float parameter; inf too, unless the parameter opts in
    (``allow_inf_nan=True``) and its description says what infinity means."""
    for field, info in spec.params.model_fields.items():
        if not annotation_allows(info.annotation, float):
            continue
        opted_in = any(getattr(meta, "allow_inf_nan", False) for meta in info.metadata)
        assert not opted_in or "inf" in (info.description or ""), (
            f"{spec.name}: parameter '{field}' accepts inf; its description must say what inf means")
        for value in [math.nan] + ([] if opted_in else [math.inf, -math.inf]):
            try:
                spec.make_params({field: value})
            except UsageError:
                continue
            raise AssertionError(f"{spec.name}: {field}={value!r} was accepted; a float parameter must be finite")


def _check_result(spec, result: Result, params: Params, seed: int) -> None:
    assert isinstance(result, Result), f"{spec.name}: simulate must return a polislab.Result"
    assert result.params == params and result.seed == seed, f"{spec.name}: result lacks its params/seed"
    json.dumps(result.to_json(), allow_nan=False)
    if result.series:
        assert "step" in result.series, f"{spec.name}: a series needs a 'step' column (the store orders by it)"
    fields = set(spec.params.model_fields) | set(RESERVED_COLUMNS)
    clashes = fields & set(result.metrics)
    assert not clashes, f"{spec.name}: metric names clash with parameters or columns: {sorted(clashes)}"


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _same(a: Result, b: Result, message: str) -> None:
    assert a.metrics.keys() == b.metrics.keys(), message
    assert all(_equal(a.metrics[k], b.metrics[k]) for k in a.metrics), message
    for name in a.series:
        assert np.array_equal(a.series[name], b.series[name], equal_nan=True), f"{message} (series {name})"


def _check_store(result: Result) -> None:
    from polislab.experiments import store

    with tempfile.TemporaryDirectory() as directory:
        key = store.write_result(directory, result)
        row = store.open(directory).execute("SELECT * FROM runs").fetchall()
        assert len(row) == 1 and store.stored_keys(directory) == {key}, "store round trip failed"


def _check_cli(name: str, small: Mapping[str, Any], seed: int, expected: Result) -> None:
    from polislab.cli import main
    from polislab.core.jsonable import jsonable

    arguments = ["run", name, "--json", "--seed", str(seed)]
    for field, value in small.items():
        text = json.dumps(jsonable(value)) if isinstance(value, (list, tuple)) else str(jsonable(value))
        arguments += ["--set", f"{field}={text}"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        main(arguments)
    document = json.loads(printed.getvalue())
    assert document["model"] == name and document["seeds"] == [seed], "run --json: wrong model or seeds"
    metrics = document["replicates"][0]["metrics"]
    assert all(_equal(metrics[k], expected.metrics[k]) for k in expected.metrics), (
        "run --json gave other metrics than simulate with the same parameters and seed"
    )
