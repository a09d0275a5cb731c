"""Writing files atomically: a run, a policy or a checkpoint is either whole on disk or absent; and
checking, before any work, that an output can be written at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from polislab.core.errors import UsageError

TEMPORARY_PREFIX = ".partial-"


def write_atomically(path: str | Path, write: Callable[[Path], object]) -> None:
    """``write(temporary)``, then rename the temporary file onto ``path`` (one filesystem step)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{TEMPORARY_PREFIX}{os.getpid()}-{path.name}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def writer_alive(path: Path) -> bool:
    """Whether the process that is writing the temporary file ``path`` (named
    ``.partial-<pid>-...``) still runs: a live writer's file is in flight, a dead one's is stale."""
    pid = path.name.removeprefix(TEMPORARY_PREFIX).split("-", 1)[0]
    return pid.isdigit() and process_alive(int(pid))


def process_alive(pid: int) -> bool:
    """Whether a process of this id runs on this machine (signal 0 checks without signalling)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True


def _nearest_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _probe(folder: Path, what: str, shown: Path) -> None:
    """Create and delete a file in ``folder``: the one test of writability that holds for root,
    read-only mounts and full quotas alike."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f"{TEMPORARY_PREFIX}{os.getpid()}-probe-"):
            pass
    except OSError as error:
        raise UsageError(f"{what} {shown}: cannot write in {folder} ({error.strerror or error}); "
                         "allowed: a path in a folder you can write") from None


def check_output_folder(path: str | Path, what: str) -> Path:
    """Before any work: ``path`` is a folder that exists or can be made, and can be written in;
    a one-line ``UsageError`` naming ``what`` (the option) otherwise."""
    path = Path(path)
    if str(path).strip() == "":
        raise UsageError(f"{what} is empty; allowed: a folder path")
    if path.exists() and not path.is_dir():
        raise UsageError(f"{what} {path} is a file; allowed: a folder (new or existing)")
    existing = _nearest_existing(path)
    if not existing.is_dir():
        raise UsageError(f"{what} {path}: {existing} is a file, so no folder can be made there")
    _probe(existing, what, path)
    return path


def check_output_file(path: str | Path, what: str, suffixes: Iterable[str] | None = None) -> Path:
    """Before any work: ``path`` names a file (with one of ``suffixes``, lower case with the dot,
    when given) whose folder exists or can be made, and can be written in."""
    path = Path(path)
    allowed = sorted(suffixes) if suffixes is not None else None
    if str(path).strip() == "" or path.is_dir():
        kind = f"a file ending in {', '.join(allowed)}" if allowed else "a file path"
        raise UsageError(f"{what} {path!s} is not a file name; allowed: {kind}")
    if allowed is not None and path.suffix.lower() not in allowed:
        raise UsageError(f"{what} {path}: unknown format '{path.suffix or '(none)'}'; allowed: {', '.join(allowed)}")
    existing = _nearest_existing(path.parent)
    if not existing.is_dir():
        raise UsageError(f"{what} {path}: {existing} is a file, so no folder can be made there")
    _probe(existing, what, path)
    return path
