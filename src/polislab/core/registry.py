"""The model registry: a model is a ``Params`` class and a ``simulate`` function under a name.

Built-in models are found, not listed: model ``my-model`` is the package
``polislab.models.my_model`` whose ``model`` module registers it, imported when first asked for.
Models of other packages register through the ``polislab.models`` entry-point group (name = model
name, value = module).

    @register("mymodel", params=MyParams, presets={"small": {"n": 10}})
    def simulate(params: MyParams, seed: int, progress=None) -> Result: ...
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from polislab.core.errors import UsageError
from polislab.core.machine import check_memory, replicates_that_fit
from polislab.core.params import Params, build_params, coerce_text
from polislab.core.progress import Progress
from polislab.core.result import Result
from polislab.core.seeding import check_seed

MODELS_PACKAGE = "polislab.models"

Simulate = Callable[..., Result]
SimulateBatch = Callable[..., list[Result]]


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: its name, parameters, presets and simulate function(s)."""

    name: str
    params: type[Params]
    simulate: Simulate
    simulate_batch: SimulateBatch | None = None
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    summary: str = ""
    smoke: Mapping[str, Any] = field(default_factory=dict)

    def shrink(self, params: Params) -> Params:
        """``params`` at smoke size (``polislab reproduce --smoke``, the tests): each number in
        ``smoke`` caps the parameter of its name, any other value replaces it; a parameter that is
        itself a parameter set of this model (a training run to start from) shrinks the same way."""

        def small(values: dict[str, Any]) -> dict[str, Any]:
            out = {}
            for name, value in values.items():
                if isinstance(value, dict):
                    value = small(value)
                elif name in self.smoke and value is not None:
                    limit = self.smoke[name]
                    number = isinstance(limit, (int, float)) and not isinstance(limit, bool)
                    value = min(value, limit) if number else limit
                out[name] = value
            return out

        return self.make_params(small(params.to_dict()))

    def make_params(
        self,
        values: Mapping[str, Any] | None = None,
        *,
        preset: str | None = None,
        texts: Mapping[str, str] | None = None,
    ) -> Params:
        """Validated parameters: defaults < preset < ``values`` < ``texts`` (CLI strings)."""
        merged = dict(values or {})
        for name, text in (texts or {}).items():
            merged[name] = coerce_text(self.params, name, text)
        return build_params(self.params, merged, presets=self.presets, preset=preset)

    def run(
        self, params: Params, seeds: Sequence[int], progress: Progress | None = None
    ) -> list[Result]:
        """Run one replicate per seed: batched in one call when the model can (as many at once
        as memory holds), else one by one. A run that cannot fit in memory is refused before
        anything is allocated (``Params.memory_needed``)."""
        seeds = [check_seed(seed) for seed in seeds]
        check_memory(self.name, params.memory_needed(1))
        if self.simulate_batch is not None and len(seeds) > 1:
            size = replicates_that_fit(params.memory_needed(1), len(seeds))
            if size >= len(seeds):
                return self.simulate_batch(params, seeds, progress=progress)
            results = []
            for start in range(0, len(seeds), size):
                chunk = seeds[start : start + size]
                results += self.simulate_batch(params, chunk, progress=_offset(progress, start // size,
                                                                              -(-len(seeds) // size)))
            return results
        results = []
        for index, seed in enumerate(seeds):
            results.append(self.simulate(params, seed, progress=_offset(progress, index, len(seeds))))
        return results


def _offset(progress: Progress | None, index: int, count: int) -> Progress | None:
    """Progress of replicate ``index`` of ``count``, reported as a share of the whole."""
    if progress is None or count == 1:
        return progress

    def update(done: int, total: int) -> None:
        progress(index * total + done, count * total)

    return update


_REGISTRY: dict[str, ModelSpec] = {}


def register(
    name: str,
    *,
    params: type[Params],
    presets: Mapping[str, Mapping[str, Any]] | None = None,
    batch: SimulateBatch | None = None,
    summary: str = "",
    smoke: Mapping[str, Any] | None = None,
    uses_torch: bool = False,
) -> Callable[[Simulate], Simulate]:
    """Register ``simulate`` under ``name`` with its ``Params`` class (a decorator). ``smoke``:
    caps (numbers) and replacements that make any run of the model take well under a second
    (``ModelSpec.shrink``). ``uses_torch``: every run computes on one torch thread, as a sweep's
    workers do, so that its result does not depend on how many threads torch would take on the
    machine (torch sums in an order set by its threads; a PPO run's metrics differ between 1 and
    2 threads)."""

    def decorate(simulate: Simulate) -> Simulate:
        if uses_torch:
            simulate = _on_one_torch_thread(simulate)
        params.model_name = name
        for preset_name, values in (presets or {}).items():
            build_params(params, values)  # a broken preset fails at import, not at a user's run
        doc = (simulate.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = ModelSpec(
            name=name,
            params=params,
            simulate=simulate,
            simulate_batch=batch,
            presets=dict(presets or {}),
            summary=summary or (doc[0] if doc else ""),
            smoke=dict(smoke or {}),
        )
        return simulate

    return decorate


def _on_one_torch_thread(simulate: Simulate) -> Simulate:
    @functools.wraps(simulate)
    def run(*args: Any, **kwargs: Any) -> Result:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return simulate(*args, **kwargs)
        finally:
            torch.set_num_threads(threads)

    return run


def builtin_models() -> dict[str, str]:
    """Model name -> the module that registers it, for every package of ``polislab.models``
    (found on disk; nothing of the models is imported)."""
    packages = importlib.import_module(MODELS_PACKAGE).__path__
    return {info.name.replace("_", "-"): f"{MODELS_PACKAGE}.{info.name}.model"
            for info in pkgutil.iter_modules(packages) if info.ispkg}


def _plugin_modules() -> dict[str, str]:
    modules = builtin_models()
    for point in entry_points(group="polislab.models"):
        modules.setdefault(point.name, point.value)
    return modules


def model_names() -> list[str]:
    """Every model polislab can run: built in, from plugins, and registered in this process."""
    return sorted(set(_plugin_modules()) | set(_REGISTRY))


def get_model(name: str) -> ModelSpec:
    """The registered model ``name``; a ``UsageError`` naming the known models otherwise."""
    if name not in _REGISTRY:
        module = _plugin_modules().get(name)
        if module is None:
            known = ", ".join(model_names())
            raise UsageError(f"unknown model '{name}'; available: {known}")
        importlib.import_module(module)
        if name not in _REGISTRY:
            raise UsageError(f"module {module} did not register a model named '{name}'")
    return _REGISTRY[name]
