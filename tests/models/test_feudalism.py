"""The land-corn-labour world (seed 001, chapter 3): encounters worked by hand (moves, transfers,
consent, the end), the learning pieces on small cases, tie replacement, and the sanity claims."""

from __future__ import annotations

import math

import numpy as np
import pytest

from polislab import get_model
from polislab.core.rng import new_state
from polislab.models.feudalism import kernels as k
from polislab.models.feudalism.model import new_buffer, new_world, options, tribute_graph, hierarchy
from polislab.models.feudalism.params import FeudalismParams

START = k.START


def scripted(params: FeudalismParams, responder: dict, starter: dict):
    """A world whose agents follow scripts exactly: pure imitators (no exploration, no prior
    pseudo-counts) of a B whose counts hold one move per state. Scripts map a state (8 x my last
    move + your last move) to a move."""
    world = new_world(params, np.random.default_rng(0))
    buffer = new_buffer(params)
    for side, script in ((1, responder), (0, starter)):
        for state, move in script.items():
            buffer[0][:, side, state, move] = 1.0
    world[5][:] = 0.0  # exploration
    return world, buffer, options(params), new_state(1), np.zeros(k.COUNTERS)


def _params(**extra):
    base = dict(agents=2, ties=1, contexts=1, imitation=1.0, exploration=0.0, empirical_prior=0.0, buffer_rate=0.0,
                max_moves=10)
    return FeudalismParams(**{**base, **extra})


def _tie(world, x=0, y=1):
    world[7][x] = y  # agent x's only tie points at y (slots = 1)
    return x


def s(mine, yours):
    return 8 * mine + yours


def test_the_other_declines_by_opening_with_goodbye():
    world, buffer, opt, rng, counts = scripted(_params(), {START: k.GOODBYE}, {})
    tie = _tie(world)
    k.play(world, buffer, opt, rng, counts, tie, 0, 0, 1, 1, k.LEARN, k.LEARN, 0.0, True)
    assert counts[k.C_ENCOUNTERS] == 1 and counts[k.C_DECLINED] == 1 and counts[k.C_MOVES] == 1


def test_moves_move_goods_and_a_goodbye_ends_it_only_when_answered():
    responder = {START: k.GIVE_LAND, s(k.GIVE_LAND, k.GIVE_CORN): k.GIVE_LABOUR, s(k.GIVE_LABOUR, k.HIT): k.GOODBYE}
    starter = {s(k.NO_MOVE, k.GIVE_LAND): k.GIVE_CORN, s(k.GIVE_CORN, k.GIVE_LABOUR): k.HIT,
               s(k.HIT, k.GOODBYE): k.GOODBYE}
    world, buffer, opt, rng, counts = scripted(_params(), responder, starter)
    land, corn, labour, welfare = world[0], world[1], world[2], world[14]
    corn[0], corn[1] = 80.0, 10.0
    tie = _tie(world)
    hits, _ = k.play(world, buffer, opt, rng, counts, tie, 0, 0, 1, 1, k.LEARN, k.LEARN, 0.0, True)
    # y gave its land and labour, x gave 50 corn and hit y once; then goodbye answered by goodbye
    assert (land[0], land[1]) == (2.0, 0.0)
    assert (corn[0], corn[1]) == (30.0, 60.0)
    assert (labour[0], labour[1]) == (2.0, 0.0)
    assert counts[k.C_MOVES] == 6 and counts[k.C_HITS] == 1 and counts[k.C_DECLINED] == 0
    assert welfare[1] == -1.0 and welfare[0] == -0.1 and hits == -0.1  # the pain is y's, the effort x's
    assert world[13][tie, 0] == 50.0 and world[13][tie, 1] == 100.0  # tribute: corn, and labour at production


def test_an_unanswered_goodbye_does_not_end_the_encounter_but_max_moves_does():
    say = {state: k.SAY0 for state in range(k.STATES)}
    responder = dict(say)
    starter = dict(say)
    starter[s(k.NO_MOVE, k.SAY0)] = k.GOODBYE  # x says goodbye at once; y talks on
    world, buffer, opt, rng, counts = scripted(_params(max_moves=7), responder, starter)
    k.play(world, buffer, opt, rng, counts, _tie(world), 0, 0, 1, 1, k.LEARN, k.LEARN, 0.0, True)
    assert counts[k.C_MOVES] == 7


def test_a_gift_of_what_one_lacks_moves_nothing_and_corn_gifts_are_capped_by_the_stock():
    world, buffer, opt, rng, counts = scripted(
        _params(), {START: k.GIVE_CORN, s(k.GIVE_CORN, k.GIVE_LAND): k.GOODBYE},
        {s(k.NO_MOVE, k.GIVE_CORN): k.GIVE_LAND, s(k.GIVE_LAND, k.GOODBYE): k.GOODBYE})
    land, corn = world[0], world[1]
    corn[1] = 20.0
    land[0] = 0.0
    k.play(world, buffer, opt, rng, counts, _tie(world), 0, 0, 1, 1, k.LEARN, k.LEARN, 0.0, True)
    assert (corn[0], corn[1]) == (20.0, 0.0)
    assert (land[0], land[1]) == (0.0, 1.0)
    assert counts[k.C_CORN_GIVEN] == 20.0 and counts[k.C_LAND_GIVEN] == 0.0


