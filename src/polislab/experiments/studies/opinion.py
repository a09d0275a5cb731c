"""Catalog entries of the opinion study (seed 003; Meylahn & Meylahn 2024 on Banisch & Olbrich
2019): heavy-tailed times to consensus, a metastable run, the voter limit of the batched
variant, and the ergodic modification."""

from __future__ import annotations

import numpy as np

from polislab.experiments.catalog import Claim, Entry, Verdict, stored
from polislab.experiments.store_reader import StoreReader
from polislab.experiments.spec import Spec

SOURCE = "seed 003 (Meylahn & Meylahn 2024)"
SNAPSHOTS = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000]

TIMES = Spec(model="opinion", seeds=list(range(200)), name="opinion-consensus-times",
             params={"updates": 100_000_000, "records": 20}, grid={"radius": [0.225, 0.3, 0.4, 0.5]})
TIMES_QUICK = Spec(model="opinion", seeds=list(range(30)), name="opinion-consensus-times-quick",
                   params={"updates": 10_000_000, "records": 20}, grid={"radius": [0.225, 0.3, 0.4, 0.5]})
METASTABLE = Spec(model="opinion", seeds=list(range(20)), name="opinion-metastable",
                  params={"radius": 0.225, "updates": 100_000_000, "records": 200, "snapshots": SNAPSHOTS})
METASTABLE_QUICK = Spec(model="opinion", seeds=list(range(12)), name="opinion-metastable-quick",
                        params={"radius": 0.225, "updates": 50_000_000, "records": 150, "snapshots": SNAPSHOTS})
BATCHES = [1, 10, 100, 300, 1000, 3000]
VOTER_LIMIT = Spec(model="opinion", seeds=list(range(100)), name="opinion-voter-limit",
                   params={"updates": 10_000_000, "records": 10},
                   grid={"dynamics": ["learning", "voter"], "batch": BATCHES})
VOTER_LIMIT_QUICK = Spec(model="opinion", seeds=list(range(30)), name="opinion-voter-limit-quick",
                         params={"updates": 10_000_000, "records": 10},
                         grid={"dynamics": ["learning", "voter"], "batch": [1, 100, 300, 1000]})
ERGODIC = Spec(model="opinion", preset="ergodic", seeds=list(range(10)), name="opinion-ergodic",
               params={"initial_plus": 1.0, "updates": 10_000_000, "records": 200}, grid={"feedback": ["greedy", "expressed"]})
ERGODIC_QUICK = Spec(model="opinion", preset="ergodic", seeds=list(range(4)), name="opinion-ergodic-quick",
                     params={"initial_plus": 1.0, "updates": 2_000_000, "records": 100}, grid={"feedback": ["greedy", "expressed"]})


def consensus_times(store: StoreReader) -> dict[float, tuple[np.ndarray, int]]:
    """Per radius: the times to consensus (inf: censored) and the time limit."""
    runs = stored(store, TIMES, TIMES_QUICK)
    out = {}
    for radius in sorted(set(runs.get("radius", []))):
        chosen = runs["radius"] == radius
        times = np.where(runs["censored"][chosen], np.inf, runs["consensus_time"][chosen].astype(float))
        out[float(radius)] = (times, int(runs["updates"][chosen][0]))
    return out


def _heavy_tail(store: StoreReader) -> Verdict:
    parts, passed = [], True
    for radius, (times, limit) in consensus_times(store).items():
        median = np.median(times)
        beyond = float(np.mean(times > 10 * median))
        parts.append(f"r = {radius}: median {median:.3g} updates, P(T > 10 x median) = {beyond:.0%}, "
                     f"censored at {limit:.0e}: {np.mean(np.isinf(times)):.0%}")
        if radius in (0.3, 0.4):
            passed &= beyond >= 0.05
    return Verdict("; ".join(parts), passed and bool(parts))


