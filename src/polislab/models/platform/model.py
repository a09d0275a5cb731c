"""A social-media platform: users post, read ranked feeds, like, follow and unfollow, and may
change their opinions (seed 003; issue 23). The rules are ``PlatformParams``'s docstring, the
day's loop is ``kernels.run``.

Metrics (at the end of the run; the series hold them day by day, ``step`` counting days):
- polarisation: the variance of opinions, Sarle's bimodality coefficient
  b = (g^2 + 1) / (k + 3 (n - 1)^2 / ((n - 2)(n - 3))) (g skewness, k excess kurtosis; above
  5/9 suggests two modes), and the share of users beyond ``extreme``;
- echo-chamber index: the share of posts read within ``echo_distance`` of the reader's opinion;
- engagement: likes per post read;
- follower inequality: the Gini coefficient of follower counts and the top 1%'s share;
- with influencers: their mean followers at the end and gained over the run, their reach (the
  share of all posts read that were theirs), and the other users' mean followers.
Opinion metrics leave the influencers out.
"""

from __future__ import annotations

import numpy as np

from polislab.core.progress import Progress
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.core.rng import new_state
from polislab.core.seeding import derived_seed
from polislab.models.platform import kernels
from polislab.models.platform.influencer import Influencers
from polislab.models.platform.params import PRESETS, RANKERS, PlatformParams

RANKER_CODES = {name: code for code, name in enumerate(RANKERS)}
LIKE_SHAPES = {"exponential": kernels.EXPONENTIAL, "threshold": kernels.THRESHOLD}
UPDATES = {"none": kernels.NO_UPDATE, "bounded-confidence": kernels.BOUNDED_CONFIDENCE, "social-rl": kernels.SOCIAL_RL}
SCHEDULES = {"random": kernels.RANDOM_SCHEDULE, "round-robin": kernels.ROUND_ROBIN}


def pareto(rng: np.random.Generator, n: int, exponent: float, mean: float) -> np.ndarray:
    """Pareto (Lomax-shifted, minimum 1) draws of tail exponent ``exponent``, scaled to ``mean``."""
    values = rng.pareto(exponent, n) + 1.0
    return values * (mean / values.mean())


def initial_opinions(params: PlatformParams, rng: np.random.Generator) -> np.ndarray:
    if params.opinions == "uniform":
        return rng.uniform(-1.0, 1.0, params.n)
    if params.opinions == "spaced":
        return np.linspace(-1.0, 1.0, params.n)
    return np.clip(rng.normal(0.0, params.opinion_sd, params.n), -1.0, 1.0)


