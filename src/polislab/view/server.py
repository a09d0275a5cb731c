"""Serving the view: uvicorn on a socket we bind ourselves, so a taken port is one clear line
before anything starts and port 0 picks a free one (whose URL is printed)."""

from __future__ import annotations

import socket
import threading
import time

from starlette.applications import Starlette

from polislab.core.errors import UsageError


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; a ``UsageError`` line when it cannot be had."""
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is not allowed: a port from 1 to 65535, or 0 for any free one")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise UsageError(f"--host {host} --port {port} cannot be used ({error.strerror}); allowed: a free port "
                         "(--port 0 picks one) on an address of this machine") from None
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/"


class Server:
    """The app served on ``sock``: ``run()`` in this thread (until Ctrl-C), or ``start()`` in a
    thread of its own and ``stop()`` (tests, benchmarks)."""

    def __init__(self, app: Starlette, sock: socket.socket):
        import uvicorn

        self.sock, self.url = sock, url_of(sock)
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="on",
                                                    ws_max_size=1 << 20))
        self.thread: threading.Thread | None = None

    def run(self) -> None:
        self.server.run(sockets=[self.sock])

    def start(self) -> Server:
        self.thread = threading.Thread(target=self.run, name="polislab-view-server", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self.server.started:
            raise RuntimeError("the view's server did not start in 30 s")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.sock.close()
