"""The platform's day, compiled: activations that post, rank a feed, read, like, follow, unfollow
and update opinions (seed 003; issue 23; the rules are ``PlatformParams``'s docstring).

State is flat arrays: opinions and activity (n), followee lists of fixed capacity with a
disagreement counter per slot (n x max_follows), follower counts (n), each user's last posts in a
ring (n x posts_kept: stance, time, likes), and the platform's last posts in a ring of their own
(author, slot, time), which discovery and the random feed draw from. A feed is assembled in scratch arrays allocated
once per call, scored by the ranker (a built-in branch, or a user's score function compiled in)
and ranked by partial selection (feed_size passes over the candidates), with no Python per user.
Each ranker, with or without the event log, compiles its own loop (``run`` dispatches to it), so
no variant's untaken branches slow another's.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from polislab.core.rng import below, uniform

CHRONOLOGICAL, POPULARITY, ENGAGEMENT, BRIDGING, RANDOM = range(5)
EXPONENTIAL, THRESHOLD = 0, 1
NO_UPDATE, BOUNDED_CONFIDENCE, SOCIAL_RL = 0, 1, 2
RANDOM_SCHEDULE, ROUND_ROBIN = 0, 1
CUSTOM = 100  # a ranker whose score is a compiled Python function
LIKES_REWARD, NET_REWARD = 0, 1
# counters
POSTS, READS, LIKES, ECHOES, FOLLOWS, UNFOLLOWS, LEARNED = range(7)
COUNTERS = ("posts", "reads", "likes", "echoes", "new_follows", "unfollows", "rl_updates")
# the real options, in order
(STANCE_SD, LIKE_MAX, LIKE_WIDTH, FOLLOW_PROB, DISAGREE, CONFIDENCE, STEP, ECHO, RL_RATE, RL_EXPLORATION,
 PER_DAY) = range(11)
# events (one row each in ``events``: kind, time, user, post, author; ``event_stance``: a post's stance)
POSTED, LIKED, FOLLOWED, UNFOLLOWED = range(4)
EVENT_COLUMNS = 5


@njit(cache=True)
def pick(cumulative, state):
    """An index drawn with probability proportional to its weight (``cumulative``: running sums)."""
    u = uniform(state) * cumulative[-1]
    low, high = 0, cumulative.shape[0] - 1
    while low < high:
        middle = (low + high) // 2
        if cumulative[middle] > u:
            high = middle
        else:
            low = middle + 1
    return low


@njit(cache=True)
def follow_graph(n, follows, fitness_cumulative, uniform_targets, capacity, state):
    """Each user follows ``follows`` distinct others: uniformly, or with probability proportional
    to the targets' fitness. Returns (followees, counts, followers)."""
    followees = np.full((n, capacity), -1, dtype=np.int32)
    counts = np.zeros(n, dtype=np.int32)
    followers = np.zeros(n, dtype=np.int64)
    for i in range(n):
        while counts[i] < follows:
            target = below(state, n) if uniform_targets else pick(fitness_cumulative, state)
            if target == i:
                continue
            seen = False
            for j in range(counts[i]):
                if followees[i, j] == target:
                    seen = True
                    break
            if not seen:
                followees[i, counts[i]] = target
                counts[i] += 1
                followers[target] += 1
    return followees, counts, followers


@njit(inline="always")
def _normal(state):
    """A standard normal draw (Box-Muller, one of the pair)."""
    return math.sqrt(-2.0 * math.log(1.0 - uniform(state))) * math.cos(2.0 * math.pi * uniform(state))


@njit(inline="always")
def _unfollow(followees, counts, disagree, followers, i, author):
    for j in range(counts[i]):
        if followees[i, j] == author:
            last = counts[i] - 1
            followees[i, j] = followees[i, last]
            disagree[i, j] = disagree[i, last]
            followees[i, last] = -1
            disagree[i, last] = 0
            counts[i] = last
            followers[author] -= 1
            return


@njit(inline="always")
def _level_value(level, levels):
    return -1.0 + 2.0 * level / (levels - 1)


