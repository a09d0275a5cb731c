"""The land-corn-labour world, compiled (seed 001, chapter 3 and section 3.1).

Turns: a uniformly random agent x plays its meta-game (seed 001, ch. 3): harvest and eat (eat
nothing, half or all: corn += production min(land, labour), labour back to 1), do nothing, or an
encounter over one of its outward ties; then its body takes a timestep (labour 1, hunger + 1).

Encounters (ch. 3): the other agent y moves first; moves alternate; moves are give land (1 unit),
give corn (``corn_gift``, or all if less), give labour (1 unit), hit, say 0, say 1, goodbye. It
ends when a goodbye answers a goodbye, when y's first move is goodbye (y declined: entry by
mutual consent), or after ``max_moves`` moves.

Learning (section 3.1), all tabular:
- a Q-function per tie and direction: ``q_tie[tie, side]`` (side 0 the tie's owner, who starts
  its encounters; side 1 the other end), over the state (my last move, your last move), 8 x 8,
  7 moves. Discount 1 within an encounter; an encounter's end is worth the agent's meta-game value
  there (for the starter after its body step, discounted once);
- the meta-game: ``q_meta[agent, s, game]`` over a coarse own state s (land 0-3+, corn in meals
  0-3+, hunger 0-3+, extra labour or not) for eat-nothing, eat-half, eat-all, do nothing; an
  encounter over tie k is worth ``initiation_discount`` x ``v_start[k]``, the tie's learnt value
  of starting it (seed 001, 3.1: "the Q-value of starting an encounter ... times the encounter
  initiation discount factor"); our choice: ``v_start`` does not depend on s;
- the public buffer B: a ring of recorded encounters (each encounter recorded with chance
  ``buffer_rate``); the empirical policy P(a | H) is B's move frequencies per context, side and
  state: a frequency tree over histories cut at depth two (our choice: the state is the last two
  moves, as the Q-functions see them), with ``empirical_prior`` pseudo-counts spread over the moves;
- imitate/innovate (3.1.1): an agent weighs two losses, its private value (Q-learning on its own
  encounters) with weight 1 - imitation and its departure from B's empirical policy (the KL
  divergence) with weight imitation x ``imitation_scale``; the policy that minimises them is
  pi(a | s) proportional to P_B(a | s) exp((1 - imitation) Q(s, a) / (imitation x scale)):
  epsilon-greedy on Q at imitation 0 (an innovator), B's empirical policy at 1 (an imitator);
  where B holds no move in the state there is nothing to imitate, and the agent is greedy on Q;
- a new tie's Q-functions are set by ``selfplay`` encounters of each end against the model of
  others: the empirical policy (3.1.1), or (``other_model`` = norm-deviant, 3.1.2) the social
  norm (B's most frequent move per state, followed with tremble ``norm_tremble``) mixed with
  uniform deviants in the share Delta that maximises the posterior given B under the prior
  (n+1)(n+2) Delta (1-Delta)^n, updated per acquaintance by Bayes from its moves seen over the tie;
- ties (ch. 3): when x's value of a tie falls ``replace_margin`` below its best game alone, the
  tie is replaced: a uniform random context, and the agent reached by a random walk along ties
  that stops with chance ``walk_stop`` at an agent without a tie of that context from x. On a
  complete graph ties are only lost (attrition).
Deviant agents (``deviants``) move uniformly at random in encounters.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from polislab.core.rng import next_u64, to_unit

GIVE_LAND, GIVE_CORN, GIVE_LABOUR, HIT, SAY0, SAY1, GOODBYE, NO_MOVE = 0, 1, 2, 3, 4, 5, 6, 7
MOVES = 7
STATES = 64  # 8 x my last move + your last move (NO_MOVE before the first)
START = 8 * NO_MOVE + NO_MOVE
META_STATES = 128
EAT_NOTHING, EAT_HALF, EAT_ALL, DO_NOTHING = 0, 1, 2, 3
GAMES = 4
LEARN, RANDOM, MODEL = 0, 1, 2
EMPIRICAL, NORM_DEVIANT = 0, 1

# options
(O_PRODUCTION, O_GIFT, O_HUNGER_WEIGHT, O_HUNGER_CAP, O_HIT_PAIN, O_HIT_COST, O_MAX_MOVES, O_GAMMA, O_INIT,
 O_ALPHA, O_EPS_DECAY, O_EPS_FLOOR, O_IMITATION, O_BUFFER_RATE, O_SELFPLAY, O_SELFPLAY_EACH, O_OTHER_MODEL,
 O_TREMBLE, O_REFIT, O_MARGIN, O_REPLACE_AFTER, O_WALK_STOP, O_ATTRITION, O_INITIAL_Q, O_PRIOR_N, O_MEAL, O_IMITATION_SCALE, O_EMPIRICAL_PRIOR, O_MOVE_EPS) = range(29)
OPTIONS = 29

# counters
(C_TURNS, C_ENCOUNTERS, C_DECLINED, C_MOVES, C_HITS, C_CORN_GIVEN, C_LABOUR_GIVEN, C_LAND_GIVEN, C_EATS,
 C_REPLACED, C_GIFT_ENCOUNTERS, C_SHARING_ENCOUNTERS) = range(12)
COUNTERS = 12
DELTA_GRID = 99


@njit(inline="always")
def _unit(rng):
    return to_unit(next_u64(rng))


@njit(inline="always")
def _below(rng, n):
    return int(to_unit(next_u64(rng)) * n)


@njit(inline="always")
def meta_state(land, corn, labour, hunger, row, production):
    """Coarse own state: land 0-3+, corn in meals 0-3+, hunger 0-3+, labour above 1 or not."""
    a = min(int(land[row]), 3)
    c = min(int(corn[row] / production), 3)
    h = min(int(hunger[row]), 3)
    return ((a * 4 + c) * 4 + h) * 2 + (1 if labour[row] > 1.0 else 0)


@njit(inline="always")
def state_of(side, last0, last1):
    """The encounter state of ``side``: 8 x its own last move + the other's (NO_MOVE before any)."""
    return 8 * last1 + last0 if side == 1 else 8 * last0 + last1


