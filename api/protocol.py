"""The SPARQL 1.1 Protocol: turn an HTTP request into one operation, or a 4xx error.

A request is a function of (request, settings): :func:`read_operation` reads the parameters from
the URL and the body as the Protocol says, and refuses what the W3C protocol tests expect refused:

* a method other than GET or POST: 405;
* an update via GET, two ``query`` or two ``update`` parameters, both at once: 400;
* a POST without a Content-Type, or with one the Protocol does not define: 415;
* a body that is not UTF-8 (or says another charset): 415 for the charset, 400 for bad bytes;
* a body larger than ``settings.max_body_bytes``: 413.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl

from fastapi import Request

from commons_graph.errors import (
    BadInput,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"

_DATASET_PARAMS = (
    "default-graph-uri",
    "named-graph-uri",
    "using-graph-uri",
    "using-named-graph-uri",
)


@dataclass(frozen=True)
class Operation:
    """One protocol operation. ``kind`` is None for a GET without a query (service description)."""

    kind: Literal["query", "update"] | None
    text: str = ""
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    format: str | None = None
    params: dict[str, list[str]] = field(default_factory=dict)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the request body has {declared} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(header: str | None) -> tuple[str, str | None]:
    """(media type, charset or None) of a Content-Type header."""
    if not header:
        return "", None
    main, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return main.strip().lower(), charset


def _decode(body: bytes, charset: str | None, what: str) -> str:
    if charset is not None and charset not in {"utf-8", "utf8"}:
        raise UnsupportedMediaType(f"the {what} must be UTF-8, not {charset}")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadInput(f"the {what} is not valid UTF-8: {err}") from err


def _params(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise BadInput(f"the request has {len(values)} '{name}' parameters; send exactly one")
    return values[0] if values else None


async def read_operation(request: Request, max_body_bytes: int) -> Operation:
    """Read the one SPARQL operation of ``request`` (see the module docstring for refusals)."""
    method = request.method
    if method not in {"GET", "POST", "HEAD"}:
        raise MethodNotAllowed(f"{method} is not allowed here; use GET or POST")
    try:
        url_params = _params(
            parse_qsl(
                request.url.query, keep_blank_values=True, strict_parsing=False, errors="strict"
            )
        )
    except UnicodeDecodeError as err:
        raise BadInput(f"the URL's query string is not valid UTF-8: {err}") from err
    params = url_params
    text: str | None = None
    kind: Literal["query", "update"] | None = None
    if method == "POST":
        media_type, charset = _media_type(request.headers.get("content-type"))
        body = await read_body(request, max_body_bytes)
        if media_type == FORM:
            form = _decode(body, charset, "form body")
            try:
                body_params = _params(parse_qsl(form, keep_blank_values=True, errors="strict"))
            except UnicodeDecodeError as err:
                raise BadInput(f"the form body is not valid UTF-8: {err}") from err
            params = {**url_params}
            for name, values in body_params.items():
                params[name] = params.get(name, []) + values
        elif media_type in {SPARQL_QUERY, SPARQL_UPDATE}:
            kind = "query" if media_type == SPARQL_QUERY else "update"
            text = _decode(body, charset, "request body")
            if "query" in params or "update" in params:
                raise BadInput(
                    f"a {media_type} request has the operation in its body, not in the URL"
                )
        elif not media_type:
            raise UnsupportedMediaType(
                f"a POST needs a Content-Type: {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE}"
            )
        else:
            raise UnsupportedMediaType(
                f"Content-Type {media_type} is not supported; use {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE}"
            )
    if text is None:
        query, update = _single(params, "query"), _single(params, "update")
        if query is not None and update is not None:
            raise BadInput("send either a 'query' or an 'update' parameter, not both")
        if update is not None:
            if method != "POST":
                raise BadInput("an update must be sent with POST, never GET")
            kind, text = "update", update
        elif query is not None:
            kind, text = "query", query
    if kind == "update":
        default_graphs = tuple(params.get("using-graph-uri", []))
        named_graphs = tuple(params.get("using-named-graph-uri", []))
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            raise BadInput(
                "an update takes using-graph-uri and using-named-graph-uri, not default-graph-uri"
            )
    else:
        default_graphs = tuple(params.get("default-graph-uri", []))
        named_graphs = tuple(params.get("named-graph-uri", []))
    for name in _DATASET_PARAMS:
        for value in params.get(name, []):
            if not value:
                raise BadInput(f"the '{name}' parameter is empty")
    return Operation(
        kind, text or "", default_graphs, named_graphs, _single(params, "format"), params
    )
