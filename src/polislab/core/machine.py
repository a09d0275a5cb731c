"""The machine a run happens on: its cores and memory (for the report's header and for refusing
sizes the machine cannot hold)."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

from polislab.core.errors import UsageError

BASE_BYTES = 300 * 2**20  # the interpreter, numpy, numba and torch before a model allocates anything
USABLE_SHARE = 0.9  # of physical memory a run may plan to fill


@dataclass(frozen=True)
class MemoryNeed:
    """What a run will allocate, estimated from its parameters before it allocates anything:
    ``bytes``, the arrays that cost them (``what``) and how to need less (``advice``)."""

    bytes: int
    what: str
    advice: str


def check_memory(model: str, need: MemoryNeed | None) -> None:
    """A ``UsageError`` naming the need, the machine's memory and the way out when a run cannot
    fit; nothing when it can, or when the model gives no estimate or the system no memory size."""
    have = memory_bytes()
    if need is None or have is None or BASE_BYTES + need.bytes <= USABLE_SHARE * have:
        return
    raise UsageError(f"{model} needs about {(BASE_BYTES + need.bytes) / 2**30:,.1f} GiB for these parameters "
                     f"({need.what}); this machine has {have / 2**30:.1f} GiB; {need.advice}")


def cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def memory_bytes() -> int | None:
    """Physical memory, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def describe() -> str:
    """'2 cores, 23.4 GiB, Linux x86_64': one line for a report."""
    memory = memory_bytes()
    held = f", {memory / 2**30:.1f} GiB" if memory else ""
    return f"{cores()} cores{held}, {platform.system()} {platform.machine()}"


def replicates_that_fit(one: MemoryNeed | None, wanted: int) -> int:
    """How many of ``wanted`` replicates, each needing ``one``, fit in memory at once (at least 1:
    whether one fits is ``check_memory``'s to say)."""
    have = memory_bytes()
    if one is None or have is None or one.bytes <= 0:
        return wanted
    return max(1, min(wanted, int((USABLE_SHARE * have - BASE_BYTES) // one.bytes)))
