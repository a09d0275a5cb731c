"""Influencers' posts as text (issue 24, "LLM-backed agents, optional"): a writer turns the stance
an influencer chose into a post, and a stance classifier maps the post back to the number readers
see. Off by default (``influencer_writer=none``: the stance is posted as a number).

- ``template``: a sentence per stance band, no model, no network;
- ``chat``: a language model behind an OpenAI-compatible chat endpoint you run yourself (a local
  vLLM, llama.cpp or Ollama server: ``chat_endpoint=http://localhost:8000``), asked at
  temperature 0. Every answer is cached on disk (``chat_cache``, one JSON file per prompt, named
  by the sha256 of the endpoint's model and the messages), and the cache is read first, so a run
  replays exactly offline; a prompt neither cached nor answerable stops the run with one line.

The classifier is a small lexicon (ours): "support", "favour", "agree", "for" count +1 and
"oppose", "against", "reject" -1; "lean" or "somewhat" halves the next cue; the stance is the
mean cue, clipped to [-1, 1], or 0 for a post with none. It reads the
template's sentences back to their band's stance exactly (a test).
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from polislab.core.errors import UsageError
from polislab.core.files import write_atomically

BANDS = ((-1.0, "I strongly oppose the proposal."), (-0.5, "I lean against the proposal."),
         (0.0, "I am undecided about the proposal."), (0.5, "I lean towards supporting the proposal."),
         (1.0, "I strongly support the proposal."))
CUES = {"support": 1.0, "supporting": 1.0, "favour": 1.0, "favor": 1.0, "agree": 1.0, "for": 1.0,
        "oppose": -1.0, "against": -1.0, "reject": -1.0}
WEAKER = {"lean": 0.5, "somewhat": 0.5}


def template_post(stance: float) -> str:
    """The sentence of the band nearest ``stance``."""
    return min(BANDS, key=lambda band: abs(band[0] - stance))[1]


def classify(text: str) -> float:
    """A post's stance in [-1, 1] by the lexicon (module docstring)."""
    weight, cues = 1.0, []
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in WEAKER:
            weight = WEAKER[word]
        elif word in CUES:
            cues.append(CUES[word] * weight)
            weight = 1.0
    return float(np.clip(np.mean(cues), -1.0, 1.0)) if cues else 0.0


def prompt(stance: float) -> list[dict[str, str]]:
    return [{"role": "system", "content": "You write one short social-media post, one sentence, no hashtags."},
            {"role": "user", "content": f"Write a post that takes the stance {stance:+.2f} on the proposal, on a "
                                        "scale from -1 (strongly oppose it) to +1 (strongly support it)."}]


class ChatWriter:
    """Posts from a chat endpoint, cached on disk by prompt hash."""

    def __init__(self, endpoint: str, model: str, cache: str, timeout: float = 60.0):
        self.endpoint, self.model, self.cache, self.timeout = endpoint.rstrip("/"), model, Path(cache), timeout
        self.asked = 0  # prompts sent to the endpoint (the rest came from the cache)

    def write(self, stance: float) -> str:
        messages = prompt(stance)
        key = hashlib.sha256(json.dumps({"model": self.model, "messages": messages}, sort_keys=True).encode())
        path = self.cache / f"{key.hexdigest()}.json"
        if path.is_file():
            return json.loads(path.read_text())["text"]
        body = json.dumps({"model": self.model, "messages": messages, "temperature": 0}).encode()
        request = urllib.request.Request(f"{self.endpoint}/v1/chat/completions", data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - the user's own server
                text = json.loads(response.read())["choices"][0]["message"]["content"].strip()
        except (urllib.error.URLError, OSError, KeyError, IndexError, ValueError) as error:
            raise UsageError(f"chat endpoint {self.endpoint} gave no post for an uncached prompt "
                             f"({type(error).__name__}: {error}); start it, or run where chat_cache holds every "
                             "answer") from None
        self.asked += 1
        write_atomically(path, lambda temporary: temporary.write_text(json.dumps({"text": text, "prompt": messages})))
        return text
