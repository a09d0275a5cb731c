"""Many growable lists of int32 in one flat pool, for compiled kernels (DESIGN.md, the dynamic graph).

List ``l`` holds ``size[l]`` items at ``data[start[l] : start[l] + size[l], 0]``, each with a
payload in column 1 (the dynamic graph keeps a half-edge and the neighbour it points at side by
side, so neighbour scans read one contiguous run), with room for
``cap[l]``. Appending is O(1) amortized (a full list moves to the pool's end with twice the
room; a full pool is compacted in place); removing item i is O(1) (the last item takes its
place). The caller keeps each item's position if it needs O(1) removal by item.
``meta[0]`` is the first free slot of the pool.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def new_pool(lists: int, capacity: int):
    """Empty lists and a pool with room for ``capacity`` slots."""
    start = np.zeros(lists, dtype=np.int64)
    size = np.zeros(lists, dtype=np.int64)
    cap = np.zeros(lists, dtype=np.int64)
    data = np.full((max(capacity, 1), 2), -1, dtype=np.int32)
    meta = np.zeros(1, dtype=np.int64)
    return start, size, cap, data, meta


@njit(cache=True, _nrt=True)  # said, not inherited: kernels compiled with _nrt=False call it, and it allocates
def compact(start, size, cap, data, meta):
    """Move every list to the front of the pool, each with room for twice its items (an empty
    list gives up its room: pools of many mostly empty lists would
    otherwise fill up again at once and compact on nearly every append). Where that room would
    not fit in the pool, each list gets room for its items only, and the next append that
    needs more raises MemoryError."""
    order = np.argsort(start)
    wanted = 0
    for index in range(size.shape[0]):
        if size[index] > 0:
            wanted += max(4, 2 * size[index])
    spare = wanted <= data.shape[0]
    top = 0
    for index in order:
        if cap[index] == 0:
            continue
        if size[index] == 0:
            cap[index] = 0
            continue
        room = max(4, 2 * size[index]) if spare else size[index]
        old = start[index]
        for i in range(size[index]):
            data[top + i, 0] = data[old + i, 0]
            data[top + i, 1] = data[old + i, 1]
        start[index] = top
        cap[index] = room
        top += room
    meta[0] = top


@njit(inline="always")
def append(start, size, cap, data, meta, lst, item, payload):
    """Append ``item`` (with ``payload``) to list ``lst``; return its position in the list."""
    n = size[lst]
    if n == cap[lst]:
        room = max(4, 2 * cap[lst])
        if meta[0] + room > data.shape[0]:
            compact(start, size, cap, data, meta)
            room = max(4, 2 * cap[lst]) if n == cap[lst] else 0
        if room:
            if meta[0] + room > data.shape[0]:
                raise MemoryError("list pool exhausted")
            new = meta[0]
            old = start[lst]
            for i in range(n):
                data[new + i, 0] = data[old + i, 0]
                data[new + i, 1] = data[old + i, 1]
            start[lst] = new
            cap[lst] = room
            meta[0] = new + room
    data[start[lst] + n, 0] = item
    data[start[lst] + n, 1] = payload
    size[lst] = n + 1
    return n


@njit(inline="always")
def remove_at(start, size, data, lst, i):
    """Remove the item at position i of ``lst``; return the item moved into i (or -1)."""
    last = size[lst] - 1
    size[lst] = last
    if i == last:
        return -1
    moved = data[start[lst] + last, 0]
    data[start[lst] + i, 0] = moved
    data[start[lst] + i, 1] = data[start[lst] + last, 1]
    return moved


