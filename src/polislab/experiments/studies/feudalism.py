"""Catalog entries of the feudalism study (seed 001, chapter 3; issue 25): the sanity claims (an
agent alone; a buffer of sharing among imitators), and the sweeps over the imitate/innovate
weight, the share of deviants and the size of the public buffer. Seed 001 designs this world but
reports no result, so beyond the sanity claims the entries report what we find."""

from __future__ import annotations

import math

import numpy as np

from polislab.core.stats import mean_interval
from polislab.experiments.catalog import Claim, Entry, Verdict, runs_by_point, spec_pair, stored
from polislab.experiments.store_reader import StoreReader
from polislab.models.feudalism.params import FeudalismParams

SOURCE = "seed 001, ch. 3"
HUNGER_WEIGHT = FeudalismParams.model_fields["hunger_weight"].default
ALONE_VALUE = math.log(2.0) - HUNGER_WEIGHT
ALONE = spec_pair("feudalism", "feudalism-alone", 5, 3, preset="alone",
                  params={"turns": 100_000, "exploration_decay": 0.995})
IMITATION_LEVELS = [1.0, 0.9, 0.5, 0.0]
SHARING = spec_pair("feudalism", "feudalism-sharing", 5, 2, preset="sharing",
                    grid={"empirical_prior": [0.0, 1.0], "imitation": IMITATION_LEVELS})
SWEEP_IMITATION, SWEEP_DEVIANTS = [0.0, 0.5, 0.9], [0.0, 0.1, 0.3]
SWEEP = spec_pair("feudalism", "feudalism-sweep", 3, 2, params={"turns": 400_000, "other_model": "norm-deviant"},
                  grid={"imitation": SWEEP_IMITATION, "deviants": SWEEP_DEVIANTS})
BUFFER_SIZES = [100, 1000, 10_000]
BUFFERS = spec_pair("feudalism", "feudalism-buffer", 3, 2, params={"turns": 400_000},
                    grid={"buffer_size": BUFFER_SIZES, "imitation": [0.5, 0.9]})


def _alone(store: StoreReader) -> Verdict:
    runs = stored(store, *ALONE)
    wellbeing = runs["mean_wellbeing"]
    mean, low, high = mean_interval(wellbeing)
    gap = abs(mean / ALONE_VALUE - 1.0)
    return Verdict(f"wellbeing per turn {mean:.4f} (95% CI {low:.4f} to {high:.4f}, {len(wellbeing)} runs) against "
                   f"ln 2 - {HUNGER_WEIGHT:g} = {ALONE_VALUE:.4f}: {gap:.1%} off; encounters {runs['encounter_share'].max():.0%} "
                   "of turns", gap <= 0.02 and runs["encounter_share"].max() == 0.0)


def by_imitation(store: StoreReader) -> dict[tuple[float, float], dict[str, np.ndarray]]:
    """(pseudo-counts of B's policy, imitation weight) -> the runs."""
    return {(point.empirical_prior, point.imitation): runs for point, runs in runs_by_point(store, list(SHARING))}


def _sharing_persists(store: StoreReader) -> Verdict:
    imitators = by_imitation(store)[(0.0, 1.0)]
    share = imitators["sharing_share"]
    return Verdict(f"among pure imitators, {share.mean():.0%} of encounters in the last 10% of turns are sharing "
                   f"(lowest run {share.min():.0%}; {len(share)} runs)", bool(share.min() > 0.8))


def sharing_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    rows = []
    for (prior, imitation), runs in sorted(by_imitation(store).items(), key=lambda item: (item[0][0], -item[0][1])):
        rows.append([f"{prior:g}", f"{imitation:g}", str(len(runs["key"])), f"{runs['sharing_share'].mean():.0%}",
                     f"{runs['hits_per_encounter'].mean():.2f}", f"{runs['encounter_share'].mean():.2f}",
                     f"{runs['land_gini'].mean():.2f}", f"{runs['mean_wellbeing'].mean():.3f}"])
    return ("B full of sharing at the start, no random moves: what remains in the last 10% of turns, by imitation weight",
            ["pseudo-counts in B's policy", "imitation", "runs", "sharing encounters", "hits per encounter", "encounters per turn", "land Gini",
             "wellbeing per turn"], rows)


def sweep_points(store: StoreReader) -> list[tuple[object, dict[str, np.ndarray]]]:
    return runs_by_point(store, list(SWEEP))


