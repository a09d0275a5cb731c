"""The bot detector: a random forest (scikit-learn) over an account's activity shares, trained
on simulated humans and simple bots ("Socialbots on Fire": a detector of about 90% accuracy that
checks each bot every K actions; seed 003; issue 24)."""

from __future__ import annotations

import numpy as np
from numba import njit

from polislab.models.socialbots.params import ACTIVITIES, SocialbotParams

POST = 0
FEATURES = len(ACTIVITIES) + 1
TRAINING_BOTS = ("uniform", "always-post", "mention-spam")


def features(counts: np.ndarray) -> np.ndarray:
    """Rows of activity counts (post, repost, reply, mention) -> each activity's share and the
    share of actions that address someone (all but posts)."""
    counts = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    total = np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    shares = counts / total
    return np.hstack([shares, 1.0 - shares[:, [POST]]])


def simulated_accounts(params: SocialbotParams, rng: np.random.Generator, accounts: int) -> tuple[np.ndarray, np.ndarray]:
    """``accounts`` humans and as many simple bots (a third each of uniform, always-post and
    mention-spam), each with a life of a uniform number of actions in [check_every, steps]:
    (features, labels: 1 for a bot)."""
    kinds = len(ACTIVITIES)
    lengths = rng.integers(params.check_every, params.steps + 1, 2 * accounts)
    human = rng.dirichlet(np.asarray(params.human_profile) * params.human_concentration + 1e-9, accounts)
    profiles = {"uniform": np.full(kinds, 1.0 / kinds), "always-post": np.eye(kinds)[POST],
                "mention-spam": np.array([0.1, 0.0, 0.1, 0.8])}
    bots = np.array([profiles[TRAINING_BOTS[i % len(TRAINING_BOTS)]] for i in range(accounts)])
    shares = np.vstack([human, bots])
    counts = np.array([rng.multinomial(length, share / share.sum()) for length, share in zip(lengths, shares)])
    labels = np.concatenate([np.zeros(accounts, dtype=np.int64), np.ones(accounts, dtype=np.int64)])
    return features(counts), labels


def flat_forest(forest) -> tuple[np.ndarray, ...]:
    """A fitted scikit-learn forest as flat arrays, its trees' nodes end to end: the feature and
    threshold of each split, its children (global node numbers; -1 at a leaf), each leaf's share
    of bots, and each tree's root."""
    features_, thresholds, lefts, rights, bot_shares, roots = [], [], [], [], [], []
    start = 0
    for estimator in forest.estimators_:
        tree = estimator.tree_
        roots.append(start)
        features_.append(tree.feature)
        thresholds.append(tree.threshold)
        lefts.append(np.where(tree.children_left >= 0, tree.children_left + start, -1))
        rights.append(np.where(tree.children_right >= 0, tree.children_right + start, -1))
        counts = tree.value[:, 0, :]
        bot_shares.append(counts[:, 1] / counts.sum(axis=1))
        start += tree.node_count
    return (np.concatenate(features_).astype(np.int64), np.concatenate(thresholds), np.concatenate(lefts),
            np.concatenate(rights), np.concatenate(bot_shares), np.array(roots, dtype=np.int64))


@njit(cache=True, nogil=True)
def bot_probability(x, feature, threshold, left, right, bot_share, roots):
    """The forest's probability that the account of features ``x`` is a bot: the mean over trees
    of the bot share of the leaf ``x`` falls in (scikit-learn's ``predict_proba``)."""
    total = 0.0
    for root in roots:
        node = root
        while left[node] >= 0:
            node = left[node] if x[feature[node]] <= threshold[node] else right[node]
        total += bot_share[node]
    return total / roots.shape[0]


class Detector:
    """The trained forest, its held-out accuracy, and the check of one account (the forest
    compiled: ``bot_probability`` over ``flat_forest``, a thousand times faster per account than
    scikit-learn's call)."""

    def __init__(self, params: SocialbotParams, seed: int):
        rng = np.random.default_rng(seed)
        self.seed = seed
        self.x, self.y = simulated_accounts(params, rng, params.detector_accounts)
        self.held_x, self.held_y = simulated_accounts(params, rng, max(params.detector_accounts // 2, 5))
        self.trees = params.detector_trees
        self.fit()

    def fit(self) -> None:
        from sklearn.ensemble import RandomForestClassifier  # imported when a run starts

        self.forest = RandomForestClassifier(n_estimators=self.trees, random_state=self.seed % 2**32,
                                             n_jobs=1).fit(self.x, self.y)
        self.accuracy = float((self.forest.predict(self.held_x) == self.held_y).mean())
        self.flat = flat_forest(self.forest)

    def learn_from_caught(self, counts: np.ndarray) -> None:
        """Add the accounts it caught (rows of activity counts) to its bots and train again (the
        adaptive detector of issue 24's arms race)."""
        if len(counts):
            self.x = np.vstack([self.x, features(counts)])
            self.y = np.concatenate([self.y, np.ones(len(counts), dtype=np.int64)])
            self.fit()

    def probability(self, counts: np.ndarray) -> float:
        """The forest's probability that the account with these activity counts is a bot."""
        return float(bot_probability(features(counts)[0], *self.flat))

    def flags(self, counts: np.ndarray) -> bool:
        """Whether the account with these activity counts is judged a bot (probability above 0.5)."""
        return self.probability(counts) > 0.5
