"""Read stored runs back as numpy columns (for claims, figures and the report)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from polislab.experiments import store
from polislab.experiments.spec import Spec


def _column(values) -> np.ndarray:
    """A numpy column; SQL NULLs become nan (numbers) or None (anything else)."""
    if not np.ma.isMaskedArray(values):
        return np.asarray(values)
    if values.dtype.kind in "iufb":
        return values.astype(float).filled(np.nan)
    return np.where(values.mask, None, values.data).astype(object)


class Store:
    """A results directory opened for reading: runs by key, their series and artifacts."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.connection = store.open(self.directory)

    def runs(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Columns of the stored runs among ``keys``, in the order of ``keys``."""
        keys = list(keys)
        table = self.connection.execute(
            "SELECT r.* FROM runs r JOIN (SELECT unnest(?) AS key, generate_subscripts(?, 1) AS i) k "
            "USING (key) ORDER BY k.i",
            [keys, keys],
        ).fetchnumpy()
        return {name: _column(column) for name, column in table.items()}

    def series(self, key: str) -> dict[str, np.ndarray]:
        """One run's series, ordered by step (read from its own file: fast in a large store)."""
        return {name: _column(column) for name, column in store.load_series(self.directory, key).items()}

    def artifacts(self, key: str) -> dict[str, np.ndarray]:
        return store.load_artifacts(self.directory, key)

    def query(self, sql: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Run ``sql`` with the view ``chosen(key)`` holding ``keys``; numpy columns back."""
        self.connection.execute("CREATE OR REPLACE TEMP TABLE chosen AS SELECT unnest(?) AS key", [list(keys)])
        table = self.connection.execute(sql).fetchnumpy()
        return {name: _column(column) for name, column in table.items()}

    def spec_runs(self, spec: Spec) -> dict[str, np.ndarray]:
        return self.runs(run.key for run in spec.runs())
