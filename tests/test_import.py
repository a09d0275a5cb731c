"""A good citizen: importing polislab and every module writes nothing and sets nothing."""

import os
import subprocess
import sys


def test_import_has_no_side_effects(tmp_path):
    code = (
        "import os, pkgutil, importlib, polislab\n"
        "before = dict(os.environ)\n"
        "for m in pkgutil.walk_packages(polislab.__path__, 'polislab.'):\n"
        "    if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
        "assert dict(os.environ) == before\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert os.listdir(tmp_path) == []


def test_freed_memory_is_kept_only_when_asked_and_then_serves_the_same_results(tmp_path):
    """Importing every module leaves glibc's allocator alone; ``retain_freed_memory`` (what the
    command and its workers call) tunes it once (on glibc; elsewhere it does nothing and says
    so), and a coevolution run gives the same result
    before and after."""
    code = (
        "import pkgutil, importlib, polislab\n"
        "for m in pkgutil.walk_packages(polislab.__path__, 'polislab.'):\n"
        "    if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
        "from polislab.core import memory\n"
        "from polislab import get_model\n"
        "assert not memory._retained\n"
        "spec = get_model('coevolution')\n"
        "run = lambda: spec.run(spec.make_params({'n': 200, 'steps': 5000}), [3])[0].metrics\n"
        "before = run()\n"
        "import platform, sys\n"
        "glibc = sys.platform.startswith('linux') and platform.libc_ver()[0] == 'glibc'\n"
        "assert memory.retain_freed_memory() == glibc and memory.retain_freed_memory() == glibc\n"
        "assert run() == before\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