@njit(inline="always")
def _alone(q_meta, agent, s):
    best = q_meta[agent, s, 0]
    for g in range(1, GAMES):
        best = max(best, q_meta[agent, s, g])
    return best


@njit(inline="always")
def value(q_meta, v_start, tie_dst, slots, agent, s, init):
    """V(s): the best of the games alone and of the live ties' discounted starting values."""
    best = _alone(q_meta, agent, s)
    for k in range(slots):
        tie = agent * slots + k
        if tie_dst[tie] >= 0:
            best = max(best, init * v_start[tie])
    return best


@njit(inline="always")
def _greedy_move(q_tie, tie, side, s, rng):
    """The move of highest Q; ties broken uniformly at random."""
    best = q_tie[tie, side, s, 0]
    count = 1
    choice = 0
    for a in range(1, MOVES):
        v = q_tie[tie, side, s, a]
        if v > best:
            best, count, choice = v, 1, a
        elif v == best:
            count += 1
            if _below(rng, count) == 0:
                choice = a
    return choice


@njit(inline="always")
def empirical(emp, ctx, side, s, a, prior):
    """B's empirical policy P_B(a | s): move counts plus ``prior`` pseudo-counts spread evenly
    (uniform where B has nothing and the prior is 0)."""
    total = prior
    for b in range(MOVES):
        total += emp[ctx, side, s, b]
    if total <= 0.0:
        return 1.0 / MOVES
    return (emp[ctx, side, s, a] + prior / MOVES) / total


@njit(inline="always")
def _seen(emp, ctx, side, s):
    """Whether B holds any move in this state (where it holds none, there is nothing to imitate)."""
    for a in range(MOVES):
        if emp[ctx, side, s, a] > 0.0:
            return True
    return False


