"""The results store: a directory with one Parquet file per finished run (DESIGN.md).

    DIR/runs/<key>.parquet       one row: key, model, version, seed, params_json, parameters, metrics
    DIR/series/<key>.parquet     the run's series, one row per record, with its key
    DIR/artifacts/<key>.npz      the run's arrays

Each file is written under a temporary name and renamed, so a crash never leaves half a file;
the run file is written last, so a run counts as stored only when everything else is there.
``open(DIR)`` gives a DuckDB connection with views ``runs`` and ``series`` over the directory.
"""

from __future__ import annotations

import io
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from polislab.core.params import Params
from polislab.core.files import TEMPORARY_PREFIX, write_atomically
from polislab.core.result import RESERVED_COLUMNS, Result
from polislab.core.jsonable import jsonable
from polislab.experiments.spec import params_json, run_key



def _arrow_type(annotation: Any) -> pa.DataType:
    """The Parquet column type of a parameter, from its annotation (None allowed everywhere)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is typing.Literal:
        return pa.string()
    if args and typing.get_origin(annotation) is not list:
        return _arrow_type(args[0])
    if annotation is bool:
        return pa.bool_()
    if annotation is int:
        return pa.int64()
    if annotation is float:
        return pa.float64()
    return pa.string()


def _value_type(value: Any) -> pa.DataType:
    if isinstance(value, bool):
        return pa.bool_()
    if isinstance(value, int):
        return pa.int64()
    if isinstance(value, str):
        return pa.string()
    return pa.float64()


def run_row(result: Result, key: str) -> pa.Table:
    """The one-row table of a run: identity, parameters (typed by annotation) and metrics."""
    params = result.params
    columns: dict[str, tuple[Any, pa.DataType]] = {
        "key": (key, pa.string()),
        "model": (result.model, pa.string()),
        "version": (result.version, pa.string()),
        "seed": (result.seed, pa.int64()),
        "params_json": (params_json(params), pa.string()),
    }
    for name, info in type(params).model_fields.items():
        value = getattr(params, name)
        kind = _arrow_type(info.annotation)
        if kind == pa.string() and value is not None and not isinstance(value, str):
            value = str(jsonable(value))
        columns[name] = (value, kind)
    for name, value in result.metrics.items():
        if name in columns or name in RESERVED_COLUMNS:
            raise ValueError(f"metric '{name}' of model {result.model} clashes with a parameter or column")
        columns[name] = (value, _value_type(value))
    return pa.table({name: pa.array([value], type=kind) for name, (value, kind) in columns.items()})


def write_result(directory: str | Path, result: Result, key: str | None = None) -> str:
    """Store one finished run atomically; return its key."""
    directory = Path(directory)
    key = key or run_key(result.params, result.seed)
    if result.series:
        series = {"key": pa.array([key] * len(next(iter(result.series.values()))))}
        series.update({name: pa.array(column) for name, column in result.series.items()})
        write_atomically(directory / "series" / f"{key}.parquet", lambda p: pq.write_table(pa.table(series), p))
    if result.artifacts:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **result.artifacts)
        write_atomically(directory / "artifacts" / f"{key}.npz", lambda p: p.write_bytes(buffer.getvalue()))
    write_atomically(directory / "runs" / f"{key}.parquet", lambda p: pq.write_table(run_row(result, key), p))
    return key


def stored_keys(directory: str | Path) -> set[str]:
    """Keys of every finished run in the store."""
    runs = Path(directory) / "runs"
    if not runs.is_dir():
        return set()
    return {p.stem for p in runs.glob("*.parquet") if not p.name.startswith(TEMPORARY_PREFIX)}


def remove_partial_files(directory: str | Path) -> int:
    """Delete temporary files that a killed writer left behind; return how many."""
    removed = 0
    for path in Path(directory).glob(f"*/{TEMPORARY_PREFIX}*"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def load_artifacts(directory: str | Path, key: str) -> dict[str, np.ndarray]:
    path = Path(directory) / "artifacts" / f"{key}.npz"
    if not path.exists():
        return {}
    with np.load(path) as data:
        return {name: data[name] for name in data.files}


def load_series(directory: str | Path, key: str) -> dict[str, np.ndarray]:
    """One run's series, read from its own file (not through the view over every run's)."""
    path = Path(directory) / "series" / f"{key}.parquet"
    if not path.exists():
        return {}
    table = pq.read_table(path).sort_by("step")
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def open(directory: str | Path):  # noqa: A001 - the name DESIGN.md gives it
    """A DuckDB connection with views ``runs`` and ``series`` over the store at ``directory``."""
    import duckdb

    directory = Path(directory)
    connection = duckdb.connect()
    for view in ("runs", "series"):
        folder = directory / view
        if folder.is_dir() and any(folder.glob("[!.]*.parquet")):
            pattern = str(folder / "[!.]*.parquet").replace("'", "''")
            connection.execute(
                f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{pattern}', union_by_name = true)"
            )
        else:
            connection.execute(f"CREATE VIEW {view} AS SELECT NULL::VARCHAR AS key WHERE false")
    return connection


def read_params(row_json: str, params_cls: type[Params]) -> Params:
    """The parameters of a stored run, rebuilt from its ``params_json`` column."""
    import json

    return params_cls(**json.loads(row_json))


__all__ = ["open", "write_result", "stored_keys", "load_artifacts", "load_series", "remove_partial_files"]
