"""polislab: numerical experiments on simulated societies of learning agents.

Importing polislab has no side effects: it creates no folders, writes no files and
changes no global settings. Models are imported lazily, when first asked for.
"""

from polislab.core.version import VERSION as __version__

from polislab.core.params import Params
from polislab.core.registry import get_model, model_names, register
from polislab.core.result import Result

__all__ = ["Params", "Result", "__version__", "get_model", "model_names", "register"]
