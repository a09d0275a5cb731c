"""Echo-chamber model: agents ascend a utility of belief, evidence and listening (seed 000).

``simulate(params, seed)`` runs one replicate; ``simulate_batch(params, seeds)`` runs many in
one compiled call (replicates in parallel). Both give a replicate exactly the same result,
because each replicate's initial state comes from its own seed and the dynamics are
deterministic gradient ascent.

Choices where seed 000 is silent (each a parameter): the clamp applies to every learned
quantity; on a sparse graph each agent listens to k others drawn uniformly and only those
weights exist; 'own' gradients are offered beside the notebook's 'joint' ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from polislab.core.progress import Progress
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.core.seeding import derived_seed, rng
from polislab.models.echochamber import kernels
from polislab.models.echochamber.metrics import Listening, belief_sign, snapshot
from polislab.models.echochamber.params import PRESETS, EchoChamberParams

MAX_MATRIX_ARTIFACT = 500  # keep the final listen matrix as an artifact up to this many agents
MAX_FIXED_POINT_AGENTS = 2000  # solve the linear fixed point up to this many agents


@dataclass
class State:
    """Replicates side by side: b, e of shape (R, n); L (R, n, n) or sources/weights (R, n, k)."""

    b: np.ndarray
    e: np.ndarray
    L: np.ndarray | None
    sources: np.ndarray | None
    weights: np.ndarray | None
    last_active: np.ndarray
    moving: np.ndarray

    def listening(self) -> Listening:
        return Listening(matrix=self.L, sources=self.sources, weights=self.weights)


def initial_state(params: EchoChamberParams, seeds: Sequence[int]) -> State:
    """Each replicate's beliefs, evidence and listen weights, drawn from its own seed (seed 000)."""
    n, dtype = params.n, np.dtype(params.dtype)
    count = len(seeds)
    b = np.empty((count, n), dtype)
    e = np.empty((count, n), dtype)
    dense = params.graph == "dense"
    L = np.empty((count, n, n), dtype) if dense else None
    sources = np.empty((count, n, params.k), np.int32) if not dense else None
    weights = np.empty((count, n, params.k), dtype) if not dense else None
    for r, seed in enumerate(seeds):
        draw = rng(seed)
        b[r] = draw.standard_normal(n, dtype=np.float64) * params.belief_sd
        e[r] = draw.standard_normal(n, dtype=np.float64) * params.evidence_sd
        shape = (n, n) if dense else (n, params.k)
        if params.listening == "binary":
            if dense:
                listen = draw.random(shape, dtype=np.float32) < params.listen_chance
            else:
                listen = np.ones(shape, dtype)
        else:
            listen = draw.standard_normal(shape, dtype=np.float32) * params.listen_sd
        if dense:
            L[r] = listen
            np.fill_diagonal(L[r], 0)
        else:
            weights[r] = listen
            sources[r] = kernels.sample_sources(n, params.k, 1, derived_seed(seed, 1))[0]
    return State(b, e, L, sources, weights, np.zeros(count, np.int64), np.zeros(count, np.int64))


def advance(state: State, params: EchoChamberParams, steps: int, first_step: int) -> None:
    """Move every replicate ``steps`` gradient steps forward, in place."""
    if params.backend == "autograd":
        _advance_autograd(state, params, steps, first_step)
        return
    dtype = state.b.dtype.type
    args = (
        steps, dtype(params.learning_rate), dtype(params.scepticism), dtype(params.peer_multiplier),
        dtype(params.evidence_pressure), dtype(params.real_evidence), params.learn_beliefs,
        params.learn_evidence, params.learn_listening, params.gradient == "joint",
        dtype(params.clamp or np.inf), dtype(params.settle_tolerance), first_step, state.last_active,
        state.moving,
    )
    if state.L is not None:
        kernels.dense_steps(state.b, state.e, state.L, *args)
    else:
        kernels.sparse_steps(state.b, state.e, state.sources, state.weights, *args)


def _advance_autograd(state: State, params: EchoChamberParams, steps: int, first_step: int) -> None:
    """The notebook's torch loop (seed 000): autograd of the summed utilities, then a step."""
    import torch

    from polislab.learn.gradient import Variable, ascend

    s, m, p = params.scepticism, params.peer_multiplier, params.evidence_pressure
    joint = params.gradient == "joint"

    def utility(b, e, L):
        heard_from = b if joint else b.detach()  # 'own': an agent moves only its own belief
        heard = torch.einsum("rji,rj->ri", L, heard_from)  # sum_j L_ji b_j
        return b * e - s / 2 * b.square() + m * heard * b - p * (e - params.real_evidence).square()

    def zero_diagonal(L):
        L.diagonal(dim1=1, dim2=2).zero_()

    for r in range(state.b.shape[0]):
        variables = [
            Variable(torch.from_numpy(state.b[r : r + 1]), params.learn_beliefs),
            Variable(torch.from_numpy(state.e[r : r + 1]), params.learn_evidence),
            Variable(torch.from_numpy(state.L[r : r + 1]), params.learn_listening, zero_diagonal),
        ]
        log = ascend(
            utility, variables, params.learning_rate, steps, clamp=params.clamp,
            tolerance=params.settle_tolerance, first_step=first_step,
            last_active=int(state.last_active[r]),
        )
        state.last_active[r] = log.last_active
        state.moving[r] = log.moving


