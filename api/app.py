"""App assembly: ``create_app(settings, store)``. Thin on purpose; the routers do the work.

If ``store`` is None the app opens ``settings.store`` in its lifespan (and closes it at shutdown).
There is no module-global store: everything lives on ``app.state``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.dump_files import DUMP_WORKERS, dump_workers
from api.engine import Evaluator, InProcessEvaluator
from api.responses import RESULT_HEADERS
from api.routers import health, linked_data, links, reconcile, sparql, wikidata_tools
from api.workers import WorkerPool
from commons_graph.errors import CommonsGraphError
from commons_graph.settings import Settings
from graph import open_store
from graph.store import GraphStore

_HTTP_TITLES = {405: "method not allowed", 404: "not found", 422: "bad request"}


async def error_response(request: Request, exc: Exception) -> JSONResponse:
    """THE exception handler: every error becomes ``{"error": {status, title, message}}``."""
    if isinstance(exc, CommonsGraphError):
        status, title, message = exc.status, exc.title, exc.message
    elif isinstance(exc, StarletteHTTPException):
        status, title, message = (
            exc.status_code,
            _HTTP_TITLES.get(exc.status_code, "error"),
            str(exc.detail),
        )
    elif isinstance(exc, RequestValidationError):
        status, title, message = 400, "bad request", str(exc.errors())
    else:  # pragma: no cover - only the three types above are registered
        raise exc
    headers = {"Allow": "GET, POST"} if status == 405 else None
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="commons-graph"'}
    return JSONResponse(
        {"error": {"status": status, "title": title, "message": message}}, status, headers=headers
    )


async def make_evaluator(store: GraphStore, settings: Settings) -> Evaluator:
    """Worker processes for an on-disk store; a thread (no hard time limit) for a memory store."""
    if store.snapshot().path is None:
        return InProcessEvaluator(store, settings.query_timeout)
    pool = WorkerPool(store, settings.query_workers, settings.query_timeout)
    await anyio.to_thread.run_sync(pool.start)
    return pool


def create_app(settings: Settings, store: GraphStore | None = None) -> FastAPI:
    """The ASGI app serving ``store`` (or the store named by ``settings``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        the_store: GraphStore = (
            open_store(settings.store, settings.keep_generations) if store is None else store
        )
        app.state.store = the_store
        app.state.evaluator = await make_evaluator(the_store, settings)
        on_disk = the_store.snapshot().path is not None
        app.state.dump_processes = dump_workers(DUMP_WORKERS) if on_disk else None
        try:
            yield
        finally:
            app.state.evaluator.close()
            linked = getattr(app.state, "linked_data", None)
            if linked is not None:
                linked.dumps.close()
            if app.state.dump_processes is not None:
                app.state.dump_processes.shutdown(wait=True, cancel_futures=True)
            if owned:
                the_store.close()

    app = FastAPI(title="Commons Graph", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    for exc_type in (CommonsGraphError, StarletteHTTPException, RequestValidationError):
        app.add_exception_handler(exc_type, error_response)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "POST", "HEAD"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=list(RESULT_HEADERS),
    )
    app.mount("/static", StaticFiles(packages=[("api", "static")]), name="static")
    app.include_router(sparql.router)  # first: the hottest route is matched first
    app.include_router(health.router)
    app.include_router(links.router)  # before any /id/{source}/{key} route: it owns /id/org/…
    app.include_router(reconcile.router)
    app.include_router(wikidata_tools.router)  # before /wikidata/Q…
    app.include_router(linked_data.router)
    return app
