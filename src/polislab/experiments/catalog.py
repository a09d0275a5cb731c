"""The catalog: experiments that reproduce the seeds' figures and claims (``polislab reproduce``).

An ``Entry`` is a spec (its full size; ``--quick`` keeps a prefix of its seeds) with the claims
of the source it checks. A ``Claim`` quotes the source, states its value and our tolerance, and
measures our value from the stored runs. Each study keeps its entries in
``polislab.experiments.studies.<study>``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from polislab.core.errors import UsageError
from polislab.experiments.store_reader import StoreReader
from polislab.experiments.spec import Spec

STUDIES_PACKAGE = "polislab.experiments.studies"


def studies() -> dict[str, str]:
    """Study name -> its module: every module of ``polislab.experiments.studies`` (found on disk,
    in alphabetical order; a new study is a new module with its ``ENTRIES``)."""
    package = importlib.import_module(STUDIES_PACKAGE)
    return {info.name: f"{STUDIES_PACKAGE}.{info.name}" for info in sorted(pkgutil.iter_modules(package.__path__))
            if not info.ispkg and not info.name.startswith("_")}


@dataclass(frozen=True)
class Verdict:
    """Our value of a claim and whether it meets the tolerance; ``decided`` is False when the
    sample is too small for any outcome to decide the claim at its tolerance (the report then
    says "too few to judge", whatever ``passed`` says)."""

    ours: str
    passed: bool
    decided: bool = True


UNMEASURABLE = (KeyError, ValueError, IndexError)  # what a measure raises when runs it needs are not stored
PASS, DIVERGES, FAILS, TOO_FEW = "pass", "known divergence", "fail", "too few to judge"
STATUSES = (PASS, DIVERGES, FAILS, TOO_FEW)


@dataclass(frozen=True)
class Claim:
    """A claim of a source: where it is, what it says, its value, our tolerance, our measure, and,
    where we know we differ from the source, why."""

    source: str
    says: str
    expected: str
    tolerance: str
    measure: Callable[[StoreReader], Verdict]
    divergence: str = ""  # why we expect not to reproduce this claim (shown when the check fails)
    explained_in: str = ""  # the docs section that explains a divergence: "studies/<study>.md#<heading>"
    source_option: str = ""  # the option that reproduces the source's way, where one exists

    def check(self, store: StoreReader) -> Verdict:
        """Our verdict, or a failed one naming what was missing when no runs are stored."""
        try:
            return self.measure(store)
        except UNMEASURABLE as error:
            return Verdict(f"not measurable from the stored runs ({type(error).__name__}: {error})", False)

    def why(self) -> str:
        """The divergence, where the docs explain it, and the option that gives the source's way."""
        parts = [self.divergence]
        if self.explained_in:
            parts.append(f"Explained in docs/{self.explained_in}.")
        if self.source_option:
            parts.append(f"The source's way: {self.source_option}.")
        return " ".join(part.rstrip() for part in parts if part)

    def status(self, verdict: Verdict) -> str:
        """pass, known divergence (failed, and we document why), fail, or too few to judge."""
        if not verdict.decided:
            return TOO_FEW
        if verdict.passed:
            return PASS
        return DIVERGES if self.divergence else FAILS


@dataclass(frozen=True)
class Entry:
    study: str
    name: str
    title: str
    spec: Spec
    quick_seeds: int
    claims: tuple[Claim, ...] = ()
    notes: str = ""
    quick_spec: Spec | None = None
    tables: tuple[Callable[[StoreReader], tuple[str, list[str], list[list[str]]]], ...] = field(default_factory=tuple)

    def spec_for(self, quick: bool) -> Spec:
        """The full spec; for ``--quick`` its own quick spec, or the full one on its first seeds."""
        if not quick:
            return self.spec
        if self.quick_spec is not None:
            return self.quick_spec
        return replace(self.spec, seeds=self.spec.seeds[: self.quick_seeds])

    def built_tables(self, store: StoreReader) -> list[tuple[str, list[str], list[list[str]]]]:
        """The entry's tables (title, header, rows) from the stored runs; a table whose runs are
        not stored is one row saying so."""
        built = []
        for make_table in self.tables:
            try:
                built.append(make_table(store))
            except UNMEASURABLE as error:
                built.append((getattr(make_table, "__name__", "table"), ["not computable"],
                              [[f"not computable from the stored runs ({type(error).__name__}: {error})"]]))
        return built

    def specs(self) -> list[Spec]:
        """Every spec whose runs this entry reads (claims and figures use whichever is stored)."""
        return [self.spec] + ([self.quick_spec] if self.quick_spec is not None else [])


def stored(store: StoreReader, *specs: Spec) -> dict:
    """The stored runs of the first of ``specs`` that has any (full before quick), else {}."""
    for spec in specs:
        runs = store.spec_runs(spec)
        if len(runs.get("key", [])):
            return runs
    return {}


def runs_by_point(store: StoreReader, specs: list[Spec]) -> list[tuple[object, dict[str, np.ndarray]]]:
    """(parameters, stored runs) per grid point of the first spec with stored runs (one query)."""
    for spec in specs:
        runs = spec.runs()  # point-major: each point's seeds in a row
        found = store.runs(run.key for run in runs)
        if not len(found.get("key", [])):
            continue
        point_of = {run.key: index // len(spec.run_seeds) for index, run in enumerate(runs)}
        which = np.array([point_of[key] for key in found["key"]])
        return [(point, {name: column[which == index] for name, column in found.items()})
                for index, point in enumerate(spec.points()) if np.any(which == index)]
    return []


def spec_pair(model: str, name: str, seeds: int, quick_seeds: int, **spec) -> tuple[Spec, Spec]:
    """An entry's full spec (``seeds`` seeds) and its quick spec (``quick_seeds``), named
    ``name`` and ``name``-quick, alike otherwise."""
    return (Spec(model=model, seeds=list(range(seeds)), name=name, **spec),
            Spec(model=model, seeds=list(range(quick_seeds)), name=f"{name}-quick", **spec))


def entries(only: str | None = None) -> list[Entry]:
    """Every catalog entry, or those of one study."""
    known = studies()
    if only is not None and only not in known:
        raise UsageError(f"unknown study '{only}'; allowed: {', '.join(known)}")
    chosen = [only] if only else list(known)
    found: list[Entry] = []
    for study in chosen:
        found.extend(importlib.import_module(known[study]).ENTRIES)
    return found


def entry(name: str) -> Entry:
    for candidate in entries():
        if candidate.name == name:
            return candidate
    raise UsageError(f"unknown catalog entry '{name}'")
