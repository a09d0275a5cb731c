"""One watched run: the model advances in its own thread, in chunks sized to about
``CHUNK_SECONDS`` of kernel time, and hands a frame (the series' current values and a picture of
the state) to the page when the page asks for one. The page asks again only after it has drawn
the last frame, so a slow browser gets fewer frames and never slows the kernel; and a fast client
gets frames no more often than keeps their making under ``FRAME_SHARE`` of the simulation
thread's time (at 10^5 agents a frame's series cost milliseconds).

Every change to the run (play, pause, step, reset with new parameters) is a command the
simulation thread carries out between chunks, so the run is never touched by two threads.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from polislab.core.errors import UsageError
from polislab.core.jsonable import jsonable
from polislab.core.live import LiveRun, Picture, start_run
from polislab.core.machine import check_memory
from polislab.core.params import Params
from polislab.core.registry import ModelSpec
from polislab.core.seeding import check_seed
from polislab.core.version import VERSION

CHUNK_SECONDS = 0.02  # kernel time per chunk: short enough for a frame to wait at most this long
FRAME_SHARE = 0.1  # frames take at most this share of the simulation thread's time


@dataclass
class Settings:
    """What a run starts from: defaults < ``preset`` < ``values`` (the last run's parameters,
    when the page keeps them) < ``texts`` (what was typed, read as the command line reads
    ``--set``), and the seed."""

    preset: str | None = None
    texts: dict[str, str] = field(default_factory=dict)
    seed: int = 1
    values: dict[str, Any] = field(default_factory=dict)


class Session:
    """A model's run, its simulation thread and its controls."""

    def __init__(self, spec: ModelSpec, settings: Settings):
        self.spec = spec
        self.condition = threading.Condition()
        self.playing = False
        self.steps_wanted = 0  # chunks the step button asked for
        self.speed = 0.0  # units per second at most; 0: as fast as the kernel goes
        self.generation = 0  # counts resets: the page clears its charts when it changes
        self.error = ""
        self.kernel_seconds = 0.0
        self.units_run = 0
        self.chunk = 1
        self.request: dict | None = None
        self.frame: bytes | None = None
        self.stopping = False
        self.pending_reset: tuple[Settings, Params] | None = None
        self.next_frame_at = 0.0  # no frame before this (perf_counter): see FRAME_SHARE
        self.settings = settings
        self.params = self.make_params(settings)
        self.run: LiveRun = start_run(spec, self.params, settings.seed)
        self.thread = threading.Thread(target=self._loop, name=f"polislab-view-{spec.name}", daemon=True)
        self.thread.start()

    def make_params(self, settings: Settings) -> Params:
        """Validated parameters of ``settings`` (a ``UsageError`` line otherwise), refused before
        anything is allocated when the machine cannot hold the run."""
        check_seed(settings.seed)
        params = self.spec.make_params(settings.values, preset=settings.preset or None, texts=settings.texts)
        check_memory(self.spec.name, params.memory_needed(1))
        return params

    # commands from the page ------------------------------------------------------------------
    def command(self, message: dict[str, Any]) -> str:
        """Carry out one command of the page; returns an error line or ''."""
        action = message.get("action")
        with self.condition:
            if action == "play":
                self.playing = True
            elif action == "pause":
                self.playing = False
            elif action == "step":
                self.playing, self.steps_wanted = False, self.steps_wanted + 1
            elif action == "speed":
                try:
                    speed = float(message.get("value", 0))
                except (TypeError, ValueError):
                    speed = -1.0
                if not math.isfinite(speed) or speed < 0:
                    return f"speed {message.get('value')!r} is not allowed: a number of units per second >= 0"
                self.speed = speed
            elif action == "reset":
                try:
                    settings = self._settings(message)
                    params = self.make_params(settings)
                except UsageError as error:
                    return str(error)
                self.pending_reset = (settings, params)  # a frame asked for comes after the reset
            else:
                return f"unknown command {action!r}; allowed: play, pause, step, speed, reset"
            self.condition.notify_all()
        return ""

    def _settings(self, message: dict[str, Any]) -> Settings:
        """The settings a reset asks for: a new preset starts from the preset's values; otherwise the
        last run's parameters are kept and the typed ones (``set``) replace theirs."""
        text = str(message.get("seed", self.settings.seed)).strip()
        if not text.isdigit():
            raise UsageError(f"seed {text!r} is not allowed: a whole number from 0 up")
        texts = {str(name): str(value) for name, value in (message.get("set") or {}).items()}
        if "preset" in message:
            return Settings(message["preset"] or None, texts, int(text))
        return Settings(self.settings.preset, texts, int(text), self.params.to_dict())

    def close(self) -> None:
        with self.condition:
            self.stopping = True
            self.condition.notify_all()
        self.thread.join(timeout=5)

    # frames ----------------------------------------------------------------------------------
    def wait_frame(self, links_held: int | None, timeout: float = 10.0) -> bytes | None:
        """Ask the simulation thread for a frame and wait for it (from the server's thread);
        ``links_held`` as ``LiveRun.picture`` takes it."""
        time.sleep(max(0.0, self.next_frame_at - time.perf_counter()))
        with self.condition:
            self.frame = None
            self.request = {"links_held": links_held}
            self.condition.notify_all()
            self.condition.wait_for(lambda: self.frame is not None or self.stopping, timeout)
            return self.frame

    def header(self) -> dict[str, Any]:
        """What the page shows besides the picture: the run's place, speed and settings."""
        run = self.run
        return {"model": self.spec.name, "version": VERSION, "generation": self.generation,
                "done": int(run.done), "total": int(run.total), "units": run.units,
                "finished": bool(run.finished), "playing": self.playing, "speed": self.speed,
                "rate": self.units_run / self.kernel_seconds if self.kernel_seconds else None,
                "seed": self.settings.seed, "preset": self.settings.preset,
                "params": jsonable(self.params), "error": self.error}

    def _frame(self, links_held: int | None) -> bytes:
        return encode(dict(self.header(), values=self.run.values()), self.run.picture(links_held))

    # the simulation thread -------------------------------------------------------------------

    def _wants_to_run(self) -> bool:
        return (self.playing or self.steps_wanted > 0) and not self.run.finished and not self.error

    def _loop(self) -> None:
        while True:
            with self.condition:
                self.condition.wait_for(lambda: self.stopping or self.request is not None
                                        or self.pending_reset is not None or self._wants_to_run(), 0.5)
                if self.stopping:
                    return
                if self.pending_reset is not None:
                    self._reset(*self.pending_reset)
                    continue
                if self.request is not None:
                    started = time.perf_counter()
                    self.frame = self._safe_frame(self.request["links_held"])
                    ended = time.perf_counter()
                    self.next_frame_at = ended + (ended - started) * (1 - FRAME_SHARE) / FRAME_SHARE
                    self.request = None
                    self.condition.notify_all()
                    continue
                if not self._wants_to_run():
                    continue
                stepping = not self.playing
                if stepping:
                    self.steps_wanted -= 1
                units = self.chunk
            self._advance(units, stepping)

    def _advance(self, units: int, stepping: bool) -> None:
        run = self.run
        before = run.done
        start = time.perf_counter()
        try:
            run.advance(units)
        except Exception as error:  # a model's failure is shown on the page; the server stays up
            self.error = f"the run stopped: {type(error).__name__}: {error}"
            self.playing = False
            return
        seconds = time.perf_counter() - start
        self.kernel_seconds += seconds
        self.units_run += run.done - before
        if not stepping:  # the step button keeps the chunk it has; playing tunes it
            self.chunk = max(1, min(int(units * CHUNK_SECONDS / max(seconds, 1e-6)), 4 * units))
            if self.speed > 0:  # a slow speed moves in small steps, not in rare leaps
                self.chunk = min(self.chunk, max(1, int(self.speed * CHUNK_SECONDS)))
        if self.speed > 0:  # hold the rate asked for
            time.sleep(max(0.0, (run.done - before) / self.speed - seconds))

    def _reset(self, settings: Settings, params: Params) -> None:
        self.pending_reset = None
        try:
            run = start_run(self.spec, params, settings.seed)
        except (UsageError, ValueError, MemoryError) as error:
            self.error = str(error)
            return
        self.settings, self.params, self.run = settings, params, run
        self.generation += 1
        self.playing, self.steps_wanted, self.error = False, 0, ""
        self.kernel_seconds, self.units_run, self.chunk = 0.0, 0, 1

    def _safe_frame(self, links_held: int | None) -> bytes:
        try:
            return self._frame(links_held)
        except Exception as error:
            self.error = f"drawing failed: {type(error).__name__}: {error}"
            return encode(dict(self.header(), values={}), Picture())


