"""Compact JSON-LD straight from triples, with the published context (``ontologies/context.jsonld``).

A JSON-LD processor's compaction algorithm (pyld) takes milliseconds per entity; a harvest needs
thousands of entities a second. The context is simple enough to apply directly:

* a predicate becomes a *term* of the context when the term's definition (``@id`` and optional
  ``@type`` coercion, no container) fits the value: ``"@type": "@id"`` terms take IRIs, typed terms
  take literals of exactly that datatype, plain terms take plain strings and value objects;
* otherwise it becomes a compact IRI (``cg:foo``, ``wdt:P31``) with an explicit value
  (``{"@id": …}`` or ``{"@value": …, "@type"|"@language": …}``), or stays a full IRI;
* ``rdf:type`` becomes ``type`` with compact class IRIs;
* nested nodes (see :mod:`graph.describe`) are embedded where they are first referenced; a node
  referenced again is ``{"id": …}``; nodes that nothing references are listed in ``@graph``.

Lexical forms are kept exactly (numbers stay strings with their datatype), so expanding a document
with any JSON-LD 1.1 processor gives back exactly the triples it was built from; the tests check
this for every entity of the shared data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from commons_graph.namespaces import RDF, RDF_TYPE, XSD
from ontologies import context as load_context

XSD_STRING = XSD + "string"
RDF_LANG_STRING = RDF + "langString"
_GEN_DELIMS = ("/", "#", ":", "?", "[", "]", "@")
_RDF_TYPE = RDF_TYPE.value

Json = dict[str, Any]
Node = NamedNode | BlankNode


@dataclass(frozen=True)
class Term:
    name: str
    coerce: str | None  # "@id", a datatype IRI, or None


class Compactor:
    """Compacts IRIs and builds compact node objects for one context document."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        defs: Mapping[str, Any] = context["@context"]
        self.context = defs
        self.prefixes: dict[str, str] = {}  # namespace IRI -> prefix
        raw_terms: dict[str, Mapping[str, Any]] = {}
        for name, definition in defs.items():
            if name.startswith("@") or definition in ("@id", "@type"):
                continue
            if isinstance(definition, str):
                if definition.endswith(_GEN_DELIMS) and ":" not in name:
                    self.prefixes.setdefault(definition, name)
                else:
                    raw_terms[name] = {"@id": definition}
            elif isinstance(definition, Mapping) and set(definition) <= {"@id", "@type"}:
                raw_terms[name] = definition
        self.terms: dict[str, list[Term]] = {}  # predicate IRI -> terms
        for name, definition in raw_terms.items():
            iri = self.expand(str(definition["@id"]))
            coerce = definition.get("@type")
            coerce = self.expand(coerce) if coerce and coerce != "@id" else coerce
            self.terms.setdefault(iri, []).append(Term(name, coerce))
        self._keys: dict[tuple[str, str | None], tuple[str, bool]] = {}

    def expand(self, value: str) -> str:
        prefix, colon, rest = value.partition(":")
        if colon and not rest.startswith("//"):
            for namespace, name in self.prefixes.items():
                if name == prefix:
                    return namespace + rest
        return value

    @cache  # noqa: B019 - one Compactor per context, kept for the process
    def compact_iri(self, iri: str) -> str:
        """``prefix:local`` when a prefix of the context covers ``iri`` (and the result cannot be
        mistaken for a term or another IRI), else ``iri`` itself."""
        for cut in (iri.rfind("#"), iri.rfind("/")):
            if cut <= 0:
                continue
            name = self.prefixes.get(iri[: cut + 1])
            local = iri[cut + 1 :]
            if name and local and not local.startswith("//") and ":" not in local:
                return f"{name}:{local}"
        return iri

    def _key(self, predicate: str, kind: str | None) -> tuple[str, bool]:
        """The key for ``predicate`` with a value of ``kind`` ("@id", a datatype, or None for a
        plain string or language string), and whether the value may be written bare."""
        found = self._keys.get((predicate, kind))
        if found is None:
            # no term: a compact (or full) IRI, where a plain string needs no value object
            found = (self.compact_iri(predicate), kind is None)
            for term in self.terms.get(predicate, ()):
                if term.coerce == kind:
                    found = (term.name, True)
                    break
                if term.coerce is None:
                    found = (term.name, kind is None)
            self._keys[(predicate, kind)] = found
        return found

    def node_objects(self, triples: Iterable[Triple]) -> dict[Node, Json]:
        """A compact node object per subject, with references left as ``{"id": …}``.

        The loop of every page and dump: each attribute of a pyoxigraph term is a call into the
        engine, so every one is read once, and a run of triples of one subject (as
        :mod:`graph.describe` gives them) looks its node up once."""
        nodes: dict[Node, Json] = {}
        known = self._keys.get
        compact_iri = self.compact_iri
        last: object = None
        node: Json = {}
        for subject, predicate_node, obj in triples:
            if subject != last:
                if not isinstance(subject, NamedNode | BlankNode):
                    raise ValueError(f"cannot write the quoted triple {subject} as JSON-LD")
                found = nodes.get(subject)
                if found is None:
                    found = nodes[subject] = {"id": _id(subject)}
                node, last = found, subject
            predicate: str = predicate_node.value
            kind = type(obj)
            value: Any
            if kind is Literal:
                language = obj.language
                if language:
                    key = (known((predicate, None)) or self._key(predicate, None))[0]
                    value = {"@value": obj.value, "@language": language}
                else:
                    datatype = obj.datatype.value
                    coerce = None if datatype == XSD_STRING else datatype
                    key, bare = known((predicate, coerce)) or self._key(predicate, coerce)
                    if bare:
                        value = obj.value
                    elif coerce is None:
                        value = {"@value": obj.value}
                    else:
                        value = {"@value": obj.value, "@type": compact_iri(datatype)}
            elif kind is NamedNode or kind is BlankNode:
                ref = compact_iri(obj.value) if kind is NamedNode else "_:" + obj.value
                if predicate == _RDF_TYPE and kind is NamedNode:
                    key, value = "type", ref
                else:
                    key, bare = known((predicate, "@id")) or self._key(predicate, "@id")
                    value = ref if bare else {"id": ref}
            else:  # RDF-star quoted triples are not used by the loaders
                raise ValueError(f"cannot write {obj} as JSON-LD")
            existing = node.get(key)
            if existing is None:
                node[key] = value
            elif type(existing) is list:
                existing.append(value)
            else:
                node[key] = [existing, value]
        return nodes

    def document(self, triples: Iterable[Triple], entity: Node, context: Any) -> Json:
        """The compact document of ``entity``: its node object, with nested nodes embedded."""
        body = self.frame(triples, entity)
        return {"@context": context, **body}

    def frame(self, triples: Iterable[Triple], entity: Node, embed: bool = True) -> Json:
        """The entity's node object (no ``@context``), with every other subject embedded where it
        is first referenced; subjects never referenced go to ``@graph``. Without ``embed``, all
        subjects are listed flat in ``@graph`` (for a vocabulary), the entity first."""
        nodes = self.node_objects(triples)
        if not embed:
            root = nodes.pop(entity, {"id": _id(entity)})
            return {"@graph": [root, *nodes.values()]}
        by_ref = {self._ref(subject): subject for subject in nodes}
        root = nodes.pop(entity, {"id": _id(entity)})
        self._embed(root, nodes, by_ref)
        if not nodes:
            return root
        rest = []
        while nodes:
            subject, node = next(iter(nodes.items()))
            del nodes[subject]
            self._embed(node, nodes, by_ref)
            rest.append(node)
        return {"@graph": [root, *rest]}

    def _embed(self, node: Json, pending: dict[Node, Json], by_ref: Mapping[str, Node]) -> None:
        """Replace references to pending subjects in ``node`` by their node objects, depth first."""
        for key, value in node.items():
            if key in ("id", "type"):
                continue
            values = value if isinstance(value, list) else [value]
            for i, item in enumerate(values):
                ref = item.get("id") if isinstance(item, dict) else item
                if not isinstance(ref, str) or ref not in by_ref:
                    continue
                if isinstance(item, str) and not self._is_reference_key(key):
                    continue  # a bare string under a non-@id term is a literal
                child = pending.pop(by_ref[ref], None)
                if child is None:
                    continue
                self._embed(child, pending, by_ref)
                values[i] = child
            if not isinstance(value, list) and values[0] is not value:
                node[key] = values[0]

    def _ref(self, node: Node) -> str:
        """How a reference to ``node`` is written."""
        return _id(node) if isinstance(node, BlankNode) else self.compact_iri(node.value)

    def _is_reference_key(self, key: str) -> bool:
        definition = self.context.get(key)
        return isinstance(definition, Mapping) and definition.get("@type") == "@id"


def _id(node: Node) -> str:
    return f"_:{node.value}" if isinstance(node, BlankNode) else node.value


@cache
def compactor() -> Compactor:
    """The compactor of the published context (read once per process)."""
    return Compactor(load_context())


def context_terms() -> dict[str, Any]:
    """The published context's term definitions (the value of its ``@context``)."""
    terms: dict[str, Any] = compactor().context  # type: ignore[assignment]
    return terms
