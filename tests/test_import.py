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
