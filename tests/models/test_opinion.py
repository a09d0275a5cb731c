"""Social reinforcement learning of opinions (seed 003): the geometric graph against brute force
and networkx, a hand-worked Q update, consensus absorbing in the original model and not in the
ergodic one, the voter model's degree-weighted fixation, and the batched variant's voter limit."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polislab import get_model
from polislab.core.geometric import components, csr_from_edges, geometric_edges, random_geometric
from polislab.models.opinion import model

SPEC = get_model("opinion")


def brute_force_edges(positions, radius):
    d2 = ((positions[:, None, :] - positions[None, :, :]) ** 2).sum(-1)
    u, v = np.nonzero(np.triu(d2 <= radius * radius, 1))
    return set(zip(u.tolist(), v.tolist()))


def csr_edges(offsets, neighbours):
    heads = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    return {(int(a), int(b)) for a, b in zip(heads, neighbours) if a < b}


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 120), radius=st.floats(0.01, 1.2), seed=st.integers(0, 2**31))
def test_geometric_edges_match_brute_force(n, radius, seed):
    positions, offsets, neighbours = random_geometric(n, radius, seed)
    assert csr_edges(offsets, neighbours) == brute_force_edges(positions, radius)
    heads = np.repeat(np.arange(n), np.diff(offsets))
    assert np.all(heads != neighbours), "a self-loop"
    assert offsets[-1] % 2 == 0  # every link listed at both ends
    pairs = set(zip(heads.tolist(), neighbours.tolist()))
    assert all((b, a) in pairs for a, b in pairs), "a link listed at one end only"


def test_geometric_edges_match_networkx():
    positions = np.random.default_rng(5).random((400, 2))
    graph = nx.random_geometric_graph(400, 0.08, pos={i: tuple(p) for i, p in enumerate(positions)})
    offsets, neighbours = geometric_edges(positions, 0.08)
    assert csr_edges(offsets, neighbours) == {tuple(sorted(e)) for e in graph.edges()}


def test_components_agree_with_networkx():
    positions, offsets, neighbours = random_geometric(300, 0.06, 2)
    colour = (positions[:, 0] > 0.5).astype(np.int8)
    labels, count = components(offsets, neighbours, colour)
    graph = nx.Graph()
    graph.add_nodes_from(range(300))
    graph.add_edges_from((a, b) for a, b in csr_edges(offsets, neighbours) if colour[a] == colour[b])
    assert count == nx.number_connected_components(graph)
    for part in nx.connected_components(graph):
        assert len({labels[v] for v in part}) == 1


def pair(q0, q1, **values):
    """Two linked agents with the given Q-values, epsilon-greedy without exploration."""
    params = SPEC.make_params({"n": 2, "graph": "complete", "epsilon": 0.0, "updates": 1, "records": 2, **values})
    offsets, neighbours = csr_from_edges(2, np.array([[0, 1]]))
    q = np.array([q0, q1], dtype=float)
    opinion = (q[:, 1] > q[:, 0]).astype(np.int8)
    return params, offsets, neighbours, q, opinion


def test_one_update_by_hand():
    # agent 0: Q = (0.2, 0.3), holds +1; agent 1: Q = (0.4, -0.1), holds -1; alpha = 0.5.
    # If 0 speaks: it says +1, 1 disagrees, r = -1: Q0(+1) = 0.5 * 0.3 - 0.5 = -0.35 < 0.2: 0 turns -1.
    # If 1 speaks: it says -1, 0 disagrees, r = -1: Q1(-1) = 0.5 * 0.4 - 0.5 = -0.3 < -0.1: 1 turns +1.
    for seed in range(6):
        params, offsets, neighbours, q, opinion = pair([0.2, 0.3], [0.4, -0.1], learning_rate=0.5)
        out = model.evolve(params, offsets, neighbours, q, opinion, seed)
        if q[0, 1] != 0.3:
            np.testing.assert_allclose(q, [[0.2, -0.35], [0.4, -0.1]], rtol=0, atol=1e-15)
            assert list(opinion) == [0, 0]
        else:
            np.testing.assert_allclose(q, [[0.2, 0.3], [-0.3, -0.1]], rtol=0, atol=1e-15)
            assert list(opinion) == [1, 1]
        assert out["counters"][model.kernels.FIRST] == 1  # consensus after the one update


def test_counters_match_a_recount():
    params = SPEC.make_params({"n": 300, "radius": 0.12, "updates": 200_000, "stop_at_consensus": False})
    _, offsets, neighbours = model.build_graph(params, 1)
    q, opinion = model.initial_state(params, 1)
    out = model.evolve(params, offsets, neighbours, q, opinion, 1)
    assert out["counters"][model.kernels.PLUS] == opinion.sum()
    assert out["counters"][model.kernels.DISCORDANT] == model.kernels.discordant_links(offsets, neighbours, opinion)
    assert np.all(opinion == (q[:, 1] > q[:, 0]))  # opinions are greedy (ties are measure zero here)


def test_records_do_not_change_the_run():
    # agents and neighbours are drawn ahead from their own stream; the ring carries over calls
    finals = []
    for records in (2, 7, 60):
        result = SPEC.simulate(SPEC.make_params({"radius": 0.3, "updates": 300_000, "records": records,
                                                 "stop_at_consensus": False}), 4)
        finals.append((result.artifacts["q"].copy(), result.metrics["plus_share"]))
    for q, share in finals[1:]:
        np.testing.assert_array_equal(q, finals[0][0])
        assert share == finals[0][1]


@pytest.mark.parametrize("values", [{"epsilon": 0.3}, {"exploration": "softmax", "temperature": 0.5},
                                    {"epsilon": 0.3, "batch": 5}])
def test_consensus_is_absorbing_in_the_original_model(values):
    params = SPEC.make_params({"n": 200, "radius": 0.15, "initial_plus": 1.0, "updates": 1_000_000,
                               "stop_at_consensus": False, "learning_rate": 0.5, **values})
    result = SPEC.simulate(params, 0)
    assert result.metrics["plus_share"] == 1.0
    assert result.metrics["consensus_exits"] == 0
    assert result.metrics["time_in_consensus"] == 1.0


def test_the_ergodic_variant_leaves_consensus():
    params = SPEC.make_params({"n": 200, "radius": 0.15, "initial_plus": 1.0, "updates": 1_000_000}, preset="ergodic")
    result = SPEC.simulate(params, 0)
    assert result.metrics["consensus_exits"] > 10
    assert 0.0 < result.metrics["time_in_consensus"] < 1.0


def star(leaves):
    """A hub (node 0) holding +1 linked to leaves holding -1: +1 has share 1 / (leaves + 1) of the
    agents but 1/2 of the total degree."""
    offsets, neighbours = csr_from_edges(leaves + 1, np.array([[0, leaf] for leaf in range(1, leaves + 1)]))
    opinion = np.zeros(leaves + 1, dtype=np.int8)
    opinion[0] = 1
    return offsets, neighbours, opinion


@pytest.mark.parametrize("values, runs", [({"dynamics": "voter"}, 3000), ({"batch": 2000}, 600)])
def test_fixation_is_the_degree_weighted_share(values, runs):
    # voter model: the degree-weighted share of +1 is a martingale, so P(all +1) = 1/2 on the star
    # (not the 1/10 share of agents); the batched variant with large b is the voter model
    params = SPEC.make_params({"n": 10, "graph": "complete", "updates": 10**7, "records": 2, **values})
    wins = 0
    for seed in range(runs):
        offsets, neighbours, opinion = star(9)
        assert model.weighted_share(offsets, opinion) == 0.5
        q = np.where(opinion[:, None] == 1, [-0.5, 0.5], [0.5, -0.5]).astype(float)
        out = model.evolve(params, offsets, neighbours, q, opinion, seed)
        assert out["counters"][model.kernels.DISCORDANT] == 0
        wins += int(opinion[0] == 1)
    tolerance = 4 * np.sqrt(0.25 / runs)  # 4 standard errors
    assert abs(wins / runs - 0.5) < tolerance


def test_connected_geometric_graphs_and_a_clear_error():
    params = SPEC.make_params({"n": 100, "radius": 0.2})
    _, offsets, neighbours = model.build_graph(params, 0)
    assert components(offsets, neighbours, np.zeros(100, np.int8))[1] == 1
    with pytest.raises(Exception, match="radius = 0.01 gave no connected graph"):
        model.build_graph(SPEC.make_params({"n": 100, "radius": 0.01}), 0)


def test_other_graphs_of_the_core():
    result = SPEC.simulate(SPEC.make_params({"n": 60, "graph": "random-regular", "k": 4, "updates": 10_000}), 0)
    assert result.metrics["mean_degree"] == 4.0
