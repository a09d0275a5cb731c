"""The results store: a directory with one Parquet file per finished run (DESIGN.md).

    DIR/runs/<key>.parquet       one row: key, model, version, seed, params_json, parameters, metrics
    DIR/series/<key>.parquet     the run's series, one row per record, with its key
    DIR/artifacts/<key>.npz      the run's arrays
    DIR/tables/<name>/<key>.parquet  the run's table <name> (an event log), with its key

Each file is written under a temporary name and renamed, so a crash never leaves half a file;
the run file is written last, so a run counts as stored only when everything else is there.
The run file's Parquet metadata holds the sha256 of its row and of the run's series and artifacts
and tables files (``CHECKSUMS``): ``damage`` finds a truncated, emptied or altered run, a sweep runs it again
(the damaged files set aside, never deleted), and ``check`` / ``repair`` do it for a whole store
(``polislab store check|repair DIR``). Runs written before checksums existed read as before.
``open(DIR)`` gives a DuckDB connection with views ``runs`` and ``series``, and one per table
name (``likes``, say), over the directory's undamaged runs.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from polislab.core.params import Params
from polislab.core.files import TEMPORARY_PREFIX, write_atomically, writer_alive
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


CHECKSUMS = b"polislab.sha256"  # run-file metadata: JSON {"row": ..., "series": ..., "artifacts": ...}
DAMAGED = "damaged"  # where check/repair and sweeps set damaged files aside


def _row_digest(table: pa.Table) -> str:
    """sha256 of a run row's values (as JSON; floats written exactly)."""
    return hashlib.sha256(json.dumps(table.to_pylist(), sort_keys=True, default=str).encode()).hexdigest()


def _bytes_digest(contents: bytes) -> str:
    return hashlib.sha256(contents).hexdigest()


TABLES = "tables"


def _companions(directory: Path, key: str) -> dict[str, Path]:
    return {"series": directory / "series" / f"{key}.parquet", "artifacts": directory / "artifacts" / f"{key}.npz"}


def _table_path(directory: Path, name: str, key: str) -> Path:
    return directory / TABLES / name / f"{key}.parquet"


def _parquet_bytes(key: str, columns: dict[str, np.ndarray]) -> bytes:
    """A table of ``columns`` with the run's key as its first column, as Parquet bytes."""
    length = len(next(iter(columns.values()))) if columns else 0
    table = pa.table({"key": pa.array([key] * length, pa.string()),
                      **{name: pa.array(column) for name, column in columns.items()}})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def write_result(directory: str | Path, result: Result, key: str | None = None) -> str:
    """Store one finished run atomically, its checksums in its run file; return its key."""
    directory = Path(directory)
    key = key or run_key(result.params, result.seed)
    digests: dict[str, Any] = {"series": "", "artifacts": ""}
    if result.series:
        contents = _parquet_bytes(key, result.series)
        digests["series"] = _bytes_digest(contents)
        write_atomically(_companions(directory, key)["series"], lambda p: p.write_bytes(contents))
    if result.tables:
        digests[TABLES] = {}
        for name, columns in result.tables.items():
            table_bytes = _parquet_bytes(key, columns)
            digests[TABLES][name] = _bytes_digest(table_bytes)
            write_atomically(_table_path(directory, name, key), lambda p, b=table_bytes: p.write_bytes(b))
    if result.artifacts:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **result.artifacts)
        digests["artifacts"] = _bytes_digest(buffer.getvalue())
        write_atomically(_companions(directory, key)["artifacts"], lambda p: p.write_bytes(buffer.getvalue()))
    row = run_row(result, key)
    digests["row"] = _row_digest(row)
    row = row.replace_schema_metadata({CHECKSUMS: json.dumps(digests, sort_keys=True)})
    write_atomically(directory / "runs" / f"{key}.parquet", lambda p: pq.write_table(row, p))
    return key


def damage(directory: str | Path, key: str) -> str | None:
    """Why the stored run ``key`` cannot be trusted (unreadable, altered, a file missing or
    altered), or None when it checks out (or predates checksums)."""
    directory = Path(directory)
    path = directory / "runs" / f"{key}.parquet"
    try:
        table = pq.read_table(path)
    except Exception as error:  # noqa: BLE001 - truncated, emptied, not Parquet: all one verdict
        return f"run file unreadable ({type(error).__name__})"
    metadata = table.schema.metadata or {}
    if CHECKSUMS not in metadata:
        return None  # written before checksums: read as before
    digests = json.loads(metadata[CHECKSUMS])
    if _row_digest(table.replace_schema_metadata(None)) != digests["row"]:
        return "run file altered (checksum differs)"
    for name, companion in _companions(directory, key).items():
        if not digests[name]:
            continue
        if not companion.is_file():
            return f"{name} file missing"
        if _bytes_digest(companion.read_bytes()) != digests[name]:
            return f"{name} file altered (checksum differs)"
    for name, digest in digests.get(TABLES, {}).items():
        path = _table_path(directory, name, key)
        if not path.is_file():
            return f"table {name} file missing"
        if _bytes_digest(path.read_bytes()) != digest:
            return f"table {name} file altered (checksum differs)"
    return None