@njit(inline="always")
def _learn_and_choose(q, level, likes, reads, posted, opinion, i, kept, options, state, reward, counters):
    """Social RL (the opinion study's learner, rewarded by likes): the stance level of i's last
    post earns its reward r, Q <- (1 - alpha) Q + alpha r, where r is the likes that post received
    (``reward`` LIKES_REWARD) or the mean of +1 per like and -1 per read without one (NET_REWARD;
    no update when nobody read it); i's opinion is its greedy level, and it posts that level, or
    with probability epsilon a uniformly random one. Returns the stance to post."""
    levels = q.shape[1]
    if posted[i] > 0:
        a = level[i]
        last = (posted[i] - 1) % kept
        if reward == LIKES_REWARD:
            q[i, a] = (1.0 - options[RL_RATE]) * q[i, a] + options[RL_RATE] * likes[i, last]
            counters[LEARNED] += 1
        elif reads[i, last] > 0:
            r = (2.0 * likes[i, last] - reads[i, last]) / reads[i, last]
            q[i, a] = (1.0 - options[RL_RATE]) * q[i, a] + options[RL_RATE] * r
            counters[LEARNED] += 1
    best = 0
    for a in range(1, levels):
        if q[i, a] > q[i, best]:
            best = a
    opinion[i] = _level_value(best, levels)
    chosen = below(state, levels) if uniform(state) < options[RL_EXPLORATION] else best
    level[i] = chosen
    return _level_value(chosen, levels)


@njit(inline="always")
def _score(ranker, likes, stance, author, at, x):
    """A candidate's score under a built-in ``ranker``: higher ranks first (ties: the newer)."""
    if ranker == POPULARITY:
        return float(likes[author, at])
    if ranker == ENGAGEMENT:
        return -abs(stance[author, at] - x)
    if ranker == BRIDGING:
        return abs(stance[author, at] - x)
    return 0.0  # chronological, random: by time alone


@njit(inline="always")
def _recent(recent, recent_count, state, time, reader):
    """The ring slot of a uniformly random one of the platform's recent posts, or -1 when there is
    none or it is the reader's own or its author's ring has since overwritten it."""
    held = min(recent_count[0], recent.shape[0])
    if held == 0:
        return -1
    r = below(state, held)
    author, at = recent[r, 0], recent[r, 1]
    if author == reader or time[author, at] != recent[r, 2]:
        return -1
    return r


@njit(inline="always")
def _log(events, event_stance, logged, kind, t, user, post, author, value):
    e = logged[0]
    events[e, 0], events[e, 1], events[e, 2], events[e, 3], events[e, 4] = kind, t, user, post, author
    event_stance[e] = value
    logged[0] = e + 1


