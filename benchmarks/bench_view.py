"""The live view (issue 26): frames per second and the kernel's speed with the view and without.

For each size, a run plays for a few seconds three ways and its wall-clock speed (units run per
second of wall time) is measured:
- without the view: the session plays and nobody asks for frames;
- with a client that takes frames as fast as it can decode them (Python, over the websocket):
  what the server side costs the kernel;
- with the page in a real browser: Debian's chromium, headless, WebGL in software (SwiftShader,
  no GPU), on the same cores as the kernel: the worst case, not a desktop with a graphics card.
Goals (issue 26): at 10^4 nodes at least 10 frames/s with the kernel at >= 80% of its speed
without the view; at 10^5 nodes responsive (a sample of 20,000 nodes drawn).

    python benchmarks/bench_view.py [--seconds 5] [--no-browser]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import time

from polislab.core.registry import get_model
from polislab.view.app import create_app
from polislab.view.server import Server, bind
from polislab.view.session import Settings

CASES = [
    ("opinion", "10^4 agents, random regular k = 4", {"n": "10000", "graph": "random-regular", "k": "4",
                                                      "updates": "1e13", "stop_at_consensus": "no"}),
    ("opinion", "10^5 agents, random regular k = 4", {"n": "100000", "graph": "random-regular", "k": "4",
                                                      "updates": "1e13", "stop_at_consensus": "no"}),
    ("trade", "100 traders (series only)", {"encounters": "1e11", "stable_encounters": "0"}),
]
WEBGL = ["--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader", "--ignore-gpu-blocklist"]


def played(session, seconds: float) -> float:
    """Wall-clock units per second of the session while it plays for ``seconds``."""
    session.command({"action": "play"})
    time.sleep(0.5)  # the chunk size settles
    start, before = time.perf_counter(), session.run.done
    time.sleep(seconds)
    rate = (session.run.done - before) / (time.perf_counter() - start)
    session.command({"action": "pause"})
    return rate


async def _client(url: str, seconds: float) -> int:
    import websockets

    frames, held = 0, -1
    async with websockets.connect(url.replace("http", "ws") + "ws", max_size=None) as socket:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            await socket.send(json.dumps({"action": "frame", "links": held}))
            frame = await socket.recv()
            n = int.from_bytes(frame[:4], "little")
            held = json.loads(frame[4:4 + n])["picture"]["links_version"]
            frames += 1
    return frames


def with_client(server, session, seconds: float) -> tuple[float, float]:
    """(frames/s, units/s) with a Python client taking frames as fast as it decodes them."""
    session.command({"action": "play"})
    time.sleep(0.5)
    start, before = time.perf_counter(), session.run.done
    frames = asyncio.run(_client(server.url, seconds))
    wall = time.perf_counter() - start
    rate = (session.run.done - before) / wall
    session.command({"action": "pause"})
    return frames / wall, rate


def with_browser(server, session, seconds: float) -> tuple[float, float]:
    """(frames drawn/s, units/s) with the page in headless chromium."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=WEBGL)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url)
        page.wait_for_function("polislabView.graphKey !== '' || (polislabView.header && "
                               "polislabView.header.picture.kind !== 'graph')", timeout=120_000)
        page.click("#play")
        time.sleep(1.0)
        frames0, done0, start = page.evaluate("polislabView.frames"), session.run.done, time.perf_counter()
        time.sleep(seconds)
        frames1, done1 = page.evaluate("polislabView.frames"), session.run.done
        wall = time.perf_counter() - start
        page.click("#pause")
        return (frames1 - frames0) / wall, (done1 - done0) / wall
    finally:
        browser.close()
        playwright.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    browser = not args.no_browser and shutil.which("chromium") is not None
    print(f"{'case':<38} {'without view':>14} {'client fps':>10} {'kernel':>7} {'browser fps':>11} {'kernel':>7}")
    for model, label, values in CASES:
        app = create_app(get_model(model), Settings(None, values, 1), None)
        server = Server(app, bind("127.0.0.1", 0)).start()
        session = app.state.session
        try:
            session.run.advance(1)  # compile before timing
            alone = (played(session, args.seconds) + played(session, args.seconds)) / 2
            client_fps, client_rate = with_client(server, session, args.seconds)
            shown = ("", "")
            if browser:
                browser_fps, browser_rate = with_browser(server, session, args.seconds)
                shown = (f"{browser_fps:.1f}", f"{browser_rate / alone:.0%}")
            units = session.run.units
            print(f"{label:<38} {alone / 1e6:>8.1f} M {units[:3]}/s {client_fps:>10.0f} {client_rate / alone:>7.0%} "
                  f"{shown[0]:>11} {shown[1]:>7}", flush=True)
        finally:
            server.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"kernel: wall-clock speed with the view as a share of it without; peak memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