def _persistent(store: StoreReader) -> Verdict:
    times, limit = consensus_times(store)[0.225]
    share = float(np.mean(np.isinf(times)))
    return Verdict(f"r = 0.225: {share:.0%} of {len(times)} runs still polarised after {limit:.0e} updates "
                   f"({limit // 100:.0e} sweeps)", share >= 0.5)


def metastable_run(store: StoreReader) -> str | None:
    """The run of the metastable spec that reached consensus last (None if none did)."""
    runs = stored(store, METASTABLE, METASTABLE_QUICK)
    done = ~runs["censored"].astype(bool) if len(runs.get("key", [])) else np.array([], dtype=bool)
    if not done.any():
        return None
    return str(runs["key"][done][np.argmax(runs["consensus_time"][done])])


def local_agreement_time(series: dict[str, np.ndarray]) -> float:
    """The first recorded time at which every agent holds its neighbourhood's majority opinion."""
    below = np.nonzero(series["outvoted_share"] == 0)[0]
    return float(series["step"][below[0]]) if below.size else np.inf


def _metastable(store: StoreReader) -> Verdict:
    key = metastable_run(store)
    if key is None:
        return Verdict("no run reached consensus", False)
    series = store.series(key)
    local = local_agreement_time(series)
    consensus = float(store.runs([key])["consensus_time"][0])
    runs = stored(store, METASTABLE, METASTABLE_QUICK)
    held = [runs["updates"][i] / local_agreement_time(store.series(k))
            for i, k in enumerate(runs["key"]) if runs["censored"][i]]
    return Verdict(f"the last run to agree: every agent holds its neighbours' majority opinion by {local:.3g} "
                   f"updates, consensus comes {consensus / local:.0f} times later ({consensus:.3g}); "
                   f"{len(held)} of {len(runs['key'])} runs still polarised at the limit, "
                   f"{min(held, default=0):.0f}-{max(held, default=0):.0f} times their time to local agreement",
                   consensus >= 10 * local and min(held, default=0) >= 100)


def batch_medians(store: StoreReader) -> dict:
    """Median time to consensus (censored runs count as above the limit) per batch size, and the
    voter model's over all its runs."""
    runs = stored(store, VOTER_LIMIT, VOTER_LIMIT_QUICK)
    if not len(runs.get("key", [])):
        return {}
    times = np.where(runs["censored"].astype(bool), np.inf, runs["consensus_time"].astype(float))
    learning = runs["dynamics"] == "learning"
    out = {"voter": np.median(times[~learning]),
           "voter_q": np.percentile(times[~learning], [25, 75], method="nearest")}
    for b in sorted(set(runs["batch"][learning])):
        chosen = learning & (runs["batch"] == b)
        out[int(b)] = (np.median(times[chosen]), np.percentile(times[chosen], [25, 75], method="nearest"))
    return out


def _voter_limit(store: StoreReader) -> Verdict:
    m = batch_medians(store)
    batches = sorted(b for b in m if isinstance(b, int))
    parts = [f"b = {b}: {m[b][0]:.3g}" for b in batches]
    largest, smallest = m[batches[-1]][0], m[batches[0]][0]
    ratio = largest / m["voter"]
    return Verdict(f"median updates to consensus {', '.join(parts)}; voter model {m['voter']:.3g}; largest b / "
                   f"voter = {ratio:.2f}", abs(ratio - 1) <= 0.25 and smallest >= 10 * m["voter"])


def _ergodic(store: StoreReader) -> Verdict:
    runs = stored(store, ERGODIC, ERGODIC_QUICK)
    original = runs["feedback"] == "greedy"
    exits_original = runs["consensus_exits"][original]
    exits_modified = runs["consensus_exits"][~original]
    time_modified = runs["time_in_consensus"][~original]
    return Verdict(f"original: {int(exits_original.max())} exits from consensus in {original.sum()} runs; "
                   f"expressed feedback: {int(exits_modified.min())}-{int(exits_modified.max())} exits per run, "
                   f"time in consensus {time_modified.mean():.0%}",
                   exits_original.max() == 0 and exits_modified.min() > 0)


