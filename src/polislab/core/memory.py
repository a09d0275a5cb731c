"""Keep freed memory in the process instead of handing it back to the system at once.

glibc's allocator serves large blocks (above a threshold of at most 32 MiB) with mmap, returns
them with munmap when freed and trims the top of its heap, so a loop that allocates and frees
the same large tensors every step page-faults its memory back in every time. The ranking
module's message passing at N = 500 (a gather of about 90 MB per GAT layer for 12 environments)
spent more system time than user time so: an evaluation of 20 episodes took 23 minutes of user
and 32 of system time. With heap-only allocation and a 1 GiB trim threshold, GAT decisions at
N = 500 (16 environments, ``benchmarks/bench_learned.py`` against ``--no-retain``) run at 240
instead of 82 per second; a process of 640 such decisions (``farm-bench``, 5 runs, medians)
takes 7.9 instead of 12.1 s wall, 1.0 instead of 5.0 s of system time, and peaks at 769 instead
of 656 MiB. Small graphs gain little: their blocks fit under glibc's thresholds.

``retain_freed_memory`` sets this for the whole process, so nothing calls it at import: the
``polislab`` command and its worker processes call it when they start, and Python callers may.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4  # glibc's mallopt parameters (malloc.h)
TRIM_ABOVE = 1 << 30  # bytes free at the top of the heap before it is returned to the system

_retained = False


def retain_freed_memory() -> bool:
    """Tune glibc's allocator to keep freed memory (see the module docstring); True when it is
    (now or already), False where the C library is not glibc, which is left as it is."""
    global _retained
    if _retained:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        glibc = hasattr(libc, "gnu_get_libc_version")
    except OSError:
        return False
    if glibc and libc.mallopt(M_MMAP_MAX, 0) == 1 and libc.mallopt(M_TRIM_THRESHOLD, TRIM_ABOVE) == 1:
        _retained = True
    return _retained
