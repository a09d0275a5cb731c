"""Social reinforcement learning of opinions (seed 003; issue 7): polarisation that looks stable
and is metastable, and the link to the voter model.

Time is counted in agent updates (one update: one random agent expresses and learns; n updates
make one sweep). Consensus is the absorbing state of the original model: no link joins opposite
greedy opinions (Meylahn & Meylahn 2024 prove it is reached with probability one on a connected
graph). Metrics: the final share of +1, polarisation (the share of discordant links; the number
and sizes of same-opinion clusters), the time of first consensus (``censored`` when the time
limit came first), and for the ergodic variant how often consensus was left and the share of
time spent in it.
"""

from __future__ import annotations

import numpy as np

from polislab.core.errors import UsageError
from polislab.core.geometric import components, csr_from_graph, random_geometric
from polislab.core.graph import generate
from polislab.core.progress import Progress
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.core.rng import new_state
from polislab.core.seeding import derived_seed, rng
from polislab.models.opinion import kernels
from polislab.models.opinion.params import PRESETS, OpinionParams

CODES = {"learning": kernels.LEARNING, "voter": kernels.VOTER, "epsilon": kernels.EPSILON,
         "softmax": kernels.SOFTMAX, "greedy": kernels.GREEDY, "expressed": kernels.EXPRESSED}
DRAWS = 100  # random geometric graphs drawn before giving up on a connected one


def build_graph(params: OpinionParams, seed: int) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """(positions or None, offsets, neighbours) of the run's graph."""
    if params.graph != "random-geometric":
        offsets, neighbours = csr_from_graph(generate(params.graph, params.n, params.k, derived_seed(seed, 0)))
        return None, offsets, neighbours
    for draw in range(DRAWS):
        positions, offsets, neighbours = random_geometric(params.n, params.radius, derived_seed(seed, 0, draw))
        if not params.connected or components(offsets, neighbours, np.zeros(params.n, np.int8))[1] == 1:
            return positions, offsets, neighbours
    raise UsageError(f"radius = {params.radius} gave no connected graph of n = {params.n} in {DRAWS} draws; "
                     "allowed: a larger radius, or connected=no")


