"""A social-media platform: users post, read ranked feeds, like, follow and unfollow, and may
change their opinions (seed 003; issue 23). The rules are ``PlatformParams``'s docstring, the
day's loop is ``kernels.run``.

Metrics (at the end of the run; the series hold them day by day, ``step`` counting days):
- polarisation: the variance of opinions, Sarle's bimodality coefficient (``core.stats``; above
  5/9 suggests two modes), and the share of users beyond ``extreme``;
- echo-chamber index: the share of posts read within ``echo_distance`` of the reader's opinion;
- engagement: likes per post read;
- follower inequality: the Gini coefficient of follower counts and the top 1%'s share;
- consensus: the first day at whose end all but ``consensus_margin`` of the users stand on one side
  of 0 (the series give the share above 0 each day);
- with influencers: their mean followers at the end and gained over the run, their reach (the
  share of all posts read that were theirs), and the other users' mean followers.
Opinion metrics leave the influencers out.
"""

from __future__ import annotations

import numpy as np

from polislab.core.progress import Progress
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.core.stats import bimodality, gini
from polislab.core.rng import new_state
from polislab.core.seeding import derived_seed
from polislab.models.platform import kernels
from polislab.models.platform.election import Elections, dispersion
from polislab.models.platform.influencer import Influencers
from polislab.models.platform.params import PRESETS, PlatformParams
from polislab.models.platform.rankers import resolve

LIKE_SHAPES = {"exponential": kernels.EXPONENTIAL, "threshold": kernels.THRESHOLD}
UPDATES = {"none": kernels.NO_UPDATE, "bounded-confidence": kernels.BOUNDED_CONFIDENCE, "social-rl": kernels.SOCIAL_RL}
SCHEDULES = {"random": kernels.RANDOM_SCHEDULE, "round-robin": kernels.ROUND_ROBIN}
REWARDS = {"likes": kernels.LIKES_REWARD, "net": kernels.NET_REWARD}
EVENT_KINDS = np.array(["post", "like", "follow", "unfollow"])
POLL_WINDOW = 20  # the last elections a poll's final forecast is judged on


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


def top_share(values: np.ndarray, share: float = 0.01) -> float:
    """The share of the total held by the top ``share`` of values (at least one)."""
    v = np.sort(values)[::-1]
    top = max(1, int(round(share * len(v))))
    return float(v[:top].sum() / max(v.sum(), 1))


def society(params: PlatformParams, opinion: np.ndarray, followers: np.ndarray) -> dict[str, float]:
    return {"mean_opinion": float(opinion.mean()), "opinion_variance": float(opinion.var()),
            "bimodality": float(bimodality(opinion)),
            "share_extreme": float(np.mean(np.abs(opinion) > params.extreme)),
            "follower_gini": gini(followers), "top1_follower_share": top_share(followers)}


