"""Imitation of a teacher's choice set: a warm start before reinforcement learning (ours; seed 002
trains from scratch, section 4.2).

A heuristic teacher draws uniformly from a set of valid choices (a recommender from the valid
nodes of a class, say). The imitation target is that whole set, so a module that imitates puts its
probability on the set rather than on one draw from it: the loss is -log sum_{a in set} p(a), the
cross-entropy against the set. An empty set is the teacher declining to choose; such decisions
teach nothing.
"""

from __future__ import annotations

import numpy as np
import torch


def choice_set_loss(logits: torch.Tensor, mask: torch.Tensor, choices: torch.Tensor) -> tuple:
    """-log of the probability the masked categorical over ``logits`` [B, A] puts on the teacher's
    ``choices`` [B, A] (bool), averaged over the decisions with a non-empty set, and the entropy of
    the distribution (for the learning curve)."""
    log_p = logits.masked_fill(~mask, -torch.inf).log_softmax(dim=-1)
    taught = choices.any(dim=-1)
    on_choices = log_p.masked_fill(~choices, -torch.inf).logsumexp(dim=-1)
    objective = -on_choices[taught].mean() if taught.any() else logits.sum() * 0.0
    entropy = -(log_p.exp() * log_p.masked_fill(~mask, 0.0)).sum(dim=-1).mean()
    return objective, entropy


def draw_from(choices: np.ndarray, otherwise: int, rng: np.random.Generator) -> int:
    """A uniform draw from boolean ``choices``; ``otherwise`` when there are none (for a
    recommender, the focused node itself: an invalid answer, which keeps the link)."""
    nodes = np.flatnonzero(choices)
    return int(rng.choice(nodes)) if nodes.size else int(otherwise)
