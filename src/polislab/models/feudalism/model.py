"""Feudalism model: the land-corn-labour world on a social graph (seed 001, chapter 3).

What it measures (issue 25), over the last 10% of turns unless said: wellbeing W per agent (its
mean reward per own turn) and collective wellbeing Omega = sum of W (seed 001, section 1.1);
inequality (Gini of land and of corn at the end); violence (hits per encounter); the tribute
graph (an edge j -> i where, over a tie, j gave i more corn and labour, in corn, than i gave
back): its in-degree distribution (lords: agents with tribute from 2 or more) and depth (the
longest chain of tribute, cycles contracted); and the tie graph (reciprocity, in-degree Gini).
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from polislab.core.progress import Progress
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.core.rng import new_state
from polislab.core.seeding import derived_seed
from polislab.core.stats import gini
from polislab.models.feudalism import kernels as k
from polislab.models.feudalism.params import MAX_MOVES, PRESETS, FeudalismParams


def options(params: FeudalismParams) -> np.ndarray:
    opt = np.zeros(k.OPTIONS)
    opt[k.O_PRODUCTION], opt[k.O_GIFT] = params.production, params.corn_gift
    opt[k.O_HUNGER_WEIGHT], opt[k.O_HUNGER_CAP] = params.hunger_weight, params.hunger_cap
    opt[k.O_HIT_PAIN], opt[k.O_HIT_COST], opt[k.O_MAX_MOVES] = params.hit_pain, params.hit_cost, params.max_moves
    opt[k.O_GAMMA], opt[k.O_INIT], opt[k.O_ALPHA] = params.discount, params.initiation_discount, params.learning_rate
    opt[k.O_EPS_DECAY], opt[k.O_EPS_FLOOR] = params.exploration_decay, params.exploration_floor
    opt[k.O_IMITATION], opt[k.O_BUFFER_RATE] = params.imitation, params.buffer_rate
    opt[k.O_IMITATION_SCALE], opt[k.O_EMPIRICAL_PRIOR] = params.imitation_scale, params.empirical_prior
    opt[k.O_MOVE_EPS] = np.nan if params.move_exploration is None else params.move_exploration
    opt[k.O_SELFPLAY], opt[k.O_SELFPLAY_EACH] = params.selfplay, params.selfplay_each
    opt[k.O_OTHER_MODEL] = k.NORM_DEVIANT if params.other_model == "norm-deviant" else k.EMPIRICAL
    opt[k.O_TREMBLE], opt[k.O_REFIT], opt[k.O_MARGIN] = params.norm_tremble, params.refit_every, params.replace_margin
    opt[k.O_REPLACE_AFTER], opt[k.O_WALK_STOP] = params.replace_after, params.walk_stop
    opt[k.O_ATTRITION] = params.graph == "complete"
    opt[k.O_INITIAL_Q] = np.nan if params.initial_q is None else params.initial_q
    opt[k.O_PRIOR_N], opt[k.O_MEAL] = params.deviance_prior, params.meal
    return opt


def new_world(params: FeudalismParams, rng_numpy: np.random.Generator) -> tuple:
    """The world's arrays (see ``kernels``): two scratch rows of goods after the agents' for
    self-play."""
    n, slots = params.agents, params.tie_slots
    deviant = np.zeros(n, dtype=np.bool_)
    deviant[rng_numpy.permutation(n)[:int(round(params.deviants * n))]] = True
    return (np.ones(n + 2), np.zeros(n + 2), np.ones(n + 2), np.zeros(n + 2), deviant, np.full(n, params.exploration),
            np.zeros((n, k.META_STATES, k.GAMES)), np.full(n * slots, -1, dtype=np.int64),
            np.zeros(n * slots, dtype=np.int64), np.zeros(n * slots, dtype=np.int64), np.zeros(n * slots),
            np.zeros((n * slots, 2, k.STATES, k.MOVES), dtype=np.float32), np.zeros((n * slots, 2, 2), dtype=np.int64),
            np.zeros((n * slots, 2)), np.zeros(n), np.zeros(n, dtype=np.int64), np.array([slots], dtype=np.int64))


def new_buffer(params: FeudalismParams) -> tuple:
    """B (a ring of encounters) with the empirical counts, the norm and Delta."""
    size = params.buffer_size
    buffer = (np.zeros((params.contexts, 2, k.STATES, k.MOVES)), np.full((params.contexts, 2, k.STATES), -1, dtype=np.int64),
              np.zeros(1), np.zeros((size, MAX_MOVES), dtype=np.int64), np.zeros(size, dtype=np.int64),
              np.zeros(size, dtype=np.int64), np.zeros((size, 2), dtype=np.int64), np.zeros((size, 2)),
              np.zeros(2, dtype=np.int64))
    if params.buffer_start == "sharing":
        _fill_with_sharing(buffer, params)
    return buffer


SHARING = (k.GIVE_CORN, k.GIVE_CORN, k.GOODBYE, k.GOODBYE)


def _fill_with_sharing(buffer: tuple, params: FeudalismParams) -> None:
    """B full of pure sharing: the other gives corn, the starter gives corn, both say goodbye.
    The recorded ends: one unit of land, half a meal of corn, hunger 1 for the starter after its
    body step (reward -hunger_weight) and 0 for the other."""
    emp, _, _, moves, length, ctx, end, terminal, count = buffer
    corn_bucket = 0
    starter_state = ((1 * 4 + corn_bucket) * 4 + 1) * 2
    other_state = ((1 * 4 + corn_bucket) * 4 + 0) * 2
    for slot in range(moves.shape[0]):
        moves[slot, :len(SHARING)] = SHARING
        length[slot], ctx[slot] = len(SHARING), slot % params.contexts
        end[slot] = (starter_state, other_state)
        terminal[slot] = (-params.hunger_weight, 0.0)
        k._count_record(emp, moves, length, ctx, slot, 1.0)
    count[:] = moves.shape[0]


def tribute_graph(world: tuple, flow: np.ndarray, agents: int) -> nx.DiGraph:
    """Edge j -> i weighted by what j gave i over their ties (corn + production x labour) net of
    what i gave j, where that is positive."""
    tie_dst, slots = world[7], int(world[16][0])
    owners = np.repeat(np.arange(agents), slots)
    live = tie_dst >= 0
    net: dict[tuple[int, int], float] = {}
    for owner, other, given_by_owner, given_by_other in zip(owners[live], tie_dst[live], flow[live, 0], flow[live, 1]):
        if given_by_owner or given_by_other:
            pair = (int(min(owner, other)), int(max(owner, other)))
            sign = 1.0 if owner == pair[0] else -1.0
            net[pair] = net.get(pair, 0.0) + sign * (given_by_owner - given_by_other)  # from pair[0] to pair[1]
    graph = nx.DiGraph()
    graph.add_nodes_from(range(agents))
    for (a, b), amount in net.items():
        if amount > 0:
            graph.add_edge(a, b, weight=amount)
        elif amount < 0:
            graph.add_edge(b, a, weight=-amount)
    return graph


def hierarchy(graph: nx.DiGraph) -> dict[str, float]:
    """Lords (tribute from 2 or more), the largest in-degree, and the depth: the longest chain of
    tribute in the graph with its cycles contracted."""
    in_degree = np.array([d for _, d in graph.in_degree()])
    depth = nx.dag_longest_path_length(nx.condensation(graph)) if graph.number_of_edges() else 0
    return {"share_lords": float(np.mean(in_degree >= 2)), "max_tribute_in_degree": int(in_degree.max(initial=0)),
            "tribute_edges": graph.number_of_edges(), "tribute_depth": int(depth)}


def tie_structure(world: tuple, agents: int) -> dict[str, float]:
    tie_dst, slots = world[7], int(world[16][0])
    owners = np.repeat(np.arange(agents), slots)
    live = tie_dst >= 0
    pairs = set(zip(owners[live].tolist(), tie_dst[live].tolist()))
    reciprocated = sum((b, a) in pairs for a, b in pairs)
    in_degree = np.bincount(tie_dst[live], minlength=agents)
    return {"tie_reciprocity": reciprocated / len(pairs) if pairs else 0.0, "tie_in_degree_gini": gini(in_degree),
            "live_ties": int(live.sum())}


SERIES = ("mean_wellbeing", "hits_per_encounter", "encounter_share", "gift_share", "sharing_share", "land_gini")


class Feudal:
    """One run's world, buffer, counters and stream (seed 001, chapter 3), set up as the seed has it
    (agents alone for ``warmup`` turns, then their first ties by self-play; neither counted), and
    ``run``, a chunk of turns with the series' values over it (``simulate`` records them; the live
    view draws them)."""

    def __init__(self, params: FeudalismParams, seed: int):
        n = params.agents
        self.params = params
        self.opt = options(params)
        self.world = world = new_world(params, np.random.default_rng(derived_seed(seed, 2)))
        self.buffer = new_buffer(params)
        self.rng = new_state(derived_seed(seed, 1))
        self.counts = np.zeros(k.COUNTERS)
        if params.tie_slots:
            k.run_turns(world, self.buffer, self.opt, self.rng, self.counts, 0, params.warmup * n, params.contexts)
            k.first_ties(world, self.buffer, self.opt, self.rng, self.counts, params.contexts, params.graph == "complete")
            world[14][:], world[15][:] = 0.0, 0  # wellbeing is counted from here
        self.counts[:] = 0.0  # neither warm-up nor self-play is counted
        self.ran = 0

    def run(self, turns: int) -> dict[str, float]:
        """``turns`` more turns; each series' value over them."""
        world, counts = self.world, self.counts
        welfare, own_turns = world[14], world[15]
        before = counts.copy()
        welfare_before, turns_before = welfare.sum(), own_turns.sum()
        k.run_turns(world, self.buffer, self.opt, self.rng, counts, self.ran, turns, self.params.contexts)
        self.ran += turns
        done = counts - before
        encounters = max(done[k.C_ENCOUNTERS], 1)
        return {"mean_wellbeing": (welfare.sum() - welfare_before) / max(own_turns.sum() - turns_before, 1),
                "hits_per_encounter": done[k.C_HITS] / encounters,
                "encounter_share": done[k.C_ENCOUNTERS] / turns,
                "gift_share": done[k.C_GIFT_ENCOUNTERS] / encounters,
                "sharing_share": done[k.C_SHARING_ENCOUNTERS] / encounters,
                "land_gini": gini(world[0][:self.params.agents])}