def test_a_declined_encounter_teaches_the_other_its_own_value_with_discount_one():
    """Q(start, goodbye) <- Q + step (0 + V(y) - Q); V(y) = its best game alone (no ties of its own)."""
    params = _params(imitation=0.0)
    world = new_world(params, np.random.default_rng(0))
    buffer = new_buffer(params)
    world[5][:] = 0.0
    q_tie, q_meta = world[11], world[6]
    q_tie[0, 1, START, k.GOODBYE] = 1.0  # y's greedy first move is goodbye
    y_state = k.meta_state(world[0], world[1], world[2], world[3], 1, params.production)
    q_meta[1, y_state, k.EAT_ALL] = 3.0
    _tie(world)
    k.play(world, buffer, options(params), new_state(0), np.zeros(k.COUNTERS), 0, 0, 0, 1, 1, k.LEARN, k.LEARN, 0.5,
           True)
    assert q_tie[0, 1, START, k.GOODBYE] == pytest.approx(1.0 + 0.5 * (3.0 - 1.0))


def test_a_new_tie_follows_the_walk_to_the_first_agent_without_a_tie_of_its_context():
    """Ring 0 -> 1 -> 2 -> 3 -> 0, one context, walk_stop 1: from 0 the walk passes 1 (already
    a tie of 0's) and stops at 2."""
    params = FeudalismParams(agents=4, ties=1, contexts=1, walk_stop=1.0, selfplay=0)
    world = new_world(params, np.random.default_rng(0))
    world[7][:] = [1, 2, 3, 0]
    k.new_tie(world, new_buffer(params), options(params), new_state(0), np.zeros(k.COUNTERS), 0, 1, params.agents)
    assert world[7][0] == 2 and world[9][0] == 0


def test_records_enter_and_leave_the_empirical_counts():
    params = _params(buffer_size=1, buffer_rate=1.0)
    world, buffer, opt, rng, counts = scripted(params, {START: k.GOODBYE}, {})
    _tie(world)
    emp = buffer[0]
    before = emp.sum()
    k.play(world, buffer, opt, rng, counts, 0, 0, 0, 1, 1, k.LEARN, k.LEARN, 0.0, True)
    assert emp.sum() == before + 1 and buffer[8][0] == 1
    k.play(world, buffer, opt, rng, counts, 0, 0, 0, 1, 1, k.LEARN, k.LEARN, 0.0, True)
    assert emp.sum() == before + 1 and buffer[8][1] == 2  # the first record was evicted


def test_deviant_posterior_small_case():
    assert k._deviant_posterior(0.5, 0, 0, 0.05) == pytest.approx(0.5)
    assert k._deviant_posterior(0.5, 1, 0, 0.05) == pytest.approx((1 / 7) / (1 / 7 + 0.95))
    assert k._deviant_posterior(0.5, 0, 1, 0.05) == pytest.approx((1 / 7) / (1 / 7 + 0.05 / 6))


def test_the_share_of_deviants_is_recovered_from_the_buffer():
    """B: 300 encounters, half by norm followers (a fixed script), half with both sides' moves
    uniform at random; the posterior mode of Delta lies within 0.15 of 0.5 (n = 10 prior)."""
    params = FeudalismParams(agents=2, ties=1, contexts=1, buffer_size=300, deviance_prior=10)
    buffer = new_buffer(params)
    moves, length, ctx, count = buffer[3], buffer[4], buffer[5], buffer[8]
    rng = np.random.default_rng(5)
    script = [k.GIVE_CORN, k.GIVE_CORN, k.SAY1, k.SAY0, k.GOODBYE, k.GOODBYE]
    for r in range(300):
        moves[r, :6] = script if r % 2 == 0 else rng.integers(0, 6, size=6)  # no goodbye: no early end
        length[r], ctx[r] = 6, 0
        k._count_record(buffer[0], moves, length, ctx, r, 1.0)
    count[:] = 300
    k.fit_norm(buffer, options(params))
    assert buffer[1][0, 1, START] == k.GIVE_CORN
    assert abs(buffer[2][0] - 0.5) < 0.15


def test_tribute_graph_nets_flows_over_ties():
    params = FeudalismParams(agents=3, ties=1, contexts=1)
    world = new_world(params, np.random.default_rng(0))
    world[7][:] = [1, 2, 0]
    flow = np.array([[0.0, 100.0], [0.0, 30.0], [50.0, 10.0]])  # 1 pays 0; 2 pays 1; 2 pays 0 net 40
    graph = tribute_graph(world, flow, 3)
    assert sorted(graph.edges(data="weight")) == [(1, 0, 100.0), (2, 0, 40.0), (2, 1, 30.0)]
    assert hierarchy(graph) == {"share_lords": 1 / 3, "max_tribute_in_degree": 2, "tribute_edges": 3,
                                "tribute_depth": 2}


def test_alone_an_agent_learns_to_eat_its_whole_harvest():
    """No ties: wellbeing per turn approaches ln 2 - hunger_weight (eat the harvest every turn);
    with exploration gone, the last 10% of turns within 2% of it."""
    spec = get_model("feudalism")
    result = spec.simulate(spec.make_params({"turns": 60_000, "exploration_decay": 0.995}, preset="alone"), 0)
    assert result.metrics["encounter_share"] == 0.0
    assert result.metrics["mean_wellbeing"] == pytest.approx(math.log(2) - 0.25, rel=0.02)


def test_pure_imitators_keep_a_sharing_buffer():
    """B full of sharing, imitation 1 (copying B exactly: no pseudo-counts), no random moves: most
    encounters in the last 10% still are sharing (both give corn, nobody hits); innovators from
    the same B drop it."""
    spec = get_model("feudalism")
    small = {"agents": 60, "turns": 60_000}
    imitators = spec.simulate(spec.make_params(small, preset="sharing"), 0).metrics
    innovators = spec.simulate(spec.make_params({**small, "imitation": 0.0}, preset="sharing"),
                               0).metrics
    assert imitators["sharing_share"] > 0.8
    assert innovators["sharing_share"] < 0.3
