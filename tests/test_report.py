"""The reproduction report end to end: a smoke-size run of every catalog entry through the command
line (the wiring of every spec, claim, table and figure), and the pages checked in a real browser
(Debian's chromium, headless, driven by Playwright): no broken image, no console error, summary
counts equal to the verdicts below them, every verdict cell coloured as its verdict."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from polislab.core.stats import trials_for_half_width, trials_to_exceed, wilson_interval
from polislab.experiments.catalog import DIVERGES, FAILS, PASS, STATUSES, TOO_FEW, Claim, Entry, Verdict, entries
from polislab.experiments.spec import Spec
from polislab.figures import load_figures
from polislab.report.build import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_a_smoke_reproduction_runs_every_entry_and_reports_every_claim_as_too_few(tmp_path):
    """One test, so that one worker makes the report (the serial backend: tiny runs gain nothing
    from a process pool, whose wiring test_sweep checks), and checks it in a real browser."""
    out = tmp_path / "reproduction"
    done = subprocess.run([sys.executable, "-m", "polislab", "reproduce", "--smoke", "--backend", "serial",
                           "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    catalog = entries()
    for number, entry in enumerate(catalog, 1):  # piped: a line per entry started and finished
        assert f"[{number}/{len(catalog)}] {entry.name}: started" in done.stderr
        assert re.search(rf"\[{number}/{len(catalog)}\] {re.escape(entry.name)}: \d+ runs in \d+ s", done.stderr)
    claims = sum(len(entry.claims) for entry in catalog)
    assert f"0 of {claims} claims pass; {claims} too few to judge" in done.stdout
    html = (out / "report.html").read_text()
    for name in load_figures():
        assert (out / "figures" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="figures/{name}.png"' in html
    assert "`" not in re.sub(r"<[^>]+>", "", html.split("</style>")[1])  # Markdown rendered, no stray backticks
    markdown = (out / "report.md").read_text()
    assert markdown.count("**too few to judge**") == claims
    if CHROMIUM is None and not os.environ.get("CI"):
        return  # no browser here (.ci/run installs one; under CI a missing browser fails)
    found = _check_page(out / "report.html", len(load_figures()))
    assert found["summary"] == {status: found["below"].get(status, 0) for status in STATUSES}
    for status, colours in found["colours"].items():
        assert colours == [found["legend"][status]]


def test_a_quick_study_passes_its_claims_and_its_figures_draw_from_the_store(tmp_path):
    """The oracle study at --quick size (15 s): its claims decided and passed, its report and a
    figure drawn from the store by the figure command."""
    out = tmp_path / "reproduction"
    done = subprocess.run([sys.executable, "-m", "polislab", "reproduce", "--quick", "--only", "oracle", "--backend",
                           "serial", "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "(5 of 5 claims pass)" in done.stdout
    figure = subprocess.run([sys.executable, "-m", "polislab", "figure", "oracle-loss", "--from", str(out),
                             "--out", str(tmp_path / "loss.svg")], capture_output=True, text=True)
    assert figure.returncode == 0 and (tmp_path / "loss.svg").stat().st_size > 5_000


def _entry(name: str, verdicts: list[tuple[Verdict, str]]) -> Entry:
    claims = tuple(Claim("seed 999, 1", f"claim `{index}`", "x", "tolerance", lambda store, v=verdict: v,
                         divergence=divergence) for index, (verdict, divergence) in enumerate(verdicts))
    return Entry(study=name.split("-")[0], name=name, title=f"Entry {name}", quick_seeds=1, claims=claims,
                 spec=Spec(model="trade", seeds=[0], name=name, params={"encounters": 1000}))


def test_each_verdict_has_its_own_status_whatever_its_text(tmp_path):
    chosen = [_entry("alpha-one", [(Verdict("passes", True), ""), (Verdict("too few to pass a heuristic", False),
                                                                     "we differ because of X")]),
              _entry("beta-two", [(Verdict("pass", False), ""), (Verdict("3 of 3", True, decided=False), "")])]
    report = write_report(tmp_path, chosen, quick=True)
    assert report.counts == {PASS: 1, DIVERGES: 1, FAILS: 1, TOO_FEW: 1}
    html = report.html.read_text()
    cells = re.findall(r'<td class="verdict ([\w-]+)" data-status="([^"]+)">([^<]*)', html)
    assert [(css, status) for css, status, _ in cells][-4:] == [
        ("pass", PASS), ("divergence", DIVERGES), ("fail", FAILS), ("too-few", TOO_FEW)]
    assert "<code>0</code>" in html and "claim `0`" not in html


def test_the_sample_sizes_that_can_decide_a_proportion_worked_by_hand():
    # all successes in 3 trials: Wilson's lower bound 0.438 < 0.5; in 4: 0.510 > 0.5
    assert wilson_interval(3, 3)[0] < 0.5 < wilson_interval(4, 4)[0]
    assert trials_to_exceed(0.5) == 4
    width = trials_for_half_width(0.15)
    low, high = wilson_interval(width // 2, width)
    before_low, before_high = wilson_interval((width - 1) // 2, width - 1)
    assert (high - low) / 2 <= 0.15 < (before_high - before_low) / 2


needs_browser = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                   reason="no chromium here (.ci/run installs it; under CI this test runs)")


def _open(page_path: Path):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None, "chromium is not installed (apt-get install chromium)"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_path.resolve().as_uri())
    page.wait_for_load_state("load")
    return playwright, browser, page, errors


VERDICTS_AND_SUMMARY = """() => {
  const summary = {}, below = {}, colours = {}, legend = {};
  for (const cell of document.querySelectorAll('table.summary tfoot th[data-status]'))
    summary[cell.dataset.status] = Number(cell.textContent);
  for (const cell of document.querySelectorAll('section.study td.verdict')) {
    below[cell.dataset.status] = (below[cell.dataset.status] || 0) + 1;
    (colours[cell.dataset.status] = colours[cell.dataset.status] || new Set()).add(getComputedStyle(cell).backgroundColor);
  }
  for (const span of document.querySelectorAll('.legend span'))
    legend[span.textContent.trim()] = getComputedStyle(span).backgroundColor;
  const shown = {};
  for (const key in colours) shown[key] = [...colours[key]];
  return {summary, below, colours: shown, legend};
}"""


def _check_page(page_path: Path, figures: int):
    playwright, browser, page, errors = _open(page_path)
    try:
        for image in page.locator("img").all():  # lazy images: bring each into view, then wait for it
            image.scroll_into_view_if_needed()
        page.wait_for_function("[...document.images].every(image => image.complete)")
        broken = page.evaluate("[...document.images].filter(image => image.naturalWidth === 0).map(i => i.src)")
        assert page.locator("img").count() == figures and broken == []
        found = page.evaluate(VERDICTS_AND_SUMMARY)
        assert errors == []
        return found
    finally:
        browser.close()
        playwright.stop()


@needs_browser
def test_every_verdict_is_coloured_as_its_verdict_in_a_real_browser(tmp_path):
    chosen = [_entry("alpha-one", [(Verdict("pass", True), ""), (Verdict("fail", False), "why")]),
              _entry("beta-two", [(Verdict("pass", False), ""), (Verdict("3", True, decided=False), ""),
                                  (Verdict("ok", True), "")])]
    write_report(tmp_path, chosen, quick=False)
    found = _check_page(tmp_path / "report.html", 0)
    assert found["summary"] == found["below"] | {s: 0 for s in STATUSES if s not in found["below"]}
    assert found["summary"] == {PASS: 2, DIVERGES: 1, FAILS: 1, TOO_FEW: 1}
    assert len({colours[0] for colours in found["colours"].values()}) == 4
    for status, colours in found["colours"].items():
        assert colours == [found["legend"][status]]
