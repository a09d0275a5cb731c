"""A ``module:attribute`` name runs the user's own code, as any import does, so it is imported only
when a run starts: validating parameters (a spec loaded, a command that then fails on something
else) imports nothing."""

import sys

import pytest

from polislab import get_model

MODULE = '''
import pathlib
pathlib.Path({marker!r}).write_text("imported")
from polislab.models.oracle.world import ARMSTRONG_2019 as WORLD


def recommend(x, y, view):
    return -1
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    marker = tmp_path / "imported"
    (tmp_path / "user_module_probe.py").write_text(MODULE.format(marker=str(marker)))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield marker
    sys.modules.pop("user_module_probe", None)


@pytest.mark.parametrize("model, values", [
    ("oracle", {"world": "user_module_probe:WORLD", "runs": 2, "steps": 20}),
    ("coevolution", {"recommender": "user_module_probe:recommend", "n": 20, "k": 4, "steps": 200}),
    ("coevolution", {"mixture": {"local": 0.5, "user_module_probe:recommend": 0.5}, "n": 20, "k": 4,
                     "steps": 200}),
])
def test_user_code_is_imported_when_the_run_starts_not_when_parameters_are_read(user_module, model, values):
    spec = get_model(model)
    params = spec.make_params(values)
    assert not user_module.exists()
    spec.simulate(params, 0)
    assert user_module.read_text() == "imported"
