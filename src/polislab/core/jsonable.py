"""One rule for turning values into JSON: parameters (written so that they read back) and metrics
(stored as plain numbers or null).

Numpy scalars become Python ones, tuples lists, ``Params`` their fields. Non-finite floats are
spelled "inf", "-inf" or "nan" by default, which a parameter reads back (``w = inf`` means
structure only), or become ``None`` with ``non_finite="null"``, as a metric that has no value.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from polislab.core.params import Params


def jsonable(value: Any, non_finite: Literal["text", "null"] = "text") -> Any:
    """``value`` as JSON-ready Python (see the module)."""
    if isinstance(value, Params):
        return jsonable(value.to_dict(), non_finite)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value) if non_finite == "text" else None
    if isinstance(value, (list, tuple)):
        return [jsonable(item, non_finite) for item in value]
    if isinstance(value, dict):
        return {name: jsonable(item, non_finite) for name, item in value.items()}
    return value


def json_scalar(value: Any) -> Any:
    """A metric: a JSON scalar (``None`` for nan and inf); a ``TypeError`` for anything else."""
    value = jsonable(value, non_finite="null")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"metric value {value!r} is not a scalar")
