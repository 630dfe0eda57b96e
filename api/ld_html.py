"""HTML pages for people: an entity, the vocabulary, and errors, in one plain template (no CDN)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources
from string import Template

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from api.jsonld import compactor
from commons_graph.errors import CommonsGraphError
from commons_graph.namespaces import RDF_TYPE, RDFS, SCHEMA, SKOS
from loaders.provenance import SourceInfo

LABELS = (
    SCHEMA + "name",
    SCHEMA + "legalName",
    SCHEMA + "alternateName",
    RDFS + "label",
    SKOS + "prefLabel",
)
MAX_VALUES = 50


@cache
def _template() -> Template:
    text = resources.files("api").joinpath("static/ld-page.html").read_text(encoding="utf-8")
    return Template(text)


def page(title: str, body: str, head: str = "") -> str:
    return _template().substitute(title=escape(title), body=body, head=head)


def error_page(err: CommonsGraphError) -> str:
    """The project's error body, for browsers: status, title and message."""
    body = (
        f'<section class="error"><p><strong>{err.status} {escape(err.title)}</strong></p>'
        f"<p>{escape(err.message)}</p></section>"
    )
    return page(f"{err.status} {err.title}", body)


@dataclass(frozen=True)
class Related:
    """Another description of the same organisation: in a source, or in Wikidata."""

    iri: str
    where: str


class Linker:
    """Turns IRIs into links: this deployment's IRIs become local paths, so pages work anywhere."""

    def __init__(self, base: str) -> None:
        self.base = base

    def href(self, iri: str) -> str:
        if iri.startswith(self.base + "/"):
            return iri[len(self.base) :]
        if iri.startswith("http://www.wikidata.org/entity/Q"):
            return "/wikidata/" + iri.rsplit("/", 1)[1]
        return iri

    def link(self, iri: str, text: str | None = None) -> str:
        shown = text if text is not None else compactor().compact_iri(iri)
        return f'<a href="{escape(self.href(iri), quote=True)}">{escape(shown)}</a>'


def labels(triples: Iterable[Triple], entity: NamedNode) -> list[Literal]:
    found = [
        t.object
        for t in triples
        if t.subject == entity and t.predicate.value in LABELS and isinstance(t.object, Literal)
    ]
    english = [x for x in found if x.language in (None, "", "en")]
    return english + [x for x in found if x not in english]


def entity_page(
    entity: NamedNode,
    triples: Sequence[Triple],
    source: SourceInfo | None,
    related: Sequence[Related],
    linker: Linker,
    formats: Sequence[tuple[str, str]],
) -> str:
    """An entity's page: labels, types, links elsewhere, provenance, then every statement."""
    names = labels(triples, entity)
    title = names[0].value if names else entity.value
    parts = [f"<p><code>{escape(entity.value)}</code></p>"]
    if len(names) > 1:
        shown = ", ".join(_literal(n) for n in names[:MAX_VALUES])
        more = f" (and {len(names) - MAX_VALUES} more)" if len(names) > MAX_VALUES else ""
        parts.append(f"<p>Also known as: {shown}{more}</p>")
    types = [
        t.object.value
        for t in triples
        if t.subject == entity and t.predicate == RDF_TYPE and isinstance(t.object, NamedNode)
    ]
    if types:
        parts.append("<p>Type: " + ", ".join(linker.link(t) for t in types) + "</p>")
    parts.append("<h2>Elsewhere</h2>")
    if related:
        items = "".join(
            f"<li>{linker.link(r.iri, r.iri)} <small>({escape(r.where)})</small></li>"
            for r in related
        )
        parts.append(f"<ul>{items}</ul>")
    else:
        parts.append("<p>No other source or Wikidata item is linked to this entity.</p>")
    parts.append("<h2>Provenance</h2>")
    if source is not None:
        licence = linker.link(source.licence, source.licence) if source.licence else "not stated"
        parts.append(
            "<dl>"
            f"<dt>Source</dt><dd>{linker.link(f'{linker.base}/collections/{source.source}', source.source)}"
            f" ({escape(source.format)}; from <code>{escape(source.input)}</code>)</dd>"
            f"<dt>Licence</dt><dd>{licence}</dd>"
            f"<dt>Loaded</dt><dd>{escape(source.modified)}</dd>"
            "</dl>"
        )
    parts.append("<h2>Statements</h2>")
    parts.append(_statements(entity, triples, linker))
    alternates = " · ".join(
        f'<a href="{escape(h, quote=True)}">{escape(n)}</a>' for n, h in formats
    )
    parts.append(f"<p>Also as: {alternates}</p>")
    return page(title, "\n".join(parts))


def _statements(entity: NamedNode, triples: Sequence[Triple], linker: Linker) -> str:
    by_subject: dict[str, list[Triple]] = {}
    for triple in triples:
        by_subject.setdefault(_node_id(triple.subject), []).append(triple)
    out = []
    order = [entity.value, *sorted(k for k in by_subject if k != entity.value)]
    for subject in order:
        rows = by_subject.get(subject, [])
        if not rows:
            continue
        anchor = subject.partition("#")[2]
        heading = (
            ""
            if subject == entity.value
            else f'<h3 id="{escape(anchor, quote=True)}">{escape(subject)}</h3>'
        )
        cells = "".join(
            f"<tr><th>{linker.link(t.predicate.value)}</th><td>{_value(t.object, linker)}</td></tr>"
            for t in sorted(rows, key=lambda t: t.predicate.value)
        )
        out.append(f"{heading}<table>{cells}</table>")
    return "\n".join(out)


def _node_id(node: object) -> str:
    if isinstance(node, NamedNode):
        return node.value
    if isinstance(node, BlankNode):
        return f"_:{node.value}"
    return str(node)


def _value(value: object, linker: Linker) -> str:
    if isinstance(value, NamedNode):
        return linker.link(value.value)
    if isinstance(value, Literal):
        return _literal(value)
    return escape(_node_id(value))


def _literal(value: Literal) -> str:
    text = escape(value.value)
    if value.language:
        return f'{text} <small lang="{escape(value.language, quote=True)}">@{escape(value.language)}</small>'
    datatype = value.datatype.value
    if datatype.endswith("#string"):
        return text
    return f"{text} <small>{escape(compactor().compact_iri(datatype))}</small>"


def vocabulary_page(triples: Sequence[Triple], namespace: str, linker: Linker) -> str:
    """The vocabulary for people: one section per term, anchored by its local name."""
    by_subject: dict[str, list[Triple]] = {}
    for triple in triples:
        by_subject.setdefault(_node_id(triple.subject), []).append(triple)
    parts = [
        f"<p>Namespace <code>{escape(namespace)}</code>. Also as "
        '<a href="/ns.ttl">Turtle</a> and <a href="/ns.jsonld">JSON-LD</a> (its <code>@context</code>'
        " is the context of every JSON-LD document of this service).</p>"
    ]
    for subject in sorted(by_subject):
        if not subject.startswith(namespace):
            continue
        anchor = subject[len(namespace) :]
        cells = "".join(
            f"<tr><th>{linker.link(t.predicate.value)}</th><td>{_value(t.object, linker)}</td></tr>"
            for t in sorted(by_subject[subject], key=lambda t: t.predicate.value)
        )
        parts.append(
            f'<section id="{escape(anchor, quote=True)}"><h2>cg:{escape(anchor)}</h2>'
            f"<table>{cells}</table></section>"
        )
    return page("Commons Graph vocabulary", "\n".join(parts))