@njit(inline="always")
def _imitating_logit(q_tie, tie, side, s, emp, ctx, a, prior, weight):
    p = empirical(emp, ctx, side, s, a, prior)
    return (math.log(p) if p > 0.0 else -np.inf) + weight * q_tie[tie, side, s, a]


@njit(inline="always")
def _imitating_move(q_tie, tie, side, s, emp, ctx, imitation, scale, prior, rng):
    """A move drawn from pi(a) proportional to P_B(a | s) exp((1 - imitation) Q(s, a) / (imitation
    scale)): the policy that maximises (1 - imitation) E_pi[Q] - imitation scale KL(pi || P_B), the
    weighted losses of private value and of departing from the empirical policy of B (seed 001,
    3.1.1). Greedy on Q as imitation -> 0; B's empirical policy at imitation = 1."""
    weight = (1.0 - imitation) / (imitation * scale)
    top = -np.inf
    for a in range(MOVES):
        top = max(top, _imitating_logit(q_tie, tie, side, s, emp, ctx, a, prior, weight))
    mass = 0.0
    for a in range(MOVES):
        mass += math.exp(_imitating_logit(q_tie, tie, side, s, emp, ctx, a, prior, weight) - top)
    u = _unit(rng) * mass
    for a in range(MOVES):
        u -= math.exp(_imitating_logit(q_tie, tie, side, s, emp, ctx, a, prior, weight) - top)
        if u < 0.0:
            return a
    return MOVES - 1


@njit(inline="always")
def _max_q(q_tie, tie, side, s):
    best = q_tie[tie, side, s, 0]
    for a in range(1, MOVES):
        best = max(best, q_tie[tie, side, s, a])
    return best


@njit(inline="always")
def _deviant_posterior(delta, conform, deviate, tremble):
    """P(deviant | an acquaintance's moves: ``conform`` on the norm, ``deviate`` off it)."""
    if delta <= 0.0:
        return 0.0
    if delta >= 1.0:
        return 1.0
    log_dev = math.log(delta) - (conform + deviate) * math.log(MOVES)
    log_norm = math.log(1.0 - delta) + conform * math.log(1.0 - tremble) + deviate * math.log(tremble / (MOVES - 1))
    return 1.0 / (1.0 + math.exp(log_norm - log_dev))


@njit(inline="always")
def _model_move(emp, norm, ctx, side, s, p_dev, kind, tremble, prior, rng):
    """A move of the modelled other: the empirical policy, or norm/deviant mixture."""
    u = _unit(rng)
    if kind == EMPIRICAL:
        for a in range(MOVES):
            u -= empirical(emp, ctx, side, s, a, prior)
            if u < 0.0:
                return a
        return MOVES - 1
    modal = norm[ctx, side, s]
    if modal < 0 or u < p_dev:
        return _below(rng, MOVES)
    if _unit(rng) < tremble:
        other = _below(rng, MOVES - 1)
        return other + 1 if other >= modal else other
    return modal


@njit(inline="always")
def _apply(move, giver, taker, land, corn, labour, gift):
    """Move ``move``'s goods from row ``giver`` to row ``taker``; return (corn, labour, land) moved."""
    if move == GIVE_LAND and land[giver] >= 1.0:
        land[giver] -= 1.0
        land[taker] += 1.0
        return 0.0, 0.0, 1.0
    if move == GIVE_CORN and corn[giver] > 0.0:
        amount = min(gift, corn[giver])
        corn[giver] -= amount
        corn[taker] += amount
        return amount, 0.0, 0.0
    if move == GIVE_LABOUR and labour[giver] >= 1.0:
        labour[giver] -= 1.0
        labour[taker] += 1.0
        return 0.0, 1.0, 0.0
    return 0.0, 0.0, 0.0


