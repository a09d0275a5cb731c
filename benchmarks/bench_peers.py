"""polislab beside the libraries a researcher would otherwise use (issue 28), measured in one run:
each comparison times the same computation on both sides, alternating them ``REPEATS`` times, and
prints the medians and their ratio. One core (run under NUMBA_NUM_THREADS=1).

- imitation dynamics on a static random-regular network (N = 1000, k = 30, prisoner's dilemma
  T = 2, S = -1, beta = 0.005, asynchronous pairwise comparison, 50,000 updates, before either
  side's population absorbs: past absorption EGTtools goes on with updates that change nothing,
  while ours stops): EGTtools' ``NetworkEvolver`` against ``coevolution`` with w = 0;
- the voter model on a random-regular network (k = 10; one update: a random agent copies a
  random neighbour) at N = 10^3 (10 and 1000 sweeps) and 10^5 (10 sweeps), written as Mesa's
  documentation writes a network model (Agent, Model, NetworkGrid), against ``opinion`` with
  ``dynamics=voter``; at 10 sweeps of N = 10^3 our run is mostly its setting up;
- the largest N each side runs 10 sweeps of that voter model at, in under a minute and 8 GB,
  whole (graph building included on both sides), each size in a fresh process, sizes rising in
  1-2-5 steps until one fails;
- iterated prisoner's dilemma play: an Axelrod match between two Q-learning players against
  ``trade`` encounters of two Q-learners with one-step memory (both: two learners, one game a
  turn, a table update a turn; Axelrod's learner keys its table on the opponent's last three
  moves and reads its scores through a general match engine, ours on the last game).

Our side is timed whole (graph building included, on a warm compile cache); the peers' graph is
built before their clock starts. Peers come with ``pip install -e ".[peers]"`` (after
``torch==2.13.0``: Axelrod depends on torch); a peer not installed is skipped with a line.

    NUMBA_NUM_THREADS=1 python benchmarks/bench_peers.py
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import networkx as nx
import numpy as np

from polislab import get_model

REPEATS = 5


def alternate(ours: Callable[[], float], theirs: Callable[[], float], repeats: int = REPEATS) -> tuple[float, float]:
    """Median rates (work per second) of the two sides, timed in alternation."""
    a, b = [], []
    for _ in range(repeats):
        a.append(ours())
        b.append(theirs())
    return statistics.median(a), statistics.median(b)


def timed(work: Callable[[], float]) -> float:
    """``work`` returns how much it did; the rate is that over the seconds it took."""
    start = time.perf_counter()
    done = work()
    return done / (time.perf_counter() - start)


def version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def row(what: str, unit: str, ours: float, theirs: float, peer: str) -> None:
    print(f"{what:58s} {ours:12.3g} {theirs:12.3g} {ours / theirs:8.0f}x   {unit}; peer: {peer}")


def egttools_imitation() -> None:
    if version("egttools") is None:
        print("EGTtools not installed: skipped (pip install -e '.[peers]')")
        return
    from egttools.games import NormalFormNetworkGame
    from egttools.numerical import NetworkEvolver
    from egttools.numerical.structure import Network

    n, k, updates = 1000, 30, 50_000  # ours absorbs into all defectors after about 80,000
    graph = nx.random_regular_graph(k, n, seed=1)
    neighbours = {v: list(graph.neighbors(v)) for v in graph}
    payoff = np.array([[1.0, -1.0], [2.0, 0.0]])  # row: the focal player's strategy (C, D)
    spec = get_model("coevolution")
    params = spec.make_params({"n": n, "k": k, "w": 0.0, "steps": updates, "beta": 0.005})
    spec.simulate(params.model_copy(update={"steps": 1000}), 0)  # compile

    def ours() -> float:
        return spec.simulate(params, 1).metrics["steps_run"]

    def theirs() -> float:
        network = Network(2, 0.005, 0.0, neighbours, NormalFormNetworkGame(1, payoff), 1000)
        network.initialize()
        return timed(lambda: (NetworkEvolver.evolve(updates, network), updates)[1])

    a, b = alternate(lambda: timed(ours), theirs)
    row(f"imitation, N = {n}, k = {k} (EGTtools {version('egttools')})", "updates/s", a, b, "NetworkEvolver")


def mesa_voter_model():
    """The voter model as Mesa's documentation writes a network model (Agent, Model, NetworkGrid)."""
    import mesa

    class Voter(mesa.Agent):
        def __init__(self, model, opinion):
            super().__init__(model)
            self.opinion = opinion

    class VoterModel(mesa.Model):
        def __init__(self, graph, seed):
            super().__init__(seed=seed)
            self.grid = mesa.space.NetworkGrid(graph)
            for node in graph.nodes:
                voter = Voter(self, self.random.random() < 0.5)
                self.grid.place_agent(voter, node)
            self.voters = list(self.agents)

        def step(self):  # one update
            voter = self.random.choice(self.voters)
            neighbours = self.grid.get_neighbors(voter.pos, include_center=False)
            voter.opinion = self.random.choice(neighbours).opinion

    return VoterModel


def voter_params(n: int, sweeps: int):
    return get_model("opinion").make_params({"n": n, "graph": "random-regular", "k": 10, "dynamics": "voter",
                                             "updates": sweeps * n, "records": 2})


