"""The store browser's index of stored runs: each run file is read once (in a thread of its own,
so the page lists runs while the rest are read), grouped by model, and queried with DuckDB.

A store of many runs is many small Parquet files whose columns differ from model to model; a
DuckDB scan over all of them at once reconciles every schema with every other and takes minutes
at 10^4 runs, while one read per file and one table per model take seconds. Runs stored while
the browser is open are read on the next request; damaged runs (``store.damage``) are left out,
as every reader of the store leaves them out.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from polislab.core.errors import UsageError
from polislab.core.jsonable import jsonable

COMMON = ("key", "model", "seed", "version")  # the columns every run has


class RunIndex:
    """The runs of the store at ``directory``, read in the background."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.lock = threading.Lock()
        self.rows: dict[str, Any] = {}  # key -> one-row pyarrow table
        self.listed = 0
        self.reader: threading.Thread | None = None
        self.stopping = False

    def close(self) -> None:
        """Stop reading (the server is stopping)."""
        self.stopping = True
        if self.reader is not None:
            self.reader.join(timeout=5)

    def refresh(self) -> None:
        """Start reading the run files not read yet (returns at once)."""
        with self.lock:
            if self.reader is not None and self.reader.is_alive():
                return
            self.reader = threading.Thread(target=self._read, name="polislab-view-runs", daemon=True)
            self.reader.start()

    def _read(self) -> None:
        import pyarrow.parquet as pq

        from polislab.experiments.store import damage

        paths = sorted((self.directory / "runs").glob("*.parquet"))
        with self.lock:
            self.listed = len(paths)
            gone = set(self.rows) - {path.stem for path in paths}
            for key in gone:
                del self.rows[key]
        for path in paths:
            if self.stopping:
                return
            if path.stem in self.rows:
                continue
            try:
                if damage(self.directory, path.stem) is not None:
                    continue
                table = pq.read_table(path)
            except OSError:  # removed or set aside while being read
                continue
            with self.lock:
                self.rows[path.stem] = table

    @property
    def reading(self) -> bool:
        return self.reader is not None and self.reader.is_alive()

    def table(self, model: str | None, conditions: str, limit: int) -> dict[str, Any]:
        """The runs read so far (one model's, or every model's common columns), narrowed by
        ``conditions``: ``column=value`` pairs separated by commas, each an equality."""
        import duckdb
        import pyarrow as pa

        with self.lock:
            tables = list(self.rows.values())
            read, listed = len(self.rows), self.listed
        models = sorted({table.column("model")[0].as_py() for table in tables})
        if model is not None:
            chosen = [table for table in tables if table.column("model")[0].as_py() == model]
            runs = _concat(chosen) if chosen else None
        else:
            runs = pa.concat_tables([table.select(list(COMMON)) for table in tables]) if tables else None
        out = {"models": models, "read": read, "listed": listed, "reading": self.reading,
               "columns": [], "rows": [], "total": 0, "shown": 0}
        if runs is None:
            return out
        columns = runs.column_names
        where, values = [], []
        for condition in filter(None, (part.strip() for part in conditions.split(","))):
            name, equals, value = condition.partition("=")
            name = name.strip()
            if not equals or name not in columns:
                raise UsageError(f"filter {condition!r} is not allowed: write column=value with a column of these "
                                 f"runs ({', '.join(columns[:12])}{', ...' if len(columns) > 12 else ''})")
            where.append(f'CAST("{name}" AS VARCHAR) = ?')
            values.append(value.strip())
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        connection = duckdb.connect()
        connection.execute("SET enable_progress_bar = false")
        connection.register("runs", runs)
        total = connection.execute(f"SELECT count(*) FROM runs {clause}", values).fetchone()[0]
        found = connection.execute(f"SELECT * FROM runs {clause} ORDER BY model, seed, key LIMIT {int(limit)}",
                                   values).fetchnumpy()
        shown = [name for name, column in found.items() if name != "params_json" and any(
            _cell(value) is not None for value in column)]
        out.update(columns=shown, total=int(total), shown=len(found.get("key", [])),
                   rows=[[_cell(found[name][i]) for name in shown] for i in range(len(found.get("key", [])))])
        return out


def _concat(tables: list) -> Any:
    """One model's runs as one table; columns whose type changed between versions become text."""
    import pyarrow as pa

    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        as_text = [table.cast(pa.schema([(field.name, pa.string()) for field in table.schema])) for table in tables]
        return pa.concat_tables(as_text, promote_options="permissive")


def _cell(value: Any) -> Any:
    """A table cell as JSON: numbers, text, true/false, or None (null, nan, inf)."""
    if value is np.ma.masked:
        return None
    value = jsonable(value, non_finite="null")
    return value if isinstance(value, (int, float, str, bool)) or value is None else str(value)