@njit(inline="always")
def _end_value(world, opt, agent, row, side):
    """(reward, value) at an encounter's end: the starter's body step to come, then its discounted
    meta value; the other's meta value as it stands."""
    land, corn, labour, hunger, q_meta, v_start, tie_dst = world[0], world[1], world[2], world[3], world[6], world[10], world[7]
    slots = world[16][0]
    if side == 1:
        s = meta_state(land, corn, labour, hunger, row, opt[O_PRODUCTION])
        return 0.0, value(q_meta, v_start, tie_dst, slots, agent, s, opt[O_INIT]), s
    keep_labour, keep_hunger = labour[row], hunger[row]
    labour[row] = 1.0
    hunger[row] = min(hunger[row] + 1.0, opt[O_HUNGER_CAP])
    s = meta_state(land, corn, labour, hunger, row, opt[O_PRODUCTION])
    reward = -opt[O_HUNGER_WEIGHT] * hunger[row]
    labour[row], hunger[row] = keep_labour, keep_hunger
    return reward, opt[O_GAMMA] * value(q_meta, v_start, tie_dst, slots, agent, s, opt[O_INIT]), s


@njit(cache=True)
def play(world, buffer, opt, rng, counts, tie, agent_x, row_x, agent_y, row_y, kind_x, kind_y, step, real):
    """One encounter over ``tie`` (x its owner, who started it; y moves first). ``kind`` per side:
    LEARN (epsilon-greedy on the tie's Q, learning with ``step``), RANDOM (a deviant), MODEL (the
    model of others). ``real``: count it, pay pain into wellbeing, maybe record it in B.
    Returns x's rewards within the encounter (hits) and the value of its end to x (the body
    step's reward to come and the discounted meta value after it)."""
    land, corn, labour = world[0], world[1], world[2]
    eps, q_tie, tie_ctx, tie_obs, flow, welfare = world[5], world[11], world[8], world[12], world[13], world[14]
    emp, norm, delta, bmoves, blen, bctx, bend, bterm, bcount = (buffer[0], buffer[1], buffer[2], buffer[3], buffer[4],
                                                                buffer[5], buffer[6], buffer[7], buffer[8])
    ctx = tie_ctx[tie]
    max_moves = int(opt[O_MAX_MOVES])
    other_model = int(opt[O_OTHER_MODEL])
    tremble, imitation, prior = opt[O_TREMBLE], opt[O_IMITATION], opt[O_EMPIRICAL_PRIOR]
    move_eps_own = math.isnan(opt[O_MOVE_EPS])
    agents = (agent_x, agent_y)
    rows = (row_x, row_y)
    kinds = (kind_x, kind_y)
    last0, last1 = NO_MOVE, NO_MOVE
    prev_s0, prev_s1, prev_a0, prev_a1 = -1, -1, -1, -1
    acc0, acc1, total0 = 0.0, 0.0, 0.0
    record = real and _unit(rng) < opt[O_BUFFER_RATE]
    slot = bcount[1] % bmoves.shape[0] if record else 0
    if record and bcount[1] >= bmoves.shape[0]:  # evict the oldest record from the empirical counts
        _count_record(emp, bmoves, blen, bctx, slot, -1.0)
    side = 1
    n = 0
    previous_goodbye = False
    gave, hit = False, False
    corn_from = np.zeros(2, dtype=np.bool_)
    while True:
        s = state_of(side, last0, last1)
        kind = kinds[side]
        agent = agents[side]
        if kind == LEARN:
            prev_s, prev_a = (prev_s1, prev_a1) if side == 1 else (prev_s0, prev_a0)
            if prev_s >= 0:
                acc = acc1 if side == 1 else acc0
                q = q_tie[tie, side, prev_s, prev_a]
                q_tie[tie, side, prev_s, prev_a] = q + step * (acc + _max_q(q_tie, tie, side, s) - q)
            if _unit(rng) < (eps[agent] if move_eps_own else opt[O_MOVE_EPS]):
                a = _below(rng, MOVES)
            elif imitation > 0.0 and _seen(emp, ctx, side, s):
                a = _imitating_move(q_tie, tie, side, s, emp, ctx, imitation, opt[O_IMITATION_SCALE], prior, rng)
            else:
                a = _greedy_move(q_tie, tie, side, s, rng)
        elif kind == RANDOM:
            a = _below(rng, MOVES)
        else:
            p_dev = 0.0
            if other_model == NORM_DEVIANT:
                p_dev = _deviant_posterior(delta[0], tie_obs[tie, 1 - side, 0], tie_obs[tie, 1 - side, 1], tremble)
            a = _model_move(emp, norm, ctx, side, s, p_dev, other_model, tremble, prior, rng)
        if side == 1:
            prev_s1, prev_a1, acc1 = s, a, 0.0
        else:
            prev_s0, prev_a0, acc0 = s, a, 0.0
        moved_corn, moved_labour, moved_land = _apply(a, rows[side], rows[1 - side], land, corn, labour, opt[O_GIFT])
        if a == HIT:
            pain, cost = opt[O_HIT_PAIN], opt[O_HIT_COST]
            if side == 1:
                acc0 -= pain
                acc1 -= cost
                total0 -= pain
            else:
                acc1 -= pain
                acc0 -= cost
                total0 -= cost
            if real:
                welfare[agents[1 - side]] -= pain
                welfare[agent] -= cost
                counts[C_HITS] += 1
                hit = True
        if real:
            if a <= GIVE_LABOUR and moved_corn + moved_labour + moved_land > 0.0:
                gave = True

                counts[C_CORN_GIVEN] += moved_corn
                counts[C_LABOUR_GIVEN] += moved_labour
                counts[C_LAND_GIVEN] += moved_land
                flow[tie, side] += moved_corn + opt[O_PRODUCTION] * moved_labour
            if other_model == NORM_DEVIANT:  # what the other end sees of this mover
                modal = norm[ctx, side, s]
                if modal >= 0:
                    tie_obs[tie, 1 - side, 0 if a == modal else 1] += 1
            counts[C_MOVES] += 1
            corn_from[side] |= a == GIVE_CORN
        if record:
            bmoves[slot, n] = a
        n += 1
        if side == 1:
            last1 = a
        else:
            last0 = a
        if (n == 1 and a == GOODBYE) or (a == GOODBYE and previous_goodbye) or n >= max_moves:
            break
        previous_goodbye = a == GOODBYE
        side = 1 - side
    # terminal updates
    end_reward0, end_value0, end_s0 = _end_value(world, opt, agent_x, row_x, 0)
    end_reward1, end_value1, end_s1 = _end_value(world, opt, agent_y, row_y, 1)
    if kind_x == LEARN and prev_s0 >= 0:
        q = q_tie[tie, 0, prev_s0, prev_a0]
        q_tie[tie, 0, prev_s0, prev_a0] = q + step * (acc0 + end_reward0 + end_value0 - q)
    if kind_y == LEARN and prev_s1 >= 0:
        q = q_tie[tie, 1, prev_s1, prev_a1]
        q_tie[tie, 1, prev_s1, prev_a1] = q + step * (acc1 + end_reward1 + end_value1 - q)
    if real:
        counts[C_ENCOUNTERS] += 1
        if n == 1:
            counts[C_DECLINED] += 1
        if gave:
            counts[C_GIFT_ENCOUNTERS] += 1
        if corn_from[0] and corn_from[1] and not hit:
            counts[C_SHARING_ENCOUNTERS] += 1
    if record:
        blen[slot] = n
        bctx[slot] = ctx
        bend[slot, 0], bend[slot, 1] = end_s0, end_s1
        bterm[slot, 0], bterm[slot, 1] = end_reward0, end_reward1
        _count_record(emp, bmoves, blen, bctx, slot, 1.0)
        bcount[1] += 1
        bcount[0] = min(bcount[1], bmoves.shape[0])
    return total0, end_reward0 + end_value0