def record_interval(params: EchoChamberParams) -> int:
    return params.record_every or max(1, params.steps // 500)


def simulate_batch(
    params: EchoChamberParams, seeds: Sequence[int], progress: Progress | None = None
) -> list[Result]:
    """Run one replicate per seed in one compiled call and measure each (seed 000)."""
    seeds = list(seeds)
    state = initial_state(params, seeds)
    keep_history = params.n <= params.history_limit
    records: list[dict[str, np.ndarray]] = []
    steps_recorded: list[int] = []
    belief_history: list[np.ndarray] = []
    evidence_history: list[np.ndarray] = []

    def record(step: int) -> None:
        steps_recorded.append(step)
        row = snapshot(state.b, state.e, state.listening(), params.scepticism,
                       params.peer_multiplier, params.evidence_pressure, params.real_evidence,
                       params.clamp)
        row["moving"] = state.moving.astype(float) if step else np.full(len(seeds), np.nan)
        records.append(row)
        if keep_history:
            belief_history.append(state.b.copy())
            evidence_history.append(state.e.copy())

    step = 0
    record(0)
    while step < params.steps:
        chunk = min(record_interval(params), params.steps - step)
        advance(state, params, chunk, step)
        step += chunk
        record(step)
        if progress is not None:
            progress(step, params.steps)

    columns = {name: np.stack([row[name] for row in records], axis=1) for name in records[0]}
    final = _final_metrics(params, state, columns, np.array(steps_recorded))
    results = []
    for r, seed in enumerate(seeds):
        series = {"step": np.array(steps_recorded, dtype=np.int64)}
        series.update({name: column[r] for name, column in columns.items()})
        artifacts = {"beliefs": state.b[r].copy(), "evidence": state.e[r].copy()}
        if state.L is not None and params.n <= MAX_MATRIX_ARTIFACT:
            artifacts["listen_matrix"] = state.L[r].copy()
        if keep_history:
            artifacts["belief_history"] = np.stack([h[r] for h in belief_history])
            artifacts["evidence_history"] = np.stack([h[r] for h in evidence_history])
        metrics = {name: values[r] for name, values in final.items()}
        metrics["fixed_point_error"] = _fixed_point_error(params, state, r)
        results.append(Result(params, seed, metrics, series, artifacts))
    return results


def _final_metrics(params, state: State, columns: dict, steps: np.ndarray) -> dict[str, list]:
    """Final measurements of every replicate, as lists over replicates."""
    listening = state.listening()
    sign = belief_sign(state.b)
    count = len(state.b)
    final = {name: list(values[:, -1]) for name, values in columns.items() if name != "moving"}
    reached = columns["bubble_index"] >= params.bubble_threshold
    final.update(
        majority_sign=[1 if 2 * np.sum(sign[r] > 0) >= params.n else -1 for r in range(count)],
        listen_sign_agreement=list(listening.sign_agreement(sign)),
        listen_at_clamp=list(listening.fraction_at(params.clamp) if params.clamp else np.zeros(count)),
        steps_to_settle=[int(v) for v in state.last_active],
        settled=[bool(v < params.steps or params.steps == 0) for v in state.last_active],
        bubble_step=[int(steps[row.argmax()]) if row.any() else None for row in reached],
    )
    return final


def _fixed_point_error(params: EchoChamberParams, state: State, r: int) -> float | None:
    """max_i |b_i - b*_i|, b* the stationary beliefs when only beliefs learn (seed 000 stage 1:
    b* = e / s). The belief gradient is linear then: e - s b + m (L^T + [joint] L) b = 0."""
    learns_only_beliefs = not (params.learn_evidence or params.learn_listening)
    if not learns_only_beliefs or params.clamp or state.L is None or params.n > MAX_FIXED_POINT_AGENTS:
        return None
    L = state.L[r].astype(np.float64)
    coupling = L.T + L if params.gradient == "joint" else L.T
    system = params.scepticism * np.eye(params.n) - params.peer_multiplier * coupling
    try:
        fixed = np.linalg.solve(system, state.e[r].astype(np.float64))
    except np.linalg.LinAlgError:
        return None
    return float(np.max(np.abs(state.b[r] - fixed)))


@register(
    "echochamber",
    params=EchoChamberParams,
    presets=PRESETS,
    batch=simulate_batch,
    summary="agents ascend a utility of belief, evidence and whom they listen to (seed 000)",
    smoke={"n": 8, "k": 4, "steps": 300},
)
def simulate(params: EchoChamberParams, seed: int, progress: Progress | None = None) -> Result:
    """Echo-chamber belief dynamics: one replicate (seed 000)."""
    return simulate_batch(params, [seed], progress)[0]
