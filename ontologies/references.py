"""Reference graphs: vocabularies loaded beside the data so that its IRIs have labels.

IRIs are rewritten by building new terms from parsed ones, never by editing RDF text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from commons_graph.errors import BadInput
from commons_graph.namespaces import RDF_TYPE, RDFS, SKOS
from ontologies.vocabulary import ONTOLOGY_PATH, ontology_triples

ESSGLOBAL_SOURCE_BASE = "http://purl.org/essglobal/"
ESSGLOBAL_BASE = "https://lod.coop/essglobal/2.1/"
ESSGLOBAL_DEV_BASE = "https://dev.lod.coop/essglobal/2.1/"

CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
CC_BY_3 = "http://creativecommons.org/licenses/by/3.0/"

RDFS_IS_DEFINED_BY = NamedNode(RDFS + "isDefinedBy")
VANN_NAMESPACE_URI = NamedNode("http://purl.org/vocab/vann/preferredNamespaceUri")
SKOS_CONCEPT = NamedNode(SKOS + "Concept")
SKOS_EXACT_MATCH = NamedNode(SKOS + "exactMatch")


Term = NamedNode | BlankNode | Literal | Triple


@dataclass(frozen=True)
class ReferenceGraph:
    """A vocabulary to load as its own named graph, with its provenance."""

    source: str
    title: str
    licence: str
    triples: list[Triple]


def reference_graphs(shared_data: Path) -> list[ReferenceGraph]:
    """The ontology, ESSGlobal and RightsStatements.org graphs.

    ``shared_data`` is the ``shared/data`` folder. A missing folder or file raises ``BadInput``
    naming the path; the caller decides whether that is fatal.
    """
    _require(shared_data)
    return [
        ReferenceGraph(
            source="ontology",
            title=f"Commons Graph vocabulary ({ONTOLOGY_PATH.name})",
            licence=CC0,
            triples=ontology_triples(),
        ),
        ReferenceGraph(
            source="vocab-essglobal",
            title="ESSGlobal vocabulary and SKOS schemes (RIPESS / ESSGlobal, MAP-SSE; "
            "maintained by Digital Commons Co-op), rebased onto " + ESSGLOBAL_BASE,
            licence=CC_BY_3,
            triples=essglobal_triples(shared_data / "vocab"),
        ),
        ReferenceGraph(
            source="vocab-rightsstatements",
            title="RightsStatements.org Standardized International Rights Statements 1.0",
            licence=CC0,
            triples=rightsstatements_triples(shared_data / "glam" / "rightsstatements"),
        ),
    ]


def essglobal_triples(folder: Path) -> list[Triple]:
    """All ``essglobal-*.ttl`` files, rebased, without empty literals, linked to their dev twins."""
    files = _files(folder, "essglobal-*.ttl")
    out: dict[Triple, None] = {}
    concepts: dict[NamedNode, None] = {}
    for triple in _parse_all(files):
        rebased = _rebase_triple(triple)
        if rebased is None:
            continue
        out[rebased] = None
        subject = rebased.subject
        if (
            rebased.predicate == RDF_TYPE
            and rebased.object == SKOS_CONCEPT
            and isinstance(subject, NamedNode)
            and subject.value.startswith(ESSGLOBAL_BASE)
        ):
            concepts[subject] = None
    for concept in concepts:
        twin = NamedNode(ESSGLOBAL_DEV_BASE + concept.value[len(ESSGLOBAL_BASE) :])
        out[Triple(concept, SKOS_EXACT_MATCH, twin)] = None
    return list(out)


def rightsstatements_triples(folder: Path) -> list[Triple]:
    """The RightsStatements.org skeleton (Turtle) and its English JSON-LD descriptions."""
    skeleton = folder / "rights-statements.ttl"
    _require(skeleton)
    files = [skeleton, *_files(folder, "*_en.json")]
    out: dict[Triple, None] = {}
    for triple in _parse_all(files):
        if not (isinstance(triple.object, Literal) and triple.object.value.strip() == ""):
            out[triple] = None
    return list(out)


def _rebase(term: Term) -> Term:
    if isinstance(term, NamedNode) and term.value.startswith(ESSGLOBAL_SOURCE_BASE):
        return NamedNode(ESSGLOBAL_BASE + term.value[len(ESSGLOBAL_SOURCE_BASE) :])
    return term


def _rebase_triple(triple: Triple) -> Triple | None:
    """The triple on the live base; ``None`` for an empty literal (``""@es``) to drop."""
    obj = triple.object
    if isinstance(obj, Literal):
        if obj.value.strip() == "":
            return None
        if obj.value.startswith(ESSGLOBAL_SOURCE_BASE):
            rebased = ESSGLOBAL_BASE + obj.value[len(ESSGLOBAL_SOURCE_BASE) :]
            if triple.predicate == RDFS_IS_DEFINED_BY:
                # essglobal-vocab.ttl writes some rdfs:isDefinedBy values as strings.
                obj = NamedNode(rebased)
            elif triple.predicate == VANN_NAMESPACE_URI:
                obj = Literal(rebased, datatype=obj.datatype)
    subject = _rebase(triple.subject)
    predicate = _rebase(triple.predicate)
    assert isinstance(subject, NamedNode | BlankNode | Triple)
    assert isinstance(predicate, NamedNode)
    return Triple(subject, predicate, _rebase(obj))


def _parse_all(files: Iterable[Path]) -> Iterator[Triple]:
    for path in files:
        fmt = RdfFormat.JSON_LD if path.suffix == ".json" else RdfFormat.TURTLE
        try:
            triples = list(parse(path=path, format=fmt))
        except (OSError, SyntaxError, ValueError) as err:
            raise BadInput(f"cannot read reference vocabulary {path}: {err}") from err
        yield from triples


def _files(folder: Path, pattern: str) -> list[Path]:
    _require(folder)
    files = sorted(folder.glob(pattern))
    if not files:
        raise BadInput(f"reference vocabulary missing: no file matches {folder / pattern}")
    return files


def _require(path: Path) -> None:
    if not path.exists():
        raise BadInput(f"reference vocabulary missing: {path} does not exist")