class Platform:
    """One run's state, advanced a day at a time: ``simulate`` runs it whole, and the Gymnasium and
    PettingZoo environments (``env.py``) step it a decision period at a time, choosing the
    influencers' actions themselves."""

    def __init__(self, params: PlatformParams, seed: int):
        self.params = params
        self.rng = np.random.default_rng(derived_seed(seed, 0))
        self.state = new_state(derived_seed(seed, 1))
        n = params.n
        self.ranker, self.score = resolve(params.ranker)  # a user's ranker is imported and compiled here
        opinion = initial_opinions(params, self.rng)
        social = params.update == "social-rl"
        low = -params.rl_initial if params.rl_reward == "net" else 0.0
        self.q = self.rng.uniform(low, params.rl_initial, (n, params.stances)) if social else np.zeros((1, 1))
        self.level = np.zeros(n if social else 1, dtype=np.int64)
        if social:  # a learner holds its greedy stance
            opinion = np.linspace(-1.0, 1.0, params.stances)[np.argmax(self.q, axis=1)]
        self.opinion, self.initial = opinion, opinion.copy()
        rates = pareto(self.rng, n, params.activity_exponent, params.activity)
        self.crowd = n - params.influencers  # influencers act on their own schedule, never drawn
        rates[self.crowd:] = 0.0
        self.cumulative = np.cumsum(rates)
        fitness = np.cumsum(pareto(self.rng, n, params.fitness_exponent, 1.0))
        self.followees, self.counts, self.followers = kernels.follow_graph(
            n, params.follows, fitness, params.graph == "random", params.max_follows, self.state)
        self.disagree = np.zeros(self.followees.shape, dtype=np.uint8)
        self.stance = np.zeros((n, params.posts_kept))
        self.time = np.zeros((n, params.posts_kept), dtype=np.int64)
        self.likes = np.zeros((n, params.posts_kept), dtype=np.int32)
        self.reads = np.zeros((n, params.posts_kept), dtype=np.int32)
        self.posted = np.zeros(n, dtype=np.int64)
        self.counters = np.zeros(len(kernels.COUNTERS), dtype=np.int64)
        self.options = np.array([params.stance_sd, params.like_max, params.like_width, params.follow_prob,
                                 params.disagree_distance, params.confidence, params.confidence_step,
                                 params.echo_distance, params.rl_rate, params.rl_exploration, 0.0])
        self.per_day = n if params.schedule == "round-robin" else max(1, int(round(self.crowd * params.activity)))
        self.options[kernels.PER_DAY] = self.per_day
        self.frozen = np.zeros(n, dtype=np.uint8)
        self.frozen[self.crowd:] = 1
        self.reached = np.zeros(n, dtype=np.int64)
        self.recent = np.zeros((max(n, params.feed_size), 3), dtype=np.int64)  # about a day of the platform's posts
        self.recent_count = np.zeros(1, dtype=np.int64)
        self.agents = Influencers(params, opinion, self.rng)
        self.elections = Elections(params, self.rng) if params.influencer_goal == "votes" else None
        self.last_shares = np.zeros(params.influencers)
        self.start = self.followers[self.crowd:].copy()
        self.period_start = self.start.copy()
        self.logged = np.zeros(1, dtype=np.int64)
        self.events: list[tuple[int, np.ndarray, np.ndarray]] = []  # each day's log (day, rows, stances)
        self.rows: list[dict] = []
        self.t = 0

    @property
    def influencer_followers(self) -> np.ndarray:
        return self.followers[self.crowd:]

    def run_day(self) -> None:
        """One day: the crowd's activations, with the influencers' inserted at their rates."""
        params = self.params
        before = self.counters.copy()
        who = np.full(self.per_day, -1, dtype=np.int64)
        if params.influencers:
            who = self.agents.schedule(who)
        room = len(who) * (1 + 2 * params.feed_size) if params.events else 0
        log, log_stance = np.empty((room, kernels.EVENT_COLUMNS), dtype=np.int64), np.empty(room)
        self.logged[0] = 0
        self.t += kernels.run(self.ranker, self.score, params.events, len(who), self.t, self.state, self.cumulative,
                              self.opinion, self.followees, self.counts, self.disagree, self.followers, self.stance,
                              self.time, self.likes, self.reads, self.posted, self.counters, self.options,
                              SCHEDULES[params.schedule], LIKE_SHAPES[params.like_shape], UPDATES[params.update],
                              REWARDS[params.rl_reward], params.feed_size, params.unfollow_after, params.discover,
                              self.q, self.level, who, self.frozen, self.reached, self.recent, self.recent_count, log,
                              log_stance, self.logged)
        if params.events:
            self.events.append((len(self.rows) + 1, log[:self.logged[0]].copy(), log_stance[:self.logged[0]].copy()))
        today = self.counters - before
        reads = max(int(today[kernels.READS]), 1)
        self.rows.append({"step": len(self.rows) + 1, **society(params, self.opinion[:self.crowd], self.followers),
                          "share_positive": float(np.mean(self.opinion[:self.crowd] > 0)),
                          "echo_index": today[kernels.ECHOES] / reads, "engagement": today[kernels.LIKES] / reads,
                          **{name: int(value) for name, value in zip(kernels.COUNTERS, today)},
                          **({"influencer_followers": float(self.influencer_followers.mean())}
                             if params.influencers else {})})

    def day(self, day: int) -> None:
        """Day ``day`` (from 0) as ``simulate`` runs it: the influencers decide at the start of each
        of their periods and learn at its end."""
        params = self.params
        if params.influencers and day % params.influencer_period == 0:
            self.agents.decide(self.opinion)
            self.start_period()
        self.run_day()
        if params.influencers and (day + 1) % params.influencer_period == 0:
            self.end_period()

    def start_period(self) -> None:
        self.period_start = self.influencer_followers.copy()

    def end_period(self) -> np.ndarray:
        """The influencers' rewards for the period now over: the followers each gained, or, for
        candidates, each one's vote share at the election that ends it; they learn from them."""
        if self.elections is None:
            rewards = self.influencer_followers - self.period_start
            self.agents.learn(rewards)
            return rewards
        rewards = self.elections.elect(self.opinion[:self.crowd], self.opinion[self.crowd:])
        self.agents.learn(rewards, rewards - self.last_shares)
        self.last_shares = rewards
        return rewards

    def consensus_day(self) -> int | None:
        """The first day that ended with all but ``params.consensus_margin`` of the users on one
        side of 0 (None: never)."""
        for row in self.rows:
            if max(row["share_positive"], 1.0 - row["share_positive"]) >= 1.0 - self.params.consensus_margin:
                return int(row["step"])
        return None

    def result(self, seed: int) -> Result:
        params, crowd = self.params, self.crowd
        totals = dict(zip(kernels.COUNTERS, (int(v) for v in self.counters)))
        reads = max(totals["reads"], 1)
        metrics = {**society(params, self.opinion[:crowd], self.followers), "echo_index": totals["echoes"] / reads,
                   "engagement": totals["likes"] / reads,
                   "mean_opinion_change": float(np.abs(self.opinion[:crowd] - self.initial[:crowd]).mean()),
                   "mean_followees": float(self.counts.mean()), **totals,
                   "consensus_day": self.consensus_day()}
        if params.influencers:
            metrics.update(influencer_followers=float(self.influencer_followers.mean()),
                           influencer_gain=float((self.influencer_followers - self.start).mean()),
                           influencer_reach=float(self.reached[crowd:].sum() / reads),
                           crowd_followers=float(self.followers[:crowd].mean()))
        if self.elections is not None and self.elections.records["outcome"]:
            metrics.update(self.election_metrics())
        series = {name: np.array([row[name] for row in self.rows]) for name in self.rows[0]}
        artifacts = {"opinion": self.opinion, "initial_opinion": self.initial, "followers": self.followers,
                     "followees": self.followees, "followee_counts": self.counts, "reached": self.reached}
        if params.influencers:
            artifacts["influencer_actions"] = np.array(self.agents.history)
        if self.agents.posts:
            artifacts["influencer_posts"] = np.array(self.agents.posts, dtype=str)
        if self.elections is not None:
            artifacts.update(self.elections.arrays())
        return Result(params, seed, metrics, series, artifacts, tables=self.event_tables() if params.events else {})

    def election_metrics(self) -> dict[str, float]:
        """Candidates: where they stand without exploring (``Influencers.settled_stances``: their
        distance to the median voter, their spread) and the last election's shares (the first
        candidate's, the winner's). With a poll: the last forecast's largest error over candidates
        against the mean outcome of the last ``POLL_WINDOW`` elections (the world with the
        forecast) and against their mean sincere vote (the world without it)."""
        records = self.elections.records
        outcome = records["outcome"][-1]
        metrics = {**dispersion(self.agents.settled_stances(), self.opinion[:self.crowd]),
                   "first_candidate_share": float(outcome[0]), "winner_share": float(outcome.max()),
                   "elections": len(records["outcome"])}
        if self.params.poll != "none":
            forecast = records["forecast"][-1]
            recent, sincere = (np.mean(records[name][-POLL_WINDOW:], axis=0) for name in ("outcome", "sincere"))
            metrics.update(poll_forecast=float(forecast[0]), poll_error=float(np.abs(forecast - recent).max()),
                           poll_sincere_error=float(np.abs(forecast - sincere).max()),
                           published_share=float(np.mean(records["published"])),
                           sincere_first_share=float(sincere[0]))
        return metrics

    def event_tables(self) -> dict[str, dict[str, np.ndarray]]:
        """The logged events as tables: ``posts`` (post, day, author, stance), ``likes`` (day, time,
        user, post, author, stance) and ``follows`` (day, time, user, author, action: follow or
        unfollow, and the post that led to a follow). A post's number is the platform time it was
        posted at; a day counts from 1."""
        logs = self.events or [(0, np.zeros((0, kernels.EVENT_COLUMNS), dtype=np.int64), np.zeros(0))]
        rows = np.concatenate([rows for _, rows, _ in logs])
        stances = np.concatenate([stances for _, _, stances in logs])
        day = np.concatenate([np.full(len(rows), day, dtype=np.int64) for day, rows, _ in logs])
        kind, time, user, post, author = rows.T
        posts, likes = kind == kernels.POSTED, kind == kernels.LIKED
        follows = (kind == kernels.FOLLOWED) | (kind == kernels.UNFOLLOWED)
        return {"posts": {"post": post[posts], "day": day[posts], "author": author[posts], "stance": stances[posts]},
                "likes": {"day": day[likes], "time": time[likes], "user": user[likes], "post": post[likes],
                          "author": author[likes], "stance": stances[likes]},
                "follows": {"day": day[follows], "time": time[follows], "user": user[follows],
                            "author": author[follows], "action": EVENT_KINDS[kind[follows]],
                            "post": post[follows]}}


@register("platform", params=PlatformParams, presets=PRESETS,
          summary="users post, read ranked feeds, like, follow and change their minds (seed 003)",
          smoke={"n": 200, "days": 3, "follows": 10, "max_follows": 20})
def simulate(params: PlatformParams, seed: int, progress: Progress | None = None) -> Result:
    """A social-media platform (seed 003, "the social media simulation"; issue 23)."""
    platform = Platform(params, seed)
    for day in range(params.days):
        platform.day(day)
        if progress is not None:
            progress(day + 1, params.days)
    return platform.result(seed)