SWEEP_COLUMNS = (("land_gini", "land Gini", "{:.2f}"), ("share_landless", "landless", "{:.0%}"),
                 ("share_lords", "lords (tribute from 2+)", "{:.0%}"), ("tribute_depth", "tribute depth", "{:.1f}"),
                 ("hits_per_encounter", "hits per encounter", "{:.2f}"), ("sharing_share", "sharing", "{:.0%}"),
                 ("mean_wellbeing", "wellbeing per turn", "{:.3f}"), ("deviance_estimate", "Delta estimate", "{:.2f}"))


def _means_table(title: str, axes: list[tuple[str, str, str]], points, columns=SWEEP_COLUMNS
                 ) -> tuple[str, list[str], list[list[str]]]:
    """One row per grid point: its coordinates (``axes``: attribute, label, format), its runs and
    the mean of each column over them."""
    rows = [[fmt.format(getattr(point, name)) for name, _, fmt in axes] + [str(len(runs["key"]))]
            + [fmt.format(float(np.mean(runs[column]))) for column, _, fmt in columns] for point, runs in points]
    return title, [label for _, label, _ in axes] + ["runs"] + [label for _, label, _ in columns], rows


def sweep_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    return _means_table("The last 10% of 400,000 turns of 200 agents (norm-deviant model of others), by imitation "
                        "weight and share of deviants (means over seeds)",
                        [("imitation", "imitation", "{:g}"), ("deviants", "deviants", "{:g}")], sweep_points(store))


def buffer_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    return _means_table("By size of the public buffer B and imitation weight (empirical model of others; means over "
                        "seeds)", [("buffer_size", "buffer", "{:,}"), ("imitation", "imitation", "{:g}")],
                        runs_by_point(store, list(BUFFERS)), SWEEP_COLUMNS[:-1])


ENTRIES = [
    Entry(study="feudalism", name="feudalism-alone", title="Sanity: an agent alone eats its harvest",
          spec=ALONE[0], quick_spec=ALONE[1], quick_seeds=3,
          notes="50 agents with no ties (so no encounters) for 100,000 turns, exploration decaying by 0.995 per "
          "decision; wellbeing over the last 10% of turns.",
          claims=(Claim(f"{SOURCE} (the eat game; issue 25's sanity check)", "with no encounters, wellbeing is what "
                        "eating alone gives", "ln 2 - hunger weight = 0.443 per turn (eat the whole harvest every turn)",
                        "mean within 2%, and no encounter", _alone),)),
    Entry(study="feudalism", name="feudalism-sharing", title="Sanity: a buffer of sharing among imitators",
          spec=SHARING[0], quick_spec=SHARING[1], quick_seeds=2, tables=(sharing_table,),
          notes="200 agents, 400,000 turns; B starts full of one script (the other gives corn, the starter gives corn, "
          "goodbye, goodbye) and agents make no random moves in encounters (they still try games at random in the "
          "meta-game, which is how most encounters start); the imitation weight runs from 1 (follow B's empirical "
          "policy) to 0 (greedy on one's own Q), and B's policy is copied exactly (no pseudo-counts) or with the "
          "default pseudo-count, which lets a move B never saw through now and then. A sharing encounter: both gave "
          "corn, nobody hit. Full: 5 seeds; --quick: 2.",
          claims=(Claim(f"{SOURCE}, 3.1.1 (issue 25's sanity check)", "with a buffer of pure sharing, sharing persists",
                        "sharing persists among imitators", "more than 80% of encounters in the last 10% of turns are "
                        "sharing, in every run with imitation 1 copying B exactly", _sharing_persists),)),
    Entry(study="feudalism", name="feudalism-sweep", title="Imitation and deviants: does a feudal order emerge?",
          spec=SWEEP[0], quick_spec=SWEEP[1], quick_seeds=2, tables=(sweep_table,),
          notes="200 agents with 4 ties each, 400,000 turns (2,000 per agent), B of 1,000 encounters, self-play against "
          "the norm with the posterior share of deviants (seed 001, 3.1.2). The tribute graph: an edge j -> i where j "
          "gave i more corn and labour over their ties than it got back in the last 10% of turns. Full: 3 seeds; "
          "--quick: 2."),
    Entry(study="feudalism", name="feudalism-buffer", title="The size of the public buffer",
          spec=BUFFERS[0], quick_spec=BUFFERS[1], quick_seeds=2, tables=(buffer_table,),
          notes="As the sweep, with the empirical model of others and no deviants; B holds 100 to 10,000 encounters "
          "(each encounter recorded with chance 0.1). Full: 3 seeds; --quick: 2."),
]
