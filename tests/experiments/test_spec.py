import pytest

from polislab.core.errors import UsageError
from polislab.experiments.spec import load_spec, run_key, spec_from_dict


def test_a_spec_expands_to_grid_times_seeds_with_unique_stable_keys():
    spec = spec_from_dict({"model": "echochamber", "seeds": [1, 2, 3],
                           "params": {"steps": 10}, "grid": {"scepticism": [1, 2], "peer_multiplier": [0, 1]}})
    runs = spec.runs()
    assert len(runs) == 2 * 2 * 3
    assert len({run.key for run in runs}) == len(runs)
    assert [run.key for run in runs] == [run.key for run in spec.runs()]
    assert runs[0].params.steps == 10


def test_a_grid_can_range_over_presets():
    spec = spec_from_dict({"model": "echochamber", "grid": {"preset": ["own-evidence", "fixed-listening"]}})
    assert [p.steps for p in spec.points()] == [50_000, 20_000]


def test_the_key_depends_on_parameters_and_seed():
    spec = spec_from_dict({"model": "echochamber", "seeds": [1]})
    params = spec.points()[0]
    assert run_key(params, 1) != run_key(params, 2)
    assert run_key(params, 1) != run_key(params.model_copy(update={"steps": 9}), 1)


def test_seed_and_replicates_give_consecutive_seeds():
    assert spec_from_dict({"model": "echochamber", "seed": 5, "replicates": 3}).seeds == [5, 6, 7]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("model = \n", "not valid TOML"),
        ("seeds = [1]\n", "'model' is required"),
        ("model = 'echochamber'\ncolour = 1\n", "unknown key 'colour'"),
        ("model = 'nope'\n", "unknown model 'nope'"),
        ("model = 'echochamber'\n[grid]\nscepticism = 2\n", "must be a non-empty list"),
        ("model = 'echochamber'\n[grid]\nscepticism = [1, -2]\n", "parameter 'scepticism'"),
        ("model = 'echochamber'\nseeds = [-1]\n", "seed -1"),
        ("model = 'echochamber'\n[params]\ncolour = 1\n", "unknown parameter 'colour'"),
        ("model = 'echochamber'\npreset = ['chosen-listening']\n", "a preset is one name"),
        ("model = 'echochamber'\n[grid]\npreset = [['chosen-listening']]\n", "a preset is one name"),
        ("model = 'echochamber'\nseeds = [9223372036854775808]\n", "2^63 - 1"),
    ],
)
def test_malformed_specs_give_one_line(tmp_path, text, fragment):
    path = tmp_path / "spec.toml"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        load_spec(path)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_spec_file_is_named(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load_spec(tmp_path / "absent.toml")
