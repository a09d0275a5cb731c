"""Memory planned before allocation: a run that cannot fit is refused with the need, the machine's
memory and the way out; replicates batched beyond memory run in chunks, with the same results."""

import dataclasses
import math

import numpy as np
import pytest

from polislab.core import machine
from polislab.core.errors import UsageError
from polislab.core.registry import get_model


def machine_holding(monkeypatch, bytes_for_runs: float) -> None:
    """Pretend the machine's memory leaves exactly ``bytes_for_runs`` to runs."""
    total = math.ceil((machine.BASE_BYTES + bytes_for_runs) / machine.USABLE_SHARE)
    monkeypatch.setattr(machine, "memory_bytes", lambda: total)


def test_a_run_that_cannot_fit_is_refused_with_its_need_and_the_way_out(monkeypatch):
    spec = get_model("echochamber")
    params = spec.make_params({"n": 3000, "steps": 1})
    need = params.memory_needed(1).bytes
    assert need == 3000 * 3000 * 6 + 64 * 3000  # float32 weights and their initial draw, worked by hand
    machine_holding(monkeypatch, need - 1)
    with pytest.raises(UsageError, match=r"echochamber needs about .* GiB .* this machine has .* use graph=sparse"):
        spec.run(params, [0])
    machine_holding(monkeypatch, need)
    assert len(spec.run(params, [0])) == 1


def test_replicates_beyond_memory_run_in_chunks_with_the_same_results(monkeypatch):
    spec = get_model("echochamber")
    params = spec.make_params({"n": 60, "steps": 30})
    whole = spec.run(params, list(range(7)))
    batches = []

    def counting(params, seeds, progress=None):
        batches.append(len(seeds))
        return spec.simulate_batch(params, seeds, progress)

    chunked = dataclasses.replace(spec, simulate_batch=counting)
    machine_holding(monkeypatch, 3.5 * params.memory_needed(1).bytes)
    results = chunked.run(params, list(range(7)))
    assert batches == [3, 3, 1]
    for a, b in zip(whole, results):
        assert a.seed == b.seed and a.metrics == b.metrics
        assert all(np.array_equal(a.artifacts[name], b.artifacts[name]) for name in a.artifacts)
