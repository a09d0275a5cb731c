"""The encounter loop of the sugar-and-spice world (seed 001, chapter 2), compiled.

Each encounter draws an ordered pair (i, j), i != j, uniformly; each agent finds its state
(what it remembers of the other, or of its own last game), chooses trade (0) or steal (1)
epsilon-greedily, gets its wellbeing from Table 2.1, updates its Q-table toward the state it
will next be in with this partner (``polislab.learn.qtable``), and remembers the game.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from polislab.core.rng import advance_words, to_unit
from polislab.learn.qtable import greedy, update

NONE, PARTNER, OWN_LAST, FRIENDS = 0, 1, 2, 3
STRANGER = 4


@njit(inline="always")
def _find_friend(friend_ids, friend_count, agent, other):
    for slot in range(friend_count[agent]):
        if friend_ids[agent, slot] == other:
            return slot
    return -1


@njit(inline="always")
def _state_of(memory, agent, other, pair_state, own_state, friend_ids, friend_state, friend_count):
    if memory == NONE:
        return 0
    if memory == PARTNER:
        return pair_state[agent, other]
    if memory == OWN_LAST:
        return own_state[agent]
    return _friend_state(agent, other, friend_ids, friend_state, friend_count)


@njit(inline="always")
def _friend_state(agent, other, friend_ids, friend_state, friend_count):
    slot = _find_friend(friend_ids, friend_count, agent, other)
    return friend_state[agent, slot] if slot >= 0 else STRANGER


@njit(inline="always")
def _remember(memory, agent, other, game, pair_state, own_state, friend_ids, friend_state, friend_count,
              next_forget, keep_last):
    """Store the game's state; return the state the agent will next be in with ``other``."""
    if memory == NONE:
        return 0
    if memory == PARTNER:
        pair_state[agent, other] = game
        return game
    if memory == OWN_LAST:
        own_state[agent] = game
        return game
    return _friend_remember(agent, other, game, friend_ids, friend_state, friend_count, next_forget, keep_last)


@njit(inline="always")
def _friend_remember(agent, other, game, friend_ids, friend_state, friend_count, next_forget, keep_last):
    slot = _find_friend(friend_ids, friend_count, agent, other)
    capacity = friend_ids.shape[1]
    if slot < 0:
        if friend_count[agent] < capacity:
            slot = friend_count[agent]
            friend_count[agent] += 1
        elif keep_last:
            slot = next_forget[agent]
            next_forget[agent] = (slot + 1) % capacity
        else:
            return STRANGER  # the first n are kept; everyone else stays a stranger
        friend_ids[agent, slot] = other
    friend_state[agent, slot] = game
    return game


@njit(inline="always")
def _choose(greedy_action, word, explore):
    """epsilon-greedy without a branch: the word's lowest bit when exploring, else the greedy action
    (exploration at 25% is a coin the branch predictor cannot learn; a select costs nothing)."""
    return int(word & 1) * explore + greedy_action * (1 - explore)


@njit(inline="always")
def _restick(q, best, agent, state):
    """The source code's tie rule (QTablePolicy.h): the best action changes only when another's
    Q-value is strictly greater than the current best's. Returns whether it changed."""
    changed = False
    for action in range(q.shape[2]):
        if q[agent, state, action] > q[agent, state, best[agent, state]]:
            best[agent, state] = action
            changed = True
    return changed


