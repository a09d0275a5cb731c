"""Is there room above the best heuristic? Every pair of Table 3 rules, one for defectors who
rewire and one for cooperators who rewire (49 recommenders that also see the focus's strategy),
played on the same Table 4 episodes; the best on the reward's measure first (coops: final
cooperators; rewires: rewire requests per episode).

    python examples/heuristic_headroom.py [preset] [episodes] [coops|rewires]
    python examples/heuristic_headroom.py table4-n100 64 coops      # about 10 minutes on one core
    python examples/heuristic_headroom.py table4-n500 12 rewires    # about 12 minutes

At N = 100 none beats cooperators-lowest on #coops, and at N = 500 none beats defectors-highest
on #rewires by more than its standard error (see the README, learned recommenders).
"""

import itertools
import sys

import numpy as np

from polislab.models.coevolution.env import RecommenderEnv  # noqa: F401 - registers the environment
from polislab.models.coevolution.imitation import draw_from, teacher_choices
from polislab.models.coevolution.training import evaluate

RULES = [f"{kind}-{end}" for kind in ("cooperators", "defectors") for end in ("lowest", "random", "highest")]
RULES.append("any-lowest")


def by_focus(for_defectors: str, for_cooperators: str, seed: int = 1):
    """A recommender that follows one rule for rewiring defectors and another for cooperators."""
    rng = np.random.default_rng(seed)

    def choose(observations, envs):
        return [draw_from(teacher_choices(for_cooperators if env.state.strategy[o["focus"]] else for_defectors,
                                          env.state, o), o, rng) for o, env in zip(observations, envs)]

    return choose


def main() -> None:
    preset = sys.argv[1] if len(sys.argv) > 1 else "table4-n100"
    episodes = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    reward = sys.argv[3] if len(sys.argv) > 3 else "coops"
    measure = {"coops": "cooperators", "rewires": "requests"}[reward]
    rows = []
    for for_defectors, for_cooperators in itertools.product(RULES, RULES):
        result = evaluate(by_focus(for_defectors, for_cooperators), preset, reward, episodes, seed=1234)
        error = result[measure].std(ddof=1) / np.sqrt(episodes)
        rows.append((result[measure].mean(), error, result["cooperators"].mean(), result["requests"].mean(),
                     for_defectors, for_cooperators))
    print(f"{preset}, {episodes} episodes, sorted by {measure} (standard error): final cooperators, rewire requests")
    for value, error, cooperators, requests, for_defectors, for_cooperators in sorted(rows, reverse=True):
        print(f"  D -> {for_defectors:20s} C -> {for_cooperators:20s} {value:9.3f} ({error:.3f})  "
              f"{cooperators:.3f}  {requests:7.0f}")


if __name__ == "__main__":
    main()