def encode(header: dict[str, Any], picture: Picture) -> bytes:
    """One binary frame: a little-endian uint32 n, n bytes of JSON (space-padded so that the data
    start 8-byte aligned), then each array 8-byte aligned; the JSON's ``arrays`` gives each one's
    name, dtype, shape and offset from the start of the data."""
    arrays: dict[str, np.ndarray] = {}
    for name, array in (("colors", picture.colors), ("links", picture.links), ("positions", picture.positions)):
        if array is not None:
            arrays[name] = np.ascontiguousarray(array)
    for name, (image, _, _) in picture.images.items():
        arrays[f"image:{name}"] = np.ascontiguousarray(image)
    described, offset = [], 0
    for name, array in arrays.items():
        described.append({"name": name, "dtype": array.dtype.name, "shape": list(array.shape), "offset": offset})
        offset += -(-array.nbytes // 8) * 8
    images = {name: {"low": low, "high": high} for name, (_, low, high) in picture.images.items()}
    text = json.dumps(jsonable(dict(header, arrays=described, picture={
        "kind": picture.kind, "legend": picture.legend, "note": picture.note, "images": images,
        "links_version": picture.links_version}), non_finite="null"), allow_nan=False).encode()
    text += b" " * (-(4 + len(text)) % 8)
    parts = [len(text).to_bytes(4, "little"), text]
    for array in arrays.values():
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        parts += [data, b"\0" * (-len(data) % 8)]
    return b"".join(parts)
