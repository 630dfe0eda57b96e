"""/dumps: one dump per source and one of all sources, as gzipped N-Quads and JSON-LD lines.

Each dump is made once per store generation (see :mod:`api.dump_files`) and then streamed from
its file. Every response names its licence (``Link: <…>; rel="license"``; the N-Quads start with a
comment naming it too), and carries an ETag (the generation and the dump) and Last-Modified (the
source's last load).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from api.dump_files import SUFFIX, file_chunks
from api.linked_data import LinkedData, LinkedDataDep, etag_of, http_date, not_modified, validators
from commons_graph.errors import NotFound
from graph.store import Snapshot
from loaders.provenance import SourceInfo

router = APIRouter(tags=["linked data"])

ALL = "all"
MEDIA = {"nquads": "application/n-quads", "jsonld": "application/x-ndjson"}


def dump_url(ld: LinkedData, name: str, kind: str) -> str:
    return f"{ld.settings.base_url}/dumps/{name}{SUFFIX[kind]}"


def listing(ld: LinkedData, snapshot: Snapshot) -> list[dict[str, Any]]:
    """Every dump: per source, then all sources together."""
    sources = ld.sources(snapshot)
    rows = []
    for name, info in [*sorted(sources.items()), (ALL, None)]:
        licences = (
            [info.licence]
            if info is not None
            else sorted({i.licence for i in sources.values() if i.licence})
        )
        rows.append(
            {
                "id": f"{ld.settings.base_url}/dumps/{name}",
                "title": name,
                "license": licences[0] if len(licences) == 1 else licences,
                "nquads": dump_url(ld, name, "nquads"),
                "jsonld": dump_url(ld, name, "jsonld"),
                "modified": info.modified if info else max(i.modified for i in sources.values()),
            }
        )
    return rows


@router.get("/dumps")
def dumps(request: Request, ld: LinkedDataDep) -> Response:
    snapshot = ld.store.snapshot()
    body = orjson.dumps(
        {
            "@context": ld.context_url,
            "id": f"{ld.settings.base_url}/dumps",
            "dumps": listing(ld, snapshot) if ld.sources(snapshot) else [],
        }
    )
    etag = etag_of(body)
    return not_modified(request, etag, None) or Response(
        body, media_type="application/json", headers={"ETag": etag}
    )


@router.get("/dumps/{filename}")
def dump(filename: str, request: Request, ld: LinkedDataDep) -> Response:
    """``/dumps/{source|all}.nq.gz`` or ``.jsonl.gz``, streamed."""
    kind = next((k for k, s in SUFFIX.items() if filename.endswith(s)), None)
    if kind is None:
        raise NotFound(f"/dumps/{filename}: dumps end in .nq.gz or .jsonl.gz (see /dumps)")
    name = filename.removesuffix(SUFFIX[kind])
    snapshot = ld.store.snapshot()
    sources = ld.sources(snapshot)
    chosen: list[SourceInfo] = (
        sorted(sources.values(), key=lambda i: i.source)
        if name == ALL
        else [ld.source(snapshot, name)]
    )
    if not chosen:
        raise NotFound("there are no sources to dump yet")
    etag = etag_of(snapshot.generation, filename, ld.settings.base_url)
    modified = http_date(max(i.modified for i in chosen))
    licences = sorted({i.licence for i in chosen if i.licence})
    headers = {
        **validators(etag, modified),
        "Link": ", ".join(f'<{lic}>; rel="license"' for lic in licences),
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Content-Encoding": "identity",
    }
    cached = not_modified(request, etag, modified)
    if cached is not None:
        return cached
    paths: list[Path] = ld.dumps.ensure_all(snapshot, chosen, kind)
    headers["Content-Length"] = str(sum(p.stat().st_size for p in paths))
    return StreamingResponse(file_chunks(paths), media_type="application/gzip", headers=headers)
