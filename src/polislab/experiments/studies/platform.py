"""Catalog entries of the platform study (seed 003; issue 23): the influencer of Jin & Guo (2024),
as seed 003 summarises it, against baseline policies; what limiting its action space and its
self-observation do; and the platform's rankers with and without an influencer."""

from __future__ import annotations

import numpy as np

from polislab.core.stats import difference_interval, proportion_text, trials_to_exceed, wilson_interval
from polislab.experiments.catalog import Claim, Entry, Verdict, runs_by_point, spec_pair
from polislab.experiments.store_reader import StoreReader
from polislab.models.platform.params import PRESETS
from polislab.models.platform.rankers import RANKERS

SOURCE = "seed 003, Jin & Guo 2024"
POLICIES = ["q-learning", "random", "fixed", "user"]
BASE = PRESETS["influencer"]
MIN_SEEDS = 8  # a Welch interval of a difference over fewer seeds is not to be trusted
ABOVE_ZERO = f"95% CI above 0 (at least {MIN_SEEDS} seeds)"
STABLE_WINDOW = 10  # the last decisions over which a policy's stability is measured


def _specs(name: str, seeds: int, quick_seeds: int, **spec):
    return spec_pair("platform", f"platform-{name}", seeds, quick_seeds, **spec)


POLICY_SPECS = _specs("influencer", 30, 8, params=BASE, grid={"influencer_policy": POLICIES})
SETTING_SPECS = _specs("action-space", 30, 8, params={**BASE, "influencer_exploration": 0.02},
                       grid={"influencer_observe": [True, False], "influencer_rates": [[1.0, 4.0], [4.0]]})
RANKER_SPECS = _specs("rankers", 10, 3, params=dict(BASE, days=100),
                      grid={"ranker": list(RANKERS), "influencers": [0, 1]})
SOCIAL_RL = dict(n=1000, days=300, update="social-rl", stance_sd=0.0, like_shape="threshold", like_width=1.0)
SOCIAL_SPECS = _specs("social-rl", 20, 6, params=SOCIAL_RL, grid={"ranker": list(RANKERS)})
MAJORITY_RUNS = trials_to_exceed(0.5)


def _gains(store: StoreReader) -> dict[str, np.ndarray]:
    return {point.influencer_policy: runs["influencer_gain"] for point, runs in runs_by_point(store, list(POLICY_SPECS))}


def _beats(rival: str):
    def measure(store: StoreReader) -> Verdict:
        gains = _gains(store)
        ours, theirs = gains["q-learning"], gains[rival]
        difference, low, high = difference_interval(ours, theirs)
        return Verdict(f"followers gained: q-learning {ours.mean():.1f}, {rival} {theirs.mean():.1f}; difference "
                       f"{difference:+.1f} (95% CI {low:+.1f} to {high:+.1f}; {len(ours)} seeds each)",
                       low > 0, decided=min(len(ours), len(theirs)) >= MIN_SEEDS)

    return measure


def stability(store: StoreReader, keys) -> np.ndarray:
    """Per run: the share of the last decisions that repeat the final one (1: settled)."""
    shares = []
    for key in keys:
        actions = store.artifacts(key)["influencer_actions"][-STABLE_WINDOW:, 0]
        shares.append(float(np.mean(actions == actions[-1])))
    return np.array(shares)


def settings(store: StoreReader) -> dict[str, dict[str, np.ndarray]]:
    """Per action-space setting: followers gained and stability, per seed."""
    found = {}
    for point, runs in runs_by_point(store, list(SETTING_SPECS)):
        name = f"{3 * len(point.influencer_rates)} actions, {'' if point.influencer_observe else 'no '}self-observation"
        found[name] = {"gain": runs["influencer_gain"], "stability": stability(store, runs["key"])}
    return found


