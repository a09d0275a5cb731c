"""Catalog entries of the competition study (seed 002, section 5): competing baselines over W
and W2 (Fig. 15 and the critical region) and the adoption experiments (Fig. 16, Table 6).

Setting (seed 002, 5.1): N = 1000, 10^5 steps, 30 runs per setting, beta_med = 10 beta = 0.05;
the graph, beta, k and game are those of Table 4 (Erdos-Renyi, k = 30, beta = 0.005, T = 2,
S = -1). Section 5.3 does not give W and W2 for Table 6: we take W = 1 and W2 = 0.1, inside the
critical region of section 5.2.
"""

from __future__ import annotations

import numpy as np

from polislab.experiments.catalog import Claim, Entry, Verdict, runs_by_point, spec_pair
from polislab.experiments.store_reader import StoreReader
from polislab.experiments.spec import Spec
from polislab.models.coevolution.model import share_column

SOURCE = "seed 002, 5"
MANY = {"local": 0.9, "good": 0.025, "bad": 0.025, "random": 0.025, "fair": 0.025}
BASE = dict(n=1000, k=30, graph="erdos-renyi", beta=0.005, beta_med=0.05, temptation=2.0, sucker=-1.0,
            steps=100_000)
W_VALUES = [0.5, 1.0, 1.2, 1.6, 2.0, 3.0, float("inf")]
W2_VALUES = [0.01, 0.03, 0.1, 0.5, float("inf")]
BASELINES = Spec(model="coevolution", seeds=list(range(30)), name="competition-baselines",
                 params={**BASE, "mixture": MANY}, grid={"w": W_VALUES, "w2": W2_VALUES})
BASELINES_QUICK = Spec(model="coevolution", seeds=list(range(6)), name="competition-baselines-quick",
                       params={**BASE, "mixture": MANY}, grid={"w": [1.0, 1.2, 1.6, 2.0, float("inf")],
                                                              "w2": W2_VALUES})
# Table 6, in the source's row order: (row, mixture, the initial majority, the source's coops, rewires, majority)
SCENARIOS = [
    ("Engagement", {"random": 1.0}, None, 0.06372, 71487.22, None),
    ("Engagement vs Local majority", {"local": 0.9, "random": 0.1}, "local", 0.0, 39301.033, 0.925),
    ("Local", {"local": 1.0}, None, 0.0, 33934.28, None),
    ("Local vs Many", MANY, "local", 0.432, 277427.633, 0.227),
    ("Aligned vs Local majority", {"local": 0.9, "good": 0.1}, "local", 0.362, 225244.533, 0.427),
    ("Aligned vs Engagement majority", {"random": 0.9, "good": 0.1}, "random", 0.469, 417636.18, 0.443),
    ("Aligned", {"good": 1.0}, None, 0.52152, 34542.48, None),
]
ADOPTION = Spec(model="coevolution", seeds=list(range(30)), name="competition-adoption",
                params={**BASE, "w": 1.0, "w2": 0.1}, grid={"mixture": [s[1] for s in SCENARIOS]})


def baseline_table(store: StoreReader, specs: tuple[Spec, ...] = (BASELINES, BASELINES_QUICK)
                   ) -> dict[tuple[float, float], dict[str, float]]:
    """Mean final share of each recommender (and cooperators) per (W, W2)."""
    table = {}
    for point, runs in runs_by_point(store, list(specs)):
        means = {name: float(np.mean(runs[share_column(name)])) for name in MANY}
        means["cooperators"] = float(np.mean(runs["cooperators_final"]))
        table[(point.w, point.w2)] = means
    return table


def _critical_region(store: StoreReader) -> Verdict:
    table = baseline_table(store)
    lost = sorted((w, w2) for (w, w2), means in table.items() if means["local"] < 0.5)
    inside = [(w, w2) for w, w2 in lost if 1 <= w <= 2 and 0.03 <= w2 <= 0.1]
    listed = ", ".join(f"({w:g}, {w2:g})" for w, w2 in lost) or "nowhere"
    return Verdict(f"local holds under half the users at (W, W2) = {listed}; in the seed's region: {len(inside)}",
                   bool(inside))


def _infinite_w(store: StoreReader) -> Verdict:
    table = baseline_table(store)
    shares = [means["local"] for (w, _), means in table.items() if np.isinf(w)]
    return Verdict(f"W = inf: local's final share {min(shares):.3f}-{max(shares):.3f} over W2 (started at 0.9)",
                   bool(shares) and max(abs(s - 0.9) for s in shares) <= 0.05)


