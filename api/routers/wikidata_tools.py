"""/wikidata/missing and /wikidata/quickstatements: statements the graph's sources know and the
matching Wikidata items lack (see :mod:`reconcile.wikidata_gaps`).

Both take ``source=`` and ``property=`` (repeatable) to filter. ``/wikidata/missing`` lists
missing statements and mismatches as JSON; ``/wikidata/quickstatements`` gives the missing ones as
QuickStatements V1 lines (tab-separated, one statement per line, each referenced by the source
record's IRI, S854, and the record's load date, S813).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import SettingsDep, StoreDep
from commons_graph.iris import Iris
from reconcile.wikidata_gaps import Statement, gaps

router = APIRouter(tags=["wikidata"])


async def _statements(request: Request, store: StoreDep, settings: SettingsDep) -> list[Statement]:
    params = request.query_params
    sources = set(params.getlist("source")) or None
    properties = set(params.getlist("property")) or None
    snapshot = store.snapshot()
    return await run_in_threadpool(gaps, snapshot, Iris(settings.base_url), sources, properties)


@router.get("/wikidata/missing")
async def missing(request: Request, store: StoreDep, settings: SettingsDep) -> dict[str, object]:
    """Missing statements and mismatches, by item and property."""
    found = await _statements(request, store, settings)
    return {
        "count": len(found),
        "missing": sum(1 for s in found if s.kind == "missing"),
        "mismatches": sum(1 for s in found if s.kind == "mismatch"),
        "statements": [s.to_json() for s in found],
    }


@router.get("/wikidata/quickstatements")
async def quickstatements(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """The missing statements as QuickStatements V1 commands."""
    found = await _statements(request, store, settings)
    lines = [s.quickstatement() for s in found if s.kind == "missing"]
    return Response("".join(f"{line}\n" for line in lines), media_type="text/plain; charset=utf-8")
