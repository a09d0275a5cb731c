"""Coevolution model: the networked 2x2 game with recommender-chosen rewiring (seed 002,
sections 2-3; Santos, Pacheco & Lenaerts 2006), and competition between recommenders for users
(seed 002, section 5). ``simulate`` builds the graph, strategies and the users of each
recommender, runs the compiled kernel (pausing for Python recommenders), and measures.

Where the sources are silent: an Erdos-Renyi graph is redrawn (next stream of the same seed)
until no node is isolated, since an isolated node can neither play nor rewire.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from polislab.core.graph import DynamicGraph, adjacent, degree_variance, generate
from polislab.core.progress import Progress
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.core.rng import new_state
from polislab.core.seeding import derived_seed, rng
from polislab.models.coevolution import kernels, recommend
from polislab.models.coevolution import recommenders as rec
from polislab.models.coevolution.decision import observe
from polislab.models.coevolution.params import PRESETS, CoevolutionParams

GRAPH_REDRAWS = 100
MAX_EDGE_ARTIFACT = 2000  # keep the final links as an artifact up to this many nodes


@dataclass
class State:
    graph: DynamicGraph
    strategy: np.ndarray
    coop: np.ndarray
    recommender: np.ndarray
    slot: np.ndarray  # which recommender of the mixture each node uses
    slot_codes: np.ndarray
    slot_counts: np.ndarray
    slot_names: list
    group: np.ndarray  # the slot when recommenders are exclusive, else 0
    members: np.ndarray
    where: np.ndarray
    counts: np.ndarray
    adjacency: np.ndarray  # (n, words) bitmap up to recommend.DENSE_UP_TO nodes, else (1, 0)
    ranking: tuple  # the nodes sorted by degree (order, place, first) when a recommender needs them
    marks: np.ndarray
    ahead_nodes: np.ndarray  # the kernel's ring of draws made AHEAD steps in advance (kernels.run):
    ahead_units: np.ndarray  # nodes, the uniforms that pick their neighbours,
    ahead_coins: np.ndarray  # and each step's strategic-or-structural coin
    ahead_hints: np.ndarray  # (AHEAD, 2) int64: what the prefetcher found of each drawn node's sampled
    # link (its place in the list pool, then its far end); hints only, no result depends on them
    payoff: np.ndarray
    table: np.ndarray
    options: np.ndarray
    counters: np.ndarray
    pending: np.ndarray
    rng: np.ndarray
    python: list

    def kernel_arguments(self) -> tuple:
        return (self.rng, self.graph.arrays(), self.strategy, self.coop, self.recommender, self.slot,
                self.slot_codes, self.slot_counts, self.group, self.members, self.where, self.counts, self.adjacency,
                self.ranking, self.marks, self.ahead_nodes, self.ahead_units, self.ahead_coins, self.ahead_hints,
                self.payoff,
                self.table, self.options, self.counters, self.pending)

    def saved(self) -> dict:
        """Every field as plain data (arrays, numbers, names), for a checkpoint. Python
        recommenders are code, not data: a state that holds them cannot be saved."""
        if self.python:
            raise TypeError("a coevolution state with Python recommenders cannot be saved")
        fields = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        fields["graph"] = {field.name: getattr(self.graph, field.name) for field in dataclasses.fields(self.graph)}
        return fields

    @classmethod
    def from_saved(cls, fields: dict) -> State:
        """The state ``saved`` wrote."""
        fields = dict(fields, graph=DynamicGraph(**fields["graph"]), ranking=tuple(fields["ranking"]))
        fields.setdefault("ahead_hints", new_hints())  # saved before the hints were kept: they only guide prefetching
        return cls(**fields)

    def resolve(self, z: int) -> None:
        """Answer the kernel's pending decision with node z (-1 or an invalid node: none)."""
        kernels.resolve(z, self.rng, self.graph.arrays(), self.strategy, self.coop, self.group, self.adjacency,
                        self.members, self.counts, self.ranking, self.options, self.counters, self.pending)


class RecommenderView:
    """What a Python recommender sees: live strategies and degrees, neighbours, and a generator."""

    def __init__(self, state: State, generator: np.random.Generator):
        self.state = state
        self.rng = generator
        self.n = len(state.strategy)

    @property
    def strategy(self) -> np.ndarray:
        return self.state.strategy

    @property
    def degree(self) -> np.ndarray:
        return self.state.graph.degree

    @property
    def group(self) -> np.ndarray:
        """Each node's recommender group: an exclusive recommender offers only its own group."""
        return self.state.group

    def neighbours(self, node: int) -> np.ndarray:
        return self.state.graph.neighbours(node)

    def adjacent(self, u: int, v: int) -> bool:
        g = self.state.graph
        return bool(adjacent(g.start, g.degree, g.data, u, v))

    def observation(self, focus: int) -> dict:
        """The decision of ``focus`` as a learned policy sees it (``decision.observe``)."""
        return observe(self.state, focus)