def bimodality(x: np.ndarray) -> float:
    """Sarle's bimodality coefficient of a sample (nan for fewer than 4 values or no spread)."""
    n = len(x)
    spread = x.std()
    if n < 4 or spread == 0:
        return float("nan")
    z = (x - x.mean()) / spread
    skew, kurtosis = float(np.mean(z**3)), float(np.mean(z**4)) - 3.0
    return (skew**2 + 1.0) / (kurtosis + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


def gini(values: np.ndarray) -> float:
    """The Gini coefficient of non-negative values (0: all equal)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    total = v.sum()
    if total == 0:
        return 0.0
    n = len(v)
    return float((2.0 * np.sum(np.arange(1, n + 1) * v) / (n * total)) - (n + 1) / n)


def top_share(values: np.ndarray, share: float = 0.01) -> float:
    """The share of the total held by the top ``share`` of values (at least one)."""
    v = np.sort(values)[::-1]
    top = max(1, int(round(share * len(v))))
    return float(v[:top].sum() / max(v.sum(), 1))


def society(params: PlatformParams, opinion: np.ndarray, followers: np.ndarray) -> dict[str, float]:
    return {"opinion_variance": float(opinion.var()), "bimodality": bimodality(opinion),
            "share_extreme": float(np.mean(np.abs(opinion) > params.extreme)),
            "follower_gini": gini(followers), "top1_follower_share": top_share(followers)}


@register("platform", params=PlatformParams, presets=PRESETS,
          summary="users post, read ranked feeds, like, follow and change their minds (seed 003)",
          smoke={"n": 200, "days": 3, "follows": 10, "max_follows": 20})
def simulate(params: PlatformParams, seed: int, progress: Progress | None = None) -> Result:
    """A social-media platform (seed 003, "the social media simulation"; issue 23)."""
    rng = np.random.default_rng(derived_seed(seed, 0))
    state = new_state(derived_seed(seed, 1))
    n = params.n
    opinion = initial_opinions(params, rng)
    social = params.update == "social-rl"
    q = rng.uniform(0.0, params.rl_initial, (n, params.stances)) if social else np.zeros((1, 1))
    level = np.zeros(n if social else 1, dtype=np.int64)
    if social:  # a learner holds its greedy stance
        opinion = np.linspace(-1.0, 1.0, params.stances)[np.argmax(q, axis=1)]
    initial = opinion.copy()
    rates = pareto(rng, n, params.activity_exponent, params.activity)
    crowd = n - params.influencers  # influencers act on their own schedule, never drawn
    rates[crowd:] = 0.0
    cumulative = np.cumsum(rates)
    fitness = np.cumsum(pareto(rng, n, params.fitness_exponent, 1.0))
    followees, counts, followers = kernels.follow_graph(n, params.follows, fitness, params.graph == "random",
                                                        params.max_follows, state)
    disagree = np.zeros(followees.shape, dtype=np.uint8)
    stance = np.zeros((n, params.posts_kept))
    time = np.zeros((n, params.posts_kept), dtype=np.int64)
    likes = np.zeros((n, params.posts_kept), dtype=np.int32)
    posted = np.zeros(n, dtype=np.int64)
    counters = np.zeros(len(kernels.COUNTERS), dtype=np.int64)
    options = np.array([params.stance_sd, params.like_max, params.like_width, params.follow_prob,
                        params.disagree_distance, params.confidence, params.confidence_step, params.echo_distance,
                        params.rl_rate, params.rl_exploration])
    per_day = n if params.schedule == "round-robin" else max(1, int(round(crowd * params.activity)))
    frozen = np.zeros(n, dtype=np.uint8)
    frozen[crowd:] = 1
    reached = np.zeros(n, dtype=np.int64)
    recent = np.zeros((max(n, params.feed_size), 3), dtype=np.int64)  # about a day of the platform's posts
    recent_count = np.zeros(1, dtype=np.int64)
    agents = Influencers(params, opinion, rng)
    start = followers[crowd:].copy()
    rows = []
    t = 0
    for day in range(params.days):
        if params.influencers and day % params.influencer_period == 0:
            agents.decide(opinion)
            period_start = followers[crowd:].copy()
        before = counters.copy()
        who = agents.schedule(np.full(per_day, -1, dtype=np.int64)) if params.influencers else \
            np.full(per_day, -1, dtype=np.int64)
        t += kernels.run(RANKER_CODES[params.ranker], len(who), t, state, cumulative, opinion, followees,
                         counts, disagree, followers, stance, time, likes, posted, counters, options,
                         SCHEDULES[params.schedule], LIKE_SHAPES[params.like_shape], UPDATES[params.update],
                         params.feed_size, params.unfollow_after, params.discover, q, level, who, frozen, reached,
                         recent, recent_count)
        if params.influencers and (day + 1) % params.influencer_period == 0:
            agents.learn(followers[crowd:] - period_start)
        today = counters - before
        reads = max(int(today[kernels.READS]), 1)
        rows.append({"step": day + 1, **society(params, opinion[:crowd], followers),
                     "echo_index": today[kernels.ECHOES] / reads, "engagement": today[kernels.LIKES] / reads,
                     **{name: int(value) for name, value in zip(kernels.COUNTERS, today)},
                     **({"influencer_followers": float(followers[crowd:].mean())} if params.influencers else {})})
        if progress is not None:
            progress(day + 1, params.days)
    totals = dict(zip(kernels.COUNTERS, (int(v) for v in counters)))
    reads = max(totals["reads"], 1)
    metrics = {**society(params, opinion[:crowd], followers), "echo_index": totals["echoes"] / reads,
               "engagement": totals["likes"] / reads,
               "mean_opinion_change": float(np.abs(opinion[:crowd] - initial[:crowd]).mean()),
               "mean_followees": float(counts.mean()), **totals}
    if params.influencers:
        metrics.update(influencer_followers=float(followers[crowd:].mean()),
                       influencer_gain=float((followers[crowd:] - start).mean()),
                       influencer_reach=float(reached[crowd:].sum() / reads),
                       crowd_followers=float(followers[:crowd].mean()))
    series = {name: np.array([row[name] for row in rows]) for name in rows[0]}
    artifacts = {"opinion": opinion, "initial_opinion": initial, "followers": followers,
                 "followees": followees, "followee_counts": counts, "reached": reached}
    if params.influencers:
        artifacts["influencer_actions"] = np.array(agents.history)
    return Result(params, seed, metrics, series, artifacts)