def batch_rows(store: StoreReader) -> tuple[str, list[str], list[list[str]]]:
    m = batch_medians(store)
    rows = [[str(b), f"{m[b][0]:.3g}", f"{m[b][1][0]:.3g}-{m[b][1][1]:.3g}"] for b in sorted(k for k in m
                                                                                        if isinstance(k, int))]
    rows.append(["voter model", f"{m['voter']:.3g}", f"{m['voter_q'][0]:.3g}-{m['voter_q'][1]:.3g}"])
    return "Updates to consensus against the batch size b (r = 0.225, N = 100)", ["b", "median", "quartiles"], rows


QUICK_NOTE = "--quick runs fewer seeds and stops at 10^7 updates (the full runs go to 10^8)."
ENTRIES = [
    Entry(study="opinion", name="opinion-consensus-times", title="Times to consensus on random geometric graphs",
          spec=TIMES, quick_spec=TIMES_QUICK, quick_seeds=30, notes=QUICK_NOTE + " Runs that have not agreed "
          "by the limit are censored: they enter the tail of the distribution as 'longer than the limit'.",
          claims=(Claim("Banisch & Olbrich 2019, via seed 003", "polarization is stable when agents form their "
                        "opinions using reinforcement learning", "persistent polarisation at r = 0.225",
                        "at least half the runs still polarised at the limit", _persistent),
                  Claim(SOURCE, "the polarization ... exhibits consensus asymptotically with probability one "
                        "... metastable", "heavy-tailed times to consensus",
                        "P(T > 10 x median) >= 5% at r = 0.3 and 0.4 (an exponential gives 0.1%)",
                        _heavy_tail))),
    Entry(study="opinion", name="opinion-metastable", title="A metastable run", spec=METASTABLE,
          quick_spec=METASTABLE_QUICK, quick_seeds=12,
          notes="Radius 0.225; the run shown is the one that reached consensus last. Local agreement: every agent "
          "holds the opinion of the majority of its neighbours. --quick runs 12 seeds to 5 x 10^7 updates (the "
          "full one 20 seeds to 10^8).",
          claims=(Claim(SOURCE, "the observed polarization is metastable", "locally agreeing clusters outlive "
                        "their formation by orders of magnitude, then give way to consensus", "the last run to "
                        "agree: consensus >= 10 x the time to local agreement; every run still polarised: "
                        ">= 100 x", _metastable),)),
    Entry(study="opinion", name="opinion-voter-limit", title="The batched variant and the voter model",
          spec=VOTER_LIMIT, quick_spec=VOTER_LIMIT_QUICK, quick_seeds=30, tables=(batch_rows,),
          notes="Each agent update of the batched variant is b express-reward-update rounds with one neighbour. "
          "The voter runs ignore b: their times are pooled. Agents and neighbours come from a random stream of "
          "their own, so a batched run and a voter run of the same seed meet the same pairs: once b is large "
          "enough that every batch ends with i holding j's opinion, the two runs agree update for update, and "
          "their medians coincide exactly. --quick tries b = 1, 100, 300, 1000.",
          claims=(Claim(SOURCE, "a link between the reinforcement learning model and the voter model",
                        "the batched variant's time to consensus tends to the voter model's",
                        "largest b within 25% of the voter model; b = 1 at least 10 times slower",
                        _voter_limit),)),
    Entry(study="opinion", name="opinion-ergodic", title="A slight modification makes the process ergodic",
          spec=ERGODIC, quick_spec=ERGODIC_QUICK, quick_seeds=4,
          notes="Runs start in consensus (every agent +1), with learning rate 0.5 and epsilon 0.2, and do not "
          "stop at consensus. The original rewards agreement "
          "with the neighbour's greedy opinion; the modification with the opinion the neighbour would express, "
          "exploring.",
          claims=(Claim(SOURCE, "a slight modification in the learning process of the agents changes the model "
                        "from being non-ergodic to being ergodic", "consensus absorbing in the original, left "
                        "again and again in the modification", "0 exits in every original run; > 0 in every "
                        "modified run", _ergodic),)),
]
