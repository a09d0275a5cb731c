"""``Result``: what one run of a model returns (DESIGN.md, the model contract).

``metrics`` are final scalars (JSON-safe: ``nan`` and ``inf`` become ``None``), ``series`` are
equal-length columns over time, ``artifacts`` are arrays (final states, histories). A result
carries its parameters, seed and the polislab version, so it can always be traced back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from polislab.core.params import Params

RESERVED_COLUMNS = ("key", "model", "version", "seed", "params_json")


def json_safe(value: Any) -> Any:
    """A JSON-safe scalar: numpy scalars become Python ones; ``nan``/``inf`` become ``None``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"metric value {value!r} is not a scalar")


@dataclass
class Result:
    params: Params
    seed: int
    metrics: dict[str, Any]
    series: dict[str, np.ndarray] = field(default_factory=dict)
    artifacts: dict[str, np.ndarray] = field(default_factory=dict)
    version: str = ""

    def __post_init__(self) -> None:
        from polislab.core.version import VERSION as __version__

        self.version = self.version or __version__
        self.metrics = {name: json_safe(value) for name, value in self.metrics.items()}
        self.series = {name: np.asarray(column) for name, column in self.series.items()}
        lengths = {len(column) for column in self.series.values()}
        if len(lengths) > 1:
            raise ValueError(f"series columns differ in length: {sorted(lengths)}")

    @property
    def model(self) -> str:
        return type(self.params).model_name

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": self.version,
            "params": self.params.to_dict(),
            "seed": self.seed,
            "metrics": self.metrics,
        }
