"""The machine a run happens on: its cores and memory (for the report's header and for refusing
sizes the machine cannot hold)."""

from __future__ import annotations

import os
import platform


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
