"""The platform model (seed 003; issue 23): a 3-user platform worked by hand, the graph's
invariants under follows and unfollows, the rankers doing what they say (a Python ranker as
the built-in it copies), the event log replaying to the final graph, and social RL agreeing
with the opinion model when the feed is one random post."""

import numpy as np
import pytest

from polislab.core.registry import get_model

SPEC = get_model("platform")


def run(seed=0, preset=None, **values):
    return SPEC.simulate(SPEC.make_params(values, preset=preset), seed)


def test_three_users_worked_by_hand():
    """Users 0, 1, 2 at opinions -1, 0, 1 follow each other, act in turn, post their opinion,
    read every followee's last post newest first, like all of it (threshold 2), and move halfway
    to each post within 1.1. Day 1: user 0 reads nothing; user 1 reads -1 and moves to -0.5;
    user 2 reads 0 (to 0.5), then -1 (1.5 away). Day 2: user 0 reads 1 (2 away), then 0 (to
    -0.5); user 1 reads -1 (to -0.75), then 1; user 2 reads -0.5 (to 0), then -1 (to -0.5)."""
    result = run(n=3, days=2, follows=2, max_follows=2, schedule="round-robin", opinions="spaced", stance_sd=0,
                 posts_kept=1, discover=0, like_shape="threshold", like_width=2.0, like_max=1.0, unfollow_after=0,
                 update="bounded-confidence", confidence=1.1, confidence_step=0.5)
    assert result.artifacts["opinion"].tolist() == [-0.5, -0.75, -0.5]
    assert result.series["reads"].tolist() == [3, 6] and result.series["likes"].tolist() == [3, 6]
    assert (result.metrics["posts"], result.metrics["new_follows"], result.metrics["unfollows"]) == (6, 0, 0)
    assert result.artifacts["followers"].tolist() == [2, 2, 2]


@pytest.mark.parametrize("ranker", ["chronological", "popularity", "engagement", "bridging", "random"])
def test_follower_counts_are_the_graphs_in_degrees_and_likes_never_exceed_reads(ranker):
    result = run(seed=3, n=300, days=8, follows=8, max_follows=12, ranker=ranker, unfollow_after=1,
                 disagree_distance=0.3, follow_prob=0.5, update="bounded-confidence")
    followees, counts = result.artifacts["followees"], result.artifacts["followee_counts"]
    n = len(counts)
    listed = [row[:count] for row, count in zip(followees, counts)]
    assert all((row[count:] == -1).all() for row, count in zip(followees, counts))
    assert all(len(set(row)) == len(row) and i not in row for i, row in enumerate(listed))  # no repeats, no self
    in_degree = np.bincount(np.concatenate(listed), minlength=n)
    assert np.array_equal(result.artifacts["followers"], in_degree)
    assert (counts <= 12).all()
    m = result.metrics
    assert m["new_follows"] > 0 and m["unfollows"] > 0  # the graph moved both ways
    assert 0 <= m["likes"] <= m["reads"] <= 20 * m["posts"]
    assert (result.series["likes"] <= result.series["reads"]).all()
    assert 8 * n + m["new_follows"] - m["unfollows"] == counts.sum()


def test_engagement_feeds_echo_and_bridging_feeds_do_not():
    """The engagement ranker shows each reader the closest stances, the bridging ranker the
    farthest: the echo-chamber index (posts within 0.5 of the reader) orders them, with
    chronological between."""
    echo = {ranker: run(seed=1, n=500, days=3, ranker=ranker).metrics["echo_index"]
            for ranker in ("engagement", "chronological", "bridging")}
    assert echo["engagement"] > echo["chronological"] + 0.2 > echo["bridging"] + 0.4


def test_bounded_confidence_through_an_engagement_feed_splits_opinions():
    """Opinions that start uniform form clusters (the bimodality coefficient rises above the
    uniform law's 5/9) when users hear only the posts near them."""
    start = run(seed=2, n=1000, days=1, update="none")
    moved = run(seed=2, n=1000, days=40, ranker="engagement", update="bounded-confidence")
    assert start.metrics["bimodality"] < 0.6 < moved.metrics["bimodality"]
    assert moved.metrics["opinion_variance"] < start.metrics["opinion_variance"]


