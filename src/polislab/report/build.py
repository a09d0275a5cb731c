"""The reproduction report: for each claim of a source, its value, ours, the tolerance and the
verdict, with the figures beside them. Written as DIR/report.md and DIR/report.html from the
stored results (this module runs no simulation)."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

from polislab.core.files import write_atomically
from polislab.core.version import VERSION
from polislab.experiments.catalog import Entry
from polislab.experiments.store_reader import StoreReader
from polislab.figures import draw_figure, load_figures

CLAIM_HEADER = ["source", "it says", "source value", "ours", "tolerance", "verdict"]


@dataclass
class ReportFiles:
    markdown: Path
    html: Path
    passed: int
    total: int
    known: int  # failed checks whose claim documents why we differ from the source


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    title: str
    text: str
    tables: list[Table]
    figures: list[tuple[str, str]]  # (relative path, caption)


def write_report(out: str | Path, chosen: list[Entry], quick: bool) -> ReportFiles:
    """Evaluate the claims of ``chosen`` on the store at ``out``, draw figures, write the report."""
    out = Path(out)
    store = StoreReader(out)
    sections, passed, total, known = [], 0, 0, 0
    for entry in chosen:
        spec = entry.spec_for(quick)
        stored = sum(len(store.spec_runs(s).get("key", [])) for s in entry.specs()) if (out / "runs").is_dir() else 0
        text = (f"Model `{spec.model}`" + (f", preset `{spec.preset}`" if spec.preset else "")
                + (f", grid {spec.grid}" if spec.grid else "")
                + f"; {len(spec.seeds)} seeds in this run, {stored} runs stored. {entry.notes}")
        tables = []
        if entry.claims:
            rows = []
            for claim in entry.claims:
                verdict = claim.check(store)
                passed += verdict.passed
                total += 1
                explained = not verdict.passed and bool(claim.divergence)
                known += explained
                rows.append([claim.source, claim.says, claim.expected, verdict.ours, claim.tolerance,
                             "pass" if verdict.passed else f"differs: {claim.divergence}" if explained else "FAIL"])
            tables.append(Table("Claims", CLAIM_HEADER, rows))
        for make_table in entry.tables:
            tables.append(Table(*make_table(store)))
        sections.append(Section(entry.title, text.strip(), tables, []))
    studies = {entry.study for entry in chosen}
    figures = []
    for name, figure in sorted(load_figures().items()):
        if figure.study in studies:
            path = draw_figure(name, out, out / "figures" / f"{name}.png")
            figures.append((os.path.relpath(path, out), f"{name}: {figure.description}"))
    sections.append(Section("Figures", "Drawn from the stored runs.", [], figures))
    title = f"polislab {VERSION} reproduction report" + (" (--quick)" if quick else "")
    summary = f"{passed} of {total} checks passed" + (
        f"; {known} known divergences from the source, explained in their rows." if known else ".")
    markdown = out / "report.md"
    page = out / "report.html"
    for path, text in ((markdown, _markdown(title, summary, sections)), (page, _html(title, summary, sections))):
        write_atomically(path, lambda temporary: temporary.write_text(text))
    return ReportFiles(markdown, page, passed, total, known)


def _markdown(title: str, summary: str, sections: list[Section]) -> str:
    lines = [f"# {title}", "", summary, ""]
    for section in sections:
        lines += [f"## {section.title}", "", section.text, ""]
        for table in section.tables:
            lines += [f"**{table.title}**", "", "| " + " | ".join(table.header) + " |",
                      "|" + "---|" * len(table.header)]
            lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table.rows]
            lines.append("")
        for path, caption in section.figures:
            lines += [f"![{caption}]({path})", "", f"*{caption}*", ""]
    return "\n".join(lines)


STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
th{background:#f3f3f3}.pass{color:#176b1b;font-weight:bold}.FAIL{color:#b00020;font-weight:bold}
img{max-width:100%}figure{margin:1.5em 0}figcaption{color:#555;font-style:italic}"""


def _html(title: str, summary: str, sections: list[Section]) -> str:
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title>",
             f"<style>{STYLE}</style></head><body><h1>{e(title)}</h1><p>{e(summary)}</p>"]
    for section in sections:
        parts.append(f"<h2>{e(section.title)}</h2><p>{e(section.text)}</p>")
        for table in section.tables:
            parts.append(f"<table><caption>{e(table.title)}</caption><tr>")
            parts.append("".join(f"<th>{e(cell)}</th>" for cell in table.header) + "</tr>")
            for row in table.rows:
                cells = "".join(f"<td class='{e(cell)}'>{e(cell)}</td>" for cell in row)
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</table>")
        for path, caption in section.figures:
            parts.append(f"<figure><img src='{e(path)}' alt='{e(caption)}'><figcaption>{e(caption)}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts)
