"""What the graph says about one entity: its *description*, a Concise-Bounded-Description-like shape.

The description of an entity ``e`` in a graph ``g`` is:

1. every triple of ``g`` whose subject is ``e``;
2. recursively, every triple of ``g`` whose subject is a *nested node* reached from ``e`` (or
   from a nested node already in the description) as an object. Nested nodes are:

   * blank nodes (as in a CBD);
   * fragment nodes of the entity's own IRI, ``e#…`` (``#address``, ``#registration``,
     ``#geo``, ``#platform-0``: addresses, registrations, open collections and platforms);
   * Wikidata statement, reference and value nodes (``wds:``, ``wdref:``, ``wdv:``), which hang
     off an item's ``p:`` properties and a statement's ``prov:wasDerivedFrom``;

3. the pages *about* the entity: subjects ``a`` with ``a schema:about e`` in ``g`` that are not
   entities themselves (Wikidata sitelinks: ``<https://en.wikipedia.org/wiki/…> schema:about wd:Q…``),
   with their own triples.

Unlike a CBD, other IRIs are never followed (a linked organisation or a class is a link, not part
of the description), and reification is not used. A Wikidata reference node shared by several
statements (or items) is part of each description that reaches it.

The *entities* of a graph are its IRI subjects that are not nested nodes or pages of another
subject; :func:`entities` lists them in a stable order (by IRI, as Unicode code points).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from pyoxigraph import BlankNode, NamedNode, QuerySolutions, Triple, Variable

from commons_graph.namespaces import SCHEMA_ABOUT, WDREF, WDS, WDV
from graph.store import Snapshot

_WIKIBASE_NODES = (WDS, WDREF, WDV)

Subject = NamedNode | BlankNode


def is_nested(node: object, entity: NamedNode) -> bool:
    """Whether ``node``, met as an object in the description of ``entity``, belongs to it."""
    if isinstance(node, BlankNode):
        return True
    if not isinstance(node, NamedNode):
        return False
    value = node.value
    return value.startswith(_WIKIBASE_NODES) or (
        value.startswith(entity.value) and value[len(entity.value) : len(entity.value) + 1] == "#"
    )


def describe(snapshot: Snapshot, entity: NamedNode, graph: NamedNode) -> list[Triple]:
    """The description of ``entity`` in ``graph`` (see the module doc); empty if it has none."""
    about = [q.subject for q in snapshot.quads(None, SCHEMA_ABOUT, entity, graph)]
    return _walk(
        entity,
        [p for p in about if isinstance(p, NamedNode | BlankNode)],
        lambda subject: [q.triple for q in snapshot.quads(subject, None, None, graph)],
    )


class GraphScan:
    """One graph read once and grouped by subject in memory (one source graph at a time): its
    entities and their descriptions (the same as :func:`entities` and :func:`describe` give)
    without another lookup in the store. For pages and dumps, which describe a whole graph."""

    def __init__(self, snapshot: Snapshot, graph: NamedNode) -> None:
        by_subject: dict[Subject, list[Triple]] = {}
        for quad in snapshot.quads(None, None, None, graph):
            subject = quad.subject
            triples = by_subject.get(subject)  # type: ignore[arg-type]
            if triples is None:
                triples = by_subject[subject] = []  # type: ignore[index]
            triples.append(quad.triple)
        pages: dict[NamedNode, list[Subject]] = {}
        page_iris: set[str] = set()  # the pages of _PAGES: whatever their object
        for quad in snapshot.quads(None, SCHEMA_ABOUT, None, graph):
            page = quad.subject
            if isinstance(quad.object, NamedNode):
                pages.setdefault(quad.object, []).append(page)  # type: ignore[arg-type]
            if isinstance(page, NamedNode) and not _is_entity_iri(page):
                page_iris.add(page.value)
        self.by_subject = by_subject
        self.pages = pages
        self.page_iris = page_iris

    def describe(self, entity: NamedNode) -> list[Triple]:
        """What :func:`describe` gives for ``entity``."""
        empty: list[Triple] = []
        return _walk(entity, self.pages.get(entity, []), lambda s: self.by_subject.get(s, empty))

    def entities(self) -> list[NamedNode]:
        """What :func:`entities` gives for this graph, worked out from the scan: IRI subjects
        that are not Wikibase nodes, pages about something, or fragment nodes reached from their
        base IRI (directly or through its other fragment nodes)."""
        iris = {s.value: s for s in self.by_subject if isinstance(s, NamedNode)}
        nested: set[str] = set()
        bases = {v.partition("#")[0] for v in iris if "#" in v}
        for base in bases & iris.keys():
            nested.update(self._fragments_reached(iris[base]))
        found = [
            value
            for value in iris
            if value not in nested
            and value not in self.page_iris
            and not value.startswith(_WIKIBASE_NODES)
        ]
        found.sort()
        return [iris[v] for v in found]

    def _fragments_reached(self, base: NamedNode) -> Iterator[str]:
        """The fragment nodes ``base#…`` linked from ``base`` or from one of them (the forward
        form of :func:`_reached`)."""
        prefix = base.value + "#"
        seen: set[str] = set()
        queue: list[Subject] = [base]
        while queue:
            for _, _, obj in self.by_subject.get(queue.pop(), ()):
                value = obj.value if isinstance(obj, NamedNode) else ""
                if value.startswith(prefix) and value not in seen:
                    seen.add(value)
                    queue.append(obj)
                    yield value


def _walk(
    entity: NamedNode, about: Iterable[Subject], triples_of: Callable[[Subject], list[Triple]]
) -> list[Triple]:
    """The description of ``entity``: its triples, its nested nodes' and the pages ``about`` it,
    with ``triples_of`` giving the triples of one subject in the graph. Pages about an entity
    with no triple of its own do not make it described here."""
    found = list(triples_of(entity))
    if not found:
        return found
    seen: set[Subject] = {entity}
    queue: list[Subject] = []
    for page in about:
        if page not in seen and not _is_entity_iri(page):
            seen.add(page)
            queue.append(page)
    for triple in found:
        _reach(triple.object, entity, seen, queue)
    while queue:
        for triple in triples_of(queue.pop()):
            found.append(triple)
            _reach(triple.object, entity, seen, queue)
    return found


def _reach(obj: object, entity: NamedNode, seen: set[Subject], queue: list[Subject]) -> None:
    """Queue ``obj`` if it is a nested node of ``entity`` not met before (tested in this order:
    most objects are literals, which are never nested and need no hashing)."""
    if is_nested(obj, entity) and obj not in seen:
        seen.add(obj)  # type: ignore[arg-type]  # is_nested: a NamedNode or BlankNode
        queue.append(obj)  # type: ignore[arg-type]


def _is_entity_iri(node: Subject) -> bool:
    """Pages about an entity are never entities of this deployment or Wikidata items."""
    return isinstance(node, NamedNode) and (
        "/id/" in node.value or node.value.startswith("http://www.wikidata.org/entity/")
    )


def entities(snapshot: Snapshot, graph: NamedNode) -> list[NamedNode]:
    """The entities of ``graph``: IRI subjects that are not nested nodes or pages of another
    subject (see the module doc), sorted by IRI."""
    bind = {Variable("g"): graph}
    subjects = {row[0].value for row in _rows(snapshot, _SUBJECTS, bind)}
    pages = {row[0].value for row in _rows(snapshot, _PAGES, bind)}
    nested: dict[str, bool] = {}
    found = [
        value
        for value in subjects
        if not value.startswith(_WIKIBASE_NODES)
        and value not in pages
        and not _reached(snapshot, value, subjects, graph, nested)
    ]
    found.sort()
    return [NamedNode(v) for v in found]


_SUBJECTS = "SELECT DISTINCT ?s ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }"
_PAGES = """SELECT DISTINCT ?s ?g WHERE {
  GRAPH ?g { ?s <http://schema.org/about> ?o }
  FILTER(isIRI(?s) && !CONTAINS(STR(?s), "/id/")
         && !STRSTARTS(STR(?s), "http://www.wikidata.org/entity/"))
}"""


def _rows(snapshot: Snapshot, sparql: str, bind: dict[Variable, NamedNode]) -> QuerySolutions:
    rows = snapshot.query(sparql, substitutions=bind)
    assert isinstance(rows, QuerySolutions)
    return rows


def _reached(
    snapshot: Snapshot, node: str, subjects: set[str], graph: NamedNode, memo: dict[str, bool]
) -> bool:
    """Whether the fragment node ``node`` (``base#x``) is in the description of ``base``: linked
    from ``base`` itself or from another fragment node of ``base`` that is."""
    base, hash_, _ = node.partition("#")
    if not hash_ or base not in subjects:
        return False
    if node in memo:
        return memo[node]
    memo[node] = False  # cycles between fragment nodes reach nothing by themselves
    for quad in snapshot.quads(None, None, NamedNode(node), graph):
        linker = quad.subject
        if not isinstance(linker, NamedNode) or linker.value.partition("#")[0] != base:
            continue
        if linker.value == base or _reached(snapshot, linker.value, subjects, graph, memo):
            memo[node] = True
            break
    return memo[node]
