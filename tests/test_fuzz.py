"""Bad input, generated from every model's parameters and the commands' paths and specs: each case
must end in exactly one line on stderr naming the problem, status 2, no traceback, no file written
and nothing computed (issue 21). The cases run in this process through ``polislab.cli.main``,
with every model's simulate replaced by one that reports the case as silently accepted."""

from __future__ import annotations

import dataclasses
import typing

from polislab import cli
from polislab.core import registry
from polislab.core.params import describe_field
from polislab.core.registry import builtin_models, get_model


class Accepted(Exception):
    """A case reached a simulation: bad input accepted."""


def _refuse(*arguments, **keywords):
    raise Accepted


def _kind(annotation) -> str:
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Literal:
        return "choice"
    if annotation is bool:
        return "bool"
    if annotation in (int, float):
        return annotation.__name__
    if origin in (list, tuple) and arguments and all(a in (int, float) for a in arguments if a is not Ellipsis):
        return "numbers"
    return "other"  # strings, unions: names and paths, checked by their own cases


def parameter_cases(model: str) -> list[tuple[str, list[str]]]:
    """(why, arguments) for every parameter of ``model``: wrong type, out of range, NaN and inf
    where not meaningful, empty, non-ASCII, huge."""
    spec = get_model(model)
    cases = [("unknown parameter", ["run", model, "--set", "no_such_parameter=1"])]
    for name, field in spec.params.model_fields.items():
        kind = _kind(field.annotation)
        info = describe_field(spec.params, name)
        values: list[tuple[str, str]] = []
        inf_allowed = any(getattr(m, "allow_inf_nan", False) for m in field.metadata)
        if kind in ("int", "float"):
            values += [("text", "abc"), ("empty", ""), ("fullwidth digits", "１０")]
            if not inf_allowed:  # where inf means something, 1e400 reads as inf
                values.append(("huge", "1e400"))
            bounds = info["bounds"]
            if "ge" in bounds:
                values.append(("below ge", repr(bounds["ge"] - 1)))
            if "gt" in bounds:
                values.append(("at gt", repr(bounds["gt"])))
            if "le" in bounds:
                values.append(("above le", repr(bounds["le"] * 10 + 1)))
            if "lt" in bounds:
                values.append(("at lt", repr(bounds["lt"])))
            values.append(("nan", "nan"))
            if not inf_allowed:
                values.append(("inf", "inf"))
        elif kind == "choice":
            values += [("not a choice", "no-such-choice"), ("accented", f"{info['choices'][0]}é")]
            if "" not in info["choices"]:
                values.append(("empty", ""))
        elif kind == "bool":
            values += [("not a boolean", "maybe"), ("empty", "")]
        elif kind == "numbers":
            values += [("text in a list", "1,abc"), ("nan in a list", "1,nan")]
        cases += [(f"{name}: {why}", ["run", model, "--set", f"{name}={value}"]) for why, value in values]
    return cases