@njit(inline="always")
def _count_record(emp, bmoves, blen, bctx, slot, sign):
    """Add (sign 1) or remove (-1) a record's moves from the empirical policy's counts."""
    last0, last1 = NO_MOVE, NO_MOVE
    side = 1
    for i in range(blen[slot]):
        a = bmoves[slot, i]
        if side == 1:
            emp[bctx[slot], 1, state_of(1, last0, last1), a] += sign
            last1 = a
        else:
            emp[bctx[slot], 0, state_of(0, last0, last1), a] += sign
            last0 = a
        side = 1 - side


@njit(cache=True)
def selfplay(world, buffer, opt, rng, counts, tie, games, scratch):
    """Both ends of ``tie`` learn by playing their side against the model of others, on copies of
    their goods in the scratch rows; the owner's starting value learns from these games too."""
    land, corn, labour, hunger, v_start, tie_dst = world[0], world[1], world[2], world[3], world[10], world[7]
    slots = world[16][0]
    x = tie // slots
    y = tie_dst[tie]
    alpha = opt[O_ALPHA]
    for g in range(games):
        for side in range(2):
            for row, source in ((scratch, x), (scratch + 1, y)):
                land[row], corn[row], labour[row], hunger[row] = land[source], corn[source], labour[source], hunger[source]
            if side == 0:
                inside, after = play(world, buffer, opt, rng, counts, tie, x, scratch, y, scratch + 1, LEARN, MODEL, alpha,
                                     False)
                v_start[tie] += alpha * (inside + after - v_start[tie])
            else:
                play(world, buffer, opt, rng, counts, tie, x, scratch, y, scratch + 1, MODEL, LEARN, alpha, False)


