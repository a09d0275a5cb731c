"""Competition (seed 002, section 5) throughput: the full Table 6 reproduction (7 scenarios x 30
runs x N = 1000 x 10^5 steps) as a sweep with the process executor, timed whole; then the same
sweep interrupted half-way (a killed worker pool) and resumed, checking that no run is lost or
redone. Goal (issue 4): the full Table 6 in under 10 minutes on 2 cores.

    python benchmarks/bench_competition.py
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from polislab.experiments.store import stored_keys
from polislab.experiments.studies.competition import ADOPTION
from polislab.experiments.sweep import run_sweep


def interrupted_sweep(out: Path, seconds: float) -> None:
    """Start the sweep in a child process group and kill the whole group after ``seconds``."""
    code = ("from polislab.experiments.studies.competition import ADOPTION; "
            "from polislab.experiments.sweep import run_sweep; "
            f"run_sweep(ADOPTION, {str(out)!r}, backend='process', workers=2)")
    child = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        child.wait(seconds)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def main() -> None:
    runs = len(ADOPTION.runs())
    steps = runs * ADOPTION.params["steps"]
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        run_sweep(ADOPTION, Path(folder) / "whole", backend="process", workers=2)
        whole = time.perf_counter() - start
        print(f"Table 6, {runs} runs x 10^5 steps, process executor, 2 workers: {whole:.1f} s "
              f"({steps / whole / 1e6:.2f} million steps/s)")
        resumed = Path(folder) / "resumed"
        interrupted_sweep(resumed, whole / 2)
        before = len(stored_keys(resumed))
        start = time.perf_counter()
        summary = run_sweep(ADOPTION, resumed, backend="process", workers=2)
        print(f"interrupted after {whole / 2:.1f} s (the whole process group killed) with {before} runs stored; the resumed sweep ran "
              f"{summary.ran} more in {time.perf_counter() - start:.1f} s; stored now: {len(stored_keys(resumed))} "
              f"of {runs}")
    print(f"peak memory (this process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
