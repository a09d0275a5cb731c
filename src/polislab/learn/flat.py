"""PPO for any Gymnasium environment with a flat observation (a ``Box``) and ``Discrete``
actions: a multilayer perceptron for the policy's logits and another for the critic
(``learn.ppo.Task``). A model names its environment and what to report; ``learn.ppo`` does the
learning (issue 20: learning as a layer of its own)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn


def perceptron(inputs: int, outputs: int, width: int, layers: int) -> nn.Sequential:
    """``layers`` hidden layers of ``width`` tanh units, then a linear output."""
    parts: list[nn.Module] = []
    size = inputs
    for _ in range(layers):
        parts += [nn.Linear(size, width), nn.Tanh()]
        size = width
    parts.append(nn.Linear(size, outputs))
    return nn.Sequential(*parts)


class FlatTask:
    """What PPO needs of a flat-observation environment: ``make_env()`` builds one (its
    ``observation_space`` a Box, its ``action_space`` Discrete); ``episode_columns`` are info
    entries at an episode's end, reported on the learning curve as train_<name> and eval_<name>;
    ``describe(env, action)`` gives ``action_columns`` of a chosen action (averaged per update).
    Every action is always allowed. It has no teacher, so it trains without imitation
    (``learn.ppo.Trainer`` refuses ``imitation_updates`` for a task without one)."""

    observation_keys = ("observation",)

    def __init__(self, make_env: Callable[[], Any], width: int = 64, layers: int = 2,
                 episode_columns: Sequence[str] = (), action_columns: Sequence[str] = (),
                 describe: Callable[[Any, int], tuple] | None = None):
        self.make_env_function = make_env
        probe = make_env()
        self.inputs = int(np.prod(probe.observation_space.shape))
        self.actions = int(probe.action_space.n)
        self.width, self.layers = width, layers
        self.episode_columns = self.evaluation_columns = self.curve_columns = tuple(episode_columns)
        self.action_columns = tuple(action_columns)
        self._describe = describe

    def make_env(self, environment: str | None = None) -> Any:
        return self.make_env_function()

    def policy(self, initial: bool = True) -> nn.Module:
        return perceptron(self.inputs, self.actions, self.width, self.layers)

    def value(self) -> nn.Module:
        return perceptron(self.inputs, 1, self.width, self.layers)

    def batch(self, observations: list) -> dict[str, torch.Tensor]:
        stacked = torch.from_numpy(np.stack([np.asarray(o, dtype=np.float32).ravel() for o in observations]))
        return {"observation": stacked, "mask": torch.ones((len(observations), self.actions), dtype=torch.bool)}

    def describe(self, env: Any, action: int) -> tuple:
        return self._describe(env, action) if self._describe else ()
