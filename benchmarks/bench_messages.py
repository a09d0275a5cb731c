"""The message-passing engine (seed 001, section 1.1; issue 25): messages per second on one
core for a small handler (each delivery forwards the message to a random agent after a random
transit time in [0.5, 1.5)), against the number of messages in flight, and Python's heapq doing
the same. Goal (issue 25): tens of millions of messages per second for small handlers. Also the
trade world on the engine (``polislab.models.trade.messages``) against its fast kernel.

    python benchmarks/bench_messages.py
"""

from __future__ import annotations

import heapq
import random
import resource
import time

import numpy as np
from numba import njit

from polislab.core.messages import Engine, random_unit, send
from polislab.models.trade import messages as trade_messages
from polislab.models.trade.model import simulate as trade_kernel
from polislab.models.trade.params import TradeParams


@njit
def forward(state, queue, now, agent, channel, kind, a, b, x):
    counts = state[0]
    counts[agent] += 1
    other = int(random_unit(queue) * counts.shape[0])
    send(queue, now + 0.5 + random_unit(queue), other, agent, kind, a + 1)


def python_heap(agents: int, in_flight: int, messages: int) -> float:
    rng = random.Random(0)
    heap = [(rng.random(), rng.getrandbits(64), rng.randrange(agents), 0) for _ in range(in_flight)]
    heapq.heapify(heap)
    counts = [0] * agents
    start = time.perf_counter()
    for _ in range(messages):
        now, _, agent, hops = heapq.heappop(heap)
        counts[agent] += 1
        heapq.heappush(heap, (now + 0.5 + rng.random(), rng.getrandbits(64), rng.randrange(agents), hops + 1))
    return messages / (time.perf_counter() - start)


def engine_rate(agents: int, in_flight: int, messages: int) -> float:
    engine = Engine((forward,), np.zeros(agents), seed=0, capacity=2 * in_flight)
    rng = np.random.default_rng(0)
    for agent, time_ in zip(rng.integers(agents, size=in_flight), rng.random(in_flight)):
        engine.post(time_, agent, 0, 0)
    state = (np.zeros(agents, dtype=np.int64),)
    engine.run(state, limit=1000)  # compile
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        engine.run(state, limit=messages)
        best = max(best, messages / (time.perf_counter() - start))
    return best


def main() -> None:
    agents = 10_000
    print(f"{'agents':>7s} {'in flight':>10s} {'messages/s':>12s}")
    for in_flight in (1, 100, 10_000, 1_000_000):
        print(f"{agents:7d} {in_flight:10d} {engine_rate(agents, in_flight, 5_000_000):12.3g}")
    print(f"Python heapq, 10,000 in flight: {python_heap(agents, 10_000, 500_000):.3g} messages/s")
    params = TradeParams(agents=100, memory="partner", encounters=2_000_000)
    trade_messages.simulate(params.model_copy(update={"encounters": 1000}), 0)
    trade_kernel(params.model_copy(update={"encounters": 1000}), 0)
    start = time.perf_counter()
    delivered = trade_messages.simulate(params, 0)["messages"]
    engine_seconds = time.perf_counter() - start
    start = time.perf_counter()
    trade_kernel(params, 0)
    kernel_seconds = time.perf_counter() - start
    print(f"trade, 100 agents, partner memory: on the engine {params.encounters / engine_seconds:.3g} encounters/s "
          f"({delivered / engine_seconds:.3g} messages/s), fast kernel {params.encounters / kernel_seconds:.3g} "
          "encounters/s")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
