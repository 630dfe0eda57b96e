"""App assembly: ``create_app(settings, store)``. Thin on purpose; the routers do the work.

If ``store`` is None the app opens ``settings.store`` in its lifespan (and closes it at shutdown).
There is no module-global store: everything lives on ``app.state``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette._utils import get_route_path  # the path below root_path, as the router sees it
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from api.dump_files import DUMP_WORKERS, dump_workers
from api.engine import Evaluator, InProcessEvaluator
from api.errors import HANDLED, error_response
from api.responses import RESULT_HEADERS
from api.routers import health, linked_data, links, reconcile, sparql, wikidata_tools
from api.workers import WorkerPool
from commons_graph.settings import Settings
from graph import open_store
from graph.store import GraphStore

#: CORS on every route: any origin, no credentials; the result headers are readable by scripts.
CORS: dict[str, Any] = {
    "allow_origins": ["*"],
    "allow_credentials": False,
    "allow_methods": ["GET", "POST", "HEAD"],
    "allow_headers": ["Accept", "Content-Type"],
    "expose_headers": list(RESULT_HEADERS),
}


class CommonsGraphApp(FastAPI):
    """FastAPI, with ``/sparql`` answered ahead of the framework's middleware stack.

    ``/sparql`` is the hottest route and a point lookup takes well under a millisecond, so the
    framework's layers (telemetry, body limit, exception middleware, exit stack, routing, the
    request wrapper) were a large share of it: about 0.1 ms a request on a quiet machine, 0.4 ms on
    a busy one. The endpoint keeps the two layers it needs: CORS, and the last-resort 500. Its
    errors go through the same :func:`~api.errors.error_response`, so the body is the same.
    """

    def build_middleware_stack(self) -> ASGIApp:
        rest = super().build_middleware_stack()
        endpoint = ServerErrorMiddleware(CORSMiddleware(sparql.endpoint, **CORS), debug=self.debug)

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and get_route_path(scope) == sparql.PATH:
                await endpoint(scope, receive, send)
            else:
                await rest(scope, receive, send)

        return dispatch


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

    app = CommonsGraphApp(title="Commons Graph", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    for exc_type in HANDLED:
        app.add_exception_handler(exc_type, error_response)
    app.add_middleware(CORSMiddleware, **CORS)
    app.mount("/static", StaticFiles(packages=[("api", "static")]), name="static")
    app.include_router(health.router)
    app.include_router(links.router)  # before any /id/{source}/{key} route: it owns /id/org/…
    app.include_router(reconcile.router)
    app.include_router(wikidata_tools.router)  # before /wikidata/Q…
    app.include_router(linked_data.router)
    return app
