"""Sweeps: the executor changes nothing; an interrupted sweep resumes without repeating a run."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from polislab.core.params import Params
from polislab.core.registry import register
from polislab.core.result import Result
from polislab.experiments import store
from polislab.experiments.spec import spec_from_dict
from polislab.experiments.sweep import run_sweep

SMALL = {"model": "echochamber", "preset": "chosen-listening", "seeds": [0, 1, 2],
         "params": {"steps": 400}, "grid": {"peer_multiplier": [1.0, 2.5], "scepticism": [1.0, 2.0]}}


def stored_metrics(directory):
    rows = store.open(directory).execute(
        "SELECT key, mean_utility, bubble_index, steps_to_settle FROM runs ORDER BY key").fetchall()
    return rows


@pytest.fixture(scope="module")
def serial_store(tmp_path_factory):
    directory = tmp_path_factory.mktemp("serial")
    summary = run_sweep(spec_from_dict(SMALL), directory, backend="serial")
    assert (summary.total, summary.ran) == (12, 12)
    return directory


def test_process_executor_stores_the_same_results(serial_store, tmp_path):
    run_sweep(spec_from_dict(SMALL), tmp_path, backend="process", workers=2)
    assert stored_metrics(tmp_path) == stored_metrics(serial_store)


@pytest.mark.slow
def test_ray_executor_stores_the_same_results(serial_store, tmp_path):
    pytest.importorskip("ray")
    run_sweep(spec_from_dict(SMALL), tmp_path, backend="ray")
    assert stored_metrics(tmp_path) == stored_metrics(serial_store)


def test_a_second_sweep_runs_nothing(serial_store):
    summary = run_sweep(spec_from_dict(SMALL), serial_store, backend="serial")
    assert (summary.already_stored, summary.ran) == (12, 0)


def test_a_killed_sweep_resumes_with_exactly_the_missing_runs(tmp_path):
    spec_file = tmp_path / "spec.toml"
    spec_file.write_text(
        'model = "echochamber"\npreset = "chosen-listening"\nseeds = [0]\n[params]\nsteps = 200000\n'
        "[grid]\nscepticism = [1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 2.8, 3.0, 3.2]\n"
    )
    out = tmp_path / "out"
    command = [sys.executable, "-m", "polislab", "sweep", str(spec_file), "--backend", "serial", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 120
    while len(store.stored_keys(out)) < 2 and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = store.stored_keys(out)
    assert 2 <= len(before) < 12, "the sweep was not interrupted half way"
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    assert f"12 runs: {len(before)} already stored, {12 - len(before)} ran" in finished.stdout
    after = store.stored_keys(out)
    expected = {run.key for run in spec_from_dict({"model": "echochamber", "preset": "chosen-listening",
                "seeds": [0], "params": {"steps": 200000},
                "grid": {"scepticism": [1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 2.8, 3.0, 3.2]}}).runs()}
    assert after == expected and before <= after
    assert store.open(out).execute("SELECT count(*), count(DISTINCT key) FROM runs").fetchone() == (12, 12)
    assert not list(Path(out).glob(f"*/{store.TEMPORARY_PREFIX}*"))


class ProbeParams(Params):
    pass


@register("thread-probe", params=ProbeParams)
def probe_threads(params, seed, progress=None):
    """How many threads torch computes with (a toy model)."""
    import torch

    return Result(params, seed, {"torch_threads": torch.get_num_threads()})


def test_the_serial_backend_computes_on_one_thread_as_a_worker_does():
    """torch (and numba) run on one thread while a serial sweep computes, and get their own
    setting back after it."""
    import torch

    from polislab.experiments.executors import Task, execute

    torch.set_num_threads(2)
    seen = []
    execute([Task("thread-probe", {}, (0,))], lambda results: seen.extend(results), backend="serial")
    assert seen[0].metrics["torch_threads"] == 1
    assert torch.get_num_threads() == 2


def test_two_sweeps_into_one_store_at_once_compute_each_run_once(tmp_path):
    """Two sweeps of one spec started together into one store: both finish, every run is stored
    once and checks out, and between them they computed each run exactly once (claims), where
    without claims each computes most of them."""
    spec = tmp_path / "s.toml"
    spec.write_text('model = "echochamber"\npreset = "chosen-listening"\nseeds = [0, 1, 2, 3, 4, 5]\n'
                    '[params]\nsteps = 3000\n[grid]\nscepticism = [1.0, 2.0]\n')
    command = [sys.executable, "-m", "polislab", "sweep", str(spec), "--backend", "serial", "--out", "out"]
    sweeps = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    ran = []
    for sweep in sweeps:
        printed, errors = sweep.communicate(timeout=300)
        assert sweep.returncode == 0, errors
        ran.append(int(re.search(r"(\d+) ran", printed).group(1)))
    assert sum(ran) == 12, ran
    assert len(store.stored_keys(tmp_path / "out")) == 12 and store.check(tmp_path / "out").clean
    assert list((tmp_path / "out" / "claims").iterdir()) == []  # every claim released


def test_a_claim_of_a_live_sweep_is_honoured_and_a_dead_ones_is_taken_over(tmp_path):
    from polislab.experiments import claims

    assert claims.claim(tmp_path, "k1") and claims.claim(tmp_path, "k1")  # ours, claimed again
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "claims" / "k2").write_text(f"{socket.gethostname()} {other.pid}\n")
        assert not claims.claim(tmp_path, "k2")  # a live process on this host holds it
    finally:
        other.kill()
        other.wait()
    assert claims.claim(tmp_path, "k2")  # its owner stopped: stale, taken over
    claims.release(tmp_path, ["k1", "k2"])
    assert list((tmp_path / "claims").iterdir()) == []


class FakeRay:
    """Ray's surface as _execute_ray uses it, recording how Ray was started."""

    def __init__(self):
        self.started = {}
        self.usage_stats = None

    def is_initialized(self):
        return False

    def init(self, **options):
        import os

        self.started = options
        self.usage_stats = os.environ.get("RAY_USAGE_STATS_ENABLED")

    def remote(self, **options):
        return lambda function: type("Remote", (), {"remote": staticmethod(function)})

    def wait(self, pending, num_returns):
        return pending[:num_returns], pending[num_returns:]

    def get(self, reference):
        return reference

    def shutdown(self):
        pass


@pytest.mark.parametrize("dashboard", [False, True])
def test_local_ray_starts_without_usage_statistics_and_with_a_dashboard_only_when_asked(monkeypatch, dashboard):
    from polislab.experiments import executors

    fake = FakeRay()
    monkeypatch.setitem(sys.modules, "ray", fake)
    monkeypatch.setattr(executors, "_run_task_in_worker", lambda task: ["done"])
    finished = []
    executors.execute([executors.Task("trade", {}, (0,))], finished.extend, backend="ray", dashboard=dashboard)
    assert finished == ["done"]
    assert fake.started["include_dashboard"] is dashboard and fake.usage_stats == "0"
    assert fake.started["runtime_env"]["env_vars"]["RAY_USAGE_STATS_ENABLED"] == "0"
