"""Gradient ascent with autograd: a hand-worked step and convergence to an analytic maximum."""

import torch

from polislab.learn.gradient import Variable, ascend


def test_one_step_by_hand():
    # U = x * a - x^2, dU/dx = a - 2x; from x = 1, a = 3, lr = 0.1: x -> 1 + 0.1 * (3 - 2) = 1.1
    x = torch.tensor([1.0], dtype=torch.float64)
    ascend(lambda x: 3 * x - x.square(), [Variable(x)], learning_rate=0.1, steps=1)
    assert torch.allclose(x, torch.tensor([1.1], dtype=torch.float64))


def test_converges_to_the_maximum_and_respects_clamp_and_projection():
    x = torch.zeros(4, dtype=torch.float64)
    target = torch.tensor([0.5, -0.25, 3.0, 1.0], dtype=torch.float64)

    def pin_last(t):
        t[-1] = 0.0

    log = ascend(lambda x: -(x - target).square(), [Variable(x, project=pin_last)],
                 learning_rate=0.05, steps=2000, clamp=2.0, tolerance=1e-6)
    assert torch.allclose(x, torch.tensor([0.5, -0.25, 2.0, 0.0], dtype=torch.float64), atol=1e-9)
    assert log.last_active < 2000 and log.moving == 0  # settled: only the clamped value pushes