def build_graph(params: CoevolutionParams, seed: int) -> DynamicGraph:
    for attempt in range(GRAPH_REDRAWS):
        graph = generate(params.graph, params.n, params.k, derived_seed(seed, 1, attempt), rewired=True)
        if params.graph != "erdos-renyi" or graph.degree.min() > 0:
            return graph
    return graph


def recommender_codes(names: list[str]) -> tuple[np.ndarray, list]:
    """The kernel code of each recommender; Python callables get codes from ``rec.PYTHON`` on."""
    codes, python = [], []
    for name in names:
        found = rec.resolve(name)
        if callable(found):
            codes.append(rec.PYTHON + len(python))
            python.append(found)
        else:
            codes.append(found)
    return np.array(codes, dtype=np.int16), python


def exact_counts(shares: list[float], n: int) -> np.ndarray:
    """round(share x n) per recommender, adding up to n (largest remainders get the rest)."""
    raw = np.asarray(shares) * n
    counts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def place_recommenders(params: CoevolutionParams, seed: int) -> tuple[np.ndarray, list[str]]:
    """Each node's slot in the mixture, the shares placed exactly and at random."""
    shares = params.recommender_shares()
    slots = np.repeat(np.arange(len(shares)), exact_counts(list(shares.values()), params.n))
    return rng(seed, 5).permutation(slots), list(shares)


def new_hints() -> np.ndarray:
    """An empty ``State.ahead_hints`` (place 0 and node 0 are always valid)."""
    return np.zeros((kernels.AHEAD, 2), dtype=np.int64)


def initial_state(params: CoevolutionParams, seed: int) -> State:
    n = params.n
    graph = build_graph(params, seed)
    strategy = np.zeros(n, dtype=np.int8)  # one byte per node keeps the per-node arrays in cache at large N
    cooperators = int(round(params.cooperators * n))
    strategy[rng(seed, 2).permutation(n)[:cooperators]] = 1
    edges = graph.edges()
    coop = (np.bincount(edges[:, 0], weights=strategy[edges[:, 1]], minlength=n)
            + np.bincount(edges[:, 1], weights=strategy[edges[:, 0]], minlength=n)).astype(np.int32)
    slot, names = place_recommenders(params, seed)
    slot_codes, python = recommender_codes(names)
    codes = slot_codes[slot]
    group = slot.astype(np.int16) if params.exclusive else np.zeros(n, dtype=np.int16)
    members = np.zeros((2 * (group.max() + 1), n), dtype=np.int64)
    where = np.zeros(n, dtype=np.int64)
    counts = np.zeros(len(members), dtype=np.int64)
    for v in range(n):
        cls = 2 * group[v] + strategy[v]
        members[cls, counts[cls]] = v
        where[v] = counts[cls]
        counts[cls] += 1
    sorted_by_degree = bool(set(np.unique(codes)) & rec.DEGREE_BASED)
    payoff = np.array([[params.punishment, params.temptation], [params.sucker, params.reward]])
    option_values = dict(
        p_strategy=params.strategy_probability, beta=params.beta, contest_fitter=params.contest == "fitter-wins",
        link_sampling=params.structural_sampling == "link", guard=params.isolation_guard,
        fallback_random=params.no_candidate == "random", tries=params.candidate_tries,
        sorted_by_degree=sorted_by_degree, p_recommender=params.recommender_probability,
        beta_recommender=params.beta_med, exclusive=params.exclusive,
        retries=params.retries if params.no_candidate == "retry" else 0, judge_users=params.recommender_judge == "users")
    options = np.array([option_values[name] for name in kernels.OPTIONS], dtype=np.float64)  # in the kernel's order
    counters = np.zeros(len(kernels.COUNTERS), dtype=np.int64)
    counters[kernels.COOPERATORS] = cooperators
    counters[kernels.ABSORBED_AT] = -1
    counters[kernels.AHEAD_CURSOR] = -1  # the kernel fills its ring of node draws on its first call
    table = kernels.fermi_table(params.beta, bool(np.all(payoff == np.round(payoff))))
    return State(graph, strategy, coop, codes, slot, slot_codes, np.bincount(slot, minlength=len(names)), names,
                 group, members, where, counts, adjacency_bitmap(graph), ranking(graph, sorted_by_degree),
                 np.zeros(n + 1, dtype=np.int64),
                 np.zeros(kernels.AHEAD, dtype=np.int64), np.zeros(kernels.AHEAD), np.zeros(kernels.AHEAD),
                 new_hints(), payoff,
                 table, options, counters, np.zeros(3, dtype=np.int64), new_state(derived_seed(seed, 3)), python)


