"""The command line end to end: the documented JSON object, one-line errors with status 2."""

import json
import subprocess
import sys

import numpy as np
import pytest



def polislab(*arguments, cwd=None):
    return subprocess.run([sys.executable, "-m", "polislab", *arguments], capture_output=True, text=True, cwd=cwd)


def test_run_json_prints_exactly_the_documented_object():
    done = polislab("run", "echochamber", "--preset", "chosen-listening", "--replicates", "8", "--json",
                    "--set", "steps=3000")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert set(document) == {"model", "version", "params", "seeds", "replicates", "summary"}
    assert document["model"] == "echochamber" and document["seeds"] == list(range(8))
    assert document["params"]["steps"] == 3000 and document["params"]["learn_listening"] is True
    values = [r["metrics"]["consensus"] for r in document["replicates"]]
    summary = document["summary"]["consensus"]
    assert summary["n"] == 8
    assert summary["mean"] == pytest.approx(np.mean(values)) and summary["std"] == pytest.approx(np.std(values))


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["run", "nope"], "unknown model 'nope'"),
        (["run", "echochamber", "--set", "colour=red"], "unknown parameter 'colour'"),
        (["run", "echochamber", "--set", "scepticism=-1"], "parameter 'scepticism'"),
        (["run", "echochamber", "--set", "gradient=sideways"], "parameter 'gradient'"),
        (["run", "echochamber", "--set", "steps"], "NAME=VALUE"),
        (["run", "echochamber", "--preset", "loud"], "unknown preset 'loud'"),
        (["run", "echochamber", "--replicates", "0"], "replicates 0"),
        (["run", "echochamber", "--replicates", "1000000000000"], "replicates 1000000000000"),
        (["run", "echochamber", "--seed", str(2**63)], "2^63 - 1"),
        (["run", "echochamber", "--seed", str(2**63 - 2), "--replicates", "3"], "pass 2^63 - 1"),
        (["run", "coevolution", "--set", "reward=nan"], "parameter 'reward'"),
        (["run", "echochamber", "--set", "scepticism=inf"], "finite"),
        (["run", "trade", "--set", "rewards=nan,nan,nan,nan"], "finite"),
        (["run", "trade", "--set", "initial_q=inf"], "finite"),
        (["run", "oracle", "--set", "arms=nan,inf"], "finite"),
        (["run", "echochamber", "--set", "n=\uff11\uff10"], "ASCII digits"),
        (["run", "echochamber", "--frobnicate"], "No such option"),
        (["sweep", "absent.toml"], "does not exist"),
        (["sweep", "x.toml", "--backend", "carrier-pigeon"], "does not exist"),
        (["figure", "no-such-figure", "--from", "."], "unknown figure"),
        (["reproduce", "--only", "astrology"], "unknown study 'astrology'"),
    ],
)
def test_bad_input_is_one_line_and_status_2(arguments, fragment, tmp_path):
    done = polislab(*arguments, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["run", "echochamber", "--set", "steps=10", "--out", "afile"], "--out afile is a file"),
        (["run", "echochamber", "--set", "steps=10", "--out", "afile/runs"], "afile is a file"),
        (["run", "echochamber", "--set", "steps=10", "--plot", "x.nosuchext"], "unknown format '.nosuchext'"),
        (["run", "echochamber", "--set", "steps=10", "--plot", "folder"], "not a file name"),
        (["run", "recommender-training", "--set", "save_to=afile/p.pt"], "save_to afile/p.pt"),
        (["figure", "echochamber-listen", "--from", ".", "--out", "f.nosuchext"], "unknown format"),
        (["reproduce", "--out", "afile"], "--out afile is a file"),
        (["sweep", "spec.toml", "--out", "afile"], "--out afile is a file"),
        (["run", "echochamber", "--set", "steps=10", "--out", ""], "--out is empty"),
        (["reproduce", "--out", " "], "--out is empty"),
        (["figure", "echochamber-listen", "--from", ""], "--from is empty"),
        (["run", "echochamber", "--set", "n=100000"], "use graph=sparse"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_any_work(arguments, fragment, tmp_path):
    (tmp_path / "afile").write_text("keep me")
    (tmp_path / "folder").mkdir()
    (tmp_path / "spec.toml").write_text('model = "echochamber"\n[params]\nsteps = 10\n')
    before = sorted(path.name for path in tmp_path.rglob("*"))
    done = polislab(*arguments, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in done.stderr
    assert sorted(path.name for path in tmp_path.rglob("*")) == before  # nothing written
    assert (tmp_path / "afile").read_text() == "keep me"


def test_a_figure_of_a_study_with_no_stored_runs_is_refused_with_the_way_to_make_them(tmp_path):
    assert polislab("run", "echochamber", "--set", "steps=10", "--out", "store", cwd=tmp_path).returncode == 0
    done = polislab("figure", "echochamber-listen", "--from", "store", "--out", "f.png", cwd=tmp_path)
    assert done.returncode == 2 and "polislab reproduce --only echochamber --out store" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "f.png").exists()


def test_a_plot_of_runs_without_series_says_how_to_record_them_after_printing_the_results(tmp_path):
    done = polislab("run", "coevolution", "--set", "n=50", "--set", "k=4", "--set", "steps=100", "--json",
                    "--plot", "p.png", cwd=tmp_path)
    assert done.returncode == 2 and "record_every" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert json.loads(done.stdout)["model"] == "coevolution"  # the results are not lost
    assert not (tmp_path / "p.png").exists()


def test_a_full_disk_is_one_line_and_status_1_and_loses_no_stored_run(tmp_path, monkeypatch, capsys):
    """The store writes each run whole or not at all; when the disk fills up, the command says so
    in one line (status 1), and the runs stored before it are still there."""
    import errno

    from polislab.cli import main
    from polislab.experiments import store, sweep

    spec = tmp_path / "s.toml"
    spec.write_text('model = "echochamber"\nseeds = [0, 1, 2]\n[params]\nsteps = 10\n')
    written = []
    real_write = store.write_result

    def fill_up_after_one(directory, result, key=None):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device", str(directory))
        written.append(real_write(directory, result, key))
        return written[-1]

    monkeypatch.setattr(sweep, "write_result", fill_up_after_one)
    with pytest.raises(SystemExit) as stop:
        main(["sweep", str(spec), "--backend", "serial", "--out", str(tmp_path / "out")])
    assert stop.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "no space left" in lines[0] and "intact" in lines[0]
    assert store.stored_keys(tmp_path / "out") == set(written)


def test_store_check_and_repair_from_the_command_line(tmp_path):
    assert polislab("run", "echochamber", "--set", "steps=10", "--replicates", "2", "--out", "s",
                    cwd=tmp_path).returncode == 0
    clean = polislab("store", "check", "s", cwd=tmp_path)
    assert clean.returncode == 0 and "2 runs: 0 damaged" in clean.stdout
    victim = sorted((tmp_path / "s" / "runs").glob("*.parquet"))[0]
    victim.write_bytes(b"")
    found = polislab("store", "check", "s", cwd=tmp_path)
    assert found.returncode == 1 and f"damaged  {victim.stem}: run file unreadable" in found.stdout
    repaired = polislab("store", "repair", "s", cwd=tmp_path)
    assert repaired.returncode == 0 and (tmp_path / "s" / "damaged" / "runs" / victim.name).is_file()
    assert polislab("store", "check", "s", cwd=tmp_path).returncode == 0
    assert polislab("store", "check", "nowhere", cwd=tmp_path).returncode == 2


def test_a_folder_that_refuses_writing_is_refused(tmp_path, monkeypatch):
    """Root writes into read-only folders, so the check creates a file there rather than asking
    for permissions; a refusal (a read-only mount, a full disk) is one line naming the folder."""
    import tempfile

    from polislab.core.errors import UsageError
    from polislab.core.files import check_output_folder

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    with pytest.raises(UsageError, match="cannot write in .*Permission denied"):
        check_output_folder(tmp_path / "new" / "runs", "--out")


def test_unknown_backend_is_refused(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('model = "echochamber"\n[params]\nsteps = 10\n')
    done = polislab("sweep", str(spec), "--backend", "carrier-pigeon", "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and "unknown backend 'carrier-pigeon'" in done.stderr


def test_models_json_lists_parameters_bounds_and_presets():
    done = polislab("models", "--json")
    models = {m["name"]: m for m in json.loads(done.stdout)}
    echo = models["echochamber"]
    fields = {p["name"]: p for p in echo["parameters"]}
    assert fields["scepticism"]["bounds"] == {"ge": 0} and fields["gradient"]["choices"] == ["joint", "own"]
    assert set(echo["presets"]) == {"own-evidence", "fixed-listening", "selective-evidence",
                                    "chosen-listening", "chosen-listening-and-evidence"}


def test_run_stores_and_plots(tmp_path):
    done = polislab("run", "echochamber", "--set", "steps=500", "--replicates", "2", "--out", str(tmp_path / "r"),
                    "--plot", str(tmp_path / "series.png"))
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "r" / "runs").glob("*.parquet"))) == 2
    assert (tmp_path / "series.png").stat().st_size > 10_000
    assert "mean_utility" in done.stdout  # the summary table; no progress bar off a terminal
    assert "eta" not in done.stdout


def test_set_parses_booleans_numbers_and_none():
    done = polislab("run", "echochamber", "--json", "--set", "n=1e2", "--set", "learn_evidence=yes",
                    "--set", "clamp=none", "--set", "steps=10", "--set", "graph=sparse", "--set", "k=3")
    params = json.loads(done.stdout)["params"]
    assert (params["n"], params["learn_evidence"], params["clamp"], params["k"]) == (100, True, None, 3)


def test_models_names_one_model_and_prints_a_line_per_parameter_when_piped():
    from polislab.core.registry import get_model

    done = polislab("models", "echochamber")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    fields = get_model("echochamber").params.model_fields
    assert lines[0].startswith("echochamber: ") and lines[-1].startswith("  presets: own-evidence")
    assert [line.split(" = ")[0].strip() for line in lines[1:-1]] == list(fields)  # none wrapped, none split
    assert "  graph = dense  [dense | sparse]" in done.stdout
    refused = polislab("models", "astrology")
    assert refused.returncode == 2 and "unknown model 'astrology'" in refused.stderr
