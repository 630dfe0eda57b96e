"""The vocabulary and reference vocabularies, loaded as their own graphs when a store starts out,
and the bundled demo samples."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from commons_graph.errors import BadInput
from commons_graph.iris import Iris
from graph.store import GraphStore
from loaders.provenance import LoadReport, provenance_quads
from ontologies import ReferenceGraph, ontology_triples, reference_graphs

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
#: (format, file in demo/, source name) in load order.
DEMO_FILES: list[tuple[str, str, str | None]] = [
    ("coops-uk", "coops-uk-organisations.csv", None),
    ("coops-uk", "coops-uk-outlets.csv", None),
    ("essglobal-csv", "sse-standard.csv", None),
    ("glam-survey", "glam-survey.csv", None),
    ("wikidata", "wikidata.json", None),
]
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"


def ensure_references(
    store: GraphStore, iris: Iris, shared_data: Path, force: bool = False
) -> None:
    """Load the reference graphs unless the store has them already (or ``force``)."""
    if not force and iris.graph("ontology") in store.snapshot().named_graphs():
        return
    try:
        graphs = reference_graphs(shared_data)
    except BadInput as err:
        print(f"warning: reference vocabularies not loaded: {err.message}", file=sys.stderr)
        graphs = [ReferenceGraph("ontology", "Commons Graph vocabulary", CC0, ontology_triples())]
    with store.write() as writer:
        for ref in graphs:
            started = datetime.now(UTC)
            graph = iris.graph(ref.source)
            report = LoadReport(
                source=ref.source,
                format="reference",
                graph=graph.value,
                input=ref.title,
                sha256="",
                licence=ref.licence,
                started=started,
                ended=started,
            )
            report.quads = writer.replace_graph(graph, ref.triples)
            report.read = report.loaded = report.quads
            report.kinds = {"triple": report.quads}
            writer.retract(graph, iris.meta_graph)
            writer.add(provenance_quads(iris, report))
