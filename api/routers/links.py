"""The links between sources: the review queue and the linked organisations' pages.

* ``GET /links/review``: the pairs the link step was unsure of, both records side by side, as HTML,
  JSON or CSV (content negotiation, or ``?format=``); ``limit`` and ``offset`` page through it.
* ``POST /links/review``: a reviewer accepts or rejects a pair (``a``, ``b``, ``decision`` =
  ``accept`` | ``reject``, optional ``note``; JSON or form body) with
  ``Authorization: Bearer <admin token>``. The decision is stored in the links graph and the link
  step runs again, so it takes effect at once and survives every later run.
* ``GET /id/org/{id}``: a linked organisation, merged from its records with per-value provenance
  (:mod:`linking.view`), as HTML, JSON-LD or another RDF syntax.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pyoxigraph import Literal, NamedNode, RdfFormat, serialize

from api.auth import require_admin
from api.deps import SettingsDep, StoreDep
from api.jsonld import compactor
from api.negotiation import Format, negotiate
from commons_graph.errors import BadInput, NotAcceptable
from commons_graph.iris import Iris
from linking.review import LinkRow, RecordView, decide, queue, record_view
from linking.view import View, view

router = APIRouter(tags=["links"])

_REVIEW_KEYS = ("html", "json", "csv")
_RDF_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "rdfxml": RdfFormat.RDF_XML,
}
_CSV_FIELDS = (
    "name",
    "legal name",
    "street",
    "locality",
    "postcode",
    "website",
    "registered number",
)


def _review_format(request: Request, format_param: str | None) -> Format:
    fmt = negotiate(request.headers.get("accept"), format_param, ("html", "results"))
    if fmt.key not in _REVIEW_KEYS:
        raise NotAcceptable(
            f"the review queue is available as HTML, JSON and CSV (text/html, application/json, "
            f"text/csv), not {fmt.media_type}"
        )
    return fmt


def _record_json(record: RecordView) -> dict[str, Any]:
    return {"id": record.iri, "source": record.source, **record.fields}


def _item(row: LinkRow, a: RecordView, b: RecordView) -> dict[str, Any]:
    return {
        "link": row.link,
        "confidence": row.confidence,
        "method": row.method,
        "evidence": row.evidence,
        "a": _record_json(a),
        "b": _record_json(b),
    }


@router.get("/links/review", response_model=None)
def review_queue(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    format: Annotated[str | None, Query(alias="format")] = None,
) -> Response:
    """The review queue (most confident pairs first)."""
    fmt = _review_format(request, format)
    iris = Iris(settings.base_url)
    snapshot = store.snapshot()
    rows = queue(snapshot, iris)
    page = rows[offset : offset + limit]
    items = [
        _item(r, record_view(snapshot, iris, r.a), record_view(snapshot, iris, r.b)) for r in page
    ]
    if fmt.key == "json":
        body = {"total": len(rows), "offset": offset, "limit": limit, "items": items}
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")
    if fmt.key == "csv":
        return Response(_csv(items), media_type="text/csv; charset=utf-8")
    return HTMLResponse(_review_html(items, len(rows), offset, limit))


def _csv(items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    side = [f"{s} {f}" for s in "ab" for f in ("id", "source", *_CSV_FIELDS)]
    writer.writerow(["link", "confidence", "method", "evidence", *side])
    for item in items:
        cells = [item["link"], f"{item['confidence']:.3f}", item["method"], item["evidence"]]
        for s in "ab":
            record = item[s]
            cells += [record["id"], record["source"]]
            cells += ["; ".join(record.get(f, [])) for f in _CSV_FIELDS]
        writer.writerow(cells)
    return out.getvalue()


_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem;"
    "vertical-align:top;text-align:left}small{color:#555}"
)


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}"
        f"</title><style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _record_html(record: dict[str, Any]) -> str:
    lines = [
        f"<a href='{escape(record['id'])}'>{escape(record['id'])}</a> <small>{escape(record['source'])}</small>"
    ]
    for field in _CSV_FIELDS:
        if record.get(field):
            lines.append(f"<b>{escape(field)}</b>: {escape('; '.join(record[field]))}")
    return "<br>".join(lines)


def _review_html(items: list[dict[str, Any]], total: int, offset: int, limit: int) -> str:
    rows = "".join(
        f"<tr><td>{item['confidence']:.3f}<br><small>{escape(item['method'])}</small></td>"
        f"<td>{_record_html(item['a'])}</td><td>{_record_html(item['b'])}</td>"
        f"<td><small>{escape(item['evidence'])}</small></td></tr>"
        for item in items
    )
    nav = f"<p>{total:,} pairs to review; showing {offset + 1:,} to {offset + len(items):,}."
    if offset + limit < total:
        nav += f" <a href='?offset={offset + limit}&amp;limit={limit}'>next</a>"
    nav += (
        "</p><p><small>Decide with <code>POST /links/review</code> "
        '<code>{"a": …, "b": …, "decision": "accept"|"reject"}</code> and the admin token.'
        "</small></p>"
    )
    table = (
        "<table><tr><th>confidence</th><th>record a</th><th>record b</th><th>evidence</th></tr>"
        f"{rows}</table>"
    )
    return _page("Links to review", nav + table)


async def _decision_body(request: Request) -> dict[str, str]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError) as err:
            raise BadInput(f"the request body is not valid JSON: {err}") from err
        if not isinstance(data, dict):
            raise BadInput("the request body must be a JSON object with a, b and decision")
        return {k: v for k, v in data.items() if isinstance(v, str)}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/links/review")
async def review_decision(
    request: Request, store: StoreDep, settings: SettingsDep
) -> dict[str, Any]:
    """Store an accept/reject decision (admin token) and run the link step."""
    require_admin(request.headers.get("authorization"), settings.admin_token)
    body = await _decision_body(request)
    missing = [k for k in ("a", "b", "decision") if not body.get(k)]
    if missing:
        raise BadInput(
            f"a decision needs the fields a, b and decision; missing: {', '.join(missing)}"
        )
    decision = body["decision"].strip().lower()
    if decision not in ("accept", "reject"):
        raise BadInput(f"decision must be 'accept' or 'reject', not {body['decision']!r}")
    iris = Iris(settings.base_url)
    report = await anyio.to_thread.run_sync(
        lambda: decide(store, iris, body["a"], body["b"], decision == "accept", body.get("note"))
    )
    return {"a": body["a"], "b": body["b"], "decision": decision, "links": report.summary()}


@router.get("/id/org/{ident}", response_model=None)
def organisation(
    ident: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    format: Annotated[str | None, Query(alias="format")] = None,
) -> Response:
    """A linked organisation: its merged view, with which source says what."""
    fmt = negotiate(request.headers.get("accept"), format, ("html", "graph"))
    merged = view(store.snapshot(), Iris(settings.base_url), ident)
    if fmt.key == "html":
        return HTMLResponse(_org_html(merged))
    if fmt.key == "jsonld":
        context_url = f"{settings.base_url}/context.jsonld"
        document = compactor().document(merged.triples, merged.org, context_url)
        return Response(json.dumps(document, ensure_ascii=False), media_type=fmt.content_type)
    data = serialize(merged.triples, format=_RDF_FORMATS[fmt.key])
    return Response(data, media_type=fmt.content_type)


def _org_html(merged: View) -> str:
    def show(value: object) -> str:
        if isinstance(value, NamedNode):
            return f"<a href='{escape(value.value)}'>{escape(compactor().compact_iri(value.value))}</a>"
        if isinstance(value, Literal):
            return escape(value.value)
        return escape(str(value))

    records = "".join(
        f"<li><a href='{escape(iri)}'>{escape(iri)}</a> <small>{escape(source)}</small></li>"
        for source, iri in merged.records
    )
    rows = "".join(
        f"<tr><td>{escape(compactor().compact_iri(v.predicate))}</td><td>{show(v.value)}</td>"
        f"<td>{'<br>'.join(f'<small>{escape(s)}</small>' for s in sorted({s for s, _ in v.sources}))}</td></tr>"
        for v in merged.values
    )
    body = (
        f"<p><code>{escape(merged.org.value)}</code></p><h2>Records</h2><ul>{records}</ul>"
        "<h2>What the sources say</h2><table><tr><th>property</th><th>value</th><th>sources</th>"
        f"</tr>{rows}</table>"
    )
    return _page(merged.label, body)
