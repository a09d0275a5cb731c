"""The reproduction report: for each claim of a source, its value, ours, the tolerance and the
verdict, with the figures that support it beside it. Written as DIR/report.md and DIR/report.html
from the stored results (this module runs no simulation), through the Jinja2 templates in
``templates/``; the claims' and notes' Markdown is rendered by markdown-it-py. DIR/report.json
holds the same content for programs (the documentation's claim tables are drawn from one).

Verdicts (``polislab.experiments.catalog.Claim.status``): pass; known divergence (failed, and the
claim says why we differ from the source); fail; too few to judge (the sample cannot decide the
claim at its tolerance, whatever it shows).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from polislab.core import machine
from polislab.core.files import write_atomically
from polislab.core.version import VERSION
from polislab.experiments.catalog import DIVERGES, FAILS, PASS, STATUSES, TOO_FEW, Entry
from polislab.experiments.spec import smoke_sized
from polislab.experiments.store_reader import StoreReader
from polislab.figures import draw_figure, load_figures

CSS_CLASS = {PASS: "pass", DIVERGES: "divergence", FAILS: "fail", TOO_FEW: "too-few"}
CLAIM_HEADER = ["source", "it says", "source value", "ours", "tolerance", "verdict"]


@dataclass
class ClaimRow:
    entry: str
    source: str
    says: str
    expected: str
    ours: str
    tolerance: str
    status: str
    divergence: str

    @property
    def css(self) -> str:
        return CSS_CLASS[self.status]


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class FigureView:
    path: str  # relative to the report
    name: str
    description: str
    see: str


@dataclass
class EntrySection:
    name: str  # the catalog entry: the section's anchor
    title: str
    text: str
    claims: list[ClaimRow]
    tables: list[Table]
    figures: list[FigureView]


@dataclass
class StudySection:
    name: str
    entries: list[EntrySection]
    seconds: float | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def claims(self) -> list[ClaimRow]:
        return [claim for entry in self.entries for claim in entry.claims]


@dataclass
class ReportFiles:
    markdown: Path
    html: Path
    json: Path
    counts: dict[str, int]  # claims per verdict

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """'31 of 45 claims pass; 7 known divergences; 7 too few to judge': the counts that are not 0."""
        parts = [f"{self.counts[PASS]} of {self.total} claims pass"]
        parts += [f"{self.counts[status]} {name}" for status, name in
                  ((DIVERGES, "known divergences"), (FAILS, "fail"), (TOO_FEW, "too few to judge"))
                  if self.counts[status]]
        return "; ".join(parts)


def write_report(out: str | Path, chosen: list[Entry], quick: bool,
                 seconds: dict[str, float] | None = None) -> ReportFiles:
    """Evaluate the claims of ``chosen`` on the store at ``out``, draw the figures, write the report.
    ``seconds``: the wall time of each chosen entry's runs, where they were just run."""
    out = Path(out)
    store = StoreReader(out)
    figures = load_figures()
    names = {entry.name for entry in chosen}
    beside = {name: [f for f, view in sorted(figures.items()) if view.beside == name] for name in names}
    studies: dict[str, StudySection] = {}
    for entry in chosen:
        views = []
        for name in beside[entry.name]:
            path = draw_figure(name, out, out / "figures" / f"{name}.png", store)
            views.append(FigureView(os.path.relpath(path, out), name, figures[name].description, figures[name].see))
        section = EntrySection(entry.name, entry.title, _entry_text(entry, store, quick), _claims(entry, store),
                               [Table(*table) for table in entry.built_tables(store)], views)
        study = studies.setdefault(entry.study, StudySection(entry.study, [], None))
        study.entries.append(section)
        if seconds and entry.name in seconds:
            study.seconds = (study.seconds or 0.0) + seconds[entry.name]
    for study in studies.values():
        study.counts = {status: sum(c.status == status for c in study.claims) for status in STATUSES}
    counts = {status: sum(s.counts[status] for s in studies.values()) for status in STATUSES}
    context = dict(
        title="polislab reproduction report", quick=quick, smoke=smoke_sized(), version=VERSION, commit=_commit(),
        date=datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"), machine=machine.describe(),
        studies=list(studies.values()), counts=counts, statuses=STATUSES, css=CSS_CLASS,
        claim_header=CLAIM_HEADER, total_seconds=sum(seconds.values()) if seconds else None,
    )
    files = ReportFiles(out / "report.md", out / "report.html", out / "report.json", counts)
    context["summary"] = files.summary()
    environment = _templates()
    pages = {files.markdown: environment.get_template("report.md.j2").render(**context),
             files.html: environment.get_template("report.html.j2").render(**context),
             files.json: json.dumps(_document(context), indent=1) + "\n"}
    for path, text in pages.items():
        write_atomically(path, lambda temporary, text=text: temporary.write_text(text))
    return files


def _document(context: dict) -> dict:
    """The report as JSON: its header, counts and every study's entries, claims and tables."""
    keys = ("title", "quick", "smoke", "version", "commit", "date", "machine", "summary", "counts", "total_seconds")
    return {**{key: context[key] for key in keys},
            "studies": [asdict(study) for study in context["studies"]]}


def _entry_text(entry: Entry, store: StoreReader, quick: bool) -> str:
    spec = entry.spec_for(quick)
    stored = (len({key for s in entry.specs() for key in store.spec_runs(s).get("key", [])})
              if (store.directory / "runs").is_dir() else 0)  # a quick spec may share its runs with the full one
    return (f"Model `{spec.model}`" + (f", preset `{spec.preset}`" if spec.preset else "")
            + (f", grid {_grid(spec.grid)}" if spec.grid else "")
            + f"; {len(spec.run_seeds)} seeds in this run, {stored} runs stored. {entry.notes}").strip()


def _grid(grid: dict) -> str:
    return "; ".join(f"{name} = {', '.join(map(str, values))}" if len(values) <= 12 else
                     f"{name}: {len(values)} values" for name, values in grid.items())


def _claims(entry: Entry, store: StoreReader) -> list[ClaimRow]:
    rows = []
    for claim in entry.claims:
        verdict = claim.check(store)
        status = TOO_FEW if smoke_sized() else claim.status(verdict)  # smoke size judges nothing
        rows.append(ClaimRow(entry.name, claim.source, claim.says, claim.expected, verdict.ours, claim.tolerance,
                             status, claim.why() if status == DIVERGES else ""))
    return rows


def _commit() -> str:
    """The git commit of polislab's source, with '+ changes' when the tree differs from it; '' when
    polislab is not run from a git checkout."""
    source = Path(__file__).resolve().parents[3]
    if not (source / ".git").exists():
        return ""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=source, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=source,
                                 capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return commit + (" + changes" if changed else "")


def _templates():
    import jinja2
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark")
    environment = jinja2.Environment(loader=jinja2.PackageLoader("polislab.report", "templates"),
                                     autoescape=jinja2.select_autoescape(["html.j2"]),
                                     trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    environment.filters["markdown"] = lambda text: jinja2.filters.Markup(markdown.renderInline(str(text)))
    environment.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    environment.filters["duration"] = _duration
    return environment


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"
