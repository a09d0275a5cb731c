"""Agents as message passers (seed 001, section 1.1): an event queue any model may run on.

The formalism: each agent has channels; any agent holding a channel's id may send a message down
it; on receipt of message m in channel c an agent in state psi acts by P(a | m, c, psi): it
updates its state and/or sends messages that arrive after a transit time. Collective wellbeing is
Omega = sum over agents of W(psi) (``collective_wellbeing``).

Here an agent is a row of the model's own arrays (its state), and its behaviour a numba function
per agent type, the handler::

    handler(state, queue, now, agent, channel, kind, a, b, x)

called on each delivery: ``state`` is the model's tuple of arrays, ``agent`` the receiver,
``channel`` the channel it arrived in, and ``kind, a, b, x`` the message (three integers and a
number: a typed record in flat buffers, no Python objects). A handler sends with
``send(queue, now + delay, agent, channel, kind, a, b, x)`` and draws random numbers with
``random_word(queue)`` / ``random_unit(queue)`` from the queue's stream, so a run is a function of
its seed alone.

Messages are delivered in order of delivery time; messages due at the same time in an order drawn
from the seeded stream when they were sent (each carries a random 64-bit key), so ties never
depend on the order in which handlers happened to send. The queue is a binary heap of (time, key,
slot) over slots of message records, with a free list: pushing and popping cost log(pending).

``compile_engine(handlers)`` builds the delivery loop for a tuple of handlers, one per agent
type (``types[agent]`` picks it), with the handlers called directly (compile-time constants, one
loop per variant). ``Engine`` holds a queue in Python, grows it when it fills, and runs the loop.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numba import int64, njit, uint64

from polislab.core.rng import new_state, next_u64, to_unit

# columns of the integer part of a message record
AGENT, CHANNEL, KIND, A, B = 0, 1, 2, 3, 4
# counters: pending messages, free slots on the stack, messages ever sent, messages delivered
PENDING, FREE_TOP, SENT, DELIVERED = 0, 1, 2, 3
_HIGH = np.uint64(0xFFFFFFFF00000000)
_LOW = np.uint64(0xFFFFFFFF)




def new_queue(capacity: int, seed: int) -> tuple:
    """An empty queue: (heap, the heap seen as float64, record integers, record numbers, free
    slots, counters, random stream). A heap entry is two words: the delivery time (a non-negative
    float64 orders as its bits do, so entries compare as two unsigned words) and a random 32-bit
    key above the record's 32-bit slot."""
    heap = np.zeros((capacity, 2), dtype=np.uint64)
    return (heap, heap.view(np.float64), np.zeros((capacity, 5), dtype=np.int64), np.zeros(capacity),
            np.arange(capacity, dtype=np.int64)[::-1].copy(), np.array([0, capacity, 0, 0], dtype=np.int64),
            new_state(seed))


@njit(inline="always")
def random_word(queue):
    """A random 64-bit word from the queue's stream."""
    return next_u64(queue[6])


@njit(inline="always")
def random_unit(queue):
    """A random float in [0, 1) from the queue's stream."""
    return to_unit(next_u64(queue[6]))


@njit(inline="always")
def _before(heap, i, j):
    return heap[i, 0] < heap[j, 0] or (heap[i, 0] == heap[j, 0] and heap[i, 1] < heap[j, 1])


@njit(inline="always")
def _swap(heap, i, j):
    heap[i, 0], heap[j, 0] = heap[j, 0], heap[i, 0]
    heap[i, 1], heap[j, 1] = heap[j, 1], heap[i, 1]


@njit(inline="always")
def send(queue, time, agent, channel, kind, a=0, b=0, x=0.0):
    """Post a message due at ``time`` (>= 0: handlers send at ``now + delay``, delay >= 0);
    returns False (and posts nothing) when the queue is full."""
    heap, ints, floats, free, counters = queue[0], queue[2], queue[3], queue[4], queue[5]
    if counters[FREE_TOP] == 0:
        return False
    counters[FREE_TOP] -= 1
    slot = free[counters[FREE_TOP]]
    ints[slot, AGENT], ints[slot, CHANNEL], ints[slot, KIND], ints[slot, A], ints[slot, B] = agent, channel, kind, a, b
    floats[slot] = x
    i = counters[PENDING]
    counters[PENDING] = i + 1
    counters[SENT] += 1
    queue[1][i, 0] = time
    heap[i, 1] = (next_u64(queue[6]) & _HIGH) | uint64(slot)
    while i > 0:  # sift up
        parent = (i - 1) >> 1
        if not _before(heap, i, parent):
            break
        _swap(heap, i, parent)
        i = parent
    return True


@njit(inline="always")
def _pop(queue):
    """Remove the earliest message; return (time, slot); the slot goes back on the free list."""
    heap, free, counters = queue[0], queue[4], queue[5]
    time, slot = queue[1][0, 0], int64(heap[0, 1] & _LOW)
    last = counters[PENDING] - 1
    counters[PENDING] = last
    heap[0, 0], heap[0, 1] = heap[last, 0], heap[last, 1]
    i = 0
    while True:  # sift down
        left = 2 * i + 1
        if left >= last:
            break
        child = left
        if left + 1 < last and _before(heap, left + 1, left):
            child = left + 1
        if not _before(heap, child, i):
            break
        _swap(heap, i, child)
        i = child
    free[counters[FREE_TOP]] = slot
    counters[FREE_TOP] += 1
    return time, slot


