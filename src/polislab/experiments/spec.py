"""Experiment specs: a model, fixed parameters, a grid and seeds, read from TOML (DESIGN.md).

    model = "echochamber"
    preset = "chosen-listening"        # optional
    seeds = [1, 2, 3]                  # or: seed = 1 and replicates = 8
    [params]
    steps = 2000
    [grid]
    peer_multiplier = [1.0, 2.5]
    scepticism = [1, 2]              # a grid may also range over presets: preset = ["a", "b"]

A spec expands to runs, the product of the grid times the seeds. Each run has a key, a hash of
its model, full validated parameters and seed, so the same run is never stored twice.
"""

from __future__ import annotations

import contextvars
import hashlib
import itertools
import json
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polislab.core.errors import UsageError
from polislab.core.jsonable import jsonable
from polislab.core.params import Params
from polislab.core.registry import get_model
from polislab.core.seeding import check_seed, replicate_seeds

SMOKE_SEEDS = 2
_smoke = contextvars.ContextVar("polislab_smoke_size", default=False)


@contextmanager
def smoke_size() -> Iterator[None]:
    """Within this block every spec expands to smoke-size runs: each point shrunk by its model's
    ``smoke`` caps (``ModelSpec.shrink``), on its first two seeds. ``polislab reproduce --smoke``
    runs the catalog so, claims and figures included: a check of the wiring that decides nothing."""
    token = _smoke.set(True)
    try:
        yield
    finally:
        _smoke.reset(token)


def smoke_sized() -> bool:
    return _smoke.get()


SPEC_KEYS = {"name", "description", "model", "preset", "seeds", "seed", "replicates", "params", "grid"}


def params_json(params: Params) -> str:
    return json.dumps(jsonable(params.to_dict()), sort_keys=True, separators=(",", ":"))


def run_key(params: Params, seed: int, text: str | None = None) -> str:
    """The identity of a run: a hash of model name, every parameter and the seed (``text``: the
    parameters' ``params_json``, when the caller has it)."""
    text = f"{type(params).model_name}|{text if text is not None else params_json(params)}|{seed}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Run:
    params: Params
    seed: int
    key: str


@dataclass
class Spec:
    model: str
    seeds: list[int]
    params: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list[Any]] = field(default_factory=dict)
    preset: str | None = None
    name: str = "sweep"
    description: str = ""

    def points(self) -> list[Params]:
        """Validated parameters of every grid point (fails on the first bad one)."""
        spec = get_model(self.model)
        names = list(self.grid)
        points = []
        for values in itertools.product(*(self.grid[name] for name in names)):
            merged = {**self.params, **dict(zip(names, values))}
            preset = merged.pop("preset", self.preset)  # a grid may range over presets
            points.append(spec.make_params(merged, preset=preset))
        if smoke_sized():  # shrunk points may coincide: each once
            points = list({params_json(p): p for p in map(spec.shrink, points)}.values())
        return points

    @property
    def run_seeds(self) -> list[int]:
        """The seeds that run: all of them, or at smoke size the first two."""
        return self.seeds[:SMOKE_SEEDS] if smoke_sized() else self.seeds

    def runs(self) -> list[Run]:
        runs = []
        for params in self.points():
            text = params_json(params)  # once per point, not per seed
            runs += [Run(params, seed, run_key(params, seed, text)) for seed in self.run_seeds]
        return runs


def load_spec(path: str | Path) -> Spec:
    """Read a TOML spec; any problem is one ``UsageError`` line naming the file and the fault."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"spec file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"spec file {path} cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"spec file {path} is not valid TOML: {error}") from None
    return spec_from_dict(data, source=str(path))


def spec_from_dict(data: Mapping[str, Any], source: str = "spec") -> Spec:
    unknown = sorted(set(data) - SPEC_KEYS)
    if unknown:
        raise UsageError(f"{source}: unknown key '{unknown[0]}'; allowed: {', '.join(sorted(SPEC_KEYS))}")
    if "model" not in data or not isinstance(data["model"], str):
        raise UsageError(f"{source}: 'model' is required, the name of a model (see polislab models)")
    params = _table(data, "params", source)
    grid = _table(data, "grid", source)
    for name, values in grid.items():
        if not isinstance(values, list) or not values:
            raise UsageError(f"{source}: grid '{name}' = {values!r} must be a non-empty list of values")
    try:
        spec = Spec(
            model=data["model"],
            seeds=_seeds(data, source),
            params=params,
            grid=grid,
            preset=data.get("preset"),
            name=str(data.get("name", Path(source).stem)),
            description=str(data.get("description", "")),
        )
        spec.points()  # validate every grid point now, before anything runs
    except UsageError as error:
        raise UsageError(f"{source}: {error}") from None
    return spec


def _table(data: Mapping[str, Any], name: str, source: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise UsageError(f"{source}: '{name}' must be a table ([{name}])")
    return dict(table)


def _seeds(data: Mapping[str, Any], source: str) -> list[int]:
    if "seeds" in data:
        seeds = data["seeds"]
        if not isinstance(seeds, list) or not seeds:
            raise UsageError(f"{source}: seeds = {seeds!r} must be a non-empty list of integers >= 0")
        return [check_seed(seed) for seed in seeds]
    seed = data.get("seed", 0)
    replicates = data.get("replicates", 1)
    if not isinstance(replicates, int) or isinstance(replicates, bool):
        raise UsageError(f"{source}: replicates = {replicates!r} must be an integer >= 1")
    return replicate_seeds(seed, replicates)
