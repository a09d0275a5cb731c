"""Is there room above the best heuristic? Recommenders that see the focus's strategy, played on
the same Table 4 episodes; the best on the reward's measure first (coops: final cooperators;
rewires: rewire requests per episode).

    python examples/heuristic_headroom.py [preset] [episodes] [coops|rewires] [table3|state] [base]
    python examples/heuristic_headroom.py table4-n100 64 coops            # about 10 minutes on one core
    python examples/heuristic_headroom.py table4-n500 12 rewires          # about 12 minutes
    python examples/heuristic_headroom.py table4-n100 64 coops state      # about 10 minutes
    python examples/heuristic_headroom.py table4-n500 12 rewires state    # about 15 minutes

``table3``: every pair of Table 3 rules, one for defectors who rewire and one for cooperators who
rewire (49 recommenders). ``state``: rules that also read the graph, as a graph-attention policy
can: the valid cooperator (or defector) of the lowest or highest degree, cooperating neighbours,
defecting neighbours, share of cooperating neighbours or accumulated payoff (fitness, seed 002,
Algorithm .1), ties at random; each is played for one kind of rewirer while the other keeps
``base`` (default: cooperators-lowest for coops, defectors-highest for rewires, the best Table 3
heuristics at N = 100 and N = 500).

At N = 100 none beats cooperators-lowest on #coops, and at N = 500 none beats defectors-highest
on #rewires by more than its standard error (see the README, learned recommenders).
"""

import itertools
import sys

import numpy as np
from numba import njit

from polislab.models.coevolution.env import RecommenderEnv  # noqa: F401 - registers the environment
from polislab.learn.imitation import draw_from
from polislab.models.coevolution.decision import teacher_choices
from polislab.models.coevolution.recommenders import BY_NAME
from polislab.models.coevolution.kernels import fitness
from polislab.models.recommender_training.model import evaluate

@njit
def every_fitness(strategy, coop, degree, payoff):
    """Each node's accumulated payoff, by the kernel's own ``fitness``."""
    values = np.empty(strategy.shape[0])
    for v in range(strategy.shape[0]):
        values[v] = fitness(v, strategy, coop, degree, payoff)
    return values


RULES = [f"{kind}-{end}" for kind in ("cooperators", "defectors") for end in ("lowest", "random", "highest")]
RULES.append("any-lowest")
FEATURES = {
    "degree": lambda state: state.graph.degree,
    "cooperating": lambda state: state.coop,
    "defecting": lambda state: state.graph.degree - state.coop,
    "share": lambda state: state.coop / np.maximum(state.graph.degree, 1),
    "fitness": lambda state: every_fitness(state.strategy, state.coop, state.graph.degree, state.payoff),
}
STATE_RULES = [f"{kind}-{end}-{feature}" for kind in ("cooperators", "defectors") for end in ("lowest", "highest")
               for feature in FEATURES]
BASE = {"coops": "cooperators-lowest", "rewires": "defectors-highest"}


def choices(rule: str, state, observation) -> np.ndarray:
    """The valid nodes ``rule`` draws from: a Table 3 rule, or kind-end-feature (``STATE_RULES``)."""
    kind, end, feature = (rule.split("-") + [""])[:3]
    if not feature:
        return teacher_choices(rule, state, observation)
    chosen = observation["mask"].astype(bool) & (state.strategy == BY_NAME[f"{kind}-random"].wanted)
    if chosen.any():
        values = FEATURES[feature](state)
        extreme = values[chosen].min() if end == "lowest" else values[chosen].max()
        chosen &= values == extreme
    return chosen


def by_focus(for_defectors: str, for_cooperators: str, seed: int = 1):
    """A recommender that follows one rule for rewiring defectors and another for cooperators."""
    rng = np.random.default_rng(seed)

    def choose(observations, envs):
        return [draw_from(choices(for_cooperators if env.state.strategy[o["focus"]] else for_defectors,
                                  env.state, o), o["focus"], rng) for o, env in zip(observations, envs)]

    return choose


def pairs(mode: str, base: str) -> list[tuple[str, str]]:
    """(rule for defectors, rule for cooperators) of every recommender ``mode`` plays."""
    if mode == "table3":
        return list(itertools.product(RULES, RULES))
    return [(base, base)] + [(rule, base) for rule in STATE_RULES] + [(base, rule) for rule in STATE_RULES]


def main() -> None:
    preset = sys.argv[1] if len(sys.argv) > 1 else "table4-n100"
    episodes = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    reward = sys.argv[3] if len(sys.argv) > 3 else "coops"
    mode = sys.argv[4] if len(sys.argv) > 4 else "table3"
    base = sys.argv[5] if len(sys.argv) > 5 else BASE[reward]
    measure = {"coops": "cooperators", "rewires": "requests"}[reward]
    rows = []
    for for_defectors, for_cooperators in pairs(mode, base):
        result = evaluate(by_focus(for_defectors, for_cooperators), preset, reward, episodes, seed=1234)
        error = result[measure].std(ddof=1) / np.sqrt(episodes)
        rows.append((result[measure].mean(), error, result["cooperators"].mean(), result["requests"].mean(),
                     for_defectors, for_cooperators))
    print(f"{preset}, {episodes} episodes, sorted by {measure} (standard error): final cooperators, rewire requests")
    for value, error, cooperators, requests, for_defectors, for_cooperators in sorted(rows, reverse=True):
        print(f"  D -> {for_defectors:31s} C -> {for_cooperators:31s} {value:9.3f} ({error:.3f})  "
              f"{cooperators:.3f}  {requests:7.0f}")


if __name__ == "__main__":
    main()
