"""Gradient ascent on utilities with torch autograd (seed 000: every agent climbs its utility).

This is the notebook's loop made general: ``utility(*variables)`` returns one utility per
agent, ``U.backward(ones)`` takes the gradient of their sum, and every learned variable takes
a step ``lr * grad``, is clamped, and is projected (for example, a zero diagonal). A model can
hand any differentiable utility to ``ascend``; the echo-chamber model uses it as its
``autograd`` backend, the reference its compiled kernels are checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch


@dataclass
class Variable:
    """A tensor that may learn, with an optional projection applied after each step."""

    tensor: torch.Tensor
    learns: bool = True
    project: Callable[[torch.Tensor], None] | None = None


@dataclass
class AscentLog:
    """What ``ascend`` saw: how many values moved by more than tolerance * lr in the final step,
    and the last step in which any did."""

    moving: int
    last_active: int


def ascend(
    utility: Callable[..., torch.Tensor],
    variables: Sequence[Variable],
    learning_rate: float,
    steps: int,
    clamp: float | None = None,
    tolerance: float = 0.0,
    first_step: int = 0,
    last_active: int = 0,
) -> AscentLog:
    """Take ``steps`` simultaneous gradient steps of ``utility`` on the learned variables.

    Variables are updated in place. ``last_active`` is the last step (counted from
    ``first_step``) in which some learned value changed by more than ``tolerance * learning_rate``.
    """
    learned = [v for v in variables if v.learns]
    moving = 0
    for step in range(steps):
        for variable in variables:
            variable.tensor.requires_grad_(variable.learns)
        total = utility(*(v.tensor for v in variables))
        total.backward(torch.ones_like(total))
        moving = 0
        with torch.no_grad():
            for variable in learned:
                tensor = variable.tensor
                before = tensor.detach().clone()
                tensor += learning_rate * tensor.grad
                tensor.grad = None
                if clamp is not None:
                    tensor.clamp_(-clamp, clamp)
                if variable.project is not None:
                    variable.project(tensor)
                change = (tensor - before).abs()
                moving += int((change > tolerance * learning_rate).sum())
        if moving:
            last_active = first_step + step + 1
    for variable in variables:
        variable.tensor.requires_grad_(False)
    return AscentLog(moving=moving, last_active=last_active)
