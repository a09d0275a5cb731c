"""The documentation: it builds with MkDocs with warnings as errors, every model and study has its
generated parameters and claims, the stored reproduction the pages quote still has the catalog's
claims, and every DuckDB example in the pages runs."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from polislab.core.registry import builtin_models
from polislab.experiments.catalog import entries, studies

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").rglob("*.md"))


def test_the_documentation_builds_without_warnings(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr
    oracle = (tmp_path / "site" / "studies" / "oracle" / "index.html").read_text()
    assert "<code>runs</code>" in oracle and "counterfactual" in oracle  # parameters and claims filled in


def test_every_model_and_study_has_its_generated_parameters_and_claims():
    text = "\n".join(page.read_text() for page in PAGES)
    for model in builtin_models():
        assert f"<!-- polislab:parameters {model} -->" in text
    for study in studies():
        assert f"<!-- polislab:claims {study} -->" in text and f"<!-- polislab:figures {study} -->" in text


def test_the_stored_reproduction_the_pages_quote_has_the_catalogs_claims():
    """docs/data/report.json: refresh it (polislab reproduce --quick; copy report.json) when this fails."""
    report = json.loads((ROOT / "docs" / "data" / "report.json").read_text())
    stored = {entry["name"]: [(c["source"], c["says"], c["expected"], c["tolerance"]) for c in entry["claims"]]
              for study in report["studies"] for entry in study["entries"]}
    catalog = {entry.name: [(c.source, c.says, c.expected, c.tolerance) for c in entry.claims] for entry in entries()}
    assert stored == catalog
    assert report["quick"] and not report["smoke"]
    shown = {Path(f["path"]).name for study in report["studies"] for entry in study["entries"] for f in entry["figures"]}
    assert shown == {path.name for path in (ROOT / "docs" / "figures").glob("*.png")}


def store_examples(page: Path) -> list[str]:
    return [code for code in re.findall(r"```python\n(.*?)```", page.read_text(), re.S) if "store.open" in code]


def test_the_readme_and_the_store_page_have_store_examples():
    assert store_examples(ROOT / "README.md") and store_examples(ROOT / "docs" / "running.md")


@pytest.mark.parametrize("page", [page for page in [ROOT / "README.md", *PAGES] if store_examples(page)],
                         ids=lambda page: page.name)
def test_the_duckdb_examples_run_on_a_store(page, tmp_path, monkeypatch):
    """Each Python example that opens a store, run as written on a small store at the path it names."""
    from polislab import get_model
    from polislab.experiments import store

    blocks = store_examples(page)
    echo, platform = get_model("echochamber"), get_model("platform")
    results = echo.run(echo.make_params({"steps": 50, "n": 8}), [0, 1])
    events = platform.run(platform.make_params({"n": 60, "days": 2, "follows": 5, "events": True}), [0, 1])
    for block in blocks:
        path = re.search(r'store\.open\("([^"]+)"\)', block).group(1)
        logged = re.search(r"FROM (likes|posts|follows)\b", block)  # the platform's event tables
        for result in events if logged else results:
            store.write_result(tmp_path / path, result)
        monkeypatch.chdir(tmp_path)
        exec(compile(block, str(page), "exec"), {})


def _heading_anchors(page: Path) -> set[str]:
    """The anchors MkDocs gives a page's headings (python-markdown's toc slugify)."""
    anchors = set()
    for line in page.read_text().splitlines():
        if line.startswith("#"):
            text = line.lstrip("#").strip()
            slug = re.sub(r"[^\w\s-]", "", text).strip().lower()
            anchors.add(re.sub(r"[-\s]+", "-", slug))
    return anchors


def test_every_known_divergence_points_at_the_docs_section_that_explains_it():
    """A claim that says why we differ from its source names the docs section that explains it
    (issue 27), and that page and heading exist."""
    docs = ROOT / "docs"
    for entry in entries():
        for claim in entry.claims:
            if not claim.divergence:
                continue
            assert claim.explained_in, f"{entry.name}: '{claim.says[:40]}' has a divergence but no explained_in"
            page, _, anchor = claim.explained_in.partition("#")
            assert (docs / page).is_file(), f"{entry.name}: no docs page {page}"
            assert anchor in _heading_anchors(docs / page), f"{entry.name}: no heading #{anchor} in {page}"
            assert "Explained in docs/" in claim.why()