def _table_files(directory: Path, key: str | None = None) -> list[Path]:
    """The tables files of run ``key`` (of every run when None)."""
    if not (directory / TABLES).is_dir():
        return []
    return sorted((directory / TABLES).glob(f"*/{key}.parquet" if key else "*/[!.]*"))


def _damaged_place(directory: Path, path: Path) -> Path:
    """Where ``path`` of the store goes when set aside: DIR/damaged/ and its place in the store."""
    return directory / DAMAGED / path.relative_to(directory)


def set_aside(directory: str | Path, key: str) -> list[Path]:
    """Move a run's files into DIR/damaged/ (never deleting anything); return where they went."""
    directory = Path(directory)
    moved = []
    for path in [directory / "runs" / f"{key}.parquet", *_companions(directory, key).values(),
                 *_table_files(directory, key)]:
        if path.exists():
            target = _damaged_place(directory, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            moved.append(target)
    return moved


def stored_keys(directory: str | Path) -> set[str]:
    """Keys of every finished run in the store."""
    runs = Path(directory) / "runs"
    if not runs.is_dir():
        return set()
    return {p.stem for p in runs.glob("*.parquet") if not p.name.startswith(TEMPORARY_PREFIX)}


def stale_partial_files(directory: str | Path) -> list[Path]:
    """Temporary files whose writer has stopped (a killed sweep's); a live writer's, such as a
    second sweep's into the same store, are in flight and not listed."""
    directory = Path(directory)
    found = [*directory.glob(f"*/{TEMPORARY_PREFIX}*"), *directory.glob(f"{TABLES}/*/{TEMPORARY_PREFIX}*")]
    return sorted(path for path in found if not writer_alive(path))


def remove_partial_files(directory: str | Path) -> int:
    """Delete the temporary files that stopped writers left behind; return how many."""
    stale = stale_partial_files(directory)
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


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
    """A DuckDB connection with views ``runs`` and ``series``, and one per table name, over the
    store at ``directory``."""
    import duckdb

    directory = Path(directory)
    connection = duckdb.connect()
    keys = sorted(key for key in stored_keys(directory) if damage(directory, key) is None)
    tables = sorted({path.parent.name for path in _table_files(directory)} - {"runs", "series"})
    folders = {"runs": directory / "runs", "series": directory / "series",
               **{name: directory / TABLES / name for name in tables if name.isidentifier()}}
    for view, folder in folders.items():
        files = [folder / f"{key}.parquet" for key in keys]
        files = [str(path).replace("'", "''") for path in files if path.is_file()]
        if files:
            listed = ", ".join(f"'{path}'" for path in files)
            connection.execute(
                f"CREATE VIEW {view} AS SELECT * FROM read_parquet([{listed}], union_by_name = true)"
            )
        else:
            connection.execute(f"CREATE VIEW {view} AS SELECT NULL::VARCHAR AS key WHERE false")
    return connection


@dataclass
class StoreCheck:
    """What ``check`` found: damaged runs (key -> why), orphaned series/artifacts files (no run
    file), partial files a killed writer left, and runs too old to carry checksums."""

    runs: int = 0
    damaged: dict[str, str] = field(default_factory=dict)
    orphans: list[Path] = field(default_factory=list)
    partial: list[Path] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.damaged or self.orphans or self.partial)


def check(directory: str | Path) -> StoreCheck:
    """Verify every run of the store at ``directory`` (reads everything; changes nothing)."""
    directory = Path(directory)
    keys = stored_keys(directory)
    found = StoreCheck(runs=len(keys))
    for key in sorted(keys):
        reason = damage(directory, key)
        if reason:
            found.damaged[key] = reason
    for folder in ("series", "artifacts"):
        for path in sorted((directory / folder).glob("[!.]*")) if (directory / folder).is_dir() else []:
            if path.stem not in keys:
                found.orphans.append(path)
    found.orphans += [path for path in _table_files(directory)
                      if path.stem not in keys and not path.name.startswith(TEMPORARY_PREFIX)]
    found.partial = stale_partial_files(directory)
    return found


def repair(directory: str | Path) -> StoreCheck:
    """Set aside (into DIR/damaged/) every damaged run's files, orphaned files and partial files,
    deleting nothing; a sweep then runs the damaged runs again. Returns what was found."""
    directory = Path(directory)
    found = check(directory)
    for key in found.damaged:
        set_aside(directory, key)
    for path in found.orphans + found.partial:
        target = _damaged_place(directory, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    return found


def read_params(row_json: str, params_cls: type[Params]) -> Params:
    """The parameters of a stored run, rebuilt from its ``params_json`` column."""
    return params_cls(**json.loads(row_json))


__all__ = ["open", "write_result", "stored_keys", "load_artifacts", "load_series", "remove_partial_files",
           "stale_partial_files", "damage",
           "set_aside", "check", "repair"]
