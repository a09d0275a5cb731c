"""``polislab view`` end to end in a real browser: Debian's chromium, headless (WebGL in software),
driven by Playwright. Play, see the counter and a chart advance, change a parameter, reset, step
once, screenshot the page and check it is not blank; the store browser lists runs, filters them
and draws a figure. No console errors anywhere."""

import io
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager

import numpy as np
import pytest

from polislab.core.registry import get_model
from polislab.view.app import create_app
from polislab.view.server import Server, bind
from polislab.view.session import Settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="no chromium here (.ci/run installs it; under CI these tests run)")
WEBGL = ["--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader", "--ignore-gpu-blocklist"]


@contextmanager
def served(model=None, settings=None, store=None):
    server = Server(create_app(get_model(model) if model else None, settings, store), bind("127.0.0.1", 0)).start()
    try:
        yield server.url
    finally:
        server.stop()


@contextmanager
def browser_page():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None, "chromium is not installed (apt-get install chromium)"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=WEBGL)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page, errors
    finally:
        browser.close()
        playwright.stop()


def header(page, field):
    return page.evaluate(f"polislabView.header && polislabView.header.{field}")


def not_blank(png: bytes) -> float:
    """The spread of the screenshot's pixel values (0 for a page of one colour)."""
    from PIL import Image

    return float(np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float).std())


def test_play_change_reset_step_in_a_real_browser():
    settings = Settings(None, {"n": "300", "graph": "random-regular", "k": "4", "updates": "1e10",
                               "stop_at_consensus": "no"}, 1)
    with served("opinion", settings) as url, browser_page() as (page, errors):
        page.goto(url)
        page.wait_for_function("polislabView.frames > 0")
        assert page.locator("#parameters .row").count() == len(get_model("opinion").params.model_fields)
        page.click("#play")
        page.wait_for_function("polislabView.header.done > 100000 && polislabView.x.length >= 3")
        counter = page.inner_text("#counter")
        assert "/ 10,000,000,000 updates" in counter
        page.wait_for_function(f"document.getElementById('counter').textContent !== {counter!r}")  # it advances
        chart = page.locator('.chart[data-series="plus_share"]')
        assert chart.count() == 1 and page.evaluate("polislabView.series.plus_share.length") >= 3
        page.wait_for_function("polislabView.graphKey !== ''")  # the graph is drawn (cosmos.gl, WebGL)
        assert page.evaluate("polislabView.graph.graph.pointsNumber") == 300
        page.click("#pause")
        page.wait_for_function("!polislabView.header.playing")
        page.fill('#parameters input[data-name="n"]', "120")
        page.dispatch_event('#parameters input[data-name="n"]', "input")
        assert page.locator("#reset.pending").count() == 1 and page.is_visible("#pending")
        page.click("#reset")
        page.wait_for_function("polislabView.header.generation === 1")
        assert header(page, "done") == 0 and header(page, "params.n") == 120 and header(page, "params.k") == 4
        page.wait_for_function("polislabView.graphKey.endsWith(':120:force')")
        page.click("#step")
        page.wait_for_function("polislabView.header.done > 0")
        assert not header(page, "playing")
        page.wait_for_timeout(300)
        assert not_blank(page.screenshot()) > 10
        page.fill('#parameters input[data-name="n"]', "-5")
        page.click("#reset")
        page.wait_for_selector("#error:not([hidden])")
        assert "parameter 'n' of model opinion" in page.inner_text("#error")
        assert header(page, "generation") == 1  # refused; the run stays
        assert errors == []


@pytest.mark.parametrize("model, values, kind", [
    ("coevolution", {"n": "200", "k": "4", "steps": "1e9", "temptation": "1.1", "sucker": "-0.1"}, "graph"),
    ("echochamber", {"n": "40", "steps": "1e8"}, "images"),
    ("platform", {"n": "300", "days": "1000", "follows": "10", "max_follows": "20"}, "graph"),
    ("feudalism", {"agents": "100", "turns": "1e9"}, "graph"),
    ("trade", {"encounters": "1e10"}, "none"),
    ("oracle", {"steps": "200"}, "none"),  # no live run: a replay
])
def test_every_kind_of_picture_draws_without_errors(model, values, kind):
    with served(model, Settings(None, values, 1)) as url, browser_page() as (page, errors):
        page.goto(url)
        page.click("#play")
        page.wait_for_function("polislabView.header && polislabView.header.done > 0 && polislabView.x.length >= 2",
                               timeout=60_000)
        assert page.evaluate("polislabView.header.picture.kind") == kind
        if kind == "images":
            assert page.locator("#picture canvas[data-image]").count() == 3  # beliefs, evidence, listen matrix
        if kind == "graph":
            page.wait_for_function("polislabView.graphKey !== ''")
        assert page.locator(".chart").count() >= 1
        assert errors == []


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The oracle study at smoke size: a store with runs of the catalog, whose figures can be drawn."""
    out = tmp_path_factory.mktemp("store")
    done = subprocess.run([sys.executable, "-m", "polislab", "reproduce", "--smoke", "--only", "oracle", "--backend",
                           "serial", "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out


def test_the_store_browser_lists_filters_and_draws_a_figure(store):
    with served(store=store) as url, browser_page() as (page, errors):
        page.goto(url)
        page.wait_for_function("polislabStore.runs && !polislabStore.runs.reading && polislabStore.figures.length > 0")
        total = page.evaluate("polislabStore.runs.total")
        assert total > 0 and page.locator("#runs tbody tr").count() == total
        page.select_option("#model", "oracle")
        page.wait_for_function("polislabStore.runs.columns.includes('final_loss') || "
                               "polislabStore.runs.columns.length > 4")
        key = page.evaluate("polislabStore.runs.rows[1][0]")
        page.fill("#filter", f"key={key}")
        page.click("#filters button[type=submit]")
        page.wait_for_function("polislabStore.runs.total === 1")
        assert page.evaluate("polislabStore.runs.rows[0][0]") == key and page.locator("#runs tbody tr").count() == 1
        page.locator("#figures button").first.click()
        page.wait_for_function("polislabStore.drawn !== null", timeout=60_000)
        assert page.evaluate("document.getElementById('figure').naturalWidth") > 100
        assert errors == []
