"""Draw docs/images/view.png, the README's picture of ``polislab view``: a coevolution run of 500
nodes watched in headless chromium for a few seconds (needs Debian's chromium).

    python docs/view_screenshot.py
"""

import shutil
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from polislab.core.registry import get_model
from polislab.view.app import create_app
from polislab.view.server import Server, bind
from polislab.view.session import Settings

OUT = Path(__file__).parent / "images" / "view.png"
VALUES = {"n": "500", "k": "4", "beta": "0.05", "temptation": "1.4", "sucker": "-0.2", "w": "1", "steps": "1e8",
          "cooperators": "0.5"}


def main() -> None:
    server = Server(create_app(get_model("coevolution"), Settings(None, VALUES, 3), None), bind("127.0.0.1", 0)).start()
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=[
        "--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader", "--ignore-gpu-blocklist"])
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.goto(server.url)
        page.wait_for_function("polislabView.graphKey !== ''")
        page.evaluate("document.getElementById('speed').value = 3; document.getElementById('speed').oninput()")
        page.click("#play")
        time.sleep(4)
        page.click("#pause")
        time.sleep(1)
        OUT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(OUT))
        print(f"wrote {OUT}")
    finally:
        browser.close()
        playwright.stop()
        server.stop()


if __name__ == "__main__":
    main()
