"""Catalog entries of the oracle study: seed 004's four oracles, and two learners from the
performative-prediction literature (Perdomo et al. 2020) on the same world."""

from __future__ import annotations

import numpy as np

from polislab.core.stats import proportion_text, wilson_interval
from polislab.experiments.catalog import Claim, Entry, Verdict
from polislab.experiments.store_reader import StoreReader
from polislab.experiments.spec import Spec
from polislab.models.oracle.world import ARMSTRONG_2019

POST = ("deluded", "low-bandwidth", "high-bandwidth", "counterfactual")
BEYOND = ("repeated-risk", "derivative-free")
# 4000 runs, not the post's 1000: at 1000 a share's 95% interval is +/-3.1 points, wider than the
# tolerance, so no outcome could decide the claims
RUNS = 4000
SPEC = Spec(model="oracle", seeds=[0], params={"runs": RUNS}, grid={"oracle": list(POST + BEYOND)},
            name="oracle-designs")
SHARE_TOLERANCE = 0.03  # issue 6: within 3 points of the post's percentages
COUNTERFACTUAL_TOLERANCE = 0.05


def oracle_runs(store: StoreReader) -> dict[str, dict]:
    """The stored run of each oracle design: its metrics as a dict, by design name."""
    runs = store.spec_runs(SPEC)
    names = list(runs.get("key", []))
    return {str(runs["oracle"][i]): {column: runs[column][i] for column in runs} for i in range(len(names))}


def share_near(run: dict, target: float, gap: float = 0.25) -> float:
    """The share of runs whose outcome lies within ``gap`` of ``target`` (outcome 1 or 2)."""
    share = 0.0
    for rank in ("outcome1", "outcome2"):
        value = run[rank]
        if value is not None and not np.isnan(value) and abs(value - target) < gap:
            share += run[f"{rank}_share"]
    return share


def _split(oracle: str, first: float, second: float, expected_first: float):
    def measure(store: StoreReader) -> Verdict:
        run = oracle_runs(store)[oracle]
        runs = int(run["runs"])
        a, b = share_near(run, first), share_near(run, second)
        low, high = wilson_interval(round(a * runs), runs)
        return Verdict(f"{first:g}: {proportion_text(round(a * runs), runs)}; {second:g}: {b:.1%}",
                       abs(a - expected_first) <= SHARE_TOLERANCE and abs(b - (1 - expected_first)) <= SHARE_TOLERANCE,
                       decided=(high - low) / 2 <= SHARE_TOLERANCE)

    return measure


def _wireheads(store: StoreReader) -> Verdict:
    run = oracle_runs(store)["high-bandwidth"]
    return Verdict(f"final prediction 2.5 in {run['share_wireheading']:.1%} of {int(run['runs'])} runs",
                   run["share_wireheading"] == 1.0)


def _counterfactual_estimate(store: StoreReader) -> Verdict:
    run = oracle_runs(store)["counterfactual"]
    target = float(ARMSTRONG_2019.mean(0.0))
    error = abs(run["mean_final_prediction"] - target)
    return Verdict(f"mean estimate {run['mean_final_prediction']:.4f} vs E Y(0) = f(0) = {target:.4f}",
                   error <= COUNTERFACTUAL_TOLERANCE)


def _counterfactual_loss(store: StoreReader) -> Verdict:
    run = oracle_runs(store)["counterfactual"]
    target = float(ARMSTRONG_2019.sd(0.0)) ** 2
    return Verdict(f"erasure loss {run['erasure_loss']:.4f} (last 10% of steps) vs Var Y(0) = {target:g}; "
                   f"wireheading in {run['share_wireheading']:.0%} of runs",
                   abs(run["erasure_loss"] - target) <= COUNTERFACTUAL_TOLERANCE and run["share_wireheading"] == 0)


def outcomes_table(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    rows = []
    for name, run in oracle_runs(store).items():
        second = "-" if run["outcome2"] is None or np.isnan(run["outcome2"]) else \
            f"{run['outcome2']:.3g} ({run['outcome2_share']:.1%})"
        rows.append([name, f"{run['outcome1']:.3g} ({run['outcome1_share']:.1%})", second,
                     f"{run['share_wireheading']:.1%}", f"{run['final_loss']:.3g}", f"{run['expected_final_loss']:.3g}"])
    header = ["oracle", "most common end (share)", "second end (share)", "wireheading", "final loss",
              "expected loss L(x) at the end"]
    return f"Where each oracle ends ({RUNS} runs of 10,000 steps)", header, rows


SOURCE = "seed 004"
ENTRIES = [
    Entry(
        study="oracle", name="oracle-designs", title="Self-confirming prophecies: four oracles and two more",
        spec=SPEC, quick_seeds=1, tables=(outcomes_table,),
        notes=f"{RUNS} runs of each design (the post ran 1000, too few for a 3-point tolerance). "
        "The post's f and g were lost in extraction; the world is our reconstruction "
        "(f(x) = 2x + 2 up to m - 4, then (2m - 2) - (x - m)^2/4, m = 8 - sqrt(24)). The bandit oracles "
        "explore for 5000 turns (our choice: the post's number was lost). Repeated risk minimisation "
        "converges to performatively stable points (the attractive fixed point 4, or the bound -5); "
        "derivative-free descent on L(x) finds the lowest legitimate loss, just below x = -2.5, and never "
        "the wireheading point, whose region it cannot see.",
        claims=(
            Claim(f"{SOURCE}, The deluded Oracle", "69.3% converged to the fixed point at 4, 30.7% hit -5",
                  "69.3% / 30.7%", "within 3 points each (decided when the 95% CI is within 3 points)", _split("deluded", 4.0, -5.0, 0.693)),
            Claim(f"{SOURCE}, The low bandwidth Oracle", "-2 in 50.3% of runs, -3 in 49.7%",
                  "50.3% / 49.7%", "within 3 points each (decided when the 95% CI is within 3 points)", _split("low-bandwidth", -2.0, -3.0, 0.503)),
            Claim(f"{SOURCE}, The high bandwidth Oracle", "finds the wireheading point 2.5 and does nothing else",
                  "100% at 2.5", "every run", _wireheads),
            Claim(f"{SOURCE}, The counterfactual Oracle", "its estimate swiftly converges to E Y(0)",
                  "f(0)", f"within {COUNTERFACTUAL_TOLERANCE}", _counterfactual_estimate),
            Claim(f"{SOURCE}, The counterfactual Oracle", "the loss converges to Var Y(0); no interest in wireheading",
                  "g(0)^2 = 1; never", f"within {COUNTERFACTUAL_TOLERANCE}; 0 runs", _counterfactual_loss),
        ),
    ),
]