@register("feudalism", params=FeudalismParams, presets=PRESETS,
          summary="agents with land, corn and labour on a social graph learn to share, trade, coerce (seed 001, ch. 3)",
          smoke={"agents": 30, "turns": 3000, "buffer_size": 100, "selfplay": 2})
def simulate(params: FeudalismParams, seed: int, progress: Progress | None = None) -> Result:
    """The land-corn-labour world (seed 001, chapter 3)."""
    n = params.agents
    feudal = Feudal(params, seed)
    world, buffer, counts = feudal.world, feudal.buffer, feudal.counts
    every = params.record_every or max(1, params.turns // 100)
    tail_start = params.turns - max(1, params.turns // 10)
    series: dict[str, list] = {"step": [], **{name: [] for name in SERIES}}
    welfare, own_turns, flow = world[14], world[15], world[13]
    tail = None
    while feudal.ran < params.turns:
        chunk = min(every, params.turns - feudal.ran)
        if feudal.ran < tail_start < feudal.ran + chunk:
            chunk = tail_start - feudal.ran
        row = feudal.run(chunk)
        series["step"].append(feudal.ran)
        for name in SERIES:
            series[name].append(row[name])
        if feudal.ran == tail_start:
            tail = (counts.copy(), welfare.copy(), own_turns.copy())
            flow[:] = 0.0  # tribute is measured over the tail
        if progress is not None:
            progress(feudal.ran, params.turns)
    if tail is None:
        tail = (np.zeros_like(counts), np.zeros(n), np.zeros(n, dtype=np.int64))
    done = counts - tail[0]
    wellbeing = (welfare - tail[1]) / np.maximum(own_turns - tail[2], 1)
    land, corn = world[0][:n], world[1][:n]
    graph = tribute_graph(world, flow, n)
    encounters = max(done[k.C_ENCOUNTERS], 1)
    metrics = {
        "mean_wellbeing": float(wellbeing.mean()),
        "collective_wellbeing": float(wellbeing.sum()),
        "alone_wellbeing": float(np.log(2.0) - params.hunger_weight),
        "land_gini": gini(land), "corn_gini": gini(corn), "max_land": float(land.max()),
        "share_landless": float(np.mean(land < 1.0)),
        "encounter_share": float(done[k.C_ENCOUNTERS] / max(done[k.C_TURNS], 1)),
        "declined_share": float(done[k.C_DECLINED] / encounters),
        "hits_per_encounter": float(done[k.C_HITS] / encounters),
        "gift_share": float(done[k.C_GIFT_ENCOUNTERS] / encounters),
        "sharing_share": float(done[k.C_SHARING_ENCOUNTERS] / encounters),
        "corn_given_per_encounter": float(done[k.C_CORN_GIVEN] / encounters),
        "labour_given_per_encounter": float(done[k.C_LABOUR_GIVEN] / encounters),
        "land_given_per_encounter": float(done[k.C_LAND_GIVEN] / encounters),
        "moves_per_encounter": float(done[k.C_MOVES] / encounters),
        "ties_replaced": int(counts[k.C_REPLACED]),
        "deviance_estimate": float(buffer[2][0]) if params.other_model == "norm-deviant" else None,
        **hierarchy(graph), **tie_structure(world, n),
    }
    edges = np.array([(a, b, w["weight"]) for a, b, w in graph.edges(data=True)]).reshape(-1, 3)
    artifacts = {"land": land.copy(), "corn": corn.copy(), "wellbeing": wellbeing, "deviant": world[4].copy(),
                 "tribute_edges": edges}
    return Result(params, seed, metrics, {key: np.asarray(v) for key, v in series.items()}, artifacts)