def _good_and_local_lead(store: StoreReader) -> Verdict:
    table = baseline_table(store)
    parts, passed = [], True
    for w in (1.0, 1.2, 1.6, 2.0):
        rows = [means for (w_, w2), means in table.items() if w_ == w and not np.isinf(w2)]
        if not rows:
            continue
        minority = {name: float(np.mean([r[name] for r in rows])) for name in MANY if name != "local"}
        order = sorted(minority, key=minority.get, reverse=True)
        parts.append(f"W = {w:g}: " + " > ".join(f"{name} {minority[name]:.3f}" for name in order))
        passed &= order[0] == "good"
    return Verdict("; ".join(parts) + " (mean over finite W2)", passed and bool(parts))


def adoption_rows(store: StoreReader, specs: tuple[Spec, ...] = (ADOPTION,)) -> list[dict]:
    """Per Table 6 scenario: our means (coops, rewires, initial majority's final share) and the source's."""
    found = {str(sorted(point.mixture.items())): runs for point, runs in runs_by_point(store, list(specs))}
    rows = []
    for row, mixture, majority, coops, rewires, kept in SCENARIOS:
        runs = found.get(str(sorted(mixture.items())))
        if runs is None:
            continue
        ours_kept = float(np.mean(runs["initial_majority_share"])) if majority else None
        rows.append(dict(row=row, mixture=mixture, runs=len(runs["key"]),
                         coops=float(np.mean(runs["cooperators_final"])),
                         coops_sd=float(np.std(runs["cooperators_final"])),
                         rewires=float(np.mean(runs["rewires"])), kept=ours_kept,
                         requests=float(np.mean(runs["rewire_requests"])),
                         source=(coops, rewires, kept),
                         shares={name: runs.get(share_column(name)) for name in mixture} if majority else {}))
    return rows


