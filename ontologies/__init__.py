"""The Commons Graph vocabulary (``commons.ttl``), its JSON-LD context and the reference vocabularies.

``ontology_triples()`` and ``context()`` read the files shipped with this package;
``reference_graphs()`` builds the graphs that are loaded beside the data: this vocabulary,
ESSGlobal (rebased onto ``https://lod.coop/essglobal/2.1/``) and RightsStatements.org.
"""

from __future__ import annotations

from ontologies.references import ReferenceGraph, reference_graphs
from ontologies.vocabulary import CONTEXT_PATH, ONTOLOGY_PATH, context, ontology_triples

__all__ = [
    "CONTEXT_PATH",
    "ONTOLOGY_PATH",
    "ReferenceGraph",
    "context",
    "ontology_triples",
    "reference_graphs",
]
