"""Catalog entries of the election study (seed 003, "election candidates"; seed 004 on the
platform; issue 24): candidates who learn where to stand (Downs and Hotelling's median voter with
two, dispersion with more, after Laver & Sergenti), what the platform's feeds and opinion
dynamics do to them, and a poll that predicts the vote it moves."""

from __future__ import annotations

import numpy as np

from polislab.core.stats import difference_interval, mean_interval
from polislab.experiments.catalog import Claim, Entry, Verdict, runs_by_point, spec_pair
from polislab.experiments.store_reader import StoreReader
from polislab.models.platform.params import PRESETS
from polislab.models.platform.rankers import RANKERS

CANDIDATES = dict(PRESETS["candidates"], n=300, days=1500)
FEEDS = dict(PRESETS["candidates"], n=500, days=1000, update="bounded-confidence")
POLL = PRESETS["poll"]
MIN_SEEDS = 8  # a normal interval of a mean over fewer seeds is not to be trusted
NEAR_MEDIAN = 0.2  # two steps of the candidates' grid of 21 stances
SELF_CONFIRMING = 0.02  # a forecast this close to the outcome confirms itself


def _specs(name: str, seeds: int, quick_seeds: int, **spec):
    return spec_pair("platform", f"election-{name}", seeds, quick_seeds, **spec)


CANDIDATE_SPECS = _specs("candidates", 20, 8, params=CANDIDATES, grid={"influencers": [2, 3, 4]})
FEED_SPECS = _specs("feeds", 10, 3, params=FEEDS, grid={"ranker": list(RANKERS)})
POLL_SPECS = _specs("poll", 30, 10, params=POLL, grid={"poll": ["deluded", "counterfactual"], "bandwagon": [0.0, 0.3]})
SOURCE_DOWNS = "seed 003 (election candidates); Downs 1957, Hotelling 1929"
SOURCE_POLL = "seed 004 on the platform (issue 24)"


def _upper(values: np.ndarray) -> float:
    return mean_interval(values)[2]


def distances(store: StoreReader) -> dict[int, np.ndarray]:
    """Per number of candidates: each run's mean distance of the settled candidates to the median."""
    return {int(point.influencers): runs["candidate_distance_to_median"]
            for point, runs in runs_by_point(store, list(CANDIDATE_SPECS))}


def _two_converge(store: StoreReader) -> Verdict:
    found = distances(store)[2]
    return Verdict(f"mean distance of the 2 candidates to the median voter {found.mean():.3f} (95% upper bound "
                   f"{_upper(found):.3f}; {len(found)} runs)", _upper(found) < NEAR_MEDIAN,
                   decided=len(found) >= MIN_SEEDS)


def _three_disperse(store: StoreReader) -> Verdict:
    found = distances(store)
    difference, low, high = difference_interval(found[3], found[2])
    return Verdict(f"mean distance to the median: 3 candidates {found[3].mean():.3f}, 2 candidates "
                   f"{found[2].mean():.3f}; difference {difference:+.3f} (95% CI {low:+.3f} to {high:+.3f})",
                   low > 0, decided=min(len(found[3]), len(found[2])) >= MIN_SEEDS)


def candidates_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    rows = []
    for point, runs in runs_by_point(store, list(CANDIDATE_SPECS)):
        rows.append([str(point.influencers), str(len(runs["key"])), f"{runs['candidate_distance_to_median'].mean():.3f}",
                     f"{runs['candidate_spread'].mean():.3f}", f"{runs['winner_share'].mean():.3f}"])
    return ("Candidates who learn where to stand (bandit Q-learning over 21 stances, 1500 elections, 300 voters)",
            ["candidates", "runs", "distance to the median voter", "spread of positions", "winner's share"], rows)


def feeds_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    rows = []
    for point, runs in runs_by_point(store, list(FEED_SPECS)):
        rows.append([point.ranker, str(len(runs["key"])), f"{runs['candidate_distance_to_median'].mean():.3f}",
                     f"{runs['candidate_spread'].mean():.3f}", f"{runs['winner_share'].mean():.3f}",
                     f"{runs['opinion_variance'].mean():.3f}", f"{runs['bimodality'].mean():.3f}"])
    return ("Two learning candidates on a platform whose users move by bounded confidence, by feed ranker "
            "(1000 days, 500 users)", ["ranker", "runs", "distance to the median voter", "spread of positions",
                                       "winner's share", "final opinion variance", "bimodality"], rows)


def polls(store: StoreReader) -> dict[tuple[str, float], dict[str, np.ndarray]]:
    return {(point.poll, float(point.bandwagon)): runs for point, runs in runs_by_point(store, list(POLL_SPECS))}


