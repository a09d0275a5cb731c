"""Saving state in a form that cannot run code when read: numpy arrays and scalars become torch
tensors and Python numbers inside plain dicts, lists and tuples, which ``torch.save`` writes and
``torch.load(weights_only=True)`` reads back without unpickling any class (a checkpoint, say).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

ARRAY = "__numpy__"  # a numpy array travels as {ARRAY: tensor} so that it comes back as one


def to_plain(value: Any) -> Any:
    """``value`` with every numpy array as {ARRAY: tensor} and every numpy scalar as a Python one
    (tensors, numbers, strings, bytes, None, and dicts, lists and tuples of them stay)."""
    if isinstance(value, np.ndarray):
        return {ARRAY: torch.from_numpy(np.ascontiguousarray(value).copy())}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_plain(item) for item in value)
    if value is None or isinstance(value, (bool, int, float, str, bytes, torch.Tensor)):
        return value
    raise TypeError(f"{type(value).__name__} cannot be saved as plain data")


def from_plain(value: Any) -> Any:
    """The inverse of ``to_plain``: {ARRAY: tensor} becomes the numpy array again."""
    if isinstance(value, dict):
        if set(value) == {ARRAY}:
            return value[ARRAY].numpy()
        return {key: from_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(from_plain(item) for item in value)
    return value
