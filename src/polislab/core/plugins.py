"""Loading a user's object named as ``package.module:attribute`` (worlds, recommenders, ...)."""

from __future__ import annotations

import importlib
from typing import Any

from polislab.core.errors import UsageError


def import_attribute(path: str, what: str) -> Any:
    """The object at ``package.module:attribute``; one ``UsageError`` line if it cannot be had."""
    module, sep, attribute = path.partition(":")
    if not sep or not module or not attribute:
        raise UsageError(f"{what} '{path}' is not of the form package.module:attribute")
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as error:
        raise UsageError(f"{what} '{path}' cannot be loaded: {error}") from None