def test_social_rl_learners_rewarded_by_likes_reach_consensus_on_a_dense_follow_graph():
    """Users who learn which of two stances to post from the likes their posts get (readers like
    their own stance only) drift like a voter model: on a random graph of 30 followees each, the
    majority grows from about half to everyone within 300 days, in each of 4 seeds."""
    for seed in range(4):
        result = run(seed=seed, n=100, days=300, follows=30, max_follows=60, graph="random", update="social-rl",
                     stance_sd=0.0, like_shape="threshold", like_width=1.0, like_max=1.0, unfollow_after=0,
                     discover=0, rl_exploration=0.05)
        before, after = result.artifacts["initial_opinion"], result.artifacts["opinion"]
        assert set(np.unique(after)) <= {-1.0, 1.0}
        assert max(np.mean(before > 0), np.mean(before < 0)) < 0.7
        assert max(np.mean(after > 0), np.mean(after < 0)) == 1.0


@pytest.mark.parametrize("policy", ["q-learning", "random", "fixed", "user"])
def test_influencers_keep_their_stance_act_at_their_rate_and_the_graph_stays_consistent(policy):
    result = run(seed=5, n=300, days=12, influencers=2, influencer_policy=policy, influencer_period=3,
                 influencer_stance=0.5, update="bounded-confidence", unfollow_after=2, disagree_distance=0.5)
    followees, counts = result.artifacts["followees"], result.artifacts["followee_counts"]
    in_degree = np.bincount(np.concatenate([row[:c] for row, c in zip(followees, counts)]), minlength=300)
    assert np.array_equal(result.artifacts["followers"], in_degree)
    actions = result.artifacts["influencer_actions"]
    assert actions.shape == (4, 2) and ((0 <= actions) & (actions < 3 * 2)).all()  # 12 days / 3, 3 stances x 2 rates
    final = result.artifacts["opinion"][-2:]
    if policy == "fixed":
        assert final.tolist() == [0.5, 0.5]
    elif policy == "user":
        assert np.array_equal(final, result.artifacts["initial_opinion"][-2:])
    else:  # the stance of the last action: one of -1, 0, 1
        assert np.array_equal(final, np.linspace(-1, 1, 3)[actions[-1] // 2])
    m = result.metrics
    assert m["influencer_followers"] == result.artifacts["followers"][-2:].mean()
    assert 0 < m["influencer_reach"] < 1 and result.artifacts["reached"].sum() == m["reads"]


def test_the_influencer_environments_pass_the_gymnasium_and_pettingzoo_checkers():
    from gymnasium.utils.env_checker import check_env
    from pettingzoo.test import parallel_api_test

    from polislab.models.platform.env import InfluencerEnv, InfluencersEnv

    check_env(InfluencerEnv(n=200, days=6, follows=10, max_follows=20), skip_render_check=True)
    parallel_api_test(InfluencersEnv(n=200, days=6, follows=10, max_follows=20, influencers=2), num_cycles=10)


def test_an_influencer_episode_is_reproducible_and_its_rewards_add_up_to_its_followers():
    from polislab.models.platform.env import InfluencerEnv

    env = InfluencerEnv(n=300, days=20, follows=10, max_follows=30, influencer_period=4)
    episodes = []
    for _ in range(2):
        observation, _ = env.reset(seed=7)
        start = int(env.platform.influencer_followers[0])
        rewards, truncated, steps = [], False, 0
        while not truncated:
            observation, reward, terminated, truncated, info = env.step(steps % env.action_space.n)
            assert not terminated and env.observation_space.contains(observation)
            rewards.append(reward)
            steps += 1
        assert steps == 5 and sum(rewards) == info["followers"] - start
        episodes.append(rewards)
    assert episodes[0] == episodes[1]


def closest(reader_opinion, stance, likes, age_days, author_followers):
    """The engagement ranker written as a Python score function (named as module:attribute)."""
    return -abs(stance - reader_opinion)


def test_a_python_ranker_gives_what_the_built_in_it_copies_gives():
    """The engagement ranker as a score function, compiled into the loop, ranks as the built-in:
    the same feeds, so the same run, bit for bit."""
    values = dict(n=300, days=3, follows=10, update="bounded-confidence", influencers=1)
    built_in = run(seed=4, ranker="engagement", **values)
    python = run(seed=4, ranker="tests.models.test_platform:closest", **values)
    assert python.metrics == built_in.metrics
    assert np.array_equal(python.artifacts["opinion"], built_in.artifacts["opinion"])
    hot = run(seed=4, ranker="hot", **values)  # the registered Python ranker: likes decayed by age
    assert hot.metrics["reads"] > 0 and hot.metrics != built_in.metrics


@pytest.mark.parametrize("ranker, message", [
    ("nosuch", "unknown ranker 'nosuch'"),
    ("tests.models.test_platform:nothing", "cannot be loaded"),
    ("tests.models.test_platform:SPEC", "not a score function"),
    ("tests.models.test_platform:run", "failed when compiled by numba"),
])
def test_a_ranker_that_cannot_serve_is_refused_in_one_line(ranker, message):
    from polislab.core.errors import UsageError

    with pytest.raises(UsageError, match=message) as refused:
        run(n=50, days=1, follows=3, ranker=ranker)
    assert "\n" not in str(refused.value)


def test_the_event_log_replays_to_the_final_follow_graph():
    """Posts, likes, follows and unfollows as tables: one row per counted event; every like is of
    a logged post, by its author, at its stance, never one's own; and the initial graph's in-degrees
    plus follows minus unfollows per author are the final follower counts."""
    from polislab.models.platform.model import Platform

    params = SPEC.make_params(dict(n=200, days=4, follows=10, unfollow_after=1, disagree_distance=0.4,
                                   follow_prob=0.5, events=True))
    platform = Platform(params, 3)
    initial = platform.followers.copy()
    for _ in range(params.days):
        platform.run_day()
    result = platform.result(3)
    posts, likes, follows = (result.tables[name] for name in ("posts", "likes", "follows"))
    assert len(posts["post"]) == result.metrics["posts"] and len(likes["post"]) == result.metrics["likes"]
    following = follows["action"] == "follow"
    assert following.sum() == result.metrics["new_follows"] and (~following).sum() == result.metrics["unfollows"]
    by_post = {post: (author, stance) for post, author, stance in zip(posts["post"], posts["author"], posts["stance"])}
    assert all(by_post[post] == (author, stance)
               for post, author, stance in zip(likes["post"], likes["author"], likes["stance"]))
    assert np.all(likes["user"] != likes["author"]) and np.all(np.diff(likes["time"]) >= 0)
    net = np.zeros(params.n, dtype=np.int64)
    np.add.at(net, follows["author"], np.where(following, 1, -1))
    assert np.array_equal(initial + net, result.artifacts["followers"])
    assert set(np.unique(posts["day"])) == {1, 2, 3, 4}


def test_social_rl_through_a_random_feed_of_one_post_is_the_opinion_model():
    """Banisch & Olbrich's learners (seed 003; the opinion model on a complete graph: an agent
    expresses, a random other rewards +1 for agreement and -1 otherwise) against the platform's
    users with ``rl_reward=net`` reading a random feed of one post: the learning updates per agent
    before consensus have the same law. 200 runs of 10 agents each (alpha 0.1, epsilon 0.1); a
    two-sample Kolmogorov-Smirnov test at the 1% level and means within 10% (measured: 11.8
    against 12.0). The platform's days are longer: a post may go unread (no update) and readers
    never draw their own."""
    from scipy.stats import ks_2samp

    opinion = get_model("opinion")
    n, runs = 10, 200
    model = [opinion.simulate(opinion.make_params(dict(n=n, graph="complete", learning_rate=0.1, epsilon=0.1,
                                                      updates=10**6)), seed).metrics["consensus_time"] / n
             for seed in range(runs)]
    platform = []
    for seed in range(runs):
        result = run(seed=seed, n=n, days=400, follows=1, ranker="random", feed_size=1, discover=0,
                     update="social-rl", rl_reward="net", stance_sd=0.0, like_shape="threshold", like_width=1.0,
                     like_max=1.0, rl_rate=0.1, rl_exploration=0.1, activity_exponent=1000, follow_prob=0,
                     unfollow_after=0, consensus_margin=0)
        day = result.metrics["consensus_day"]
        assert day is not None
        platform.append(result.series["rl_updates"][:day].sum() / n)
    assert ks_2samp(model, platform).pvalue > 0.01
    assert abs(np.mean(platform) / np.mean(model) - 1) < 0.10


def test_voters_choose_the_nearest_candidate_and_split_ties_at_random():
    from polislab.models.platform.election import shares, sincere_votes

    rng = np.random.default_rng(0)
    opinion, positions = np.array([-1.0, -0.5, 0.0, 0.5, 1.0]), np.array([-0.5, 0.5])
    votes = np.array([sincere_votes(opinion, positions, rng) for _ in range(4000)])
    assert np.all(votes[:, :2] == 0) and np.all(votes[:, 3:] == 1)  # worked by hand
    assert abs(votes[:, 2].mean() - 0.5) < 0.03  # the voter at 0 is halfway: a fair coin (4000 draws, 4 sd)
    assert np.allclose(shares(np.array([0, 0, 1, 2, 2, 2]), 4), [2 / 6, 1 / 6, 3 / 6, 0])


def test_two_learning_candidates_converge_to_the_median_voter_and_three_do_not():
    """Downs and Hotelling with learners: bandit Q-learning candidates (21 stances, epsilon 0.1)
    among 300 fixed voters, 1500 elections. Two settle within 0.2 (two grid steps) of the median
    voter in each of 4 seeds; three stand farther on average (measured: 0.05 to 0.15 against 0.33
    to 0.48)."""
    two = [run(seed=seed, preset="candidates", n=300, follows=10, days=1500) for seed in range(4)]
    three = [run(seed=seed, preset="candidates", n=300, follows=10, days=1500, influencers=3) for seed in range(4)]
    assert all(r.metrics["candidate_distance_to_median"] < 0.2 for r in two)
    assert np.mean([r.metrics["candidate_distance_to_median"] for r in three]) > 0.25
    assert all(r.metrics["elections"] == 1500 for r in two)


def test_a_deluded_poll_confirms_itself_and_a_counterfactual_one_forecasts_the_sincere_vote():
    """Closed forms: with fixed voters and bandwagon w, the first candidate's share is
    y(x) = (1 - w) s + w [x leads], s its sincere share; a deluded forecast (the mean of outcomes)
    ends at a fixed point of y, s (1 - w) or s (1 - w) + w, whichever side it started on; a
    counterfactual one (learning only from erased, unpublished elections) ends at s. Within 0.02
    (the noise of 1000 voters' bandwagon draws, averaged)."""
    w = 0.3
    for seed in range(6):
        deluded = run(seed=seed, preset="poll", bandwagon=w).metrics
        s = deluded["sincere_first_share"]
        fixed_point = (1 - w) * s + (w if deluded["poll_forecast"] > 0.5 else 0.0)
        assert abs(deluded["poll_forecast"] - fixed_point) < 0.02
        counterfactual = run(seed=seed, preset="poll", bandwagon=w, poll="counterfactual").metrics
        assert abs(counterfactual["poll_forecast"] - counterfactual["sincere_first_share"]) < 0.02
        assert 0.8 < counterfactual["published_share"] < 0.97  # erased with probability 0.1, 200 elections
