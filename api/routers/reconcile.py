"""/reconcile: the W3C Reconciliation Service API 0.2, as OpenRefine uses it.

* ``GET /reconcile`` with no parameters: the manifest; with ``queries=`` (GET or POST form): a
  batch of reconciliation queries; with ``extend=``: data extension.
* ``/reconcile/suggest/{entity,type,property}?prefix=``, ``/reconcile/preview?id=``,
  ``/reconcile/propose_properties?type=``, ``/reconcile/docs``.
* Every JSON answer is JSONP when ``callback=`` names a JavaScript function. CORS headers come
  from the app's middleware; errors are the app's one error body.

The index of the store's current generation is opened (or built) on first use and reopened when
the generation changes; see :mod:`reconcile.engine`.
"""

from __future__ import annotations

import html
import json
import re
from typing import Annotated, cast
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import SettingsDep, StoreDep
from api.protocol import FORM, read_body
from commons_graph.errors import BadInput
from commons_graph.iris import Iris
from reconcile import service
from reconcile.engine import IndexHolder, ReconcileIndex
from reconcile.extend import extend
from reconcile.match import Matcher

router = APIRouter(tags=["reconcile"])
_CALLBACK = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$.]{0,99}$")


async def _index(request: Request, store: StoreDep, settings: SettingsDep) -> ReconcileIndex:
    holder = getattr(request.app.state, "reconcile_index", None)
    if holder is None:
        holder = IndexHolder(store, Iris(settings.base_url))
        request.app.state.reconcile_index = holder
    holder = cast(IndexHolder, holder)
    ready = holder.ready()
    return ready if ready is not None else await run_in_threadpool(holder.get)


IndexDep = Annotated[ReconcileIndex, Depends(_index)]


async def _params(request: Request, limit: int) -> dict[str, str]:
    """The query string's parameters, and a form body's (which win)."""
    params = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await read_body(request, limit)
        if body and content_type not in (FORM, ""):
            raise BadInput(f"POST /reconcile takes a form ({FORM}), not {content_type}")
        try:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError as err:
            raise BadInput("the form body is not UTF-8") from err
    return params


def _json_param(params: dict[str, str], name: str) -> object:
    try:
        return json.loads(params[name])
    except json.JSONDecodeError as err:
        raise BadInput(f"parameter '{name}' is not JSON: {err.msg} at character {err.pos}") from err


def _int(params: dict[str, str] | dict[str, str | None], name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError as err:
        raise BadInput(f"parameter '{name}' must be a whole number, not {raw!r}") from err
    if value < 0:
        raise BadInput(f"parameter '{name}' must not be negative")
    return value


def answer(data: object, callback: str | None) -> Response:
    """JSON, or JSONP when ``callback`` is given."""
    body = json.dumps(data, ensure_ascii=False)
    if callback:
        if not _CALLBACK.fullmatch(callback):
            raise BadInput("'callback' must be a JavaScript function name")
        return Response(f"/**/{callback}({body});", media_type="application/javascript")
    return Response(body, media_type="application/json")


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.api_route("/reconcile", methods=["GET", "POST"])
async def reconcile(
    request: Request, settings: SettingsDep, store: StoreDep, index: IndexDep
) -> Response:
    """The manifest, a batch of queries (``queries=``) or data extension (``extend=``)."""
    params = await _params(request, settings.max_body_bytes)
    callback = params.get("callback")
    if "queries" in params:
        batch = _json_param(params, "queries")
        result = await run_in_threadpool(service.reconcile_batch, Matcher(index), batch)
        return answer(result, callback)
    if "extend" in params:
        request_data = _json_param(params, "extend")
        snapshot = store.snapshot()
        return answer(await run_in_threadpool(extend, snapshot, index, request_data), callback)
    data = service.manifest(_base(request))
    data["identifierSpace"] = f"{settings.base_url}/id/"
    return answer(data, callback)


@router.get("/reconcile/suggest/{kind}")
async def suggest(kind: str, request: Request, index: IndexDep) -> Response:
    """Prefix search for entities, types or properties."""
    params = dict(request.query_params)
    prefix, cursor = params.get("prefix", ""), _int(params, "cursor", 0)
    if kind == "entity":
        data = await run_in_threadpool(service.suggest_entities, index, prefix, cursor)
    elif kind == "type":
        data = service.suggest_types(index, prefix, cursor)
    elif kind == "property":
        data = service.suggest_properties(prefix, cursor)
    else:
        raise BadInput(f"suggest is for entity, type or property, not {kind!r}")
    return answer(data, params.get("callback"))


@router.get("/reconcile/preview")
async def preview(request: Request, index: IndexDep) -> Response:
    """A small HTML card of the entity ``id``."""
    entity_id = request.query_params.get("id")
    if not entity_id:
        raise BadInput("preview needs an 'id' parameter")
    return Response(service.preview(index, entity_id), media_type="text/html; charset=utf-8")


@router.api_route("/reconcile/propose_properties", methods=["GET", "POST"])
async def propose_properties(request: Request, settings: SettingsDep, index: IndexDep) -> Response:
    """Extension properties for a type."""
    params = await _params(request, settings.max_body_bytes)
    data = service.propose_properties(index, params.get("type"), _int(params, "limit", 0))
    return answer(data, params.get("callback"))


@router.get("/reconcile/docs")
async def docs() -> Response:
    """How the service matches, in one page."""
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Commons Graph reconciliation"
        "</title></head><body><h1>Commons Graph reconciliation</h1><p>"
        f"{html.escape(service.MATCH_RULE)}</p><p>Types: the vocabulary's classes, Wikidata "
        "classes, and one type per source ({BASE}/graph/{source}). Properties: ids of the "
        "vocabulary or Wikidata pids (P17 country, P131 city, P281 postcode, P856 website, "
        "P791 ISIL, P2622 Companies House number).</p></body></html>"
    )
    return Response(page, media_type="text/html; charset=utf-8")