def _deluded_confirms_itself(store: StoreReader) -> Verdict:
    runs = polls(store)[("deluded", 0.3)]
    error, sincere = runs["poll_error"], runs["poll_sincere_error"]
    flipped = int(np.sum(runs["poll_forecast"] > 0.5))
    return Verdict(f"bandwagon 0.3: final forecast within {error.max():.3f} of the outcome in every run (mean "
                   f"{error.mean():.3f}) but {sincere.mean():.3f} from the sincere vote on average; in {flipped} of "
                   f"{len(error)} runs it made the sincere loser (about 45%) the winner", error.max() < SELF_CONFIRMING,
                   decided=len(error) >= MIN_SEEDS)


def _counterfactual_stays_accurate(store: StoreReader) -> Verdict:
    runs = polls(store)[("counterfactual", 0.3)]
    sincere, error = runs["poll_sincere_error"], runs["poll_error"]
    return Verdict(f"bandwagon 0.3: final forecast {sincere.mean():.3f} from the sincere vote on average (95% upper "
                   f"bound {_upper(sincere):.3f}), {error.mean():.3f} from the outcome its publication moved",
                   _upper(sincere) < SELF_CONFIRMING, decided=len(sincere) >= MIN_SEEDS)


def poll_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    rows = []
    for (poll, bandwagon), runs in polls(store).items():
        rows.append([poll, f"{bandwagon:g}", str(len(runs["key"])), f"{runs['poll_error'].mean():.3f}",
                     f"{runs['poll_sincere_error'].mean():.3f}",
                     f"{int(np.sum((runs['poll_forecast'] > 0.5) != (runs['sincere_first_share'] > 0.5)))}"])
    return ("A published poll and the vote it forecasts (candidates fixed at -0.3 and 0.1: the first has about 45% "
            "of the sincere vote; 200 elections)", ["poll", "bandwagon", "runs", "error against the outcome",
                                                   "error against the sincere vote", "runs forecasting the wrong "
                                                   "sincere winner"], rows)


ENTRIES = [
    Entry(study="election", name="election-candidates", title="Candidates who learn where to stand",
          spec=CANDIDATE_SPECS[0], quick_spec=CANDIDATE_SPECS[1], quick_seeds=8, tables=(candidates_table,),
          notes="2, 3 or 4 candidates among 300 voters whose opinions are uniform on [-1, 1] and never change; each "
          "chooses one of 21 stances before each of 1500 daily elections by Q-learning on its vote share (a bandit "
          "learner: no state; epsilon 0.1); voters vote for the nearest. Where a candidate stands is its greedy "
          "stance at the end. Full: 20 seeds; --quick: 8.",
          claims=(Claim(SOURCE_DOWNS, "with two candidates and sincere voting, both converge to the median voter",
                        "both at the median", f"mean distance to the median voter, 95% upper bound below "
                        f"{NEAR_MEDIAN} (two grid steps; at least {MIN_SEEDS} runs)", _two_converge),
                  Claim("issue 24, after Laver & Sergenti 2011", "with three or more candidates, no stable "
                        "convergence", "dispersed", f"mean distance to the median larger with 3 than with 2, "
                        f"difference's 95% CI above 0 (at least {MIN_SEEDS} runs)", _three_disperse))),
    Entry(study="election", name="election-feeds", title="Candidates on a platform whose users move",
          spec=FEED_SPECS[0], quick_spec=FEED_SPECS[1], quick_seeds=3, tables=(feeds_table,),
          notes="Two learning candidates as above among 500 users who read ranked feeds and move by bounded "
          "confidence, for 1000 days, under each feed ranker (beyond the source: what the feeds do to where "
          "candidates end and who wins). Full: 10 seeds; --quick: 3."),
    Entry(study="election", name="election-poll", title="A poll that predicts the vote it moves",
          spec=POLL_SPECS[0], quick_spec=POLL_SPECS[1], quick_seeds=10, tables=(poll_table,),
          notes="Two candidates fixed at -0.3 and 0.1 among 1000 voters (uniform opinions, fixed), 200 daily "
          "elections; a pollster publishes a forecast of each share and a voter follows its leader with probability "
          "bandwagon (0 or 0.3). Deluded: forecasts the mean outcome it has seen; counterfactual: erased with "
          "probability 0.1 and learns from erased elections only (seed 004's oracles). Full: 30 seeds; --quick: 10.",
          claims=(Claim(SOURCE_POLL, "the deluded forecast becomes self-confirming", "self-confirming",
                        f"final forecast within {SELF_CONFIRMING} of the outcome in every run (at least "
                        f"{MIN_SEEDS} runs)", _deluded_confirms_itself),
                  Claim(SOURCE_POLL, "the counterfactual design stays accurate for the world without the forecast",
                        "accurate without the forecast", f"mean distance of the final forecast from the sincere "
                        f"vote, 95% upper bound below {SELF_CONFIRMING} (at least {MIN_SEEDS} runs)",
                        _counterfactual_stays_accurate))),
]