@njit(cache=True)
def new_tie(world, buffer, opt, rng, counts, tie, contexts, scratch):
    """Point ``tie`` at a new agent (seed 001, ch. 3): a uniform context, and the agent where a
    random walk along ties from the owner stops (chance ``walk_stop`` at each agent the owner has
    no tie of that context to); then set its Q-functions by self-play."""
    tie_dst, tie_ctx, tie_uses, tie_obs, flow = world[7], world[8], world[9], world[12], world[13]
    slots = world[16][0]
    agents = world[6].shape[0]
    x = tie // slots
    ctx = _below(rng, contexts)
    target = -1
    current = x
    for _ in range(100):
        nxt = tie_dst[current * slots + _below(rng, slots)]
        if nxt < 0:
            continue
        current = nxt
        if current != x and not _has_tie(tie_dst, tie_ctx, slots, x, current, ctx) and _unit(rng) < opt[O_WALK_STOP]:
            target = current
            break
    if target < 0:
        target = _below(rng, agents - 1)
        if target >= x:
            target += 1
    tie_dst[tie], tie_ctx[tie], tie_uses[tie] = target, ctx, 0
    tie_obs[tie, :, :] = 0
    flow[tie, :] = 0.0
    start_tie(world, opt, tie)
    selfplay(world, buffer, opt, rng, counts, tie, int(opt[O_SELFPLAY]), scratch)


@njit(cache=True)
def start_tie(world, opt, tie):
    """A new tie's Q-functions before self-play: ``initial_q``, or (nan) what each end knows
    without knowing the other: the value of its own goods after the move (seed 001 leaves the
    prior open; our choice), Q(s, a) = V(goods after a) - hit_cost if a is a hit, for every s;
    the starter's starting value is its value of its best game alone."""
    land, corn, labour, hunger, q_meta, tie_dst, v_start, q_tie = (world[0], world[1], world[2], world[3], world[6],
                                                                  world[7], world[10], world[11])
    slots = world[16][0]
    production, init = opt[O_PRODUCTION], opt[O_INIT]
    x, y = tie // slots, tie_dst[tie]
    v_start[tie] = _alone(q_meta, x, meta_state(land, corn, labour, hunger, x, production))
    if not math.isnan(opt[O_INITIAL_Q]):
        q_tie[tie, :, :, :] = opt[O_INITIAL_Q]
        return
    scratch = q_meta.shape[0]  # the first scratch row
    for side, agent in ((0, x), (1, y)):
        for a in range(MOVES):
            land[scratch], corn[scratch], labour[scratch] = land[agent], corn[agent], labour[agent]
            hunger[scratch] = hunger[agent]
            _apply(a, scratch, scratch + 1, land, corn, labour, opt[O_GIFT])
            s = meta_state(land, corn, labour, hunger, scratch, production)
            q = value(q_meta, v_start, tie_dst, slots, agent, s, init) - (opt[O_HIT_COST] if a == HIT else 0.0)
            q_tie[tie, side, :, a] = q