def adjacency_bitmap(graph: DynamicGraph) -> np.ndarray:
    """One bit per node pair on graphs up to recommend.DENSE_UP_TO nodes; an empty (1, 0) array above."""
    n = len(graph.degree)
    if n > recommend.DENSE_UP_TO:
        return np.zeros((1, 0), dtype=np.uint64)
    bitmap = np.zeros((n, (n + 63) // 64), dtype=np.uint64)
    recommend.fill_adjacency(bitmap, graph.owner)
    return bitmap


def ranking(graph: DynamicGraph, used: bool) -> tuple:
    """The nodes sorted by degree: ``order``, each node's ``place`` in it, and ``first[d]``, the
    place of the first node of degree d or more (one-element arrays when no recommender uses them)."""
    n = len(graph.degree) if used else 1
    arrays = (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n + 1, dtype=np.int64))
    if used:
        kernels.fill_ranking(arrays, graph.degree)
    return arrays


def advance(state: State, until: int, view: RecommenderView | None) -> None:
    """Run the kernel to step ``until`` (or absorption), answering Python decisions on the way."""
    while True:
        status = kernels.run(until, *state.kernel_arguments())
        if status == kernels.FINISHED:
            return
        h, rewirer, dropped = (int(v) for v in state.pending)
        recommender = state.python[state.recommender[rewirer] - rec.PYTHON]
        z = recommender(rewirer, dropped, view)
        state.resolve(-1 if z is None else int(z))


@register("coevolution", params=CoevolutionParams, presets=PRESETS,
          summary="networked 2x2 games with recommender-chosen rewiring (seed 002; Santos et al. 2006)",
          smoke={"n": 50, "k": 4, "steps": 2000, "record_every": 500})
def simulate(params: CoevolutionParams, seed: int, progress: Progress | None = None) -> Result:
    """Coevolution of cooperation and network structure (seed 002, Algorithm .1)."""
    state = initial_state(params, seed)
    view = RecommenderView(state, rng(seed, 4)) if state.python else None
    counters = state.counters
    every = params.record_every or max(params.steps, 1)
    series: dict[str, list] = {"step": [], "cooperators": [], "rewires": [], "heterogeneity": [], "max_degree": []}
    competing = len(state.slot_names) > 1
    share_columns = [share_column(name) for name in state.slot_names] if competing else []
    series.update({column: [] for column in share_columns})

    def record() -> None:
        if params.record_every:
            series["step"].append(int(counters[kernels.STEP]))
            series["cooperators"].append(counters[kernels.COOPERATORS] / params.n)
            series["rewires"].append(int(counters[kernels.REWIRES]))
            series["heterogeneity"].append(degree_variance(state.graph))
            series["max_degree"].append(int(state.graph.degree.max()))
            for column, count in zip(share_columns, state.slot_counts):
                series[column].append(count / params.n)

    record()
    target = 0
    while counters[kernels.STEP] < params.steps and counters[kernels.ABSORBED_AT] < 0:
        target = min(target + every, params.steps)
        if params.update == "synchronous":
            kernels.synchronous_generations(target - counters[kernels.STEP], state.rng, state.graph.arrays(),
                                            state.strategy, state.payoff, params.beta, counters)
        else:
            advance(state, target, view)
        record()
        if progress is not None:
            progress(int(counters[kernels.STEP]), params.steps)
        if counters[kernels.STEP] < target:  # absorbed before the target
            kernels.run(params.steps, *state.kernel_arguments())  # marks absorption, moves nothing
            break
    return Result(params, seed, _metrics(params, state), {k: np.array(v) for k, v in series.items()},
                  _artifacts(params, state))


def _metrics(params: CoevolutionParams, state: State) -> dict:
    c = state.counters
    degree = state.graph.degree
    absorbed = int(c[kernels.ABSORBED_AT])
    if absorbed < 0 and c[kernels.COOPERATORS] in (0, params.n):
        absorbed = int(c[kernels.STEP])
    metrics = {
        "cooperators_final": c[kernels.COOPERATORS] / params.n,
        "rewires": int(c[kernels.REWIRES]),
        "rewire_requests": int(c[kernels.REQUESTS]),
        "structural_updates": int(c[kernels.STRUCTURAL]),
        "rewires_per_opportunity": c[kernels.REWIRES] / c[kernels.STRUCTURAL] if c[kernels.STRUCTURAL] else None,
        "no_candidate_events": int(c[kernels.NO_CANDIDATE]),
        "heterogeneity": degree_variance(state.graph),
        "max_degree": int(degree.max()),
        "steps_run": int(c[kernels.STEP]),
        "absorbed": absorbed >= 0,
        "steps_to_absorption": absorbed if absorbed >= 0 else None,
    }
    if len(state.slot_names) > 1:
        metrics["recommender_switches"] = int(c[kernels.SWITCHES])
        for name, count in zip(state.slot_names, state.slot_counts):
            metrics[share_column(name)] = count / params.n
        majority = int(np.argmax(list(params.recommender_shares().values())))
        metrics["initial_majority_share"] = state.slot_counts[majority] / params.n
    return metrics


def share_column(name: str) -> str:
    """The metric and series column of a recommender's share of users: share_<name>."""
    return "share_" + "".join(ch if ch.isalnum() else "_" for ch in name)


def _artifacts(params: CoevolutionParams, state: State) -> dict:
    artifacts = {
        "degree_distribution": np.bincount(state.graph.degree),
        "strategies": state.strategy.astype(np.int8),
        "recommender_slots": state.slot.astype(np.int16),
    }
    if params.n <= MAX_EDGE_ARTIFACT:
        artifacts["edges"] = state.graph.edges()
    return artifacts
