"""The live view without a browser: live runs give exactly what ``simulate`` gives, frames decode
to what was encoded, the session's commands do what they say, bad input is one line, and the
store browser's index reads and filters runs."""

import json
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from polislab.core.errors import UsageError
from polislab.core.live import Picture, Replay, drawn_links, live_factory, sample_nodes, start_run
from polislab.core.registry import get_model
from polislab.experiments.store import write_result
from polislab.view.runs import RunIndex
from polislab.view.session import Session, Settings, encode


def decode(frame: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """The page's decoding (static/frames.js), in Python."""
    n = int.from_bytes(frame[:4], "little")
    header = json.loads(frame[4:4 + n])
    base = 4 + n
    assert base % 8 == 0
    arrays = {}
    for entry in header["arrays"]:
        assert entry["offset"] % 8 == 0
        count = int(np.prod(entry["shape"]))
        arrays[entry["name"]] = np.frombuffer(frame, dtype=np.dtype(entry["dtype"]).newbyteorder("<"), count=count,
                                              offset=base + entry["offset"]).reshape(entry["shape"])
    return header, arrays


def test_a_frame_decodes_to_what_was_encoded():
    colors = np.array([0, 1, 1, 0, 1], dtype=np.uint8)  # 5 bytes: the next array must still be aligned
    links = np.array([[0, 1], [2, 4]], dtype=np.int32)
    image = np.arange(6, dtype=np.uint8).reshape(2, 3)
    picture = Picture("graph", colors, [("a", "#000000"), ("b", "#ffffff")], links, 7,
                      images={"m": (image, -1.0, float("nan"))})
    header, arrays = decode(encode({"done": 3, "values": {"x": float("inf")}}, picture))
    assert header["done"] == 3 and header["values"] == {"x": None}  # non-finite numbers are null, valid JSON
    assert header["picture"]["links_version"] == 7 and header["picture"]["images"]["m"] == {"low": -1.0, "high": None}
    assert np.array_equal(arrays["colors"], colors) and np.array_equal(arrays["links"], links)
    assert np.array_equal(arrays["image:m"], image)


@pytest.mark.parametrize("model, values, units", [
    ("coevolution", {"n": 60, "k": 4, "steps": 30_000, "temptation": 1.2, "sucker": -0.2}, [1, 999, 5000, 30_000]),
    ("opinion", {"n": 50, "graph": "random-regular", "k": 4, "updates": 40_000, "records": 5}, [7, 993, 39_000]),
    ("trade", {"encounters": 20_000, "stable_encounters": 0}, [3, 4997, 15_000]),
    ("echochamber", {"n": 12, "steps": 3000}, [1, 499, 2500]),
    ("platform", {"n": 200, "days": 6, "follows": 10, "max_follows": 20, "influencers": 2}, [1, 2, 1]),
    ("feudalism", {"agents": 30, "turns": 3000, "record_every": 1000}, [1, 999, 1500, 500]),
])
def test_a_live_run_in_any_chunks_ends_exactly_where_simulate_ends(model, values, units):
    """Chunks of any size give the same final state as ``simulate`` at the same seed, bit for bit:
    the live run is the model's own kernel, cut where it already stops."""
    spec = get_model(model)
    params = spec.make_params(values)
    run = live_factory(model)(params, 5)
    for chunk in units:
        run.advance(chunk)
    while not run.finished:
        run.advance(10**9)
    result = spec.simulate(params, 5)
    final = {"coevolution": lambda: (run.state.strategy, result.artifacts["strategies"]),
             "opinion": lambda: (run.dynamics.opinion, result.artifacts["opinion"]),
             "trade": lambda: (run.market.q, result.artifacts["q"]),
             "echochamber": lambda: (run.state.b[0], result.artifacts["beliefs"]),
             "platform": lambda: (run.platform.followees, result.artifacts["followees"]),
             "feudalism": lambda: (run.feudal.world[0][:30], result.artifacts["land"])}[model]()
    assert np.array_equal(*final)
    ran = {"coevolution": "steps_run", "opinion": "updates_run", "trade": "encounters_run"}.get(model)
    if ran is not None:
        assert run.done == result.metrics[ran]
    else:
        assert run.done == next(getattr(params, name) for name in ("steps", "days", "turns") if hasattr(params, name))


def test_every_series_value_is_a_number_and_the_picture_matches_the_state():
    spec = get_model("coevolution")
    run = start_run(spec, spec.make_params({"n": 40, "k": 4, "steps": 2000}), 1)
    run.advance(500)
    values = run.values()
    assert set(values) >= {"cooperators", "heterogeneity", "max_degree", "rewires"}
    picture = run.picture(-1)
    assert np.array_equal(picture.colors, run.state.strategy)
    assert len(picture.links) == len(run.state.graph.edges())  # a random regular graph keeps its 80 links
    assert run.picture(picture.links_version).links is None  # unchanged links are not sent again
    assert run.picture(None).links is None


def test_a_large_graph_is_drawn_as_a_fixed_sample_with_the_links_among_it():
    sample = sample_nodes(50, seed=3, limit=10)
    assert len(sample) == 10 and np.array_equal(sample, np.unique(sample))
    assert np.array_equal(sample, sample_nodes(50, seed=3, limit=10)) and sample_nodes(10, 3, limit=10) is None
    edges = np.array([[sample[0], sample[1]], [sample[2], 49 if 49 not in sample else 48], [sample[3], sample[0]]])
    assert drawn_links(edges, 50, sample).tolist() == [[0, 1], [3, 0]]  # renumbered; the link leaving the sample is gone


def test_a_model_without_a_live_run_is_replayed_point_by_point():
    spec = get_model("oracle")
    params = spec.make_params({"steps": 50})
    run = start_run(spec, params, 2)
    assert isinstance(run, Replay) and "replay" in run.picture(None).note
    run.advance(1)
    first = run.values()
    series = spec.simulate(params, 2).series
    assert first and all(value == float(np.asarray(series[name], dtype=float)[0]) for name, value in first.items())
    while not run.finished:
        run.advance(7)
    assert run.done == run.total == len(next(iter(series.values())))


def wait_until(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_session_plays_pauses_steps_and_resets_with_new_parameters():
    session = Session(get_model("opinion"), Settings(None, {"n": "60", "graph": "random-regular", "k": "4",
                                                            "updates": "1e9", "stop_at_consensus": "no"}, 1))
    try:
        assert session.run.done == 0
        assert session.command({"action": "play"}) == ""
        wait_until(lambda: session.run.done > 10_000)
        session.command({"action": "pause"})
        time.sleep(0.1)
        paused = session.run.done
        time.sleep(0.2)
        assert session.run.done == paused  # paused means paused
        session.command({"action": "step"})
        wait_until(lambda: session.run.done > paused)
        time.sleep(0.1)
        assert session.run.done == paused + session.chunk and not session.playing  # one chunk, still paused
        header, _ = decode(session.wait_frame(-1))
        assert header["done"] == session.run.done and header["params"]["n"] == 60 and header["generation"] == 0
        assert session.command({"action": "reset", "set": {"n": "30"}, "seed": "4"}) == ""
        wait_until(lambda: session.generation == 1)
        header, arrays = decode(session.wait_frame(-1))
        assert header["done"] == 0 and header["seed"] == 4 and len(arrays["colors"]) == 30
        assert header["params"]["k"] == 4 and header["params"]["updates"] == 10**9  # what was not typed is kept
    finally:
        session.close()


@pytest.mark.parametrize("message, says", [
    ({"action": "reset", "set": {"agents": "1"}}, "parameter 'agents' of model trade = 1 is not allowed"),
    ({"action": "reset", "set": {"bogus": "1"}}, "unknown parameter 'bogus'"),
    ({"action": "reset", "set": {}, "seed": "x"}, "seed 'x' is not allowed"),
    ({"action": "reset", "preset": "nonesuch"}, "unknown preset 'nonesuch'"),
    ({"action": "speed", "value": -1}, "speed -1 is not allowed"),
    ({"action": "speed", "value": "fast"}, "speed 'fast' is not allowed"),
    ({"action": "explode"}, "unknown command"),
])
def test_a_bad_command_is_one_line_and_leaves_the_run_as_it_was(message, says):
    session = Session(get_model("trade"), Settings(None, {"encounters": "1000"}, 1))
    try:
        run = session.run
        error = session.command(message)
        assert says in error and "\n" not in error
        time.sleep(0.05)
        assert session.run is run and session.generation == 0
    finally:
        session.close()


def test_the_run_index_lists_filters_and_keeps_each_model_in_its_own_table(tmp_path):
    for seed in (1, 2, 3):
        for spec, values in ((get_model("trade"), {"encounters": 500}), (get_model("oracle"), {"steps": 20})):
            write_result(tmp_path, spec.simulate(spec.make_params(values), seed))
    index = RunIndex(tmp_path)
    index.refresh()
    index.reader.join()
    every = index.table(None, "", 100)
    assert every["total"] == 6 and every["models"] == ["oracle", "trade"] and every["columns"] == [
        "key", "model", "seed", "version"]
    trade = index.table("trade", "seed=2", 100)
    assert trade["total"] == 1 and "mean_wellbeing" in trade["columns"] and "encounters" in trade["columns"]
    assert index.table("oracle", "", 2)["shown"] == 2
    with pytest.raises(UsageError, match="filter 'nonesuch=1' is not allowed"):
        index.table("trade", "nonesuch=1", 100)
    (tmp_path / "runs" / f"{every['rows'][0][0]}.parquet").write_bytes(b"damaged")  # damaged: left out
    index.rows.clear()
    index.refresh()
    index.reader.join()
    assert index.table(None, "", 100)["total"] == 5


def polislab(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "polislab", *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("args, says", [
    ((), "name a model to watch"),
    (("nonesuch",), "unknown model 'nonesuch'"),
    (("opinion", "--set", "n=-1"), "parameter 'n' of model opinion"),
    (("opinion", "--seed", "-1"), "seed -1 is not allowed"),
    (("--store", "nowhere"), "--store nowhere: no stored runs there"),
    (("opinion", "--port", "70000"), "--port 70000 is not allowed"),
])
def test_bad_input_to_view_is_one_line_and_status_2(args, says):
    done = polislab("view", *args)
    assert done.returncode == 2 and says in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_taken_port_is_refused_before_the_model_is_built():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = polislab("view", "opinion", "--port", str(port))
    assert done.returncode == 2 and f"--port {port} cannot be used" in done.stderr


def test_the_command_starts_a_server_that_prints_its_url_and_serves_the_model():
    import urllib.request

    process = subprocess.Popen([sys.executable, "-m", "polislab", "view", "trade", "--set", "encounters=1000",
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("polislab view: http://127.0.0.1:") and "(Ctrl-C stops)" in line
        url = line.split()[2]
        model = json.loads(urllib.request.urlopen(url + "api/model", timeout=30).read())
        assert model["name"] == "trade" and {p["name"]: p["value"] for p in model["parameters"]}["encounters"] == 1000
        page = urllib.request.urlopen(url, timeout=30).read().decode()
        assert "/static/vendor/cosmos.gl.min.js" in page and "http" not in page.replace("http-equiv", "")
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_frame_asked_for_during_a_reset_still_comes():
    import threading

    session = Session(get_model("trade"), Settings(None, {"encounters": "1000000"}, 1))
    try:
        frames = []
        for _ in range(20):  # the request and the reset race; each order must give a frame
            asker = threading.Thread(target=lambda: frames.append(session.wait_frame(None, timeout=5)))
            asker.start()
            assert session.command({"action": "reset", "set": {}}) == ""
            asker.join()
        assert len(frames) == 20 and all(frame is not None for frame in frames)
    finally:
        session.close()


def test_the_websocket_answers_nonsense_with_a_line_and_keeps_serving():
    import asyncio

    import websockets

    from polislab.view.app import create_app
    from polislab.view.server import Server, bind

    server = Server(create_app(get_model("trade"), Settings(None, {"encounters": "1000"}, 1), None),
                    bind("127.0.0.1", 0)).start()

    async def talk():
        async with websockets.connect(server.url.replace("http", "ws") + "ws") as socket:
            await socket.send("not json")
            first = json.loads(await socket.recv())
            await socket.send(json.dumps({"action": "frame", "links": None}))
            frame = await socket.recv()
            return first, frame

    try:
        first, frame = asyncio.run(talk())
    finally:
        server.stop()
    assert first["error"] == "a command is a JSON object"
    assert decode(frame)[0]["model"] == "trade"
