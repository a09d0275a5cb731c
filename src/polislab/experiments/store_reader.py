"""The read side of the results store: stored runs back as numpy columns (for claims, figures and
the report). Writing, listing and DuckDB over a store are in ``store.py``."""

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


class StoreReader:
    """A results directory opened for reading: runs by key, their series and artifacts.

    Each read opens only the files of the runs it asks for (one Parquet file per run), so a
    query costs the same in a store of a hundred runs and of a hundred thousand. A reader keeps
    what ``runs`` returned (a report asks for the same runs from many claims and figures): open a
    new reader to see runs stored since."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._read: dict[tuple[str, ...], dict[str, np.ndarray]] = {}
        self._listing: set[str] | None = None

    def _files(self, folder: str, keys: list[str]) -> list[str]:
        paths = (self.directory / folder / f"{key}.parquet" for key in keys)
        return [str(path) for path in paths if path.is_file()]

    def _connection(self, keys: list[str]):
        """DuckDB with the views ``runs`` and ``series`` over the files of ``keys`` and the table
        ``chosen(key)``."""
        import duckdb

        connection = duckdb.connect()
        connection.execute("SET enable_progress_bar = false")  # this connection's setting, not a global one
        for view in ("runs", "series"):
            files = self._files(view, keys)
            if files:
                connection.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet({_sql_list(files)}, "
                                   "union_by_name = true)")
            else:
                connection.execute(f"CREATE VIEW {view} AS SELECT NULL::VARCHAR AS key WHERE false")
        connection.execute("CREATE TABLE chosen AS SELECT unnest(?) AS key", [keys])
        return connection

    def holds_any(self, keys: Iterable[str]) -> bool:
        """Whether any of ``keys`` is stored (the store's listing is read once per reader)."""
        if self._listing is None:
            self._listing = store.stored_keys(self.directory)
        return any(key in self._listing for key in keys)

    def runs(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Columns of the stored runs among ``keys``, in the order of ``keys``."""
        keys = tuple(keys)
        if keys in self._read:
            return {name: column.copy() for name, column in self._read[keys].items()}
        table = self._connection(list(keys)).execute(
            "SELECT r.* FROM runs r JOIN (SELECT unnest(?) AS key, generate_subscripts(?, 1) AS i) k "
            "USING (key) ORDER BY k.i",
            [list(keys), list(keys)],
        ).fetchnumpy()
        self._read[keys] = {name: _column(column) for name, column in table.items()}
        return {name: column.copy() for name, column in self._read[keys].items()}

    def series(self, key: str) -> dict[str, np.ndarray]:
        """One run's series, ordered by step."""
        return {name: _column(column) for name, column in store.load_series(self.directory, key).items()}

    def artifacts(self, key: str) -> dict[str, np.ndarray]:
        return store.load_artifacts(self.directory, key)

    def query(self, sql: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Run ``sql`` over the views ``runs`` and ``series`` of ``keys``' runs, with the table
        ``chosen(key)`` holding ``keys``; numpy columns back ({} when none of them is stored)."""
        keys = list(keys)
        if not self._files("runs", keys):
            return {}
        table = self._connection(keys).execute(sql).fetchnumpy()
        return {name: _column(column) for name, column in table.items()}

    def spec_runs(self, spec: Spec) -> dict[str, np.ndarray]:
        return self.runs(run.key for run in spec.runs())


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + path.replace("'", "''") + "'" for path in paths) + "]"