def initial_state(params: OpinionParams, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Q-values (n x 2; column 0 for opinion -1, column 1 for +1) uniform in [-q0, q0], and the
    greedy opinions; with ``initial_plus`` exactly round(share n) agents, placed at random, hold
    +1 (their two Q-values swapped where needed)."""
    generator = rng(seed, 1)
    q = generator.uniform(-params.initial_q, params.initial_q, size=(params.n, 2))
    if params.initial_plus is not None:
        plus = np.zeros(params.n, dtype=bool)
        plus[generator.permutation(params.n)[: int(round(params.initial_plus * params.n))]] = True
        wrong = plus != (q[:, 1] > q[:, 0])
        q[wrong] = q[wrong][:, ::-1]
        return q, plus.astype(np.int8)
    return q, (q[:, 1] > q[:, 0]).astype(np.int8)


def record_times(params: OpinionParams) -> np.ndarray:
    """Log-spaced record times from 1 to the limit, with the snapshot times."""
    times = np.geomspace(1, params.updates, params.records).astype(np.int64)
    return np.unique(np.concatenate([times, [params.updates], np.asarray(params.snapshots, dtype=np.int64)]))


def clusters(offsets: np.ndarray, neighbours: np.ndarray, opinion: np.ndarray) -> np.ndarray:
    """Sizes of the same-opinion clusters (connected components of the agreeing links)."""
    labels, _ = components(offsets, neighbours, opinion)
    return np.bincount(labels)


def outvoted_share(offsets: np.ndarray, neighbours: np.ndarray, opinion: np.ndarray) -> float:
    """The share of agents whose opinion fewer than half of their neighbours hold (0: every agent
    agrees with its neighbourhood's majority, the mark of local agreement)."""
    return float(np.mean(2 * kernels.disagreeing_neighbours(offsets, neighbours, opinion) > np.diff(offsets)))


class Dynamics:
    """The dynamics on a given graph and state, advanced in place a chunk at a time (``evolve``
    runs it between record times; the live view in chunks of its own). Agents and their
    neighbours are drawn from one random stream, exploration from another."""

    def __init__(self, params: OpinionParams, offsets: np.ndarray, neighbours: np.ndarray, q: np.ndarray,
                 opinion: np.ndarray, seed: int):
        self.params, self.offsets, self.neighbours, self.q, self.opinion = params, offsets, neighbours, q, opinion
        self.state, self.pair_state = new_state(derived_seed(seed, 2)), new_state(derived_seed(seed, 3))
        self.ring_i, self.ring_u = np.zeros(kernels.RING, dtype=np.int64), np.zeros(kernels.RING)
        self.counters = counters = np.zeros(6, dtype=np.int64)
        counters[kernels.PLUS] = int(opinion.sum())
        counters[kernels.DISCORDANT] = kernels.discordant_links(offsets, neighbours, opinion)
        counters[kernels.FIRST] = 0 if counters[kernels.DISCORDANT] == 0 else -1
        self.links = max(1, len(neighbours) // 2)
        self.variant = (CODES[params.dynamics], CODES[params.exploration], CODES[params.feedback], params.batch)
        self.t = 0
        self._sizes, self._sizes_at = np.zeros(0, dtype=np.int64), -1
        self.stopped = params.stop_at_consensus and counters[kernels.DISCORDANT] == 0

    def advance(self, updates: int) -> None:
        """Run ``updates`` more agent updates (fewer when consensus stops the run)."""
        if self.stopped or updates <= 0:
            return
        p = self.params
        self.t += kernels.run(*self.variant, int(updates), self.t, self.offsets, self.neighbours, self.q, self.opinion,
                              self.counters, self.state, self.pair_state, self.ring_i, self.ring_u,
                              p.learning_rate, p.epsilon, p.temperature, p.stop_at_consensus)
        self.stopped = p.stop_at_consensus and self.counters[kernels.DISCORDANT] == 0

    def values(self) -> dict[str, float]:
        """The current point of each series."""
        return {"plus_share": self.counters[kernels.PLUS] / self.params.n,
                "discordant_share": self.counters[kernels.DISCORDANT] / self.links,
                "outvoted_share": outvoted_share(self.offsets, self.neighbours, self.opinion),
                "clusters": len(self.cluster_sizes())}

    def cluster_sizes(self) -> np.ndarray:
        """The sizes of the same-opinion clusters now (kept until the next update: the last record
        and the final metrics ask at the same time, and at 10^7 agents each asking costs seconds)."""
        if self._sizes_at != self.t:
            self._sizes, self._sizes_at = clusters(self.offsets, self.neighbours, self.opinion), self.t
        return self._sizes


def evolve(params: OpinionParams, offsets: np.ndarray, neighbours: np.ndarray, q: np.ndarray,
           opinion: np.ndarray, seed: int, progress: Progress | None = None) -> dict:
    """Run the dynamics in place on a given graph and state; return counters, series, snapshots."""
    dynamics = Dynamics(params, offsets, neighbours, q, opinion, seed)
    snapshot_times = set(params.snapshots)
    series = {"step": [], "plus_share": [], "discordant_share": [], "outvoted_share": [], "clusters": []}
    snapshots, taken = [], []
    for target in record_times(params):
        if dynamics.stopped:
            break
        dynamics.advance(target - dynamics.t)
        series["step"].append(dynamics.t)
        for name, value in dynamics.values().items():
            series[name].append(value)
        if target in snapshot_times and not dynamics.stopped:
            snapshots.append(opinion.copy())
            taken.append(dynamics.t)
        if progress is not None:
            progress(dynamics.t, params.updates)
    t, counters = dynamics.t, dynamics.counters
    if counters[kernels.DISCORDANT] == 0 and counters[kernels.FIRST] >= 0:  # close the last stay in consensus
        counters[kernels.IN_CONSENSUS] += t - counters[kernels.ENTERED]
    return {"updates_run": t, "counters": counters, "series": {k: np.asarray(v) for k, v in series.items()},
            "snapshots": np.array(snapshots, dtype=np.int8).reshape(len(snapshots), params.n),
            "snapshot_times": np.array(taken, dtype=np.int64), "cluster_sizes": dynamics.cluster_sizes()}


def weighted_share(offsets: np.ndarray, opinion: np.ndarray) -> float:
    """The degree-weighted share of +1: the voter model's probability of ending at +1."""
    degree = np.diff(offsets)
    return float(degree[opinion == 1].sum() / max(1, degree.sum()))


@register("opinion", params=OpinionParams, presets=PRESETS,
          summary="social reinforcement learning of two opinions: metastable polarisation, voter model (seed 003)",
          smoke={"n": 40, "updates": 20_000, "records": 5, "snapshots": [10, 1000]})
def simulate(params: OpinionParams, seed: int, progress: Progress | None = None) -> Result:
    """Banisch & Olbrich's social feedback learners, as analysed by Meylahn & Meylahn (seed 003)."""
    positions, offsets, neighbours = build_graph(params, seed)
    q, opinion = initial_state(params, seed)
    initial = opinion.copy()
    out = evolve(params, offsets, neighbours, q, opinion, seed, progress)
    counters, ran = out["counters"], out["updates_run"]
    sizes = out["cluster_sizes"]
    first = int(counters[kernels.FIRST])
    consensus_now = counters[kernels.DISCORDANT] == 0
    metrics = {
        "plus_share": float(opinion.mean()),
        "discordant_share": float(counters[kernels.DISCORDANT] / max(1, len(neighbours) // 2)),
        "clusters": int(len(sizes)),
        "largest_cluster_share": float(sizes.max() / params.n),
        "consensus_time": first if first >= 0 else None,
        "consensus_sweeps": first / params.n if first >= 0 else None,
        "censored": first < 0,
        "consensus_opinion": (1 if opinion.all() else -1 if not opinion.any() else None) if consensus_now else None,
        "consensus_exits": int(counters[kernels.EXITS]),
        "time_in_consensus": float(counters[kernels.IN_CONSENSUS] / ran) if ran else 0.0,
        "updates_run": int(ran),
        "initial_plus_share": float(initial.mean()),
        "initial_plus_weighted": weighted_share(offsets, initial),
        "mean_degree": float(len(neighbours) / params.n),
    }
    artifacts = {"opinion": opinion, "initial_opinion": initial, "q": q, "cluster_sizes": sizes,
                 "snapshots": out["snapshots"], "snapshot_times": out["snapshot_times"]}
    if positions is not None:
        artifacts["positions"] = positions
    return Result(params, seed, metrics, out["series"], artifacts)
