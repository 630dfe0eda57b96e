"""/changes: the change feed as IIIF Change Discovery 1.0 (Activity Streams 2.0).

``/changes`` is an ``OrderedCollection`` with ``first`` and ``last``; ``/changes/page/{n}`` holds
activities ``n * PAGE`` … ``(n + 1) * PAGE - 1`` (oldest first) with ``prev`` and ``next``. Pages
never change once full, so their ETag is their content's. Activities come from
:mod:`graph.changes`; object types are full IRIs (the IIIF context has no terms for them).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from api.linked_data import LinkedDataDep, etag_of, http_date, not_modified, validators
from commons_graph.errors import NotFound
from graph.changes import activities, total_activities

router = APIRouter(tags=["linked data"])

PAGE = 1000
IIIF_CONTEXT = "http://iiif.io/api/discovery/1/context.json"


def _ref(url: str, kind: str) -> dict[str, str]:
    return {"id": url, "type": kind}


@router.get("/changes")
def feed(request: Request, ld: LinkedDataDep) -> Response:
    snapshot = ld.store.snapshot()
    total = total_activities(snapshot, ld.iris)
    base = f"{ld.settings.base_url}/changes"
    doc: dict[str, Any] = {
        "@context": IIIF_CONTEXT,
        "id": base,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if total:
        doc["first"] = _ref(f"{base}/page/0", "OrderedCollectionPage")
        doc["last"] = _ref(f"{base}/page/{(total - 1) // PAGE}", "OrderedCollectionPage")
    body = orjson.dumps(doc)
    etag = etag_of(body)
    return not_modified(request, etag, None) or Response(
        body, media_type="application/ld+json", headers={"ETag": etag}
    )


@router.get("/changes/page/{number}")
def feed_page(number: int, request: Request, ld: LinkedDataDep) -> Response:
    snapshot = ld.store.snapshot()
    total = total_activities(snapshot, ld.iris)
    pages = (total + PAGE - 1) // PAGE
    if number < 0 or number >= pages:
        raise NotFound(
            f"the change feed has {pages} pages (0 … {pages - 1}); there is no page {number}"
        )
    base = f"{ld.settings.base_url}/changes"
    start = number * PAGE
    found = activities(snapshot, ld.iris, start, min(start + PAGE, total))
    doc: dict[str, Any] = {
        "@context": IIIF_CONTEXT,
        "id": f"{base}/page/{number}",
        "type": "OrderedCollectionPage",
        "partOf": _ref(base, "OrderedCollection"),
        "startIndex": start,
    }
    if number > 0:
        doc["prev"] = _ref(f"{base}/page/{number - 1}", "OrderedCollectionPage")
    if number + 1 < pages:
        doc["next"] = _ref(f"{base}/page/{number + 1}", "OrderedCollectionPage")
    doc["orderedItems"] = [
        {
            "id": f"{base}/activity/{act.sequence}",
            "type": act.kind,
            "object": {"id": act.object, "type": _one(act.object_types)},
            "endTime": act.end_time,
        }
        for act in found
    ]
    body = orjson.dumps(doc)
    etag = etag_of(body)
    modified = http_date(found[-1].end_time) if found else None
    cached = not_modified(request, etag, modified)
    return cached or Response(
        body, media_type="application/ld+json", headers=validators(etag, modified)
    )


def _one(types: tuple[str, ...]) -> str | list[str]:
    return types[0] if len(types) == 1 else list(types)
