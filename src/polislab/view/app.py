"""The web app of ``polislab view``: a Starlette app serving the page, its scripts (vendored: no
network at run time), the model's parameters as controls, a websocket of frames and commands,
and the results browser over a store.

Routes: ``/`` the live view (or the store browser when no model is watched), ``/store`` the store
browser, ``/api/model`` the model's parameters and presets, ``/ws`` frames and commands,
``/api/runs`` stored runs (filtered; ``runs.RunIndex``), ``/api/figures`` the figures the store can draw,
``/figure/NAME.png`` one drawn.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from polislab.core.errors import UsageError
from polislab.core.jsonable import jsonable
from polislab.core.params import describe_field
from polislab.core.registry import ModelSpec
from polislab.view.runs import RunIndex
from polislab.view.session import Session, Settings

STATIC = Path(__file__).parent / "static"
RUNS_SHOWN = 500  # rows of the store browser's table at most


def parameters(spec: ModelSpec, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Each parameter as the page draws its control: type, bounds, choices, description, value."""
    described = []
    for name in spec.params.model_fields:
        field = jsonable(describe_field(spec.params, name))
        field["value"] = jsonable(values.get(name))
        described.append(field)
    return described


def create_app(spec: ModelSpec | None = None, settings: Settings | None = None, store: Path | None = None
               ) -> Starlette:
    """The app watching ``spec``'s model (started with ``settings``) and/or browsing ``store``."""
    session = Session(spec, settings or Settings()) if spec is not None else None
    run_index = RunIndex(store) if store is not None else None

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / ("view.html" if session is not None else "store.html"))

    async def store_page(request: Request) -> Response:
        return FileResponse(STATIC / "store.html")

    async def model(request: Request) -> Response:
        if session is None:  # the store browser alone
            return JSONResponse({"name": None, "store": store is not None})
        values = session.params.to_dict()
        return JSONResponse({"name": spec.name, "summary": spec.summary, "units": session.run.units,
                             "presets": {name: jsonable(dict(v)) for name, v in spec.presets.items()},
                             "preset": session.settings.preset, "seed": session.settings.seed,
                             "parameters": parameters(spec, values), "store": store is not None})

    async def websocket(socket: WebSocket) -> None:
        await socket.accept()
        if session is None:
            await socket.close(code=1008)
            return
        try:
            while True:
                try:
                    message = json.loads(await socket.receive_text())
                except json.JSONDecodeError:
                    message = None
                if not isinstance(message, dict):
                    await socket.send_text(json.dumps({"type": "reply", "error": "a command is a JSON object"}))
                    continue
                if message.get("action") == "frame":
                    held = message.get("links")
                    frame = await asyncio.to_thread(session.wait_frame, held if isinstance(held, int) else None)
                    if frame is not None:
                        await socket.send_bytes(frame)
                    else:  # the run is busy (a long reset, a replay's first run): the page asks again
                        await socket.send_text(json.dumps({"type": "wait"}))
                    continue
                error = session.command(message)
                await socket.send_text(json.dumps({"type": "reply", "action": message.get("action"),
                                                   "error": error}))
        except WebSocketDisconnect:
            return

    async def runs(request: Request) -> Response:
        if run_index is None:
            return JSONResponse({"error": "no store: start polislab view --store DIR"}, status_code=404)
        run_index.refresh()  # runs stored since the last request are read too
        try:
            table = await asyncio.to_thread(run_index.table, request.query_params.get("model") or None,
                                            request.query_params.get("filter") or "", RUNS_SHOWN)
        except UsageError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse(table)

    async def figures(request: Request) -> Response:
        if store is None:
            return JSONResponse({"error": "no store: start polislab view --store DIR"}, status_code=404)
        return JSONResponse(await asyncio.to_thread(drawable_figures, store))

    async def figure(request: Request) -> Response:
        if store is None:
            return JSONResponse({"error": "no store"}, status_code=404)
        try:
            png = await asyncio.to_thread(figure_png, request.path_params["name"], store)
        except UsageError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return Response(png, media_type="image/png")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        if session is not None:  # the simulation thread stops with the server
            await asyncio.to_thread(session.close)
        if run_index is not None:
            await asyncio.to_thread(run_index.close)

    app = Starlette(routes=[
        Route("/", index), Route("/store", store_page), Route("/api/model", model),
        WebSocketRoute("/ws", websocket), Route("/api/runs", runs), Route("/api/figures", figures),
        Route("/figure/{name}.png", figure), Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ], lifespan=lifespan)
    app.state.session = session
    return app


def drawable_figures(directory: Path) -> list[dict[str, str]]:
    """The registered figures whose study has runs in ``directory`` (``size``: "smoke" when only the
    tiny runs of ``polislab reproduce --smoke`` are there)."""
    from polislab.experiments.store_reader import StoreReader
    from polislab.figures import drawable, load_figures

    reader = StoreReader(directory)
    found, by_study = [], {}
    for name, entry in sorted(load_figures().items()):
        if entry.study not in by_study:  # a study's figures draw from the same runs
            by_study[entry.study] = drawable(name, reader)
        size = by_study[entry.study]
        if size is not None:
            found.append({"name": name, "study": entry.study, "description": entry.description, "see": entry.see,
                          "size": size})
    return found


def figure_png(name: str, directory: Path) -> bytes:
    """Figure ``name`` drawn from ``directory`` as PNG bytes."""
    from polislab.figures import draw_figure

    out = io.BytesIO()
    draw_figure(name, directory, out)
    return out.getvalue()
