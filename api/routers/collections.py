"""Paged collections: ``/collections`` and ``/collections/{source}``, for one-pass harvesting.

A page is an Activity Streams 2.0 ``OrderedCollectionPage`` whose ``orderedItems`` are the full
compact JSON-LD descriptions of its entities (the same as ``/id/…`` serves), in IRI order.

The ``next`` cursor is opaque (base64 of the store generation and the last IRI of the page) and
is also sent as ``Link: <…>; rel="next"``. A cursor *pins* the generation the harvest started on:
every page of one harvest is read from that same version of the store, so a reload of the source
in the middle of a harvest neither skips an entity nor repeats one. The store keeps superseded
generations for a while (``COMMONS_GRAPH_KEEP_GENERATIONS``, at least 60 s after they were
superseded); once the pinned one is gone, the next page answers 410 Gone naming the current
version, and the harvest starts again from the first page.
"""

from __future__ import annotations

import base64
import binascii
import bisect
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response

from api.dump_files import largest_first
from api.linked_data import LinkedData, LinkedDataDep, etag_of, http_date, not_modified, validators
from commons_graph.errors import BadInput
from commons_graph.namespaces import AS

router = APIRouter(tags=["linked data"])

DEFAULT_PAGE = 100
MAX_PAGE = 1000
#: The Activity Streams terms of a page, inline (no remote context to fetch besides ours).
PAGING_CONTEXT: dict[str, Any] = {
    "as": AS,
    "Collection": "as:Collection",
    "OrderedCollection": "as:OrderedCollection",
    "OrderedCollectionPage": "as:OrderedCollectionPage",
    "totalItems": {"@id": "as:totalItems", "@type": "xsd:nonNegativeInteger"},
    "startIndex": {"@id": "as:startIndex", "@type": "xsd:nonNegativeInteger"},
    "first": {"@id": "as:first", "@type": "@id"},
    "last": {"@id": "as:last", "@type": "@id"},
    "next": {"@id": "as:next", "@type": "@id"},
    "prev": {"@id": "as:prev", "@type": "@id"},
    "partOf": {"@id": "as:partOf", "@type": "@id"},
    "items": {"@id": "as:items", "@type": "@id"},
    "orderedItems": {"@id": "as:items", "@container": "@list"},
}

Limit = Annotated[
    int, Query(ge=1, le=MAX_PAGE, description=f"entities per page (at most {MAX_PAGE})")
]
Cursor = Annotated[str | None, Query(description="the opaque cursor of a previous page's next")]


def encode_cursor(generation: str, last: str) -> str:
    raw = orjson.dumps([generation, last])
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        generation, last = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError) as err:
        raise BadInput(
            f"cursor={cursor[:40]!r} is not a cursor this server issued; follow the 'next' link "
            "of a page, or start from the first page"
        ) from err
    if not isinstance(generation, str) or not isinstance(last, str):
        raise BadInput(f"cursor={cursor[:40]!r} is not a cursor this server issued")
    return generation, last


def contexts(ld: LinkedData) -> list[Any]:
    return [ld.context_url, PAGING_CONTEXT]


@router.get("/collections")
def collections(request: Request, ld: LinkedDataDep) -> Response:
    """Every source as a collection, with its size, licence and first page."""
    snapshot = ld.store.snapshot()
    base = ld.settings.base_url
    items = []
    sources = sorted(ld.sources(snapshot).items())
    lists = ld.entity_lists(snapshot, [info for _, info in sources])
    for (name, info), entity_list in zip(sources, lists, strict=True):
        item: dict[str, Any] = {
            "id": f"{base}/collections/{name}",
            "type": "OrderedCollection",
            "title": name,
            "totalItems": len(entity_list),
            "first": f"{base}/collections/{name}",
            "modified": info.modified,
        }
        if info.licence:
            item["license"] = info.licence
        items.append(item)
    doc = {
        "@context": contexts(ld),
        "id": f"{base}/collections",
        "type": "Collection",
        "totalItems": len(items),
        "items": items,
    }
    body = orjson.dumps(doc)
    etag = etag_of(body)
    return not_modified(request, etag, None) or Response(
        body, media_type="application/ld+json", headers={"ETag": etag}
    )


@router.get("/collections/{source}")
def collection_page(
    source: str,
    request: Request,
    ld: LinkedDataDep,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Response:
    """One page of a source's entities; without ``cursor``, the first page."""
    if cursor:
        generation, after = decode_cursor(cursor)
        snapshot = ld.pinned(generation)
    else:
        snapshot, after = ld.store.snapshot(), ""
    info = ld.source(snapshot, source)
    etag = etag_of(snapshot.generation, source, after, str(limit), ld.settings.base_url)
    modified = http_date(info.modified)
    cached = not_modified(request, etag, modified)
    if cached is not None:
        return cached
    if not ld.dumps.path(snapshot.generation, source, "jsonld").exists():
        # the first page of this version: its JSON-LD lines dump lists the entities and holds
        # the page; start it first, then the others a harvest goes on to, in the dump workers
        others = [i for name, i in ld.sources(snapshot).items() if name != source]
        ld.dumps.prefetch(snapshot, [info, *largest_first(others, key=lambda i: i)])
    iris = ld.entity_list(snapshot, info)
    start = bisect.bisect_right(iris, after) if after else 0
    chunk = iris[start : start + limit]
    base = f"{ld.settings.base_url}/collections/{source}"
    here = f"{base}?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
    doc: dict[str, Any] = {
        "@context": contexts(ld),
        "id": here,
        "type": "OrderedCollectionPage",
        "partOf": base,
        "totalItems": len(iris),
        "startIndex": start,
    }
    headers = {**validators(etag, modified), "Vary": "Accept"}
    if start + limit < len(iris):
        nxt = f"{base}?limit={limit}&cursor={encode_cursor(snapshot.generation, chunk[-1])}"
        doc["next"] = nxt
        headers["Link"] = f'<{nxt}>; rel="next"'
    if info.licence:
        doc["license"] = info.licence
    lines = ld.dumps.page_lines(snapshot.generation, source, start, start + limit) or []
    # the dump's lines are the same descriptions as /id/… serves, with a @context each
    cut = len(ld.dumps.head())
    items = b",".join(b"{" + line[cut:] for line in lines)
    body = orjson.dumps(doc)[:-1] + b',"orderedItems":[' + items + b"]}"
    return Response(body, media_type="application/ld+json", headers=headers)
