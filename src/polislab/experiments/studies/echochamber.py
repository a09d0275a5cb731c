"""Catalog entries of the echo-chamber study: the notebook's five stages (seed 000) and a
comparison of joint and own gradients (ours)."""

from __future__ import annotations

import numpy as np

from polislab.core.registry import get_model
from polislab.core.stats import proportion_text, trials_for_half_width, trials_to_exceed, wilson_interval
from polislab.experiments.catalog import Claim, Entry, Verdict
from polislab.experiments.store_reader import StoreReader
from polislab.experiments.spec import Spec, params_json

SEEDS = list(range(1000))
QUICK_SEEDS = 80
STAGES = {
    "own-evidence": "Stage 1: beliefs from own evidence",
    "fixed-listening": "Stage 2: listening to peer beliefs",
    "selective-evidence": "Stage 3: changing available evidence",
    "chosen-listening": "Stage 4: choosing whom to listen to",
    "chosen-listening-and-evidence": "Stage 5: choosing listening and evidence",
}
FIXED_POINT_TOLERANCE = 1e-4  # float32 state, 50,000 steps of size 1e-4
AGREEMENT_FOR_BUBBLES = 0.95  # a run has two bubbles when 95% of L_ji have sign(b_i b_j)


def stage_spec(preset: str) -> Spec:
    return Spec(model="echochamber", preset=preset, seeds=SEEDS, name=f"echochamber-{preset}")


SPECS = {preset: stage_spec(preset) for preset in STAGES}
MODES = Spec(
    model="echochamber", seeds=SEEDS[:400], name="echochamber-own-gradient",
    grid={"preset": list(STAGES), "gradient": ["own"]},
)


def _runs(store: StoreReader, preset: str) -> dict[str, np.ndarray]:
    """The stored runs of a stage (all of the full spec's that are there)."""
    return store.spec_runs(SPECS[preset])


def _fixed_point(store: StoreReader) -> Verdict:
    runs = _runs(store, "own-evidence")
    worst = float(np.max(runs["fixed_point_error"]))
    return Verdict(f"max |b_i - e_i/s| = {worst:.1e} over {len(runs['key'])} runs",
                   worst <= FIXED_POINT_TOLERANCE)


MAJORITY_RUNS = trials_to_exceed(0.5)  # 4: fewer cannot put a 95% interval above one half
RANDOM_SIGN_HALF_WIDTH = 0.15  # "quite random": a bias of 15 points would show
RANDOM_SIGN_RUNS = trials_for_half_width(RANDOM_SIGN_HALF_WIDTH)


def _majority(successes: int, trials: int) -> Verdict:
    low, _ = wilson_interval(successes, trials)
    return Verdict(proportion_text(successes, trials), low > 0.5, decided=trials >= MAJORITY_RUNS)


def _consensus(store: StoreReader) -> Verdict:
    runs = _runs(store, "fixed-listening")
    return _majority(int(np.sum(runs["consensus"] == 1.0)), len(runs["key"]))


def _random_sign(store: StoreReader) -> Verdict:
    runs = _runs(store, "fixed-listening")
    positive, trials = int(np.sum(runs["majority_sign"] == 1)), len(runs["key"])
    low, high = wilson_interval(positive, trials)
    return Verdict(f"positive in {proportion_text(positive, trials)}", low <= 0.5 <= high,
                   decided=trials >= RANDOM_SIGN_RUNS)


FIRST_STEPS = """
WITH s AS (
    SELECT key, step, mean_abs_belief, evidence_drift, bubble_index,
           first_value(mean_abs_belief) OVER w AS belief0,
           first_value(evidence_drift) OVER w AS evidence0
    FROM series WHERE key IN (SELECT key FROM chosen)
    WINDOW w AS (PARTITION BY key ORDER BY step))
SELECT key,
       min(CASE WHEN mean_abs_belief >= 10 * belief0 THEN step END) AS beliefs_tenfold,
       min(CASE WHEN evidence_drift >= 10 * evidence0 THEN step END) AS evidence_tenfold,
       min(CASE WHEN mean_abs_belief >= 0.5 THEN step END) AS beliefs_half_clamp,
       min(CASE WHEN bubble_index >= 1.0 THEN step END) AS bubbles_half_formed
FROM s GROUP BY key
"""


