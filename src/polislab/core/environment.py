"""Importing a library without letting it change the process environment.

gymnasium and pettingzoo set PYGAME_/SDL_ variables when first imported (for pygame rendering,
which polislab never uses); torchrl and tensordict record options in TORCHINDUCTOR_CACHE_DIR,
LAZY_LEGACY_OP and RAY_CLIENT_MODE (their modules keep the state they record). Importing polislab
changes no global setting, so the environment is put back as it was.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def import_leaving_environment_alone(*names: str) -> list[ModuleType]:
    """The modules ``names``, imported with ``os.environ`` restored afterwards."""
    saved = dict(os.environ)
    try:
        return [importlib.import_module(name) for name in names]
    finally:
        if dict(os.environ) != saved:
            os.environ.clear()
            os.environ.update(saved)