def _compile(ranker: int, custom, record: bool):
    """The day's loop for one ranker, with or without the event log (constants of the closure:
    their branches are pruned); ``custom``: the compiled score function of a CUSTOM ranker,
    ``custom(reader_opinion, stance, likes, age_days, author_followers)`` (``rankers.py``), else
    None. A loop with a custom ranker is not cached (its function is not a constant numba can key
    a cache on)."""

    @njit(cache=custom is None)
    def run(activations, t0, state, cumulative, opinion, followees, counts, disagree, followers, stance, time, likes,
            reads, posted, counters, options, schedule, like_shape, update, reward, feed_size, unfollow_after, discover,
            q, level, who, frozen, reached, recent, recent_count, events, event_stance, logged):
        """``activations`` activations from platform time ``t0`` (an activation is one unit of time);
        ``likes`` and ``reads`` count each kept post's; ``q`` and ``level`` (n x stances, n):
        social RL's values and each user's last stance level; ``who``: the user of each activation,
        -1 where drawn by the schedule (influencers act so); ``frozen``: users whose opinion never
        changes; ``reached``: posts of each author read; ``recent``: the platform's last posts
        (author, slot, time) in a ring, ``recent_count[0]`` of them written so far; when
        recording, ``events`` and ``event_stance`` get one row per post, like, follow and unfollow,
        ``logged[0]`` of them written (room: activations x (1 + 2 feed_size) rows)."""
        n, capacity = followees.shape
        kept = stance.shape[1]
        room = capacity * kept + discover if ranker != RANDOM else feed_size
        authors = np.empty(room, dtype=np.int32)
        slots = np.empty(room, dtype=np.int32)
        scores = np.empty(room, dtype=np.float64)
        ages = np.empty(room, dtype=np.int64)
        leaving = np.empty(feed_size, dtype=np.int32)
        for step in range(activations):
            t = t0 + step
            i = who[step]
            if i < 0:
                i = (t % n) if schedule == ROUND_ROBIN else pick(cumulative, state)
            x = opinion[i]
            if update == SOCIAL_RL and not frozen[i]:  # learn from the likes of the last post, then choose a stance
                x = _learn_and_choose(q, level, likes, reads, posted, opinion, i, kept, options, state, reward,
                                      counters)
            # 1. post
            slot = posted[i] % kept
            s = x + options[STANCE_SD] * _normal(state) if options[STANCE_SD] > 0 else x
            stance[i, slot] = min(1.0, max(-1.0, s))
            time[i, slot] = t
            likes[i, slot] = 0
            reads[i, slot] = 0
            posted[i] += 1
            counters[POSTS] += 1
            if record:
                _log(events, event_stance, logged, POSTED, t, i, t, i, stance[i, slot])
            r = recent_count[0] % recent.shape[0]  # the platform's recent posts, for discovery
            recent[r, 0], recent[r, 1], recent[r, 2] = i, slot, t
            recent_count[0] += 1
            # 2. the feed's candidates
            c = 0
            if ranker == RANDOM:
                for _ in range(feed_size):
                    r = _recent(recent, recent_count, state, time, i)
                    if r >= 0:
                        authors[c], slots[c], ages[c] = recent[r, 0], recent[r, 1], recent[r, 2]
                        c += 1
            else:
                for j in range(counts[i]):  # the followees' last posts
                    author = followees[i, j]
                    for back in range(min(kept, posted[author])):
                        at = (posted[author] - 1 - back) % kept
                        authors[c] = author
                        slots[c] = at
                        ages[c] = time[author, at]
                        c += 1
                for _ in range(discover):  # and recent posts from anyone
                    r = _recent(recent, recent_count, state, time, i)
                    if r >= 0:
                        authors[c], slots[c], ages[c] = recent[r, 0], recent[r, 1], recent[r, 2]
                        c += 1
                for k in range(c):
                    author, at = authors[k], slots[k]
                    if ranker == CUSTOM:
                        scores[k] = custom(x, stance[author, at], float(likes[author, at]),
                                           (t - ages[k]) / options[PER_DAY], float(followers[author]))
                    else:
                        scores[k] = _score(ranker, likes, stance, author, at, x)
                # rank: the best feed_size by (score, newest) to the front, by partial selection
                for k in range(min(feed_size, c)):
                    best = k
                    for m in range(k + 1, c):
                        if scores[m] > scores[best] or (scores[m] == scores[best] and ages[m] > ages[best]):
                            best = m
                    authors[k], authors[best] = authors[best], authors[k]
                    slots[k], slots[best] = slots[best], slots[k]
                    scores[k], scores[best] = scores[best], scores[k]
                    ages[k], ages[best] = ages[best], ages[k]
                c = min(feed_size, c)
            # 3. read, like, follow; disagreements
            gone = 0
            for k in range(c):
                author, at = authors[k], slots[k]
                seen = stance[author, at]
                distance = abs(seen - opinion[i])
                counters[READS] += 1
                reads[author, at] += 1
                reached[author] += 1
                if distance < options[ECHO]:
                    counters[ECHOES] += 1
                if like_shape == EXPONENTIAL:
                    chance = options[LIKE_MAX] * math.exp(-distance / options[LIKE_WIDTH])
                else:
                    chance = options[LIKE_MAX] if distance <= options[LIKE_WIDTH] else 0.0
                where = -1
                for j in range(counts[i]):
                    if followees[i, j] == author:
                        where = j
                        break
                if uniform(state) < chance:
                    likes[author, at] += 1
                    counters[LIKES] += 1
                    if record:
                        _log(events, event_stance, logged, LIKED, t, i, time[author, at], author, seen)
                    if where < 0 and counts[i] < capacity and uniform(state) < options[FOLLOW_PROB]:
                        followees[i, counts[i]] = author
                        disagree[i, counts[i]] = 0
                        counts[i] += 1
                        followers[author] += 1
                        counters[FOLLOWS] += 1
                        if record:
                            _log(events, event_stance, logged, FOLLOWED, t, i, time[author, at], author, seen)
                elif where >= 0 and unfollow_after > 0 and distance > options[DISAGREE]:
                    if disagree[i, where] < 255:
                        disagree[i, where] += 1
                    if disagree[i, where] >= unfollow_after:
                        duplicate = False
                        for g in range(gone):
                            duplicate |= leaving[g] == author
                        if not duplicate:
                            leaving[gone] = author
                            gone += 1
                # 4. opinion
                if update == BOUNDED_CONFIDENCE and distance < options[CONFIDENCE] and not frozen[i]:
                    opinion[i] += options[STEP] * (seen - opinion[i])
            for g in range(gone):
                _unfollow(followees, counts, disagree, followers, i, leaving[g])
                counters[UNFOLLOWS] += 1
                if record:
                    _log(events, event_stance, logged, UNFOLLOWED, t, i, -1, leaving[g], np.nan)
        return activations

    return run


_RUNS: dict = {}


def run(ranker: int, custom, record: bool, *args):
    """The day's loop of ``ranker`` (``custom``: a CUSTOM ranker's compiled score function, else
    None), recording events or not, compiled on first use and run on ``args``."""
    variant = (ranker, custom, record)
    if variant not in _RUNS:
        _RUNS[variant] = _compile(ranker, custom, record)
    return _RUNS[variant](*args)