def _dispatcher(handlers: tuple) -> Callable:
    """One compiled function that calls ``handlers[kind]``: a chain of closures, so each call is
    direct (no function pointers)."""
    first = handlers[0]
    if len(handlers) == 1:
        @njit(inline="always")
        def only(which, state, queue, now, agent, channel, kind, a, b, x):
            first(state, queue, now, agent, channel, kind, a, b, x)
        return only
    rest = _dispatcher(handlers[1:])

    @njit(inline="always")
    def chain(which, state, queue, now, agent, channel, kind, a, b, x):
        if which == 0:
            first(state, queue, now, agent, channel, kind, a, b, x)
        else:
            rest(which - 1, state, queue, now, agent, channel, kind, a, b, x)
    return chain


def compile_engine(handlers: tuple) -> Callable:
    """The delivery loop for these handlers (one per agent type):
    ``run(state, types, queue, until, limit, headroom) -> delivered`` delivers messages due before
    ``until``, at most ``limit``, and stops early (for the caller to grow the queue) when fewer
    than ``headroom`` slots are free."""
    dispatch = _dispatcher(tuple(handlers))

    @njit(_nrt=False)
    def run(state, types, queue, until, limit, headroom):
        counters, ints, floats = queue[5], queue[2], queue[3]
        delivered = 0
        while counters[PENDING] > 0 and delivered < limit and counters[FREE_TOP] >= headroom:
            if queue[1][0, 0] >= until:
                break
            now, slot = _pop(queue)
            agent = ints[slot, AGENT]
            dispatch(types[agent], state, queue, now, agent, ints[slot, CHANNEL], ints[slot, KIND], ints[slot, A],
                     ints[slot, B], floats[slot])
            delivered += 1
        counters[DELIVERED] += delivered
        return delivered

    return run


class Engine:
    """A message queue and the loop compiled for a model's handlers.

    ``post`` sends the first messages from Python; ``run(state, until)`` delivers everything due
    before ``until`` (or ``limit`` messages), doubling the queue whenever fewer than ``headroom``
    slots are free (``headroom``: the most messages one delivery sends). Same seed, same handlers,
    same first messages: the same deliveries in the same order.
    """

    _compiled: dict[tuple, Callable] = {}

    def __init__(self, handlers: tuple | list, types: np.ndarray, seed: int, capacity: int = 1024,
                 headroom: int = 16):
        key = tuple(handlers)
        if key not in Engine._compiled:
            Engine._compiled[key] = compile_engine(key)
        self._run = Engine._compiled[key]
        self.types = np.ascontiguousarray(types, dtype=np.int64)
        self.headroom = headroom
        self.queue = new_queue(max(capacity, 2 * headroom), seed)

    @property
    def pending(self) -> int:
        return int(self.queue[5][PENDING])

    @property
    def delivered(self) -> int:
        return int(self.queue[5][DELIVERED])

    @property
    def sent(self) -> int:
        return int(self.queue[5][SENT])

    def post(self, time: float, agent: int, channel: int, kind: int, a: int = 0, b: int = 0, x: float = 0.0) -> None:
        """Send a message from outside the agents (a first message, an exogenous event)."""
        if not time >= 0.0:
            raise ValueError(f"a message's delivery time must be a number >= 0, not {time}")
        if self.queue[5][FREE_TOP] == 0:
            self._grow()
        send(self.queue, float(time), int(agent), int(channel), int(kind), int(a), int(b), float(x))

    def _grow(self) -> None:
        heap, _, ints, floats, free, counters, rng = self.queue
        old = heap.shape[0]
        grown_free = np.empty(2 * old, dtype=np.int64)
        top = int(counters[FREE_TOP])
        grown_free[:top] = free[:top]
        grown_free[top:top + old] = np.arange(2 * old - 1, old - 1, -1)
        counters[FREE_TOP] = top + old
        grown_heap = np.concatenate([heap, np.zeros((old, 2), dtype=np.uint64)])
        self.queue = (grown_heap, grown_heap.view(np.float64), np.concatenate([ints, np.zeros((old, 5), dtype=np.int64)]),
                      np.concatenate([floats, np.zeros(old)]), grown_free, counters, rng)

    def run(self, state: tuple, until: float = np.inf, limit: int = 2**62) -> int:
        """Deliver the messages due before ``until`` (at most ``limit``); return how many."""
        delivered = 0
        while delivered < limit:
            done = self._run(state, self.types, self.queue, until, limit - delivered, self.headroom)
            delivered += done
            if self.queue[5][FREE_TOP] >= self.headroom:
                break
            self._grow()
        return delivered


def collective_wellbeing(wellbeing: np.ndarray) -> float:
    """Omega = sum over agents of W(psi) (seed 001, section 1.1)."""
    return float(np.sum(wellbeing))


__all__ = ["Engine", "compile_engine", "send", "random_word", "random_unit", "new_queue", "collective_wellbeing"]