@njit(cache=True)
def first_ties(world, buffer, opt, rng, counts, contexts, complete):
    """The ties at the start (seed 001, ch. 3): to distinct random others (or to everyone, on a
    complete graph), each of a uniform random context, their Q-functions set by self-play."""
    tie_dst, tie_ctx, q_meta = world[7], world[8], world[6]
    slots = world[16][0]
    agents = q_meta.shape[0]
    for x in range(agents):
        for k in range(slots):
            tie = x * slots + k
            if complete:
                target = k if k < x else k + 1
            else:
                while True:
                    target = _below(rng, agents - 1)
                    if target >= x:
                        target += 1
                    taken = False
                    for j in range(k):
                        taken = taken or tie_dst[x * slots + j] == target
                    if not taken:
                        break
            tie_dst[tie], tie_ctx[tie] = target, _below(rng, contexts)
    for tie in range(agents * slots):
        start_tie(world, opt, tie)
        selfplay(world, buffer, opt, rng, counts, tie, int(opt[O_SELFPLAY]), agents)


@njit(inline="always")
def _has_tie(tie_dst, tie_ctx, slots, x, y, ctx):
    for k in range(slots):
        if tie_dst[x * slots + k] == y and tie_ctx[x * slots + k] == ctx:
            return True
    return False


@njit(cache=True)
def fit_norm(buffer, opt):
    """The social norm (B's most frequent move per context, side and state; -1 where B has none)
    and the share of deviants Delta of highest posterior given B (seed 001, 3.1.2), on a grid."""
    emp, norm, delta, bmoves, blen, bctx, bcount = buffer[0], buffer[1], buffer[2], buffer[3], buffer[4], buffer[5], buffer[8]
    contexts = emp.shape[0]
    for c in range(contexts):
        for side in range(2):
            for s in range(STATES):
                best, modal = 0.0, -1
                for a in range(MOVES):
                    if emp[c, side, s, a] > best + 1e-9:
                        best, modal = emp[c, side, s, a], a
                norm[c, side, s] = modal
    tremble, n_prior = opt[O_TREMBLE], opt[O_PRIOR_N]
    best_value, best_delta = -np.inf, 0.0
    for g in range(DELTA_GRID):
        d = (g + 1.0) / (DELTA_GRID + 1.0)
        total = math.log(d) + n_prior * math.log(1.0 - d)  # the prior, up to a constant
        for r in range(bcount[0]):
            for side in range(2):
                conform, deviate, moves = 0, 0, 0
                last0, last1 = NO_MOVE, NO_MOVE
                mover = 1
                for i in range(blen[r]):
                    a = bmoves[r, i]
                    if mover == side:
                        s = state_of(side, last0, last1)
                        modal = norm[bctx[r], side, s]
                        if modal >= 0:
                            if a == modal:
                                conform += 1
                            else:
                                deviate += 1
                        moves += 1
                    if mover == 1:
                        last1 = a
                    else:
                        last0 = a
                    mover = 1 - mover
                if moves == 0:
                    continue
                norm_like = (1.0 - d) * (1.0 - tremble) ** conform * (tremble / (MOVES - 1)) ** deviate
                total += math.log(norm_like + d * (1.0 / MOVES) ** (conform + deviate))
        if total > best_value:
            best_value, best_delta = total, d
    delta[0] = best_delta


