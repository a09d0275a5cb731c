"""Influencers who write their posts (issue 24, LLM-backed agents, optional): the classifier reads
the template back exactly, and a chat endpoint (a small fake one, started here on localhost) is
asked once per prompt: a second run with the endpoint down replays the cache and gives identical
results."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

from polislab import get_model
from polislab.core.errors import UsageError
from polislab.models.platform.text import BANDS, classify, template_post

SPEC = get_model("platform")


def test_the_classifier_reads_every_template_sentence_back_to_its_stance():
    for stance, sentence in BANDS:
        assert classify(sentence) == stance and template_post(stance) == sentence
    assert classify("Nothing to see here") == 0.0 and classify("I somewhat agree, I reject nothing") == -0.25


class FakeChat(BaseHTTPRequestHandler):
    """Answers a chat completion with a post that reads the prompt's stance, counting requests."""

    requests = 0

    def do_POST(self):  # noqa: N802 - the http.server interface
        FakeChat.requests += 1
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        stance = float(body["messages"][-1]["content"].split("stance ")[1].split()[0])
        answer = json.dumps({"choices": [{"message": {"content": "Honestly? " + template_post(stance)}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_a_chat_writer_caches_every_answer_and_replays_offline(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), FakeChat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    values = dict(n=200, days=30, follows=5, influencers=1, influencer_period=5, influencer_writer="chat",
                  chat_endpoint=f"http://127.0.0.1:{server.server_address[1]}", chat_cache=str(tmp_path / "cache"))
    try:
        online = SPEC.simulate(SPEC.make_params(values), 3)
    finally:
        server.shutdown()
        server.server_close()
    asked = FakeChat.requests
    stances = np.linspace(-1.0, 1.0, 3)[online.artifacts["influencer_actions"][:, 0] // 2]  # 3 stances x 2 rates
    assert asked == len(set(stances.tolist()))  # one request per distinct prompt, the rest from the cache
    assert len(list((tmp_path / "cache").glob("*.json"))) == asked
    offline = SPEC.simulate(SPEC.make_params(values), 3)  # the endpoint is down now
    assert FakeChat.requests == asked and offline.metrics == online.metrics
    assert np.array_equal(offline.artifacts["influencer_posts"], online.artifacts["influencer_posts"])
    assert all(post.startswith("Honestly? ") for post in online.artifacts["influencer_posts"])
    with pytest.raises(UsageError, match="gave no post for an uncached prompt"):
        SPEC.simulate(SPEC.make_params({**values, "chat_cache": str(tmp_path / "empty")}), 3)