def mesa_voter(n: int, sweeps: int = 10) -> None:
    if version("mesa") is None:
        print("Mesa not installed: skipped (pip install -e '.[peers]')")
        return
    VoterModel = mesa_voter_model()
    graph = nx.random_regular_graph(10, n, seed=1)
    spec = get_model("opinion")
    params = voter_params(n, sweeps)
    spec.simulate(params.model_copy(update={"updates": 1000}), 0)

    def ours() -> float:
        return spec.simulate(params, 1).metrics["updates_run"]

    def theirs() -> float:
        model = VoterModel(graph, 1)

        def run() -> float:
            for _ in range(sweeps * n):
                model.step()
            return sweeps * n
        return timed(run)

    a, b = alternate(lambda: timed(ours), theirs, repeats=REPEATS if n <= 10_000 else 2)
    row(f"voter model, N = {n:,}, k = 10, {sweeps} sweeps (Mesa {version('mesa')})", "updates/s", a, b,
        "Agent + Model + NetworkGrid")


def axelrod_play(turns: int = 20_000) -> None:
    if version("axelrod") is None:
        print("Axelrod not installed: skipped (pip install -e '.[peers]', after torch==2.13.0)")
        return
    import axelrod

    spec = get_model("trade")
    params = spec.make_params({"agents": 2, "memory": "partner", "encounters": 2_000_000})
    spec.simulate(params.model_copy(update={"encounters": 1000}), 0)

    def ours() -> float:
        return spec.simulate(params, 1).metrics["encounters_run"]

    def theirs() -> float:
        match = axelrod.Match((axelrod.RiskyQLearner(), axelrod.RiskyQLearner()), turns=turns, seed=1)
        return timed(lambda: (match.play(), turns)[1])

    a, b = alternate(lambda: timed(ours), theirs)
    row(f"iterated PD, two Q-learners (Axelrod {version('axelrod')})", "turns/s", a, b,
        "Match of two RiskyQLearner")


LIMIT_SECONDS, LIMIT_GIB = 60.0, 8.0
SIZES = {"polislab": [10**5, 2 * 10**5, 5 * 10**5, 10**6, 2 * 10**6, 5 * 10**6, 10**7, 2 * 10**7, 5 * 10**7],
         "mesa": [10**4, 2 * 10**4, 5 * 10**4, 10**5, 2 * 10**5, 5 * 10**5, 10**6]}


def voter_run(side: str, n: int) -> None:
    """One whole run of 10 sweeps of the voter model at N = n, k = 10 (graph built on the clock,
    on both sides), in this process: prints its seconds and peak memory as JSON."""
    if side == "polislab":
        spec = get_model("opinion")
        spec.simulate(voter_params(1000, 1), 0)  # compiled before the clock
        start = time.perf_counter()
        spec.simulate(voter_params(n, 10), 1)
    else:
        VoterModel = mesa_voter_model()
        start = time.perf_counter()
        model = VoterModel(nx.random_regular_graph(10, n, seed=1), 1)
        for _ in range(10 * n):
            model.step()
    print(json.dumps({"seconds": time.perf_counter() - start,
                      "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))


def largest_voter(side: str) -> tuple[int, float, float] | None:
    """The largest N of ``SIZES[side]`` (rising) whose whole run of 10 sweeps finishes within
    LIMIT_SECONDS and LIMIT_GIB, each size in a fresh process (its own peak memory), stopping at
    the first that does not: (N, its seconds, its GiB), or None if even the first fails."""
    best = None
    for n in SIZES[side]:
        try:
            done = subprocess.run([sys.executable, __file__, "--voter-run", side, str(n)], capture_output=True,
                                  text=True, timeout=LIMIT_SECONDS + 30, check=True)
        except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
            break
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        if measured["seconds"] > LIMIT_SECONDS or measured["peak_gib"] > LIMIT_GIB:
            break
        best = (n, measured["seconds"], measured["peak_gib"])
    return best


def largest_in_a_minute() -> None:
    if version("mesa") is None:
        print("Mesa not installed: the largest-N row skipped (pip install -e '.[peers]')")
        return
    ours, theirs = largest_voter("polislab"), largest_voter("mesa")
    if ours is None or theirs is None:
        print("largest N: a side failed its smallest size")
        return
    print(f"{'voter model, largest N in a minute and 8 GB (10 sweeps, k = 10)':58s} {ours[0]:12,d} {theirs[0]:12,d} "
          f"{ours[0] / theirs[0]:8.0f}x   agents (tried {', '.join(f'{n:.0e}' for n in SIZES['polislab'])} and "
          f"{', '.join(f'{n:.0e}' for n in SIZES['mesa'])}); ours {ours[1]:.0f} s, {ours[2]:.1f} GiB; "
          f"Mesa {theirs[1]:.0f} s, {theirs[2]:.1f} GiB")


def main() -> None:
    print(f"polislab {version('polislab')}, Python {platform.python_version()}, {platform.machine()}; "
          f"medians of {REPEATS} alternating runs, one core")
    print(f"{'computation':58s} {'polislab':>12s} {'peer':>12s} {'ratio':>9s}")
    egttools_imitation()
    mesa_voter(1000)
    mesa_voter(1000, sweeps=1000)
    mesa_voter(100_000)
    axelrod_play()
    largest_in_a_minute()
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--voter-run":
        voter_run(sys.argv[2], int(sys.argv[3]))
    else:
        main()
