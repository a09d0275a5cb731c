"""Followers an influencer gains on the platform under each policy, over seeds (issue 23's first
question: does a learning influencer beat a non-learning user of the same activity, a random
bot and a fixed-stance bot?). Prints the mean gain with its standard error per policy.

    python examples/influencer_policies.py                     # 8 seeds, 300 days, the defaults
    python examples/influencer_policies.py influencer_observe=false influencer_rates=4
"""

import sys

import numpy as np

from polislab import get_model
from polislab.core.params import coerce_text
from polislab.models.platform.params import PlatformParams

POLICIES = ("q-learning", "random", "fixed", "user")


def main(arguments: list[str]) -> None:
    spec = get_model("platform")
    values = {"n": 1000, "days": 300, "influencers": 1, "update": "bounded-confidence", "influencer_period": 5,
              "influencer_exploration": 0.05}
    for argument in arguments:
        name, _, text = argument.partition("=")
        values[name] = coerce_text(PlatformParams, name, text)
    seeds = range(8)
    print(" ".join(f"{k}={v}" for k, v in values.items()))
    for policy in POLICIES:
        gains = [spec.simulate(spec.make_params({**values, "influencer_policy": policy}), seed).metrics["influencer_gain"]
                 for seed in seeds]
        print(f"{policy:11s} followers gained {np.mean(gains):7.1f} (standard error "
              f"{np.std(gains, ddof=1) / np.sqrt(len(gains)):.1f}, {len(gains)} seeds)")


if __name__ == "__main__":
    main(sys.argv[1:])
