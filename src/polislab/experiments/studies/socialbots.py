"""Catalog entries of the socialbots study (seed 003; Le, Tran-Thanh & Lee 2022, "Socialbots on
Fire"; issue 24): a bot trained by PPO against a fixed detector, beside the paper's heuristic bots
and a bot that mimics humans."""

from __future__ import annotations

import numpy as np

from polislab.core.stats import difference_interval, mean_interval
from polislab.experiments.catalog import Claim, Entry, Verdict, runs_by_point, spec_pair, stored
from polislab.experiments.store_reader import StoreReader
from polislab.models.socialbots.params import POLICIES

SOURCE = "seed 003, Le, Tran-Thanh & Lee 2022"
PAPER_BASELINES = ("random", "always-post", "high-degree")
MIN_SEEDS = 5  # worlds (graph and detector) per policy before a Welch interval decides
SPECS = spec_pair("socialbots", "socialbots-policies", 10, 5, params={"decisions": 24_000},
                  grid={"policy": list(POLICIES)})
ROUNDS = 5
RACE_SPECS = spec_pair("socialbots", "socialbots-arms-race", 5, 2,
                       params={"decisions": 24_000, "policy": "ppo", "rounds": ROUNDS})


def by_policy(store: StoreReader) -> dict[str, dict[str, np.ndarray]]:
    return {point.policy: runs for point, runs in runs_by_point(store, list(SPECS))}


def _beats_the_paper_baselines(column: str, what: str):
    def measure(store: StoreReader) -> Verdict:
        found = by_policy(store)
        best = max(PAPER_BASELINES, key=lambda policy: found[policy][column].mean())
        ours, theirs = found["ppo"][column], found[best][column]
        difference, low, high = difference_interval(ours, theirs)
        return Verdict(f"{what}: PPO {ours.mean():.1f}, the best of the paper's baselines ({best}) {theirs.mean():.1f}; "
                       f"difference {difference:+.1f} (95% CI {low:+.1f} to {high:+.1f}; {len(ours)} worlds each)",
                       low > 0, decided=min(len(ours), len(theirs)) >= MIN_SEEDS)

    return measure


def policies_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    def interval(values: np.ndarray) -> str:
        mean, _, high = mean_interval(values)
        return f"{mean:,.1f} ± {high - mean:,.1f}"

    rows = [[policy, str(len(runs["key"])), interval(runs["influence"]), interval(runs["survival"]),
             f"{runs['detected'].mean():.2f}", f"{runs['followers'].mean():.1f}", f"{runs['final_spread'].mean():.1f}",
             f"{runs['detector_accuracy'].mean():.3f}"] for policy, runs in by_policy(store).items()]
    return ("Socialbots by policy against the detector (per world: the mean of 50 bots; ± a 95% interval over worlds)",
            ["policy", "worlds", "influence (users reached)", "survival (actions of 200)", "share detected",
             "followers", "final cascade", "detector accuracy"], rows)


def race_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    """Per round, over worlds: the PPO bots' detection, survival and influence, and the detector's
    accuracy on held-out simulated accounts."""
    runs = stored(store, *RACE_SPECS)
    series = [store.series(key) for key in runs["key"]]
    rows = []
    for index in range(ROUNDS):
        def mean(name: str) -> float:
            return float(np.mean([found[name][index] for found in series]))

        rows.append([str(index + 1), str(len(series)), f"{mean('detected'):.2f}", f"{mean('survival'):.1f}",
                     f"{mean('influence'):,.0f}", f"{mean('detector_accuracy'):.3f}"])
    return ("The arms race: a new PPO bot each round against a detector retrained on the accounts it caught "
            "(means over worlds)", ["round", "worlds", "share detected", "survival", "influence",
                                    "detector accuracy"], rows)


ENTRIES = [
    Entry(study="socialbots", name="socialbots-policies", title="A learned socialbot against a detector",
          spec=SPECS[0], quick_spec=SPECS[1], quick_seeds=5, tables=(policies_table,),
          notes="2000 users, each following one other by a heavy-tailed attractiveness; a bot lives 200 actions "
          "(post, repost, reply, mention), checked every 10 by a random forest trained on simulated humans and simple "
          "bots; influence is the summed expected reach of its posts by independent cascades (p = 0.8, the paper's). "
          "Each world (seed) has its graph and detector and lives 50 bots per policy; PPO trains first for 24,000 "
          "actions (one joint policy over activity and target group) and acts by sampling. Full: 10 worlds; "
          "--quick: 5.",
          claims=(Claim(SOURCE, "the learned socialbot reaches more network influence than the baselines (up to "
                        "18% more in the paper)", "more influence", f"difference of mean influence from the best of "
                        f"random, always-post and high-degree, 95% CI above 0 (at least {MIN_SEEDS} worlds)",
                        _beats_the_paper_baselines("influence", "influence")),
                  Claim(SOURCE, "the learned socialbot is harder to detect than the baselines (up to 40% more "
                        "undetectability in the paper)", "survives longer", f"difference of mean survival from the "
                        f"best of random, always-post and high-degree, 95% CI above 0 (at least {MIN_SEEDS} worlds)",
                        _beats_the_paper_baselines("survival", "survival")))),
    Entry(study="socialbots", name="socialbots-arms-race", title="An arms race with an adaptive detector",
          spec=RACE_SPECS[0], quick_spec=RACE_SPECS[1], quick_seeds=2, tables=(race_table,),
          notes=f"Beyond the paper (its detector is fixed): {ROUNDS} rounds in each world; each round a new PPO bot "
          "is trained against the detector and lives 50 bots, and the detector then adds the accounts it caught to "
          "its bots and trains again. Full: 5 worlds; --quick: 2."),
]