def _compile_run(memory: int, sticky: bool):
    """The encounter loop for one memory kind and tie rule: ``memory`` and ``sticky`` are
    compile-time constants here, so the loop holds no code of the other variants (a friends path
    left in it, even untaken, made the loop 3-5x slower). ``sticky``: actions are read from
    ``best`` and kept until another is strictly better (the source code's rule); otherwise the
    greedy action of the Q-values, ties to 0."""

    @njit(cache=True, nogil=True)
    def _run(encounters, first, rng, q, counts, steps, epsilon, best, pair_state, own_state, friend_ids, friend_state,
            friend_count, next_forget, rewards, options, learners, earned, met, last_change, stable_encounters):
        """Run encounters ``first`` .. ``first + encounters - 1``, or stop once no policy changed for
        ``stable_encounters`` (> 0); return how many ran. ``earned``/``met`` accumulate each agent's
        wellbeing and encounters; ``last_change[0]`` is the encounter of the last policy change.
        ``options`` = (gamma, decay, floor, keep_last); ``steps``: the step table (alpha included)."""
        agents = q.shape[0]
        gamma = options[0]
        decay, floor, keep_last = options[1], options[2], options[3] > 0
        done = 0
        track = stable_encounters > 0  # policy changes are watched only when a run stops on them
        s0, s1, s2, s3 = rng[0], rng[1], rng[2], rng[3]  # the stream lives in locals in the hot loop
        for t in range(first, first + encounters):
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            i = int(to_unit(word) * agents)
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            j = int(to_unit(word) * (agents - 1))
            if j >= i:
                j += 1
            s_i = _state_of(memory, i, j, pair_state, own_state, friend_ids, friend_state, friend_count)
            s_j = _state_of(memory, j, i, pair_state, own_state, friend_ids, friend_state, friend_count)
            # epsilon-greedy: one word decides whether to explore (top bits) and what (lowest bit)
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            a_i = _choose(best[i, s_i] if sticky else greedy(q, i, s_i), word, (i < learners) & (to_unit(word) < epsilon[i]))
            word, s0, s1, s2, s3 = advance_words(s0, s1, s2, s3)
            a_j = _choose(best[j, s_j] if sticky else greedy(q, j, s_j), word, (j < learners) & (to_unit(word) < epsilon[j]))
            r_i = rewards[2 * a_i + a_j]
            r_j = rewards[2 * a_j + a_i]
            next_i = _remember(memory, i, j, 2 * a_i + a_j, pair_state, own_state, friend_ids, friend_state,
                               friend_count, next_forget, keep_last)
            next_j = _remember(memory, j, i, 2 * a_j + a_i, pair_state, own_state, friend_ids, friend_state,
                               friend_count, next_forget, keep_last)
            if i < learners:
                changed = update(q, counts, steps, i, s_i, a_i, r_i, next_i, gamma, track and not sticky)
                if sticky:
                    changed = _restick(q, best, i, s_i)
                if changed:
                    last_change[0] = t
                epsilon[i] = max(floor, epsilon[i] * decay)
            if j < learners:
                changed = update(q, counts, steps, j, s_j, a_j, r_j, next_j, gamma, track and not sticky)
                if sticky:
                    changed = _restick(q, best, j, s_j)
                if changed:
                    last_change[0] = t
                epsilon[j] = max(floor, epsilon[j] * decay)
            earned[i] += r_i
            earned[j] += r_j
            met[i] += 1
            met[j] += 1
            done += 1
            if stable_encounters > 0 and t - last_change[0] >= stable_encounters:
                break
        rng[0], rng[1], rng[2], rng[3] = s0, s1, s2, s3
        return done

    return _run


_RUNS: dict[tuple[int, bool], object] = {}


def run(encounters, first, rng, q, counts, steps, epsilon, best, memory, *rest):
    """Run encounters with the loop compiled for ``memory`` (NONE, PARTNER, OWN_LAST, FRIENDS) and
    the tie rule (sticky when ``best`` holds a best action per agent and state; empty otherwise)."""
    sticky = best.size > 0
    if (memory, sticky) not in _RUNS:
        _RUNS[memory, sticky] = _compile_run(memory, sticky)
    return _RUNS[memory, sticky](encounters, first, rng, q, counts, steps, epsilon, best, *rest)


def greedy_actions(q: np.ndarray, best: np.ndarray) -> np.ndarray:
    """Each agent's action per state: ``best`` under the sticky rule, else the greedy one (ties 0)."""
    return best.copy() if best.size > 0 else (q[:, :, 1] > q[:, :, 0]).astype(np.int64)


def policy_numbers(greedy: np.ndarray, memory: str) -> np.ndarray:
    """Each agent's policy from its action per state: sum_s action(s) 2^s over states 0-3 (seed
    001 numbering); with no memory, the one action (0 trade, 1 steal)."""
    if memory == "none":
        return greedy[:, 0]
    return (greedy[:, :4] * (1 << np.arange(4))).sum(axis=1)