def command_cases(tmp_path) -> list[tuple[str, list[str]]]:
    """Bad paths, bad specs, bad commands."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    specs = {
        "not TOML": "model = ",
        "unknown key": 'model = "trade"\nseeds = [0]\nbogus = 1',
        "no model": "seeds = [0]",
        "unknown model": 'model = "astrology"\nseeds = [0]',
        "preset as a list": 'model = "echochamber"\npreset = ["chosen-listening"]\nseeds = [0]',
        "bad grid value": 'model = "trade"\nseeds = [0]\n[grid]\nagents = [1, 2]',
        "nan in params": 'model = "oracle"\nseeds = [0]\n[params]\nsteps = nan',
        "seed too large": 'model = "trade"\nseeds = [9223372036854775808]',
        "grid not a list": 'model = "trade"\nseeds = [0]\n[grid]\nagents = 3',
        "unknown parameter": 'model = "trade"\nseeds = [0]\n[params]\nflavour = 1',
    }
    cases = []
    for why, text in specs.items():
        path = tmp_path / f"{why.replace(' ', '-')}.toml"
        path.write_text(text)
        cases.append((f"spec: {why}", ["sweep", str(path), "--out", str(tmp_path / "out")]))
    cases += [
        ("spec file missing", ["sweep", str(tmp_path / "missing.toml")]),
        ("run --out a file", ["run", "trade", "--out", str(afile)]),
        ("run --out under a file", ["run", "trade", "--out", str(afile / "sub")]),
        ("run --plot unknown format", ["run", "trade", "--plot", str(tmp_path / "p.nosuchext")]),
        ("run --plot a folder", ["run", "trade", "--plot", str(tmp_path)]),
        ("run unknown model", ["run", "astrology"]),
        ("run unknown preset", ["run", "trade", "--preset", "nosuch"]),
        ("run negative seed", ["run", "trade", "--seed", "-1"]),
        ("run seed 2^63", ["run", "trade", "--seed", str(2**63)]),
        ("run no replicates", ["run", "trade", "--replicates", "0"]),
        ("run a trillion replicates", ["run", "trade", "--replicates", "1000000000000"]),
        ("run --set without =", ["run", "trade", "--set", "agents"]),
        ("run a dense echochamber of 10^5", ["run", "echochamber", "--set", "n=100000"]),
        ("run a complete coevolution of 10^6", ["run", "coevolution", "--set", "n=1000000", "--set", "graph=complete"]),
        ("run coevolution at its maximum n", ["run", "coevolution", "--set", "n=50000000"]),
        ("run opinion at its maximum n", ["run", "opinion", "--set", "n=50000000"]),
        ("run opinion on a regular graph with n k odd", ["run", "opinion", "--set", "graph=random-regular",
                                                         "--set", "n=5", "--set", "k=3"]),
        ("run opinion with k >= n", ["run", "opinion", "--set", "graph=erdos-renyi", "--set", "n=5", "--set", "k=7"]),
        ("figure unknown", ["figure", "nosuch", "--from", str(tmp_path)]),
        ("figure without --from", ["figure", "trade-wellbeing"]),
        ("figure from no store", ["figure", "trade-wellbeing", "--from", str(tmp_path / "nothing")]),
        ("figure unknown format", ["figure", "trade-wellbeing", "--from", str(tmp_path), "--out", "f.nosuchext"]),
        ("reproduce unknown study", ["reproduce", "--only", "astrology", "--out", str(tmp_path / "r")]),
        ("reproduce --out a file", ["reproduce", "--out", str(afile)]),
        ("models unknown", ["models", "astrology"]),
        ("store check no store", ["store", "check", str(tmp_path / "nothing")]),
        ("unknown command", ["frobnicate"]),
        ("unknown option", ["run", "trade", "--frobnicate"]),
        ("sweep unknown backend", ["sweep", str(tmp_path / "x.toml"), "--backend", "quantum"]),
    ]
    return cases


def test_bad_input_is_one_line_and_status_2_before_any_work(tmp_path, monkeypatch, capsys):
    for name in builtin_models():  # every simulation reports the case that reached it
        spec = get_model(name)
        monkeypatch.setitem(registry._REGISTRY, name, dataclasses.replace(
            spec, simulate=_refuse, simulate_batch=_refuse if spec.simulate_batch else None))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    cases = [case for model in sorted(builtin_models()) for case in parameter_cases(model)]
    cases += command_cases(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    clean, tracebacks, accepted, unclear = [], [], [], []
    for why, arguments in cases:
        try:
            cli.main(arguments)
            status = 0
        except SystemExit as stop:
            status = stop.code
        except Accepted:
            accepted.append(why)
            continue
        except Exception as error:  # what a user would see as a traceback
            tracebacks.append(f"{why}: {type(error).__name__}: {error}")
            continue
        lines = capsys.readouterr().err.strip().splitlines()
        if status == 2 and len(lines) == 1 and lines[0].startswith("polislab: error: "):
            clean.append(why)
        else:
            unclear.append(f"{why}: status {status}, stderr {lines[:3]}")
    print(f"fuzz: {len(cases)} tried, {len(clean)} clean, {len(tracebacks)} tracebacks, "
          f"{len(accepted)} silently accepted, {len(unclear)} other")
    assert len(cases) >= 150
    assert (tracebacks, accepted, unclear) == ([], [], [])
    assert list(work.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