@njit(cache=True)
def run_turns(world, buffer, opt, rng, counts, first, turns, contexts):
    """Turns ``first`` .. ``first + turns - 1`` of the meta-game."""
    land, corn, labour, hunger, deviant, eps, q_meta = world[0], world[1], world[2], world[3], world[4], world[5], world[6]
    tie_dst, tie_uses, v_start, welfare, own_turns = world[7], world[9], world[10], world[14], world[15]
    slots = world[16][0]
    agents = q_meta.shape[0]
    scratch = agents
    production, gamma, init, alpha = opt[O_PRODUCTION], opt[O_GAMMA], opt[O_INIT], opt[O_ALPHA]
    refit = int(opt[O_REFIT])
    for t in range(first, first + turns):
        if opt[O_OTHER_MODEL] == NORM_DEVIANT and t % refit == 0:
            fit_norm(buffer, opt)
        x = _below(rng, agents)
        s = meta_state(land, corn, labour, hunger, x, production)
        # the meta-game: a game alone, or an encounter over a live tie
        if _unit(rng) < eps[x]:
            choice = _below(rng, GAMES + slots)
            if choice >= GAMES and tie_dst[x * slots + choice - GAMES] < 0:
                choice = DO_NOTHING
        else:
            choice, best = 0, q_meta[x, s, 0]
            for g in range(1, GAMES):
                if q_meta[x, s, g] > best:
                    choice, best = g, q_meta[x, s, g]
            for k in range(slots):
                tie = x * slots + k
                if tie_dst[tie] >= 0 and init * v_start[tie] > best:
                    choice, best = GAMES + k, init * v_start[tie]
        eps[x] = max(opt[O_EPS_FLOOR], eps[x] * opt[O_EPS_DECAY])
        eaten_reward, hits = 0.0, 0.0
        tie = -1
        if choice <= EAT_ALL:
            corn[x] += production * min(land[x], labour[x])
            labour[x] = 1.0
            eaten = corn[x] * (0.0 if choice == EAT_NOTHING else (0.5 if choice == EAT_HALF else 1.0))
            corn[x] -= eaten
            hunger[x] = max(0.0, hunger[x] - eaten / opt[O_MEAL])
            eaten_reward = math.log1p(eaten / production)
            counts[C_EATS] += 1
        elif choice >= GAMES:
            tie = x * slots + choice - GAMES
            y = tie_dst[tie]
            hits, _ = play(world, buffer, opt, rng, counts, tie, x, x, y, y, RANDOM if deviant[x] else LEARN,
                           RANDOM if deviant[y] else LEARN, alpha, True)
            if opt[O_SELFPLAY_EACH] > 0:
                selfplay(world, buffer, opt, rng, counts, tie, int(opt[O_SELFPLAY_EACH]), scratch)
        # the body's timestep
        labour[x] = 1.0
        hunger[x] = min(hunger[x] + 1.0, opt[O_HUNGER_CAP])
        body = -opt[O_HUNGER_WEIGHT] * hunger[x]
        welfare[x] += eaten_reward + body  # pain from hits went in as it happened
        own_turns[x] += 1
        s_next = meta_state(land, corn, labour, hunger, x, production)
        target = eaten_reward + hits + body + gamma * value(q_meta, v_start, tie_dst, slots, x, s_next, init)
        if tie < 0:
            q_meta[x, s, choice] += alpha * (target - q_meta[x, s, choice])
        else:
            v_start[tie] += alpha * (target - v_start[tie])
            tie_uses[tie] += 1
            if tie_uses[tie] >= opt[O_REPLACE_AFTER] and init * v_start[tie] < _alone(q_meta, x, s_next) - opt[O_MARGIN]:
                counts[C_REPLACED] += 1
                if opt[O_ATTRITION] > 0:
                    tie_dst[tie] = -1
                else:
                    new_tie(world, buffer, opt, rng, counts, tie, contexts, scratch)
        counts[C_TURNS] += 1
