"""/sparql: the SPARQL 1.1 Protocol endpoint (query, update, service description, query page).

The default graph of a query is the union of all graphs of the store (every source graph plus the
metadata graph), so a plain query sees everything and ``GRAPH ?g`` gives provenance. The
``default-graph-uri`` and ``named-graph-uri`` parameters replace that dataset, as the Protocol says;
so does a query's own ``FROM`` / ``FROM NAMED`` when no such parameter is given.

A GET without a query returns the service description to RDF clients (Turtle by default) and the
query page to browsers (``Accept: text/html``). Updates need the admin token (see :mod:`api.auth`)
and run on the store's real default graph, in one atomic store write. SERVICE and LOAD are refused
with 400 before any evaluation unless their target is in ``settings.service_allowlist``.
"""

from __future__ import annotations

from importlib import resources

import anyio
from fastapi import Request, Response
from pyoxigraph import NamedNode
from starlette.types import Receive, Scope, Send

from api.auth import require_admin
from api.engine import Evaluator
from api.errors import error_response
from api.evaluate import QueryTask
from api.negotiation import negotiate
from api.protocol import Operation, read_operation
from api.responses import outcome_response
from api.scan import add_using, dataset_clauses, names_dataset, remote_targets
from api.service_description import serialized
from commons_graph.errors import BadInput, CommonsGraphError, NotAcceptable, StoreError
from commons_graph.settings import Settings
from graph.store import GraphStore

PATH = "/sparql"


def _format_key(accept: str | None, fmt: str | None, kind: str) -> str | None:
    try:
        return negotiate(accept, fmt, (kind,)).key  # type: ignore[arg-type]
    except NotAcceptable:
        return None


def endpoint_iri(request: Request) -> str:
    """The IRI of this endpoint as the client addressed it: the SD's ``sd:endpoint`` and BASE."""
    return str(request.url.replace(query="", fragment=""))


def check_remote(text: str, settings: Settings, base: str) -> None:
    """Refuse SERVICE and LOAD aimed anywhere but an allow-listed endpoint (400, before evaluation)."""
    for keyword, target in remote_targets(text, base):
        if target is None:
            raise BadInput(f"{keyword} with a variable or unknown target is not allowed here")
        if target not in settings.service_allowlist:
            raise BadInput(
                f"{keyword} <{target}> is not allowed: this endpoint only reaches the "
                "endpoints its operator allow-listed (COMMONS_GRAPH_SERVICE_ALLOWLIST)"
            )


def query_task(op: Operation, accept: str | None, settings: Settings, base: str) -> QueryTask:
    return QueryTask(
        text=op.text,
        results_format=_format_key(accept, op.format, "results"),
        graph_format=_format_key(accept, op.format, "graph"),
        max_rows=settings.max_rows,
        default_graphs=op.default_graphs,
        named_graphs=op.named_graphs,
        own_dataset=names_dataset(op.text),
        base_iri=base,
    )


def _apply_update(store: GraphStore, text: str) -> None:
    try:
        with store.write() as writer:
            writer.update(text)
    except SyntaxError as err:
        raise BadInput(f"SPARQL syntax error: {err}") from err
    except ValueError as err:
        raise BadInput(f"the update cannot be run: {err}") from err
    except OSError as err:
        raise StoreError(f"the update could not be written: {err}") from err


async def run_update(
    op: Operation, request: Request, settings: Settings, store: GraphStore, base: str
) -> Response:
    require_admin(request.headers.get("authorization"), settings.admin_token)
    check_remote(op.text, settings, base)
    text = op.text
    if op.default_graphs or op.named_graphs:
        if dataset_clauses(text):
            raise BadInput(
                "the update has its own USING or WITH clause, so it cannot also take "
                "using-graph-uri or using-named-graph-uri"
            )
        try:
            text = add_using(text, op.default_graphs, op.named_graphs)
        except ValueError as err:
            raise BadInput(
                f"using-graph-uri or using-named-graph-uri is not an IRI: {err}"
            ) from err
    # The service's BASE is the endpoint; a BASE in the update itself overrides it.
    text = f"BASE {NamedNode(base)}\n{text}"
    await anyio.to_thread.run_sync(_apply_update, store, text)
    return Response(status_code=204)


def describe_service(request: Request, settings: Settings, fmt: str | None) -> Response:
    chosen = negotiate(request.headers.get("accept"), fmt, ("graph", "html"))
    if chosen.kind == "html":
        page = resources.files("api").joinpath("static/index.html").read_bytes()
        return Response(page, media_type=chosen.content_type, headers={"Vary": "Accept"})
    body = serialized(endpoint_iri(request), settings, chosen.key)
    return Response(body, media_type=chosen.content_type, headers={"Vary": "Accept"})


async def sparql(request: Request) -> Response:
    """Answer one SPARQL Protocol operation.

    What FastAPI's dependency injection would resolve comes from the app state, as :mod:`api.deps`
    does, without its per-request cost."""
    state = request.app.state
    settings: Settings = state.settings
    op = await read_operation(request, settings.max_body_bytes)
    if op.kind is None:
        return describe_service(request, settings, op.format)
    base = endpoint_iri(request)
    if op.kind == "update":
        return await run_update(op, request, settings, state.store, base)
    check_remote(op.text, settings, base)
    evaluator: Evaluator = state.evaluator
    outcome = await evaluator.run(query_task(op, request.headers.get("accept"), settings, base))
    return outcome_response(outcome, settings.max_rows)


async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """``/sparql`` as a bare ASGI app, served ahead of the framework (see ``api.app``)."""
    request = Request(scope, receive)
    try:
        response = await sparql(request)
    except CommonsGraphError as exc:
        response = await error_response(request, exc)
    await response(scope, receive, send)
