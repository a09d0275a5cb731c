"""Claims: sweeps that share a store on one machine compute each run once.

Before a sweep computes a run it claims the run's key by creating ``DIR/claims/<key>`` exclusively
(a hard link, which fails if the name exists), holding its host name and process id. Another sweep that finds the claim leaves the
run to its owner and waits for the run file to appear; if the owner has stopped (no process of that
id on this host), the claim is stale and is taken over. A claim is removed once its run is stored.

A claim made on another host cannot be checked there, so it is not honoured: the run is computed
again, harmlessly (run files are written whole, and the same run gives the same file). A stale
claim taken over by two sweeps at the same instant can also leave one run computed twice.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from pathlib import Path

from polislab.core.files import process_alive

CLAIMS = "claims"


def _path(directory: Path, key: str) -> Path:
    return Path(directory) / CLAIMS / key


def _mine() -> str:
    return f"{socket.gethostname()} {os.getpid()}"


def _held_by_another(path: Path) -> bool:
    """Whether the claim at ``path`` belongs to another live process on this host."""
    host, pid = _owner(path)
    if host is None or f"{host} {pid}" == _mine():
        return False
    return host == socket.gethostname() and pid.isdigit() and process_alive(int(pid))


def claim(directory: Path, key: str) -> bool:
    """Claim ``key`` for this process: True when this process may compute the run (its claim, or
    one it cannot check), False when a live process on this host holds it. The claim appears
    whole: written to a file of this process, then hard-linked to its name, which fails if the
    name exists."""
    path = _path(directory, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = path.with_name(f".{key}-{os.getpid()}")
    mine.write_text(_mine() + "\n")
    try:
        for _ in range(2):
            try:
                os.link(mine, path)
                return True
            except FileExistsError:
                if _held_by_another(path):
                    return False
                host = _owner(path)[0]
                if host is not None and host != socket.gethostname():
                    return True  # another host's claim: not checkable, computed here too
                if host is not None and _owner(path) == (socket.gethostname(), str(os.getpid())):
                    return True  # ours already
                path.unlink(missing_ok=True)  # stale: its owner stopped
        return False
    finally:
        mine.unlink(missing_ok=True)


def _owner(path: Path) -> tuple[str | None, str | None]:
    try:
        host, _, pid = path.read_text().strip().rpartition(" ")
    except (FileNotFoundError, UnicodeDecodeError):
        return None, None
    return host, pid


def release(directory: Path, keys: Iterable[str]) -> None:
    """Remove this process's claims on ``keys`` (others' are left alone)."""
    for key in keys:
        path = _path(directory, key)
        try:
            if path.read_text().strip() == _mine():
                path.unlink()
        except FileNotFoundError:
            pass
