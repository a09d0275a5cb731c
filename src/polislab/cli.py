"""Layer 6: the ``polislab`` command line (DESIGN.md, The command line). Thin: parse, call, print.

Bad input of any kind prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from polislab.core.errors import UsageError
from polislab.core.files import check_output_file, check_output_folder
from polislab.core.version import VERSION

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="polislab: numerical experiments on simulated societies of learning agents.",
)


def _fail(message: str, status: int = 2) -> None:
    print(f"polislab: error: {message}", file=sys.stderr)
    raise SystemExit(status)


def _path(text: str | None, option: str) -> Path | None:
    """An option's path; an empty one (``--out ''``) is refused rather than read as the current folder."""
    if text is None:
        return None
    if not text.strip():
        raise UsageError(f"{option} is empty; allowed: a path")
    return Path(text)


def _assignments(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set {pair!r} is not NAME=VALUE")
        values[name.strip()] = text
    return values


@app.command()
def models(
    name: Annotated[Optional[str], typer.Argument(help="one model (default: every model)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List every model (or one) with its parameters, bounds, defaults and presets."""
    from polislab.core.jsonable import jsonable
    from polislab.core.params import describe_field
    from polislab.core.registry import get_model, model_names

    catalogue = []
    for model_name in [name] if name is not None else model_names():
        spec = get_model(model_name)  # an unknown name: one line naming the models there are
        catalogue.append({
            "name": model_name,
            "summary": spec.summary,
            "presets": {key: jsonable(dict(values)) for key, values in spec.presets.items()},
            "parameters": [jsonable(describe_field(spec.params, field)) for field in spec.params.model_fields],
        })
    if as_json:
        print(json.dumps(catalogue, indent=2))
        return
    for model in catalogue:
        rows = [(field["name"], str(field["default"]),
                 " | ".join(map(str, field["choices"] or []))
                 or " ".join(f"{k} {v}" for k, v in field["bounds"].items()) or str(field["type"]),
                 field["description"]) for field in model["parameters"]]
        presets = f"presets: {', '.join(model['presets']) or 'none'}"
        if sys.stdout.isatty():
            _print_table(f"{model['name']}: {model['summary']}", ("parameter", "default", "allowed", "description"),
                         rows, presets)
        else:  # piped: one line per parameter, nothing wrapped (--json is the format for programs)
            print(f"{model['name']}: {model['summary']}")
            for parameter, default, allowed, description in rows:
                print(f"  {parameter} = {default}  [{allowed}]  {description}")
            print(f"  {presets}\n")


def _print_table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], footer: str) -> None:
    """A terminal table that wraps only between words (long words are folded, never cut)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for index, column in enumerate(columns):
        table.add_column(column, no_wrap=index < len(columns) - 1 and column != "allowed", overflow="fold")
    for row in rows:
        table.add_row(*row)
    console = Console()
    console.print(table)
    console.print(f"{footer}\n")


@app.command()
def run(
    model: Annotated[str, typer.Argument(help="model name (see polislab models)")],
    assignments: Annotated[list[str], typer.Option("--set", help="NAME=VALUE, any parameter")] = [],
    preset: Annotated[Optional[str], typer.Option(help="a preset of the model")] = None,
    seed: Annotated[int, typer.Option(help="seed of the first replicate")] = 0,
    replicates: Annotated[int, typer.Option(help="replicates, seeds seed, seed+1, ...")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object, nothing else")] = False,
    out: Annotated[Optional[str], typer.Option(help="store the runs in this results directory")] = None,
    plot: Annotated[Optional[str], typer.Option(help="draw the series of the runs to this file")] = None,
) -> None:
    """Run a model, print its metrics (and a summary over replicates)."""
    from polislab.core.progress import progress_bar, wants_progress
    from polislab.core.registry import get_model
    from polislab.core.seeding import replicate_seeds
    from polislab.experiments.runner import run_replicates, summarize

    spec = get_model(model)
    params = spec.make_params(preset=preset, texts=_assignments(assignments))
    seeds = replicate_seeds(seed, replicates)
    out, plot = _path(out, "--out"), _path(plot, "--plot")
    if out is not None:
        check_output_folder(out, "--out")
    if plot is not None:
        from polislab.figures import figure_suffixes

        check_output_file(plot, "--plot", figure_suffixes())
    with progress_bar(f"{model}", wants_progress(as_json)) as progress:
        results = run_replicates(spec, params, seeds, progress=progress)
    if out is not None:
        from polislab.experiments.store import write_result

        for result in results:
            write_result(out, result)
    document = summarize(model, params, results)
    if as_json:
        print(json.dumps(document))
    else:
        _print_summary(document)
    if plot is not None:  # after the results are printed (and stored): a plot that cannot be drawn loses nothing
        from polislab.figures.series import plot_series

        plot_series(results, plot)


def _print_summary(document: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{document['model']} ({len(document['seeds'])} replicates)", title_justify="left")
    for column in ("metric", "mean", "std", "n"):
        table.add_column(column)
    for name, stats in document["summary"].items():
        table.add_row(name, f"{stats['mean']:.6g}", f"{stats['std']:.3g}", str(stats["n"]))
    Console().print(table)


@app.command()
def sweep(
    spec_file: Annotated[Path, typer.Argument(metavar="SPEC.toml", help="experiment spec")],
    backend: Annotated[str, typer.Option(help="serial | process | ray")] = "process",
    address: Annotated[Optional[str], typer.Option(help="Ray cluster address (backend ray)")] = None,
    workers: Annotated[Optional[int], typer.Option(help="worker processes (default: all cores)")] = None,
    out: Annotated[str, typer.Option(help="results directory")] = "results",
    dashboard: Annotated[bool, typer.Option(help="backend ray: start Ray's dashboard (off by default)")] = False,
) -> None:
    """Run every point and seed of a spec not yet stored in OUT (resumes after interruption)."""
    from polislab.core.progress import progress_bar, wants_progress
    from polislab.experiments.spec import load_spec
    from polislab.experiments.sweep import run_sweep

    spec = load_spec(spec_file)
    if workers is not None and workers < 1:
        raise UsageError(f"--workers {workers} is not allowed: at least 1")
    out = check_output_folder(_path(out, "--out"), "--out")
    with progress_bar(f"sweep {spec.name}", wants_progress()) as progress:
        summary = run_sweep(spec, out, backend=backend, workers=workers, address=address, progress=progress,
                            dashboard=dashboard)
    others = summary.total - summary.already_stored - summary.ran
    by_others = f", {others} by another sweep" if others else ""
    print(f"{summary.total} runs: {summary.already_stored} already stored, {summary.ran} ran{by_others}; "
          f"results in {out}")


@app.command()
def figure(
    name: Annotated[str, typer.Argument(help="figure name (polislab figure list)")],
    source: Annotated[Optional[str], typer.Option("--from", help="results directory")] = None,
    out: Annotated[Optional[str], typer.Option(help="output file (.png, .pdf, .svg)")] = None,
) -> None:
    """Draw a named figure from stored results ('list' names them)."""
    from polislab.figures import draw_figure, figure_suffixes, load_figures

    if name == "list":
        for figure_name, entry in sorted(load_figures().items()):
            print(f"{figure_name}: {entry.description}")
        return
    if source is None:
        raise UsageError("--from DIR is required: the results directory to draw from")
    source = _path(source, "--from")
    out = check_output_file(_path(out, "--out") or Path(f"{name}.png"), "--out", figure_suffixes())
    path = draw_figure(name, source, out)
    print(f"wrote {path}")


@app.command()
def reproduce(
    quick: Annotated[bool, typer.Option(help="the small version (about 7 minutes on 2 cores)")] = False,
    smoke: Annotated[bool, typer.Option(help="a tiny run of every entry (about a minute): checks the wiring, "
                                            "judges nothing")] = False,
    only: Annotated[Optional[str], typer.Option(help="only this study")] = None,
    out: Annotated[str, typer.Option(help="results and report directory")] = "reproduction",
    backend: Annotated[str, typer.Option(help="serial | process | ray")] = "process",
) -> None:
    """Run the catalog, draw the figures, write OUT/report.md and OUT/report.html."""
    from contextlib import nullcontext

    from polislab.experiments.reproduce import run_catalog
    from polislab.experiments.spec import smoke_size
    from polislab.report.build import write_report

    out = check_output_folder(_path(out, "--out"), "--out")
    with smoke_size() if smoke else nullcontext():
        chosen, seconds = run_catalog(out, quick=quick or smoke, only=only, backend=backend)
        print("writing the report: every claim, table and figure from the stored runs", file=sys.stderr, flush=True)
        report = write_report(out, chosen, quick=quick or smoke, seconds=seconds)
    print(f"report: {report.markdown} and {report.html} ({report.summary()})")


store_app = typer.Typer(help="Check a results store for damaged runs, or set them aside to run again.",
                        no_args_is_help=True)
app.add_typer(store_app, name="store")


def _existing_store(directory: Path) -> Path:
    if not (directory / "runs").is_dir():
        raise UsageError(f"{directory} is not a results store (no runs/ folder); allowed: a folder polislab wrote")
    return directory


def _print_check(directory: Path, found, verb: str) -> None:
    for key, reason in found.damaged.items():
        print(f"damaged  {key}: {reason}")
    for path in found.orphans:
        print(f"orphaned {path.relative_to(directory)}: no run file")
    for path in found.partial:
        print(f"partial  {path.relative_to(directory)}: left by a writer that stopped")
    print(f"{found.runs} runs: {len(found.damaged)} damaged, {len(found.orphans)} orphaned files, "
          f"{len(found.partial)} partial files{verb}")


@store_app.command("check")
def store_check(directory: Annotated[Path, typer.Argument(help="results directory")]) -> None:
    """Verify every run's checksums; list damaged, orphaned and partial files (exit 1 if any)."""
    from polislab.experiments import store

    found = store.check(_existing_store(directory))
    _print_check(directory, found, "" if found.clean else "; 'polislab store repair' sets them aside")
    if not found.clean:
        raise typer.Exit(1)


@store_app.command("repair")
def store_repair(directory: Annotated[Path, typer.Argument(help="results directory")]) -> None:
    """Move damaged runs, orphaned and partial files into DIR/damaged/ (nothing is deleted); a
    sweep or reproduce into DIR then runs the damaged runs again."""
    from polislab.experiments import store

    found = store.repair(_existing_store(directory))
    _print_check(directory, found, f"; set aside in {directory / store.DAMAGED}" if not found.clean else "")


@app.command()
def view(
    model: Annotated[Optional[str], typer.Argument(help="model to watch (see polislab models)")] = None,
    assignments: Annotated[list[str], typer.Option("--set", help="NAME=VALUE, any parameter")] = [],
    preset: Annotated[Optional[str], typer.Option(help="a preset of the model")] = None,
    seed: Annotated[int, typer.Option(help="seed of the run")] = 1,
    store: Annotated[Optional[str], typer.Option("--store", help="results directory to browse")] = None,
    host: Annotated[str, typer.Option(help="address to serve on (127.0.0.1: this machine only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to serve on (0: any free one)")] = 8765,
) -> None:
    """Watch a model run in the browser, and/or browse the runs of a store (prints the URL)."""
    from polislab.core.registry import get_model
    from polislab.core.seeding import check_seed
    from polislab.view.app import create_app
    from polislab.view.server import Server, bind
    from polislab.view.session import Settings

    if model is None and store is None:
        raise UsageError("name a model to watch (polislab view MODEL) or a store to browse (--store DIR)")
    spec = get_model(model) if model is not None else None
    settings = Settings(preset, _assignments(assignments), seed)
    if spec is not None:  # bad parameters are refused before anything starts
        spec.make_params(preset=preset, texts=settings.texts)
        check_seed(seed)
    directory = _path(store, "--store")
    if directory is not None and not (directory / "runs").is_dir():
        raise UsageError(f"--store {directory}: no stored runs there; allowed: a results directory "
                         "(polislab reproduce --out DIR, polislab sweep --out DIR, polislab run --out DIR)")
    sock = bind(host, port)  # a taken port is refused before the model is built
    app = create_app(spec, settings, directory)
    server = Server(app, sock)
    print(f"polislab view: {server.url} (Ctrl-C stops)", flush=True)
    server.run()


@app.command()
def version() -> None:
    """Print the polislab version."""
    print(VERSION)


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage errors (ours and the parser's) become one line and exit status 2."""
    from polislab.core.memory import retain_freed_memory

    retain_freed_memory()
    try:
        status = app(args=argv, standalone_mode=False)  # a command's typer.Exit(n) comes back as n
    except UsageError as error:
        _fail(str(error))
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        where = f" writing {error.filename}" if error.filename else ""
        _fail(f"no space left on the disk{where}: every run stored before is intact (results are written whole or "
              "not at all); free space and run again, and a sweep resumes where it stopped", status=1)
    except (typer.Exit, typer.Abort) as stop:
        raise SystemExit(getattr(stop, "exit_code", 1)) from None
    except Exception as error:  # the parser's own errors: click, or the click typer vendors
        kind = type(error).__name__
        if kind == "NoArgsIsHelpError":
            context = getattr(error, "ctx", None)
            print(context.get_help() if context else "", file=sys.stderr)
            raise SystemExit(2) from None
        if hasattr(error, "format_message") and hasattr(error, "exit_code"):
            _fail(error.format_message().replace("\n", " "))
        raise
    if isinstance(status, int) and status:
        raise SystemExit(status)