def _compare(better: str, worse: str, what: str):
    def measure(store: StoreReader) -> Verdict:
        found = settings(store)
        a, b = found[better]["stability"], found[worse]["stability"]
        difference, low, high = difference_interval(a, b)
        return Verdict(f"{what}: the share of the last {STABLE_WINDOW} decisions repeating the final one is "
                       f"{a.mean():.2f} ({better}) against {b.mean():.2f} ({worse}); difference {difference:+.2f} "
                       f"(95% CI {low:+.2f} to {high:+.2f}); followers gained {found[better]['gain'].mean():.1f} "
                       f"against {found[worse]['gain'].mean():.1f}",
                       low > 0, decided=min(len(a), len(b)) >= MIN_SEEDS)

    return measure


def gains_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    gains = _gains(store)
    rows = [[policy, str(len(values)), f"{values.mean():.1f}", f"{values.std(ddof=1) / np.sqrt(len(values)):.1f}"]
            for policy, values in gains.items()]
    return "Followers an influencer gains over the run, by policy", ["policy", "seeds", "mean", "standard error"], rows


def settings_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    rows = [[name, str(len(v["gain"])), f"{v['gain'].mean():.1f}", f"{v['stability'].mean():.2f}"]
            for name, v in settings(store).items()]
    return ("The q-learning influencer by action space and self-observation",
            ["setting", "seeds", "followers gained", "stability (last 10 decisions)"], rows)


def ranker_rows(store: StoreReader) -> list[dict]:
    rows = []
    for point, runs in runs_by_point(store, list(RANKER_SPECS)):
        rows.append(dict(ranker=point.ranker, influencers=point.influencers, runs=len(runs["key"]),
                         bimodality=float(np.nanmean(runs["bimodality"])), echo=float(runs["echo_index"].mean()),
                         variance=float(runs["opinion_variance"].mean())))
    return rows


def rankers_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    rows = [[r["ranker"], str(r["influencers"]), str(r["runs"]), f"{r['variance']:.3f}", f"{r['bimodality']:.3f}",
             f"{r['echo']:.3f}"] for r in ranker_rows(store)]
    return ("Polarisation and echo chambers by feed ranker, without and with a q-learning influencer (100 days)",
            ["ranker", "influencers", "runs", "opinion variance", "bimodality", "echo index"], rows)


def consensus_rows(store: StoreReader) -> list[dict]:
    rows = []
    for point, runs in runs_by_point(store, list(SOCIAL_SPECS)):
        days = np.array([np.nan if d is None else float(d) for d in runs["consensus_day"]], dtype=float)
        reached = ~np.isnan(days)
        rows.append(dict(ranker=point.ranker, runs=len(days), reached=int(reached.sum()),
                         median=float(np.median(days[reached])) if reached.any() else None,
                         variance=float(runs["opinion_variance"].mean()), echo=float(runs["echo_index"].mean())))
    return rows


def consensus_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    rows = [[r["ranker"], str(r["runs"]), f"{r['reached']} of {r['runs']}",
             "-" if r["median"] is None else f"{r['median']:.0f}", f"{r['variance']:.3f}", f"{r['echo']:.3f}"]
            for r in consensus_rows(store)]
    return ("Social RL from likes, by feed ranker: consensus within 300 days (95% of users on one side)",
            ["ranker", "runs", "consensus reached", "median day of consensus", "final opinion variance",
             "echo index"], rows)


def _consensus_under_random_feed(store: StoreReader) -> Verdict:
    row = {r["ranker"]: r for r in consensus_rows(store)}["random"]
    low, _ = wilson_interval(row["reached"], row["runs"])
    median = "" if row["median"] is None else f", median day {row['median']:.0f}"
    return Verdict(f"random feed: consensus within 300 days in {proportion_text(row['reached'], row['runs'])}{median}",
                   low > 0.5, decided=row["runs"] >= MAJORITY_RUNS)


QUESTION = ("can RL find a strategy that maximises the target agent's follower count within a predetermined "
            "number of steps?")
