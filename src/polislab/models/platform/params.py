"""Parameters of the social-media platform (seed 003; issue 23)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from polislab.core.machine import MemoryNeed
from polislab.core.params import Params
from polislab.models.platform.rankers import check_name


class PlatformParams(Params):
    """Users who post, read a ranked feed, like, follow and unfollow (seed 003, "the social media
    simulation"; issue 23).

    Each user has an opinion x_i in [-1, 1] and an activity rate r_i drawn from a Pareto law of
    exponent ``activity_exponent`` scaled to mean ``activity`` (activations per day). A day is
    n x ``activity`` activations; each picks a user with probability proportional to r_i
    (``schedule=round-robin`` instead activates users 0, 1, ..., n-1 in turn, once a day: exact
    small cases). An active user i:

    1. posts a stance s = clip(x_i + N(0, ``stance_sd``^2), -1, 1), kept among its last
       ``posts_kept`` posts;
    2. reads a feed of at most ``feed_size`` posts: from the last posts of the users i follows and
       ``discover`` posts drawn uniformly from the platform's last n (how new authors are found:
       who posts more is found more), the best by the ``ranker`` (chronological: newest first;
       popularity: most liked; engagement: the stance closest to x_i; bridging: the farthest), or
       ``feed_size`` posts drawn from the platform's last n (random); or by a score function written
       in Python (``rankers.py``: ``ranker=hot``, or any ``module:attribute``);
    3. likes each post read with probability ``like_max`` exp(-|s - x_i| / ``like_width``)
       (``like_shape=threshold``: ``like_max`` when |s - x_i| <= ``like_width``, else 0), follows
       the author of a liked post with probability ``follow_prob`` (at most ``max_follows``
       followees), and unfollows a followee after ``unfollow_after`` posts read from it at a
       distance above ``disagree_distance`` (0: never);
    4. updates its opinion by ``update``: ``none``, ``bounded-confidence`` (Deffuant-Weisbuch on
       what it read: x_i += ``confidence_step`` (s - x_i) for each post with |s - x_i| <
       ``confidence``), or ``social-rl`` (before posting, the stance level of its last post earns
       a reward r: Q_i(a) <- (1 - ``rl_rate``) Q_i(a) + ``rl_rate`` r, the learner of the opinion
       study rewarded by likes as seed 003 proposes; x_i is the greedy one of ``stances`` levels
       evenly spaced in [-1, 1], and it posts that level or, with probability ``rl_exploration``,
       a random one. ``rl_reward=likes``: r is the likes the post received, initial Q uniform in
       [0, ``rl_initial``]; ``rl_reward=net``: r is the mean over its readers of +1 for a like and
       -1 for none (no update when nobody read it), initial Q uniform in [-``rl_initial``,
       ``rl_initial``]: Banisch & Olbrich's feedback, with which a random feed of one post is the
       opinion model's random neighbour).

    Influencers (Jin & Guo 2024, as seed 003 summarises it): the last ``influencers`` users are
    agents that want followers (``influencer_goal=followers``) or votes (``votes``: they are
    election candidates, seed 003; ``election.py``). Every ``influencer_period`` days each chooses an action, a stance
    (one of ``influencer_stances`` levels evenly spaced in [-1, 1]) and an activity (one of
    ``influencer_rates`` activations a day), posts that stance, and never changes its mind. Its
    reward is the followers it gained in the period, or, for candidates, its vote share at the
    election that ends the period: each user of the crowd votes for the candidate nearest its
    opinion (ties: one at random) or, with probability ``bandwagon`` when the pollster published
    a forecast, for the forecast's leader. The pollster (``poll``) is one of seed 004's oracles:
    ``deluded`` publishes the mean of every outcome it has seen, ``counterfactual`` is erased with
    probability ``erasure_probability`` and learns the mean outcome of erased elections only; its
    first forecast is uniform on the simplex (ours). ``influencer_policy``: ``q-learning``
    (tabular, epsilon-greedy, the paper's learner; its state is its last action, the paper's
    self-observation, unless ``influencer_observe`` is off, and whether its followers, or its
    vote share, rose, held or fell, unless ``influencer_trend`` is off: with both off it is a
    bandit learner), ``random`` (a uniformly random action each period), ``fixed`` (stance
    ``influencer_stance`` at the highest rate: a bot; a list gives each influencer its own), or ``user`` (its own initial opinion at the
    mean of the rates: a non-learning user of the same activity).

    The initial follow graph: each user follows ``follows`` others, chosen uniformly
    (``graph=random``) or with probability proportional to a Pareto fitness of exponent
    ``fitness_exponent`` (``graph=scale-free``: heavy-tailed follower counts). Our choices where
    the seed is silent: the Pareto laws, the like function, a follow at most once per like.

    ``influencer_writer`` (issue 24, optional): influencers write their posts as text, by template or
    through a chat endpoint, and a stance classifier reads the number readers see back from the
    text (``text.py``).

    ``events``: store every post, like, follow and unfollow as tables ``posts``, ``likes`` and
    ``follows`` of the results store (a post is numbered by the platform time it was posted at).
    """

    n: int = Field(1000, ge=3, le=10_000_000, description="users")
    days: int = Field(10, ge=1, le=1_000_000, description="platform days to run")
    activity: float = Field(1.0, gt=0, le=1000, description="mean activations per user per day")
    activity_exponent: float = Field(2.5, gt=1, description="Pareto exponent of the users' activity rates "
                                     "(heavy tails as it nears 1)")
    schedule: Literal["random", "round-robin"] = Field("random", description="random: users drawn by activity "
                                                       "rate; round-robin: each user once a day, in order")
    opinions: Literal["uniform", "normal", "spaced"] = Field("uniform", description="initial opinions: uniform in "
                                                             "[-1, 1], normal with opinion_sd (clipped), or evenly "
                                                             "spaced from -1 to 1 by user number")
    opinion_sd: float = Field(0.3, gt=0, description="normal opinions: standard deviation")
    graph: Literal["random", "scale-free"] = Field("scale-free", description="initial follow graph")
    follows: int = Field(20, ge=1, description="initial followees per user")
    max_follows: int = Field(100, ge=1, description="most followees a user keeps")
    fitness_exponent: float = Field(2.0, gt=1, description="scale-free graph: Pareto exponent of the users' "
                                    "attractiveness")
    feed_size: int = Field(20, ge=1, le=1000, description="posts read per activation")
    discover: int = Field(10, ge=0, le=1000, description="posts drawn from the platform's last n that join the "
                          "feed's candidates")
    ranker: str = Field("chronological", description="the feed ranker (the platform's recommender): chronological, "
                        "popularity, engagement, bridging, random, a registered Python ranker (hot) or "
                        "module:attribute naming a score function, imported when the run starts")
    posts_kept: int = Field(2, ge=1, le=64, description="last posts of each user that feeds draw from")
    stance_sd: float = Field(0.1, ge=0, description="spread of a post's stance around its author's opinion")
    like_shape: Literal["exponential", "threshold"] = Field("exponential", description="how the chance of a like "
                                                            "falls with the distance between post and reader")
    like_max: float = Field(0.5, ge=0, le=1, description="chance of liking a post of one's own stance")
    like_width: float = Field(0.3, gt=0, description="distance scale of liking")
    follow_prob: float = Field(0.1, ge=0, le=1, description="chance of following the author of a liked post")
    disagree_distance: float = Field(1.0, ge=0, description="a post read farther than this is a disagreement")
    unfollow_after: int = Field(3, ge=0, description="disagreements with a followee before unfollowing (0: never)")
    update: Literal["none", "bounded-confidence", "social-rl"] = Field("none", description="how users change their "
                                                                      "opinion")
    confidence: float = Field(0.3, gt=0, description="bounded confidence: largest distance still heard")
    confidence_step: float = Field(0.1, gt=0, le=1, description="bounded confidence: step toward a post heard")
    stances: int = Field(2, ge=2, le=101, description="social RL: stance levels, evenly spaced in [-1, 1]")
    rl_rate: float = Field(0.1, gt=0, le=1, description="social RL: learning rate alpha")
    rl_exploration: float = Field(0.1, ge=0, le=1, description="social RL: chance of posting a random stance level")
    rl_reward: Literal["likes", "net"] = Field("likes", description="social RL: the likes a post received, or the "
                                               "mean of +1 per like and -1 per read without one")
    rl_initial: float = Field(0.5, ge=0, description="social RL: initial Q-values uniform in [0, rl_initial] "
                              "(likes) or [-rl_initial, rl_initial] (net)")
    influencers: int = Field(0, ge=0, le=1000, description="learning agents that want followers (the last users)")
    influencer_policy: Literal["q-learning", "random", "fixed", "user"] = Field("q-learning", description="how "
                                                                                 "influencers choose their actions")
    influencer_stances: int = Field(3, ge=2, le=101, description="stance levels an influencer may post (the paper's "
                                    "limited action space; more for the larger one)")
    influencer_rates: list[float] = Field([1.0, 4.0], min_length=1, description="activations a day an "
                                          "influencer may choose")
    influencer_stance: list[float] = Field([0.0], min_length=1, description="fixed policy: the stance posted, one "
                                           "for all influencers or one each")
    influencer_observe: bool = Field(True, description="q-learning: the state includes the influencer's last "
                                     "action (the paper's self-observation)")
    influencer_trend: bool = Field(True, description="q-learning: the state includes whether the reward rose, held "
                                   "or fell")
    influencer_period: int = Field(1, ge=1, description="days between an influencer's decisions (its horizon)")
    influencer_goal: Literal["followers", "votes"] = Field("followers", description="what influencers want: "
                                                            "followers gained, or votes (they are candidates: an "
                                                            "election ends every period)")
    bandwagon: float = Field(0.0, ge=0, le=1, description="elections: chance that a voter votes for the published "
                             "forecast's leader instead of the nearest candidate")
    poll: Literal["none", "deluded", "counterfactual"] = Field("none", description="elections: the pollster's "
                                                               "design (seed 004's oracles)")
    erasure_probability: float = Field(0.1, gt=0, le=1, description="counterfactual poll: chance that a forecast is "
                                       "not published (and learned from)")
    influencer_writer: Literal["none", "template", "chat"] = Field("none", description="influencers' posts as "
                                                                   "text, read back by a stance classifier: none, "
                                                                   "template sentences, or a chat endpoint")
    chat_endpoint: str = Field("", description="writer chat: an OpenAI-compatible server you run, e.g. "
                               "http://localhost:8000")
    chat_model: str = Field("default", description="writer chat: the model name sent to the endpoint")
    chat_cache: str = Field("chat-cache", description="writer chat: the folder of cached answers (read first; a "
                            "run replays offline from it)")
    influencer_learning_rate: float = Field(0.2, gt=0, le=1, description="q-learning: alpha")
    influencer_discount: float = Field(0.5, ge=0, lt=1, description="q-learning: gamma")
    influencer_exploration: float = Field(0.1, ge=0, le=1, description="q-learning: epsilon")
    echo_distance: float = Field(0.5, gt=0, description="echo-chamber index: a post this close to the reader "
                                 "counts as an echo")
    extreme: float = Field(0.8, gt=0, lt=1, description="polarisation: |x| above this is extreme")
    events: bool = Field(False, description="store every post, like, follow and unfollow as tables")
    consensus_margin: float = Field(0.05, ge=0, lt=0.5, description="consensus: the share of users that may "
                                    "still stand on the minority side")

    @field_validator("influencer_stance", mode="before")
    @classmethod
    def _one_stance_is_a_list(cls, value):
        return [value] if isinstance(value, (int, float)) else value

    @field_validator("ranker")
    @classmethod
    def _known_ranker(cls, name: str) -> str:
        return check_name(name)

    @model_validator(mode="after")
    def _fits(self) -> PlatformParams:
        if self.follows >= self.n:
            raise ValueError(f"follows = {self.follows} must be < n = {self.n}")
        if self.follows > self.max_follows:
            raise ValueError(f"follows = {self.follows} must be <= max_follows = {self.max_follows}")
        if self.influencers >= self.n:
            raise ValueError(f"influencers = {self.influencers} must be < n = {self.n}")
        if any(rate < 0 or rate > 1000 for rate in self.influencer_rates):
            raise ValueError("influencer_rates must lie in [0, 1000] activations a day")
        if any(abs(stance) > 1 for stance in self.influencer_stance):
            raise ValueError("influencer_stance must lie in [-1, 1]")
        if len(self.influencer_stance) not in (1, self.influencers):
            raise ValueError(f"influencer_stance has {len(self.influencer_stance)} stances; allowed: one, or one per "
                             f"influencer ({self.influencers})")
        if self.influencer_writer == "chat" and not self.chat_endpoint:
            raise ValueError("influencer_writer = chat needs chat_endpoint (an OpenAI-compatible server such as "
                             "http://localhost:8000)")
        if self.influencer_goal == "votes" and self.influencers < 2:
            raise ValueError(f"influencer_goal = votes needs at least 2 candidates; influencers = {self.influencers}")
        if (self.poll != "none" or self.bandwagon > 0) and self.influencer_goal != "votes":
            raise ValueError("poll and bandwagon need elections: set influencer_goal = votes")
        return self

    def memory_needed(self, replicates: int = 1) -> MemoryNeed:
        """Followee lists with their disagreement counters (5 bytes a slot), the posts kept
        (24 bytes each) and about 80 bytes of state per user; with ``events``, the log."""
        per_run = self.n * (5 * self.max_follows + 24 * self.posts_kept + 112 + 8 * self.stances) + 32 * self.discover
        if self.events:  # a day's log (48 bytes a row, room for every read twice) and the run's rows
            activations = self.n * self.activity
            per_run += int(48 * activations * (1 + 2 * self.feed_size)
                           + 48 * self.days * activations * (1 + self.feed_size * self.like_max))
        return MemoryNeed(replicates * per_run, f"{self.n:,} users, up to {self.max_follows} followees each",
                          "use fewer users, a smaller max_follows or fewer posts_kept")


PRESETS = {
    "echo": dict(ranker="engagement", update="bounded-confidence"),
    "social-rl": dict(update="social-rl", stance_sd=0.0, like_shape="threshold", like_width=1.0),
    "influencer": dict(n=1000, days=300, influencers=1, update="bounded-confidence", influencer_period=5,
                       influencer_exploration=0.05),
    "bridging": dict(ranker="bridging", update="bounded-confidence"),
    "candidates": dict(n=1000, days=2000, influencers=2, influencer_goal="votes", influencer_stances=21,
                       influencer_rates=[1.0], influencer_observe=False, influencer_trend=False),
    "poll": dict(n=1000, days=200, influencers=2, influencer_goal="votes", influencer_policy="fixed",
                 influencer_stance=[-0.3, 0.1], influencer_rates=[1.0], poll="deluded", bandwagon=0.3),
}
