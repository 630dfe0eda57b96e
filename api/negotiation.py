"""Content negotiation: ONE table-driven function with q-values.

Every representation the API can produce is a row of :data:`FORMATS`, grouped by *kind*: the
results of SELECT and ASK (``"results"``), RDF graphs from CONSTRUCT, DESCRIBE and the service
description (``"graph"``), and the HTML query page (``"html"``). :func:`negotiate` picks the row
with the highest q-value in the ``Accept`` header (ties go to the table's order, which is the
server's preference), or the row named by a ``format=`` parameter for plain links. If nothing
matches, :class:`~commons_graph.errors.NotAcceptable` (406) names the accepted types.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from commons_graph.errors import NotAcceptable

Kind = Literal["results", "graph", "html"]


@dataclass(frozen=True)
class Format:
    """One representation: its media type, its kind, a short name for ``format=``, and aliases."""

    media_type: str
    kind: Kind
    key: str
    names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """The Content-Type header value (text types say their charset)."""
        if self.media_type.startswith("text/") or self.media_type.endswith(("json", "xml")):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


#: Every representation, in the server's order of preference within each kind.
FORMATS: tuple[Format, ...] = (
    Format(
        "application/sparql-results+json", "results", "json", ("json", "srj"), ("application/json",)
    ),
    Format(
        "application/sparql-results+xml",
        "results",
        "xml",
        ("xml", "srx"),
        ("application/xml", "text/xml"),
    ),
    Format("text/csv", "results", "csv", ("csv",)),
    Format("text/tab-separated-values", "results", "tsv", ("tsv",)),
    Format("text/turtle", "graph", "turtle", ("turtle", "ttl"), ("application/x-turtle",)),
    Format(
        "application/n-triples",
        "graph",
        "ntriples",
        ("ntriples", "nt", "n-triples"),
        ("text/plain",),
    ),
    Format(
        "application/rdf+xml",
        "graph",
        "rdfxml",
        ("rdfxml", "rdf", "xml"),
        ("application/xml", "text/xml"),
    ),
    Format(
        "application/ld+json",
        "graph",
        "jsonld",
        ("jsonld", "json-ld", "json"),
        ("application/json",),
    ),
    Format("text/html", "html", "html", ("html",), ("application/xhtml+xml",)),
)

_BY_KIND: dict[Kind, tuple[Format, ...]] = {
    kind: tuple(f for f in FORMATS if f.kind == kind) for kind in ("results", "graph", "html")
}


def accepted_types(kinds: tuple[Kind, ...]) -> list[str]:
    """The media types of ``kinds``, for the 406 message and the service description."""
    return [f.media_type for kind in kinds for f in _BY_KIND[kind]]


def _parse_accept(header: str) -> list[tuple[str, str, float]]:
    """``Accept`` as (type, subtype, q) ranges; malformed ranges are ignored, as RFC 9110 allows."""
    ranges: list[tuple[str, str, float]] = []
    for part in header.split(","):
        fields = part.strip().split(";")
        main, _, sub = fields[0].strip().lower().partition("/")
        if not main or not sub:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((main, sub, q))
    return ranges


def _quality(fmt: Format, ranges: list[tuple[str, str, float]]) -> float:
    """The q of the most specific range matching ``fmt`` (or one of its aliases); -1 if none."""
    best_specificity, best_q = -1, -1.0
    for media_type in (fmt.media_type, *fmt.aliases):
        main, _, sub = media_type.partition("/")
        alias_penalty = 0.0 if media_type == fmt.media_type else 0.001
        for r_main, r_sub, q in ranges:
            if r_main == main and r_sub == sub:
                specificity = 2
            elif r_main == main and r_sub == "*":
                specificity = 1
            elif r_main == "*" and r_sub == "*":
                specificity = 0
            else:
                continue
            if specificity > best_specificity:
                best_specificity, best_q = specificity, max(q - alias_penalty, 0.0) if q else 0.0
    return best_q


def negotiate(accept: str | None, format_param: str | None, kinds: tuple[Kind, ...]) -> Format:
    """The representation to send, among the formats of ``kinds`` (in that order of preference).

    ``format_param`` (a short name like ``json`` or ``ttl``, or a media type) wins over ``Accept``.
    A missing or empty ``Accept`` means ``*/*``. Raises NotAcceptable naming the accepted types.
    """
    return _negotiate(accept, format_param, kinds)


@lru_cache(maxsize=1024)
def _negotiate(accept: str | None, format_param: str | None, kinds: tuple[Kind, ...]) -> Format:
    """:func:`negotiate`, cached: it is a pure function of its arguments, and clients send few
    distinct ``Accept`` headers. A refusal is not cached; it is worked out again."""
    candidates = [f for kind in kinds for f in _BY_KIND[kind]]
    if format_param:
        wanted = format_param.strip().lower()
        for fmt in candidates:
            if wanted == fmt.media_type or wanted in fmt.names:
                return fmt
        raise NotAcceptable(
            f"format={format_param!r} is not available here; use one of "
            + ", ".join(f.names[0] for f in candidates)
            + " (or the media types "
            + ", ".join(f.media_type for f in candidates)
            + ")"
        )
    ranges = _parse_accept(accept) if accept and accept.strip() else [("*", "*", 1.0)]
    best: Format | None = None
    best_q = 0.0
    for fmt in candidates:
        q = _quality(fmt, ranges)
        if q > best_q:
            best, best_q = fmt, q
    if best is None:
        raise NotAcceptable(
            f"none of the types in Accept: {accept} is available here; accepted types are "
            + ", ".join(f.media_type for f in candidates)
        )
    return best