ENTRIES = [
    Entry(study="platform", name="platform-influencer", title="An influencer that learns to win followers",
          spec=POLICY_SPECS[0], quick_spec=POLICY_SPECS[1], quick_seeds=8, tables=(gains_table,),
          notes="One influencer among 1000 users (bounded confidence, chronological feeds) for 300 days, deciding "
          "every 5 days among 3 stances x 2 activities (1 or 4 posts a day) by tabular Q-learning (epsilon 0.05), "
          "against a random bot, a fixed centrist bot at 4 posts a day and a user of the same mean activity "
          "posting its own opinion. Full: 30 seeds; --quick: 8.",
          claims=(Claim(SOURCE, QUESTION + " (the paper says yes)", "more followers than a random bot",
                        f"difference of mean followers gained, {ABOVE_ZERO}",
                        _beats("random")),
                  Claim(SOURCE, QUESTION, "more followers than a non-learning user of the same activity",
                        f"difference of mean followers gained, {ABOVE_ZERO}",
                        _beats("user"),
                        divergence="our learner loses followers as it explores: a change of stance makes followers "
                        "unfollow after repeated disagreement, and 60 decisions are few for its table of 18 x 6 "
                        "values; the paper's agents and schedule are LLM-driven and not given in seed 003",
                        explained_in="studies/platform.md#research-log"))),
    Entry(study="platform", name="platform-action-space", title="Limiting the action space, and self-observation",
          spec=SETTING_SPECS[0], quick_spec=SETTING_SPECS[1], quick_seeds=8, tables=(settings_table,),
          notes="The q-learning influencer of the entry above (epsilon 0.02) with 3 stances x 2 activities or 3 "
          "stances at 4 posts a day, with and without its last action in its state. Stability: the share of its "
          f"last {STABLE_WINDOW} decisions that repeat the final one.",
          claims=(Claim(SOURCE, "limiting the action space ... crucial for stable opinion leader generation",
                        "stabler with fewer actions",
                        f"stability with 3 actions above 6 (with self-observation), difference {ABOVE_ZERO}",
                        _compare("3 actions, self-observation", "6 actions, self-observation", "fewer actions")),
                  Claim(SOURCE, "incorporating self-observation ... crucial for stable opinion leader generation",
                        "stabler with self-observation",
                        f"stability with self-observation above without (6 actions), difference {ABOVE_ZERO}",
                        _compare("6 actions, self-observation", "6 actions, no self-observation",
                                 "self-observation"),
                        divergence="with its last action in its state our tabular learner alternates between two "
                        "actions (their values differ by state) instead of settling; the paper's self-observation "
                        "is an LLM agent reading its own posts, which a table cannot mirror",
                        explained_in="studies/platform.md#research-log"))),
    Entry(study="platform", name="platform-rankers", title="Feed rankers, with and without an influencer",
          spec=RANKER_SPECS[0], quick_spec=RANKER_SPECS[1], quick_seeds=3, tables=(rankers_table,),
          notes="1000 users with bounded confidence for 100 days under each feed ranker, without and with one "
          "q-learning influencer (beyond the source: what the influencer does to society). Full: 10 seeds; "
          "--quick: 3."),
    Entry(study="platform", name="platform-social-rl", title="Social RL from likes, through each feed ranker",
          spec=SOCIAL_SPECS[0], quick_spec=SOCIAL_SPECS[1], quick_seeds=6, tables=(consensus_table,),
          notes="1000 users learn which of two stances to post from the likes their posts get (readers like only "
          "their own stance), for 300 days under each ranker. A random feed is the closest to Meylahn & "
          "Meylahn's random neighbour; the others draw on the follow graph, which unfollowing sorts by stance. "
          "Full: 20 seeds; --quick: 6.",
          claims=(Claim("seed 003, Meylahn & Meylahn 2024", "polarisation is metastable: the social-RL society "
                        "reaches consensus in the end", "consensus", f"consensus within 300 days in most runs "
                        f"with a random feed, 95% CI above 50% (at least {MAJORITY_RUNS} runs)",
                        _consensus_under_random_feed),)),
]
