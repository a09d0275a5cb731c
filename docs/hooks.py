"""MkDocs hook: fills the pages' generated parts, so that no number or parameter in them is typed
in by hand.

    <!-- polislab:parameters MODEL -->   every parameter of MODEL (from its Params class)
    <!-- polislab:claims STUDY -->       the study's claims with our values and verdicts
    <!-- polislab:tables ENTRY -->       a catalog entry's tables
    <!-- polislab:figures STUDY -->      the study's figures, with what to see in each

Claims, tables and figures come from ``docs/data/report.json`` and ``docs/figures/``: the report
of a stored reproduction (``polislab reproduce --quick``, then ``python docs/refresh.py
reproduction``; the test suite fails when its claims no longer are the catalog's).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

MARKER = re.compile(r"<!-- polislab:(parameters|claims|tables|figures) ([\w-]+) -->")
REPORT = Path(__file__).parent / "data" / "report.json"


def on_page_markdown(markdown, page, config, files):
    if "<!-- polislab:" not in markdown:
        return markdown
    report = json.loads(REPORT.read_text())
    return MARKER.sub(lambda found: RENDER[found.group(1)](found.group(2), report), markdown)


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def parameters(model: str, report: dict) -> str:
    from polislab.core.params import describe_field
    from polislab.core.registry import get_model

    spec = get_model(model)
    rows = []
    for name in spec.params.model_fields:
        field = describe_field(spec.params, name)
        allowed = (" \\| ".join(f"`{choice}`" for choice in field["choices"]) if field["choices"] else
                   ", ".join(f"{k} {v}" for k, v in field["bounds"].items()) or field["type"])
        rows.append([f"`{name}`", f"`{field['default']}`", allowed, field["description"]])
    presets = ", ".join(f"`{name}`" for name in spec.presets) or "none"
    return _table(["parameter", "default", "allowed", "description"], rows) + f"\n\nPresets: {presets}."


def _provenance(report: dict) -> str:
    size = "`--quick`" if report["quick"] else "full-size"
    commit = f", commit {report['commit']}" if report["commit"] else ""
    return (f"From a stored {size} reproduction: polislab {report['version']}{commit}, {report['date']}, "
            f"{report['machine']}. `polislab reproduce` makes your own report, with figures.")


def claims(study: str, report: dict) -> str:
    found = [s for s in report["studies"] if s["name"] == study]
    if not found:
        raise KeyError(f"docs/data/report.json has no study '{study}'")
    rows = [[f"{c['source']}: {c['says']}", c["expected"], c["ours"], c["tolerance"],
             f"**{c['status']}**" + (f": {c['divergence']}" if c["divergence"] else "")]
            for entry in found[0]["entries"] for c in entry["claims"]]
    return _provenance(report) + "\n\n" + _table(["claim", "source value", "ours", "tolerance", "verdict"], rows)


def tables(entry: str, report: dict) -> str:
    for study in report["studies"]:
        for candidate in study["entries"]:
            if candidate["name"] == entry:
                return "\n\n".join(f"**{t['title']}**\n\n" + _table(t["header"], t["rows"])
                                   for t in candidate["tables"]) + "\n\n" + _provenance(report)
    raise KeyError(f"docs/data/report.json has no entry '{entry}'")


def figures(study: str, report: dict) -> str:
    found = [s for s in report["studies"] if s["name"] == study]
    if not found:
        raise KeyError(f"docs/data/report.json has no study '{study}'")
    shown = [f"![{f['name']}](../figures/{Path(f['path']).name})\n\n*{f['name']}: {f['description']}. "
             f"Look for: {f['see']}*" for entry in found[0]["entries"] for f in entry["figures"]]
    return "\n\n".join(shown) + "\n\n" + _provenance(report)


RENDER = {"parameters": parameters, "claims": claims, "tables": tables, "figures": figures}
