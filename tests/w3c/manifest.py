"""Read the W3C test manifests (``manifest-present.ttl`` and what it includes) into test cases.

Files get the IRIs the suites were written for (``data-r2/...`` for SPARQL 1.0, ``data-sparql11/...``
for 1.1), so results that depend on a base IRI come out as the suites expect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store

MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
QT = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_BASES = {
    "sparql/sparql10/": "http://www.w3.org/2001/sw/DataAccess/tests/data-r2/",
    "sparql/sparql11/": "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/",
}


@dataclass
class Case:
    id: str
    kind: str  # local name of the rdf:type, e.g. QueryEvaluationTest, ProtocolTest
    name: str
    node: NamedNode | BlankNode
    graph: Store
    root: Path
    query: Path | None = None
    data: list[Path] = field(default_factory=list)
    graph_data: list[Path] = field(default_factory=list)
    result: Path | None = None
    approved: bool = True
    lax: bool = False  # mf:resultCardinality mf:LaxCardinality (REDUCED): see compare.py


def iri_of(path: Path, root: Path) -> str:
    rel = path.relative_to(root).as_posix()
    for prefix, base in _BASES.items():
        if rel.startswith(prefix):
            return base + rel[len(prefix) :]
    return path.as_uri()


def path_of(iri: str, root: Path) -> Path | None:
    for prefix, base in _BASES.items():
        if iri.startswith(base):
            return root / prefix / iri[len(base) :]
    return Path(iri[7:]) if iri.startswith("file://") else None


def _one(store: Store, s: NamedNode | BlankNode, p: str) -> object | None:
    for quad in store.quads_for_pattern(s, NamedNode(p), None):
        return quad.object
    return None


def _all(store: Store, s: NamedNode | BlankNode, p: str) -> list[object]:
    return [q.object for q in store.quads_for_pattern(s, NamedNode(p), None)]


def rdf_list(store: Store, head: object) -> list[object]:
    out = []
    while isinstance(head, NamedNode | BlankNode) and head != NamedNode(RDF + "nil"):
        out.append(_one(store, head, RDF + "first"))
        head = _one(store, head, RDF + "rest")
    return out


def load_cases(manifest: Path, root: Path) -> list[Case]:
    """Every test of ``manifest`` and the manifests it includes, in order."""
    store = Store()
    store.load(path=str(manifest), format=RdfFormat.TURTLE, base_iri=iri_of(manifest, root))
    me = NamedNode(iri_of(manifest, root))
    cases: list[Case] = []
    for include in _all(store, me, MF + "include"):
        for item in rdf_list(store, include):
            assert isinstance(item, NamedNode)
            sub = path_of(item.value, root)
            if sub is not None and sub.exists():
                cases += load_cases(sub, root)
    for entries in _all(store, me, MF + "entries"):
        for node in rdf_list(store, entries):
            assert isinstance(node, NamedNode | BlankNode)
            cases.append(_case(store, node, root))
    return cases


def _file(store: Store, node: object, root: Path) -> Path | None:
    return path_of(node.value, root) if isinstance(node, NamedNode) else None


def _case(store: Store, node: NamedNode | BlankNode, root: Path) -> Case:
    kind_node = _one(store, node, RDF + "type")
    kind = kind_node.value.rsplit("#", 1)[-1] if isinstance(kind_node, NamedNode) else ""
    name = _one(store, node, MF + "name")
    approval = _one(store, node, "http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#approval")
    case = Case(
        id=node.value,
        kind=kind,
        name=name.value if isinstance(name, Literal) else "",
        node=node,
        graph=store,
        root=root,
        approved=not (isinstance(approval, NamedNode) and approval.value.endswith("NotApproved")),
    )
    action = _one(store, node, MF + "action")
    if isinstance(action, NamedNode) and kind.endswith("SyntaxTest11"):
        case.query = _file(store, action, root)
    elif isinstance(action, BlankNode | NamedNode):
        case.query = _file(store, _one(store, action, QT + "query"), root)
        case.data = [p for d in _all(store, action, QT + "data") if (p := _file(store, d, root))]
        case.graph_data = [
            p for d in _all(store, action, QT + "graphData") if (p := _file(store, d, root))
        ]
    case.result = _file(store, _one(store, node, MF + "result"), root)
    case.lax = _one(store, node, MF + "resultCardinality") == NamedNode(MF + "LaxCardinality")
    return case
