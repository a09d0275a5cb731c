"""A good citizen: importing polislab and every module writes nothing and sets nothing."""

import os
import subprocess
import sys

IMPORT_EVERY_MODULE = (
    "import os, pkgutil, importlib, polislab\n"
    "before = dict(os.environ)\n"
    "for m in pkgutil.walk_packages(polislab.__path__, 'polislab.'):\n"
    "    if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
)


def run_after_importing_every_module(code: str, folder) -> None:
    done = subprocess.run([sys.executable, "-c", IMPORT_EVERY_MODULE + code], cwd=folder, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


def test_import_has_no_side_effects(tmp_path):
    run_after_importing_every_module("assert dict(os.environ) == before\n", tmp_path)
    assert os.listdir(tmp_path) == []


def test_freed_memory_is_kept_only_when_asked_and_then_serves_the_same_results(tmp_path):
    """Importing every module leaves glibc's allocator alone; ``retain_freed_memory`` (what the
    command and its workers call) tunes it once (on glibc; elsewhere it does nothing and says
    so), and a coevolution run gives the same result before and after."""
    run_after_importing_every_module(
        "import platform, sys\n"
        "from polislab.core import memory\n"
        "from polislab import get_model\n"
        "assert not memory._retained\n"
        "spec = get_model('coevolution')\n"
        "run = lambda: spec.run(spec.make_params({'n': 200, 'steps': 5000}), [3])[0].metrics\n"
        "before = run()\n"
        "glibc = sys.platform.startswith('linux') and platform.libc_ver()[0] == 'glibc'\n"
        "assert memory.retain_freed_memory() == glibc and memory.retain_freed_memory() == glibc\n"
        "assert run() == before\n", tmp_path)