def table6(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    rows = [[r["row"], f"{r['source'][0]:.3f}", f"{r['coops']:.3f} ± {r['coops_sd']:.3f}", f"{r['source'][1]:,.0f}",
             f"{r['rewires']:,.0f}", "-" if r["kept"] is None else f"{r['source'][2]:.3f}",
             "-" if r["kept"] is None else f"{r['kept']:.3f}"] for r in adoption_rows(store)]
    return ("Table 6, row by row (W = 1, W2 = 0.1, 30 runs each)",
            ["scenario", "coops (seed)", "coops (ours, mean ± sd)", "rewires (seed)", "rewires (ours)",
             "initial majority (seed)", "initial majority (ours)"], rows)


def _rows(store: StoreReader) -> dict[str, dict]:
    return {r["row"]: r for r in adoption_rows(store)}


def _aligned_beats_engagement(store: StoreReader) -> Verdict:
    r = _rows(store)
    aligned, engagement, local = r["Aligned"]["coops"], r["Engagement"]["coops"], r["Local"]["coops"]
    return Verdict(f"final cooperators: aligned {aligned:.3f}, engagement {engagement:.3f}, local {local:.3f}",
                   aligned > engagement and aligned > local)


def _engagement_not_adopted(store: StoreReader) -> Verdict:
    kept = _rows(store)["Engagement vs Local majority"]["kept"]
    return Verdict(f"local keeps {kept:.3f} of the users against a 10% engagement maximizer", kept >= 0.8)


def _aligned_adopted(store: StoreReader) -> Verdict:
    r = _rows(store)
    against_local = r["Aligned vs Local majority"]["kept"]
    against_engagement = r["Aligned vs Engagement majority"]["kept"]
    engagement = r["Engagement vs Local majority"]["kept"]
    return Verdict(f"the initial majority keeps {against_local:.3f} (local) and {against_engagement:.3f} "
                   f"(engagement) against a 10% aligned recommender, {engagement:.3f} against a 10% engagement "
                   f"maximizer", max(against_local, against_engagement) <= 0.8)


DRIFT = ("in our runs recommender shares drift like a voter model: a node makes only about "
         "100 W2 / (1 + W2) recommender updates in 10^5 steps, and an exclusive minority recommender has few "
         "users, so few cooperators, to offer, which gives its users no fitness edge. The seed's mixed rows "
         "count 2-12 times more rewires than their steps, so its steps must hold more updates than ours; "
         "its single-recommender rows (33,934 rewires for local) match ours (about 30,000)")


# readings of section 5 that the text allows (issue 27), each a named option of the model
READINGS = {
    "retry": ("an exclusive recommender with no user to offer: the update is drawn again, the step not counted",
              {"no_candidate": "retry"}),
    "users": ("a recommender update weighs the mean fitness of the two recommenders' users, not the neighbour's",
              {"recommender_judge": "users"}),
    "open": ("recommenders offer any node, not only their own users (non-exclusive)", {"exclusive": False}),
}


def reading_specs(reading: str) -> tuple[tuple[Spec, Spec], tuple[Spec, Spec]]:
    """(Table 6 full, quick), ((W, W2) grid full, quick) under a reading."""
    options = READINGS[reading][1]
    table = spec_pair("coevolution", f"competition-table6-{reading}", 30, 6,
                      params={**BASE, "w": 1.0, "w2": 0.1, **options}, grid={"mixture": [s[1] for s in SCENARIOS]})
    grid = spec_pair("coevolution", f"competition-grid-{reading}", 30, 2, params={**BASE, "mixture": MANY, **options},
                     grid={"w": [1.0, 1.2, 1.6, 2.0], "w2": [0.01, 0.03, 0.1, 0.5]})
    return table, grid


def readings_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    """Table 6 row by row: the seed's values, then ours as built and under each reading."""
    found = {"as built": {r["row"]: r for r in adoption_rows(store)}}
    for reading in READINGS:
        table, _ = reading_specs(reading)
        found[reading] = {r["row"]: r for r in adoption_rows(store, table)}
    rows = []
    for row, _, majority, coops, rewires, kept in SCENARIOS:
        cells = [row, f"{coops:.3f} / {rewires:,.0f} / {'-' if kept is None else f'{kept:.3f}'}"]
        for name in found:
            r = found[name].get(row)
            cells.append("not run" if r is None else f"{r['coops']:.3f} / {r['rewires']:,.0f} ({r['requests']:,.0f}) / "
                         + ("-" if r["kept"] is None else f"{r['kept']:.3f}"))
        rows.append(cells)
    return ("Table 6 under each reading (coops / rewires (requests) / initial majority's final share; W = 1, W2 = 0.1)",
            ["scenario", "seed"] + list(found), rows)


def readings_grid_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    """Local's final share over the (W, W2) box of the seed's critical region, per reading."""
    tables = {"as built": baseline_table(store)}
    for reading in READINGS:
        tables[reading] = baseline_table(store, reading_specs(reading)[1])
    points = sorted(key for key in tables["as built"] if 1 <= key[0] <= 2 and 0.01 <= key[1] <= 0.5)
    rows = [[f"{w:g}", f"{w2:g}"] + [f"{tables[name][(w, w2)]['local']:.3f}" if (w, w2) in tables[name] else "not run"
                                    for name in tables] for w, w2 in points]
    return ("Local's final share (from 0.9) in and around the seed's critical region, per reading (the seed: under 0.5 "
            "for W in [1, 2], W2 in [0.03, 0.1])", ["W", "W2"] + list(tables), rows)


def _readings_take_over(store: StoreReader) -> Verdict:
    """Does any reading give the seed's takeovers: the local majority falls under 0.5 somewhere in the box?"""
    parts, lost = [], []
    for reading in ("as built", *READINGS):
        table = baseline_table(store) if reading == "as built" else baseline_table(store, reading_specs(reading)[1])
        box = {key: means["local"] for key, means in table.items() if 1 <= key[0] <= 2 and 0.03 <= key[1] <= 0.1}
        if box:
            parts.append(f"{reading}: lowest {min(box.values()):.3f}")
            if min(box.values()) < 0.5:
                lost.append(reading)
    return Verdict("local's lowest final share in the box: " + "; ".join(parts)
                   + (f"; under 0.5 with {', '.join(lost)}" if lost else ""), bool(lost))


READINGS_DOC = "studies/competition.md#readings-of-section-5"
READINGS_DIVERGE = ("none of the readings we could build gives the takeovers (see the reading-by-reading tables "
                    "and docs/studies/competition.md, 'Readings of section 5'): retrying when no candidate changes "
                    "little because an exclusive recommender rarely has none; judging recommenders by their users' "
                    "fitness or opening them to every node leaves the shares drifting as before")
NOTE = ("N = 1000, 10^5 steps, Erdos-Renyi k = 30, beta = 0.005, beta_med = 0.05, T = 2, S = -1, exclusive "
        "recommenders; each (W, W2) point runs 30 seeds (--quick: 6 seeds, W in 1, 1.2, 1.6, 2, inf).")
ENTRIES = [
    Entry(study="competition", name="competition-baselines", title="Competing baselines over W and W2",
          spec=BASELINES, quick_spec=BASELINES_QUICK, quick_seeds=6,
          notes="90% local, 2.5% each of good, bad, random and fair. " + NOTE,
          claims=(Claim(f"{SOURCE}.2", "a critical region where NO MED does not have a majority around W1 in "
                        "[1, 2] and W2 in [0.03, 0.1]", "local under 50% there", "at least one (W, W2) of that "
                        "box with local's mean share < 0.5", _critical_region, divergence=DRIFT, explained_in=READINGS_DOC),
                  Claim(f"{SOURCE}.2", "for W1 = inf ... the initial conditions remain practically the same",
                        "local stays at 0.9", "within 0.05 at every W2", _infinite_w),
                  Claim(f"{SOURCE}.2, Fig. 15", "GOOD and NO MED have a tendency to dominate over the others",
                        "good leads the minority recommenders", "good first at W = 1, 1.2, 1.6, 2",
                        _good_and_local_lead, divergence=DRIFT, explained_in=READINGS_DOC))),
    Entry(study="competition", name="competition-adoption", title="Adoption experiments (Fig. 16, Table 6)",
          spec=ADOPTION, quick_seeds=30, tables=(table6,),
          notes="Engagement maximizer = random, aligned = good (random cooperators), as the seed picks them. "
          "W = 1, W2 = 0.1 (the seed gives none for this section). The seed's rewires exceed its 10^5 steps "
          "in the mixed rows, which one rewire per step cannot do; we count rewires as in the coevolution "
          "study, so compare their ordering, not their size. The full 30 runs run in --quick too.",
          claims=(Claim(f"{SOURCE}.3, Table 6", "aligned 0.52 coops, engagement 0.064, local 0.0", "aligned > "
                        "engagement, local", "strict order of the means", _aligned_beats_engagement),
                  Claim(f"{SOURCE}.3, Fig. 16a", "engagement maximizer doesn't manage to get adopted",
                        "local keeps 0.925", "local keeps >= 0.8", _engagement_not_adopted),
                  Claim(f"{SOURCE}.3, Fig. 16b-c", "aligned recommender gets adopted ... is able to dominate in an "
                        "environment initially dominated by the engagement maximizers", "initial majority falls "
                        "to 0.43 / 0.44", "the majority keeps at most 0.8 in both", _aligned_adopted,
                        divergence=DRIFT, explained_in=READINGS_DOC))),
]


def _reading_entries() -> list[Entry]:
    """Per reading: Table 6 and the critical region; the last carries the reading-by-reading
    tables and the claim that some reading gives the takeovers."""
    made = []
    for name, (what, options) in READINGS.items():
        (table, table_quick), (grid, grid_quick) = reading_specs(name)
        last = name == list(READINGS)[-1]
        made.append(Entry(study="competition", name=f"competition-table6-{name}", title=f"Table 6 read as: {what}",
                          spec=table, quick_spec=table_quick, quick_seeds=6,
                          notes=f"Options {options}; otherwise as the adoption experiments. Full: 30 runs per row; "
                          "--quick: 6."))
        made.append(Entry(
            study="competition", name=f"competition-grid-{name}", title=f"The critical region read as: {what}",
            spec=grid, quick_spec=grid_quick, quick_seeds=2,
            notes=f"Options {options}; 90% local and 2.5% each of the others, W in [1, 2] and W2 in [0.01, 0.5]. "
            "Full: 30 runs per point; --quick: 2.",
            tables=(readings_table, readings_grid_table) if last else (),
            claims=(Claim(f"{SOURCE}.2 (issue 27: the readings)", "a critical region where NO MED does not have a "
                          "majority around W1 in [1, 2] and W2 in [0.03, 0.1]", "local under 50% there, under some "
                          "reading", "a reading with local's mean share < 0.5 at a point of the box",
                          _readings_take_over, divergence=READINGS_DIVERGE, explained_in=READINGS_DOC),) if last else ()))
    return made


ENTRIES += _reading_entries()
