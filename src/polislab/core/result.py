"""``Result``: what one run of a model returns (DESIGN.md, the model contract).

``metrics`` are final scalars (JSON-safe: ``nan`` and ``inf`` become ``None``), ``series`` are
equal-length columns over time, ``artifacts`` are arrays (final states, histories), ``tables``
are named tables of equal-length columns (event logs: the store makes each a DuckDB view). A result
carries its parameters, seed and the polislab version, so it can always be traced back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from polislab.core.jsonable import json_scalar
from polislab.core.params import Params
from polislab.core.version import VERSION

RESERVED_COLUMNS = ("key", "model", "version", "seed", "params_json")


@dataclass
class Result:
    params: Params
    seed: int
    metrics: dict[str, Any]
    series: dict[str, np.ndarray] = field(default_factory=dict)
    artifacts: dict[str, np.ndarray] = field(default_factory=dict)
    version: str = ""
    tables: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.version = self.version or VERSION
        self.metrics = {name: json_scalar(value) for name, value in self.metrics.items()}
        self.series = {name: np.asarray(column) for name, column in self.series.items()}
        lengths = {len(column) for column in self.series.values()}
        if len(lengths) > 1:
            raise ValueError(f"series columns differ in length: {sorted(lengths)}")
        for name, table in self.tables.items():
            if not name.isidentifier() or name in ("runs", "series"):
                raise ValueError(f"table name {name!r} must be an identifier other than runs and series")
            if len({len(column) for column in table.values()}) > 1:
                raise ValueError(f"columns of table {name} differ in length")

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