def _first_steps(store: StoreReader, runs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    steps = store.query(FIRST_STEPS, runs["key"])
    return {name: column.astype(float) for name, column in steps.items() if name != "key"}


def _radicalised_first(store: StoreReader) -> Verdict:
    steps = _first_steps(store, _runs(store, "selective-evidence"))
    belief, evidence = steps["beliefs_tenfold"], steps["evidence_tenfold"]
    first = np.nan_to_num(belief, nan=np.inf) < np.nan_to_num(evidence, nan=np.inf)
    return _majority(int(first.sum()), len(first))


def _bubbles(store: StoreReader) -> Verdict:
    runs = _runs(store, "chosen-listening")
    return _majority(int(np.sum(runs["listen_sign_agreement"] >= AGREEMENT_FOR_BUBBLES)), len(runs["key"]))


def _beliefs_before_listening(store: StoreReader) -> Verdict:
    runs = _runs(store, "chosen-listening")
    steps = _first_steps(store, runs)
    belief, bubble = steps["beliefs_half_clamp"], steps["bubbles_half_formed"]
    both = ~np.isnan(belief) & ~np.isnan(bubble)
    lead = bubble[both] - belief[both]
    verdict = _majority(int(np.sum(lead > 0)), int(both.sum()))
    return Verdict(f"beliefs first in {verdict.ours}; median lead {np.median(lead):.0f} steps",
                   verdict.passed and np.median(lead) > 0, verdict.decided)


def _faster_with_evidence(store: StoreReader) -> Verdict:
    listening = _runs(store, "chosen-listening")
    both = _runs(store, "chosen-listening-and-evidence")
    by_seed = dict(zip(listening["seed"], listening["bubble_step"]))
    pairs = np.array([(by_seed.get(seed, np.nan), step) for seed, step in zip(both["seed"], both["bubble_step"])],
                     dtype=float)
    formed = pairs[~np.isnan(pairs).any(axis=1)]
    faster = int(np.sum(formed[:, 1] < formed[:, 0]))
    median4, median5 = np.median(formed[:, 0]), np.median(formed[:, 1])
    verdict = _majority(faster, len(formed))
    return Verdict(
        f"median steps to bubbles {median5:.0f} (stage 5) vs {median4:.0f} (stage 4); "
        f"stage 5 faster in {verdict.ours} of seeds where both formed",
        verdict.passed and median5 < median4, verdict.decided,
    )


def gradient_mode_outcomes(store: StoreReader) -> list[dict]:
    """Joint (the notebook) against own gradients, stage by stage, on the same seeds."""
    own = store.spec_runs(MODES)
    outcomes = []
    if len(own.get("key", [])) == 0:
        return outcomes
    for preset, title in STAGES.items():
        joint = _runs(store, preset)
        own_params = get_model("echochamber").make_params({"gradient": "own"}, preset=preset)
        own_mask = own["params_json"] == params_json(own_params)
        masks = (np.isin(joint["seed"], own["seed"][own_mask]), own_mask)
        for mode, runs, mask in zip(("joint", "own"), (joint, own), masks):
            steps = runs["bubble_step"][mask].astype(float)
            outcomes.append({
                "stage": title, "gradient": mode, "runs": int(mask.sum()),
                "consensus": float(np.mean(runs["consensus"][mask] == 1.0)),
                "bubbles": float(np.mean(runs["listen_sign_agreement"][mask] >= AGREEMENT_FOR_BUBBLES)),
                "median_bubble_step": float(np.nanmedian(steps)) if np.any(~np.isnan(steps)) else None,
                "median_abs_belief": float(np.median(runs["mean_abs_belief"][mask])),
            })
    return outcomes


def gradient_modes_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    header = ["stage", "gradient", "runs", "consensus", "two bubbles", "median steps to bubbles",
              "median mean |b|"]
    rows = [
        [o["stage"], o["gradient"], str(o["runs"]), f"{o['consensus']:.1%}", f"{o['bubbles']:.1%}",
         "-" if o["median_bubble_step"] is None else f"{o['median_bubble_step']:.0f}",
         f"{o['median_abs_belief']:.3g}"]
        for o in gradient_mode_outcomes(store)
    ]
    return "Joint against own gradients (same seeds)", header, rows


SENSITIVITY = {"steps": [5_000, 15_000, 45_000], "clamp": [0.5, 1.0, 2.0], "learning_rate": [5e-4, 1e-3, 2e-3]}
SENSITIVITY_SPEC = Spec(model="echochamber", preset="chosen-listening", seeds=SEEDS[:200],
                        name="echochamber-stage4-sensitivity", grid=SENSITIVITY)


def sensitivity_rows(store: StoreReader) -> list[list[str]]:
    """Stage 4's share of runs with two bubbles at each level of each swept parameter (the mean of
    the grid points' shares at that level), and each parameter's range of shares (issue 27)."""
    runs = store.spec_runs(SENSITIVITY_SPEC)
    bubbles = runs["listen_sign_agreement"] >= AGREEMENT_FOR_BUBBLES
    points = {}  # each grid point's share, so a point with more stored seeds weighs no more
    for index, point in enumerate(zip(*(runs[name].astype(float) for name in SENSITIVITY))):
        points.setdefault(point, []).append(bubbles[index])
    share_at = {point: float(np.mean(found)) for point, found in points.items()}
    rows = []
    for position, (name, levels) in enumerate(SENSITIVITY.items()):
        shares = [float(np.mean([share for point, share in share_at.items() if np.isclose(point[position], level)]))
                  for level in levels]
        rows.append([name, ", ".join(f"{level:g}: {share:.0%}" for level, share in zip(levels, shares)),
                     f"{max(shares) - min(shares):.0%}", str(len(runs["key"]))])
    return rows


def sensitivity_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    return ("Stage 4's two bubbles by parameter (share of runs; each level averaged over the other two "
            "parameters' levels)", ["parameter", "share with two bubbles, by level", "range", "runs"],
            sensitivity_rows(store))


def _stage_entry(preset: str, claims: tuple[Claim, ...], notes: str = "") -> Entry:
    return Entry(
        study="echochamber", name=f"echochamber-{preset}", title=STAGES[preset],
        spec=SPECS[preset], quick_seeds=QUICK_SEEDS, claims=claims, notes=notes,
    )


SOURCE = "seed 000"
ENTRIES = [
    _stage_entry("own-evidence", (
        Claim(f"{SOURCE}, first model", "beliefs settle close to their evidence",
              "b_i = e_i / s (analytic fixed point)", f"max error <= {FIXED_POINT_TOLERANCE:g}", _fixed_point),
    )),
    _stage_entry("fixed-listening", (
        Claim(f"{SOURCE}, Listening to Peer beliefs", "most of the times all agents end up having the same beliefs",
              "most runs (> 50%)", f"95% CI above 50% (at least {MAJORITY_RUNS} runs)", _consensus),
        Claim(f"{SOURCE}, Listening to Peer beliefs", "it is quite random whether that will be red or blue",
              "50% positive", f"50% inside the 95% CI, decided with at least {RANDOM_SIGN_RUNS} runs (a CI of at "
              f"most +/-{RANDOM_SIGN_HALF_WIDTH:.0%})", _random_sign),
    )),
    _stage_entry("selective-evidence", (
        Claim(f"{SOURCE}, Changing avaiable evidence",
              "agents usually end up completely radicalized in their beliefs before the evidence starts to "
              "drastically change", "usually (> 50%)",
              "runs where mean |b| grows 10x before mean |e - e*| does; 95% CI above 50%", _radicalised_first),
    ), notes="Beliefs are unbounded in this stage (no clamp in the notebook) and grow exponentially."),
    _stage_entry("chosen-listening", (
        Claim(f"{SOURCE}, Allowing them to change who they listen to",
              "they usually end up forming two 'bubbles': L_ji -> sign(b_i b_j)", "usually (> 50%)",
              f">= {AGREEMENT_FOR_BUBBLES:.0%} of L_ji with sign(b_i b_j); 95% CI above 50%", _bubbles),
        Claim(f"{SOURCE}, Allowing them to change who they listen to",
              "agents seem to decide their beliefs slightly before they make major changes to who they listen to",
              "beliefs first", "mean |b| reaches 0.5 before the bubble index reaches 1 (of 2) in most runs",
              _beliefs_before_listening),
    )),
    _stage_entry("chosen-listening-and-evidence", (
        Claim(f"{SOURCE}, Allowing them to selectively include new evidence",
              "agents end up forming their echochambers a lot faster when they can change their evidence",
              "faster than stage 4", "paired seeds: median steps lower and faster in most pairs",
              _faster_with_evidence),
    )),
    Entry(
        study="echochamber", name="echochamber-own-gradient", title="Own gradients: a differentiable game",
        spec=MODES, quick_seeds=QUICK_SEEDS // 2, tables=(gradient_modes_table,),
        notes="The notebook ascends the gradient of the sum of all utilities (U.backward(ones)), so an "
        "agent's belief also moves to raise the utility of those who listen to it. With 'own' gradients "
        "each agent climbs only its own utility.",
    ),
    Entry(
        study="echochamber", name="echochamber-stage4-sensitivity", title="How robust is 'usually' in stage 4",
        spec=SENSITIVITY_SPEC, quick_seeds=40, tables=(sensitivity_table,),
        notes="Stage 4 (chosen listening) over a grid of step count (5,000, 15,000: the notebook's, 45,000), "
        "clamp (0.5, 1: the notebook's, 2) and learning rate (5e-4, 1e-3: the notebook's, 2e-3): which of them "
        "the share of runs with two bubbles depends on most (issue 27). Full: 200 seeds a point; --quick: 40.",
    ),
]
